"""Recognise what the user gives: files, ZIP archives and workbooks, each part by its content.

Each part is offered to the formats (contacts.importing.formats) in their order: JSON
documents to the JSON formats, text files to the text formats (vCard), and the header of
anything else, a CSV file or a workbook's sheet, to the spreadsheet-shaped formats.

Files are read as streams: recognising one reads its first megabyte, importing it reads it
row by row, so memory stays flat whatever the size (JSON exports, small by nature, are
the exception: a JSON document is parsed whole, and so is refused over JSON_MAX_MB).

What a file may make Carnet read is bounded before it is read: the file's size, each ZIP
member's size once decompressed (the size the archive states: zipfile reads no further, and
a member whose data says otherwise fails its CRC), an archive's directory, a workbook's
shared strings (openpyxl holds them all in memory, about 200 bytes each), its columns, rows
and sheets, a text file's lines (decode.text_lines) and a vCard's cards (formats/vcard.py).
A workbook is loaded once; its XML is parsed by defusedxml (no entity expansion).
"""

import csv
import hashlib
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.conf import settings
from django.utils.formats import number_format
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
    text_lines,
)
from contacts.importing.formats import spreadsheet
from contacts.importing.formats.columns import records

# A spreadsheet typed by a person is named after its file; forcing either lets any
# spreadsheet-shaped format be recognised.
_CONTAINERS = (Source.CSV, Source.XLSX)
_HEADER_SEARCH = 20  # rows scanned for the header (LinkedIn puts notes above it)
_MAX_ARCHIVE_RATIO = 100  # a zip member that grows more than this is a bomb
_MAX_DIRECTORY = 4 << 20  # bytes of an archive's list of files (about 40,000 files)
_MAX_WORKBOOK_PART = 10 << 20  # a workbook's styles, workbook.xml…: parsed whole by openpyxl
_MAX_SHARED_STRINGS = 500_000  # a workbook's different texts, held in memory by openpyxl
_MAX_SHEETS = 10  # sheets looked at for a header row
_MAX_COLUMNS = 256  # columns read of a sheet (Google's and Outlook's exports have about 90)
_EXCEL_ROWS = 1_048_576  # the most a sheet has: a row numbered beyond it is not read
JSON_MAX_MB = 20  # a JSON document is parsed whole: about 20 times its size in memory
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")
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
    size: int = 0  # bytes (a member of an archive: once decompressed)

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
    size = path.stat().st_size
    _check_size(name, size)
    with path.open("rb") as f:
        head = f.read(SAMPLE)
    part = Part(name, lambda: path.open("rb"), size=size)
    if head.startswith(b"PK\x03\x04"):
        archive = _open_zip(name, part.open)
        if "xl/workbook.xml" in archive.namelist():
            return [_workbook(part, archive, forced)]
        return _archive_parts(name, archive, forced)
    return [_recognise(part, head, forced)]


def _check_size(name: str, size: int) -> None:
    if size > settings.IMPORT_MAX_MB * 1024 * 1024:
        message = _("%(name)s: larger than %(size)d MB.")
        raise UnreadableFile(message % {"name": name, "size": settings.IMPORT_MAX_MB})


def _open_zip(name: str, opener: Callable[[], BinaryIO]) -> zipfile.ZipFile:
    """Open the archive once its directory and each member's size (decompressed) are known
    to be within bounds."""
    damaged = UnreadableFile(_("%(name)s: damaged ZIP archive.") % {"name": name})
    try:
        with opener() as f:
            end = zipfile._EndRecData(f)  # the end record: where and how large the directory is
    except (OSError, zipfile.BadZipFile, EOFError) as e:
        raise damaged from e
    if not end:
        raise damaged
    if end[zipfile._ECD_SIZE] > _MAX_DIRECTORY:
        raise UnreadableFile(_("%(name)s: too many files in this archive.") % {"name": name})
    try:
        archive = zipfile.ZipFile(opener())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as e:
        raise damaged from e
    for info in archive.infolist():
        if info.file_size > _MAX_ARCHIVE_RATIO * max(info.compress_size, 1):
            raise _too_large(name, archive, info.filename)
        if info.file_size > settings.IMPORT_MAX_MB * 1024 * 1024:
            raise _too_large(name, archive, info.filename, settings.IMPORT_MAX_MB)
    return archive


_SHEET = re.compile(r"xl/worksheets/sheet(\d+)\.xml")


def _too_large(name: str, archive: zipfile.ZipFile, member: str, size: int | None = None):
    """Return the refusal of an archive's `member` over `size` MB once decompressed (None: one
    that grows beyond reason), in the owner's words: a workbook's parts are no files of theirs
    ("xl/worksheets/sheet1.xml" is the workbook's first sheet)."""
    values = {"name": name, "member": member, "size": size}
    if "xl/workbook.xml" not in archive.namelist():  # the archive's own files, by name
        if size is None:
            return UnreadableFile(
                _("%(name)s: %(member)s expands too much (archive bomb?).") % values
            )
        message = _("%(name)s: %(member)s is larger than %(size)d MB once decompressed.")
        return UnreadableFile(message % values)
    if size is None:
        message = _(
            "%(name)s: this workbook grows far too large once decompressed (it may be damaged): "
            "save it as CSV and import that file."
        )
    elif sheet := _SHEET.fullmatch(member):
        values["number"] = int(sheet[1])
        message = _(
            "%(name)s: sheet %(number)d of the workbook is too large (over %(size)d MB once "
            "decompressed): save it as CSV and import that file."
        )
    elif member.endswith("sharedStrings.xml"):
        message = _(
            "%(name)s: the texts of the workbook are too large (over %(size)d MB once "
            "decompressed): save it as CSV and import that file."
        )
    else:
        message = _(
            "%(name)s: the workbook is too large (its formatting or formulas are over %(size)d MB "
            "once decompressed): save it as CSV and import that file."
        )
    return UnreadableFile(message % values)


def _archive_parts(name: str, archive: zipfile.ZipFile, forced: str) -> list[Part]:
    """Return the contact exports inside a "Download your information" or Mailchimp ZIP."""
    parts = []
    for info in archive.infolist():
        if info.is_dir() or not info.filename.lower().endswith(_CONTACT_FILES):
            continue
        part = Part(
            f"{name}/{info.filename}", lambda info=info: archive.open(info), size=info.file_size
        )
        with part.open() as f:
            head = f.read(SAMPLE)
        if info.filename.lower().endswith(".json") and not _may_be_contacts(head):
            continue  # messages, posts, settings: not parsed just to be told apart
        try:
            if head.startswith(b"PK"):  # a workbook
                parts.append(_workbook(part, _open_zip(part.name, part.open), forced))
            else:
                parts.append(_recognise(part, head, forced))
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


def _recognise(part: Part, head: bytes, forced: str) -> Part:
    encoding = encoding_of(head)
    sample = head.decode(encoding, errors="replace").lstrip("\ufeff")
    if sample.lstrip()[:1] in ("{", "[") and _may_be(forced, formats.JSON):
        return _json(part, encoding)
    for fmt in formats.TEXTS:
        if fmt.detect_text(sample) and _may_be(forced, [fmt]):
            part.format, part.counted = fmt.NAME, encoded(fmt.COUNTED, encoding, head)
            part.rows = fmt.read_text(text_lines(part.open(), encoding, part.short_name))
            return part
    lines = text_lines(part.open(), encoding, part.short_name)
    part.counted = encoded("\n" if "\n" in sample else "\r", encoding, head)  # "\r": old Macs
    return _tabular(part, enumerate(table(lines), start=1), forced, Source.CSV)


def _named(part: Part) -> dict[str, str]:
    return {"name": part.short_name}


def _may_be(forced: str, candidates) -> bool:
    """Tell whether the format the user chose (if any) is one of `candidates`."""
    return forced == "auto" or forced in {fmt.NAME for fmt in candidates}


def _json(part: Part, encoding: str) -> Part:
    if part.size > JSON_MAX_MB * 1024 * 1024:
        message = _("%(name)s: JSON larger than %(size)d MB: export only your contacts.")
        raise UnreadableFile(message % {**_named(part), "size": JSON_MAX_MB})
    try:
        with part.open() as f:
            data = json.loads(f.read(part.size).decode(encoding, errors="replace"))
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


def _workbook(part: Part, archive: zipfile.ZipFile, forced: str) -> Part:
    """Read the first sheet with a header row (a title sheet before it is passed over).

    The workbook is loaded once, after its parts are known to be within bounds: its shared
    strings, which openpyxl reads whole, counted first."""
    from openpyxl import load_workbook  # imported here: only XLSX imports need it

    strings = _check_workbook(part, archive)
    if _count_shared_strings(archive, strings) > _MAX_SHARED_STRINGS:
        message = _("%(name)s: more than %(count)s different texts: save it as CSV to import it.")
        raise UnreadableFile(
            message
            % {**_named(part), "count": number_format(_MAX_SHARED_STRINGS, force_grouping=True)}
        )
    try:
        book = load_workbook(part.open(), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds on damaged workbooks
        raise UnreadableFile(_("%(name)s: unreadable workbook.") % _named(part)) from e
    try:
        for sheet in book.worksheets[:_MAX_SHEETS]:
            try:
                part = _tabular(part, _sheet_rows(sheet), forced, Source.XLSX)
            except UnreadableFile:
                continue
            part.rows_stated = max((sheet.max_row or 0) - 1, 0)  # read from the dimension
            part.rows = _closing(part.rows, book)
            return part
    except BaseException:
        book.close()
        raise
    book.close()
    raise UnreadableFile(_("%(name)s: no sheet with columns of contacts.") % _named(part))


def _check_workbook(part: Part, archive: zipfile.ZipFile) -> str:
    """Refuse a workbook whose parts openpyxl parses whole (styles, workbook…) are larger
    than _MAX_WORKBOOK_PART; return the name of its shared strings' part ("": none)."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS
    from openpyxl.xml.functions import fromstring

    names = set(archive.namelist())
    try:
        manifest = Manifest.from_tree(fromstring(_member(archive, ARC_CONTENT_TYPES)))
        found = manifest.find(SHARED_STRINGS)
    except Exception as e:
        raise UnreadableFile(_("%(name)s: unreadable workbook.") % _named(part)) from e
    strings = found.PartName[1:] if found is not None and found.PartName[1:] in names else ""
    for info in archive.infolist():
        parsed_whole = info.filename != strings and "worksheets/" not in info.filename
        if parsed_whole and info.file_size > _MAX_WORKBOOK_PART:
            raise _too_large(
                _named(part)["name"], archive, info.filename, _MAX_WORKBOOK_PART >> 20
            )
    return strings


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as f:
        return f.read(_MAX_WORKBOOK_PART + 1)


def _count_shared_strings(archive: zipfile.ZipFile, name: str) -> int:
    """Count the <si> elements of the shared strings part, reading it as a stream (what the
    part says of its own count may lie)."""
    if not name:
        return 0
    count, tail = 0, b""
    with archive.open(name) as f:
        while chunk := f.read(SAMPLE):
            data = tail + chunk
            count += len(_SHARED_STRING.findall(data))
            tail = data[-64:]
            count -= len(_SHARED_STRING.findall(tail))  # counted again with the next chunk
            if count > _MAX_SHARED_STRINGS:
                break
    return count + len(_SHARED_STRING.findall(tail))


def _closing(rows: Iterator, book) -> Iterator:
    """Yield the rows, then close the workbook they come from."""
    try:
        yield from rows
    finally:
        book.close()


def _sheet_rows(sheet) -> Iterator[tuple[int, list[str]]]:
    """Yield (row number, cells) of the sheet's rows that hold something.

    At most _MAX_COLUMNS columns and _EXCEL_ROWS rows are read, whatever the sheet's
    dimension says: openpyxl fills the rows a sheet skips, and widens each to the last
    column, so a sheet naming row 10^12 or column XFD would otherwise never end."""
    width = min(sheet.max_column or _MAX_COLUMNS, _MAX_COLUMNS)
    rows = sheet.iter_rows(max_row=_EXCEL_ROWS, max_col=width, values_only=True)
    for number, values in enumerate(rows, start=1):
        if values.count(None) < len(values):
            yield number, [_cell(v) for v in values]
