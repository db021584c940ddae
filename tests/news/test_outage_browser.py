"""The outage notice in a real browser, sent by a real Celery worker while a campaign to
10,000 people is going out: it overtakes it, then the news page shows it until resolved."""

import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from campaigns import services
from campaigns.models import Campaign
from contacts.models import Contact
from crm import heartbeat
from crm.celery import app as celery_app
from tests.campaigns.conftest import make_campaign, wait_for
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLIENTS = 10_000
NOTICE = b"Subject: Important : comment nous joindre en ce moment"


def ten_thousand_clients() -> None:
    Contact.objects.bulk_create(
        [
            Contact(first_name=f"Client{i}", email=f"client{i}@exemple.fr",
                    email_status="subscribed", consent_basis="customer")
            for i in range(CLIENTS)
        ],
        batch_size=2000,
    )  # fmt: skip


def is_notice(message) -> bool:
    return NOTICE in message.data


def sending_campaign() -> Campaign:
    """The campaign to everyone, started as "send now" and the beat tick would."""
    campaign = make_campaign()
    services.schedule(campaign)
    assert services.start(campaign) == CLIENTS
    services.nudge(campaign.pk)
    return campaign


def test_the_notice_overtakes_a_campaign_to_ten_thousand_and_heads_the_news_page(
    live_server, page, alice, business, smtp, fast_worker
):
    ten_thousand_clients()
    make_campaign(name="Horaires", subject="Nos horaires des fêtes", public=True, status="sent",
                  finished_at=timezone.now(),
                  html_body="<p>Bonjour {{ first_name }},</p><p>Nous serons ouverts le 24 "
                            "décembre de 7 h à 18 h, et fermés le 25.</p>")  # fmt: skip
    # A worker and no beat: only the notice's end may send the campaign on. The worker
    # runs beat's heartbeat once, so that the admin does not warn that nothing runs.
    celery_app.send_task("crm.tasks.record_heartbeat")
    regular = sending_campaign()
    wait_for(lambda: len(smtp.messages) >= 50, 60, "the campaign to be going out")
    wait_for(heartbeat.workers_running, 10, "the worker to run the heartbeat")

    log_in(page, live_server.url, "alice")
    page.goto(live_server.url + reverse("admin:outage_notice"))
    expect(page.locator("#outage-audience")).to_contain_text("10\u202f000 clients le recevront")
    expect(page.locator("#outage-subject")).to_have_text(
        "Important : comment nous joindre en ce moment"
    )
    preview = page.frame_locator("#outage-preview")
    expect(preview.locator("body")).to_contain_text("Par téléphone : 03 81 12 34 56")
    page.screenshot(path="docs/screenshots/outage-confirm.png", full_page=True)
    with page.expect_navigation():
        page.click("#outage-send")

    expect(page.locator(".messagelist li.success")).to_contain_text("L’avis part vers vos clients")
    expect(page.locator("#campaign-progress")).to_be_visible()
    expect(page.locator("#campaign-done")).not_to_have_text("0", timeout=15_000)
    page.screenshot(path="docs/screenshots/outage-progress.png", full_page=True)
    # 10,000 messages through aiosmtpd: about 30 s on a quiet machine, more on a busy one.
    expect(page.locator("#campaign-status")).to_have_text("Envoyée", timeout=180_000)

    notice = Campaign.objects.get(kind="outage")
    assert services.counters(notice)["sent"] == CLIENTS
    regular.refresh_from_db()
    assert regular.status == "sending", "the campaign finished before the notice"
    received = list(smtp.messages)
    first = next(i for i, m in enumerate(received) if is_notice(m))
    last = max(i for i, m in enumerate(received) if is_notice(m))
    between = [m for m in received[first : last + 1] if not is_notice(m)]
    # Once the notice's first message is out, the campaign sent at most the group in hand.
    assert len(between) <= settings.CAMPAIGN_HANDOVER_GROUP
    before = sum(not is_notice(m) for m in received)
    assert before < CLIENTS
    # The notice sent, the campaign that gave way goes on, with no beat to restart it.
    wait_for(lambda: sum(not is_notice(m) for m in smtp.messages) > before + 20, 30,
             "the campaign to go on after the notice")  # fmt: skip

    page.goto(f"{live_server.url}/nouvelles/")
    expect(page.locator("article.notice h2")).to_have_text(
        "Important : comment nous joindre en ce moment"
    )
    expect(page.locator("article.notice")).to_contain_text("Bonjour à vous,")
    expect(page.locator("#news-list h3")).to_have_text(["Nos horaires des fêtes"])
    page.screenshot(path="docs/screenshots/news-page.png", full_page=True)

    page.goto(live_server.url + reverse("admin:campaigns_campaign_change", args=[notice.pk]))
    with page.expect_navigation():
        page.click("#outage-resolve-button")
    expect(page.locator("#outage-resolved")).to_be_visible()
    page.goto(f"{live_server.url}/nouvelles/")
    expect(page.locator("article.notice")).to_have_count(0)
    expect(page.locator("#news-list h3").first).to_have_text(
        "Important : comment nous joindre en ce moment"
    )

    feed = ET.fromstring(page.request.get(f"{live_server.url}/nouvelles/feed/").body())
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed.iter(
        "{http://www.w3.org/2005/Atom}entry")]  # fmt: skip
    assert titles == ["Important : comment nous joindre en ce moment", "Nos horaires des fêtes"]
