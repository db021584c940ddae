"""A visitor signs up on the public page and confirms by email, in Chromium, with a real
Celery worker sending the confirmation to an SMTP server on loopback."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from audience.models import Signup
from contacts.models import Contact
from tests.campaigns.conftest import wait_for
from tests.conftest import log_in

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VISITOR = {"locale": "fr-FR", "viewport": {"width": 1280, "height": 900}}


def fill(page, email: str) -> None:
    page.get_by_label("Votre adresse e-mail").fill(email)
    page.get_by_label("Prénom").fill("Léa")
    page.get_by_label("Nom (facultatif)").fill("Martin")
    page.get_by_label("Téléphone (facultatif)").fill("06 12 34 56 78")
    page.locator("input[name=consent]").check()


def test_a_visitor_signs_up_and_confirms_and_a_bot_creates_nothing(
    browser, live_server, smtp, processes, page, alice, business
):
    processes("worker")
    visitor = browser.new_context(**VISITOR)
    person, bot = visitor.new_page(), visitor.new_page()
    person.goto(f"{live_server.url}/inscription/")  # French: the browser asks for it
    expect(person.locator("h1")).to_have_text("Inscrivez-vous à nos e-mails")
    fill(person, "lea.martin@exemple.fr")
    person.screenshot(path=SCREENSHOTS / "signup-page.png", full_page=True)

    # A bot fills every field it finds, the hidden one too; it waits as long as a person.
    bot.goto(f"{live_server.url}/inscription/")
    fill(bot, "bot@spam.example")
    bot.locator("input[name=website]").evaluate("field => field.value = 'http://spam.example'")
    bot.wait_for_timeout(3200)  # past the fill time, for both pages
    bot.get_by_role("button", name="Je m’inscris").click()
    expect(bot.locator("h1")).to_have_text("Consultez votre boîte mail")  # as a person sees
    assert not Signup.objects.exists()

    person.get_by_role("button", name="Je m’inscris").click()
    expect(person.locator("h1")).to_have_text("Consultez votre boîte mail")
    wait_for(lambda: smtp.to("lea.martin@exemple.fr"), 30, "the confirmation email")
    assert smtp.to("bot@spam.example") == []  # queued before the person's, had it been
    text = smtp.to("lea.martin@exemple.fr")[0].message.get_body(("plain",)).get_content()
    link = re.search(rf"{re.escape(live_server.url)}/inscription/confirmer/\S+", text).group(0)

    person.goto(link)
    expect(person.get_by_role("button", name="Je confirme")).to_be_visible()
    person.screenshot(path=SCREENSHOTS / "signup-confirm.png", full_page=True)
    assert not Contact.objects.exists()  # opening the link confirmed nobody
    person.get_by_role("button", name="Je confirme").click()
    expect(person.locator("h1")).to_have_text("Merci, c’est confirmé")
    visitor.close()

    contact = Contact.objects.get(email="lea.martin@exemple.fr")
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/admin/contacts/contact/{contact.pk}/change/")
    expect(page.locator("body")).to_contain_text("Abonné")
    history = page.locator("#consent_events-group")
    history.locator("summary").first.click()
    expect(history).to_contain_text("inscription v1")
    expect(history).to_contain_text("J’accepte de recevoir par e-mail")
    expect(history).to_contain_text("127.0.0.1")

    page.goto(f"{live_server.url}/admin/audience/signuppage/")
    expect(page.locator("#latest-signups")).to_contain_text("Confirmée le")
    page.screenshot(path=SCREENSHOTS / "signups-admin.png", full_page=True)
