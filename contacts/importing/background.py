"""Read an upload in the background: recognise its files and prepare their preview.

Reading a file may take a while (a workbook's shared strings, a large CSV's rows counted):
not inside a web request, whose worker a server kills after some seconds. The import page
stores the upload, records a draft job and queues `read_upload`; the owner sees "Reading
your file…", a page that refreshes itself, until the job holds its preview or has failed
with a one-line reason. On any failure the upload (personal data) is deleted.

    draft, reading (no preview yet) ─read_upload─▶ draft with its preview ─confirmed─▶ pending
                                    └─────────────▶ failed, report {"unread": true}, file gone

A task delivered twice reads the file twice and writes the same preview; a job deleted,
failed or confirmed meanwhile is left as it is. A draft still reading after
READING_DEADLINE (its worker died) is failed by the page that waits for it.
"""

import hashlib
import logging
from datetime import timedelta
from pathlib import Path

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contacts.importing import jobs, uploads
from contacts.importing.decode import UnreadableFile
from contacts.models import ImportJob

logger = logging.getLogger(__name__)
PREVIEW_ROWS = 10  # rows of each file shown before the owner confirms
READING_DEADLINE = timedelta(minutes=30)  # a reading not over by then has lost its worker
_SHOWN = ("first_name", "last_name", "full_name", "email", "phone", "company", "handles")
Status = ImportJob.Status


def draft(name: str, path: Path, digest: str, **options) -> ImportJob:
    """Record the stored upload as a draft job, to be read by `read_upload`."""
    return ImportJob.objects.create(
        file_names=name[:1000], files=[[name, str(path)]], sha256=digest, status=Status.DRAFT,
        **options,
    )  # fmt: skip


def queue(job: ImportJob) -> None:
    """Queue the reading of the job's files; fail the job if no worker can be told."""
    try:
        read_upload.delay(job.pk, translation.get_language())
    except Exception:  # the broker is down: say so now rather than wait for ever
        logger.exception("Import %s: the reading of its file could not be queued.", job.pk)
        fail(job.pk, _("Carnet cannot read your file right now: please try again in a minute."))


def is_reading(job: ImportJob) -> bool:
    return job.status == Status.DRAFT and "preview" not in job.report


def is_refused(job: ImportJob) -> bool:
    """Whether the job failed before its owner confirmed it (its file could not be read)."""
    return job.status == Status.FAILED and bool(job.report.get("unread"))


def overdue(job: ImportJob) -> bool:
    return is_reading(job) and timezone.now() - job.started_at > READING_DEADLINE


def fail(job_id: int, message: str) -> None:
    """Fail a draft with a one-line reason, and delete its files."""
    job = ImportJob.objects.filter(pk=job_id).only("files").first()
    if job is not None:
        uploads.discard_all(job.files)
    ImportJob.objects.filter(pk=job_id, status=Status.DRAFT).update(
        status=Status.FAILED, failure=message[:2000], report={"unread": True},
        finished_at=timezone.now(),
    )  # fmt: skip


@shared_task(soft_time_limit=600, time_limit=660)
def read_upload(job_id: int, language: str | None = None) -> None:
    """Recognise the draft's files and store their preview, or fail it with why."""
    job = ImportJob.objects.filter(pk=job_id, status=Status.DRAFT).first()
    if job is None:  # deleted, refused, or confirmed already
        return
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            fields = read(job)
        except UnreadableFile as e:
            fail(job_id, str(e))
            return
        except SoftTimeLimitExceeded:
            fail(job_id, _("Reading your file took too long: save it as CSV and try again."))
            return
        except Exception:  # MemoryError, a bug: the owner is told, the file goes
            logger.exception("Import %s: its file could not be read.", job_id)
            fail(job_id, _("Carnet could not read this file (damaged, or not a contact export)."))
            return
    # Unless the draft was deleted or failed meanwhile (its files are gone then).
    ImportJob.objects.filter(pk=job_id, status=Status.DRAFT).update(**fields)


def read(job: ImportJob) -> dict:
    """Return the job's fields once its files are read: formats, fingerprints, preview."""
    parts = jobs.parts_of(job)
    try:
        shown = [_shown(**file) for file in jobs.preview(job, PREVIEW_ROWS, parts)]
    finally:
        for part in parts:
            if part.rows is not None:
                part.rows.close()  # a workbook closes once its rows are closed
    return {
        "format": ", ".join(sorted({p.format for p in parts})),
        "sha256": " ".join(part.sha256 for part in parts)[:512],
        "report": {"preview": shown},
    }


def _shown(part, rows: list[dict]) -> dict:
    """Return a previewed file as JSON can hold it: its columns and first rows cleaned, with
    their problems (`refused`: the row will not be imported)."""
    return {
        "name": part.name, "format": part.format, "columns": part.columns,
        "mapping": part.mapping, "estimated_rows": part.estimated_rows,
        "rows": [_plain(line) for line in rows],
    }  # fmt: skip


def _plain(line: dict) -> dict:
    """Return a previewed row as JSON can hold it (what the preview shows of it)."""
    row = line["row"]
    shown = {name: getattr(row, name, "") for name in _SHOWN}
    shown["handles"] = dict(shown["handles"] or {})
    return {
        "row": {"line": row.line, **shown},
        "problems": [str(problem) for problem in line["problems"]],
        "refused": line["refused"],
    }


def digest_of(path: Path) -> str:
    """Return the SHA-256 of a stored upload (the fingerprint the report keeps)."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
