"""An import's report in a real browser: values kept and probable duplicates, in words."""

import pytest
from playwright.sync_api import expect

from contacts.models import Contact
from tests.conftest import log_in

SCREENSHOTS = "docs/screenshots"
PHONE = {"width": 390, "height": 844}
# Sophie shares Jérôme's mobile number; the file says Anne lives in Lyon, Carnet says Dole.
SALON = (
    "Prénom;Nom;Courriel;Portable;Ville\r\n"
    "Sophie;Étienne;;06 12 34 56 78;\r\n"
    "Anne;Morel;anne@exemple.fr;;Lyon\r\n"
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _screenshot(page, name: str) -> None:
    """Save the page at a computer's width, then at a phone's."""
    page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=f"{SCREENSHOTS}/{name}-phone.png", full_page=True)
    # Wide tables scroll in their own box; the page itself never does.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size({"width": 1280, "height": 720})


def _upload(page, live_server, path) -> None:
    page.goto(f"{live_server.url}/admin/contacts/importjob/")
    with page.expect_navigation():
        page.click("#new-import")
    expect(page.locator("h1")).to_have_text("Importer des contacts")
    page.set_input_files("#id_file", str(path))
    page.check("input[name=basis][value=customer]")
    page.fill("#id_tags", "Salon 2026")
    page.select_option("#id_on_duplicate", "update")
    with page.expect_navigation():
        page.click("input[type=submit]")


def test_the_report_names_the_people_and_fields_and_leads_to_the_merge(
    live_server, page, alice, worker, tmp_path
):
    jerome = Contact.objects.create(first_name="Jérôme", last_name="Dupré", phone="+33612345678")
    anne = Contact.objects.create(
        first_name="Anne", last_name="Morel", email="anne@exemple.fr", city="Dole"
    )
    upload = tmp_path / "salon.csv"
    upload.write_text(SALON, encoding="utf-8")
    log_in(page, live_server.url, "alice")
    _upload(page, live_server, upload)

    expect(page.locator(".detected-format")).to_have_text("Fichier CSV")
    expect(page.locator("#import-basis")).to_contain_text("client")
    expect(page.locator("table.preview-rows tbody tr")).to_have_count(2)
    _screenshot(page, "import-preview")
    with page.expect_navigation():
        page.click("input[name=confirm]")

    expect(page.locator("#import-counts .created")).to_have_text("1", timeout=60_000)
    expect(page.locator(".format-name")).to_have_text("Fichier CSV")
    kept = page.locator(".kept-values li")
    expect(kept).to_have_count(1)
    expect(kept).to_contain_text("Ville")
    expect(kept).to_contain_text("Dole")
    expect(kept).to_contain_text("Lyon")
    expect(kept.get_by_role("link", name="Anne Morel")).to_have_attribute(
        "href", f"/admin/contacts/contact/{anne.pk}/change/"
    )
    pair = page.locator(".probable-duplicates li")
    expect(pair).to_have_count(1)
    sophie = Contact.objects.get(first_name="Sophie")
    for person in (sophie, jerome):
        expect(pair.get_by_role("link", name=person.full_name)).to_have_attribute(
            "href", f"/admin/contacts/contact/{person.pk}/change/"
        )
    expect(page.locator("#import-report")).not_to_contain_text("#")
    _screenshot(page, "import-report")

    with page.expect_navigation():
        pair.get_by_role("link", name="Fusionner").click()
    expect(page.locator("h1")).to_have_text("Fusionner deux contacts")
    expect(page.locator("#content")).to_contain_text("Sophie")
    expect(page.locator("#content")).to_contain_text("Jérôme")
