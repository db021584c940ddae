"""The outage notice goes first: other campaigns give way to it, over real SMTP on loopback.

What the workers run (send_batch, the task around it), here in this process; the whole with
a real worker is in tests/news/test_outage_browser.py.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.choices import CampaignKind
from campaigns.models import Delivery
from campaigns.sending import dispatch
from campaigns.sending.batch import send_batch
from tests.campaigns.conftest import make_campaign
from tests.contacts.factories import make_contact

NOTICE = "Important : comment nous joindre"


def clients(count: int) -> list:
    return [
        make_contact(first_name=f"Client{i}", email=f"client{i}@exemple.fr",
                     email_status="subscribed", consent_basis="customer")
        for i in range(count)
    ]  # fmt: skip


def started(**fields):
    campaign = make_campaign(**fields)
    services.schedule(campaign)
    services.start(campaign)
    return campaign


def notice():
    return started(kind=CampaignKind.OUTAGE, name="Panne", subject=NOTICE)


def subjects(smtp) -> list[str]:
    return [str(m.message["Subject"]) for m in smtp.messages]


def test_while_a_notice_has_rows_due_a_regular_campaign_claims_none(smtp, db):
    clients(5)
    regular = started()
    warning = notice()
    assert dispatch.notice_waiting()
    assert send_batch(regular.pk) == 0
    assert set(regular.deliveries.values_list("status", flat=True)) == {"pending"}
    assert send_batch(warning.pk) == 5
    assert subjects(smtp) == [NOTICE] * 5
    assert not dispatch.notice_waiting()
    assert send_batch(regular.pk) == 5
    assert len(smtp.messages) == 10


def test_the_notice_itself_never_gives_way(smtp, db):
    clients(3)
    warning = notice()
    assert send_batch(warning.pk) == 3
    assert services.finish_if_done(warning)


@pytest.mark.django_db(transaction=True)
def test_a_regular_batch_stops_after_the_group_in_hand_once_a_notice_is_sending(smtp, settings):
    settings.CAMPAIGN_HANDOVER_GROUP = 4
    settings.CAMPAIGN_BATCH_SIZE = 30
    clients(30)
    started_notices = []

    def send_a_notice(received):
        if not started_notices:  # the regular campaign's first message is out
            started_notices.append(notice())

    smtp.on_message = send_a_notice
    regular = started()
    assert send_batch(regular.pk) == 0  # gave way: its task queues no next batch
    rows = dict(regular.deliveries.values_list("email", "status"))
    assert list(rows.values()).count("sent") == 4  # the group handed over, no more
    assert list(rows.values()).count("pending") == 26  # back in the queue, no try spent
    assert set(regular.deliveries.filter(status="pending").values_list("attempts", "claim")) == {
        (0, "")
    }
    [warning] = started_notices
    while send_batch(warning.pk):
        pass
    assert services.finish_if_done(warning)
    assert subjects(smtp)[4:] == [NOTICE] * 30
    assert send_batch(regular.pk) == 26


@pytest.mark.django_db(transaction=True)
def test_once_the_notice_is_sent_the_campaigns_that_gave_way_are_sent_on(smtp, settings):
    settings.CAMPAIGN_BATCH_SIZE = 10
    clients(12)
    regular, other = started(), started(name="Autre")
    send_batch(other.pk)  # holds no claim once its batch is done: ten rows sent
    warning = notice()
    assert send_batch(regular.pk) == 0
    assert dispatch.resume_yielded() == []  # the notice still waits
    while send_batch(warning.pk):
        pass
    services.finish_if_done(warning)
    held = timezone.now() + timedelta(minutes=5)  # as a worker sending it would
    Delivery.objects.filter(campaign=other).update(status="claimed", lease_until=held)
    # The campaign that gave way is queued again; the one whose worker holds rows is not.
    assert dispatch.resume_yielded() == [regular.pk]
