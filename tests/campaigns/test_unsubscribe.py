"""The unsubscribe link: a French page on GET, RFC 8058 one-click on POST."""

import pytest
from django.test import Client

from campaigns.models import Delivery
from campaigns.unsubscribe import make_token, unsubscribe_url
from contacts import consent
from contacts.choices import ConsentMethod
from contacts.models import ConsentChange, ConsentEvent
from tests.campaigns.conftest import make_campaign


@pytest.fixture
def link(audience):
    campaign = make_campaign()
    elodie = audience["elodie"]
    Delivery.objects.create(campaign=campaign, contact=elodie, email=elodie.email, status="sent")
    path = unsubscribe_url(elodie.pk, campaign.pk).removeprefix("http://127.0.0.1:8000")
    return path, elodie, campaign


def one_click(path):
    # A mail program: no cookie, no CSRF token, no login.
    client = Client(enforce_csrf_checks=True)
    return client.post(path, "List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded")  # fmt: skip


def test_get_shows_a_french_confirmation_and_changes_nothing(link):
    path, elodie, _campaign = link
    response = Client().get(path)
    assert response.status_code == 200
    assert (
        "Voulez-vous ne plus recevoir les e-mails de Boulangerie Lefèvre à l’adresse "
        "elodie@exemple.fr ?" in response.content.decode()
    )
    elodie.refresh_from_db()
    assert elodie.email_status == "subscribed"


def test_one_click_post_unsubscribes_at_once_and_records_it(link):
    path, elodie, campaign = link
    response = one_click(path)
    assert response.status_code == 200
    assert "Boulangerie Lefèvre ne vous enverra plus ses e-mails" in response.content.decode()
    elodie.refresh_from_db()
    assert elodie.email_status == "unsubscribed"
    event = ConsentEvent.objects.get(contact=elodie, to_status="unsubscribed")
    assert (event.how, event.from_status, event.ip) == ("unsubscribe", "subscribed", "127.0.0.1")
    assert "Soldes d’hiver" in event.detail
    assert Delivery.objects.get(campaign=campaign).unsubscribed_at is not None


def test_it_is_idempotent(link):
    path, elodie, _campaign = link
    assert one_click(path).status_code == 200
    assert one_click(path).status_code == 200
    assert ConsentEvent.objects.filter(contact=elodie, to_status="unsubscribed").count() == 1
    assert (
        "ne reçoit plus les e-mails de Boulangerie Lefèvre" in Client().get(path).content.decode()
    )


def test_it_never_lightens_a_bounce(link):
    path, elodie, _campaign = link
    consent.change(elodie, status="bounced", how=ConsentChange(how=ConsentMethod.BOUNCE))
    assert one_click(path).status_code == 200
    elodie.refresh_from_db()
    assert elodie.email_status == "bounced"


def test_a_tampered_or_forged_token_is_refused(link, audience):
    path, elodie, campaign = link
    token = make_token(elodie.pk, campaign.pk)
    forged = make_token(audience["marc"].pk, campaign.pk).split(":")[0] + ":" + token.split(":")[1]
    for bad in (path[:-3] + "x/", f"/desinscription/{forged}/", "/desinscription/abc/"):
        assert one_click(bad).status_code == 404
        page = Client().get(bad)
        assert page.status_code == 404
        assert "Lien non reconnu" in page.content.decode()
    audience["marc"].refresh_from_db()
    assert audience["marc"].email_status == "subscribed"


def test_the_link_of_a_test_message_unsubscribes_nobody(link):
    _path, _elodie, campaign = link
    path = unsubscribe_url(0, campaign.pk).removeprefix("http://127.0.0.1:8000")
    assert "Ici, il ne désinscrit personne." in Client().get(path).content.decode()
    assert one_click(path).status_code == 200
    assert not ConsentEvent.objects.filter(how="unsubscribe").exists()


def test_the_page_speaks_the_contact_language(link):
    path, elodie, _campaign = link
    elodie.language = "en"
    elodie.save()
    assert "Do you want to stop receiving the emails of" in Client().get(path).content.decode()
