"""CSRF: every URL refuses a POST without a token, but for the three that must take one.

The walk covers every pattern of the resolver (the admin and its custom views too), with
arguments made from seeded objects and tokens; a pattern the walker cannot fill fails
the test, so a new URL is covered the day it is added. The owner is logged in: a forged
request rides on her session.
"""

import logging
import re

import pytest
from django.test import Client

from contacts.models import Contact
from tests.faults import pages

pytestmark = pytest.mark.django_db

# The only views that take a POST without Django's CSRF check, and why.
EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail programs POST with no cookie or token.
    r"desinscription/<str:token>/": "campaigns.views.unsubscribe",
    # The public sign-up form, embeddable in the business's own site (audience/views.py).
    r"inscription/": "audience.views.signup",
    # The ESPs' tracking webhooks, authenticated by basic auth and signatures.
    r"webhooks/\w+/tracking/": "campaigns.webhooks.view",
}


def _exempt_family(route: str) -> str | None:
    return next((family for family in EXEMPT if re.fullmatch(family, route)), None)


def _view_name(callback) -> str:
    return f"{callback.__module__}.{getattr(callback, '__name__', type(callback).__name__)}"


def _csrf_refusals(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "django.security.csrf"]


@pytest.fixture
def walked(alice):
    seeded = pages.seed(owner=alice)
    yield pages.every_url(seeded)
    pages.discard(seeded)


def test_the_walk_reaches_every_kind_of_url(walked):
    routes = [route for route, _pattern, _url in walked]
    assert len(routes) > 100  # the admin's models, its custom views, the public pages
    for expected in ("admin/", "admin/contacts/contact/<path:object_id>/change/",
                     "admin/campaigns/campaign/<int:pk>/act/<str:action>/",
                     "admin/reglages/connexion-en-deux-etapes/", "i18n/setlang/",
                     "inscription/confirmer/<str:token>/", "nouvelles/feed/"):  # fmt: skip
        assert expected in routes


def test_only_the_three_families_are_csrf_exempt(walked):
    exempt = {route: _view_name(p.callback) for route, p, _url in walked
              if getattr(p.callback, "csrf_exempt", False)}  # fmt: skip
    for route, view in exempt.items():
        family = _exempt_family(route)
        assert family is not None, f"{route} ({view}) is csrf_exempt and not in EXEMPT"
        assert view == EXEMPT[family], (route, view)
    assert {_exempt_family(route) for route in exempt} == set(EXEMPT)


def test_every_other_post_without_a_token_is_refused_as_forged(walked, alice, caplog):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    checked = 0
    for route, _pattern, url in walked:
        if _exempt_family(route):
            continue
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
            response = client.post(url, {"action": "send", "address": "x@exemple.fr"})
        assert response.status_code == 403, (route, url, response.status_code)
        assert _csrf_refusals(caplog), f"{url}: 403, but not for a missing CSRF token"
        checked += 1
    assert checked == len(walked) - sum(1 for r, _p, _u in walked if _exempt_family(r))
    assert checked > 100


def test_the_same_posts_with_a_token_get_past_the_check(walked, alice, caplog):
    """The refusals above are the CSRF check's: with the token, none is a CSRF refusal."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get("/admin/")
    token = client.cookies["csrftoken"].value
    for route, _pattern, url in walked:
        if _exempt_family(route) or "logout" in route:
            continue
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
            client.post(url, {"csrfmiddlewaretoken": token})
        assert not _csrf_refusals(caplog), url


def test_the_exempt_views_take_a_post_without_a_token(walked, caplog, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "carnet:secret"}
    # An ESP not configured answers 500 here: what matters is that no CSRF check refused it.
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    for route, _pattern, url in walked:
        if not _exempt_family(route):
            continue
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
            response = client.post(url, {"List-Unsubscribe": "One-Click"})
        assert not _csrf_refusals(caplog), url
        assert response.status_code != 403 or route.startswith("webhooks/"), url
    contact = Contact.objects.get(email="elodie@exemple.fr")
    assert contact.email_status == "unsubscribed"  # the one-click POST did its work
