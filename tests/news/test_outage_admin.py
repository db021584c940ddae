"""The notice from the admin, through Django's test client: confirm, send, resolve."""

import html

import pytest
from django.urls import reverse

from campaigns.models import Campaign
from news.models import NoticeTemplate
from tests.campaigns.conftest import make_campaign
from tests.conftest import PASSWORD

CONFIRM = "/admin/news/noticetemplate/prevenir/"


@pytest.fixture
def owner(client, alice):
    client.login(username="alice", password=PASSWORD)
    return client


def test_the_button_s_page_is_named_for_the_dashboard():
    assert reverse("admin:outage_notice") == CONFIRM


def test_the_confirmation_shows_whom_and_what_and_changes_nothing(owner, audience, business):
    page = owner.get(CONFIRM).content.decode()
    assert "<strong>3</strong> clients le recevront." in page
    assert 'id="outage-subject">Important : comment nous joindre en ce moment<' in page
    tag = page.split('id="outage-preview"')[1].split(">")[0]
    assert 'sandbox=""' in tag  # the message is shown at its own address, in a sandbox
    frame = owner.get(html.unescape(tag.split('src="')[1].split('"')[0])).content.decode()
    assert "Bonjour Marie," in frame
    assert not Campaign.objects.exists()


def test_the_english_text_is_one_click_away(owner, audience, business):
    page = owner.get(CONFIRM, {"language": "en"}).content.decode()
    assert "Important: how to reach us right now" in page
    assert '<input type="hidden" name="language" value="en">' in page


def test_send_now_starts_it_and_shows_its_progress(owner, audience, business):
    response = owner.post(CONFIRM, {"language": "fr"})
    notice = Campaign.objects.get()
    assert response.url == reverse("admin:campaigns_campaign_change", args=[notice.pk])
    assert (notice.kind, notice.status, notice.deliveries.count()) == ("outage", "sending", 3)
    assert notice.created_by.username == "alice"
    page = owner.get(response.url).content.decode()
    assert 'data-watch="yes"' in page and 'id="campaign-progress"' in page
    assert 'id="outage-resolve-button"' in page


def test_a_double_click_sends_one_notice(owner, audience, business):
    owner.post(CONFIRM, {"language": "fr"})
    page = owner.post(CONFIRM, {"language": "fr"}, follow=True).content.decode()
    assert "Un avis est déjà en cours d’envoi" in page
    assert Campaign.objects.count() == 1
    assert 'id="outage-send" disabled' in page


def test_nobody_to_warn_disables_the_button(owner, db):
    page = owner.get(CONFIRM).content.decode()
    assert "<strong>0</strong> client le recevra." in page
    assert 'id="outage-send" disabled' in page


def test_resolved_takes_a_post_and_closes_the_notice_once(owner, audience, business):
    owner.post(CONFIRM, {"language": "fr"})
    notice = Campaign.objects.get()
    url = reverse("admin:outage_resolve", args=[notice.pk])
    assert owner.get(url).status_code == 405
    owner.post(url)
    notice.refresh_from_db()
    first = notice.resolved_at
    assert first is not None
    owner.post(url)
    notice.refresh_from_db()
    assert notice.resolved_at == first
    page = owner.get(reverse("admin:campaigns_campaign_change", args=[notice.pk])).content
    assert b'id="outage-resolved"' in page and b"outage-resolve-button" not in page


def test_a_regular_campaign_cannot_be_resolved(owner, db):
    campaign = make_campaign()
    assert owner.post(reverse("admin:outage_resolve", args=[campaign.pk])).status_code == 404


def test_a_teammate_who_may_only_read_contacts_cannot_send_it(client, bob, audience):
    client.login(username="bob", password=PASSWORD)
    assert client.post(CONFIRM, {"language": "fr"}).status_code == 403
    assert not Campaign.objects.exists()


def test_a_sent_campaign_can_be_put_on_the_news_page(owner, db):
    campaign = make_campaign(status="sent")
    change = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    assert b'id="publish-button"' in owner.get(change).content
    owner.post(reverse("admin:campaigns_campaign_act", args=[campaign.pk, "publish"]))
    campaign.refresh_from_db()
    assert campaign.public
    owner.post(reverse("admin:campaigns_campaign_act", args=[campaign.pk, "unpublish"]))
    campaign.refresh_from_db()
    assert not campaign.public


def test_a_draft_has_the_news_page_checkbox(owner, db):
    page = owner.get(reverse("admin:campaigns_campaign_add")).content.decode()
    assert 'name="public"' in page


def test_the_business_page_has_the_other_channels(owner, business):
    page = owner.get(reverse("admin:campaigns_business_change", args=[1])).content.decode()
    assert "Vos autres canaux" in page
    for field in ("telegram_url", "signal_url", "whatsapp_url"):
        assert f'name="{field}"' in page


def test_the_texts_are_edited_in_the_admin(owner, db):
    page = owner.get(reverse("admin:news_noticetemplate_changelist")).content.decode()
    assert "Français" in page and "Anglais" in page
    french = NoticeTemplate.objects.get(language="fr")
    change = reverse("admin:news_noticetemplate_change", args=[french.pk])
    assert "Important : comment nous joindre en ce moment" in owner.get(change).content.decode()
    text = {"subject": "Panne : {{ first_name }}", "html_body": "<p>{{ channels }}</p>"}
    owner.post(change, text)
    assert NoticeTemplate.load("fr").subject == "Panne : {{ first_name }}"
