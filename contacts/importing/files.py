"""Open what the user gives: files and ZIP archives, each part recognised by its content.

Files are read as streams: recognising one reads its first megabyte, importing it reads it
row by row, so memory stays flat whatever the size (JSON exports, small by nature, are
the exception: a JSON document is parsed whole).
"""

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.conf import settings

from contacts.choices import Source
from contacts.importing import social, tabular, vcard
from contacts.importing.rows import Row
from contacts.importing.text import (
    SAMPLE,
    UnreadableFile,
    encoding_of,
    header_key,
    table,
    text_stream,
)

FORMAT_CHOICES = [
    "auto", "csv", "xlsx", "vcard", "google", "outlook", "linkedin",
    "facebook", "instagram", "telegram", "mailchimp", "brevo",
]  # fmt: skip
_HEADER_SEARCH = 20  # rows scanned for the header (LinkedIn puts notes above it)
_MAX_ARCHIVE_RATIO = 100  # a zip member that grows more than this is a bomb
_CONTACT_FILES = (".csv", ".tsv", ".txt", ".vcf", ".vcard", ".json", ".xlsx")


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
    parts = _open_parts(name, path, forced)
    for part in parts:
        if mapping and part.name in mapping and part.columns:
            part.mapping = mapping[part.name]
    return parts


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
        raise UnreadableFile(f"{name}: larger than {settings.IMPORT_MAX_MB} MB")


def _open_zip(name: str, path: Path) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        raise UnreadableFile(f"{name}: damaged ZIP archive") from e
    workbook = "xl/workbook.xml" in archive.namelist()
    for info in archive.infolist():
        if not workbook:  # a workbook's XML is many times its cells: the ratio guards it
            _check_size(f"{name}/{info.filename}", info.file_size)
        if info.file_size > _MAX_ARCHIVE_RATIO * max(info.compress_size, 1):
            raise UnreadableFile(f"{name}: {info.filename} expands too much (archive bomb?)")
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
        if info.filename.lower().endswith(".json") and not social.may_be_contacts(head):
            continue  # messages, posts, settings: not parsed just to be told apart
        try:
            parts.append(_recognise(part, head, forced, workbook=head.startswith(b"PK")))
        except UnreadableFile:
            continue  # the archive's other files (messages, photos, settings) are not ours
    # A "Download your information" archive holds the owner's profile, positions, skills…
    # as plain spreadsheets: beside a known export (Connections.csv) they are not contacts.
    known = [p for p in parts if p.format not in (Source.CSV, Source.XLSX)]
    parts = known or parts
    if not parts:
        raise UnreadableFile(f"{name}: no contact file found in this archive")
    return parts


def _recognise(part: Part, head: bytes, forced: str, workbook: bool = False) -> Part:
    if workbook:
        return _workbook(part, forced)
    encoding = encoding_of(head)
    sample = head.decode(encoding, errors="replace").lstrip("\ufeff")
    if sample.lstrip()[:1] in ("{", "[") and forced in (
        "auto",
        "facebook",
        "instagram",
        "telegram",
    ):
        return _json(part, encoding)
    if vcard.looks_like_vcard(sample) and forced in ("auto", "vcard"):
        part.format, part.counted = "vcard", b"BEGIN:VCARD"
        part.rows = vcard.rows(text_stream(part.open(), encoding))
        return part
    lines = text_stream(part.open(), encoding)
    part.counted = b"\n"
    return _tabular(part, enumerate(table(lines), start=1), forced, Source.CSV)


def _json(part: Part, encoding: str) -> Part:
    try:
        with text_stream(part.open(), encoding) as f:
            data = json.load(f)
    except RecursionError as e:
        raise UnreadableFile(f"{part.short_name}: JSON nested too deeply") from e
    except ValueError as e:
        raise UnreadableFile(f"{part.short_name}: invalid JSON ({e})") from e
    found = social.detect(data)
    if found is None:
        raise UnreadableFile(f"{part.short_name}: JSON of no known export")
    part.format, reader = found
    part.rows = reader(data)
    return part


def _tabular(part: Part, numbered_rows, forced: str, plain_source: str) -> Part:
    numbered_rows = iter(numbered_rows)
    for scanned, (_number, cells) in enumerate(numbered_rows, start=1):
        keys = {header_key(str(c)) for c in cells if c}
        for fmt in tabular.FORMATS:
            if (forced in ("auto", "csv", "xlsx") or forced == fmt.name) and fmt.detect(keys):
                part.format = fmt.name if fmt.name != "csv" else plain_source
                part.columns = [str(c or "") for c in cells]
                if fmt.name == "csv":
                    part.mapping = tabular.default_mapping(part.columns)
                part.rows = _tabular_rows(fmt, part, numbered_rows, plain_source)
                return part
        if scanned >= _HEADER_SEARCH:
            break
    raise UnreadableFile(f"{part.short_name}: no column of contacts recognised")


def _tabular_rows(fmt, part: Part, numbered_rows, plain_source) -> Iterator[Row]:
    """Read the rows below the header (what stood above it was a preamble).

    A generator: the part's mapping is read when the first row is, after the import page
    had its say.
    """
    for number, record in tabular.records(part.columns, numbered_rows):
        if fmt.name == "csv":
            yield tabular.generic(record, number, plain_source, part.mapping)
        else:
            yield fmt.read(record, number)


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
        raise UnreadableFile(f"{part.short_name}: unreadable workbook") from e
    for index, sheet in enumerate(book.worksheets):
        try:
            part = _tabular(part, _sheet_rows(part, index), forced, Source.XLSX)
        except UnreadableFile:
            continue
        part.rows_stated = max((sheet.max_row or 0) - 1, 0)  # read from the sheet's dimension
        return part
    book.close()
    raise UnreadableFile(f"{part.short_name}: no sheet with columns of contacts")


def _sheet_rows(part: Part, index: int) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    book = load_workbook(part.open(), read_only=True, data_only=True)
    try:
        for number, values in enumerate(book.worksheets[index].iter_rows(values_only=True), 1):
            yield number, [_cell(v) for v in values]
    finally:
        book.close()
