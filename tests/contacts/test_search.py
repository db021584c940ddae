"""The contact search, the same on SQLite and on PostgreSQL (its indexed form there)."""

import pytest

from contacts.models import Contact, ContactPoint
from contacts.search import search
from tests.contacts.factories import make_contact


@pytest.fixture
def people(db):
    jerome = make_contact(first_name="Jérôme", last_name="Œuvray", email="jo@exemple.fr",
                          phone="+33620212223", company="Boulangerie Lefèvre")  # fmt: skip
    ContactPoint.objects.create(contact=jerome, kind="email", value="jerome@perso.fr")
    ContactPoint.objects.create(contact=jerome, kind="phone", value="+33142685300")
    make_contact(first_name="Anaïs", last_name="Dupont", email="anais_100%@exemple.fr",
                 phone="+33612345678")  # fmt: skip
    make_contact(first_name="Noël", last_name="Dupont-Roché", email="noel@exemple.fr")


def _found(term: str) -> set[str]:
    return {contact.first_name for contact in search(Contact.objects.all(), term)}


@pytest.mark.parametrize(
    ("term", "names"),
    [
        ("jerome oeuvray", {"Jérôme"}),  # accents and ligatures ignored, every word needed
        ("DUPONT", {"Anaïs", "Noël"}),
        ("dupont roche", {"Noël"}),
        ("boulangerie lefevre", {"Jérôme"}),  # the company
        ("perso.fr", {"Jérôme"}),  # a further address
        ("100%", {"Anaïs"}),  # % and _ are letters, not wildcards
        ("anais_", {"Anaïs"}),
        ("06 20 21", {"Jérôme"}),
        ("06.20.21.22.23", {"Jérôme"}),
        ("+33 6 20", {"Jérôme"}),
        ("01 42 68", {"Jérôme"}),  # a further number
        ("06", {"Jérôme", "Anaïs"}),
        ("nobody", set()),
    ],
)
def test_it_finds_people_by_words_and_numbers(people, term, names):
    assert _found(term) == names
