"""The owner invites the no-consent contacts and looks up the social-only ones, in Chromium.

A real Celery worker sends the invitation to an SMTP server on loopback; a contact opens
the link and confirms. Screenshots: docs/screenshots/invitation.png, social-only.png.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from campaigns.models import Business
from contacts.models import ConsentEvent, Contact
from crm import heartbeat
from crm.celery import app as celery_app
from tests.campaigns import conftest as campaign_fixtures
from tests.contacts.factories import make_contact

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

smtp = campaign_fixtures.smtp
processes = campaign_fixtures.processes
wait_for = campaign_fixtures.wait_for

SHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
INVITED = {"paul.girard@exemple.fr", "lea.martin@exemple.fr", "hugo@exemple.fr"}


def _cast() -> None:
    Business(name="Boulangerie Lefèvre", postal_address="3 rue des Granges, 25000 Besançon",
             brand_colour="#8a4b2a").save()  # fmt: skip
    make_contact(first_name="Paul", last_name="Girard", email="paul.girard@exemple.fr")
    make_contact(first_name="Léa", last_name="Martin", email="lea.martin@exemple.fr")
    make_contact(first_name="Hugo", email="hugo@exemple.fr")
    make_contact(first_name="Marc", email="marc@exemple.fr", email_status="subscribed",
                 consent_basis="customer")  # fmt: skip
    make_contact(
        first_name="Nina",
        last_name="Arnaud",
        handles={"instagram": "@nina.arnaud", "facebook": "nina.arnaud.75"},
    )
    make_contact(
        first_name="Omar",
        last_name="Benali",
        phone="+33612345678",
        company="Garage Benali",
        handles={"linkedin": "https://www.linkedin.com/in/omar-benali"},
    )
    make_contact(first_name="Sacha", last_name="Roux", handles={"telegram": "@sacharoux"})


def _logged_in(page, base_url: str, user) -> None:
    """Open the browser on the admin as `user` (the login form has its own tests)."""
    client = Client()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    cookie = {"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}
    page.context.add_cookies([cookie])


def test_the_owner_invites_once_and_reaches_the_social_only_contacts_by_hand(
    live_server, page, alice, smtp, processes, settings
):
    settings.SITE_URL = live_server.url
    _cast()
    processes("worker")
    # What beat sends every 15 s, sent now: the admin then knows the worker runs.
    celery_app.send_task("crm.tasks.record_heartbeat")
    page.set_viewport_size({"width": 1280, "height": 900})
    _logged_in(page, live_server.url, alice)

    page.goto(f"{live_server.url}/admin/invitation/")
    expect(page.locator("#invitation-count")).to_contain_text("3 contacts seront invités")
    button = page.frame_locator("#invitation-message iframe").locator("a.button")
    expect(button).to_have_text("Oui, je veux recevoir vos nouvelles")
    wait_for(heartbeat.workers_running, 20, "the worker's first heartbeat")
    page.reload()
    page.screenshot(path=SHOTS / "invitation.png", full_page=True)
    page.click("#send-invitation")
    expect(page.locator(".messagelist .success")).to_contain_text("3 contacts")
    wait_for(lambda: len(smtp.messages) == 3, 20, "the three invitations")
    assert {r for m in smtp.messages for r in m.recipients} == INVITED

    page.goto(f"{live_server.url}/admin/invitation/")
    expect(page.locator("#invitation-count")).to_contain_text("Plus personne à inviter")
    expect(page.locator("#send-invitation")).to_have_count(0)

    html = smtp.to("paul.girard@exemple.fr")[0].message.get_body(("html",)).get_content()
    page.goto(re.search(r'class="button"[^>]* href="([^"]+)"', html).group(1))
    page.get_by_role("button", name=re.compile("confirm", re.IGNORECASE)).click()
    expect(page.locator("h1")).to_contain_text(re.compile("confirm", re.IGNORECASE))
    paul = Contact.objects.get(email="paul.girard@exemple.fr")
    assert (paul.email_status, paul.consent_basis) == ("subscribed", "consent")
    assert ConsentEvent.objects.get(contact=paul, how="invitation").ip == "127.0.0.1"

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/admin/reseaux-sociaux/")
    profiles = page.locator("#social-contacts .handles a")
    expect(profiles).to_have_count(4)
    expect(page.locator('a[href="https://www.instagram.com/nina.arnaud/"]')).to_be_visible()
    expect(page.locator('a[href="https://t.me/sacharoux"]')).to_be_visible()
    page.click("#copy-message")
    expect(page.locator("#copy-status")).to_have_text("Copié : collez-le dans la conversation.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#invitation-text").input_value()
    assert f"{live_server.url}/inscription/" in copied
    page.screenshot(path=SHOTS / "social-only.png", full_page=True)
