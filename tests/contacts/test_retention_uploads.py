"""Uploaded import files hold personal data: they go once imported, their SHA-256 stays.

With a real Celery worker, as the import page runs imports."""

import hashlib
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contacts import retention, tasks
from contacts.importing import uploads
from contacts.models import Contact, ImportJob
from tests.contacts.test_retention import _quiet

CSV = "Prénom;Courriel\nAnne;anne@exemple.fr\n".encode()
FORM = {"basis": "customer", "on_duplicate": "update", "format": "auto", "tags": ""}


def _wait_for(condition, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting, after {seconds} s, for {what}")
        time.sleep(0.2)


def _upload(client) -> ImportJob:
    upload = SimpleUploadedFile("clients.csv", CSV, content_type="text/csv")
    client.post(reverse("admin:contacts_importjob_upload"), {**FORM, "file": upload})
    return ImportJob.objects.latest("pk")


def test_the_upload_is_deleted_once_imported_and_its_sha256_kept(client, alice, worker):
    client.force_login(alice)
    job = _upload(client)
    stored = Path(job.files[0][1])
    preview = reverse("admin:contacts_importjob_preview", args=[job.pk])
    _wait_for(lambda: "preview" in ImportJob.objects.get(pk=job.pk).report, "the file read")
    assert client.get(preview).status_code == 200 and stored.exists()  # kept while previewed
    client.post(preview, {"confirm": "1", "map-0-0": "first_name", "map-0-1": "email"})
    _wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE, "import")
    job.refresh_from_db()
    assert Contact.objects.get().email == "anne@exemple.fr"
    assert not stored.exists() and not stored.parent.exists()
    assert job.sha256 == hashlib.sha256(CSV).hexdigest()
    report = client.get(reverse("admin:contacts_importjob_change", args=[job.pk]))
    assert job.sha256 in report.content.decode()


def test_the_daily_job_runs_on_the_worker(transactional_db, worker):
    paul = _quiet()
    tasks.apply_retention.delay()
    _wait_for(lambda: Contact.objects.get(pk=paul.pk).retention_flagged_at, "the flag")


def _age(path: Path, days: int) -> None:
    moment = (timezone.now() - timedelta(days=days)).timestamp()
    os.utime(path, (moment, moment))


@pytest.mark.django_db
def test_the_sweep_deletes_what_no_import_will_read_and_keeps_what_one_will(client, alice):
    client.force_login(alice)
    fresh, stale, finished = _upload(client), _upload(client), _upload(client)
    ImportJob.objects.filter(pk=stale.pk).update(started_at=timezone.now() - timedelta(days=3))
    ImportJob.objects.filter(pk=finished.pk).update(status=ImportJob.Status.DONE)
    orphan = uploads.store(SimpleUploadedFile("perdu.csv", CSV))
    _age(orphan, days=3)
    paths = {job: Path(job.files[0][1]) for job in (fresh, stale, finished)}
    assert retention.sweep_uploads(timezone.now()) == 3
    assert paths[fresh].exists()  # the owner may still confirm it
    assert not paths[stale].exists() and not ImportJob.objects.filter(pk=stale.pk).exists()
    assert not paths[finished].exists() and not orphan.exists()
    assert ImportJob.objects.get(pk=finished.pk).sha256 == hashlib.sha256(CSV).hexdigest()
