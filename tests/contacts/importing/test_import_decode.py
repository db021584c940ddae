"""Bytes to text: encodings without a BOM, line endings of every system, row estimates."""

import codecs

import pytest

from contacts.importing import recognise
from contacts.importing.decode import UnreadableFile, encoding_of
from contacts.models import Contact
from tests.contacts.importing.vcard_support import import_data, reasons

CARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lefèvre;Élodie;;;\r\nEMAIL:elodie@exemple.fr\r\nEND:VCARD\r\n"
)
SHEET = (
    "Prénom,Nom,E-mail\r\nÉlodie,Lefèvre,elodie@exemple.fr\r\nAnaïs,François,anais@exemple.fr\r\n"
)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_told_from_its_nul_bytes(encoding):
    assert encoding_of((CARD * 20).encode(encoding)) == encoding


@pytest.mark.parametrize(
    "bom, expected",
    [
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ],
)
def test_a_bom_decides(bom, expected):
    assert encoding_of(bom + b"a\x00b\x00") == expected


def test_binary_content_is_refused():
    # NULs at even and odd offsets alike: an image, a database, an old Excel workbook.
    binary = bytes(range(256)) * 4 + b"\x00\x00\x00\x00" * 50
    with pytest.raises(UnreadableFile):
        encoding_of(binary)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("name, text, rows", [("c.vcf", CARD * 3, 3), ("c.csv", SHEET, 3)])
def test_the_rows_are_estimated_in_the_files_encoding(tmp_path, encoding, name, text, rows):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    [part] = recognise.open_parts(name, path)
    assert part.estimated_rows == rows  # a CSV's header is a line too


@pytest.mark.django_db
def test_a_csv_with_classic_mac_line_endings_is_read_and_estimated(tmp_path):
    counts, job = import_data(tmp_path, "contacts.csv", SHEET.replace("\r\n", "\r"))
    assert (job.format, counts["created"]) == ("csv", 2)
    assert set(Contact.objects.values_list("first_name", flat=True)) == {"Élodie", "Anaïs"}
    path = tmp_path / "contacts.csv"
    assert recognise.open_parts("contacts.csv", path)[0].estimated_rows == 3


@pytest.mark.django_db
def test_a_cards_line_is_where_it_begins_with_iphone_line_endings(tmp_path):
    broken = CARD.replace("EMAIL", "PHOTO;ENCODING=b:@@@\r\nEMAIL").replace("Élodie", "Anaïs")
    text = (CARD + broken).replace("elodie@", "anais@", 1).replace("\r\n", "\r\r\n")
    _counts, job = import_data(tmp_path, "contacts.vcf", text)
    assert [p["line"] for p in job.report["problems"]] == [6], reasons(job)


def test_invalid_json_is_named_without_pythons_words(tmp_path):
    path = tmp_path / "friends.json"
    path.write_text('{"friends_v2": [{"name": "Élodie", ')
    with pytest.raises(UnreadableFile) as raised:
        recognise.open_parts("friends.json", path)
    assert "friends.json" in str(raised.value)
    assert "Expecting" not in str(raised.value) and "char" not in str(raised.value)
