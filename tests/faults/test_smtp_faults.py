"""A campaign through an SMTP server that accepts slowly, hangs up and refuses (issue 13).

A real Celery worker and beat (PostgreSQL, Redis) send 300 recipients to the faulty server
of tests/faults/smtp_faults.py; a few recipients of each fault, spread over the campaign.
What the ledger (campaigns/sending/ledger.py) and the transport promise:

- nobody receives the campaign twice;
- a temporary refusal (421, 451 at RCPT or at the end of DATA) or a connection closed
  before the message's data was sent is retried, and the message finally sent once;
- a permanent refusal fails the row with the server's answer; only one about the address
  (550 5.1.1) is a bounce that suppresses the contact (DESIGN.md: bounces take effect);
- a connection lost once the data started to leave (hung up mid-DATA, or no answer within
  EMAIL_TIMEOUT) proves nothing either way: the row is `unknown`, never sent again. The
  server below took the "late" ones, so they arrive exactly once; it threw away the
  "drop-data" ones (a resend would have been accepted: none is).
"""

from collections import Counter

import pytest

from campaigns import services
from campaigns.choices import TERMINAL, Outcome
from campaigns.models import Campaign, Delivery
from campaigns.sending.compose import Rendered
from campaigns.sending.transports import SmtpTransport
from contacts.models import Contact
from tests.campaigns.conftest import make_campaign, processes, wait_for
from tests.contacts.factories import make_contact
from tests.faults.smtp_faults import CLIENT_TIMEOUT, smtp

__all__ = ["processes", "smtp"]  # fixtures: the campaigns' worker, this faulty server

RECIPIENTS = 300
PER_FAULT = 4
# fault: (how many times it happens, the row's end, the tries it spent, times at the sink)
FAULTS = {
    "451": (2, "sent", 2, 1),
    "421": (1, "sent", 1, 1),
    "data451": (1, "sent", 1, 1),
    "data421": (1, "sent", 1, 1),
    "drop-rcpt": (1, "sent", 1, 1),
    "drop-354": (1, "sent", 1, 1),
    "slow": (1, "sent", 0, 1),
    "550": (99, "failed", 0, 0),
    "554": (99, "failed", 0, 0),
    "data550": (99, "failed", 0, 0),
    "drop-data": (1, "unknown", 0, 0),
    "late": (1, "unknown", 0, 1),
}
WORKER = {"EMAIL_TIMEOUT": str(CLIENT_TIMEOUT), "CAMPAIGN_RETRY_SECONDS": "1",
          "CAMPAIGN_BATCH_SIZE": "50"}  # fmt: skip


def audience(smtp) -> dict[str, str]:
    """Create the recipients; return each one's fault ("" for none), set on the server."""
    faults = {}
    for i in range(RECIPIENTS):
        address = f"client{i:03}@exemple.fr"
        make_contact(first_name=f"Client {i}", email=address, email_status="subscribed",
                     consent_basis="customer")  # fmt: skip
        slot = i % (RECIPIENTS // PER_FAULT)  # the faults spread over the campaign
        faults[address] = list(FAULTS)[slot] if slot < len(FAULTS) else ""
        if faults[address]:
            smtp.faults[address] = [faults[address], FAULTS[faults[address]][0]]
    return faults


@pytest.mark.slow
@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_every_smtp_fault_ends_as_the_protocol_proves_and_nobody_gets_it_twice(
    db, processes, smtp
):
    faults = audience(smtp)
    campaign = make_campaign()
    services.schedule(campaign)
    processes("beat")
    processes("worker", **WORKER)
    # About 35 s on a quiet machine; the bound is for a busy one.
    wait_for(lambda: Campaign.objects.get(pk=campaign.pk).status == "sent", 150, "the campaign")

    received = Counter(r for m in smtp.messages for r in m.recipients)
    assert all(len(m.recipients) == 1 for m in smtp.messages)
    assert max(received.values()) == 1, "someone received the campaign twice"
    rows = {d.email: d for d in Delivery.objects.filter(campaign=campaign)}
    assert len(rows) == RECIPIENTS
    assert {d.status for d in rows.values()} <= TERMINAL
    for address, fault in faults.items():
        row = rows[address]
        status, attempts, at_sink = FAULTS[fault][1:] if fault else ("sent", 0, 1)
        assert (fault, row.status, row.attempts, received[address]) == (
            fault, status, attempts, at_sink
        ), row.error  # fmt: skip
    assert_failures_say_why(rows, faults)


def assert_failures_say_why(rows: dict, faults: dict) -> None:
    """A failed row keeps the server's answer; only a refused address is a bounce."""
    status = dict(Contact.objects.values_list("email", "email_status"))
    for address, fault in faults.items():
        row = rows[address]
        if fault in ("550", "554", "data550"):
            assert row.error.startswith(fault.removeprefix("data")), row.error
            bounced = fault == "550"  # 5.1.1 no such user; 5.7.1 is about us or the content
            assert (row.bounced_at is not None, status[address]) == (
                bounced, "bounced" if bounced else "subscribed"
            )  # fmt: skip
        elif row.status == "unknown":
            assert "connection lost while sending" in row.error or "timed out" in row.error
            assert status[address] == "subscribed"
        else:
            assert row.error == "" and row.sent_at is not None


# What each answer proves, and so what the transport must make of it.
PROVES = {"421": Outcome.RETRY, "451": Outcome.RETRY, "550": Outcome.BOUNCED,
          "554": Outcome.FAILED, "data421": Outcome.RETRY, "data451": Outcome.RETRY,
          "data550": Outcome.FAILED, "drop-rcpt": Outcome.RETRY, "drop-354": Outcome.RETRY,
          "drop-data": Outcome.UNCERTAIN, "late": Outcome.UNCERTAIN,
          "slow": Outcome.SENT}  # fmt: skip


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "one-by-one"])
def test_each_answer_is_sorted_as_the_protocol_proves_and_the_next_message_goes(smtp, pipelining):
    """Pipelined (RFC 2920) or command by command, on one transport as a batch uses it."""
    smtp.pipelining = pipelining
    transport = SmtpTransport()
    try:
        for fault, proven in PROVES.items():
            smtp.faults[f"{fault}@exemple.fr"] = [fault, 1]
            result = transport.send(message(f"{fault}@exemple.fr"))
            assert (fault, result.outcome) == (fault, proven), result.error
            assert transport.send(message(f"after-{fault}@exemple.fr")).outcome == Outcome.SENT
    finally:
        transport.close()
    taken = {"late@exemple.fr", "slow@exemple.fr"}  # the server took these two only
    received = [r for m in smtp.messages for r in m.recipients]
    assert sorted(received) == sorted(taken | {f"after-{fault}@exemple.fr" for fault in PROVES})


def message(to: str) -> Rendered:
    return Rendered(from_email="Boulangerie <bonjour@exemple.fr>", to=to, subject="Soldes",
                    text="Bonjour", html="<p>Bonjour</p>",
                    headers={"Message-ID": f"<{to}>"})  # fmt: skip
