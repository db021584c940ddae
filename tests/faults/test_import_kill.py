"""An import killed halfway, then run again, ends as if it had run once (issue 13, defect 11).

Each test imports an address book of 6,000 lines in Google Contacts' shape (three chunks)
once cleanly, notes what it left, forgets it, then imports it again in a real process that
is SIGKILLed once the job has written a chunk: a Celery worker's pool process (the beat
resumes the job), a whole Celery worker (the broker delivers the task again), the
`import_contacts` command (run again). The database must end identical to the clean run's:
every contact with its fields, tags, company, sources, further addresses and numbers,
profiles, keys and consent records, and the job's counts and report; nobody twice.
"""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from contacts import tasks
from contacts.importing import jobs
from contacts.models import Contact, ImportJob
from crm.celery import app as celery_app
from tests.faults.import_state import (
    confirmed,
    forget_everything,
    outcome,
    state,
    write_address_book,
)
from tests.helpers import ROOT, child_env, database_url, start_celery, stop

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]
ROWS = 6000
CHUNKS = -(-ROWS // jobs.CHUNK)
LEASE = "3"  # seconds: a dead run's job is taken over within a few seconds
Status = ImportJob.Status
# A worker whose broker gives back, within a second or two, a message its consumer took
# more than 8 s ago and never acknowledged (a consumer killed): Redis' redelivery, sooner.
REDELIVERING_WORKER = """
from crm.celery import app
app.conf.broker_transport_options = {
    "visibility_timeout": 8, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
app.worker_main(["worker", "--pool=solo", "--loglevel=INFO", "--hostname", "%s@%%h"])
"""


@pytest.fixture
def processes(tmp_path, settings):
    """Start Celery processes on the test database; stop whichever still run at the end."""
    settings.VAR_DIR = tmp_path / "var"
    env = {"DATABASE_URL": database_url(connection.settings_dict),
           "VAR_DIR": str(settings.VAR_DIR), "IMPORT_LEASE_SECONDS": LEASE}  # fmt: skip
    celery_app.control.purge()  # tasks queued by earlier tests are not ours
    started = []

    def start(*args: str, script: str = "") -> subprocess.Popen:
        log = open(tmp_path / f"process-{len(started)}.log", "w")  # noqa: SIM115 (closed below)
        if script:
            process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=log,
                                       stderr=subprocess.STDOUT, env=child_env(**env))  # fmt: skip
        else:
            process = start_celery(*args, "--loglevel=INFO", log=log, **env)
        started.append((process, log))
        process.log_path = Path(log.name)
        return process

    start.env = env
    yield start
    for process, log in started:
        if process.poll() is None:
            stop(process)
        log.close()


@pytest.fixture
def book(tmp_path):
    return write_address_book(tmp_path / "contacts.csv", ROWS)


CLEAN_RUNS: dict[str, tuple[list, dict]] = {}  # the same book, the same state: once


def clean_run(book: Path, user) -> tuple[list, dict]:
    """Import the book once, cleanly, in this process; return what it left, and forget it."""
    if "task" not in CLEAN_RUNS:
        CLEAN_RUNS["task"] = _clean_run(book, user)
    return CLEAN_RUNS["task"]


def _clean_run(book: Path, user) -> tuple[list, dict]:
    job = confirmed(book, user)
    tasks.import_contacts(job.pk)
    job.refresh_from_db()
    assert job.status == Status.DONE and job.created > ROWS * 0.9
    found = state(), outcome(job)
    forget_everything()
    return found


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting, after {seconds} s, for {what}")
        time.sleep(0.05)
    return found


def kill_halfway(process_of, job_id: int, into_next: float = 0.0) -> int:
    """SIGKILL the process running the job once it wrote a chunk, `into_next` of a chunk's
    time later (into the next chunk's reading or writing); return the chunks done."""
    wait_for(lambda: _job(job_id).status == Status.RUNNING, 60, "the import's start")
    started = time.monotonic()
    wait_for(lambda: _job(job_id).chunks_done >= 1, 60, "the import's first chunk")
    time.sleep(into_next * (time.monotonic() - started))
    os.kill(process_of(), signal.SIGKILL)
    time.sleep(0.5)  # what it was writing is rolled back with its connection
    job = _job(job_id)
    assert job.status == Status.RUNNING and 1 <= job.chunks_done < CHUNKS, "killed too late"
    print(f"killed after chunk {job.chunks_done} of {CHUNKS} ({job.rows_done} rows)")
    return job.chunks_done


def lease_ran_out(job_id: int) -> None:
    wait_for(lambda: _job(job_id).lease_until < timezone.now(), 30, "the dead run's lease")


def _job(job_id: int) -> ImportJob:
    return ImportJob.objects.get(pk=job_id)


def pool_process(worker: subprocess.Popen) -> int:
    """Return the pid of the worker's one pool process (the one running tasks)."""
    children = [
        int(stat.split()[0])
        for path in Path("/proc").glob("[0-9]*/stat")
        if (stat := _read(path)) and int(stat.rsplit(")", 1)[1].split()[1]) == worker.pid
    ]
    assert len(children) == 1, children
    return children[0]


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:  # the process ended meanwhile
        return ""


def assert_as_if_run_once(job_id: int, clean: tuple) -> None:
    job = wait_for(lambda: (j := _job(job_id)).status == Status.DONE and j, 60, "the job's end")
    assert job.interruptions == 1
    assert (state(), outcome(job)) == clean
    assert Contact.objects.count() == len(clean[0])
    assert not Path(job.files[0][1]).exists()  # the upload went once imported


def test_a_worker_pool_process_killed_midway_the_beat_resumes_the_import(book, alice, processes):
    clean = clean_run(book, alice)
    worker = processes("worker", "--pool=prefork", "--concurrency=1")
    beat = processes("beat", "--schedule", str(Path(django_settings.VAR_DIR) / "beat-schedule"))
    job = confirmed(book, alice)
    tasks.import_contacts.delay(job.pk)
    kill_halfway(lambda: pool_process(worker), job.pk)  # as the kernel's OOM killer would
    assert_as_if_run_once(job.pk, clean)
    assert "WorkerLostError" in worker.log_path.read_text()  # the task was not delivered again
    assert "contacts.tasks.resume_interrupted_imports" in beat.log_path.read_text()


def test_a_whole_worker_killed_midway_the_task_delivered_again_finishes_the_import(
    book, alice, processes
):
    clean = clean_run(book, alice)
    first = processes(script=REDELIVERING_WORKER % "first")
    job = confirmed(book, alice)
    task = tasks.import_contacts.delay(job.pk)
    kill_halfway(lambda: first.pid, job.pk, into_next=0.8)
    lease_ran_out(job.pk)  # a task delivered while the lease runs does nothing (it may live)
    second = processes(script=REDELIVERING_WORKER % "second")  # no beat: only the broker
    assert_as_if_run_once(job.pk, clean)
    assert f"import_contacts[{task.id}] received" in second.log_path.read_text()


def test_the_command_killed_midway_and_run_again_ends_as_if_run_once(book, processes):
    def command() -> list[str]:
        return [sys.executable, "manage.py", "import_contacts", str(book), "--basis",
                "customer", "--tag", "salon"]  # fmt: skip

    env = child_env(**processes.env)
    once = io.StringIO()  # the clean run, in this process
    call_command(*command()[2:], stdout=once)
    clean = state(), outcome(ImportJob.objects.get())
    forget_everything()

    killed = subprocess.Popen(command(), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        job_id = wait_for(lambda: ImportJob.objects.values_list("pk", flat=True).first(), 60,
                          "the command's job")  # fmt: skip
        kill_halfway(lambda: killed.pid, job_id, into_next=0.5)
    finally:
        killed.kill()
        killed.wait()
    lease_ran_out(job_id)
    again = subprocess.run(command(), cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=120)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-2:] == once.getvalue().splitlines()[-2:]  # counts, format
    job = _job(job_id)
    assert (job.status, job.interruptions, ImportJob.objects.count()) == (Status.DONE, 1, 1)
    assert (state(), outcome(job)) == clean
