"""A campaign from the admin in a real browser, in French, sent by real Celery processes."""

from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import Campaign
from tests.campaigns.conftest import MAILABLE
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_owner_composes_previews_tests_schedules_and_reads_the_report(
    live_server, page, alice, audience, smtp, processes
):
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/admin/campaigns/campaign/add/")
    expect(page.locator("#content h1").first).to_have_text("Ajout : campagne")
    page.fill("#id_name", "Soldes d’hiver")
    page.fill("#id_subject", "{{ first_name }}, nos soldes commencent")
    page.get_by_text("Expéditeur et version texte").click()  # a folded section
    page.fill("#id_from_name", "Boulangerie Lefèvre")
    page.fill("#id_from_email", "bonjour@boulangerie-lefevre.fr")
    page.check("input[name=body_format][value=html]")
    page.fill("#id_html_source", "<p>Bonjour {{ first_name }} {% load static %}</p>")
    with page.expect_navigation():
        page.click("input[name=_save]")
    expect(page.locator(".field-html_source .errorlist")).to_contain_text(
        "« {% load static %} » n’est pas permis"
    )

    page.fill("#id_html_source", "<p>Bonjour {{ first_name }} de {{ company }},</p>")
    with page.expect_navigation():
        page.click("input[name=_save]")
    expect(page.locator(".messagelist li.success")).to_contain_text("enregistrée comme brouillon")
    expect(page.locator("#campaign-status")).to_have_text("Brouillon")
    expect(page.locator("#campaign-audience")).to_contain_text("3 contacts peuvent la recevoir")

    with page.expect_navigation():
        page.click("#preview-link")
    expect(page.locator("#preview-subject")).to_have_text("Élodie, nos soldes commencent")
    frame = page.frame_locator("#preview-frame")
    expect(frame.locator(".body p").first).to_have_text("Bonjour Élodie de Boulangerie Lefèvre,")
    expect(frame.locator("a")).to_have_text("Se désinscrire")  # the layout's footer
    page.fill("#test-address", "essai@boulangerie-lefevre.fr")
    with page.expect_navigation():
        page.click("#test-button")
    expect(page.locator(".messagelist li.success")).to_contain_text(
        "Un test a été envoyé à essai@boulangerie-lefevre.fr"
    )
    [test] = smtp.to("essai@boulangerie-lefevre.fr")
    assert test.message["Subject"] == "[Test] Élodie, nos soldes commencent"

    smtp.delay_seconds = 1  # slow enough to watch the progress bar move
    page.go_back()
    page.goto(page.url.replace("preview/", "change/"))
    paris_now = timezone.now().astimezone(ZoneInfo("Europe/Paris"))
    page.fill("#schedule-at", paris_now.strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        page.click("#schedule-button")
    expect(page.locator(".messagelist li.success")).to_contain_text("La campagne partira le")
    expect(page.locator("#campaign-status")).to_have_text("Programmée")
    expect(page.locator("#campaign-scheduled-at")).to_have_text(
        paris_now.strftime("%d/%m/%Y %H:%M")
    )

    processes("worker")
    processes("beat")
    expect(page.locator("#campaign-status")).to_have_text("Envoi en cours", timeout=30_000)
    expect(page.locator("#campaign-progress")).to_be_visible()
    expect(page.locator("#campaign-status")).to_have_text("Envoyée", timeout=60_000)
    expect(page.locator("#campaign-progress")).to_have_attribute("value", "3")

    with page.expect_navigation():
        page.click("#report-link")
    expect(page.locator("#report-counts .sent")).to_have_text("3")
    expect(page.locator("#report-counts .unknown")).to_have_text("0")
    expect(page.locator("#campaign-chart polyline")).to_have_count(3)
    page.screenshot(path="docs/screenshots/report.png", full_page=True)
    assert {r for m in smtp.messages for r in m.recipients} == MAILABLE | {
        "essai@boulangerie-lefevre.fr"
    }
    assert Campaign.objects.get().status == "sent"
