"""Words the owner met in a walkthrough, said plainly: no "version", SVG, PNG, Atom, JSON
or vCard, a colour picked rather than typed in hexadecimal, and the menu marking where
the owner is."""

import pytest
from playwright.sync_api import expect

from audience.models import SignupPage
from campaigns.models import Business
from tests.conftest import log_in
from tests.contacts.factories import make_contact
from tests.crm.test_dashboard_browser import _no_old_figures  # noqa: F401  (autouse)
from tests.helpers import save_business

pytestmark = pytest.mark.browser


def _downloads(page, within, link_name: str) -> str:
    """Click the download link named `link_name` `within` a part of the page; return the
    saved file's name."""
    with page.expect_download() as download:
        within.get_by_role("link", name=link_name, exact=True).click()
    return download.value.suggested_filename


def test_the_sign_up_page_and_its_qr_code_in_plain_words(
    transactional_db, live_server, page, alice
):
    log_in(page, live_server.url, "alice")
    card = page.locator("#own-audience")
    expect(card).to_contain_text("Télécharger le QR code : pour l’imprimer · pour un site")
    assert _downloads(page, card, "pour l’imprimer").endswith(".svg")
    assert _downloads(page, card, "pour un site").endswith(".png")

    page.goto(f"{live_server.url}/admin/audience/signuppage/")
    content = page.locator("#content")
    expect(content).to_contain_text("Modifications de ce texte")
    expect(content).to_contain_text("aucune : le texte d’origine")
    for jargon in ("Version", "version", "SVG", "PNG"):
        expect(content).not_to_contain_text(jargon)
    assert _downloads(page, page.locator("#signup-share"), "pour l’imprimer").endswith(".svg")

    page.get_by_label("Case de consentement (en français)").fill("Oui, écrivez-moi.")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.goto(f"{live_server.url}/admin/audience/signuppage/")
    expect(content).to_contain_text("modifié une fois")
    assert SignupPage.load().version == 2


def test_a_contacts_exports_say_what_each_is_for(transactional_db, live_server, page, alice):
    contact = make_contact(first_name="Élodie", email="elodie@exemple.fr")
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/admin/contacts/contact/{contact.pk}/change/")
    tools = page.locator(".object-tools")
    expect(tools).not_to_contain_text("JSON")
    expect(tools).not_to_contain_text("vCard")
    everything = "Toutes ses données (fichier pour un juriste ou un autre logiciel)"
    assert _downloads(page, tools, everything).endswith(".json")
    card = "Sa fiche pour un carnet d’adresses ou un téléphone"
    assert _downloads(page, tools, card).endswith(".vcf")


def test_the_news_feed_is_offered_in_plain_words(transactional_db, live_server, page):
    save_business()
    page.goto(f"{live_server.url}/nouvelles/")
    link = page.locator("#news-feed-link")
    expect(link).to_have_text(
        "Suivre cette page dans une application de lecture de flux (lien d’abonnement)"
    )
    expect(page.locator("footer")).not_to_contain_text("Atom")


def test_the_brand_colour_is_picked(transactional_db, live_server, page, alice):
    save_business()
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/admin/campaigns/business/")
    colour = page.get_by_label("Couleur de la marque")
    expect(colour).to_have_attribute("type", "color")
    colour.fill("#aa3300")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer", exact=True).click()
    assert Business.load().brand_colour == "#aa3300"


def test_the_outage_page_belongs_to_the_dashboard(transactional_db, live_server, page, alice):
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/admin/news/noticetemplate/prevenir/")
    current = page.locator('#carnet-nav a[aria-current="page"]')
    expect(current).to_have_text(["Tableau de bord"])
    page.goto(f"{live_server.url}/admin/news/noticetemplate/")
    expect(current).to_have_text(["Réglages"])
