"""Recognise what the user gives: files, ZIP archives and workbooks, each part by its content.

Each part is offered to the formats (contacts.importing.formats) in their order: JSON
documents to the JSON formats, text files to the text formats (vCard), and the header of
anything else, a CSV file or a workbook's sheet, to the spreadsheet-shaped formats.

Files are read as streams: recognising one reads its first megabyte, importing it reads it
row by row, so memory stays flat whatever the size (JSON exports, small by nature, are
the exception: a JSON document is parsed whole).
"""

import csv
import hashlib
import json
import logging
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _

from contacts.choices import Source
from contacts.importing import formats
from contacts.importing.decode import (
    SAMPLE,
    UnreadableFile,
    encoded,
    encoding_of,
    header_key,
    table,
    text_stream,
)
from contacts.importing.formats import spreadsheet
from contacts.importing.formats.columns import records

# A spreadsheet typed by a person is named after its file; forcing either lets any
# spreadsheet-shaped format be recognised.
_CONTAINERS = (Source.CSV, Source.XLSX)
_HEADER_SEARCH = 20  # rows scanned for the header (LinkedIn puts notes above it)
_MAX_ARCHIVE_RATIO = 100  # a zip member that grows more than this is a bomb
_CONTACT_FILES = (".csv", ".tsv", ".txt", ".vcf", ".vcard", ".json", ".xlsx")
logger = logging.getLogger(__name__)


@dataclass
class Part:
    """One export to import: a file, or a file found inside an archive."""

    name: str
    open: Callable[[], BinaryIO]
    format: str = ""
    rows: Iterator | None = None
    columns: list[str] = field(default_factory=list)  # the header, for tabular files
    mapping: dict[str, str] = field(default_factory=dict)  # column key → contact field
    counted: bytes = b""  # what to count in the file to estimate its rows
    rows_stated: int = 0  # or the rows the file says it has (a workbook's dimension)

    @cached_property
    def estimated_rows(self) -> int:
        if not self.counted:
            return self.rows_stated
        total = 0
        with self.open() as f:
            while chunk := f.read(SAMPLE):
                total += chunk.count(self.counted)
        return total

    @cached_property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.open() as f:
            while chunk := f.read(SAMPLE):
                digest.update(chunk)
        return digest.hexdigest()

    @property
    def short_name(self) -> str:
        return PurePosixPath(self.name).name


def open_parts(name: str, path: Path, forced: str = "auto", mapping=None) -> list[Part]:
    """Return the recognised exports in the file, ready to read; raise UnreadableFile.

    `mapping` may give, per part name, the contact field of each column of a spreadsheet
    typed by a person (as chosen on the import page).
    """
    try:
        parts = _open_parts(name, path, forced)
    except UnreadableFile:
        raise
    except Exception as e:  # a parser's own error (csv, XML, vCard…): a refusal, not a crash
        raise _refusal(PurePosixPath(name).name, e) from e
    for part in parts:
        if mapping and part.name in mapping and part.columns:
            part.mapping = mapping[part.name]
        if part.rows is not None:
            part.rows = _guarded(part.short_name, part.rows)
    return parts


def _guarded(name: str, rows: Iterator) -> Iterator:
    """Yield the rows; a parser's error met on the way becomes a refusal (UnreadableFile)."""
    try:
        yield from rows
    except UnreadableFile:
        raise
    except Exception as e:
        raise _refusal(name, e) from e


def _refusal(name: str, error: Exception) -> UnreadableFile:
    """Return the refusal, in the user's words, of a file a parser stopped on."""
    logger.debug("%s: refused on a parser's error: %r", name, error)
    if isinstance(error, csv.Error) and "field limit" in str(error):
        message = _("%(name)s: a cell is longer than %(size)s characters: not a contact export.")
        return UnreadableFile(message % {"name": name, "size": csv.field_size_limit()})
    message = _("%(name)s: the file cannot be read (damaged, or not a contact export).")
    return UnreadableFile(message % {"name": name})


def _open_parts(name: str, path: Path, forced: str) -> list[Part]:
    _check_size(name, path.stat().st_size)
    with path.open("rb") as f:
        head = f.read(SAMPLE)
    if head.startswith(b"PK\x03\x04"):
        archive = _open_zip(name, path)
        if "xl/workbook.xml" in archive.namelist():
            return [_recognise(Part(name, lambda: path.open("rb")), head, forced, workbook=True)]
        return _archive_parts(name, archive, forced)
    return [_recognise(Part(name, lambda: path.open("rb")), head, forced)]


def _check_size(name: str, size: int) -> None:
    if size > settings.IMPORT_MAX_MB * 1024 * 1024:
        message = _("%(name)s: larger than %(size)d MB.")
        raise UnreadableFile(message % {"name": name, "size": settings.IMPORT_MAX_MB})


def _open_zip(name: str, path: Path) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        raise UnreadableFile(_("%(name)s: damaged ZIP archive.") % {"name": name}) from e
    workbook = "xl/workbook.xml" in archive.namelist()
    for info in archive.infolist():
        if not workbook:  # a workbook's XML is many times its cells: the ratio guards it
            _check_size(f"{name}/{info.filename}", info.file_size)
        if info.file_size > _MAX_ARCHIVE_RATIO * max(info.compress_size, 1):
            message = _("%(name)s: %(member)s expands too much (archive bomb?).")
            raise UnreadableFile(message % {"name": name, "member": info.filename})
    return archive


def _archive_parts(name: str, archive: zipfile.ZipFile, forced: str) -> list[Part]:
    """Return the contact exports inside a "Download your information" or Mailchimp ZIP."""
    parts = []
    for info in archive.infolist():
        if info.is_dir() or not info.filename.lower().endswith(_CONTACT_FILES):
            continue
        part = Part(f"{name}/{info.filename}", lambda info=info: archive.open(info))
        with part.open() as f:
            head = f.read(SAMPLE)
        if info.filename.lower().endswith(".json") and not _may_be_contacts(head):
            continue  # messages, posts, settings: not parsed just to be told apart
        try:
            parts.append(_recognise(part, head, forced, workbook=head.startswith(b"PK")))
        except UnreadableFile:
            continue  # the archive's other files (messages, photos, settings) are not ours
    # A "Download your information" archive holds the owner's profile, positions, skills…
    # as plain spreadsheets: beside a known export (Connections.csv) they are not contacts.
    known = [p for p in parts if p.format not in _CONTAINERS]
    parts = known or parts
    if not parts:
        raise UnreadableFile(
            _("%(name)s: no contact file found in this archive.") % {"name": name}
        )
    return parts


def _may_be_contacts(head: bytes) -> bool:
    """Tell from its first bytes whether a JSON file may be a contact export."""
    return any(sign in head for fmt in formats.JSON for sign in fmt.SIGNS)


def _recognise(part: Part, head: bytes, forced: str, workbook: bool = False) -> Part:
    if workbook:
        return _workbook(part, forced)
    encoding = encoding_of(head)
    sample = head.decode(encoding, errors="replace").lstrip("\ufeff")
    if sample.lstrip()[:1] in ("{", "[") and _may_be(forced, formats.JSON):
        return _json(part, encoding)
    for fmt in formats.TEXTS:
        if fmt.detect_text(sample) and _may_be(forced, [fmt]):
            part.format, part.counted = fmt.NAME, encoded(fmt.COUNTED, encoding, head)
            part.rows = fmt.read_text(text_stream(part.open(), encoding))
            return part
    lines = text_stream(part.open(), encoding)
    part.counted = encoded("\n" if "\n" in sample else "\r", encoding, head)  # "\r": old Macs
    return _tabular(part, enumerate(table(lines), start=1), forced, Source.CSV)


def _named(part: Part) -> dict[str, str]:
    return {"name": part.short_name}


def _may_be(forced: str, candidates) -> bool:
    """Tell whether the format the user chose (if any) is one of `candidates`."""
    return forced == "auto" or forced in {fmt.NAME for fmt in candidates}


def _json(part: Part, encoding: str) -> Part:
    try:
        with text_stream(part.open(), encoding) as f:
            data = json.load(f)
    except RecursionError as e:
        raise UnreadableFile(_("%(name)s: JSON nested too deeply.") % _named(part)) from e
    except ValueError as e:
        message = _("%(name)s: invalid JSON (the file is damaged or cut short).")
        raise UnreadableFile(message % _named(part)) from e
    for fmt in formats.JSON:
        if read := fmt.detect_json(data):
            part.format, part.rows = fmt.NAME, read(data)
            return part
    raise UnreadableFile(_("%(name)s: JSON of no known export.") % _named(part))


def _tabular(part: Part, numbered_rows, forced: str, container: str) -> Part:
    """Find the header among the first rows (what stands above it is a preamble)."""
    numbered_rows = iter(numbered_rows)
    for scanned, (_number, cells) in enumerate(numbered_rows, start=1):
        if fmt := _header_format({header_key(str(c)) for c in cells if c}, forced):
            part.columns = [str(c or "") for c in cells]
            _read_below_header(part, fmt, numbered_rows, container)
            return part
        if scanned >= _HEADER_SEARCH:
            break
    raise UnreadableFile(_("%(name)s: no column of contacts recognised.") % _named(part))


def _header_format(keys: set[str], forced: str):
    """Return the first spreadsheet-shaped format the user allows whose header this is."""
    any_spreadsheet = forced in ("auto", *_CONTAINERS)
    for fmt in formats.SPREADSHEETS:
        if (any_spreadsheet or forced == fmt.NAME) and fmt.detect_header(keys):
            return fmt
    return None


def _read_below_header(part: Part, fmt, numbered_rows, container: str) -> None:
    """Name the part's format and read its rows, lazily.

    A spreadsheet typed by a person is named after its file (csv, xlsx) and read through
    the mapping of its columns, which the import page may change before the first row is.
    """
    if fmt is spreadsheet:
        part.format, part.mapping = container, spreadsheet.default_mapping(part.columns)

        def read(record, line):
            return spreadsheet.read_record(record, line, container, part.mapping)
    else:
        part.format, read = fmt.NAME, fmt.read_record
    part.rows = (read(record, number) for number, record in records(part.columns, numbered_rows))


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else str(value)


def _workbook(part: Part, forced: str) -> Part:
    """Read the first sheet with a header row (a title sheet before it is passed over)."""
    from openpyxl import load_workbook  # imported here: only XLSX imports need it

    try:
        book = load_workbook(part.open(), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds on damaged workbooks
        raise UnreadableFile(_("%(name)s: unreadable workbook.") % _named(part)) from e
    for index, sheet in enumerate(book.worksheets):
        try:
            part = _tabular(part, _sheet_rows(part, index), forced, Source.XLSX)
        except UnreadableFile:
            continue
        part.rows_stated = max((sheet.max_row or 0) - 1, 0)  # read from the sheet's dimension
        return part
    book.close()
    raise UnreadableFile(_("%(name)s: no sheet with columns of contacts.") % _named(part))


def _sheet_rows(part: Part, index: int) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    book = load_workbook(part.open(), read_only=True, data_only=True)
    try:
        for number, values in enumerate(book.worksheets[index].iter_rows(values_only=True), 1):
            yield number, [_cell(v) for v in values]
    finally:
        book.close()
