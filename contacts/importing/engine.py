"""Run an import from start to end: recognise every file, then merge it chunk by chunk.

Every file is recognised before anything is written, so an unusable file writes nothing.
Each chunk is merged in its own transaction: a crash leaves whole chunks behind, never a
half-merged contact, and importing the same files again finishes the job without
duplicating anyone, because rows find the contacts the earlier run created.
"""

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contacts.choices import ConsentMethod
from contacts.importing import files, merge
from contacts.importing.rows import BadRecord, Row, clean
from contacts.importing.text import UnreadableFile
from contacts.models import ConsentChange, ImportJob

CHUNK = 2000
MAX_LISTED = 1000  # rows in error and conflicts kept in the report


class DryRun(Exception):
    """Raised to roll back a dry run's writes."""


def run(
    inputs: list[tuple[str, Path]],
    *,
    forced: str = "auto",
    basis: str = "",
    tags: Iterable[str] = (),
    update_existing: bool = True,
    dry_run: bool = False,
    by=None,
    progress: Callable[[int], None] | None = None,
) -> ImportJob:
    """Import the files; return the job with its counts and report. Raise UnreadableFile."""
    parts = [part for name, path in inputs for part in files.open_parts(name, path, forced)]
    job = ImportJob(
        file_names=", ".join(name for name, _ in inputs)[:1000],
        sha256=" ".join(part.sha256 for part in parts)[:512],
        format=", ".join(sorted({p.format for p in parts})),
        basis=basis,
        update_existing=update_existing,
        status=ImportJob.Status.RUNNING,
        by=by,
    )
    if not dry_run:
        _import(job, parts, basis, list(tags), update_existing, by, progress)
        return job
    try:
        with transaction.atomic():
            _import(job, parts, basis, list(tags), update_existing, by, progress)
            raise DryRun
    except DryRun:
        return job


def run_files(paths, **options) -> ImportJob:
    """Import the files at `paths` (see run)."""
    return run([(Path(path).name, Path(path)) for path in paths], **options)


def _import(job, parts, basis, tags, update_existing, by, progress) -> None:
    job.save()
    report = {"errors": [], "problems": [], "conflicts": []}
    for part in parts:
        options = merge.Settings(
            basis=basis,
            extra_tags=tags,
            update_existing=update_existing,
            change=ConsentChange(
                how=ConsentMethod.IMPORT,
                by=by,
                proof_file_name=part.name[:255],
                proof_sha256=part.sha256,
            ),
        )
        for chunk in _chunks(_clean_rows(part, job, report)):
            tally = merge.Tally()
            with transaction.atomic():
                merge.merge(chunk, options, tally)
            _count(job, tally, report, len(chunk))
            if progress:
                progress(job.rows_done)
    job.report = {k: v[:MAX_LISTED] for k, v in report.items()}
    job.status, job.finished_at = ImportJob.Status.DONE, timezone.now()
    job.save()


def _clean_rows(part: files.Part, job: ImportJob, report: dict) -> Iterator[Row]:
    for row in part.rows:
        if isinstance(row, BadRecord):
            job.errors += 1
            report["errors"].append({"file": part.name, "line": row.line, "reason": str(row)})
            continue
        try:
            row = clean(row, settings.PHONE_REGION)
        except ValidationError as e:
            job.errors += 1
            report["errors"].append({"file": part.name, "line": row.line, "reason": e.messages[0]})
            continue
        if row.is_empty():
            job.skipped += 1
            continue
        for problem in row.problems:
            report["problems"].append({"file": part.name, "line": row.line, "reason": problem})
        yield row


def _chunks(rows: Iterator[Row]) -> Iterator[list[Row]]:
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


def _count(job: ImportJob, tally: merge.Tally, report: dict, rows: int) -> None:
    job.created += tally.created
    job.updated += tally.updated
    job.unchanged += tally.unchanged
    job.skipped += tally.skipped
    job.rows_done += rows
    report["conflicts"] += tally.conflicts


__all__ = ["UnreadableFile", "run"]
