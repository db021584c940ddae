"""The re-permission email, end to end: flagged, asked over SMTP, confirmed in one click.

Real processes: a Celery worker and beat, an SMTP server on loopback, the web app
answering the confirmation link."""

import re
import urllib.parse

import pytest
from django.test import Client
from django.urls import reverse

from campaigns import services
from campaigns.models import Campaign
from contacts import retention

# The campaigns' fixtures, imported: pytest finds them by name in this module.
from tests.campaigns.conftest import processes, smtp, wait_for  # noqa: F401
from tests.contacts.factories import make_contact
from tests.contacts.test_retention import _quiet

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_quiet_prospect_asked_by_email_confirms_and_stays(
    processes,  # noqa: F811
    smtp,  # noqa: F811
    live_server,
    alice,
):
    paul = _quiet(email_status="subscribed", consent_basis="b2b")
    make_contact(first_name="Inès", email="ines@exemple.fr", email_status="subscribed",
                 consent_basis="consent")  # fmt: skip  # mailable, but not quiet
    retention.run()
    owner = Client()
    owner.force_login(alice)
    owner.post(reverse("admin:contacts_contact_retention"))
    campaign = Campaign.objects.get()
    services.schedule(campaign)
    processes("worker")
    processes("beat")
    wait_for(lambda: Campaign.objects.get(pk=campaign.pk).status == "sent", 60, "the email")
    assert [m.recipients for m in smtp.messages] == [[paul.email]]  # the flagged only
    html = smtp.messages[0].message.get_body(("html",)).get_content()
    link = re.search(r'href="([^"]*/inscription/confirmer/[^"]+)"', html).group(1)
    path = urllib.parse.urlsplit(link.replace("&amp;", "&")).path
    visitor = Client(HTTP_USER_AGENT="Firefox/140.0")
    assert visitor.get(path).status_code == 200
    paul.refresh_from_db()
    assert paul.retention_flagged_at is not None  # a mail scanner's GET confirms nobody
    visitor.post(path)
    paul.refresh_from_db()
    assert paul.retention_flagged_at is None
    assert (paul.email_status, paul.consent_basis) == ("subscribed", "consent")
    assert "Firefox/140.0" in paul.consent_events.get(how="confirmation").detail
