"""A refusal is told in the user's language, on a page the strict policy lets show.

Marketing opening the outage notice (the right to send is the owner's) and a form whose
CSRF token failed both saw Django's bare English "403 Forbidden".
"""

import base64
import hashlib
import re

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse

from crm import errors, roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def mathis(db) -> Client:
    user = User.objects.create_user("mathis", "mathis@exemple.fr")
    roles.set_role(user, roles.MARKETER)  # no right to send
    client = Client()
    client.force_login(user)
    return client


def assert_refusal_page(response, *words: str) -> str:
    """The 403 page: its words, no English of Django's, and only the style its policy allows."""
    assert response.status_code == 403
    page = response.content.decode()
    for word in words:
        assert word in page, word
    assert "Forbidden" not in page and "CSRF" not in page
    policy = response["Content-Security-Policy"]
    assert policy == errors.POLICY and "unsafe-inline" not in policy and "<script" not in page
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy
    return page


def test_marketing_refused_a_page_reads_why_in_french(mathis):
    outage = reverse("admin:outage_notice")
    assert_refusal_page(
        mathis.get(outage),
        '<html lang="fr">',
        "Accès refusé",
        "Votre compte ne peut pas ouvrir cette page",
        f'<a href="{reverse("admin:index")}">Retour à l’accueil</a>',
    )
    assert_refusal_page(mathis.post(outage, {"language": "fr"}), "Accès refusé")


def test_a_user_who_chose_english_reads_it_in_english(mathis):
    mathis.cookies["django_language"] = "en"
    assert_refusal_page(
        mathis.get(reverse("admin:outage_notice")),
        '<html lang="en">',
        "Access refused",
        "Your account may not open this page",
    )


def test_a_visitor_refused_gets_the_page_without_the_admins_link():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    page = assert_refusal_page(
        errors.permission_denied(request, PermissionDenied()), "Accès refusé"
    )
    assert "/admin/" not in page


def test_a_form_refused_for_its_csrf_token_says_to_send_it_again(caplog):
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.post(reverse("set_language"), {"language": "fr", "next": "/"})
    page = assert_refusal_page(
        response, "Accès refusé", "Ce formulaire n’a pas pu être envoyé", "Ouvrez la page"
    )
    assert "/admin/" not in page
    # Django still notes the reason in the log, for whoever looks after the server.
    assert any("CSRF" in record.getMessage() for record in caplog.records)
