"""The owner writes a campaign with the editor, no HTML typed, and previews it on a phone."""

import re

import pytest
from playwright.sync_api import expect

from campaigns.models import Business, Campaign
from tests.campaigns.editor_steps import write_the_sales_message
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "docs/screenshots"


def test_the_owner_composes_with_the_editor_and_previews_on_a_phone(
    live_server, page, alice, audience
):
    Business(name="Boulangerie Lefèvre", postal_address="25000 Besançon").save()
    log_in(page, live_server.url, "alice")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/campaigns/campaign/add/")
    expect(page.locator("#campaign-steps")).to_contain_text("Rédiger")
    page.fill("#id_name", "Soldes d’hiver")
    page.fill("#id_subject", "Nos soldes commencent")
    write_the_sales_message(page, "Les soldes", "https://boulangerie-lefevre.fr")
    expect(page.locator("#audience-live")).to_contain_text("3 contacts peuvent la recevoir")
    page.screenshot(path=f"{SHOTS}/editor.png", full_page=True)
    with page.expect_navigation():
        page.click("input[name=_save]")
    expect(page.locator(".messagelist li.success")).to_contain_text("enregistrée comme brouillon")

    body = Campaign.objects.get().html_body
    assert "<h1>Les soldes</h1>" in body and "{{ first_name }}" in body
    assert "<strong>moitié prix</strong>" in body
    assert re.search(r'<a href="https://boulangerie-lefevre.fr"[^>]*>site</a>', body)
    assert 'class="button"' in body

    with page.expect_navigation():
        page.click("#check-preview-link")
    phone = page.frame_locator("#preview-phone")
    expect(phone.locator("h1")).to_have_text("Les soldes")
    expect(phone.locator("body")).to_contain_text("Bonjour Élodie, tout est à moitié prix")
    expect(phone.locator("a.button")).to_have_text("Voir les soldes")
    expect(phone.locator("body")).to_contain_text("25000 Besançon")
    width = phone.locator("html").evaluate(
        "e => e.scrollWidth <= e.ownerDocument.defaultView.innerWidth"
    )
    assert width
    page.screenshot(path=f"{SHOTS}/preview-phone.png", full_page=True)
