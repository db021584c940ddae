import pytest
from django.urls import reverse

from contacts import merging
from contacts.models import Activity, ConsentEvent, Contact, ContactPoint, Note
from tests.contacts.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins(alice):
    keep = make_contact(
        first_name="Élodie",
        last_name="Lefèvre",
        email="elodie@exemple.fr",
        email_status="subscribed",
        consent_basis="consent",
        tags=["Clients"],
        sources=["google"],
        handles={"linkedin": "https://linkedin.com/in/elodie"},
    )
    other = make_contact(
        first_name="Elodie",
        last_name="Lefèvre",
        phone="+33612345678",
        city="Besançon",
        tags=["VIP"],
        sources=["facebook"],
        handles={"instagram": "elo", "linkedin": "https://linkedin.com/in/elo2"},
    )
    Note.objects.create(contact=other, author=alice, body="Vue au marché.")
    return keep, other


def test_a_merge_keeps_every_tag_note_handle_source_and_consent_record(twins, alice):
    keep, other = twins
    events_before = ConsentEvent.objects.count()
    merged = merging.merge(keep, other, {"first_name"}, by=alice)

    assert not Contact.objects.filter(pk=other.pk).exists()
    assert (merged.first_name, merged.email, merged.phone, merged.city) == (
        "Elodie",
        "elodie@exemple.fr",
        "+33612345678",
        "Besançon",
    )
    assert sorted(t.name for t in merged.tags.all()) == ["Clients", "VIP"]
    assert sorted(merged.sources.values_list("source", flat=True)) == ["facebook", "google"]
    assert dict(merged.handles.values_list("network", "value")) == {
        "linkedin": "https://linkedin.com/in/elodie",
        "instagram": "elo",
    }
    assert Activity.objects.filter(contact=merged, detail__contains="elo2").exists()
    assert merged.contact_notes.get().body == "Vue au marché."
    assert ConsentEvent.objects.count() == events_before  # all kept, nothing changed
    assert ConsentEvent.objects.filter(contact=merged).count() == 2


@pytest.mark.parametrize("blocked", ["unsubscribed", "bounced", "complained"])
def test_a_merge_never_brings_back_an_address_that_left(blocked, alice):
    keep = make_contact(email="a@exemple.fr", email_status="subscribed", consent_basis="consent")
    other = make_contact(email="b@exemple.fr", email_status=blocked)
    merged = merging.merge(keep, other, set(), by=alice)
    assert merged.email_status == blocked
    event = ConsentEvent.objects.filter(contact=merged).order_by("-id").first()
    assert (event.how, event.to_status, event.by) == ("merge", blocked, alice)


def test_a_merge_may_keep_the_other_address(alice):
    keep = make_contact(email="old@exemple.fr")
    other = make_contact(email="new@exemple.fr", email_status="subscribed", consent_basis="b2b")
    merged = merging.merge(keep, other, {"email"}, by=alice)
    assert (merged.email, merged.email_status, merged.consent_basis) == (
        "new@exemple.fr",
        "subscribed",
        "b2b",
    )


def test_a_merge_keeps_every_address_and_number_of_both(alice):
    keep = make_contact(first_name="Anne", email="anne@atelier.fr", phone="+33612345678")
    other = make_contact(first_name="Anne", email="anne.perso@exemple.fr", phone="+33381000000")
    ContactPoint.objects.create(contact=other, kind="phone", value="555 0199", understood=False)
    ContactPoint.objects.create(contact=other, kind="email", value="ANNE@atelier.fr")
    merged = merging.merge(keep, other, {"phone"}, by=alice)
    assert (merged.email, merged.phone) == ("anne@atelier.fr", "+33381000000")
    points = {(p.kind, p.value, p.understood) for p in merged.points.all()}
    assert points == {
        ("email", "anne.perso@exemple.fr", True),
        ("phone", "+33612345678", True),  # Anne's number before the merge
        ("phone", "555 0199", False),
    }


def test_the_admin_merges_two_selected_contacts_side_by_side(client, alice, twins):
    keep, other = twins
    client.force_login(alice)
    changelist = reverse("admin:contacts_contact_changelist")
    response = client.post(
        changelist, {"action": "merge_two", "_selected_action": [keep.pk, other.pk]}
    )
    page = client.get(response["Location"])
    assert "Besançon" in page.content.decode()
    response = client.post(response["Location"], {"first_name": "keep", "city": "other"})
    assert response["Location"] == reverse("admin:contacts_contact_change", args=[keep.pk])
    assert list(Contact.objects.values_list("first_name", "city")) == [("Élodie", "Besançon")]


def test_the_admin_asks_for_exactly_two_contacts(client, alice):
    client.force_login(alice)
    contacts = [make_contact(first_name=n) for n in "ABC"]
    client.post(
        reverse("admin:contacts_contact_changelist"),
        {"action": "merge_two", "_selected_action": [c.pk for c in contacts]},
    )
    assert Contact.objects.count() == 3
