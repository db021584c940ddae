"""Read and clean an import's rows in batches, in a process of their own when many.

Reading a row (decoding, parsing, NFC, email and phone checks) costs about as much Python
as merging it into the database. For a large import a second process reads while this one
merges, so that the two halves run on two cores; its batches come through a pipe, which
holds at most one batch ahead, so memory stays bounded. Small imports are read here:
starting a process would cost more than it saves. So are workbooks, whatever their size:
the process that recognised one has it loaded, and a workbook is never loaded twice.

    python -m contacts.importing.pipeline   (the child: a Spec in JSON on stdin; batches out)
"""

import gc
import json
import logging
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from operator import attrgetter
from pathlib import Path

from contacts.importing import MAX_LISTED, recognise
from contacts.importing.clean import clean, left_out
from contacts.importing.decode import UnreadableFile
from contacts.importing.row import BadRecord, Row

logger = logging.getLogger(__name__)
PROCESS_FROM_ROWS = 20_000  # estimated rows from which a second process reads
_ROW_FIELDS = [f.name for f in fields(Row)]
_row_values = attrgetter(*_ROW_FIELDS)


@dataclass
class Spec:
    """What the reading needs, the same in this process and in the child."""

    files: list[tuple[str, str]]
    forced: str
    mapping: dict
    region: str
    chunk: int
    language: str | None  # None: translations off, as in the parent
    max_mb: int


@dataclass
class Batch:
    """Up to `chunk` clean rows of one part, and what became of the rows left out."""

    part: int  # index in the job's parts
    rows: list[Row] = field(default_factory=list)
    skipped: int = 0  # rows naming nobody
    failed: int = 0  # rows in error
    noted: int = 0  # problems of imported rows
    # The first rows in error and problems of imported rows, as (line, reason): a report
    # lists no more, and a file of a million bad rows must not fill the memory.
    errors: list[tuple[int, str]] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def open_parts(spec: Spec) -> list[recognise.Part]:
    """Open the job's files again, with the column mapping chosen for each."""
    return [
        part
        for name, path in spec.files
        for part in recognise.open_parts(name, Path(path), spec.forced, spec.mapping)
    ]


def batches(spec: Spec, parts: list[recognise.Part], estimated_rows: int) -> Iterator[Batch]:
    """Yield the parts' rows cleaned, in batches, read in a child process if many."""
    if estimated_rows >= PROCESS_FROM_ROWS and _settings_module():
        try:
            yield from _from_child(spec)
            return
        except _OtherVersion:  # before any batch: read here instead
            logger.warning("The reading process runs other code than this worker: restart it.")
    for index, part in enumerate(parts):
        yield from _read(index, part, spec)


def _read(index: int, part: recognise.Part, spec: Spec) -> Iterator[Batch]:
    """Yield batches of `spec.chunk` clean rows, with the rows left out before them."""
    batch = Batch(index)
    for row in part.rows:
        _add(batch, row, spec.region)
        if len(batch.rows) == spec.chunk:
            yield batch
            batch = Batch(index)
    if batch.rows or batch.skipped or batch.failed:
        yield batch


def _add(batch: Batch, row, region: str) -> None:
    if isinstance(row, BadRecord):
        _fail(batch, row.line, str(row))
        return
    row = clean(row, region)
    if reason := left_out(row):
        if row.not_understood:  # what named someone is unreadable: an error
            _fail(batch, row.line, reason)
            return
        batch.skipped += 1  # a row naming nobody is skipped, and listed with why
        if len(batch.errors) < MAX_LISTED:
            batch.errors.append((row.line, reason))
        return
    batch.noted += len(row.problems)
    if row.problems and len(batch.problems) < MAX_LISTED:
        batch.problems += [(row.line, problem) for problem in row.problems]
    batch.rows.append(row)


def _fail(batch: Batch, line: int, reason: str) -> None:
    batch.failed += 1
    if len(batch.errors) < MAX_LISTED:
        batch.errors.append((line, reason))


# The child and its pipe. Rows travel as tuples of plain strings, lists and dicts:
# unpickling a dataclass or an enum member per row would cost more than reading it.


def _pack(batch: Batch) -> tuple:
    rows = list(map(_row_values, batch.rows))  # clean() leaves no enum member in a row
    return batch.part, rows, batch.skipped, batch.failed, batch.noted, batch.errors, batch.problems


def _unpack(packed: tuple) -> Batch:
    part, rows, *counts, errors, problems = packed
    return Batch(part, [Row(*values) for values in rows], *counts, errors, problems)


class _OtherVersion(Exception):
    """The child's code speaks another version of the pipe (a worker older than a deploy)."""


def _wire() -> list:
    """What the pipe carries, to tell a child of other code (its batches would not fit)."""
    return [_ROW_FIELDS, [f.name for f in fields(Batch)], [f.name for f in fields(Spec)]]


def _settings_module() -> str:
    """Return the settings the child loads (none if they were configured in code)."""
    from django.conf import settings

    return os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE or ""


def _from_child(spec: Spec) -> Iterator[Batch]:
    root = str(Path(__file__).resolve().parents[2])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": _settings_module(),
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "contacts.importing.pipeline"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    try:
        _send(child, json.dumps({**asdict(spec), "wire": _wire()}).encode())
        while True:
            try:
                kind, payload = pickle.load(child.stdout)
            except (EOFError, pickle.UnpicklingError):  # it died, maybe halfway through a batch
                raise RuntimeError(f"the reading process stopped (exit {child.wait()})") from None
            if kind == "end":
                return
            if kind == "other version":
                raise _OtherVersion
            if kind == "unreadable":
                raise UnreadableFile(payload)
            if kind == "failed":
                raise RuntimeError(payload)
            yield _unpack(payload)
    finally:
        child.kill()
        child.wait()
        child.stdout.close()


def _send(child: subprocess.Popen, spec: bytes) -> None:
    """Give the child its spec on stdin (an argument could not hold thousands of files)."""
    try:
        view = memoryview(spec)
        while view:  # unbuffered, so that closing cannot fail on data left behind
            view = view[os.write(child.stdin.fileno(), view) :]
    except BrokenPipeError:
        pass  # the child is gone: the end of its output says so
    finally:
        child.stdin.close()


def _child() -> None:
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not reach the pipe
    spec = json.load(sys.stdin)
    if spec.pop("wire", None) != _wire():
        pickle.dump(("other version", None), channel)
        return
    spec = Spec(**spec)

    import django

    django.setup()
    from django.conf import settings
    from django.utils import translation

    settings.IMPORT_MAX_MB = spec.max_mb
    if spec.language:
        translation.activate(spec.language)
    else:
        translation.deactivate_all()  # as the parent: messages as the code writes them
    gc.freeze()  # what Django loaded lives until the end (see jobs.collecting_new_objects_only)
    try:
        for index, part in enumerate(open_parts(spec)):
            for batch in _read(index, part, spec):
                pickle.dump(("batch", _pack(batch)), channel, protocol=pickle.HIGHEST_PROTOCOL)
        message = ("end", None)
    except UnreadableFile as e:
        message = ("unreadable", str(e))
    except Exception as e:  # reported by the parent, whose job records the failure
        message = ("failed", f"{type(e).__name__}: {e}")
    pickle.dump(message, channel)
    channel.close()


if __name__ == "__main__":
    _child()
