"""The owner's first steps, in a real browser: add a contact, find it, tag it, export it."""

import csv
import io

import pytest
from playwright.sync_api import expect

from contacts.models import Contact
from tests.conftest import log_in

pytestmark = pytest.mark.browser


def _select_all_and_run(page, action: str, **fields: str) -> None:
    page.check("#action-toggle")
    page.select_option("select[name=action]", action)
    for name, value in fields.items():
        page.fill(f"input[name={name}]", value)
    with page.expect_navigation():
        page.click("button[name=index]")


def test_the_owner_adds_finds_tags_and_exports_a_contact_in_french(
    transactional_db, live_server, page, alice
):
    log_in(page, live_server.url, "alice")
    assert page.get_attribute("html", "lang") == "fr"

    page.goto(f"{live_server.url}/admin/contacts/contact/add/")
    page.fill("#id_first_name", "Élodie")
    page.fill("#id_last_name", "Lefèvre-Brûlé")
    page.fill("#id_email", "elodie.lefevre@exemple.fr")
    page.fill("#id_phone", "06 12 34 56 78")
    with page.expect_navigation():
        page.click("input[name=_save]")
    assert "C’est enregistré\xa0: contact" in page.inner_text(".messagelist .success")

    page.fill("#searchbar", "lefevre@exem")
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Élodie Lefèvre-Brûlé")
    expect(rows.first).to_contain_text("06 12 34 56 78")

    _select_all_and_run(page, "add_tag", tag="Clientèle fidèle")
    assert "1 contact étiqueté « Clientèle fidèle »." in page.inner_text(".messagelist .success")
    assert "Clientèle fidèle" in page.locator("#result_list tbody tr").first.inner_text()

    with page.expect_download() as download:
        page.check("#action-toggle")
        page.select_option("select[name=action]", "export_csv")
        page.click("button[name=index]")
    raw = download.value.path().read_bytes()

    assert raw.startswith(b"\xef\xbb\xbf")
    [row] = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";")
    assert (row["Prénom"], row["Nom"]) == ("Élodie", "Lefèvre-Brûlé")
    assert row["Étiquettes"] == "Clientèle fidèle"
    assert row["Sources"] == "Saisi à la main"
    assert Contact.objects.get().tags.get().name == "Clientèle fidèle"
