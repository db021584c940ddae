"""An import whose run stops midway is resumed after its last chunk and ends as if it had
run once (issue 13, defect 11); the processes themselves are killed in tests/faults."""

import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from contacts import tasks
from contacts.importing import jobs, lease, pipeline, store, uploads, write
from contacts.models import Contact, ImportJob
from tests.faults.import_state import (
    confirmed,
    forget_everything,
    outcome,
    state,
    write_address_book,
)

pytestmark = pytest.mark.django_db
ROWS, CHUNK = 450, 100  # five chunks
Status = ImportJob.Status


class Killed(BaseException):
    """The process stops here (a kill the test survives)."""


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(jobs, "CHUNK", CHUNK)


@pytest.fixture
def book(tmp_path):
    return write_address_book(tmp_path / "contacts.csv", ROWS)


@pytest.fixture
def queued(monkeypatch):
    """The ids the beat queues for a worker (instead of a broker)."""
    ids = []
    monkeypatch.setattr(tasks.import_contacts, "delay", ids.append)
    return ids


def stop_at_chunk(monkeypatch, number: int) -> None:
    calls = []
    merge_rows = write.merge_rows

    def merge_or_stop(*args):
        calls.append(1)
        if len(calls) == number:
            raise Killed
        merge_rows(*args)

    monkeypatch.setattr(write, "merge_rows", merge_or_stop)


def run_once(make_job) -> tuple[list, dict]:
    """Import the file cleanly, once; return what it left, and forget it."""
    job = make_job()
    if job.status == Status.PENDING:
        tasks.import_contacts(job.pk)
    job.refresh_from_db()
    found = (state(), outcome(job))
    forget_everything()
    return found


@pytest.mark.parametrize("reader", ["this process", "a process of its own"])
def test_an_import_stopped_midway_is_resumed_by_the_beat_and_ends_as_if_run_once(
    book, alice, queued, monkeypatch, client, reader
):
    children, from_child = [], pipeline._from_child
    if reader == "a process of its own":  # as a large import's rows are read
        monkeypatch.setattr(pipeline, "PROCESS_FROM_ROWS", 100)
        monkeypatch.setattr(
            pipeline, "_from_child", lambda spec: children.append(1) or from_child(spec)
        )
    clean = run_once(lambda: confirmed(book, alice))
    job = confirmed(book, alice)
    with monkeypatch.context() as patch:
        stop_at_chunk(patch, 3)
        with pytest.raises(Killed):
            tasks.import_contacts(job.pk)
    job.refresh_from_db()
    assert (job.status, job.chunks_done, job.rows_done) == (Status.RUNNING, 2, 2 * CHUNK)
    assert Contact.objects.exists() and all(uploads.is_stored(p) for _n, p in job.files)

    tasks.resume_interrupted_imports()  # the run let the job go: the beat resumes it at once
    job.refresh_from_db()
    assert queued == [job.pk] and (job.status, job.interruptions) == (Status.PENDING, 1)
    tasks.import_contacts(job.pk)
    job.refresh_from_db()
    assert (state(), outcome(job)) == clean
    assert not Path(job.files[0][1]).exists()  # imported: the upload is gone
    client.force_login(alice)
    with translation.override("fr"):
        page = client.get(reverse("admin:contacts_importjob_change", args=[job.pk]))
    assert "Reprise après une interruption" in page.content.decode()
    assert len(children) == (3 if reader == "a process of its own" else 0)  # the runs read


def test_a_task_delivered_again_takes_over_a_job_whose_lease_ran_out(book, alice, monkeypatch):
    clean = run_once(lambda: confirmed(book, alice))
    job = confirmed(book, alice)
    with monkeypatch.context() as patch:
        stop_at_chunk(patch, 4)
        patch.setattr(lease, "release", lambda job: None)  # killed: nobody lets the job go
        with pytest.raises(Killed):
            tasks.import_contacts(job.pk)
    tasks.import_contacts(job.pk)  # delivered again, its lease still running: nothing
    job.refresh_from_db()
    assert (job.status, job.chunks_done, job.interruptions) == (Status.RUNNING, 3, 0)

    ImportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now())
    tasks.import_contacts(job.pk)
    job.refresh_from_db()
    assert (job.interruptions, job.chunks_done) == (1, 5)
    assert (state(), outcome(job)) == clean


def test_a_run_whose_job_was_taken_over_commits_nothing_more(book, alice, monkeypatch):
    job = confirmed(book, alice)

    def taken_over(*models):  # once chunk 1 is written, another run takes the job
        ImportJob.objects.filter(pk=job.pk).update(runner="another run")

    monkeypatch.setattr(store, "refresh_statistics", taken_over)
    tasks.import_contacts(job.pk)
    job.refresh_from_db()
    assert (job.status, job.runner, job.chunks_done) == (Status.RUNNING, "another run", 1)
    assert job.created == Contact.objects.count() > 0
    assert not Contact.objects.filter(email=f"client{CHUNK + 5}@exemple.fr").exists()
    assert all(uploads.is_stored(path) for _n, path in job.files)  # the other run reads it


def test_after_its_last_attempt_a_job_fails_saying_why(book, alice, settings, queued):
    settings.IMPORT_MAX_ATTEMPTS = 2
    job = confirmed(book, alice)
    ImportJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, runner="a run", lease_until=timezone.now(), interruptions=1,
        rows_done=200,
    )  # fmt: skip
    with translation.override("fr"):
        tasks.resume_interrupted_imports()
    job.refresh_from_db()
    assert (job.status, job.interruptions, queued) == (Status.FAILED, 2, [])
    assert "s'est arrêté 2 fois" in job.failure and "200 premières lignes" in job.failure
    assert not Path(job.files[0][1]).exists()


def test_a_live_run_keeps_its_job(book, alice, queued):
    job = confirmed(book, alice)
    later = timezone.now() + timezone.timedelta(seconds=30)
    ImportJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, runner="a run", lease_until=later
    )
    tasks.resume_interrupted_imports()
    tasks.import_contacts(job.pk)
    job.refresh_from_db()
    assert (job.status, job.runner, job.chunks_done, queued) == (Status.RUNNING, "a run", 0, [])


def test_a_waiting_job_whose_message_was_lost_is_queued_again(book, alice, queued):
    job = confirmed(book, alice)
    tasks.resume_interrupted_imports()
    assert queued == []  # just confirmed: its worker may come
    ImportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now())
    tasks.resume_interrupted_imports()
    tasks.resume_interrupted_imports()
    assert queued == [job.pk]


def test_the_command_run_again_finishes_the_interrupted_import(book, monkeypatch, queued):
    options = {"basis": "customer", "tags": ["salon"]}
    clean = run_once(lambda: jobs.run_files([book], **options))
    with monkeypatch.context() as patch:
        stop_at_chunk(patch, 3)
        patch.setattr(lease, "release", lambda job: None)
        with pytest.raises(Killed):
            jobs.run_files([book], **options)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now())
    with translation.override("fr"):
        tasks.resume_interrupted_imports()
    job.refresh_from_db()
    assert (job.status, queued) == (Status.INTERRUPTED, [])  # its files are not uploads
    assert "Relancez la même commande" in job.failure

    assert jobs.run_files([book], **options).pk == job.pk
    job.refresh_from_db()
    assert (state(), outcome(job)) == clean
    assert ImportJob.objects.count() == 1


def test_the_command_refuses_files_a_live_process_imports(book):
    job = jobs.prepare([(book.name, book)], basis="customer")
    lease.start(job)
    with translation.override("fr"), pytest.raises(CommandError, match="déjà en cours d'imp"):
        call_command("import_contacts", str(book), "--basis", "customer")
    assert ImportJob.objects.count() == 1 and not Contact.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_live_run_renews_its_lease_while_it_works(book, settings):
    settings.IMPORT_LEASE_SECONDS = 3  # renewed every 0.75 s
    seen = []

    def slowly(job):
        seen.append(ImportJob.objects.get(pk=job.pk).lease_until)
        time.sleep(1.6)
        seen.append(ImportJob.objects.get(pk=job.pk).lease_until)

    job = jobs.run_files([book], progress=slowly)
    assert job.status == Status.DONE and job.lease_until is None
    assert all(after > before for before, after in zip(seen[::2], seen[1::2], strict=True))


def test_a_half_written_import_imported_anew_creates_nobody_twice(book, monkeypatch):
    """Without resuming (a new job of the same file), the matching rules alone find the
    contacts the first half made: the same database as one clean run."""
    options = {"basis": "customer", "tags": ["salon"]}
    clean_state, clean_job = run_once(lambda: jobs.run_files([book], **options))
    with monkeypatch.context() as patch:
        stop_at_chunk(patch, 3)
        with pytest.raises(Killed):
            jobs.run_files([book], **options)
    half = ImportJob.objects.get()
    ImportJob.objects.filter(pk=half.pk).update(status=Status.FAILED)  # given up
    again = jobs.run_files([book], **options)
    assert again.pk != half.pk and state() == clean_state
    assert half.created + again.created == clean_job["created"] and half.created > 0
    assert again.unchanged + again.updated >= half.created
