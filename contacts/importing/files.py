"""Open what the user gives: files and ZIP archives, each part recognised by its content."""

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePosixPath

from django.conf import settings

from contacts.choices import Source
from contacts.importing import social, tabular, vcard
from contacts.importing.rows import Row
from contacts.importing.text import UnreadableFile, decode, header_key, table

FORMAT_CHOICES = [
    "auto",
    "csv",
    "xlsx",
    "vcard",
    "google",
    "outlook",
    "linkedin",
    "facebook",
    "instagram",
    "telegram",
    "mailchimp",
    "brevo",
]
_HEADER_SEARCH = 20  # rows scanned for the header (LinkedIn puts notes above it)
_MAX_ARCHIVE_RATIO = 100  # a zip member that grows more than this is a bomb
_CONTACT_FILES = (".csv", ".tsv", ".txt", ".vcf", ".vcard", ".json", ".xlsx")


@dataclass
class Part:
    """One export to import: a file, or a file found inside an archive."""

    name: str
    data: bytes
    format: str = ""
    rows: Iterator | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def open_parts(name: str, data: bytes, forced: str = "auto") -> list[Part]:
    """Return the recognised exports in `data`, ready to read; raise UnreadableFile."""
    if len(data) > settings.IMPORT_MAX_MB * 1024 * 1024:
        raise UnreadableFile(f"{name}: larger than {settings.IMPORT_MAX_MB} MB")
    if data.startswith(b"PK\x03\x04"):
        archive = _open_zip(name, data)
        if "xl/workbook.xml" in archive.namelist():
            return [_recognise(Part(name, data), forced, archive)]
        return _archive_parts(name, archive, forced)
    return [_recognise(Part(name, data), forced)]


def _open_zip(name: str, data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise UnreadableFile(f"{name}: damaged ZIP archive") from e
    for info in archive.infolist():
        too_big = info.file_size > settings.IMPORT_MAX_MB * 1024 * 1024
        if too_big or info.file_size > _MAX_ARCHIVE_RATIO * max(info.compress_size, 1):
            raise UnreadableFile(f"{name}: {info.filename} expands too much (archive bomb?)")
    return archive


def _archive_parts(name: str, archive: zipfile.ZipFile, forced: str) -> list[Part]:
    """Return the contact exports inside a "Download your information" or Mailchimp ZIP."""
    parts = []
    for info in archive.infolist():
        if info.is_dir() or not info.filename.lower().endswith(_CONTACT_FILES):
            continue
        try:
            parts.append(_recognise(Part(f"{name}/{info.filename}", archive.read(info)), forced))
        except UnreadableFile:
            continue  # the archive's other files (messages, photos, settings) are not ours
    if not parts:
        raise UnreadableFile(f"{name}: no contact file found in this archive")
    return parts


def _recognise(part: Part, forced: str, workbook: zipfile.ZipFile | None = None) -> Part:
    if workbook is not None:
        return _tabular(part, _xlsx_rows(part), forced, Source.XLSX)
    text = decode(part.data)
    stripped = text.lstrip()
    if stripped[:1] in "{[" and forced in ("auto", "facebook", "instagram", "telegram"):
        return _json(part, text)
    if vcard.looks_like_vcard(text) and forced in ("auto", "vcard"):
        part.format, part.rows = "vcard", vcard.rows(text)
        return part
    return _tabular(part, enumerate(table(text), start=1), forced, Source.CSV)


def _json(part: Part, text: str) -> Part:
    try:
        data = json.loads(text)
    except RecursionError as e:
        raise UnreadableFile(f"{PurePosixPath(part.name).name}: JSON nested too deeply") from e
    except ValueError as e:
        raise UnreadableFile(f"{PurePosixPath(part.name).name}: invalid JSON ({e})") from e
    found = social.detect(data)
    if found is None:
        raise UnreadableFile(f"{PurePosixPath(part.name).name}: JSON of no known export")
    part.format, reader = found
    part.rows = reader(data)
    return part


def _tabular(part: Part, numbered_rows, forced: str, plain_source: str) -> Part:
    numbered_rows = iter(numbered_rows)
    scanned = []
    for number, cells in numbered_rows:
        scanned.append((number, cells))
        keys = {header_key(str(c)) for c in cells if c}
        for fmt in tabular.FORMATS:
            if (forced in ("auto", "csv", "xlsx") or forced == fmt.name) and fmt.detect(keys):
                part.format = fmt.name if fmt.name != "csv" else plain_source
                part.rows = _tabular_rows(fmt, cells, numbered_rows, plain_source)
                return part
        if len(scanned) >= _HEADER_SEARCH:
            break
    raise UnreadableFile(f"{PurePosixPath(part.name).name}: no column of contacts recognised")


def _tabular_rows(fmt, header, numbered_rows, plain_source) -> Iterator[Row]:
    """Read the rows below the header (what stood above it was a preamble)."""
    for number, record in tabular.records([str(c or "") for c in header], numbered_rows):
        row = fmt.read(record, number)
        if fmt.name == "csv":
            row.source = plain_source
        yield row


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else str(value)


def _xlsx_rows(part: Part) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # imported here: only XLSX imports need it

    try:
        book = load_workbook(io.BytesIO(part.data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds on damaged workbooks
        raise UnreadableFile(f"{PurePosixPath(part.name).name}: unreadable workbook") from e
    for sheet in book.worksheets:
        filled = False
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            filled = filled or any(cells)
            yield number, cells
        if filled:
            return  # the first sheet with something in it is the one
