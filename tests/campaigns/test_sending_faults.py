"""Sending when something fails or changes before a message leaves (issue 13, defects 1, 3).

The rate limiter may wait (up to a second) and its counters live in Redis: the last check
of a message comes after that wait, and a failure before a message leaves puts it back.
"""

import pytest
from django.core.cache.backends.redis import RedisCache

from campaigns import services
from campaigns.models import Campaign, Delivery
from campaigns.sending import batch, ratelimit
from campaigns.sending.batch import send_batch
from campaigns.sending.ratelimit import RateLimiter
from campaigns.unsubscribe import unsubscribe_url
from tests.campaigns.test_sending import delivery, eight_clients, send_all, started
from tests.campaigns.test_unsubscribe import one_click

NOBODY_LISTENS = "redis://127.0.0.1:1/0"  # a real Redis client, connection refused


def recipients(smtp) -> list[str]:
    return sorted(r for m in smtp.messages for r in m.recipients)


@pytest.mark.django_db(transaction=True)
def test_an_unsubscribe_posted_while_the_rate_limiter_waits_is_honoured(
    smtp, audience, settings, monkeypatch
):
    settings.CAMPAIGN_HANDOVER_GROUP = 8  # the three handed over together, then sent
    campaign = started()
    elodie = audience["elodie"]
    path = unsubscribe_url(elodie.pk, campaign.pk).removeprefix("http://127.0.0.1:8000")
    waits = []

    class SlowLimiter(RateLimiter):
        def acquire(self):
            # Stands for the second the limiter may sleep: Élodie's one-click POST
            # lands then, after her row was handed over.
            if not waits:
                assert one_click(path).status_code == 200
            waits.append(1)
            return super().acquire()

    monkeypatch.setattr(batch, "RateLimiter", SlowLimiter)
    send_all(campaign)
    assert "elodie@exemple.fr" not in recipients(smtp)
    assert recipients(smtp) == ["ines@exemple.fr", "marc@exemple.fr"]
    assert delivery(campaign, "elodie@exemple.fr").status == "skipped"
    assert services.counters(campaign)["sent"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_pause_during_the_rate_limiter_wait_sends_nothing_more(
    smtp, audience, settings, monkeypatch
):
    settings.CAMPAIGN_HANDOVER_GROUP = 8
    campaign = started()

    class SlowLimiter(RateLimiter):
        def acquire(self):
            if smtp.messages:  # the first message left; the owner pauses meanwhile
                services.pause(Campaign.objects.get(pk=campaign.pk))
            return super().acquire()

    monkeypatch.setattr(batch, "RateLimiter", SlowLimiter)
    send_all(campaign)
    assert recipients(smtp) == ["elodie@exemple.fr"]
    assert set(Delivery.objects.exclude(email="elodie@exemple.fr").values_list(
        "status", "attempts")) == {("pending", 0)}  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_redis_down_mid_batch_puts_back_what_never_left_and_nothing_goes_twice(
    smtp, settings, monkeypatch
):
    from django.core.cache import cache

    cache.clear()
    settings.SEND_RATE_PER_SECOND = 1000  # the limiter counts in the cache (Redis)
    settings.CAMPAIGN_HANDOVER_GROUP = 4
    settings.CAMPAIGN_RETRY_SECONDS = 0  # so that the second run finds the rows due
    eight_clients()

    def redis_goes_down(received):
        # After the first message was accepted, and before the next one's slot is taken
        # (the client waits for this answer): the counters' Redis is no longer there.
        if received.recipients == ["client0@exemple.fr"]:
            monkeypatch.setattr(ratelimit, "cache", RedisCache(NOBODY_LISTENS, {}))

    smtp.on_message = redis_goes_down
    campaign = started()
    send_batch(campaign.pk)  # stops cleanly: no exception

    assert recipients(smtp) == ["client0@exemple.fr"]
    rows = Delivery.objects.exclude(email="client0@exemple.fr")
    assert set(rows.values_list("status", "attempts")) == {("pending", 0)}
    assert not Delivery.objects.filter(status="unknown").exists()
    assert Delivery.objects.get(email="client0@exemple.fr").status == "sent"
    campaign.refresh_from_db()
    assert "ConnectionError" in campaign.sending_problem

    monkeypatch.undo()  # Redis is back
    smtp.on_message = None
    send_all(campaign)
    assert recipients(smtp) == sorted(f"client{i}@exemple.fr" for i in range(8))
    assert services.counters(campaign)["sent"] == 8
    campaign.refresh_from_db()
    assert campaign.status == "sent"
    assert campaign.sending_problem == ""


@pytest.mark.django_db(transaction=True)
def test_redis_down_from_the_start_sends_nothing_and_keeps_every_try(smtp, audience, settings):
    settings.SEND_RATE_PER_HOUR = 1000
    settings.CAMPAIGN_RETRY_SECONDS = 0
    campaign = started()
    good = settings.CACHES
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": NOBODY_LISTENS}}  # fmt: skip
    send_batch(campaign.pk)
    assert smtp.messages == []
    assert set(Delivery.objects.values_list("status", "attempts")) == {("pending", 0)}

    settings.CACHES = good
    send_all(campaign)
    assert recipients(smtp) == sorted(["elodie@exemple.fr", "marc@exemple.fr",
                                       "ines@exemple.fr"])  # fmt: skip
    assert services.counters(campaign)["sent"] == 3


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_database_connection_lost_during_the_wait_puts_back_what_never_left(
    smtp, audience, settings, monkeypatch
):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a server connection to cut: PostgreSQL")
    settings.CAMPAIGN_HANDOVER_GROUP = 8
    settings.CAMPAIGN_RETRY_SECONDS = 0
    campaign = started()

    class CutLimiter(RateLimiter):
        def acquire(self):
            # After Élodie's message left, the worker's database connection is cut (a
            # PostgreSQL restart, say) while it waits: the check that follows fails.
            if len(smtp.messages) == 1 and not cut:
                other = connection.copy()
                with other.cursor() as cursor:
                    pid = connection.connection.info.backend_pid
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                other.close()
                cut.append(pid)
            return super().acquire()

    cut = []
    monkeypatch.setattr(batch, "RateLimiter", CutLimiter)
    send_batch(campaign.pk)  # stops cleanly: no exception
    assert cut
    assert recipients(smtp) == ["elodie@exemple.fr"]
    assert delivery(campaign, "elodie@exemple.fr").status == "sent"
    rows = Delivery.objects.exclude(email="elodie@exemple.fr")
    assert set(rows.values_list("status", "attempts")) == {("pending", 0)}

    send_all(campaign)
    assert recipients(smtp) == sorted(["elodie@exemple.fr", "marc@exemple.fr",
                                       "ines@exemple.fr"])  # fmt: skip
    assert services.counters(campaign)["sent"] == 3
