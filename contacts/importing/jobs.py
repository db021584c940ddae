"""Run an import job: recognise every file and record the job, then write it chunk by chunk.

Every file is recognised before anything is written, so an unusable file writes nothing.
Each chunk is written in its own transaction, with the job's counts, report and number of
chunks written: a crash leaves whole chunks behind, never a half-written contact, and the
run that resumes the job (contacts.importing.lease) goes on after the last chunk written,
so the job ends as if it had run once. Importing the same files anew duplicates nobody
either: rows find the contacts an earlier import created.
"""

import copy
import gc
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from contacts import erasure
from contacts.choices import ConsentMethod
from contacts.importing import MAX_LISTED, lease, pipeline, recognise, store, write
from contacts.importing.clean import clean, left_out
from contacts.importing.decode import UnreadableFile
from contacts.importing.row import BadRecord, Row
from contacts.models import (
    ConsentChange,
    Contact,
    ContactPoint,
    ContactSource,
    ExternalKey,
    Handle,
    ImportJob,
)

CHUNK = 2000
# The tables an import reads by index: the planner must know how large they have grown.
LOOKED_UP = (Contact, Handle, ExternalKey, ContactSource, ContactPoint, Contact.tags.through)


Busy = lease.Busy  # the files are being imported by a live process (see run)


class DryRun(Exception):
    """Raised to roll back a dry run's writes."""


def prepare(inputs: list[tuple[str, Path]], **options) -> ImportJob:
    """Recognise the files and return an unsaved job for them; raise UnreadableFile."""
    job, parts = _recognised(inputs, **options)
    _close(parts)
    return job


def _recognised(
    inputs: list[tuple[str, Path]],
    *,
    forced: str = "auto",
    basis: str = "",
    tags: Iterable[str] = (),
    update_existing: bool = True,
    by=None,
) -> tuple[ImportJob, list[recognise.Part]]:
    """Return an unsaved job for the files, and their parts as recognition opened them."""
    parts = [part for name, path in inputs for part in recognise.open_parts(name, path, forced)]
    job = ImportJob(
        file_names=", ".join(name for name, _ in inputs)[:1000],
        files=[[name, str(path)] for name, path in inputs],
        forced_format=forced,
        sha256=" ".join(part.sha256 for part in parts)[:512],
        format=", ".join(sorted({p.format for p in parts})),
        basis=basis,
        tags=list(tags),
        update_existing=update_existing,
        by=by,
    )
    return job, parts


def _close(parts: list[recognise.Part]) -> None:
    """Close the parts' rows (a workbook whose rows were read closes with them; one never
    read, when the garbage collector frees it)."""
    for part in parts:
        if part.rows is not None:
            part.rows.close()


def parts_of(job: ImportJob) -> list[recognise.Part]:
    """Open the job's files again, with the column mapping chosen for each."""
    return pipeline.open_parts(_spec(job))


def _spec(job: ImportJob) -> pipeline.Spec:
    return pipeline.Spec(
        files=[tuple(item) for item in job.files],
        forced=job.forced_format,
        mapping=job.mapping,
        region=settings.PHONE_REGION,
        chunk=CHUNK,
        language=translation.get_language(),
        max_mb=settings.IMPORT_MAX_MB,
    )


def execute(
    job: ImportJob, progress: Callable[[ImportJob], None] | None = None, parts=None
) -> ImportJob:
    """Import the job's files, or what an interrupted run left of them, holding the job;
    save its counts and report with each chunk written. `parts`: the job's files as this
    run opened them already, none read yet (else they are opened here: once per run)."""
    if not job.runner:  # a new job (the command line); a task claimed its own
        lease.start(job)
    report = job.report if job.chunks_done else _new_report()
    try:
        with lease.held(job), collecting_new_objects_only():
            _import(job, report, progress, parts)
    except lease.Lost:  # another run took the job over: it finishes it
        return job
    except Exception as e:
        lease.end(job, ImportJob.Status.FAILED, failure=str(e)[:2000])
        raise
    except BaseException:  # stopped (Ctrl-C, a worker's cold shutdown): resumed at once
        lease.release(job)
        raise
    lease.end(job, ImportJob.Status.DONE, report=report)
    return job


def _new_report() -> dict:
    return {"errors": [], "problems": [], "conflicts": [], "duplicates": [], "problems_total": 0}


def run(inputs: list[tuple[str, Path]], *, dry_run: bool = False, progress=None, **options):
    """Recognise and import the files now (the command line), or finish the interrupted
    import of the same files; return the job. Raise lease.Busy if a live process imports
    them."""
    job, parts = _recognised(inputs, **options)
    try:  # imported from the parts recognition opened: a workbook is loaded once
        if not dry_run:
            return execute(lease.claim_same(job) or job, progress, parts)
        try:
            with transaction.atomic():
                execute(job, progress, parts)
                raise DryRun
        except DryRun:
            return job
    finally:
        _close(parts)


def run_files(paths, **options) -> ImportJob:
    """Import the files at `paths` (see run)."""
    return run([(Path(path).name, Path(path)) for path in paths], **options)


def preview(job: ImportJob, rows: int = 10, parts=None) -> list[dict]:
    """Return, for each file (of `parts`, if opened already), its format, columns and first
    rows cleaned, with problems (`refused`: the row will not be imported)."""
    shown = []
    for part in parts_of(job) if parts is None else parts:
        lines = []
        for row in islice(part.rows, rows):
            refused = isinstance(row, BadRecord)
            problems = [str(row)] if refused else []
            if not refused:
                row = clean(copy.deepcopy(row), settings.PHONE_REGION)
                reason = left_out(row)
                refused, problems = bool(reason), [*filter(None, [reason]), *row.problems]
            lines.append({"row": row, "problems": problems, "refused": refused})
        _refuse_erased(lines)
        shown.append({"part": part, "rows": lines})
    return shown


def _refuse_erased(lines: list[dict]) -> None:
    """Show as refused the previewed rows whose address is on the suppression list, and
    without their further addresses that are on it."""
    rows = [line["row"] for line in lines if not line["refused"]]
    erased = erasure.erased_among(address for row in rows for address in row.emails())
    if not erased:
        return
    for line in lines:
        if line["refused"]:
            continue
        reason, dropped = _drop_erased(line["row"], erased)
        if reason is not None:
            line["refused"] = True
            line["problems"].insert(0, erasure.skip_reason(reason))
        elif dropped is not None:
            line["problems"].insert(0, _dropped_reason(dropped))


def _drop_erased(row: Row, erased: dict[str, str]) -> tuple[str | None, str | None]:
    """Return why the row is left out (its main address is on the suppression list), or
    None; else take its further addresses on the list off the row and return, as second,
    the reason of the first taken off (None: none was)."""
    if not row.email:
        return None, None
    if (reason := erased.get(erasure.normalise(row.email))) is not None:
        return reason, None
    kept, found = [], []
    for value, label in row.other_emails:
        if (reason := erased.get(erasure.normalise(value))) is None:
            kept.append((value, label))
        else:
            found.append(reason)
    row.other_emails = kept
    return None, found[0] if found else None


def _dropped_reason(reason: str) -> str:
    """Say, in a report, why an imported row lost one of its further addresses (never
    which: the report must not name an erased address)."""
    if reason == erasure.Reason.OPTED_OUT:
        return _(
            "An address that had unsubscribed, whose contact was deleted after the "
            "retention period, was not added again."
        )
    return _("An address erased at the person's request was not added again.")


@contextmanager
def collecting_new_objects_only():
    """Keep the cyclic garbage collector to the objects made from now on.

    An import makes millions of short-lived objects, and each pass of the collector over
    its oldest generation walks every object of the process (Django, the apps, the
    worker): a cost that grows with the process, not with the import. Objects frozen here
    are not walked; the import's own garbage is collected as usual.
    """
    if gc.get_freeze_count():  # someone froze them already (a server before it forks)
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _import(job: ImportJob, report: dict, progress, parts) -> None:
    spec = _spec(job)
    if parts is None:
        parts = pipeline.open_parts(spec)
    report["parts"] = [{"file": part.name, "format": part.format} for part in parts]
    job.rows_total = sum(part.estimated_rows for part in parts)
    chunk = _Chunk(job, report, parts, [_write_options(job, part) for part in parts])
    # A workbook loaded here is read here: a reading process would load it again.
    reading = 0 if any(map(_is_workbook, parts)) else job.rows_total
    for number, batch in enumerate(pipeline.batches(spec, parts, reading), start=1):
        if number <= job.chunks_done:
            continue  # written by an interrupted run, with its counts and report
        chunk.write(number, batch)
        if number & (number - 1) == 0:  # batches 1, 2, 4, 8…: as often as the tables double
            store.refresh_statistics(*LOOKED_UP)
        if progress:
            progress(job)


def _is_workbook(part: recognise.Part) -> bool:
    """Tell whether the part is a workbook (an archive's other files are parts of their own)."""
    with part.open() as f:
        return f.read(4) == b"PK\x03\x04"


class _Chunk:
    """Write the job's batches, each in a transaction with the job's progress."""

    def __init__(self, job: ImportJob, report: dict, parts: list, options: list):
        self.job, self.report, self.parts, self.options = job, report, parts, options
        # Read once: an erasure made while a long import runs is seen by the next import.
        self.suppression = erasure.SuppressionList()
        self.saved = _listed(report) if job.chunks_done else None  # the report as written

    def write(self, number: int, batch: pipeline.Batch) -> None:
        job, report, part = self.job, self.report, self.parts[batch.part]
        _leave_out_erased(batch, self.suppression)
        for kind, items in (("errors", batch.errors), ("problems", batch.problems)):
            for line, reason in items:
                _list(report, kind, part, line, reason)
        job.errors += batch.failed
        report["problems_total"] += batch.noted
        job.skipped += batch.skipped
        tally = write.Tally()
        with transaction.atomic():
            if batch.rows:
                write.merge_rows(batch.rows, self.options[batch.part], tally)
            _count(job, tally, report, len(batch.rows) + batch.skipped + batch.failed)
            # The lease too: on SQLite the renewing thread waits while a chunk is written.
            fields = {**_progress_fields(job), "chunks_done": number}
            fields["lease_until"] = lease.expiry()
            if (listed := _listed(report)) != self.saved:  # most chunks list nothing new
                fields["report"] = report
            # The chunk commits only while this run holds the job (else Lost rolls it back).
            lease.keep(job, **fields)
        self.saved = listed


def _listed(report: dict) -> tuple:
    """Return what tells whether the report changed (its lists only grow)."""
    kinds = ("errors", "problems", "conflicts", "duplicates")
    return (report["problems_total"], *(len(report[kind]) for kind in kinds))


def _leave_out_erased(batch: pipeline.Batch, suppression: erasure.SuppressionList) -> None:
    """Skip the rows whose main address is on the suppression list (contacts.erasure), with
    why; take off the others the further addresses on the list, with a problem noted.

    Only the person's own double opt-in brings such an address back; once it has, a
    contact holds it again and its rows are imported as any other.
    """
    # Nothing is hashed when nobody was ever erased (most Carnets): see erased_among().
    erased = suppression.erased_among(address for row in batch.rows for address in row.emails())
    if not erased:
        return
    kept = []
    for row in batch.rows:
        reason, dropped = _drop_erased(row, erased)
        if reason is not None:
            batch.skipped += 1
            if len(batch.errors) < MAX_LISTED:
                batch.errors.append((row.line, erasure.skip_reason(reason)))
            continue
        if dropped is not None:
            batch.noted += 1
            if len(batch.problems) < MAX_LISTED:
                batch.problems.append((row.line, _dropped_reason(dropped)))
        kept.append(row)
    batch.rows = kept


def _write_options(job: ImportJob, part: recognise.Part) -> write.Settings:
    return write.Settings(
        basis=job.basis,
        extra_tags=job.tags,
        update_existing=job.update_existing,
        change=ConsentChange(
            how=ConsentMethod.IMPORT,
            by=job.by,
            proof_file_name=part.name[:255],
            proof_sha256=part.sha256,
        ),
    )


def _progress_fields(job: ImportJob) -> dict:
    names = ["rows_total", "rows_done", "created", "updated", "unchanged", "skipped", "errors"]
    return {name: getattr(job, name) for name in names}


def _list(report: dict, kind: str, part: recognise.Part, line: int, reason: str) -> None:
    """Keep the first rows in error for the report (all are counted)."""
    if len(report[kind]) < MAX_LISTED:
        report[kind].append({"file": part.name, "line": line, "reason": reason})


def _count(job: ImportJob, tally: write.Tally, report: dict, rows: int) -> None:
    job.created += tally.created
    job.updated += tally.updated
    job.unchanged += tally.unchanged
    job.skipped += tally.skipped
    job.rows_done += rows
    for kind in ("conflicts", "duplicates"):
        room = MAX_LISTED - len(report[kind])
        report[kind] += getattr(tally, kind)[: max(room, 0)]


__all__ = ["Busy", "UnreadableFile", "execute", "prepare", "preview", "run"]
