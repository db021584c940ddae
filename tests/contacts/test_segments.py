"""Segments: saved filters over contacts, and the admin's live count."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, Segment, Tag
from tests.conftest import PASSWORD
from tests.contacts.factories import make_contact


@pytest.fixture
def people(db):
    old = timezone.now() - timedelta(days=400)
    return {
        "a": make_contact(first_name="A", email="a@x.fr", tags=["Clients", "VIP"],
                          email_status="subscribed", consent_basis="customer",
                          sources=["linkedin"], company="Lefèvre", phone="+33612345678"),
        "b": make_contact(first_name="B", email="b@x.fr", tags=["Clients"],
                          sources=["google"], created_at=old),
        "c": make_contact(first_name="C", email="c@x.fr", tags=["Presse"],
                          email_status="unsubscribed"),
    }  # fmt: skip


def names(segment) -> set[str]:
    return set(segment.contacts().values_list("first_name", flat=True))


def tags(*names):
    return [Tag.objects.get(name=name) for name in names]


def test_tags_any_all_and_none(people):
    segment = Segment.objects.create(name="s")
    segment.tags_any.set(tags("VIP", "Presse"))
    assert names(segment) == {"A", "C"}
    segment.tags_any.clear()
    segment.tags_all.set(tags("Clients", "VIP"))
    assert names(segment) == {"A"}
    segment.tags_all.clear()
    segment.tags_none.set(tags("Clients"))
    assert names(segment) == {"C"}


def test_status_basis_source_company_phone_and_dates(people):
    assert names(Segment.objects.create(name="1", email_statuses=["unsubscribed"])) == {"C"}
    assert names(Segment.objects.create(name="2", consent_bases=["customer"])) == {"A"}
    assert names(Segment.objects.create(name="3", sources=["google", "linkedin"])) == {"A", "B"}
    assert names(Segment.objects.create(name="4", has_phone=True)) == {"A"}
    assert names(Segment.objects.create(name="5", has_phone=False)) == {"B", "C"}
    a_year_ago = (timezone.now() - timedelta(days=365)).date()
    assert names(Segment.objects.create(name="6", created_before=a_year_ago)) == {"B"}
    assert names(Segment.objects.create(name="7", created_after=a_year_ago)) == {"A", "C"}
    Contact.objects.filter(first_name="A").update(last_contacted_at=timezone.now())
    today = timezone.localdate()
    assert names(Segment.objects.create(name="8", last_contacted_after=today)) == {"A"}
    assert names(Segment.objects.create(name="9", last_contacted_before=today)) == {"B", "C"}
    company = Segment.objects.create(name="10")
    company.companies.set([people["a"].company])
    assert names(company) == {"A"}


def test_the_live_count_follows_an_unsaved_form(client, alice, people):
    client.login(username="alice", password=PASSWORD)
    count = reverse("admin:contacts_segment_count")
    assert client.post(count, {}).json() == {"count": 3}
    vip = Tag.objects.get(name="Clients").pk
    assert client.post(count, {"tags_any": [vip]}).json() == {"count": 2}
    form = {"tags_any": [vip], "email_statuses": ["no_consent"], "has_phone": "false"}
    assert client.post(count, form).json() == {"count": 1}
