"""The owner's home page in a real browser: first steps on a fresh install, then figures."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from crm.dashboard import figures
from tests.campaigns.conftest import make_campaign
from tests.conftest import log_in
from tests.contacts.factories import make_contact
from tests.crm.test_dashboard import some_people
from tests.crm.test_navigation import OWNER_MENU

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(autouse=True)
def _no_old_figures():
    figures.forget()
    yield
    figures.forget()


def _too_wide(page) -> list[str]:
    """Return the elements that stick out of the window, making the page scroll sideways."""
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
          .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
          .filter(e => !e.closest(".table-scroll"))
          .map(e => e.tagName + "#" + e.id + "." + e.className)"""
    )


def test_a_fresh_install_shows_the_first_steps(transactional_db, live_server, page, alice):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, "alice")

    steps = page.locator("#first-steps li")
    expect(steps).to_have_count(3)
    expect(steps.nth(0)).to_contain_text("Importer vos contacts")
    expect(steps.nth(1)).to_contain_text("Vérifier votre liste")
    expect(steps.nth(2)).to_contain_text("Envoyer une première campagne")
    expect(page.locator("#first-steps li.done")).to_have_count(0)
    expect(page.locator("#reach")).to_contain_text("Aucun contact pour l’instant")
    expect(page.get_by_role("link", name="Importer des contacts")).to_be_visible()
    expect(page.get_by_role("link", name="Nouvelle campagne")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "first-steps.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#carnet-nav")).to_contain_text("Réglages")
    page.screenshot(path=SCREENSHOTS / "first-steps-phone.png", full_page=True)
    assert _too_wide(page) == []


def test_the_figures_lead_to_their_contacts(transactional_db, live_server, page, alice):
    some_people()
    make_campaign(name="Soldes d’hiver", status="sending")
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, "alice")

    expect(page.locator("#first-steps li.done")).to_have_count(1)  # imported
    expect(page.locator("#reach .headline")).to_contain_text(
        "2 de vos 6 contacts peuvent recevoir vos e-mails dès maintenant"
    )
    expect(page.locator("#reach .reach-chart")).to_be_visible()
    expect(page.locator("#growth .growth-chart")).to_be_visible()
    expect(page.locator("#last-campaigns")).to_contain_text("Soldes d’hiver")
    own = page.locator("#own-audience")  # Paul may be invited; Nina is on Instagram only
    expect(own).to_contain_text("1 contact sans consentement peut être invité")
    expect(own).to_contain_text(
        "1 contact sans e-mail que vous pouvez joindre sur un réseau social"
    )
    expect(own).to_contain_text("0 inscription cette semaine")
    expect(own.locator("img.qr")).to_have_js_property("complete", True)
    assert own.locator("img.qr").evaluate("img => img.naturalWidth") > 0  # the QR code shows
    expect(own.locator(".share-link")).to_have_text(f"{settings.SITE_URL}/inscription/")
    expect(page.get_by_role("link", name="Prévenir mes clients")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "dashboard.png", full_page=True)

    with page.expect_navigation():
        own.get_by_role("link", name="les inviter").click()
    expect(page.locator("#content")).to_contain_text("1 contact sera invité")
    page.go_back()

    with page.expect_navigation():
        page.locator("#reach .figures .kind-email_no_consent a").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Paul")

    page.go_back()
    with page.expect_navigation():
        page.locator("#reach table.by-source tr", has_text="LinkedIn").get_by_role(
            "link", name="1"
        ).first.click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    assert "source=linkedin" in page.url and "reach=mailable" in page.url

    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#first-steps li.done")).to_have_count(2)  # the list was checked
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SCREENSHOTS / "dashboard-phone.png", full_page=True)
    assert _too_wide(page) == []
    tiles = [tile.bounding_box() for tile in page.locator("#reach .figures a").all()]
    overlapping = [
        (a, b) for i, a in enumerate(tiles) for b in tiles[i + 1 :]
        if a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]
    ]  # fmt: skip
    assert overlapping == [], "the figures' tiles overlap on a phone"


def test_the_menu_speaks_the_owners_words(transactional_db, live_server, page, alice, bob):
    make_contact(first_name="Élodie", email="elodie@exemple.fr")
    log_in(page, live_server.url, "alice")
    menu = page.locator("#carnet-nav a")
    expect(menu).to_have_text(OWNER_MENU)
    with page.expect_navigation():
        page.get_by_role("link", name="Réglages").click()
    expect(page.locator("#content-main")).to_contain_text("Votre entreprise")
    expect(page.locator("#content-main")).to_contain_text("Utilisateurs")
    expect(page.locator("#content-main")).to_contain_text("Groupes")
    expect(page.locator('#carnet-nav a[aria-current="page"]')).to_have_text("Réglages")
    page.screenshot(path=SCREENSHOTS / "settings.png", full_page=True)

    page.context.clear_cookies()
    log_in(page, live_server.url, "bob")
    expect(page.locator("#carnet-nav a")).to_have_text(["Tableau de bord", "Contacts"])
    expect(page.locator("body")).not_to_contain_text("Utilisateurs")

    with page.expect_navigation():  # admin.js sends the language menu's form
        page.select_option("#interface-language", "en")
    expect(page.locator("#carnet-nav a")).to_have_text(["Dashboard", "Contacts"])
