import pytest

from contacts import consent
from contacts.choices import ConsentMethod, EmailStatus
from contacts.consent import ConsentError
from contacts.models import ConsentChange, ConsentEvent, Contact

pytestmark = pytest.mark.django_db


def _history(contact):
    return list(
        ConsentEvent.objects.filter(contact=contact)
        .order_by("id")
        .values_list("from_status", "to_status", "basis", "how")
    )


def test_it_records_the_status_a_contact_is_created_with():
    contact = Contact.objects.create(email="a@exemple.fr")
    assert _history(contact) == [("", "no_consent", "", "system")]


def test_it_records_every_change_of_status_with_how_and_proof(alice):
    contact = Contact.objects.create(email="a@exemple.fr")
    how = ConsentChange(
        how=ConsentMethod.IMPORT, by=alice, proof_file_name="clients.csv", proof_sha256="ab" * 32
    )
    consent.change(contact, status=EmailStatus.SUBSCRIBED, basis="consent", how=how)
    how = ConsentChange(how=ConsentMethod.UNSUBSCRIBE, ip="203.0.113.7")
    consent.change(contact, status=EmailStatus.UNSUBSCRIBED, how=how)

    assert _history(contact)[1:] == [
        ("no_consent", "subscribed", "consent", "import"),
        ("subscribed", "unsubscribed", "consent", "unsubscribe"),
    ]
    imported = ConsentEvent.objects.get(contact=contact, how="import")
    assert (imported.by, imported.proof_file_name, imported.proof_sha256) == (
        alice,
        "clients.csv",
        "ab" * 32,
    )
    assert ConsentEvent.objects.get(contact=contact, how="unsubscribe").ip == "203.0.113.7"


def test_it_records_a_change_of_basis_alone():
    contact = Contact.objects.create(
        email="a@exemple.fr", email_status="subscribed", consent_basis="customer"
    )
    consent.change(contact, status="subscribed", basis="consent", how=ConsentChange())
    assert _history(contact)[-1] == ("subscribed", "subscribed", "consent", "system")


def test_it_writes_nothing_when_consent_did_not_change():
    contact = Contact.objects.create(email="a@exemple.fr")
    contact.first_name = "Zoé"
    contact.save()
    Contact.objects.get(pk=contact.pk).save()
    assert len(_history(contact)) == 1


@pytest.mark.parametrize("how", [ConsentMethod.IMPORT, ConsentMethod.SYSTEM, ConsentMethod.MERGE])
def test_it_never_lets_an_import_resubscribe_someone_who_left(how):
    contact = Contact.objects.create(email="a@exemple.fr", email_status="unsubscribed")
    with pytest.raises(ConsentError):
        consent.change(contact, status="subscribed", basis="consent", how=ConsentChange(how=how))
    assert Contact.objects.get(pk=contact.pk).email_status == "unsubscribed"
    assert len(_history(contact)) == 1


def test_it_lets_the_person_come_back_through_a_confirmed_form():
    contact = Contact.objects.create(email="a@exemple.fr", email_status="bounced")
    how = ConsentChange(how=ConsentMethod.CONFIRMATION, proof_form="/join/")
    consent.change(contact, status="subscribed", basis="consent", how=how)
    assert _history(contact)[-1] == ("bounced", "subscribed", "consent", "confirmation")


def test_it_records_each_contact_of_a_bulk_change(alice):
    subscribed = Contact.objects.create(
        email="a@exemple.fr", email_status="subscribed", consent_basis="b2b"
    )
    already = Contact.objects.create(email="b@exemple.fr", email_status="unsubscribed")
    bounced = Contact.objects.create(email="c@exemple.fr", email_status="bounced")

    moved = consent.change_many(
        Contact.objects.all(), "unsubscribed", ConsentChange(how=ConsentMethod.ADMIN, by=alice)
    )

    assert moved == 2
    assert _history(subscribed)[-1] == ("subscribed", "unsubscribed", "b2b", "admin")
    assert _history(bounced)[-1] == ("bounced", "unsubscribed", "", "admin")
    assert len(_history(already)) == 1
    assert set(Contact.objects.values_list("email_status", flat=True)) == {"unsubscribed"}


def test_a_bulk_change_skips_contacts_the_rules_protect():
    left = Contact.objects.create(email="a@exemple.fr", email_status="unsubscribed")
    fresh = Contact.objects.create(email="b@exemple.fr")
    moved = consent.change_many(
        Contact.objects.all(), "pending", ConsentChange(how=ConsentMethod.IMPORT)
    )
    assert moved == 1
    left.refresh_from_db()
    fresh.refresh_from_db()
    assert (left.email_status, fresh.email_status) == ("unsubscribed", "pending")


def test_the_history_is_append_only():
    contact = Contact.objects.create(email="a@exemple.fr")
    event = ConsentEvent.objects.get(contact=contact)
    event.detail = "rewritten"
    with pytest.raises(ValueError):
        event.save()
