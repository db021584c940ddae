"""The import report's progress script in a real browser (issue 13, defect 11's statuses):
it stops polling and shows an interrupted import (it polled one for ever), and shows at
once that an upload's import was resumed after an interruption (only a reload said so).
The job's state moves as lease.resume() moves it when a run disappears."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.importing import lease
from contacts.models import ImportJob
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _running(files: list[list[str]]) -> ImportJob:
    return ImportJob.objects.create(
        file_names="clients.csv", files=files, sha256="0" * 64, format="csv",
        status=ImportJob.Status.RUNNING, runner="r", lease_until=timezone.now() + timedelta(1),
        started_at=timezone.now(), rows_total=100, rows_done=20,
    )  # fmt: skip


def _run_disappears(job: ImportJob) -> None:
    ImportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(1))
    lease.resume()


def _watch(page, live_server, job: ImportJob) -> tuple[list, list]:
    """Open the job's report; return the progress requests and CSP violations seen."""
    polls, violations = [], []
    page.on("request", lambda r: polls.append(r.url) if r.url.endswith("/progress/") else None)
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/admin/contacts/importjob/{job.pk}/change/")
    expect(page.locator("#import-rows")).to_have_text("20")
    with page.expect_request(lambda r: r.url.endswith("/progress/")):
        pass  # polling
    return polls, violations


def test_an_interrupted_import_is_shown_and_no_longer_polled(live_server, page, alice):
    job = _running([["clients.csv", "/srv/exports/clients.csv"]])  # the command line's
    polls, violations = _watch(page, live_server, job)
    _run_disappears(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INTERRUPTED
    expect(page.locator(".errornote")).to_have_text(job.failure, timeout=10_000)
    expect(page.locator("#import-progress")).to_have_count(0)
    seen = len(polls)
    page.wait_for_timeout(2500)
    assert (len(polls), violations) == (seen, [])  # polling stopped


def test_a_resumed_upload_says_so_at_once_then_shows_its_counts(
    live_server, page, alice, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    stored = tmp_path / "imports" / "a1" / "clients.csv"
    stored.parent.mkdir(parents=True)
    stored.write_text("Courriel\n")
    job = _running([["clients.csv", str(stored)]])
    _polls, violations = _watch(page, live_server, job)
    expect(page.locator("#import-resumed")).to_have_count(0)
    _run_disappears(job)  # an upload: pending again, for a worker
    assert ImportJob.objects.get(pk=job.pk).interruptions == 1
    expect(page.locator("#import-resumed")).to_be_visible(timeout=10_000)
    expect(page.locator("#import-progress")).to_be_visible()  # and still followed
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, created=3)
    expect(page.locator("#import-counts .created")).to_have_text("3", timeout=10_000)
    assert violations == []
