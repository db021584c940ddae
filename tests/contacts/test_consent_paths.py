"""Every way an address's status changes leaves exactly one consent record, naming the move."""

from datetime import UTC, datetime

import pytest
from anymail.signals import AnymailTrackingEvent
from django.test import Client
from django.urls import reverse

from campaigns import tracking
from campaigns.models import Delivery
from campaigns.unsubscribe import unsubscribe_url
from contacts import consent, merging
from contacts.consent import ConsentError
from contacts.models import ConsentChange, ConsentEvent, Contact
from tests.campaigns.conftest import make_campaign
from tests.contacts.factories import make_contact
from tests.contacts.importing.conftest import run_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def jean():
    return make_contact(first_name="Jean", email="jean@exemple.fr", email_status="subscribed",
                        consent_basis="customer")  # fmt: skip


def _moves(contact: Contact, since: int) -> list[tuple[str, str, str]]:
    """Return the (from, to, how) of the contact's records written after record `since`."""
    events = ConsentEvent.objects.filter(contact=contact, pk__gt=since).order_by("pk")
    return list(events.values_list("from_status", "to_status", "how"))


def _last_record() -> int:
    return ConsentEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture(autouse=True)
def _every_status_has_its_record():
    """After each path, every contact's status and basis are those its last record names."""
    yield
    for contact in Contact.objects.all():
        last = contact.consent_events.order_by("pk").last()
        assert (last.to_status, last.basis) == (contact.email_status, contact.consent_basis)


def test_the_admin_form(as_alice, jean):
    since = _last_record()
    url = reverse("admin:contacts_contact_change", args=[jean.pk])
    form = {"first_name": "Jean", "email": "jean@exemple.fr", "email_status": "unsubscribed",
            "consent_basis": "customer"}  # fmt: skip
    for prefix in ("handles", "points", "contact_notes", "consent_events"):
        form |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    assert as_alice.post(url, form).status_code == 302
    assert _moves(jean, since) == [("subscribed", "unsubscribed", "admin")]


def test_the_admin_action(as_alice, jean):
    since = _last_record()
    data = {"action": "mark_unsubscribed", "_selected_action": [jean.pk]}
    as_alice.post(reverse("admin:contacts_contact_changelist"), data)
    assert _moves(jean, since) == [("subscribed", "unsubscribed", "admin")]


def test_an_import(tmp_path):
    paul = make_contact(first_name="Paul", email="paul@exemple.fr")
    since = _last_record()
    run_import(tmp_path, "c.csv", "Prénom;Nom;Email\nPaul;Martin;paul@exemple.fr\n",
               "--basis", "customer")  # fmt: skip
    assert _moves(paul, since) == [("no_consent", "subscribed", "import")]


def test_a_merge(jean, alice):
    other = make_contact(first_name="Jean", email="jean.m@exemple.fr", email_status="bounced")
    since = _last_record()
    merging.merge(jean, other, set(), by=alice)
    assert _moves(jean, since) == [("subscribed", "bounced", "merge")]


def test_the_unsubscribe_link(jean):
    campaign = make_campaign()
    Delivery.objects.create(campaign=campaign, contact=jean, email=jean.email, status="sent")
    since = _last_record()
    path = unsubscribe_url(jean.pk, campaign.pk).removeprefix("http://127.0.0.1:8000")
    Client().post(path, "List-Unsubscribe=One-Click",
                  content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert _moves(jean, since) == [("subscribed", "unsubscribed", "unsubscribe")]


@pytest.mark.parametrize(
    ("kind", "how"),
    [("bounced", "bounce"), ("complained", "complaint"), ("unsubscribed", "unsubscribe")],
)
def test_a_webhook(jean, kind, how):
    """An ESP's event about a message Carnet sent (only such an event changes anyone)."""
    Delivery.objects.create(campaign=make_campaign(), contact=jean, email=jean.email,
                            status="sent", esp_message_id="<soldes-jean@esp>")  # fmt: skip
    since = _last_record()
    at = datetime(2026, 11, 20, tzinfo=UTC)
    event = AnymailTrackingEvent(event_type=kind, recipient=jean.email, timestamp=at,
                                 message_id="<soldes-jean@esp>")  # fmt: skip
    tracking.record(event, "test")
    assert _moves(jean, since) == [("subscribed", kind, how)]


def test_a_contact_refuses_a_change_of_consent_made_around_the_module(jean):
    since = _last_record()
    jean.email_status = "unsubscribed"
    with pytest.raises(ConsentError):
        jean.save()
    jean.refresh_from_db()
    jean.consent_basis = "b2b"
    with pytest.raises(ConsentError):
        jean.save()
    assert _moves(jean, since) == []
    assert Contact.objects.get(pk=jean.pk).email_status == "subscribed"


def test_a_new_contact_made_through_the_module_has_one_record(alice):
    contact = Contact(first_name="Léa", email="lea@exemple.fr")
    how = ConsentChange(how="admin", by=alice)
    consent.change(contact, status="subscribed", basis="consent", how=how)
    assert _moves(contact, 0) == [("", "subscribed", "admin")]
    contact.first_name = "Léa-Rose"
    contact.save()  # other fields still save as usual
    assert len(_moves(contact, 0)) == 1
