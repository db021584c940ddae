"""The sign-up form's POST: what a person's records and queues, what a bot's does not."""

import io
import time

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image

from audience import share, signups
from audience.forms import Stamp, read_stamp
from audience.models import Signup, SignupPage
from contacts.models import Contact
from tests.audience.conftest import PERSON, post_signup, shown_stamp
from tests.contacts.factories import make_contact

pytestmark = pytest.mark.django_db
THANKS = "/inscription/merci/?lang=fr"


def test_it_shows_the_form_with_the_fields_a_website_posts(client, business):
    response = client.get("/inscription/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    html = response.content.decode()
    for name in ("email", "first_name", "last_name", "phone", "consent", "website", "stamp"):
        assert f'name="{name}"' in html
    assert "Boulangerie Lefèvre" in html
    assert SignupPage.load().consent_fr in html
    assert "Je m’inscris" in html and response["Content-Language"] == "fr"


def test_it_follows_the_visitors_language_and_the_switch(client, business):
    english = client.get("/inscription/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert "Sign me up" in english.content.decode()
    assert SignupPage.load().intro_en in english.content.decode()
    assert 'href="/inscription/?lang=fr"' in english.content.decode()
    french = client.get("/inscription/?lang=fr", HTTP_ACCEPT_LANGUAGE="en-GB")
    assert "Je m’inscris" in french.content.decode()


def test_it_records_a_person_and_queues_one_email(
    client, business, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = post_signup(client)
    assert response.status_code == 302 and response["Location"] == THANKS
    signup = Signup.objects.get()
    assert (signup.email, signup.first_name, signup.phone) == (PERSON["email"], "Léa",
                                                               "+33612345678")  # fmt: skip
    assert signup.form_version == 1 and signup.consent_text == SignupPage.load().consent_fr
    assert (signup.signup_ip, signup.language) == ("203.0.113.7", "fr")
    assert signup.signup_user_agent == "Mozilla/5.0 (Android 14; Mobile)"
    assert signup.confirmed_at is None and len(queued) == 1
    assert not Contact.objects.exists()  # a contact only once confirmed


# What each bot sends; made when the test runs, as the stamp's age counts from then.
BOTS = {
    "honeypot": lambda: {"website": "http://cheap-pills.example"},
    "too-fast": lambda: {"stamp": shown_stamp(seconds_ago=1)},  # a second after the page
    "no-stamp": lambda: {"stamp": ""},  # neither Carnet's page nor the snippet
    "forged-stamp": lambda: {"stamp": "forged:stamp"},
    "day-old-stamp": lambda: {"stamp": shown_stamp(seconds_ago=86400 + 60)},  # fetched once
}


@pytest.mark.parametrize("bot", BOTS)
def test_a_bots_post_creates_nothing_and_sends_nothing(
    client, business, bot, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = post_signup(client, **BOTS[bot]())
    assert response.status_code == 302 and response["Location"] == THANKS  # as for a person
    assert not Signup.objects.exists() and not Contact.objects.exists() and queued == []


def test_an_invalid_form_is_shown_again_with_its_errors(client, business):
    response = post_signup(client, consent=None, email="pas-une-adresse")
    html = response.content.decode()
    assert response.status_code == 200 and not Signup.objects.exists()
    assert "Cochez la case" in html and "Saisissez une adresse de courriel valide" in html
    # Corrected and sent again at once: the stamp kept the time the page was first shown.
    assert "Cochez la case" in post_signup(client, consent=None, stamp="").content.decode()
    stamp = html.split('name="stamp" value="')[1].split('"')[0]
    post_signup(client, stamp=stamp)
    assert Signup.objects.count() == 1


def test_an_already_subscribed_address_gets_nothing(
    client, business, django_capture_on_commit_callbacks
):
    make_contact(email="Lea.Martin@exemple.fr", email_status="subscribed",
                 consent_basis="customer")  # fmt: skip
    with django_capture_on_commit_callbacks() as queued:
        response = post_signup(client)
    assert response.status_code == 302 and response["Location"] == THANKS  # nothing said
    assert not Signup.objects.exists() and queued == []


def test_the_rate_limits_per_ip_and_per_address(client, business):
    for n in range(10):
        post_signup(client, email=f"voisin{n}@exemple.fr", ip="198.51.100.1")
    response = post_signup(client, email="onzieme@exemple.fr", ip="198.51.100.1")
    assert response["Location"] == THANKS
    assert Signup.objects.count() == 10  # the eleventh from one IP within the hour: nothing
    for n in range(4):
        post_signup(client, email="cible@exemple.fr", ip=f"192.0.2.{n}")
    assert Signup.objects.filter(email="cible@exemple.fr").count() == 3  # not a fourth email


def test_the_limits_hold_for_their_whole_window(monkeypatch, db):
    """Ten minutes after a fourth try for one address, still refused (the file cache's
    incr() once shortened the day to five minutes)."""
    day = time.time() // 86400 * 86400
    monkeypatch.setattr(time, "time", lambda: day + 3600)
    assert [signups.within_limits(None, "cible@exemple.fr") for _ in range(4)] == [
        True, True, True, False,
    ]  # fmt: skip
    monkeypatch.setattr(time, "time", lambda: day + 3600 + 600)
    assert not signups.within_limits(None, "cible@exemple.fr")
    monkeypatch.setattr(time, "time", lambda: day + 86400 + 60)  # the next day
    assert signups.within_limits(None, "cible@exemple.fr")


def test_behind_a_trusted_proxy_the_visitors_address_is_counted_and_proved(
    client, business, settings
):
    settings.TRUSTED_PROXY_COUNT = 1  # nginx in front: every request comes from 127.0.0.1
    for n in range(3):
        post_signup(client, email=f"voisin{n}@exemple.fr", ip="127.0.0.1",
                    forwarded_for=f"203.0.113.{n}")  # fmt: skip
    assert sorted(Signup.objects.values_list("signup_ip", flat=True)) == [
        "203.0.113.0", "203.0.113.1", "203.0.113.2",
    ]  # fmt: skip


def test_the_embedded_snippet_posts_without_cookie_or_time(business):
    snippet = share.snippet("fr")
    stamp = snippet.split('name="stamp" value="')[1].split('"')[0]
    # Another website's page: no CSRF cookie or token, sent as fast as a program would.
    client = Client(enforce_csrf_checks=True)
    response = client.post("/inscription/?lang=fr", {**PERSON, "stamp": stamp},
                           HTTP_ORIGIN="https://boulangerie-lefevre.fr")  # fmt: skip
    assert response.status_code == 302 and Signup.objects.count() == 1


def test_the_version_stored_is_the_one_shown(client, business):
    page = SignupPage.load()
    shown_v1 = page.consent_fr
    page.intro_fr = "Nos nouvelles, une fois par mois."
    page.save()
    assert page.version == 1  # the intro is not the consent: same version
    page.consent_fr = "J’accepte de recevoir la lettre mensuelle de la boulangerie."
    page.save()
    assert SignupPage.load().version == 2
    post_signup(client, stamp=shown_stamp(version=1))  # a page opened before the change
    post_signup(client, stamp=shown_stamp(version=2), email="paul@exemple.fr")
    old, new = Signup.objects.order_by("pk")
    assert (old.form_version, old.consent_text) == (1, shown_v1)
    assert (new.form_version, new.consent_text) == (2, page.consent_fr)
    page.consent_en = "I want the monthly letter."
    page.save()
    assert SignupPage.load().version == 3


def test_a_stamp_carries_what_was_shown():
    assert read_stamp(Stamp(4, "en", None).sign()) == Stamp(4, "en", None)
    assert read_stamp(Stamp(4, "de", None).sign()) is None
    assert not Stamp(1, "fr", None).too_fast()


def test_the_page_shows_the_business_logo(client, business):
    image = io.BytesIO()
    Image.new("RGB", (300, 80), "#8a4b2a").save(image, "PNG")
    business.logo.save("logo.png", ContentFile(image.getvalue()))
    html = client.get("/inscription/").content.decode()
    src = html.split('class="logo"')[0].rsplit('<img src="', 1)[1].split('"')[0]
    assert src.startswith("/marque/logo/?v=logo")
    assert client.get(src)["Content-Type"] == "image/png"
