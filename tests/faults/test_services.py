"""Redis and PostgreSQL fail mid-campaign (issue 13, the proof suite).

Each test sends a campaign to CONTACTS customers through a real Celery worker and beat,
to an SMTP sink, on a PostgreSQL and a Redis of this module's own, and makes one of them
fail once the campaign is in full flow: Redis stopped (losing everything it held, as
nothing is saved) then started again; Redis flushed; PostgreSQL stopped (`pg_ctl stop -m
fast`, every connection cut) then started again. Then, with nothing restarted but the
service:

- the campaign ends `sent` within a bounded time, every row terminal;
- nobody received it twice (counted at the sink), everyone marked sent received it once,
  and at most one hand-over group (CAMPAIGN_HANDOVER_GROUP, 8) ends `unknown`;
- the worker, beat and web app are still the processes that were started;
- meanwhile, every page asked answers normally or with the French 503 page, never a
  traceback or Django's bare "Server Error (500)".
"""

import base64
import hashlib
import re
import time

import kombu.exceptions
import pytest
import redis.exceptions
from django.db import OperationalError
from django.test import RequestFactory

from crm.errors import server_error
from tests.faults.services_support import Carnet, PrivatePostgres, PrivateRedis, wait_until

pytestmark = [pytest.mark.postgresql, pytest.mark.slow]

CONTACTS = 500
HANDOVER_GROUP = 8  # Carnet's default: what one worker may leave unknown
OUTAGE_SECONDS = 3
UNAVAILABLE = "Service momentanément indisponible"
PAGES = ["/admin/", "/admin/contacts/contact/", "/admin/login/", "/inscription/", "/nouvelles/"]


@pytest.fixture(scope="module")
def carnet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("services")
    postgres, redis_server = PrivatePostgres(), PrivateRedis(folder)
    stack = None
    try:
        postgres.start()
        redis_server.start()
        stack = Carnet(postgres, redis_server, folder)
        stack.prepare(CONTACTS)
        stack.start()
        stack.postgres, stack.redis = postgres, redis_server
        (folder / "body.html").write_text(
            "<p>Bonjour {{ first_name }},</p><p>Nos soldes commencent samedi.</p>"
            '<p><a href="{{ unsubscribe_url }}">Se désinscrire</a></p>'
        )
        yield stack
    finally:
        if stack is not None:
            stack.stop()
        if redis_server.process is not None and redis_server.process.poll() is None:
            redis_server.stop()
        postgres.stop()


def test_a_campaign_finishes_after_redis_is_stopped_and_started_again(carnet):
    def fault():
        carnet.redis.stop()
        pages = probe_pages(carnet)
        carnet.redis.start()
        return pages

    pages = send_through(carnet, "redis-restart", fault)
    assert_answered_well(pages)


def test_a_campaign_finishes_after_redis_is_flushed(carnet):
    def fault():
        # Two chains of batches (CAMPAIGN_PARALLEL_BATCHES) and one worker: one task
        # waits in the queue while the other runs, and the flush takes it away.
        queued = carnet.redis.client().llen("celery")
        carnet.redis.flushall()
        print(f"\nredis-flush: {queued} task(s) waiting in the queue were flushed")
        return probe_pages(carnet)

    pages = send_through(carnet, "redis-flush", fault)
    assert_answered_well(pages)
    assert 503 not in {status for status, _ in pages.values()}  # nothing was out of reach


def test_a_campaign_finishes_after_postgresql_restarts(carnet):
    def fault():
        carnet.postgres.stop_server("fast")
        pages = probe_pages(carnet)
        carnet.postgres.start_server()
        return pages

    pages = send_through(carnet, "postgresql-restart", fault)
    assert_answered_well(pages)
    # With the database down, no page can be made: each says so, in French, with 503.
    assert {status for status, _ in pages.values()} == {503}


def send_through(carnet, name: str, fault) -> dict:
    """Send a campaign, `fault()` in full flow; check the guarantees; return the pages seen."""
    subject = f"Scenario {name}"
    campaign_id = carnet.send_campaign(subject, carnet.folder / "body.html")
    wait_until(lambda: len(carnet.received(subject)) >= CONTACTS // 5, 60, "full flow")
    before = len(carnet.received(subject))
    pages = fault()
    back = time.monotonic()
    wait_until(lambda: campaign_status(carnet, campaign_id) == "sent", 75, f"{name}: sent")
    took = time.monotonic() - back
    status = carnet.status(campaign_id)
    received = carnet.received(subject)
    seen = {path: answer[0] for path, answer in pages.items()}
    print(
        f"\n{name}: {before} received before the fault, {len(received)} in all; sent "
        f"{took:.1f} s after the service was back; {status}; pages meanwhile: {seen}"
    )
    assert before < CONTACTS, "the campaign ended before the fault"
    assert_guarantees(carnet, campaign_id, status, received)
    assert sorted(carnet.alive()) == ["beat", "web", "worker"], "a process died"
    return pages


def assert_guarantees(carnet, campaign_id: int, status: dict, received: list[str]) -> None:
    assert status["status"] == "sent"
    assert status["total"] == CONTACTS
    assert status["pending"] == 0  # every row terminal
    assert status["sent"] + status["unknown"] + status["failed"] + status["skipped"] == CONTACTS
    assert status["failed"] == status["skipped"] == 0
    assert status["unknown"] <= HANDOVER_GROUP
    twice = {address for address in received if received.count(address) > 1}
    assert not twice, f"received twice: {sorted(twice)[:10]}"
    assert set(sent_addresses(carnet, campaign_id)) <= set(received)
    assert status["sent"] <= len(received) <= status["sent"] + status["unknown"]


def campaign_status(carnet, campaign_id: int) -> str:
    with carnet.postgres.connect() as conn:
        return conn.execute(
            "SELECT status FROM campaigns_campaign WHERE id = %s", [campaign_id]
        ).fetchone()[0]


def sent_addresses(carnet, campaign_id: int) -> list[str]:
    with carnet.postgres.connect() as conn:
        rows = conn.execute(
            "SELECT email FROM campaigns_delivery WHERE campaign_id = %s AND status = 'sent'",
            [campaign_id],
        )
        return [email for (email,) in rows]


def probe_pages(carnet) -> dict[str, tuple[int, str]]:
    """Ask the owner's pages and the public ones, over OUTAGE_SECONDS; keep the last answers."""
    pages = {}
    deadline = time.monotonic() + OUTAGE_SECONDS
    while not pages or time.monotonic() < deadline:
        pages.update({path: carnet.web.get(path) for path in PAGES})
        time.sleep(0.2)
    return pages


def assert_answered_well(pages: dict[str, tuple[int, str]]) -> None:
    for path, (status, html) in pages.items():
        assert status in (200, 302, 503), f"{path}: HTTP {status}: {html[:300]}"
        assert "Traceback" not in html and "Server Error (500)" not in html, path
        if status == 503:
            assert UNAVAILABLE in html, f"{path}: not the French page: {html[:300]}"
            assert "Retry-After" in html.headers, path
            policy = html.headers["Content-Security-Policy"]  # the page's own, kept
            assert "style-src 'sha256-" in policy and "script-src" not in policy, path
            assert re.search(r'<html lang="fr">', html), path


# The pages themselves, as Django's handler500 makes them (no server needed).


def answer_to(error: Exception):
    try:
        raise error
    except Exception:
        return server_error(RequestFactory().get("/inscription/"))


def raised_from(cause: Exception) -> Exception:
    error = RuntimeError("could not count the figures")
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("connection refused"),
        redis.exceptions.ConnectionError("Error 111 connecting"),
        kombu.exceptions.OperationalError("cannot publish"),
        raised_from(redis.exceptions.TimeoutError("timed out")),
    ],
)
def test_an_outage_is_answered_with_the_french_503_page(error):
    response = answer_to(error)
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert UNAVAILABLE in html and "Réessayez dans quelques minutes" in html


def test_any_other_error_gets_the_french_500_page():
    response = answer_to(ZeroDivisionError("a bug"))
    assert response.status_code == 500
    assert "Un problème est survenu" in response.content.decode()
    assert "a bug" not in response.content.decode()


def test_the_pages_style_is_the_one_their_policy_allows():
    response = answer_to(ZeroDivisionError())
    style = re.search(r"<style>(.*?)</style>", response.content.decode(), re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in response["Content-Security-Policy"]
    assert "script-src" not in response["Content-Security-Policy"]  # default-src 'none'
