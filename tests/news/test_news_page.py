"""The public news page and its Atom feed: the current notice first, then the public news."""

import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from news import outage
from tests.campaigns.conftest import make_campaign

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def news(db):
    """A public campaign sent, a private one sent, a public draft."""
    return {
        "public": make_campaign(name="Galette", subject="{{ first_name }}, la galette est là",
                                html_body='<p>Bonjour {{ first_name }}, la galette est là.</p>'
                                '<script>alert(1)</script><p style="color:red">Au levain.</p>'
                                '<p><a href="{{ unsubscribe_url }}">Se désinscrire</a></p>',
                                public=True, status="sent", finished_at=timezone.now()),
        "private": make_campaign(name="Privée", subject="Réservé aux clients", status="sent"),
        "draft": make_campaign(name="Brouillon", subject="Pas encore", public=True),
    }  # fmt: skip


def test_it_shows_the_public_campaigns_sent_for_nobody_in_particular(client, news, business):
    response = client.get("/nouvelles/")
    page = response.content.decode()
    assert response["Content-Language"] == "fr"
    assert '<h1 id="news-business">Boulangerie Lefèvre</h1>' in page
    assert "<h3>la galette est là</h3>" in page
    assert "<p>Bonjour, la galette est là.</p>" in page
    assert "<p>Au levain.</p>" in page  # the style gone with the script
    assert "alert(1)" not in page and "désinscri" not in page.lower()
    assert "Réservé aux clients" not in page and "Pas encore" not in page
    assert "script-src" not in response["Content-Security-Policy"]  # none at all
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_the_current_notice_heads_the_page_until_resolved(client, audience, business):
    notice = Campaign.objects.get(pk=outage.send("fr").pk)
    page = client.get("/nouvelles/").content.decode()
    top = page.split('id="news-list"')[0]
    assert f'<article class="notice" id="n{notice.pk}">' in top
    assert "Important : comment nous joindre en ce moment" in top
    assert "Bonjour à vous," in top  # the merge field's own default, for nobody
    outage.resolve(notice)
    Campaign.objects.filter(pk=notice.pk).update(status="sent", finished_at=timezone.now())
    page = client.get("/nouvelles/").content.decode()
    top, rest = page.split('id="news-list"')
    assert 'class="notice"' not in top
    assert "Important : comment nous joindre en ce moment" in rest


def test_the_page_speaks_english_when_asked(client, news, business):
    response = client.get("/nouvelles/", {"lang": "en"})
    page = response.content.decode()
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in page and "Latest news" in page
    assert 'href="/nouvelles/feed/?lang=en"' in page


def test_the_brand_colour_comes_as_a_stylesheet(client, business):
    response = client.get("/nouvelles/couleurs.css")
    assert response["Content-Type"] == "text/css"
    assert response.content.decode() == ":root { --brand: #2f6f8f; }\n"


def test_the_feed_is_atom_with_the_notice_first(client, news, audience, business):
    notice = outage.send("fr")
    response = client.get("/nouvelles/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "Boulangerie Lefèvre : nouvelles"
    entries = feed.findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert titles == ["Important : comment nous joindre en ce moment", "la galette est là"]
    assert entries[0].find(f"{ATOM}link").get("href").endswith(f"/nouvelles/#n{notice.pk}")
    assert "Bonjour, la galette est là." in entries[1].findtext(f"{ATOM}summary")


def test_each_language_is_offered_in_its_own_words(client, business):
    page = client.get("/nouvelles/").content.decode()
    assert 'hreflang="en">English</a>' in page and "Anglais" not in page
    page = client.get("/nouvelles/?lang=en").content.decode()
    assert 'hreflang="fr">Français</a>' in page
