"""The import page in a real browser, with a real Celery worker doing the import."""

import csv
import io

import pytest
from playwright.sync_api import expect

from contacts.models import Contact, ImportJob
from tests.conftest import log_in
from tests.contacts.importing.test_import_spreadsheets import FRENCH_EXCEL

# Jean's address has a typo (imported without it); the last row has nothing else.
CLIENTS = FRENCH_EXCEL + ";;pas-une-adresse-2;;;;\r\n"
NOT_IMPORTED = "Non importée : rien d’autre que pas-une-adresse-2, que Carnet ne sait pas lire."

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_owner_imports_a_french_excel_file_from_the_admin(
    live_server, page, alice, worker, tmp_path
):
    upload = tmp_path / "clients.csv"
    upload.write_bytes(CLIENTS.encode("cp1252"))
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/admin/contacts/contact/")
    with page.expect_navigation():
        page.click("text=Importer des contacts")

    page.set_input_files("#id_file", str(upload))
    page.check("input[name=basis][value=customer]")
    page.fill("#id_tags", "Salon 2026")
    with page.expect_navigation():
        page.click("input[type=submit]")

    expect(page.locator(".detected-format")).to_have_text("Fichier CSV")
    rows = page.locator("table.preview-rows tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Élodie Lefèvre")
    expect(rows.nth(0)).to_contain_text("+33612345678")
    expect(rows.nth(1).locator(".problems")).to_contain_text("arrondi par un tableur")
    expect(rows.nth(2).locator(".problems")).to_contain_text(
        "pas-une-adresse n’est pas une adresse e-mail valide. Conservé tel quel"
    )
    expect(rows.nth(3).locator(".problems")).to_contain_text(NOT_IMPORTED)
    ville = page.locator("table.mapping select[aria-label=Ville]")
    expect(ville).to_have_value("city")
    ville.select_option("")  # the owner decides the town is not worth importing

    with page.expect_navigation():
        page.click("input[name=confirm]")
    expect(page.locator("#import-counts .created")).to_have_text("3", timeout=60_000)
    expect(page.locator("#import-counts .errors")).to_have_text("1")

    with page.expect_download() as download:
        page.click("#errors-csv")
    errors = list(
        csv.reader(io.StringIO(download.value.path().read_text("utf-8-sig")), delimiter=";")
    )
    assert errors[0] == ["fichier", "ligne", "importée", "raison"]
    assert ["clients.csv", "5", "non", NOT_IMPORTED] in errors
    assert errors[2][:3] == ["clients.csv", "3", "oui"]  # its phone, rounded, is not stored
    expect(page.locator(".import-errors")).to_contain_text("ligne 5")
    expect(page.locator(".import-problems")).to_contain_text("ligne 3")

    elodie = Contact.objects.get(email__iexact="elodie@exemple.fr")
    assert (elodie.city, elodie.consent_basis, elodie.email_status) == (
        "",
        "customer",
        "subscribed",
    )
    assert [t.name for t in elodie.tags.all()] == ["Salon 2026"]
    job = ImportJob.objects.get()
    assert (job.status, job.by, job.created) == ("done", alice, 3)
