"""A workbook is loaded once per run (issue 13, defect 4): the command line imports the
parts its recognition opened, the import page's reading opens the upload once for its
recognition and its preview, the confirmed import once, and a workbook is read where it was
loaded, never by a reading process of its own (which would load it again)."""

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from contacts import tasks
from contacts.importing import background, pipeline
from contacts.models import Contact, ImportJob
from tests.faults.test_import_bounds import FORM

pytestmark = pytest.mark.django_db


def workbook(path):
    """Write a workbook of 40 addresses, its dimension stated (40 rows to import)."""
    book = openpyxl.Workbook()
    for row in [["Courriel"], *([f"p{n}@exemple.fr"] for n in range(40))]:
        book.active.append(row)
    book.save(path)
    return path


@pytest.fixture
def loads(monkeypatch) -> list:
    """Count openpyxl.load_workbook's calls in this process."""
    loaded, load = [], openpyxl.load_workbook
    counted = lambda *a, **k: loaded.append(1) or load(*a, **k)  # noqa: E731
    monkeypatch.setattr(openpyxl, "load_workbook", counted)
    return loaded


@pytest.fixture
def children(monkeypatch) -> list:
    """Read in a process of its own from the first row; count the processes started."""
    started, from_child = [], pipeline._from_child
    monkeypatch.setattr(pipeline, "PROCESS_FROM_ROWS", 1)
    counted = lambda spec: started.append(1) or from_child(spec)  # noqa: E731
    monkeypatch.setattr(pipeline, "_from_child", counted)
    return started


def test_the_command_line_loads_a_workbook_once(tmp_path, loads, children, capsys):
    call_command("import_contacts", str(workbook(tmp_path / "clients.xlsx")))
    assert "created=40 " in capsys.readouterr().out
    assert (len(loads), len(children)) == (1, 0)  # twice before: to recognise, to import


def test_a_csv_is_still_read_by_a_process_of_its_own(tmp_path, loads, children, capsys):
    path = tmp_path / "clients.csv"
    path.write_text("Courriel\n" + "".join(f"p{n}@exemple.fr\n" for n in range(40)))
    call_command("import_contacts", str(path), "--dry-run")
    assert "created=40 " in capsys.readouterr().out
    assert (len(loads), len(children), Contact.objects.count()) == (0, 1, 0)


def test_the_import_page_loads_a_workbook_once_to_read_it_and_once_to_import_it(
    client, alice, settings, tmp_path, loads, children, django_capture_on_commit_callbacks
):
    settings.VAR_DIR = tmp_path / "var"
    client.force_login(alice)
    upload = SimpleUploadedFile("clients.xlsx", workbook(tmp_path / "clients.xlsx").read_bytes())
    with django_capture_on_commit_callbacks():
        client.post(reverse("admin:contacts_importjob_upload"), {**FORM, "file": upload})
    job = ImportJob.objects.get()
    assert len(loads) == 0  # nothing is read in the request
    background.read_upload(job.pk, "fr")  # the worker: recognition and preview
    assert len(loads) == 1
    preview = reverse("admin:contacts_importjob_preview", args=[job.pk])
    with django_capture_on_commit_callbacks() as queued:
        client.post(preview, {"confirm": "1", "map-0-0": "email"})  # Courriel
    assert len(queued) == 1
    tasks.import_contacts(job.pk)  # the worker: the import
    job.refresh_from_db()
    assert (job.status, job.created, len(loads), len(children)) == ("done", 40, 2, 0)
