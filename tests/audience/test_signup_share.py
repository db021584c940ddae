"""Sharing the sign-up page: its QR code, and the Inscriptions page in the admin."""

import pytest
from django.test import Client

from audience.models import SignupPage
from tests.audience.conftest import post_signup
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_qr_code_as_png_and_svg(client, settings):
    settings.SITE_URL = "https://carnet.boulangerie-lefevre.fr"
    png = client.get("/inscription/qr.png")
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG\r\n")
    svg = client.get("/inscription/qr.svg?download=1")
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<svg")
    assert svg["Content-Disposition"] == 'attachment; filename="inscription-qr.svg"'
    settings.SITE_URL = "https://autre.exemple.fr"
    assert client.get("/inscription/qr.png").content != png.content  # it encodes the link


def test_the_inscriptions_page_shares_and_lists(client, alice, business, settings):
    settings.SITE_URL = "https://carnet.boulangerie-lefevre.fr"
    post_signup(client)
    client.force_login(alice)
    response = client.get("/admin/audience/signuppage/", follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/admin/audience/signuppage/1/change/"
    assert "<h1>Inscriptions</h1>" in html
    assert 'value="https://carnet.boulangerie-lefevre.fr/inscription/"' in html
    assert 'src="/inscription/qr.svg"' in html and 'href="/inscription/qr.png?download=1"' in html
    assert "action=&quot;https://carnet.boulangerie-lefevre.fr/inscription/?lang=fr&quot;" in html
    assert "lea.martin@exemple.fr" in html and "En attente de confirmation" in html


def test_the_owner_edits_the_wording(client, alice):
    client.force_login(alice)
    page = SignupPage.load()
    data = {"intro_fr": "Nos nouvelles.", "intro_en": page.intro_en,
            "consent_fr": "J’accepte la lettre.", "consent_en": page.consent_en}  # fmt: skip
    response = client.post("/admin/audience/signuppage/1/change/", data)
    assert response.status_code == 302
    page = SignupPage.load()
    assert (page.intro_fr, page.version) == ("Nos nouvelles.", 2)


def test_the_admin_keeps_its_csrf_protection(alice):
    client = Client(enforce_csrf_checks=True)
    client.login(username="alice", password=PASSWORD)
    response = client.post("/admin/audience/signuppage/1/change/", {"intro_fr": "Piraté"})
    assert response.status_code == 403
    assert SignupPage.load().intro_fr != "Piraté"
