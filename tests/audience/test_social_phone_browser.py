"""The social-only contacts on a phone (390 px): the page never scrolls sideways, each
contact reads as a block of its own."""

import pytest
from playwright.sync_api import expect

from tests.conftest import log_in
from tests.contacts.factories import make_contact

pytestmark = pytest.mark.browser


LONG = "maximilien-alexandre-de-la-tour-dupontavice-1234567"


def test_the_social_only_contacts_read_on_a_phone(transactional_db, live_server, page, alice):
    make_contact(first_name="Maximilien-Alexandre", last_name="de La Tour-Dupontavice",
                 company="Société coopérative de production des Ateliers Réunis",
                 phone="+33612345678",
                 handles={"instagram": "maximilien.alexandre.delatourdupontavice",
                          "facebook": "https://www.facebook.com/profile.php?id=100089123456789",
                          "linkedin": LONG})  # fmt: skip
    make_contact(first_name="Nina", handles={"instagram": "nina.a"})
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/admin/reseaux-sociaux/")
    expect(page.locator("#social-contacts")).to_contain_text("2 contacts à joindre à la main")

    width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways: {width}"
    long_one = page.locator("#social-contacts tbody tr", has_text="Maximilien")
    for link in long_one.locator("a").all():  # every profile and the phone, within the window
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1, link.text_content()
    expect(long_one).to_contain_text("Instagram")
    expect(long_one.get_by_role("link", name="06 12 34 56 78")).to_be_visible()
