"""A generic spreadsheet's Instagram or Facebook column becomes the contact's profile there,
read as the networks' own exports are; importing the file again creates nobody."""

import pytest
from playwright.sync_api import expect

from contacts.models import Contact, ImportJob
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# "Instagram" is recognised; "Lien" is not: the owner says it is the Facebook profile.
NETWORKS = (
    "Prénom;Nom;Instagram;Lien\r\n"
    "Nina;Arnaud;@Nina.Arnaud;https://www.facebook.com/nina.arnaud\r\n"
    "Omar;Benali;https://www.instagram.com/omar_b/;omar.benali\r\n"
)


def _import(page, base_url: str, upload) -> None:
    page.goto(f"{base_url}/admin/contacts/importjob/upload/")
    page.set_input_files("#id_file", str(upload))
    page.check("input[name=basis][value=none]")
    with page.expect_navigation():
        page.click("input[type=submit]")
    expect(page.locator("table.mapping select[aria-label=Instagram]")).to_have_value("instagram")
    link = page.locator("table.mapping select[aria-label=Lien]")
    expect(link).to_have_value("")  # not recognised: not imported unless the owner says
    link.select_option(label="Facebook")
    with page.expect_navigation():
        page.click("input[name=confirm]")


def test_a_spreadsheets_profile_columns_become_handles(live_server, page, alice, worker, tmp_path):
    upload = tmp_path / "reseaux.csv"
    upload.write_text(NETWORKS, encoding="utf-8")
    log_in(page, live_server.url, "alice")

    _import(page, live_server.url, upload)
    expect(page.locator("#import-counts .created")).to_have_text("2", timeout=60_000)
    handles = {
        contact.first_name: dict(contact.handles.values_list("network", "value"))
        for contact in Contact.objects.all()
    }
    assert handles == {
        "Nina": {"instagram": "nina.arnaud", "facebook": "https://www.facebook.com/nina.arnaud"},
        "Omar": {"instagram": "omar_b", "facebook": "omar.benali"},
    }

    _import(page, live_server.url, upload)  # the same file again: the same two people
    expect(page.locator("#import-counts .unchanged")).to_have_text("2", timeout=60_000)
    expect(page.locator("#import-counts .created")).to_have_text("0")
    assert Contact.objects.count() == 2
    assert list(ImportJob.objects.values_list("created", flat=True).order_by("pk")) == [2, 0]
