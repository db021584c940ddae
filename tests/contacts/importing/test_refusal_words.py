"""A workbook refused for its size is told in the owner's words, not by its parts' names
("xl/worksheets/sheet1.xml dépasse 50 Mo une fois décompressé")."""

import io
import random
import zipfile

import openpyxl
import pytest
from django.utils import translation

from contacts.importing import recognise
from contacts.importing.decode import UnreadableFile
from tests.faults.test_import_bounds import shared_strings_workbook


def _refusal(path) -> str:
    with translation.override("fr"), pytest.raises(UnreadableFile) as refused:
        recognise.open_parts(path.name, path)
    return str(refused.value)


def _big_sheet(path, rows: int):
    """Write a workbook whose first sheet holds `rows` rows of numbers (about 100 bytes of
    XML each, compressing some 5 times: no bomb), under a header."""
    book = openpyxl.Workbook()
    book.active.append(["Courriel", "Points", "Code"])
    for n in range(rows):
        book.active.append([f"p{n}@exemple.fr" if n < 10 else None, n * 7919 % 1_000_003, n])
    book.save(path)
    return path


def test_a_sheet_too_large_is_named_as_the_owner_sees_it(tmp_path, settings):
    settings.IMPORT_MAX_MB = 1
    refusal = _refusal(_big_sheet(tmp_path / "clients.xlsx", 30_000))
    assert refusal == (
        "clients.xlsx : la feuille 1 du classeur est trop grande (plus de 1 Mo une fois "
        "décompressée) : enregistrez-la en CSV et importez ce fichier."
    )


def test_texts_too_large_are_the_workbooks_texts(tmp_path, settings):
    settings.IMPORT_MAX_MB = 1
    refusal = _refusal(shared_strings_workbook(tmp_path / "clients.xlsx", 60_000))
    assert "xl/" not in refusal and "sharedStrings" not in refusal
    assert refusal.startswith("clients.xlsx : les textes du classeur sont trop volumineux")


def test_a_workbook_part_read_whole_too_large_is_the_workbook(tmp_path, monkeypatch):
    monkeypatch.setattr(recognise, "_MAX_WORKBOOK_PART", 1 << 10)
    path = tmp_path / "clients.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Courriel"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/styles.xml":
                noise = random.Random(1).randbytes(1024).hex().encode()  # compresses 2 times
                data = data.replace(b"</styleSheet>", b"<!--" + noise + b"--></styleSheet>")
            target.writestr(info.filename, data)
    refusal = _refusal(path)
    assert "xl/" not in refusal and "styles" not in refusal
    assert "le classeur est trop volumineux" in refusal and "enregistrez-le en CSV" in refusal


def test_an_archives_own_file_keeps_its_name(tmp_path, settings):
    settings.IMPORT_MAX_MB = 1
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("clients.csv", "Courriel\n" + "".join(
            f"p{n}@exemple.fr;{n * 7919 % 1_000_003}\n" for n in range(80_000)))  # fmt: skip
    assert "clients.csv dépasse 1 Mo une fois décompressé" in _refusal(path)
