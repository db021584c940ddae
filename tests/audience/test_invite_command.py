"""`manage.py invite_no_consent`, run as a user would, with a real worker and SMTP server."""

import re
import urllib.parse
import urllib.request

import pytest
from django.db import connection

from campaigns.models import Campaign, Delivery
from contacts.models import Contact
from tests.audience import test_invitation_page as page_tests
from tests.campaigns import conftest as campaign_fixtures
from tests.helpers import database_url, manage

# Paul and Léa to invite, three others not to; the SMTP server on loopback and the Celery
# processes of the campaign tests.
prospects = page_tests.prospects
smtp = campaign_fixtures.smtp
processes = campaign_fixtures.processes
wait_for = campaign_fixtures.wait_for

pytestmark = pytest.mark.django_db(transaction=True)
NO_CONSENT = {"paul@exemple.fr", "lea@exemple.fr"}


def invite(*args: str, **env: str):
    return manage("invite_no_consent", *args,
                  DATABASE_URL=database_url(connection.settings_dict), **env)  # fmt: skip


def test_a_dry_run_counts_and_sends_nothing(prospects):
    result = invite("--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "invited=2"
    assert not Campaign.objects.exists()
    assert not Delivery.objects.exists()


@pytest.mark.slow
def test_it_invites_each_no_consent_contact_once_with_a_working_link(
    prospects, processes, smtp, live_server
):
    processes("worker")
    result = invite(SITE_URL=live_server.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "invited=2"
    wait_for(lambda: len(smtp.messages) == 2, 30, "both invitations")
    assert {r for m in smtp.messages for r in m.recipients} == NO_CONSENT
    message = smtp.to("paul@exemple.fr")[0].message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.get_body(("html",)).get_content()
    link = re.search(r'href="(http[^"]+/inscription/confirmer/[^"]+)"', html).group(1)
    assert link.startswith(live_server.url)

    assert _click(link) == 200
    statuses = dict(
        Contact.objects.filter(email__in=NO_CONSENT).values_list("email", "email_status")
    )
    assert statuses == {"paul@exemple.fr": "subscribed", "lea@exemple.fr": "no_consent"}

    again = invite(SITE_URL=live_server.url)
    assert again.stdout.strip() == "invited=0"
    assert Campaign.objects.filter(kind="invitation").count() == 1
    assert len(smtp.messages) == 2


def _click(link: str) -> int:
    """Open the link, press "Je confirme" (a POST with the page's CSRF token); return the
    answer's status."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    with browser.open(link, timeout=10) as page:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1)}).encode()
    with browser.open(urllib.request.Request(link, data=data), timeout=10) as answer:
        return answer.status
