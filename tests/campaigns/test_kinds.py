"""Each kind of campaign has its own audience, last consent check and merge fields."""

import re
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from audience import confirming
from campaigns import services
from campaigns.models import Delivery
from campaigns.sending.batch import send_batch
from campaigns.sending.compose import Composer, Recipient
from campaigns.sending.ledger import HandOver, claim
from contacts import consent
from contacts.models import ConsentChange, Contact
from tests.campaigns.conftest import MAILABLE, make_campaign
from tests.contacts.factories import make_contact

INVITATION_BODY = (
    "<p>Bonjour {{ first_name }}, voulez-vous nos nouvelles ?</p>"
    '<p><a class="button" href="{{ confirm_url }}">Oui</a></p>'
)


def invitation(**fields):
    return make_campaign(kind="invitation", name="Invitation", html_body=INVITATION_BODY,
                         **fields)  # fmt: skip


def started(campaign):
    services.schedule(campaign)
    services.start(campaign)
    return campaign


def send_all(campaign) -> None:
    while send_batch(campaign.pk):
        pass
    services.finish_if_done(campaign)


def addresses(contacts) -> set[str]:
    return set(contacts.values_list("email", flat=True))


def invited(campaign) -> set[str]:
    return set(campaign.deliveries.values_list("email", flat=True))


def test_an_invitation_is_for_the_no_consent_contacts_with_an_address(audience):
    make_contact(first_name="Léa", email="lea@exemple.fr")
    make_contact(first_name="Noé", phone="+33611223344")  # no consent, but no address
    make_contact(first_name="Max", email="max@exemple.fr", email_status="pending")
    campaign = invitation()
    assert addresses(services.audience(campaign)) == {"paul@exemple.fr", "lea@exemple.fr"}


def test_nobody_is_invited_twice_whatever_invitation_comes_next(audience):
    first = started(invitation())
    assert invited(first) == {"paul@exemple.fr"}
    second = invitation()
    assert not services.audience(second).exists()
    make_contact(first_name="Léa", email="lea@exemple.fr")
    started(second)
    assert invited(second) == {"lea@exemple.fr"}
    assert not services.audience(invitation()).exists()


def test_an_invitation_not_sent_yet_still_counts_as_the_invitation(audience):
    """A row of any state is the record: a cancelled invitation invites nobody again."""
    first = started(invitation())
    services.cancel(first)
    assert Delivery.objects.get(campaign=first).status == "skipped"
    assert not services.audience(invitation()).exists()


@pytest.mark.django_db(transaction=True)
def test_two_invitations_started_at_once_invite_each_contact_once():
    for number in range(20):
        make_contact(email=f"prospect{number}@exemple.fr")
    first, second = invitation(), invitation()
    services.schedule(first)
    services.schedule(second)
    first_started = threading.Event()

    def start_first_and_linger():
        try:
            with transaction.atomic():
                services.start(first)
                first_started.set()
                time.sleep(0.5)  # its rows are written, not committed yet
        finally:
            connection.close()

    thread = threading.Thread(target=start_first_and_linger)
    thread.start()
    assert first_started.wait(10)
    try:
        services.start(second)
    finally:
        thread.join(10)
    assert len(invited(first)) + len(invited(second)) == 20
    assert invited(first).isdisjoint(invited(second))


def test_the_ledger_skips_whoever_subscribed_or_left_before_the_hand_over(audience, smtp):
    make_contact(first_name="Léa", email="lea@exemple.fr")
    campaign = started(invitation())
    ledger = claim(campaign.pk, 10)
    paul, lea = (Contact.objects.get(email=f"{name}@exemple.fr") for name in ("paul", "lea"))
    consent.change(paul, status="subscribed", basis="consent", how=ConsentChange(how="admin"))
    consent.change(lea, status="unsubscribed", how=ConsentChange(how="unsubscribe"))
    messages = [(r.delivery_id, f"<{r.delivery_id}@x>") for r, _attempts in ledger.recipients]
    assert ledger.hand_over(messages) == set()
    assert {ledger.why_not(pk) for pk, _ in messages} == {HandOver.SKIPPED}
    ledger.close()
    send_all(campaign)
    assert smtp.messages == []
    assert set(campaign.deliveries.values_list("status", flat=True)) == {"skipped"}


def test_the_last_check_before_a_message_leaves_uses_the_invitation_rule(audience, smtp):
    make_contact(first_name="Léa", email="lea@exemple.fr")
    campaign = started(invitation())
    ledger = claim(campaign.pk, 10)
    recipients = {r.email: r for r, _attempts in ledger.recipients}
    messages = [(r.delivery_id, f"<{r.delivery_id}@x>") for r in recipients.values()]
    assert len(ledger.hand_over(messages)) == 2
    lea = Contact.objects.get(email="lea@exemple.fr")
    consent.change(lea, status="unsubscribed", how=ConsentChange(how="unsubscribe"))
    assert ledger.check(recipients["paul@exemple.fr"]) is HandOver.HANDED
    assert ledger.check(recipients["lea@exemple.fr"]) is HandOver.SKIPPED
    ledger.close()


def test_an_invitation_carries_its_own_confirmation_link_and_a_way_out(audience, smtp):
    campaign = started(invitation())
    send_all(campaign)
    [received] = smtp.messages
    assert received.recipients == ["paul@exemple.fr"]
    message = received.message
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    link = re.search(r'class="button" href="([^"]+)"', html).group(1)
    assert link in text
    token = link.rstrip("/").rsplit("/", 1)[1]
    row = Delivery.objects.get(campaign=campaign)
    assert confirming.read_token(token) == ("invitation", row.pk)
    assert row.status == "sent"
    assert message["List-Unsubscribe"].strip("<>") in html  # the visible way out too


def test_a_regular_campaign_neither_invites_nor_fills_the_confirmation_link(audience, smtp):
    campaign = started(make_campaign(html_body=INVITATION_BODY))
    assert invited(campaign) == MAILABLE
    send_all(campaign)
    assert {r for m in smtp.messages for r in m.recipients} == MAILABLE
    html = smtp.to("marc@exemple.fr")[0].message.get_body(("html",)).get_content()
    assert 'class="button" href=""' in html


def test_a_repermission_campaign_asks_the_flagged_prospects_to_confirm(audience):
    Contact.objects.filter(email__in=["marc@exemple.fr", "paul@exemple.fr"]).update(
        retention_flagged_at=timezone.now()
    )
    campaign = started(make_campaign(kind="repermission", html_body=INVITATION_BODY))
    assert invited(campaign) == {"marc@exemple.fr"}  # Paul may not be emailed at all
    row = campaign.deliveries.get()
    message = Composer(campaign).render(Recipient(row.pk, row.contact_id, row.email))
    token = re.search(r'href="[^"]+/([^"/]+)/"', message.html).group(1)
    assert confirming.read_token(token) == ("repermission", row.pk)


def test_an_outage_notice_goes_to_everyone_who_may_be_emailed(audience):
    campaign = started(make_campaign(kind="outage"))
    assert invited(campaign) == MAILABLE


def test_an_invitation_left_with_nobody_to_invite_says_so_when_scheduled(audience):
    started(invitation())
    refusal = services.refusal_to_schedule(invitation(), None)
    assert "invit" in refusal
    assert "tag" not in refusal  # an invitation has no tags to check


@pytest.mark.parametrize("kind", ["invitation", "repermission"])
def test_a_message_asking_to_confirm_cannot_be_saved_without_its_button(kind, db):
    """Saved from the campaign page (the owner deleted the button), not only sent from the
    invitation page: it would ask for an answer nobody could give."""
    from django.core.exceptions import ValidationError

    from tests.campaigns.conftest import make_campaign

    with pytest.raises(ValidationError) as refused:
        make_campaign(kind=kind, html_body="<p>Bonjour {{ first_name }}</p>")
    assert "confirm_url" in str(refused.value.message_dict["html_body"])
    make_campaign(kind=kind, html_body='<p><a class="button" href="{{ confirm_url }}">Oui</a></p>')
    make_campaign(html_body="<p>Bonjour</p>")  # a campaign needs no button


def test_a_re_permission_email_goes_only_to_those_still_flagged(audience, smtp):
    """Flagged at the fan-out, then a sign of life: no 'we will delete your details'."""
    for contact in Contact.objects.mailable():
        Contact.objects.filter(pk=contact.pk).update(retention_flagged_at=timezone.now())
    campaign = started(make_campaign(kind="repermission", html_body=INVITATION_BODY))
    assert campaign.deliveries.count() == 3
    Contact.objects.filter(email="marc@exemple.fr").update(retention_flagged_at=None)
    send_all(campaign)
    assert sorted(r for m in smtp.messages for r in m.recipients) == [
        "elodie@exemple.fr", "ines@exemple.fr",
    ]  # fmt: skip
    assert campaign.deliveries.get(email="marc@exemple.fr").status == "skipped"
