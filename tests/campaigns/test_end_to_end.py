"""Real processes: a Celery worker and beat on the configured broker and database, sending
to an SMTP server on loopback, with the web app answering the unsubscribe links."""

import os
import signal
import urllib.request
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.choices import TERMINAL
from campaigns.models import Campaign, Delivery
from contacts.models import ConsentEvent, Contact
from tests.campaigns.conftest import MAILABLE, make_campaign, wait_for
from tests.contacts.factories import make_contact

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def finished(campaign: Campaign):
    return lambda: Campaign.objects.get(pk=campaign.pk).status == "sent"


def test_a_scheduled_campaign_reaches_exactly_the_mailable_audience(
    audience, processes, smtp, live_server
):
    campaign = make_campaign()
    services.schedule(campaign, timezone.now() + timedelta(seconds=2))
    processes("worker")
    processes("beat")
    wait_for(finished(campaign), 90, "the campaign to be sent")
    recipients = Counter(r for m in smtp.messages for r in m.recipients)
    assert recipients == Counter(MAILABLE)
    message = smtp.to("marc@exemple.fr")[0].message
    assert message["Subject"] == "Marc, nos soldes commencent"
    assert "Bonjour Marc de ," in message.get_body(("html",)).get_content()
    assert message["Message-ID"].endswith("@boulangerie-lefevre.fr>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message["List-Unsubscribe"].strip("<>")
    assert url.startswith(f"{live_server.url}/desinscription/")
    request = urllib.request.Request(url, data=b"List-Unsubscribe=One-Click", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    marc = Contact.objects.get(email="marc@exemple.fr")
    assert marc.email_status == "unsubscribed"
    assert ConsentEvent.objects.filter(contact=marc, how="unsubscribe").count() == 1


def test_a_worker_killed_mid_campaign_never_makes_anyone_receive_it_twice(
    db, processes, smtp, settings
):
    addresses = {f"client{i}@exemple.fr" for i in range(30)}
    for address in sorted(addresses):
        make_contact(first_name="Client", email=address, email_status="subscribed",
                     consent_basis="customer")  # fmt: skip
    smtp.delay_seconds = 0.15
    campaign = make_campaign()
    services.schedule(campaign)
    processes("beat")
    doomed = processes("worker")
    wait_for(lambda: len(smtp.messages) >= 6, 60, "the first messages")
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    at_kill = len(smtp.messages)
    processes("worker")
    wait_for(finished(campaign), 120, "the campaign to finish after the kill")

    received = Counter(r for m in smtp.messages for r in m.recipients)
    assert len(smtp.messages) > at_kill, "the new worker sent nothing"
    assert max(received.values()) == 1, "someone received the campaign twice"
    rows = dict(Delivery.objects.filter(campaign=campaign).values_list("email", "status"))
    assert set(rows.values()) <= TERMINAL
    unknown = {email for email, status in rows.items() if status == "unknown"}
    # In flight when the worker died: the group of rows it had handed over at once.
    assert len(unknown) <= settings.CAMPAIGN_HANDOVER_GROUP, "more unknown than in flight"
    sent = {email for email, status in rows.items() if status == "sent"}
    assert sent <= set(received)
    assert set(received) | unknown == addresses
