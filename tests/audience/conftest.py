"""Audience fixtures: a business, a clean cache (rate limits), and a visitor's POST."""

import time

import pytest
from django.core.cache import cache

from audience.forms import Stamp
from tests.campaigns.conftest import processes, smtp  # noqa: F401 (fixtures used here too)
from tests.helpers import business_filled_in, save_business  # noqa: F401 (autouse)

PERSON = {"email": "lea.martin@exemple.fr", "first_name": "Léa", "last_name": "Martin",
          "phone": "06 12 34 56 78", "consent": "on"}  # fmt: skip


@pytest.fixture(autouse=True)
def fresh_limits():
    """Rate-limit counters live in the cache, which outlives a test: start each from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def business(db):
    return save_business(brand_colour="#8a4b2a")


def shown_stamp(version: int = 1, language: str = "fr", seconds_ago: float = 30) -> str:
    """Return the stamp of Carnet's form as a page shown `seconds_ago` carries it."""
    return Stamp(version, language, time.time() - seconds_ago).sign()


def post_signup(client, stamp: str | None = None, ip: str = "203.0.113.7",
                forwarded_for: str | None = None, **fields):  # fmt: skip
    """POST the sign-up form as a person who took their time, unless told otherwise
    (`forwarded_for`: the X-Forwarded-For a proxy in front of Carnet adds)."""
    data = {**PERSON, "stamp": shown_stamp() if stamp is None else stamp, **fields}
    data = {name: value for name, value in data.items() if value is not None}
    proxy = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return client.post("/inscription/?lang=fr", data, REMOTE_ADDR=ip,
                       HTTP_USER_AGENT="Mozilla/5.0 (Android 14; Mobile)", **proxy)  # fmt: skip
