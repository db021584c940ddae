"""Every CSV Carnet writes goes through one writer, which no spreadsheet runs as formulas."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from contacts import exporting
from contacts.importing import jobs

ROOT = Path(__file__).resolve().parents[2]
APPS = ("contacts", "campaigns", "audience", "news", "crm")
FORMULA = '=HYPERLINK("http://x","y")'


def test_no_csv_is_written_but_through_the_one_writer():
    writers = re.compile(r"csv\.(writer|DictWriter)\b|\bDictWriter\(|from csv import")
    found = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if writers.search(path.read_text(encoding="utf-8"))
    ]
    assert found == ["contacts/exporting.py"]


@pytest.mark.parametrize("cell", [FORMULA, "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\0x"])
def test_the_writer_neutralises_every_cell(cell):
    out = io.StringIO()
    exporting.csv_writer(out).writerow([cell, 3])
    assert next(csv.reader(io.StringIO(out.getvalue()), delimiter=";")) == ["'" + cell, "3"]


@pytest.mark.django_db
def test_the_import_error_csv_neutralises_file_names_and_reasons(client, alice, tmp_path):
    path = tmp_path / "upload.csv"
    path.write_text("Prénom;Courriel;Société\n;;Sans personne\n", encoding="utf-8")
    job = jobs.run([(FORMULA, path)])
    assert [item["file"] for item in job.report["errors"]] == [FORMULA]
    job.report["errors"][0]["reason"] = FORMULA + " " + job.report["errors"][0]["reason"]
    job.save()
    client.force_login(alice)
    response = client.get(reverse("admin:contacts_importjob_errors", args=[job.pk]))
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    _header, *rows = csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";")
    assert len(rows) == 1
    file, _line, _imported, reason = rows[0]
    assert file == "'" + FORMULA
    assert reason.startswith("'" + FORMULA)
