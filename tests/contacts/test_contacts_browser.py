"""The contact list and a contact's page as the owner sees them, in Chromium."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from contacts.models import ContactPoint
from tests.conftest import log_in
from tests.contacts.factories import elodie, make_contact

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LIST = "/admin/contacts/contact/"

# A dozen clients of a small shop, with the lengths real lists have.
CLIENTS = [
    ("Jean-Baptiste", "Lemaître-Dufresne",
     "jean-baptiste.lemaitre-dufresne@cabinet-architectes-lyon.fr", "+33478421536",
     "Cabinet d’architectes Lemaître & Associés", ["Clientèle fidèle", "Architectes"]),
    ("Anaïs", "Roché", "anais.roche@gmail.com", "+33620212223", "", ["Newsletter"]),
    ("Yves", "Œuvray", "yves.oeuvray@orange.fr", "+33145678901", "Librairie Œuvray", ["VIP"]),
    ("Élodie", "Lambert", "elodie.lambert@laposte.net", "+33699887766", "", []),
    ("Eloïse", "Lambert", "eloise.lambert@free.fr", "", "Atelier des Lambert", ["Ateliers"]),
    ("Marie-Hélène", "de La Tour d’Auvergne", "mh.delatourdauvergne@wanadoo.fr", "+33556001122",
     "", ["Clientèle fidèle", "Salon de septembre 2026", "Invitations vernissage"]),
    ("Théo", "Nguyen", "theo.nguyen@outlook.fr", "+4915123456789", "", ["Newsletter"]),
    ("Chloé", "Dupont", "chloe.dupont@exemple.fr", "+33612345678", "Boulangerie Dupont", []),
    ("Benoît", "Guérin", "benoit.guerin@sfr.fr", "+33387112233", "", ["VIP", "Newsletter"]),
    ("Gaëlle", "Le Goff", "gaelle.legoff@bzh-creations.bzh", "+33298445566",
     "Créations Bretagne", ["Artisans"]),
    ("Noël", "Fontaine", "", "+33611223344", "", []),
    ("Inès", "Benali", "ines.benali@icloud.com", "+33755443322", "", ["Newsletter"]),
]  # fmt: skip


def _fill_the_list() -> None:
    for first, last, email, phone, company, tags in CLIENTS:
        status = {"email_status": "subscribed", "consent_basis": "customer"} if email else {}
        make_contact(first_name=first, last_name=last, email=email, phone=phone,
                     company=company, tags=tags, sources=["xlsx"], **status)  # fmt: skip


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_list_fits_1366_px_and_sorts_names_as_french_readers_expect(
    transactional_db, live_server, page, alice
):
    _fill_the_list()
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server.url, "alice")
    page.goto(live_server.url + LIST)
    expect(page.locator("#result_list tbody tr")).to_have_count(len(CLIENTS))
    # Nobody is chosen before the owner ticks them: an action would reach the whole page.
    expect(page.locator("input.action-select:checked")).to_have_count(0)
    assert _fits(page), "the contact list scrolls sideways at 1366 px"

    cells = page.locator("#result_list tbody th").all_inner_texts()
    names = [cell.splitlines()[0] for cell in cells]  # the company is on the next line
    assert "Jean-Baptiste Lemaître-Dufresne\nCabinet d’architectes Lemaître & Associés" in cells
    assert names.index("Yves Œuvray") < names.index("Anaïs Roché")
    assert names.index("Élodie Lambert") + 1 == names.index("Eloïse Lambert")
    row = page.locator("#result_list tbody tr", has_text="Anaïs Roché")
    expect(row).to_contain_text("06 20 21 22 23")
    expect(page.locator("#result_list tbody tr", has_text="Théo Nguyen")).to_contain_text(
        "+49 1512 3456789"
    )

    page.set_viewport_size({"width": 1280, "height": 800})
    assert _fits(page)
    page.screenshot(path=SCREENSHOTS / "contacts.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert _fits(page), "the contact list scrolls sideways on a phone"
    page.screenshot(path=SCREENSHOTS / "contacts-phone.png", full_page=True)


@pytest.mark.parametrize("typed", ["06 20 21", "06.20.21.22.23", "+33 6 20 21"])
def test_a_number_is_found_as_it_is_shown(transactional_db, live_server, page, alice, typed):
    _fill_the_list()
    log_in(page, live_server.url, "alice")
    page.goto(live_server.url + LIST)
    page.fill("#searchbar", typed)
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Anaïs Roché")


def test_the_contact_page_leads_with_the_person(transactional_db, live_server, page, alice):
    contact = elodie()
    ContactPoint.objects.create(contact=contact, kind="phone", value="+33381654321",
                                label="Boutique")  # fmt: skip
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}{LIST}{contact.pk}/change/")

    person = page.locator("section.person")
    expect(person.locator("h2")).to_have_text("Élodie Lefèvre")
    expect(person).to_contain_text("Gérante · Boulangerie Lefèvre")
    expect(person.locator("a[href='tel:+33612345678']")).to_have_text("06 12 34 56 78")
    expect(person.locator("a[href='tel:+33381654321']")).to_have_text("03 81 65 43 21")
    expect(person.locator("a[href='https://www.instagram.com/elo/']")).to_have_text("elo")
    expect(person.locator(".person-consent")).to_contain_text("Peut recevoir vos e-mails")
    expect(person.locator(".person-tags")).to_contain_text("VIP")
    expect(person).to_contain_text("Chronologie")
    form_top = page.locator("#contact_form fieldset").first.bounding_box()["y"]
    assert person.bounding_box()["y"] + person.bounding_box()["height"] <= form_top
    page.screenshot(path=SCREENSHOTS / "contact.png")

    page.set_viewport_size({"width": 390, "height": 844})
    assert person.bounding_box()["width"] <= 390
    page.screenshot(path=SCREENSHOTS / "contact-phone.png")

    person.get_by_role("link", name="VIP").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
