"""A parser's error is a one-line refusal in the user's language, and leaves no upload."""

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.importing import background
from contacts.models import ImportJob

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]
FORM = {"basis": "customer", "on_duplicate": "update", "format": "auto", "tags": ""}
REFUSAL = "est plus longue que"  # "… a cell is longer than …", in French


def huge_field_csv() -> bytes:
    """A CSV whose second line holds one field of 3 MB (the csv module stops at 128 KiB)."""
    return ("Prénom;Courriel\nAnne;" + "a" * 3_000_000 + "\nLuc;luc@exemple.fr\n").encode()


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def damaged_workbook() -> bytes:
    """A workbook whose sheet breaks at row 5, below what recognising reads (the parser
    reads 16 KiB at a time: row 2 is longer), within what the preview reads."""
    book = openpyxl.Workbook()
    book.active.append(["Prénom", "Courriel", "Notes"])
    book.active.append(["Anne", "anne@exemple.fr", "x" * 100_000])
    for n in range(3, 12):
        book.active.append([f"P{n}", f"p{n}@exemple.fr", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    source, out = zipfile.ZipFile(buffer), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as damaged:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<row r="5">', b'<row r="5"><<broken')
            damaged.writestr(info.filename, data)
    return out.getvalue()


def uploads_left() -> list[Path]:
    return [p for p in (Path(settings.VAR_DIR) / "imports").glob("*/*") if p.is_file()]


def test_the_command_refuses_a_huge_field_in_one_line_of_french(tmp_path):
    path = tmp_path / "clients.csv"
    path.write_bytes(huge_field_csv())
    env = {**os.environ, "LANGUAGE_CODE": "fr", "VAR_DIR": str(tmp_path / "var")}
    done = subprocess.run(
        [sys.executable, "manage.py", "import_contacts", str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "clients.csv" in line and REFUSAL in line


def upload_read(client, name: str, data: bytes):
    """Upload the file, let the worker read it (background.read_upload), and return the
    page the owner then sees, redirections followed."""
    upload = SimpleUploadedFile(name, data)
    client.post(reverse("admin:contacts_importjob_upload"), {**FORM, "file": upload})
    background.read_upload(ImportJob.objects.get().pk, "fr")
    preview = reverse("admin:contacts_importjob_preview", args=[ImportJob.objects.get().pk])
    return client.get(preview, follow=True)


def test_the_import_page_refuses_a_huge_field_and_keeps_no_upload(client, alice):
    client.force_login(alice)
    response = upload_read(client, "clients.csv", huge_field_csv())
    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    assert uploads_left() == []
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED


def test_a_file_the_preview_cannot_read_is_refused_and_its_upload_deleted(client, alice):
    client.force_login(alice)
    response = upload_read(client, "clients.xlsx", damaged_workbook())
    assert [url for url, _status in response.redirect_chain] == [
        reverse("admin:contacts_importjob_upload"),
    ]
    assert response.status_code == 200
    assert "clients.xlsx : le fichier ne peut pas être lu" in response.content.decode().lower()
    assert uploads_left() == []
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED
