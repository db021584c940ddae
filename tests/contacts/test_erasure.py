"""Erasure: forget removes a person everywhere; only a keyed hash of the address stays."""

import io
import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from campaigns.models import Delivery, TrackingEvent
from contacts import erasure
from contacts.models import Contact, ErasedAddress, ImportJob
from tests.contacts.test_erasure_support import ADDRESS, NAME, OTHER_ADDRESS, PHONE, known_person
from tests.helpers import ROOT, child_env, database_url

ERASED_IN_FRENCH = "Cette personne a demandé l'effacement de ses données."


def _dump() -> str:
    """Return the whole test database as SQL text (pg_dump, or SQLite's iterdump)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return "\n".join(connection.connection.iterdump())
    db = connection.settings_dict
    command = ["pg_dump", "--data-only", "-h", db["HOST"] or "localhost",
               "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]]  # fmt: skip
    env = {"PGPASSWORD": db["PASSWORD"] or ""}
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout


def _forms(text: str) -> list[str]:
    """Return the ways the text may be written in a dump: as is, and escaped in JSON."""
    return [text.lower(), json.dumps(text)[1:-1].lower()]


def _import(tmp_path, csv: str) -> str:
    path = tmp_path / "clients.csv"
    path.write_text(csv, encoding="utf-8")
    out = io.StringIO()
    call_command("import_contacts", str(path), "--basis", "consent", stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_forget_leaves_the_person_nowhere_in_the_database_and_no_import_brings_them_back(
    transactional_db, alice, tmp_path
):
    known_person(user=alice)
    needles = [ADDRESS, OTHER_ADDRESS, NAME, PHONE]
    before = _dump().lower()
    for needle in needles:  # the dump would show them: the test can fail
        assert any(form in before for form in _forms(needle)), needle

    call_command("forget", ADDRESS, "--yes", stdout=io.StringIO())

    after = _dump().lower()
    for needle in needles:
        assert not any(form in after for form in _forms(needle)), needle
    assert erasure.address_hash(ADDRESS) in after  # what stays: the keyed hash
    assert "Boulangerie du Marché".lower() in after  # the business's own data stays
    assert not Contact.objects.exists()
    assert not Delivery.objects.exists() and not TrackingEvent.objects.exists()
    job = ImportJob.objects.get()
    assert job.report["errors"] == [{"file": "clients.csv", "line": 4, "reason": "Nobody named."}]
    assert (job.report["conflicts"], job.report["duplicates"], job.report["erased"]) == ([], [], 3)

    with translation.override("fr"):
        summary = _import(tmp_path, f"Prénom;Nom;Courriel\nÉlodie;Lefèvre;{ADDRESS.upper()}\n"
                                    "Marc;Dubois;marc@exemple.fr\n")  # fmt: skip
    assert summary == "created=1 updated=0 unchanged=0 skipped=1 errors=0"
    assert list(Contact.objects.values_list("email", flat=True)) == ["marc@exemple.fr"]
    report = ImportJob.objects.latest("started_at").report
    assert report["errors"] == [{"file": "clients.csv", "line": 2, "reason": ERASED_IN_FRENCH}]


def test_the_hash_is_of_the_address_lower_cased_and_stripped_and_keyed(settings):
    assert erasure.address_hash(f"  {ADDRESS.upper()} ") == erasure.address_hash(ADDRESS)
    kept = erasure.address_hash(ADDRESS)
    assert len(kept) == 64 and int(kept, 16)
    settings.SECRET_KEY = "another-secret-key-for-another-carnet-0123456789"
    assert erasure.address_hash(ADDRESS) != kept  # keyed: no dictionary works across servers


@pytest.mark.django_db
@examples(max_examples=200, deadline=None)
@given(address=st.text(max_size=60))
def test_the_import_s_fast_hash_is_the_salted_hmac_of_the_address(address):
    with override_settings(SECRET_KEY_FALLBACKS=["an-older-secret-key-0123456789abcdefghij"]):
        hashes = erasure.SuppressionList().hashes(address)
        assert hashes[0] == erasure.address_hash(address)
        assert hashes[1] == erasure.address_hash(
            address, "an-older-secret-key-0123456789abcdefghij"
        )


@pytest.mark.django_db
def test_an_erased_address_stays_erased_when_the_secret_key_is_rotated(settings):
    call_command("forget", known_person().email, "--yes", stdout=io.StringIO())
    assert erasure.is_erased(f" {ADDRESS.upper()}")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-a-rotation-0123456789abcdef"
    assert erasure.is_erased(ADDRESS)
    settings.SECRET_KEY_FALLBACKS = []
    assert not erasure.is_erased(ADDRESS)


@pytest.mark.django_db
def test_a_further_address_is_kept_as_a_hash_unless_another_contact_has_it(tmp_path):
    from tests.contacts.factories import make_contact

    contact = known_person()
    make_contact(first_name="Boutique", email="contact@boulangerie.fr")
    contact.points.create(kind="email", value="contact@boulangerie.fr")
    erasure.forget(contact)
    assert erasure.is_erased(OTHER_ADDRESS)
    assert not erasure.is_erased("contact@boulangerie.fr")
    assert ErasedAddress.objects.count() == 2


@pytest.mark.django_db
def test_someone_who_signed_up_again_is_imported_as_anyone(tmp_path):
    from tests.contacts.factories import make_contact

    erasure.forget(known_person())
    make_contact(first_name="Élodie", email=ADDRESS, email_status="subscribed",
                 consent_basis="consent")  # fmt: skip  # back through her own double opt-in
    summary = _import(tmp_path, f"Prénom;Courriel;Ville\nÉlodie;{ADDRESS};Dole\n")
    assert summary == "created=0 updated=1 unchanged=0 skipped=0 errors=0"
    assert Contact.objects.get().city == "Dole"


@pytest.mark.django_db
def test_the_log_names_the_contact_number_and_a_hash_prefix_never_the_address(caplog):
    contact = known_person()
    with caplog.at_level("INFO", logger="contacts.erasure"):
        prefix = erasure.forget(contact)
    assert f"contact #{contact.pk} erased (address hash {prefix}…)" in caplog.messages
    assert erasure.address_hash(ADDRESS).startswith(prefix)
    assert ADDRESS not in caplog.text and "Lefèvre" not in caplog.text


def _forget_in_a_terminal(*args: str, answer: str) -> subprocess.CompletedProcess:
    # Warnings only: the one line asserted below is the error, not a library's start-up note.
    env = child_env(DATABASE_URL=database_url(connection.settings_dict), LANGUAGE_CODE="en",
                    LOG_LEVEL="WARNING")  # fmt: skip
    return subprocess.run([sys.executable, "manage.py", "forget", *args], cwd=ROOT, env=env,
                          input=answer, capture_output=True, text=True, timeout=60)  # fmt: skip


def test_forget_asks_first_and_a_no_erases_nothing(transactional_db):
    contact = known_person()
    done = _forget_in_a_terminal(ADDRESS, answer="no\n")
    assert done.returncode == 0, done.stderr
    assert "1 note" in done.stdout and "Nothing erased." in done.stdout
    assert Contact.objects.filter(pk=contact.pk).exists() and not ErasedAddress.objects.exists()
    done = _forget_in_a_terminal(ADDRESS, answer="yes\n")
    assert f"Contact #{contact.pk} erased" in done.stdout
    assert not Contact.objects.exists() and erasure.is_erased(ADDRESS)
    again = _forget_in_a_terminal(ADDRESS, "--yes", answer="")
    assert again.returncode != 0 and len(again.stderr.strip().splitlines()) == 1
    assert "erased already" in again.stderr


@pytest.mark.django_db
def test_the_erase_button_says_what_goes_then_erases_and_keeps_a_numbered_trace(client, alice):
    from django.contrib.admin.models import LogEntry

    contact = known_person(user=alice)
    client.force_login(alice)
    url = reverse("admin:contacts_contact_erase", args=[contact.pk])
    page = client.get(url).content.decode()
    assert "1 note" in page or "1 note" in page.replace("&nbsp;", " ")
    assert Contact.objects.filter(pk=contact.pk).exists()  # looking changes nothing
    response = client.post(url)
    assert response.url == reverse("admin:contacts_contact_changelist")
    assert not Contact.objects.exists()
    [entry] = LogEntry.objects.all()  # the history naming her went; the erasure is noted
    assert (entry.object_repr, entry.user) == (f"#{contact.pk}", alice)


@pytest.mark.django_db
def test_a_teammate_who_may_only_view_cannot_erase(client, bob):
    contact = known_person()
    client.force_login(bob)
    url = reverse("admin:contacts_contact_erase", args=[contact.pk])
    assert client.get(url).status_code == 403 and client.post(url).status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()


def _preview_after_forgetting(client, user, name: str, csv: str) -> str:
    """Forget Élodie, upload the file and return its preview page, in French."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from contacts.importing import background

    erasure.forget(known_person())
    client.force_login(user)
    form = {"basis": "consent", "on_duplicate": "update", "format": "auto", "tags": "",
            "file": SimpleUploadedFile(name, csv.encode(), content_type="text/csv")}  # fmt: skip
    with translation.override("fr"):
        client.post(reverse("admin:contacts_importjob_upload"), form)
        job = ImportJob.objects.latest("pk")
        background.read_upload(job.pk, "fr")  # what the worker does before the preview
        page = client.get(reverse("admin:contacts_importjob_preview", args=[job.pk]))
    return page.content.decode()


@pytest.mark.django_db
def test_the_import_preview_shows_an_erased_address_refused(client, alice, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    csv = f"Prénom;Courriel\nÉlodie;{ADDRESS}\nMarc;marc@exemple.fr\n"
    page = _preview_after_forgetting(client, alice, "clients.csv", csv)
    assert page.count(ERASED_IN_FRENCH.replace("'", "&#x27;")) == 1


GOOGLE = (
    "First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value\n"
)
DROPPED_IN_FRENCH = "Une adresse effacée à la demande de la personne n'a pas été reprise."


@pytest.mark.django_db
def test_an_erased_address_is_not_imported_again_as_a_further_address(tmp_path):
    from contacts.models import ContactPoint

    erasure.forget(known_person())
    with translation.override("fr"):
        rows = (f"Marc,Dubois,Work,marc@exemple.fr,Home,{ADDRESS}\n"
                f"Anne,Roy,Home,{ADDRESS},Work,anne@exemple.fr\n")  # fmt: skip
        summary = _import(tmp_path, GOOGLE + rows)
    assert summary == "created=1 updated=0 unchanged=0 skipped=1 errors=0"
    assert list(Contact.objects.values_list("email", flat=True)) == ["marc@exemple.fr"]
    assert not ContactPoint.objects.filter(value__iexact=ADDRESS).exists()
    report = ImportJob.objects.latest("started_at").report
    assert report["errors"] == [{"file": "clients.csv", "line": 3, "reason": ERASED_IN_FRENCH}]
    assert report["problems"] == [{"file": "clients.csv", "line": 2, "reason": DROPPED_IN_FRENCH}]
    assert ADDRESS not in json.dumps(report)


@pytest.mark.django_db
def test_the_preview_shows_an_erased_further_address_left_out(client, alice, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    csv = GOOGLE + f"Marc,Dubois,Work,marc@exemple.fr,Home,{ADDRESS}\n"
    page = _preview_after_forgetting(client, alice, "google.csv", csv)
    assert page.count(DROPPED_IN_FRENCH.replace("'", "&#x27;")) == 1
    assert "Not imported" not in page and "Non importé" not in page
