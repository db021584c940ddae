"""The campaign pages of the admin, through Django's test client."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign
from contacts.models import Tag
from tests.campaigns.conftest import make_campaign
from tests.conftest import PASSWORD
from tests.contacts.factories import make_contact


@pytest.fixture
def owner(client, alice):
    client.login(username="alice", password=PASSWORD)
    return client


def url(name, campaign, *args):
    return reverse(f"admin:campaigns_campaign_{name}", args=[campaign.pk, *args])


def test_the_preview_escapes_contact_data_everywhere_on_the_page(owner, db):
    make_contact(first_name="<script>alert(1)</script>", email="x@exemple.fr",
                 email_status="subscribed", consent_basis="customer")  # fmt: skip
    campaign = make_campaign(text_body="Bonjour {{ first_name }}")
    page = owner.get(url("preview", campaign)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the text version, escaped


def test_the_preview_renders_as_the_chosen_contact(owner, audience):
    campaign = make_campaign()
    page = owner.get(url("preview", campaign), {"contact": "MARC@exemple.fr"}).content.decode()
    assert "Marc, nos soldes commencent" in page


def test_status_moves_need_a_post_and_the_change_permission(client, bob, audience):
    campaign = make_campaign()
    services.schedule(campaign)
    client.login(username="bob", password=PASSWORD)
    bob.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    assert client.post(url("act", campaign, "pause")).status_code == 403
    assert client.get(url("progress", campaign)).json()["status"] == "scheduled"
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"


def test_the_owner_pauses_resumes_and_cancels(owner, audience):
    campaign = make_campaign()
    services.schedule(campaign)
    owner.get(url("act", campaign, "pause"))
    assert Campaign.objects.get().status == "scheduled"  # a GET changes nothing
    for action, status in (("pause", "paused"), ("resume", "scheduled"), ("cancel", "cancelled")):
        owner.post(url("act", campaign, action))
        assert Campaign.objects.get().status == status


def test_scheduling_reads_the_business_time_zone(owner, audience):
    campaign = make_campaign()
    owner.post(url("act", campaign, "schedule"), {"at": "2030-07-14T10:30"})
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"
    assert campaign.scheduled_at.isoformat() == "2030-07-14T08:30:00+00:00"  # Paris, summer


def test_a_sending_campaign_can_no_longer_be_edited(owner, audience):
    campaign = make_campaign()
    services.schedule(campaign)
    services.start(campaign)
    owner.post(url("change", campaign), {"name": "Autre", "subject": "x", "html_body": "y"})
    campaign.refresh_from_db()
    assert campaign.name == "Soldes d’hiver"


def test_progress_and_report_show_the_counters(owner, audience):
    campaign = make_campaign()
    services.schedule(campaign)
    services.start(campaign)
    progress = owner.get(url("progress", campaign)).json()
    assert (progress["status"], progress["total"], progress["pending"]) == ("sending", 3, 3)
    report = owner.get(url("report", campaign)).content.decode()
    assert "Rien n’est encore parti." in report


def test_a_date_in_the_past_is_refused(owner, audience):
    campaign = make_campaign()
    response = owner.post(
        url("act", campaign, "schedule"), {"at": "2020-01-01T10:00"}, follow=True
    )
    assert "Cette date est passée" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_a_campaign_nobody_may_receive_is_not_sent(owner, audience):
    campaign = make_campaign()
    campaign.tags.set([Tag.objects.create(name="Personne")])
    response = owner.post(url("act", campaign, "send_now"), follow=True)
    assert "Personne ne peut recevoir cette campagne" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_previewing_an_unknown_address_says_so(owner, audience):
    campaign = make_campaign()
    page = owner.get(url("preview", campaign), {"contact": "inconnu@exemple.fr"}).content
    assert "Aucun contact n’a l’adresse inconnu@exemple.fr" in page.decode()


def test_the_report_chart_shows_a_campaign_sent_in_one_minute(owner, audience):
    campaign = make_campaign()
    services.schedule(campaign)
    services.start(campaign)
    campaign.deliveries.update(status="sent", sent_at=timezone.now())
    report = owner.get(url("report", campaign)).content.decode()
    assert report.count("<circle") == 1
    assert "envoyés : 3" in report


def test_a_re_permission_email_names_its_fixed_audience_not_tags(owner, db):
    for name, flagged in (("Anne", True), ("Bruno", False)):
        make_contact(first_name=name, email=f"{name.lower()}@exemple.fr",
                     email_status="subscribed", consent_basis="consent",
                     retention_flagged_at=timezone.now() if flagged else None)  # fmt: skip
    campaign = make_campaign(kind="repermission", html_body='<a href="{{ confirm_url }}">Oui</a>')
    page = owner.get(url("change", campaign)).content.decode()
    fixed = page.split('id="audience-fixed"')[1].split("</p>")[0]
    assert ">1 " in fixed  # Anne only: Bruno may be emailed, but was not flagged
    assert 'name="tags"' not in page and 'id="audience-live"' not in page
    listing = owner.get(reverse("admin:campaigns_campaign_changelist")).content.decode()
    assert "Par publication sur la page de nouvelles" in listing
    regular = owner.get(url("change", make_campaign())).content.decode()
    assert 'id="audience-live"' in regular and 'name="tags"' in regular
