"""Fuzzing every importer (issue 13's proof suite): whatever the file, an import refuses it
in one line of French or reads it, in bounded time and memory, writing nothing when it
refuses and leaving no upload behind.

Hypothesis feeds each format of contacts/importing/formats/ arbitrary bytes, files shaped
like its exports holding arbitrary values, and those files cut short. Hostile files are
built here, never committed: a workbook of 1 GB once decompressed, archives whose headers
lie about sizes, XML entity bombs, JSON nested 100,000 deep, a vCard of a million folded
lines, a line of 40 MB, a sheet naming row 10^12. Each is read in a process of its own
(bench/fuzz/probe.py), its peak memory taken from the kernel. bench/fuzz/ has the atheris
targets that run the same entry points for as long as one likes.
"""

import io
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import zipfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz.probe import read
from contacts.importing.formats import FORMAT_CHOICES
from contacts.models import Contact, ImportJob
from tests.faults.test_import_bounds import MAIN, shared_strings_workbook

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = 40  # per property below; HYPOTHESIS_PROFILE is not used, to keep the file short
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PEAK_MB = 400  # a reading process's peak memory, Django's own (about 70 MB) included
SECONDS = 30  # a reading's time, on a loaded two-core machine


@contextmanager
def written(data: bytes, name: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path


def check(data: bytes, name: str, forced: str = "auto") -> dict:
    """Read the file as an import does: a refusal is one line; any other error fails."""
    with written(data, name) as path:
        result = read(path, forced)
    if result["outcome"] == "refused":
        assert result["message"] and "\n" not in result["message"], result
    return result


# Arbitrary bytes, to every format (the user may force any), bare or behind a format's start.

STARTS = [b"", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"BEGIN:VCARD\r\n", b"{", b"["]


@FUZZ
@given(st.sampled_from(FORMAT_CHOICES), st.sampled_from(STARTS), st.binary(max_size=3000))
def test_arbitrary_bytes_are_read_or_refused_by_every_format(forced, start, data):
    check(start + data, "fichier.csv", forced)


# Files shaped like each spreadsheet-shaped export, holding arbitrary values, maybe cut short.

HEADERS = {
    "csv": ["Prénom", "Nom", "Courriel", "Téléphone", "Étiquettes", "Ville"],
    "google": ["Given Name", "Family Name", "Group Membership", "E-mail 1 - Label",
               "E-mail 1 - Value", "E-mail 2 - Value", "Phone 1 - Value", "Website 1 - Value"],
    "outlook": ["Prénom", "Nom", "Adresse de messagerie", "Téléphone mobile", "Catégories"],
    "linkedin": ["First Name", "Last Name", "URL", "Email Address", "Company", "Connected On"],
    "facebook": ["id", "created_time", "ad_id", "form_name", "full_name", "email",
                 "phone_number"],
    "mailchimp": ["Email Address", "First Name", "MEMBER_RATING", "OPTIN_TIME", "CONFIRM_IP",
                  "TAGS"],
    "brevo": ["EMAIL", "PRENOM", "SMS", "ADDED_TIME", "DOUBLE_OPT-IN", "BLACKLISTED"],
}  # fmt: skip
CELLS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["anne@exemple.fr", "+33612345678", "06 12 34 56 78", "=HYPERLINK(1)",
                     "2026-03-01 10:00:00", "01/02/2026", "p:+33 6", "l:123", "1", "yes",
                     "Clients ::: VIP", '"A", "B"', "https://www.linkedin.com/in/x"]),
)  # fmt: skip
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "utf-16"]


def cut(data: bytes, where: float | None) -> bytes:
    return data if where is None else data[: int(len(data) * where)]


def delimited(header: list[str], rows: list[list[str]], delimiter: str) -> str:
    def cell(value: str) -> str:
        if any(c in value for c in f'{delimiter}"\r\n'):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(delimiter.join(map(cell, row)) + "\r\n" for row in [header, *rows])


@FUZZ
@given(
    st.sampled_from(sorted(HEADERS)),
    st.lists(st.lists(CELLS, max_size=9), max_size=12),
    st.sampled_from(",;\t"),
    st.sampled_from(ENCODINGS),
    st.none() | st.floats(0, 1),
)
def test_every_spreadsheet_format_reads_or_refuses_what_it_is_given(
    fmt, rows, delimiter, encoding, where
):
    text = delimited(HEADERS[fmt], rows, delimiter)
    data = cut(text.encode(encoding, errors="replace"), where)
    for forced in ("auto", fmt):
        check(data, "export.csv", forced)


WORKBOOK_CELLS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**15), 10**15), st.floats(allow_nan=False),
    st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2100, 1, 1)),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30),
)  # fmt: skip


@FUZZ
@given(
    st.sampled_from(sorted(HEADERS)),
    st.lists(st.lists(WORKBOOK_CELLS, max_size=9), max_size=10),
    st.none() | st.floats(0, 1),
)
def test_workbooks_of_every_spreadsheet_format_are_read_or_refused(fmt, rows, where):
    book = openpyxl.Workbook()
    book.active.append(HEADERS[fmt])
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    check(cut(buffer.getvalue(), where), "classeur.xlsx")


# JSON exports (Facebook, Instagram, Telegram): their shapes, with anything inside.

KEYS = ["name", "contact_info", "timestamp", "details", "contact_point", "created_timestamp",
        "string_list_data", "value", "href", "title", "first_name", "last_name",
        "phone_number", "user_id", "list", "address_book"]  # fmt: skip
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=30,
)
ENTRIES = st.lists(JSON_VALUES, max_size=8)
DOCUMENTS = st.one_of(
    st.builds(lambda v: {"friends_v2": v}, ENTRIES),
    st.builds(lambda v: {"address_book_v2": {"address_book": v}}, ENTRIES),
    st.builds(lambda v: {"relationships_following": v}, ENTRIES),
    st.builds(lambda v: [{"string_list_data": v}], ENTRIES),
    st.builds(lambda v: {"contacts": {"list": v}}, ENTRIES),
    JSON_VALUES,
)


@FUZZ
@given(DOCUMENTS, st.sampled_from(["auto", "facebook", "instagram", "telegram"]),
       st.none() | st.floats(0, 1))  # fmt: skip
def test_json_exports_of_any_shape_are_read_or_refused(document, forced, where):
    check(cut(json.dumps(document).encode(), where), "export.json", forced)


# vCards: properties of every kind, folded, quoted-printable, base64, cards left open.

PROPERTIES = ["FN", "N", "EMAIL;TYPE=work", "TEL;CELL", "item1.EMAIL", "item1.X-ABLabel", "ORG",
              "ADR;TYPE=home", "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8", "URL",
              "PHOTO;ENCODING=b;TYPE=JPEG", "CATEGORIES", "X-SOCIALPROFILE", "TITLE"]  # fmt: skip
LINES = st.one_of(
    st.builds("{}:{}".format, st.sampled_from(PROPERTIES), st.text(max_size=60)),
    st.builds(" {}".format, st.text(max_size=30)),  # a folded line
    st.sampled_from(["BEGIN:VCARD", "END:VCARD", "VERSION:2.1", "VERSION:4.0", "=", "=C3=A9="]),
    st.text(max_size=40),
)


@FUZZ
@given(st.lists(LINES, max_size=30), st.sampled_from(["\r\n", "\n", "\r", "\r\r\n"]),
       st.sampled_from(ENCODINGS), st.none() | st.floats(0, 1))  # fmt: skip
def test_vcards_of_any_content_are_read_or_refused(lines, ending, encoding, where):
    text = ending.join(["BEGIN:VCARD", "VERSION:3.0", *lines, "END:VCARD", ""])
    data = cut(text.encode(encoding, errors="replace"), where)
    for forced in ("auto", "vcard"):
        check(data, "contacts.vcf", forced)


# Hostile files, each read in a process of its own, its peak memory measured.


def zipped(members: dict[str, bytes], level: int = 6) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def workbook_members(replaced: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """The members of a small workbook (a header and one contact), some replaced."""
    book = openpyxl.Workbook()
    book.active.append(["Prénom", "Courriel"])
    book.active.append(["Anne", "anne@exemple.fr"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return members | (replaced or {})


def huge_sheet(path: Path, megabytes: int) -> None:
    """Write a workbook whose sheet is `megabytes` MB once decompressed (a few MB on disk)."""
    members = workbook_members()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in members.items():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            sheet.write(head + b"<sheetData>")
            block = b"<row/>" * (1 << 20)
            for _ in range(megabytes // 6 + 1):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")


def lying(data: bytes, member: str, size: int) -> bytes:
    """Return the archive with `member`'s decompressed size stated as `size` in both of its
    headers (the central directory and the member's own)."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    data = bytearray(data)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    name = member.encode()
    where = data.find(b"PK\x01\x02")
    while data[where + 46 : where + 46 + len(name)] != name:
        where = data.find(b"PK\x01\x02", where + 4)
    struct.pack_into("<I", data, where + 24, size)
    return bytes(data)


def moderately_compressible(megabytes: int) -> bytes:
    """Return data that compresses about 30 times: under the archive-bomb ratio."""
    block = os.urandom(24) + b"\x00" * 1000
    return b"".join(os.urandom(24) + block[24:] for _ in range(megabytes * 1024))


ENTITIES = b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
LAUGHS = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">' + ENTITIES + b"]>"


def bomb(root: bytes) -> bytes:
    """Return the XML part with a billion laughs in its root element (a GB once expanded)."""
    root = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", root)
    start = root.index(b">") + 1
    return LAUGHS + root[:start] + b"&lol9;" + root[start:]


def folded_vcard(lines: int) -> bytes:
    head = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anne Martin\r\nEMAIL:anne@exemple.fr\r\nNOTE:a"
    return head + b"\r\n ab" * lines + b"\r\nEND:VCARD\r\n"


def wide_rows(path: Path) -> None:
    with path.open("wb") as f:
        for _ in range(25):
            f.write(b";" * 1_000_000 + b"\n")


def far_sheet() -> bytes:
    """A sheet whose dimension claims the whole grid, a cell in column XFD, row 10^12."""
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    sheet = (b"<worksheet " + ns + b'><dimension ref="A1:XFD1048576"/><sheetData>'
             b'<row r="1"><c r="A1" t="inlineStr"><is><t>Courriel</t></is></c>'
             b'<c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>'
             b'<row r="2"><c r="A2" t="inlineStr"><is><t>anne@exemple.fr</t></is></c></row>'
             b'<row r="1000000000000"><c r="A1000000000000" t="inlineStr"><is><t>b@exemple.fr'
             b"</t></is></c></row></sheetData></worksheet>")  # fmt: skip
    return zipped(workbook_members({"xl/worksheets/sheet1.xml": sheet}))


def hostile_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """Build the hostile files; return {what: (path, the outcome expected)}."""
    files = {}

    def add(what: str, name: str, data: bytes | None, expected: str) -> Path:
        path = folder / name
        if data is not None:
            path.write_bytes(data)
        files[what] = (path, expected)
        return path

    gigabyte = add("XLSX, a sheet of 1 GB once decompressed", "giga.xlsx", None, "refused")
    huge_sheet(gigabyte, 1024)
    add("XLSX, the headers saying the 1 GB sheet is 10 kB", "menteur.xlsx",
        lying(gigabyte.read_bytes(), "xl/worksheets/sheet1.xml", 10_000), "refused")  # fmt: skip
    add("XLSX, a 60 MB shared-strings member compressing 30 times", "moyen.xlsx",
        zipped(workbook_members({"xl/sharedStrings.xml": moderately_compressible(60)}), 1),
        "refused")  # fmt: skip
    add("ZIP archive, a CSV member whose headers say 10 kB and hold 60 MB", "archive.zip",
        lying(zipped({"clients.csv": b"Courriel\n" + b"a@exemple.fr\n" * 4_600_000}, 1),
              "clients.csv", 10_000), "refused")  # fmt: skip
    for member in ("[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"):
        members = workbook_members()
        members[member] = bomb(members[member])
        add(f"XLSX, an XML entity bomb in {member}", f"bombe-{len(files)}.xlsx",
            zipped(members), "refused")  # fmt: skip
    strings = bomb(b"<sst " + MAIN + b"><si><t>Courriel</t></si></sst>")
    shared_strings_workbook(
        add("XLSX, an XML entity bomb in its shared strings", "bombe.xlsx", None, "refused"),
        1, shared=strings,
    )  # fmt: skip
    add("JSON nested 100,000 deep (arrays)", "profond.json",
        b"[" * 100_000 + b"]" * 100_000, "refused")  # fmt: skip
    add("JSON nested 100,000 deep (a Facebook export's objects)", "friends.json",
        b'{"friends_v2": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001, "refused")  # fmt: skip
    add("vCard of 1,000,000 folded lines (one 2-million-character note)", "plie.vcf",
        folded_vcard(1_000_000), "read")  # fmt: skip
    add("vCard of 2,000,000 folded lines (a card over 4 MiB characters)", "geant.vcf",
        folded_vcard(2_000_000), "read")  # fmt: skip
    add("CSV, one line of 40 MB", "ligne.csv", b"Courriel;Notes\nanne@exemple.fr;"
        + b"x" * 40_000_000 + b"\n", "refused")  # fmt: skip
    wide_rows(add("CSV, 25 lines of a million delimiters", "large.csv", None, "refused"))
    add("XLSX, a dimension of the whole grid, a cell in XFD, a row 10^12", "loin.xlsx",
        far_sheet(), "read")  # fmt: skip
    return files


@pytest.fixture(scope="module")
def probed(tmp_path_factory):
    """Build the hostile files and read each in a process of its own (bench/fuzz/probe.py)."""
    files = hostile_files(tmp_path_factory.mktemp("hostile"))
    done = subprocess.run(
        [sys.executable, "bench/fuzz/probe.py", *(str(path) for path, _ in files.values()),
         "--seconds", str(SECONDS * 2), "--max-mb", "2000"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    results = [json.loads(line) for line in done.stdout.splitlines()]
    probed = {}
    for (what, (_path, expected)), result in zip(files.items(), results, strict=True):
        print(f"{what}: {result}")  # the figures of docs/RELIABILITY.md (pytest -s)
        probed[what] = (expected, result)
    return probed


def test_every_hostile_file_is_refused_or_read_in_bounded_time_and_memory(probed):
    for what, (expected, result) in probed.items():
        assert result["outcome"] == expected, (what, result)
        assert result["seconds"] < SECONDS and result["peak_mb"] < PEAK_MB, (what, result)
        if expected == "refused":
            message = result["message"]
            assert "\n" not in message and " : " in message, (what, message)  # French


def test_the_folded_vcards_keep_their_one_card(probed):
    (_e, folded), (_e, giant) = (probed[w] for w in probed if w.startswith("vCard"))
    assert folded["rows"] == giant["rows"] == 1  # read, or left out as too long: one card


@pytest.mark.django_db
def test_a_refused_file_writes_nothing_and_says_why_in_one_line(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    path = tmp_path / "profond.json"
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(CommandError) as refused:
        call_command("import_contacts", str(path))
    assert "\n" not in str(refused.value) and "profond.json" in str(refused.value)
    assert not Contact.objects.exists() and not ImportJob.objects.exists()
