"""The owner exports a person's data, then erases them, from their page, in Chromium."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from contacts import erasure
from contacts.models import Contact
from tests.conftest import log_in
from tests.contacts.test_erasure_support import ADDRESS, known_person

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def french_page(browser):
    context = browser.new_context(locale="fr-FR", accept_downloads=True,
                                  viewport={"width": 1280, "height": 900})  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_owner_exports_a_persons_data_then_erases_them(
    transactional_db, live_server, french_page, alice
):
    page, contact = french_page, known_person(user=alice)
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/admin/contacts/contact/{contact.pk}/change/")

    with page.expect_download() as download:
        page.get_by_role("link", name="Toutes ses données", exact=False).click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["email"] == ADDRESS and data["consent_history"]

    page.get_by_role("link", name="Effacer ses données").click()
    expect(page.locator("h1")).to_have_text("Effacer les données de cette personne ?")
    listed = page.locator("#erase-list")
    expect(listed).to_contain_text("1 note")
    expect(listed).to_contain_text("1 e-mail de campagne envoyé ou à envoyer")
    expect(listed).to_contain_text("comptera un destinataire de moins")
    assert Contact.objects.filter(pk=contact.pk).exists()  # nothing erased by looking
    page.screenshot(path=SCREENSHOTS / "erasure-confirm.png", full_page=True)

    page.get_by_role("button", name="Oui, effacer cette personne").click()
    message = page.locator(".messagelist .success")
    expect(message).to_contain_text(f"Contact n° {contact.pk} effacé")
    expect(page.locator("#result_list")).to_have_count(0)  # the list is empty now
    assert "Lefèvre" not in page.content()
    assert not Contact.objects.exists() and erasure.is_erased(ADDRESS)
