"""Mailgun's signature used once and while fresh: real HMAC signatures over what Mailgun
signs (a timestamp and a token, never the event beside them), posted to the real URL."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from anymail.signals import tracking
from django.db import connection
from django.test import Client
from django.utils import timezone

from campaigns.models import Delivery, TrackingEvent, WebhookToken
from tests.campaigns.conftest import make_campaign
from tests.campaigns.test_webhooks import (
    MESSAGE_IDS,
    SECRET,
    SIGNING_KEY,
    T0,
    mailgun,
    post,
    status_of,
    suppressions,
)

ID = MESSAGE_IDS["mailgun"]


@pytest.fixture(autouse=True)
def anymail(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    settings.WEBHOOK_MAX_AGE_SECONDS = 300


@pytest.fixture
def delivery(audience):
    return Delivery.objects.create(
        campaign=make_campaign(status="sending"), contact=audience["elodie"],
        email="elodie@exemple.fr", status="sent", esp_message_id=ID, sent_at=T0,
    )  # fmt: skip


def assert_nothing_recorded(delivery):
    delivery.refresh_from_db()
    assert (delivery.bounced_at, delivery.delivered_at) == (None, None)
    assert status_of(delivery.contact) == "subscribed"
    assert not TrackingEvent.objects.exists()
    assert not suppressions().exists()


@pytest.mark.parametrize(
    "age", [timedelta(days=30), timedelta(seconds=301), timedelta(seconds=-301)]
)
def test_it_refuses_a_stale_or_future_signature(client, delivery, age):
    """A genuine signature, 30 days old (or just past the limit, either way)."""
    request = mailgun("bounce", ID, "elodie@exemple.fr", T0, signed=timezone.now() - age)
    assert post(client, request).status_code == 403
    assert_nothing_recorded(delivery)
    assert not WebhookToken.objects.exists()


def test_it_takes_a_signature_within_the_limit(client, delivery):
    request = mailgun(
        "bounce", ID, "elodie@exemple.fr", T0, signed=timezone.now() - timedelta(seconds=280)
    )
    assert post(client, request).status_code == 200
    assert status_of(delivery.contact) == "bounced"


def test_the_limit_is_a_setting(client, delivery, settings):
    settings.WEBHOOK_MAX_AGE_SECONDS = 3 * 86400
    request = mailgun(
        "bounce", ID, "elodie@exemple.fr", T0, signed=timezone.now() - timedelta(days=2)
    )
    assert post(client, request).status_code == 200
    assert status_of(delivery.contact) == "bounced"


def test_it_refuses_a_token_reused_with_other_event_data(client, delivery):
    """The signature of a genuine "delivered", moved onto a hard bounce of the same message."""
    path, delivered, headers = mailgun("delivered", ID, "elodie@exemple.fr", T0)
    assert post(client, (path, delivered, headers)).status_code == 200
    _, bounce, _ = mailgun("bounce", ID, "elodie@exemple.fr", T0 + timedelta(minutes=1))
    bounce["signature"] = delivered["signature"]
    assert post(client, (path, bounce, headers)).status_code == 403
    delivery.refresh_from_db()
    assert (delivery.delivered_at, delivery.bounced_at) == (T0, None)
    assert status_of(delivery.contact) == "subscribed"
    assert list(TrackingEvent.objects.values_list("event_type", flat=True)) == ["delivered"]
    assert not suppressions().exists()


def test_it_refuses_a_token_reused_for_another_recipient(client, delivery, audience):
    path, delivered, headers = mailgun("delivered", ID, "elodie@exemple.fr", T0)
    assert post(client, (path, delivered, headers)).status_code == 200
    _, complaint, _ = mailgun("complaint", "<other@mg>", "marc@exemple.fr", T0)
    complaint["signature"] = delivered["signature"]
    assert post(client, (path, complaint, headers)).status_code == 403
    assert status_of(audience["marc"]) == "subscribed"
    assert TrackingEvent.objects.count() == 1


def test_a_token_whose_event_failed_is_taken_again(client, delivery):
    """A 500 (the ESP retries): the token goes with the event's transaction."""

    def fail(**kwargs):
        raise RuntimeError("the database went away")

    request = mailgun("bounce", ID, "elodie@exemple.fr", T0)
    tracking.connect(fail, dispatch_uid="test-fail")
    try:
        with pytest.raises(RuntimeError):
            post(client, request)
    finally:
        tracking.disconnect(dispatch_uid="test-fail")
    assert not WebhookToken.objects.exists()
    assert_nothing_recorded(delivery)
    assert post(client, request).status_code == 200
    assert status_of(delivery.contact) == "bounced"


def test_it_forgets_tokens_once_their_signatures_are_stale(client, delivery):
    now = timezone.now()
    WebhookToken.objects.create(
        esp="mailgun", token="old" * 10, signed_at=now - timedelta(minutes=6)
    )
    WebhookToken.objects.create(
        esp="mailgun", token="recent" * 5, signed_at=now - timedelta(minutes=4)
    )
    assert post(client, mailgun("opened", ID, "elodie@exemple.fr", T0)).status_code == 200
    kept = set(WebhookToken.objects.values_list("token", flat=True))
    assert "old" * 10 not in kept
    assert "recent" * 5 in kept
    assert len(kept) == 2


def test_a_wrong_signature_spends_no_token(client, delivery):
    request = mailgun("bounce", ID, "elodie@exemple.fr", T0, key="not-the-signing-key")
    assert post(client, request).status_code == 400
    assert not WebhookToken.objects.exists()
    assert post(client, mailgun("bounce", ID, "elodie@exemple.fr", T0)).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_one_token_posted_twice_at_once_is_taken_once(delivery):
    """Two posts of one signature race: the token's unique row lets exactly one through."""
    request = mailgun("bounce", ID, "elodie@exemple.fr", T0)
    start = threading.Barrier(2)

    def one_post(_) -> int:
        start.wait()
        try:
            return post(Client(), request).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(one_post, range(2)))
    assert sorted(answers) == [200, 403]
    assert status_of(delivery.contact) == "bounced"
    assert suppressions().count() == 1
    assert WebhookToken.objects.count() == TrackingEvent.objects.count() == 1
