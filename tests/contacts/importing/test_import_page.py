"""The import page's steps without a browser: an upload is read in the background, then
waits for its owner's confirmation."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.importing import background
from contacts.models import ImportJob

pytestmark = pytest.mark.django_db

CSV = "Prénom;Courriel\nAnne;anne@exemple.fr\n".encode()


@pytest.fixture
def draft(client, alice, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.VAR_DIR = tmp_path
    client.force_login(alice)
    form = {"basis": "customer", "on_duplicate": "update", "format": "auto", "tags": ""}
    upload = SimpleUploadedFile("clients.csv", CSV, content_type="text/csv")
    upload_page = reverse("admin:contacts_importjob_upload")
    with django_capture_on_commit_callbacks() as queued:  # the reading, for a worker
        response = client.post(upload_page, {**form, "file": upload})
    job = ImportJob.objects.get()
    preview = reverse("admin:contacts_importjob_preview", args=[job.pk])
    assert (response.url, len(queued)) == (preview, 1)
    reading = client.get(preview).content.decode()  # until a worker has read the file
    waiting = reading[reading.index('id="import-reading"') :].split("</div>")[0]
    assert "Lecture de votre fichier…" in reading and "<script" not in waiting
    assert '<meta http-equiv="refresh" content="2">' in reading
    background.read_upload(job.pk, "fr")  # what the worker does
    job.refresh_from_db()
    return job


def test_the_preview_shows_the_rows_the_worker_read(client, draft):
    page = client.get(reverse("admin:contacts_importjob_preview", args=[draft.pk]))
    content = page.content.decode()
    assert "Lecture de votre fichier" not in content
    assert "anne@exemple.fr" in content and 'class="detected-format">Fichier CSV<' in content
    assert draft.format == "csv" and "Environ 2 lignes à importer" in content  # 2 line ends
    assert draft.rows_total == 0  # counted by the import itself


def test_changing_the_columns_reads_the_rows_again_in_the_background(
    client, draft, django_capture_on_commit_callbacks
):
    preview = reverse("admin:contacts_importjob_preview", args=[draft.pk])
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(preview, {"refresh": "1", "map-0-0": "first_name"})
    assert (response.url, len(queued)) == (preview, 1)
    assert "Lecture de votre fichier…" in client.get(preview).content.decode()
    background.read_upload(draft.pk, "fr")
    content = client.get(preview).content.decode()
    assert "Anne" in content and "anne@exemple.fr" not in content  # the address not imported


def test_an_upload_left_unconfirmed_says_so_and_leads_back_to_its_preview(client, draft):
    assert draft.status == ImportJob.Status.DRAFT
    page = client.get(reverse("admin:contacts_importjob_change", args=[draft.pk]))
    content = page.content.decode()
    assert "Cette importation attend votre confirmation" in content
    assert reverse("admin:contacts_importjob_preview", args=[draft.pk]) in content
    assert 'id="import-progress"' not in content  # nothing to wait for
    assert "État : <strong" in content
    assert 'Contacts</a> &rsaquo; <a href="/admin/contacts/importjob/">Imports</a>' in content
    listing = client.get(reverse("admin:contacts_importjob_changelist")).content.decode()
    assert "À confirmer" in listing


def test_confirming_queues_the_import_once(client, draft, django_capture_on_commit_callbacks):
    preview = reverse("admin:contacts_importjob_preview", args=[draft.pk])
    with django_capture_on_commit_callbacks() as queued:  # the worker's test is in a browser
        response = client.post(preview, {"confirm": "1"})
    assert response.url == reverse("admin:contacts_importjob_change", args=[draft.pk])
    draft.refresh_from_db()
    assert (draft.status, len(queued)) == (ImportJob.Status.PENDING, 1)
    assert client.post(preview, {"confirm": "1"}).status_code == 404  # confirmed already


def test_deleting_an_unconfirmed_upload_deletes_its_file(client, draft):
    stored = Path(draft.files[0][1])
    assert stored.read_bytes() == CSV
    delete = reverse("admin:contacts_importjob_delete", args=[draft.pk])
    client.post(delete, {"post": "yes"})
    assert not ImportJob.objects.exists()
    assert not stored.exists() and not stored.parent.exists()


def test_the_formats_offered_are_named_for_people_not_by_their_codes(client, alice):
    from contacts.forms import FORMAT_LABELS
    from contacts.importing.formats import FORMAT_CHOICES

    assert list(FORMAT_LABELS) == FORMAT_CHOICES  # a format added is a format named
    client.force_login(alice)
    page = client.get(reverse("admin:contacts_importjob_upload")).content.decode()
    assert '<option value="xlsx">Classeur Excel (.xlsx)</option>' in page
    assert '<option value="auto">Le reconnaître</option>' in page  # the first, so chosen


def test_columns_changed_long_after_the_upload_are_read_again_not_failed(
    client, draft, django_capture_on_commit_callbacks
):
    # The owner leaves the preview open for an hour, then changes a column: the new reading
    # has its own deadline, the upload's does not count against it.
    ImportJob.objects.filter(pk=draft.pk).update(
        started_at=draft.started_at - background.READING_DEADLINE * 2
    )
    preview = reverse("admin:contacts_importjob_preview", args=[draft.pk])
    with django_capture_on_commit_callbacks():
        client.post(preview, {"refresh": "1", "map-0-0": "first_name"})
    assert "Lecture de votre fichier…" in client.get(preview).content.decode()
    draft.refresh_from_db()
    assert draft.status == ImportJob.Status.DRAFT and Path(draft.files[0][1]).exists()
