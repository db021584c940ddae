"""The contact list counts exactly, except a whole table of PostgreSQL, estimated and said so."""

import pytest
from django.db import connection
from django.urls import reverse

from contacts.admin import paging
from tests.contacts.factories import make_contact

LIST = reverse("admin:contacts_contact_changelist")


@pytest.fixture
def listed(client, alice, monkeypatch):
    """Five contacts, the estimate taken from one row on, the table's statistics fresh."""
    for i in range(5):
        make_contact(first_name=f"Client {i}", email=f"client{i}@exemple.fr")
    monkeypatch.setattr(paging, "ESTIMATE_FROM", 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE contacts_contact")
    client.force_login(alice)
    return client


def test_the_whole_list_is_estimated_on_postgresql_and_counted_elsewhere(listed):
    response = listed.get(LIST)
    paginator = response.context["cl"].paginator
    assert paginator.count == 5
    text = response.content.decode().replace("\u00a0", " ")
    if connection.vendor == "postgresql":
        assert paginator.estimated
        assert "Environ 5 contacts (estimation : le chiffre exact serait trop long" in text
    else:
        assert not paginator.estimated
        assert "5 contacts" in text and "Environ" not in text


def test_a_search_or_a_filter_is_counted_exactly(listed):
    for query in ("?q=client1", "?email_status__exact=no_consent"):
        response = listed.get(LIST + query)
        assert not response.context["cl"].paginator.estimated
    assert response.context["cl"].result_count == 5
