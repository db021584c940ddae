"""Sending a campaign over real SMTP (aiosmtpd on loopback), in this process."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Delivery
from campaigns.sending.batch import send_batch
from contacts.models import ConsentEvent, Contact
from tests.campaigns.conftest import MAILABLE, make_campaign
from tests.contacts.factories import make_contact


def send_all(campaign) -> None:
    """Run what the workers run, until nothing is due; then let the campaign finish."""
    while send_batch(campaign.pk):
        pass
    services.finish_if_done(campaign)


def started(**fields):
    campaign = make_campaign(**fields)
    services.schedule(campaign)
    services.start(campaign)
    return campaign


def delivery(campaign, email) -> Delivery:
    return Delivery.objects.get(campaign=campaign, email=email)


def test_it_sends_each_mailable_contact_one_personalised_message(smtp, audience):
    campaign = started()
    send_all(campaign)
    assert sorted(r for m in smtp.messages for r in m.recipients) == sorted(MAILABLE)
    message = smtp.to("elodie@exemple.fr")[0].message
    assert message["Subject"] == "Élodie, nos soldes commencent"
    assert message["From"] == "Boulangerie Lefèvre <bonjour@boulangerie-lefevre.fr>"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "Bonjour Élodie de Boulangerie Lefèvre," in html
    assert "Bonjour Élodie de Boulangerie Lefèvre," in text
    campaign.refresh_from_db()
    assert campaign.status == "sent"
    assert services.counters(campaign)["sent"] == 3


def test_it_also_talks_to_servers_that_do_not_pipeline(smtp, audience):
    smtp.pipelining = False
    smtp.faults["marc@exemple.fr"] = ["451", 1]
    campaign = started()
    send_all(campaign)
    assert {r for m in smtp.messages for r in m.recipients} == MAILABLE - {"marc@exemple.fr"}
    assert delivery(campaign, "marc@exemple.fr").status == "pending"


def test_every_message_carries_the_headers_of_the_design(smtp, audience):
    campaign = started()
    send_all(campaign)
    for received in smtp.messages:
        message = received.message
        row = delivery(campaign, received.recipients[0])
        assert message["Message-ID"] == row.message_id
        assert message["Message-ID"].endswith("@boulangerie-lefevre.fr>")
        assert message["List-Id"] == "<carnet.boulangerie-lefevre.fr>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = message["List-Unsubscribe"].strip("<>")
        assert url.startswith("http://127.0.0.1:8000/desinscription/")
        assert url in message.get_body(("html",)).get_content()  # the visible link
        assert row.contact.email not in url  # the token carries ids, not the address


def test_it_adds_a_visible_unsubscribe_link_when_the_body_has_none(smtp, audience):
    campaign = started(html_body="<p>Bonjour {{ first_name }}</p>", preheader="Vite !")
    send_all(campaign)
    message = smtp.to("marc@exemple.fr")[0].message
    url = message["List-Unsubscribe"].strip("<>")
    html = message.get_body(("html",)).get_content()
    # The brand layout's footer carries it, styled inline.
    assert re.search(rf'<a href="{re.escape(url)}" style="[^"]+">Se désinscrire</a>', html)
    assert "Vite !" in html
    assert f"Se désinscrire ({url})" in message.get_body(("plain",)).get_content()


def test_it_never_sends_twice_however_often_started_or_batched(smtp, audience):
    campaign = started()
    assert services.start(campaign) == 0
    assert services.fan_out(campaign) == 0
    send_all(campaign)
    send_all(campaign)
    assert Delivery.objects.filter(campaign=campaign).count() == 3
    assert len(smtp.messages) == 3


def test_it_records_the_last_contact_date(smtp, audience):
    campaign = started()
    send_all(campaign)
    assert Contact.objects.filter(last_contacted_at__isnull=False).count() == 3


def test_a_451_is_retried_later_with_a_backoff(smtp, audience, settings):
    settings.CAMPAIGN_RETRY_SECONDS = 60
    smtp.faults["marc@exemple.fr"] = ["451", 1]
    campaign = started()
    send_all(campaign)
    row = delivery(campaign, "marc@exemple.fr")
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.error.startswith("451")
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=50)
    campaign.refresh_from_db()
    assert campaign.status == "sending"
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())  # time passes
    send_all(campaign)
    assert len(smtp.to("marc@exemple.fr")) == 1
    assert services.counters(campaign)["sent"] == 3


def test_a_421_closing_the_connection_is_retried_and_the_batch_goes_on(smtp, audience):
    smtp.faults["elodie@exemple.fr"] = ["421", 1]
    campaign = started()
    send_all(campaign)
    assert delivery(campaign, "elodie@exemple.fr").status == "pending"
    assert {r for m in smtp.messages for r in m.recipients} == MAILABLE - {"elodie@exemple.fr"}


def test_a_550_fails_the_row_and_suppresses_the_address_for_good(smtp, audience):
    smtp.faults["ines@exemple.fr"] = ["550", 5]
    campaign = started()
    send_all(campaign)
    row = delivery(campaign, "ines@exemple.fr")
    assert (row.status, row.error[:3]) == ("failed", "550")
    assert row.bounced_at is not None
    assert services.counters(campaign)["bounced"] == 1
    ines = audience["ines"]
    ines.refresh_from_db()
    assert ines.email_status == "bounced"
    assert ConsentEvent.objects.filter(contact=ines, how="bounce", to_status="bounced").exists()
    assert campaign.status == "sent"
    assert smtp.to("ines@exemple.fr") == []


def test_a_server_hanging_after_data_leaves_the_outcome_unknown_never_resent(smtp, audience):
    smtp.faults["elodie@exemple.fr"] = ["timeout", 1]
    campaign = started()
    send_all(campaign)
    row = delivery(campaign, "elodie@exemple.fr")
    assert row.status == "unknown"
    assert len(smtp.to("marc@exemple.fr")) == len(smtp.to("ines@exemple.fr")) == 1
    send_all(campaign)
    assert smtp.to("elodie@exemple.fr") == []
    campaign.refresh_from_db()
    assert campaign.status == "sent"
    assert services.counters(campaign)["unknown"] == 1


def test_unknown_rows_are_resent_only_when_asked(smtp, audience):
    smtp.faults["elodie@exemple.fr"] = ["timeout", 1]
    campaign = started()
    send_all(campaign)
    assert services.resend_unknown(campaign) == 1
    campaign.refresh_from_db()
    assert campaign.status == "sending"
    send_all(campaign)
    assert len(smtp.to("elodie@exemple.fr")) == 1
    assert campaign.status == "sent"


def test_a_refused_connection_puts_every_row_back_without_spending_tries(audience, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    campaign = started()
    send_all(campaign)
    assert set(Delivery.objects.values_list("status", "attempts")) == {("pending", 0)}
    assert not Delivery.objects.filter(next_attempt_at__lte=timezone.now()).exists()
    campaign.refresh_from_db()
    assert "Connection refused" in campaign.sending_problem  # shown on the campaign's page


def test_a_refused_sender_pauses_the_campaign_and_keeps_every_row(smtp, audience):
    smtp.refuse_sender = "553 5.7.1 Sender address rejected: not owned by you"
    campaign = started()
    send_all(campaign)
    campaign.refresh_from_db()
    assert campaign.status == "paused"
    assert "553" in campaign.paused_reason
    assert set(Delivery.objects.values_list("status", "attempts")) == {("pending", 0)}


def test_a_policy_refusal_fails_the_row_without_suppressing_the_address(smtp, audience):
    smtp.faults["marc@exemple.fr"] = ["554", 1]
    campaign = started()
    send_all(campaign)
    assert delivery(campaign, "marc@exemple.fr").status == "failed"
    audience["marc"].refresh_from_db()
    assert audience["marc"].email_status == "subscribed"


def test_it_gives_up_after_the_last_attempt(smtp, audience, settings):
    settings.CAMPAIGN_MAX_ATTEMPTS = 2
    smtp.faults["marc@exemple.fr"] = ["451", 5]
    campaign = started()
    for _ in range(2):
        send_all(campaign)
        Delivery.objects.update(next_attempt_at=timezone.now())
    row = delivery(campaign, "marc@exemple.fr")
    assert (row.status, row.attempts) == ("failed", 1)
    assert campaign.status == "sent"


def test_contacts_who_may_no_longer_be_emailed_are_skipped(smtp, audience):
    campaign = started()
    Contact.objects.filter(email="marc@exemple.fr").update(email_status="unsubscribed")
    Contact.objects.filter(email="ines@exemple.fr").update(email="ines@ailleurs.fr")
    send_all(campaign)
    assert [m.recipients for m in smtp.messages] == [["elodie@exemple.fr"]]
    assert services.counters(campaign)["skipped"] == 2


@pytest.mark.django_db(transaction=True)
def test_an_unsubscribe_during_the_campaign_holds_for_every_message_not_handed_over(
    smtp, audience, settings
):
    from campaigns.suppression import suppress

    settings.CAMPAIGN_HANDOVER_GROUP = 1  # each message handed over on its own

    def unsubscribe_ines(received):
        if received.recipients == ["elodie@exemple.fr"]:
            suppress(audience["ines"].pk, "unsubscribed", None, "link")

    smtp.on_message = unsubscribe_ines
    campaign = started()
    send_all(campaign)
    assert {r for m in smtp.messages for r in m.recipients} == {
        "elodie@exemple.fr",
        "marc@exemple.fr",
    }
    assert delivery(campaign, "ines@exemple.fr").status == "skipped"


@pytest.mark.django_db(transaction=True)
def test_a_pause_stops_the_batch_and_a_resume_finishes_it_once_each(smtp, audience, settings):
    settings.CAMPAIGN_HANDOVER_GROUP = 1

    def pause_after_first(received):
        if received.recipients == ["elodie@exemple.fr"]:
            services.pause(campaign)

    smtp.on_message = pause_after_first
    campaign = started()
    send_all(campaign)
    campaign.refresh_from_db()
    assert campaign.status == "paused"
    assert len(smtp.messages) == 1
    assert Delivery.objects.filter(status="pending").count() == 2
    smtp.on_message = None
    assert services.resume(campaign)
    send_all(campaign)
    assert sorted(r for m in smtp.messages for r in m.recipients) == sorted(MAILABLE)
    assert campaign.status == "sent"


def eight_clients():
    return [
        make_contact(email=f"client{i}@exemple.fr", email_status="subscribed",
                     consent_basis="customer")
        for i in range(8)
    ]  # fmt: skip


def test_every_group_of_a_batch_is_recorded_sent(smtp, settings, db):
    settings.CAMPAIGN_HANDOVER_GROUP = 3
    eight_clients()
    campaign = started()
    send_all(campaign)
    assert len(smtp.messages) == 8
    assert services.counters(campaign)["sent"] == 8
    assert Delivery.objects.exclude(sent_at=None).filter(status="sent").count() == 8


@pytest.mark.django_db(transaction=True)
def test_within_a_group_an_unsubscribe_holds_for_the_messages_not_yet_sent(smtp, settings):
    from campaigns.suppression import suppress

    settings.CAMPAIGN_HANDOVER_GROUP = 4
    people = eight_clients()

    def unsubscribe_the_rest(received):
        if received.recipients == ["client0@exemple.fr"]:
            for person in people[1:]:
                suppress(person.pk, "unsubscribed", None, "link")

    smtp.on_message = unsubscribe_the_rest
    campaign = started()
    send_all(campaign)
    assert [r for m in smtp.messages for r in m.recipients] == ["client0@exemple.fr"]
    assert services.counters(campaign)["skipped"] == 7
    assert services.counters(campaign)["sent"] == 1


@pytest.mark.django_db(transaction=True)
def test_within_a_group_a_pause_holds_and_the_rest_waits(smtp, settings):
    settings.CAMPAIGN_HANDOVER_GROUP = 4
    eight_clients()

    def pause_after_first(received):
        if received.recipients == ["client0@exemple.fr"]:
            services.pause(campaign)

    smtp.on_message = pause_after_first
    campaign = started()
    send_all(campaign)
    assert len(smtp.messages) == 1
    assert set(Delivery.objects.exclude(email="client0@exemple.fr").values_list(
        "status", "attempts")) == {("pending", 0)}  # fmt: skip
    assert Delivery.objects.get(email="client0@exemple.fr").status == "sent"


def test_a_group_slower_than_half_its_lease_puts_the_rest_back(smtp, settings, db):
    settings.CAMPAIGN_HANDOVER_GROUP = 4
    settings.CAMPAIGN_LEASE_SECONDS = 2
    smtp.delay_seconds = 0.7
    eight_clients()
    campaign = started()
    send_batch(campaign.pk)
    statuses = list(Delivery.objects.values_list("status", flat=True))
    assert statuses.count("sent") == 2  # 1.4 s: past half the lease, the group stops
    assert statuses.count("pending") == 6
    assert len(smtp.messages) == 2


def test_an_international_domain_is_sent_in_punycode(smtp, db):
    make_contact(first_name="Léa", email="lea@café.fr", email_status="subscribed",
                 consent_basis="customer")  # fmt: skip
    campaign = started()
    send_all(campaign)
    assert [m.recipients for m in smtp.messages] == [["lea@xn--caf-dma.fr"]]
    assert services.counters(campaign)["sent"] == 1


def test_a_cancel_skips_what_was_not_handed_over(smtp, audience):
    campaign = started()
    assert services.cancel(campaign)
    send_all(campaign)
    assert smtp.messages == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"skipped"}


def test_the_hourly_quota_holds_across_batches(smtp, audience, settings):
    from django.core.cache import cache

    cache.clear()
    settings.SEND_RATE_PER_HOUR = 2
    campaign = started()
    send_all(campaign)
    assert len(smtp.messages) == 2
    assert services.counters(campaign)["sent"] == 2  # recorded, though the group stopped
    waiting = Delivery.objects.get(status="pending")
    assert waiting.next_attempt_at > timezone.now()
    assert waiting.next_attempt_at.minute == 0


def test_the_rate_per_second_spreads_messages_over_seconds(smtp, audience, settings):
    from django.core.cache import cache

    cache.clear()
    settings.SEND_RATE_PER_SECOND = 1
    campaign = started()
    send_all(campaign)
    seconds = [int(m.at) for m in smtp.messages]
    assert len(seconds) == 3
    assert len(set(seconds)) == 3
