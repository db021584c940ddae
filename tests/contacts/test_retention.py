"""Retention: quiet prospects flagged, asked to confirm, deleted without an answer."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone, translation

from audience import confirming
from campaigns.choices import CampaignKind, CampaignStatus
from campaigns.models import Campaign, Delivery
from contacts import erasure, retention
from contacts.models import (
    Activity,
    ConsentChange,
    ConsentEvent,
    Contact,
    ContactPoint,
    ErasedAddress,
    ImportJob,
    Note,
)
from tests.campaigns.conftest import make_campaign
from tests.contacts.factories import make_contact
from tests.contacts.importing.conftest import run_import

pytestmark = pytest.mark.django_db
LONG_AGO = timezone.now() - timedelta(days=4 * 365)
RECENTLY = timezone.now() - timedelta(days=200)


def _quiet(**fields) -> Contact:
    """Return a prospect created four years ago, with nothing since."""
    contact = make_contact(first_name="Paul", **{"email": "paul@exemple.fr", **fields})
    Contact.objects.filter(pk=contact.pk).update(created_at=LONG_AGO)
    ConsentEvent.objects.filter(contact=contact).update(at=LONG_AGO)
    return Contact.objects.get(pk=contact.pk)


def _delivery(contact: Contact, kind=CampaignKind.REGULAR, **fields) -> Delivery:
    campaign = make_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(kind=kind)
    return Delivery.objects.create(campaign=campaign, contact=contact, email=contact.email,
                                   status="sent", **fields)  # fmt: skip


def test_a_prospect_quiet_for_three_years_is_flagged_once():
    paul = _quiet(email_status="subscribed", consent_basis="consent")
    assert retention.run()["flagged"] == 1
    paul.refresh_from_db()
    assert paul.retention_flagged_at is not None
    assert paul.activities.get().kind == Activity.Kind.FLAGGED
    flagged_at = paul.retention_flagged_at
    assert retention.run()["flagged"] == 0
    paul.refresh_from_db()
    assert paul.retention_flagged_at == flagged_at  # the grace period is not restarted


def _consent_event(contact, how="admin", at=LONG_AGO):
    event = ConsentEvent.record(contact, contact.email_status, _change(how))
    ConsentEvent.objects.filter(pk=event.pk).update(at=at)


def _change(how):
    return ConsentChange(how=how)


def _set(contact, **fields):
    Contact.objects.filter(pk=contact.pk).update(**fields)


def _note(contact, at=RECENTLY):
    note = Note.objects.create(contact=contact, body="Rappeler pour le devis.")
    Note.objects.filter(pk=note.pk).update(created_at=at)


def _activity(contact, kind, by=None, at=RECENTLY):
    by = User.objects.create_user("marie") if by == "owner" else by
    Activity.objects.create(contact=contact, kind=kind, by=by, at=at)


PROTECTIONS = {
    "a customer": lambda c: _set(c, consent_basis="customer"),
    "a click, however old": lambda c: _delivery(c, clicked_at=LONG_AGO),
    "a confirmed sign-up": lambda c: _consent_event(c, how="form"),
    "a confirmed invitation": lambda c: _consent_event(c, how="invitation"),
    "a double opt-in": lambda c: _consent_event(c, how="confirmation"),
    "a recent creation": lambda c: _set(c, created_at=RECENTLY),
    "a recent consent record": lambda c: _consent_event(c, at=RECENTLY),
    "a recent opening": lambda c: _delivery(c, opened_at=RECENTLY),
    "a recent note": _note,
    "a tag the owner added recently": lambda c: _activity(c, Activity.Kind.TAGGED, "owner"),
    "a recent merge": lambda c: _activity(c, Activity.Kind.MERGED),
    "a recent import's tag": lambda c: _activity(c, Activity.Kind.TAGGED),
}  # fmt: skip


@pytest.mark.parametrize("protection", PROTECTIONS)
def test_each_sign_of_life_keeps_a_contact_from_being_flagged(protection):
    kept = _quiet(email="kept@exemple.fr")
    PROTECTIONS[protection](kept)
    flagged = _quiet(email="quiet@exemple.fr")
    retention.run()
    assert list(retention.flagged()) == [flagged]


def test_old_notes_and_the_retention_s_own_entries_are_no_sign_of_life():
    paul = _quiet()
    _note(paul, at=LONG_AGO)
    _activity(paul, Activity.Kind.TAGGED, "owner", at=LONG_AGO)
    for kind in (Activity.Kind.FLAGGED, Activity.Kind.UNFLAGGED, Activity.Kind.RECONFIRMED):
        _activity(paul, kind)
    retention.run()
    assert list(retention.flagged()) == [paul]
    assert retention.run()["unflagged"] == 0  # its own "flagged" entry does not unflag him


def test_a_note_written_on_a_flagged_contact_unflags_it():
    paul = _quiet()
    retention.run()
    Note.objects.create(contact=paul, body="Passé à la boutique, veut un devis.")
    assert retention.run()["unflagged"] == 1


def test_a_contact_without_an_address_is_never_flagged_nor_deleted(settings):
    _quiet(email="", phone="+33612345678")
    paul = _quiet()
    retention.run()
    later = timezone.now() + timedelta(days=settings.RETENTION_GRACE_DAYS, minutes=1)
    _set(paul, email="")  # the owner removed his address while he was flagged
    done = retention.run(later)
    assert (done["unflagged"], done["deleted"], done["flagged"]) == (1, 0, 0)
    assert Contact.objects.count() == 2 and not retention.flagged().exists()


def test_an_email_sent_is_no_sign_of_life():
    """Sending sets last_contacted_at: the re-permission email must not unflag its readers."""
    paul = _quiet(email_status="subscribed", consent_basis="b2b")
    _set(paul, last_contacted_at=RECENTLY)
    retention.run()
    assert list(retention.flagged()) == [paul]
    _set(paul, last_contacted_at=timezone.now())
    assert retention.run()["unflagged"] == 0


def test_a_sign_of_life_after_the_flag_unflags():
    paul = _quiet()
    retention.run()
    _delivery(paul, opened_at=timezone.now())
    assert retention.run()["unflagged"] == 1
    paul.refresh_from_db()
    assert paul.retention_flagged_at is None
    assert Activity.Kind.UNFLAGGED in paul.activities.values_list("kind", flat=True)


def test_without_an_answer_after_the_grace_period_they_are_deleted_without_a_hash(settings):
    paul = _quiet(email_status="subscribed", consent_basis="b2b")
    zoe = _quiet(email="zoe@exemple.fr", email_status="unsubscribed")
    _delivery(paul)
    retention.run()
    later = timezone.now() + timedelta(days=settings.RETENTION_GRACE_DAYS - 1)
    assert retention.run(later)["deleted"] == 0
    later = timezone.now() + timedelta(days=settings.RETENTION_GRACE_DAYS, minutes=1)
    assert retention.run(later)["deleted"] == 2
    assert not Contact.objects.exists() and not Delivery.objects.exists()
    assert not erasure.is_erased(paul.email)  # expired, not forgotten: a re-import may add him
    # Zoé had said no: her refusal outlives her contact.
    assert ErasedAddress.objects.get().reason == ErasedAddress.Reason.OPTED_OUT
    assert erasure.erased_among([zoe.email]) == {zoe.email: "opted_out"}


def test_a_refusal_outlives_its_contact_as_a_further_address_too(settings, tmp_path):
    _quiet(email="zoe@exemple.fr", email_status="unsubscribed")
    retention.run()
    retention.run(timezone.now() + timedelta(days=settings.RETENTION_GRACE_DAYS, minutes=1))
    csv = ("First Name,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value\n"
           "Marc,Work,marc@exemple.fr,Home,zoe@exemple.fr\n")  # fmt: skip
    with translation.override("fr"):
        run_import(tmp_path, "clients.csv", csv, "--basis", "consent")
    assert list(ContactPoint.objects.values_list("value", flat=True)) == []
    [problem] = ImportJob.objects.get().report["problems"]
    assert problem["reason"] == (
        "Une adresse qui s'était désinscrite, et dont le contact a été supprimé à la fin "
        "de la durée de conservation, n'a pas été reprise."
    )


def _proof():
    return confirming.Proof(at=timezone.now(), ip="198.51.100.7", user_agent="Firefox/140.0")


def test_confirming_the_re_permission_email_clears_the_flag_with_its_proof():
    paul = _quiet(email_status="subscribed", consent_basis="b2b")
    retention.run()
    delivery = _delivery(paul, kind=CampaignKind.REPERMISSION)
    assert confirming.confirm("repermission", delivery.pk, _proof()) == paul
    paul.refresh_from_db()
    assert paul.retention_flagged_at is None
    assert (paul.email_status, paul.consent_basis) == ("subscribed", "consent")
    event = paul.consent_events.order_by("-at", "-id").first()
    assert (event.how, event.from_status) == ("confirmation", "subscribed")
    assert event.ip == "198.51.100.7"
    assert "Firefox/140.0" in event.detail and event.proof_at is not None
    assert Activity.Kind.RECONFIRMED in paul.activities.values_list("kind", flat=True)
    assert retention.run()["flagged"] == 0  # a confirmed address is no longer a prospect


def test_a_contact_already_subscribed_by_consent_gets_the_confirmation_recorded_once():
    paul = _quiet(email_status="subscribed", consent_basis="consent")
    retention.run()
    delivery = _delivery(paul, kind=CampaignKind.REPERMISSION)
    events = paul.consent_events.count()
    retention.reconfirm(delivery.pk, _proof())
    retention.reconfirm(delivery.pk, _proof())  # a second click records nothing more
    assert paul.consent_events.count() == events + 1
    event = paul.consent_events.order_by("-at", "-id").first()
    assert (event.from_status, event.to_status, event.how) == (
        "subscribed", "subscribed", "confirmation")  # fmt: skip


def test_only_a_re_permission_email_confirms_and_a_deleted_contact_confirms_nobody():
    paul = _quiet(email_status="subscribed", consent_basis="consent")
    retention.run()
    assert retention.reconfirm(_delivery(paul).pk, _proof()) is None  # a regular campaign
    delivery = _delivery(paul, kind=CampaignKind.REPERMISSION)
    erasure.delete_person(paul, None)
    assert retention.reconfirm(delivery.pk, _proof()) is None


def test_the_page_counts_them_and_prepares_the_re_permission_campaign_once(client, alice):
    _quiet(email_status="subscribed", consent_basis="consent")
    _quiet(email="sans-consentement@exemple.fr")
    retention.run()
    client.force_login(alice)
    url = reverse("admin:contacts_contact_retention")
    page = client.get(url).content.decode()
    assert '<dd id="retention-flagged">2</dd>' in page
    assert '<dd id="retention-reachable">1</dd>' in page
    response = client.post(url)
    campaign = Campaign.objects.get()
    assert response.url == reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    assert (campaign.kind, campaign.status) == (CampaignKind.REPERMISSION, CampaignStatus.DRAFT)
    assert "{{ confirm_url }}" in campaign.html_body
    campaign.full_clean()  # the owner can send it as it is
    client.post(url)
    assert Campaign.objects.count() == 1  # the draft is opened again, not doubled


def test_the_contact_page_and_the_list_show_the_flag(client, alice):
    paul = _quiet()
    retention.run()
    client.force_login(alice)
    page = client.get(reverse("admin:contacts_contact_change", args=[paul.pk])).content.decode()
    assert 'id="person-retention"' in page
    listing = reverse("admin:contacts_contact_changelist") + "?retention=flagged"
    assert "Paul" in client.get(listing).content.decode()


def test_the_daily_job_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["retention"]
    assert entry["task"] == "contacts.tasks.apply_retention" and entry["schedule"] == 86400
