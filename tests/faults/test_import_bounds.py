"""An XLSX cannot take the web app down (issue 13, defect 4).

The audit's workbook: 30 MB, 3 million shared strings, a ratio of 2.8 (under the archive
bomb guard), took 156 s and 1.2 GB on the command line and a web worker down in the admin.
Now what recognition reads is bounded (each member's decompressed size, the shared strings
counted before openpyxl holds them), a workbook is loaded once, and the import page only
stores the upload: a worker reads it while the owner sees a page that waits.
"""

import os
import subprocess
import sys
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contacts.importing import background, jobs
from contacts.importing.decode import UnreadableFile
from contacts.models import Contact, ImportJob

ROOT = Path(__file__).resolve().parents[2]
FORM = {"basis": "customer", "on_duplicate": "update", "format": "auto", "tags": ""}
MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{TYPES}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{TYPES}.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook {MAIN.decode()} xmlns:r="{RELATIONSHIPS}"><sheets>'
        '<sheet name="Clients" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>'
    ),
}


def shared_strings_workbook(path: Path, strings: int, shared: bytes | None = None) -> Path:
    """Write a workbook of `strings` different addresses, all in its shared strings (as
    Excel writes them), its sheet listing the first 100 under a "Courriel" header; or with
    `shared` as its shared strings."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/sharedStrings.xml", "w") as f:
            if shared is not None:
                f.write(shared)
            else:
                f.write(b"<sst " + MAIN + b"><si><t>Courriel</t></si>")
                for start in range(0, strings, 100_000):
                    numbers = range(start, min(start + 100_000, strings))
                    f.write(b"".join(b"<si><t>p%d@exemple.fr</t></si>" % n for n in numbers))
                f.write(b"</sst>")
        rows = b"".join(
            b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>' % (n + 1, n + 1, n)
            for n in range(min(strings, 100) + 1)
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            b"<worksheet " + MAIN + b"><sheetData>" + rows + b"</sheetData></worksheet>",
        )
    return path


# Started from pytest, a child's peak memory would count pytest's own pages (a forked
# process has them until it executes the command): a small launcher runs it instead.
LAUNCHER = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


def run_measured(*command: str, env: dict) -> tuple[int, str, float, int]:
    """Run the command; return its exit code, its stderr, its seconds and its peak memory
    in MB (the kernel's: the command's process and no other)."""
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    *stderr, peak = done.stderr.splitlines()
    return done.returncode, "\n".join(stderr), time.monotonic() - start, int(peak) // 1024


@pytest.fixture(scope="module")
def audits_workbook(tmp_path_factory) -> Path:
    """3 million shared strings, about 90 MB of XML once decompressed, a few MB on disk."""
    return shared_strings_workbook(tmp_path_factory.mktemp("audit") / "clients.xlsx", 3_000_000)


def test_the_command_line_refuses_the_audits_workbook_in_bounded_time_and_memory(
    audits_workbook, tmp_path
):
    env = {**os.environ, "LANGUAGE_CODE": "fr", "VAR_DIR": str(tmp_path / "var")}
    code, stderr, seconds, peak = run_measured(
        sys.executable, "manage.py", "import_contacts", str(audits_workbook), env=env
    )
    print(f"import_contacts on the audit's workbook: {seconds:.1f} s, {peak} MB")  # pytest -s
    assert code != 0 and "Traceback" not in stderr
    (line,) = [line for line in stderr.splitlines() if "AXES" not in line]
    assert (
        "clients.xlsx : les textes du classeur sont trop volumineux (plus de 50 Mo une fois "
        "décompressés) : enregistrez le classeur en CSV et importez ce fichier." in line
    )
    assert seconds < 30 and peak < 250  # it took 156 s and 1.2 GB


@pytest.mark.django_db
def test_too_many_shared_strings_under_the_size_limit_are_refused_before_loading(
    tmp_path, monkeypatch
):
    path = shared_strings_workbook(tmp_path / "clients.xlsx", 600_000)  # 17 MB of XML
    monkeypatch.setattr(openpyxl, "load_workbook", _never)
    refusal = "plus de 500\u00a0000 textes différents"
    with pytest.raises(UnreadableFile, match=refusal), _french():
        jobs.run([("clients.xlsx", path)])
    assert not Contact.objects.exists()


def _never(*args, **kwargs):
    raise AssertionError("a workbook over the bounds must not be loaded")


def _french():
    from django.utils import translation

    return translation.override("fr")


@pytest.mark.django_db
def test_a_workbook_is_loaded_once_to_be_recognised_and_imported(tmp_path, monkeypatch):
    path = shared_strings_workbook(tmp_path / "clients.xlsx", 40)
    loaded = []
    load = openpyxl.load_workbook
    monkeypatch.setattr(
        openpyxl, "load_workbook", lambda *a, **k: loaded.append(1) or load(*a, **k)
    )
    job = jobs.run([("clients.xlsx", path)])
    # Once to recognise and import it (jobs.run): four before, then two.
    assert (job.created, len(loaded)) == (40, 1)
    loaded.clear()
    background.read(ImportJob(files=[["clients.xlsx", str(path)]]))  # what the preview reads
    assert len(loaded) == 1


def _uploads(settings) -> list[Path]:
    return [p for p in (Path(settings.VAR_DIR) / "imports").glob("*/*") if p.is_file()]


@pytest.mark.django_db
def test_the_import_page_only_stores_the_upload_and_a_worker_refuses_it(
    client, alice, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    settings.VAR_DIR = tmp_path
    client.force_login(alice)
    path = shared_strings_workbook(tmp_path / "clients.xlsx", 600_000)
    upload = SimpleUploadedFile("clients.xlsx", path.read_bytes())
    load = openpyxl.load_workbook
    monkeypatch.setattr(openpyxl, "load_workbook", _never)  # nothing is read in the request
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            reverse("admin:contacts_importjob_upload"), {**FORM, "file": upload}
        )
    job = ImportJob.objects.get()
    preview = reverse("admin:contacts_importjob_preview", args=[job.pk])
    assert (response.status_code, response.url, len(queued)) == (302, preview, 1)
    assert "Lecture de votre fichier…" in client.get(preview).content.decode()
    monkeypatch.setattr(openpyxl, "load_workbook", load)

    background.read_upload(job.pk, "fr")  # the worker
    response = client.get(preview, follow=True)
    assert [url for url, _ in response.redirect_chain] == [
        reverse("admin:contacts_importjob_upload")
    ]
    assert "plus de 500\u00a0000 textes différents" in response.content.decode()
    assert _uploads(settings) == [] and not Contact.objects.exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "\n" not in job.failure


@pytest.mark.django_db
def test_a_reading_whose_worker_died_is_failed_by_the_page_that_waits(
    client, alice, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    client.force_login(alice)
    upload = SimpleUploadedFile("clients.csv", b"Courriel\nanne@exemple.fr\n")
    client.post(reverse("admin:contacts_importjob_upload"), {**FORM, "file": upload})
    job = ImportJob.objects.get()
    late = timezone.now() - background.READING_DEADLINE - timedelta(seconds=1)
    ImportJob.objects.filter(pk=job.pk).update(started_at=late)
    preview = reverse("admin:contacts_importjob_preview", args=[job.pk])
    response = client.get(preview, follow=True)
    assert "La lecture de votre fichier n’a pas abouti" in response.content.decode()
    assert _uploads(settings) == []
    background.read_upload(job.pk, "fr")  # the task, delivered at last: nothing to do
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "preview" not in job.report


@pytest.mark.django_db
def test_a_broker_down_fails_the_draft_at_once(client, alice, settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    client.force_login(alice)

    def down(*args, **kwargs):
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr(background.read_upload, "delay", down)
    upload = SimpleUploadedFile("clients.csv", b"Courriel\nanne@exemple.fr\n")
    with _french():
        draft = background.draft("clients.csv", _stored(settings, upload), "", by=alice)
        background.queue(draft)
    draft.refresh_from_db()
    assert draft.status == ImportJob.Status.FAILED
    assert (
        draft.failure
        == "Carnet ne peut pas lire votre fichier pour le moment : réessayez dans une minute."
    )
    assert _uploads(settings) == []


def _stored(settings, upload) -> Path:
    from contacts.importing import uploads

    return uploads.store(upload)


@pytest.mark.django_db
def test_a_reading_delivered_twice_writes_the_same_preview(client, alice, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    upload = SimpleUploadedFile("clients.csv", "Prénom;Courriel\nAnne;anne@exemple.fr\n".encode())
    draft = background.draft("clients.csv", _stored(settings, upload), "", by=alice)
    background.read_upload(draft.pk, "fr")
    first = ImportJob.objects.get(pk=draft.pk).report
    background.read_upload(draft.pk, "fr")
    assert ImportJob.objects.get(pk=draft.pk).report == first
    assert first["preview"][0]["rows"][0]["row"]["email"] == "anne@exemple.fr"


def test_shared_strings_are_counted_exactly_across_the_chunks_read(tmp_path):
    from contacts.importing import recognise

    kinds = [b"<si><t>%d</t></si>", b'<x:si><x:t xml:space="preserve">%d </x:t></x:si>',
             b"<si/>", b"<si>\n<r><t>%d</t></r></si>", b"<sis>%d</sis>"]  # fmt: skip
    items = [kinds[n % 5] % n if b"%d" in kinds[n % 5] else kinds[n % 5] for n in range(200_000)]
    counted = sum(1 for item in items if not item.startswith(b"<sis"))  # not a string item
    path = tmp_path / "strings.zip"
    with zipfile.ZipFile(path, "w") as archive:  # 5 MB: read in five chunks and more
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b"".join(items) + b"</sst>")
    with zipfile.ZipFile(path) as archive:
        assert recognise._count_shared_strings(archive, "xl/sharedStrings.xml") == counted
