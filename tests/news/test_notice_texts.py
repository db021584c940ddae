"""The outage notice's texts: there from the start, naming the business's own channels."""

import pytest
from django.core.exceptions import ValidationError

from news import outage
from news.models import NoticeTemplate


def test_the_texts_are_there_from_the_start_in_french_and_english(db):
    assert NoticeTemplate.load("fr").subject == "Important : comment nous joindre en ce moment"
    assert NoticeTemplate.load("en").subject == "Important: how to reach us right now"
    assert NoticeTemplate.objects.count() == 2
    assert NoticeTemplate.load("fr").pk == NoticeTemplate.objects.get(language="fr").pk


def test_the_notice_names_the_channels_the_business_has_set(business, settings):
    settings.SITE_URL = "https://carnet.boulangerie-lefevre.fr"
    body = outage.compose("fr").html_body
    assert '<li>Par téléphone : <a href="tel:+33381123456">03 81 12 34 56</a></li>' in body
    assert '<a href="https://boulangerie-lefevre.fr">' in body
    assert '<li>Sur Telegram : <a href="https://t.me/boulangerie_lefevre">' in body
    assert "Signal" not in body and "WhatsApp" not in body  # not set
    assert '<a href="https://carnet.boulangerie-lefevre.fr/nouvelles/">' in body
    assert body.rstrip().endswith("<br>Boulangerie Lefèvre</p>")


def test_the_english_notice_speaks_english_and_links_the_english_page(business):
    business.whatsapp_url = "https://wa.me/33612345678"
    business.save()
    campaign = outage.compose("en")
    assert campaign.subject == "Important: how to reach us right now"
    assert '<li>On WhatsApp: <a href="https://wa.me/33612345678">' in campaign.html_body
    assert "/nouvelles/?lang=en" in campaign.html_body
    message = outage.preview(campaign)  # the layout and its footer speak English too
    assert ">Unsubscribe</a>" in message.html and "désinscri" not in message.html.lower()
    french = outage.preview(outage.compose("fr"))
    assert ">Se désinscrire</a>" in french.html


def test_without_any_channel_it_asks_to_reply(db):
    body = outage.compose("fr").html_body
    assert "<ul><li>En répondant à ce message.</li></ul>" in body


def test_the_preview_greets_an_example_client_by_name(business):
    message = outage.preview(outage.compose("fr"))
    assert "Bonjour Marie," in message.html
    assert "Boulangerie Lefèvre" in message.text


def test_a_text_naming_an_unknown_field_is_refused(db):
    text = NoticeTemplate.load("fr")
    text.html_body = "<p>{{ channels }} {{ secret_key }}</p>"
    with pytest.raises(ValidationError) as refusal:
        text.full_clean()
    assert "« {{ secret_key }} » n’est pas un champ de fusion" in str(refusal.value)
