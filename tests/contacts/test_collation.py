"""Names sort as French readers expect, on SQLite and on PostgreSQL alike."""

from itertools import pairwise

from django.urls import reverse

from contacts.models import Contact
from crm.lib.collation import compare_names
from tests.contacts.factories import make_contact

# As a French address book lists them: accents and ligatures by their letters, case after.
ORDERED = [
    ("Louise", "du Pont"),
    ("Zoé", "Dupont"),
    ("Jean", "Ébert"),
    ("Élodie", "Lambert"),
    ("Eloïse", "Lambert"),
    ("Léa", "Lefebvre"),
    ("Noël", "Lefèvre"),
    ("Yves", "Œuvray"),
    ("Anaïs", "Roché"),
    ("Théo", "Roux"),
    ("Chloé", "Zola"),
]


def test_the_contacts_sort_by_the_languages_collation(db):
    for first, last in reversed(ORDERED):
        make_contact(first_name=first, last_name=last)
    listed = list(Contact.objects.values_list("first_name", "last_name"))
    assert listed == ORDERED


def test_the_contact_list_sorts_the_same_way(client, alice):
    for first, last in reversed(ORDERED):
        make_contact(first_name=first, last_name=last)
    client.force_login(alice)
    response = client.get(reverse("admin:contacts_contact_changelist"))
    shown = [str(contact) for contact in response.context["cl"].result_list]
    assert shown == [f"{first} {last}" for first, last in ORDERED]


def test_a_name_sorted_by_its_column_header_sorts_the_same_way(client, alice):
    for first, last in ORDERED:
        make_contact(first_name=first, last_name=last)
    client.force_login(alice)
    response = client.get(reverse("admin:contacts_contact_changelist") + "?o=1")
    shown = [contact.last_name for contact in response.context["cl"].result_list]
    assert shown == [last for _first, last in ORDERED]


def test_the_sqlite_collation_agrees_with_the_order_expected():
    names = [last for _first, last in ORDERED]
    for before, after in pairwise(names):
        assert compare_names(before, after) <= 0, (before, after)
    assert compare_names("Élodie", "Eloïse") < 0 < compare_names("Roché", "Œuvray")
