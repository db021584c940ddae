"""Who runs an import job, until when, and what becomes of a job whose run disappeared.

A run holds its job under a token (`runner`) until `lease_until`, which a thread of the
run's process renews (held()). Every write of the job by a run is conditional on its
token, the one of each chunk included (jobs.py): a run whose job was taken from it commits
nothing more. A run resumes after the last chunk its job wrote (`chunks_done`), with the
counts and report written with that chunk, so the database ends as if it had run once.

    draft ─confirmed─▶ pending ─a task claims it─▶ running ─▶ done | failed
                   (the command line) ─────────────▶ running
    running, its lease run out (its process disappeared), resume():
        an upload (the import page): pending again, and queued for a worker;
        files of the command line: interrupted, until the same command runs again;
        after IMPORT_MAX_ATTEMPTS interrupted runs: failed, saying why.
"""

import logging
import secrets
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contacts.importing import uploads
from contacts.models import ImportJob
from crm.lib.lease import renewing

logger = logging.getLogger(__name__)
Status = ImportJob.Status


class Lost(Exception):
    """Another run took the job over (this one's lease ran out): stop, writing nothing."""


class Busy(Exception):
    """The files are being imported by a run whose process still lives."""


def _lease() -> timedelta:
    return timedelta(seconds=settings.IMPORT_LEASE_SECONDS)


def expiry() -> datetime:
    """Return when a lease taken or renewed now runs out."""
    return timezone.now() + _lease()


def start(job: ImportJob) -> None:
    """Save a new job as running, held by this process (the command line)."""
    job.status, job.runner = Status.RUNNING, secrets.token_hex(16)
    job.started_at = timezone.now()
    job.lease_until = expiry()
    job.save()


def claim(job_id: int, waiting: str = Status.PENDING) -> ImportJob | None:
    """Return the job held by this process if it was `waiting` (or its run disappeared
    and it waits now); None if another run holds it or it is over."""
    resume(ImportJob.objects.filter(pk=job_id))
    token = secrets.token_hex(16)
    # Of two tasks delivered at once (or a task and the beat), one takes the job.
    taken = ImportJob.objects.filter(pk=job_id, status=waiting).update(
        status=Status.RUNNING, runner=token, lease_until=expiry()
    )
    if not taken:
        return None
    job = ImportJob.objects.get(pk=job_id)
    if not (job.chunks_done or job.interruptions):
        keep(job, started_at=timezone.now())
    return job


def claim_same(job: ImportJob) -> ImportJob | None:
    """Return the interrupted job of the same files and choices as `job` (the command
    run again), held by this process, or None; raise Busy if a live run imports them."""
    same = ImportJob.objects.filter(
        by=None, sha256=job.sha256, file_names=job.file_names, forced_format=job.forced_format,
        basis=job.basis, update_existing=job.update_existing,
        status__in=[Status.RUNNING, Status.INTERRUPTED],
    ).exclude(sha256="")  # fmt: skip
    for other in same.order_by("-pk"):
        if other.tags != job.tags or other.mapping != job.mapping or _uploaded(other):
            continue
        if taken := claim(other.pk, waiting=Status.INTERRUPTED):
            return taken
        other.refresh_from_db(fields=["status", "lease_until"])
        if other.status == Status.RUNNING:  # its lease is still renewed
            seconds = max(1, int((other.lease_until - timezone.now()).total_seconds()) + 1)
            raise Busy(_busy(other.pk, seconds))
    return None


def keep(job: ImportJob, **fields) -> None:
    """Write `fields` of the job if this run still holds it (else raise Lost)."""
    if not ImportJob.objects.filter(pk=job.pk, runner=job.runner).update(**fields):
        raise Lost
    for name, value in fields.items():
        setattr(job, name, value)


def end(job: ImportJob, status: str, **fields) -> bool:
    """Mark the job done or failed if this run still holds it; return whether it did."""
    try:
        keep(job, status=status, runner="", lease_until=None, finished_at=timezone.now(),
             **fields)  # fmt: skip
    except Lost:
        return False
    return True


def release(job: ImportJob) -> None:
    """Let the job go now (the run was stopped, by Ctrl-C say): resumable at once."""
    ImportJob.objects.filter(pk=job.pk, runner=job.runner).update(lease_until=timezone.now())


@contextmanager
def held(job: ImportJob):
    """Renew the job's lease from a thread while the body runs: the lease says that the
    process lives (a long chunk or a slow file does not lose it), not that it moves."""
    if connection.in_atomic_block:  # a dry run: nobody else sees the job
        yield
        return
    renew = partial(_renew, job.pk, job.runner)
    with renewing(renew, settings.IMPORT_LEASE_SECONDS / 4, f"import-{job.pk}-lease"):
        yield


def _renew(pk: int, runner: str) -> bool:
    """Renew the job's lease; False once taken over (the run notices at its next chunk)."""
    return bool(ImportJob.objects.filter(pk=pk, runner=runner).update(lease_until=expiry()))


def resume(jobs: QuerySet | None = None) -> list[int]:
    """Move on the running jobs whose run disappeared (see above), queue again the jobs
    whose worker never came; return the ids of the jobs to queue for a worker."""
    jobs = ImportJob.objects.all() if jobs is None else jobs
    now = timezone.now()
    stopped = jobs.filter(Q(lease_until__lt=now) | Q(lease_until=None), status=Status.RUNNING)
    fields = ["status", "runner", "lease_until", "interruptions", "files", "rows_done"]
    queued = [job.pk for job in stopped.only(*fields) if _move_on(job, now)]
    return queued + _queued_again(jobs, now)


def _move_on(job: ImportJob, now) -> bool:
    """Move on a job whose run disappeared; return whether to queue it for a worker."""
    interruptions = job.interruptions + 1
    uploaded = _uploaded(job)
    if interruptions >= settings.IMPORT_MAX_ATTEMPTS:
        fields = {"status": Status.FAILED, "finished_at": now,
                  "failure": _gave_up(interruptions, job.rows_done)}  # fmt: skip
    elif uploaded:
        fields = {"status": Status.PENDING, "lease_until": now + _lease()}
    else:
        fields = {"status": Status.INTERRUPTED, "failure": _interrupted()}
    # The run and lease read are part of the condition: a run renewing its lease meanwhile
    # keeps its job, and of two beats (or a beat and a task) one moves it.
    moved = ImportJob.objects.filter(
        pk=job.pk, status=Status.RUNNING, runner=job.runner, lease_until=job.lease_until
    ).update(runner="", interruptions=interruptions, **fields)
    if moved and fields["status"] == Status.FAILED:
        uploads.discard_all(job.files)  # personal data no run will read now
    if moved:
        logger.warning("Import %s: its run disappeared; now %s", job.pk, fields["status"])
    return bool(moved) and fields["status"] == Status.PENDING


def _queued_again(jobs: QuerySet, now) -> list[int]:
    """Return the pending jobs no worker took within a lease (their message was lost, a
    broker flushed), with a new deadline; give one to those waiting without."""
    jobs.filter(status=Status.PENDING, lease_until=None).update(lease_until=now + _lease())
    late = list(
        jobs.filter(status=Status.PENDING, lease_until__lt=now).values_list("pk", "lease_until")
    )
    # Conditional on the deadline read: of two beats, one queues the job again.
    return [
        pk
        for pk, deadline in late
        if ImportJob.objects.filter(pk=pk, status=Status.PENDING, lease_until=deadline).update(
            lease_until=now + _lease()
        )
    ]


def _uploaded(job: ImportJob) -> bool:
    """Whether a worker can read the job's files (uploads, not the command line's)."""
    return bool(job.files) and all(uploads.is_stored(path) for _name, path in job.files)


def _interrupted() -> str:
    return _(
        "The import stopped before its end: the process importing it disappeared (a "
        "restart, a lack of memory…). Run the same command again to finish it: it resumes "
        "where it stopped, and nobody is imported twice."
    )


def _gave_up(times: int, rows: int) -> str:
    return ngettext(
        "The import stopped %(times)s time before its end: the process importing it "
        "disappeared (a lack of memory, perhaps). The contacts of its first %(rows)s rows "
        "were imported; import the file again to finish: nobody is imported twice.",
        "The import stopped %(times)s times before its end: the process importing it "
        "disappeared each time (a lack of memory, perhaps). The contacts of its first "
        "%(rows)s rows were imported; import the file again to finish: nobody is imported "
        "twice.",
        times,
    ) % {"times": times, "rows": rows}


def _busy(pk: int, seconds: int) -> str:
    return _(
        "These files are being imported by another process (import no. %(id)s). If that "
        "process was stopped, run this command again in %(seconds)s seconds: the import "
        "resumes where it stopped."
    ) % {"id": pk, "seconds": seconds}
