"""The delivery rows of one claimed batch: claimed, handed over, recorded.

The order of writes is what makes "never twice" hold (DESIGN.md, Sending):
1. `claim` marks a batch of pending rows `claimed` under a lease, with a token.
2. `hand_over` marks a small group of rows `sending` (CAMPAIGN_HANDOVER_GROUP, 8), in
   one committed write, only those still ours whose contact may still be emailed; only
   then are their messages handed over, one by one.
3. The outcomes are recorded (sends with the next group's hand-over). Should the worker
   die between 2 and 3, the rows stay `sending` until their lease runs out and the reaper
   makes them `unknown`: never resent.
A `claimed` row whose lease ran out was never handed over, so it goes back to pending.

The lease is short (CAMPAIGN_LEASE_SECONDS, 40 s) and a thread of the worker's process renews
it (crm/lib/lease.py), for every row of its batch still claimed or being handed over, each
sixth of a lease while the batch runs: a dead worker's rows come back within a lease, a live
one keeps them however long its batch, and however long one message takes (a slow server
may answer each of its steps just before EMAIL_TIMEOUT, 30 s, many times a lease in all).

Should the reaper take a row anyway (renewals failing for a whole lease), the worker still
records the server's answer for that message: its claim token proves it handed the row
over, once. Sent, refused (5xx) or uncertain are written for what they are; a 4xx, or a
message that never left, puts the row back in the queue: the server did not take it, and
nobody else can have sent it (an `unknown` row is never claimed, and the only other way
out, a resend asked by the user, clears the token).
"""

import enum
import secrets
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import NamedTuple

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from campaigns.choices import CampaignKind, CampaignStatus, DeliveryStatus
from campaigns.models import Campaign, Delivery
from campaigns.sending.compose import Recipient
from contacts.choices import EmailStatus
from contacts.models import Contact
from crm.lib import lease

D = Delivery._meta.db_table
C = Contact._meta.db_table
K = Campaign._meta.db_table


class HandOver(enum.Enum):
    HANDED = "handed"  # the row is `sending`: send the message now
    SKIPPED = "skipped"  # the contact may no longer be emailed: the row is `skipped`
    STOPPED = "stopped"  # the campaign was paused or cancelled: stop the batch
    LOST = "lost"  # the row is no longer ours (its lease ran out): leave it


# Who may still receive a campaign, by its kind, checked last before a message leaves: an
# invitation goes to a contact still without consent (one who subscribed or left since is
# not invited); a re-permission email to one still flagged (one who showed a sign of life
# since is not told they will be deleted); every other kind to one who may still be
# emailed (DESIGN.md, Consent).
_MAILABLE = f"c.email_status = '{EmailStatus.SUBSCRIBED}' AND c.consent_basis <> ''"
_MAY_RECEIVE = {
    CampaignKind.INVITATION: f"c.email_status = '{EmailStatus.NO_CONSENT}'",
    CampaignKind.REPERMISSION: f"{_MAILABLE} AND c.retention_flagged_at IS NOT NULL",
}


def _rule(kind: str) -> str:
    return _MAY_RECEIVE.get(kind, _MAILABLE)


# Step 2 above, in one statement: the last consent check and the claim check together,
# so that an unsubscribe committed before it is honoured and a lost claim is noticed.
# (Scalar subqueries, not EXISTS: they are looked up by primary key whatever the planner
# guesses about the tables, which matters for a statement prepared once.)
def _may_send(kind: str) -> str:
    return f"""
AND {D}.claim = %s AND {D}.status = 'claimed'
AND (SELECT c.email = {D}.email AND {_rule(kind)} FROM {C} c WHERE c.id = {D}.contact_id)
AND (SELECT k.status FROM {K} k WHERE k.id = {D}.campaign_id) = '{CampaignStatus.SENDING}'
"""


def _hand_over_one(kind: str) -> str:
    return f"""
UPDATE {D} SET status = 'sending', message_id = %s, lease_until = %s
WHERE id = %s {_may_send(kind)}"""


# The same conditions, read again right before each message of a group leaves (and when
# a row was not handed over, to say why), with whether the row is still this batch's: a
# worker frozen past its lease whose row the owner has since resent (the token cleared)
# must not send it too. The campaign is always found while its rows are; a contact
# deleted since is not, which reads as "may not".
def _still(kind: str) -> str:
    return f"""
SELECT c.email = %s AND {_rule(kind)}, k.status,
       d.claim = %s AND d.status IN ('sending', 'unknown')
FROM {K} k LEFT JOIN {C} c ON c.id = %s LEFT JOIN {D} d ON d.id = %s WHERE k.id = %s
"""


# A row made `unknown` by the reaper while its worker was still sending is still that
# worker's to record: the claim token proves the worker is the one that handed it over.
_RECORD_SENT = f"""
UPDATE {D} SET status = 'sent', sent_at = %s, esp_message_id = %s, lease_until = NULL,
error = '' WHERE id = %s AND claim = %s AND status IN ('sending', 'unknown')
"""
# The same for a group, on PostgreSQL: one statement, so one round trip and one commit,
# records the sends of the previous group and hands this one over.
_RECORD_GROUP = f"""
UPDATE {D} SET status = 'sent', sent_at = %s, esp_message_id = r.esp, lease_until = NULL,
error = '' FROM unnest(%s::bigint[], %s::text[]) AS r(id, esp)
WHERE {D}.id = r.id AND {D}.claim = %s AND {D}.status IN ('sending', 'unknown')
"""


def _hand_over_group(kind: str) -> str:
    return f"""
WITH recorded AS ({_RECORD_GROUP})
UPDATE {D} SET status = 'sending', message_id = m.message_id, lease_until = %s
FROM unnest(%s::bigint[], %s::text[]) AS m(id, message_id)
WHERE {D}.id = m.id {_may_send(kind)} RETURNING {D}.id
"""


class _Statements(NamedTuple):
    hand_over: str
    hand_over_group: str
    still: str


# Built once per kind: the PostgreSQL path prepares them on the server by their text.
STATEMENTS = {
    kind: _Statements(_hand_over_one(kind), _hand_over_group(kind), _still(kind))
    for kind in CampaignKind.values
}


def claim(campaign_id: int, size: int) -> "Ledger | None":
    """Claim up to `size` due deliveries of a sending campaign; None when there are none."""
    token = secrets.token_hex(16)
    now = timezone.now()
    with transaction.atomic():
        # skip_locked: workers claiming at once take different rows instead of waiting.
        due = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(campaign_id=campaign_id, status=DeliveryStatus.PENDING)
            .filter(next_attempt_at__lte=now)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        ids = list(due)
        Delivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.CLAIMED, claim=token, lease_until=now + _lease()
        )
    if not ids:
        return None
    kind = Campaign.objects.filter(pk=campaign_id).values_list("kind", flat=True).first()
    rows = (
        Delivery.objects.filter(pk__in=ids, claim=token)
        .order_by("pk")
        .values_list(
            "pk",
            "contact_id",
            "email",
            "attempts",
            "contact__first_name",
            "contact__last_name",
            "contact__company__name",
        )
    )
    return Ledger(campaign_id, token, [_recipient(row) for row in rows], kind)


def _recipient(row) -> tuple[Recipient, int]:
    pk, contact_id, email, attempts, first, last, company = row
    return Recipient(pk, contact_id or 0, email, first or "", last or "", company or ""), attempts


def _lease() -> timedelta:
    return timedelta(seconds=settings.CAMPAIGN_LEASE_SECONDS)


def _renew_every() -> float:
    return settings.CAMPAIGN_LEASE_SECONDS / 6


class Ledger:
    """Write the fate of each delivery of one claimed batch."""

    def __init__(self, campaign_id: int, token: str, recipients: list, kind: str | None):
        self.campaign_id = campaign_id
        self.token = token
        self.recipients = recipients
        self.statements = STATEMENTS[kind or CampaignKind.REGULAR]
        self.sent_contacts: list[int] = []
        self._unrecorded: list[tuple[int, str]] = []  # sends recorded with the next group
        self._postgres = connection.vendor == "postgresql"
        self._cursor: psycopg.Cursor | None = None
        self._renewed = time.monotonic()  # the claim set the batch's lease
        self._thread_renews = False  # True while renewing() runs its thread

    def hand_over(self, messages: list[tuple[int, str]]) -> set[int]:
        """Mark deliveries as being handed over, those still ours and mailable.

        `messages` pairs delivery ids with Message-IDs; return the ids handed over. The
        sends noted since the last call are recorded in the same commit.
        """
        self.keep_alive()
        now = timezone.now()
        if self._postgres:
            handed = self._hand_over_postgres(messages, self._unrecorded, now)
        else:
            handed = self._hand_over_sqlite(messages, self._unrecorded, now)
        self._unrecorded = []  # only once written: should the write fail, close() retries
        return handed

    def _hand_over_sqlite(self, messages, records, now) -> set[int]:
        adapt = connection.ops.adapt_datetimefield_value
        handed = set()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                _RECORD_SENT, [(adapt(now), esp, pk, self.token) for pk, esp in records]
            )
            for pk, message_id in messages:
                cursor.execute(
                    self.statements.hand_over, [message_id, adapt(now + _lease()), pk, self.token]
                )
                if cursor.rowcount == 1:
                    handed.add(pk)
        return handed

    def _hand_over_postgres(self, messages, records, now) -> set[int]:
        params = [
            now, [pk for pk, _ in records], [esp for _, esp in records], self.token,
            now + _lease(), [pk for pk, _ in messages], [mid for _, mid in messages],
            self.token,
        ]  # fmt: skip
        # Prepared on the server: it runs for every few messages, and planning it each
        # time would cost more than running it. Django's cursors bind parameters on the
        # client, which cannot prepare.
        cursor = self._server_cursor().execute(
            self.statements.hand_over_group, params, prepare=True
        )
        return {row[0] for row in cursor.fetchall()}

    def check(self, recipient: Recipient) -> HandOver:
        """Right before a handed-over message leaves, check it still may (DESIGN.md).

        A read, not a write: an unsubscribe or a pause committed since the group was handed
        over is honoured, at the cost of one round trip and no disk wait.
        """
        self.keep_alive()
        may, campaign, ours = self._still(
            recipient.email, recipient.contact_id, recipient.delivery_id
        )
        if not ours:
            return HandOver.LOST
        if campaign != CampaignStatus.SENDING:
            return HandOver.STOPPED
        if not may:
            self._close(recipient.delivery_id, DeliveryStatus.SKIPPED, "may no longer be emailed")
            return HandOver.SKIPPED
        return HandOver.HANDED

    def _still(
        self, email: str, contact_id: int | None, delivery_id: int
    ) -> tuple[bool, str | None, bool]:
        """Return whether the contact may still receive it, the campaign's status, and
        whether the row is still this batch's, handed over."""
        params = [email, self.token, contact_id, delivery_id, self.campaign_id]
        if self._postgres:
            cursor = self._server_cursor().execute(self.statements.still, params, prepare=True)
            found = cursor.fetchone()
        else:
            with connection.cursor() as cursor:
                cursor.execute(self.statements.still, params)
                found = cursor.fetchone()
        may, campaign, ours = found or (False, None, False)  # no row: the campaign was deleted
        return bool(may), campaign, bool(ours)

    @contextmanager
    def renewing(self):
        """Renew the batch's lease from a thread while the body runs, each sixth of a lease.

        Within a transaction (a test's), no other connection sees the rows, and the renewal
        is left to keep_alive(), between messages.
        """
        if connection.in_atomic_block:
            yield
            return
        name = f"campaign-{self.campaign_id}-lease"
        with lease.renewing(self.renew, _renew_every(), name):
            self._thread_renews = True
            try:
                yield
            finally:
                self._thread_renews = False

    def keep_alive(self) -> None:
        """Renew the lease between messages once a sixth of a lease has passed, unless a
        thread renews it (renewing())."""
        if self._thread_renews or time.monotonic() - self._renewed < _renew_every():
            return
        self.renew()
        self._renewed = time.monotonic()

    def renew(self) -> bool:
        """Renew the lease of the batch's rows still in hand; return whether any is.

        Only rows still ours and in hand: one the reaper took back meanwhile (claim cleared,
        or made `unknown`) is not revived. A row another transaction is writing is skipped,
        not waited on (two statements locking the batch's rows in different orders could
        deadlock): it is the worker's own write, which gives it a new lease or lets it go.
        """
        held = Delivery.objects.filter(
            pk__in=[r.delivery_id for r, _ in self.recipients], claim=self.token,
            status__in=[DeliveryStatus.CLAIMED, DeliveryStatus.SENDING],
        )  # fmt: skip
        with transaction.atomic():
            if unlocked(held).update(lease_until=timezone.now() + _lease()):
                return True
        return held.exists()

    def _server_cursor(self) -> psycopg.Cursor:
        """Return this batch's server-binding cursor on PostgreSQL (made once: it is hot)."""
        connection.ensure_connection()
        if self._cursor is None or self._cursor.connection is not connection.connection:
            self._cursor = psycopg.Cursor(connection.connection)
        return self._cursor

    def why_not(self, delivery_id: int) -> HandOver:
        """Say why a delivery was not handed over, skipping it if its contact is the reason."""
        row = (
            Delivery.objects.filter(pk=delivery_id)
            .values("status", "claim", "email", "contact_id")
            .first()
        )
        if row is None or row["claim"] != self.token or row["status"] != DeliveryStatus.CLAIMED:
            return HandOver.LOST
        may, campaign, _handed = self._still(row["email"], row["contact_id"], delivery_id)
        if campaign != CampaignStatus.SENDING:
            return HandOver.STOPPED
        if may:  # the campaign was paused and resumed in between: try later
            self._mine(delivery_id).update(status=DeliveryStatus.PENDING, claim="")
            return HandOver.LOST
        self._close(delivery_id, DeliveryStatus.SKIPPED, "may no longer be emailed")
        return HandOver.SKIPPED

    def sent(self, recipient: Recipient, esp_message_id: str) -> None:
        """Note a send; it is written with the next hand-over, or by close()."""
        self._unrecorded.append((recipient.delivery_id, esp_message_id))
        self.sent_contacts.append(recipient.contact_id)

    def flush(self) -> None:
        if self._unrecorded:
            self.hand_over([])

    def retry(self, delivery_id: int, attempts: int, error: str) -> None:
        """Put the row back in the queue after a transient failure, with a capped backoff."""
        if attempts + 1 >= settings.CAMPAIGN_MAX_ATTEMPTS:
            self.fail(delivery_id, error)
            return
        delay = min(settings.CAMPAIGN_RETRY_SECONDS * 2**attempts, 3600)
        self._requeue(delivery_id, timezone.now() + timedelta(seconds=delay), error, attempts + 1)

    def put_back(self, delivery_id: int, until: datetime, error: str) -> None:
        """Requeue a row that never left because the server could not be used at all."""
        self._requeue(delivery_id, until, error, attempts=None)

    def _requeue(self, delivery_id: int, until: datetime, error: str, attempts) -> None:
        # Only a row this worker handed over (see the top): one the reaper made unknown
        # meanwhile too, since the server did not take it. A row the campaign's cancel or
        # the user moved since is left where it is.
        fields = {"attempts": attempts} if attempts is not None else {}
        fields.update(status=DeliveryStatus.PENDING, claim="", lease_until=None,
                      error=error[:500], next_attempt_at=until)  # fmt: skip
        if self._answered(delivery_id).filter(status=DeliveryStatus.SENDING).update(**fields):
            return
        if self._answered(delivery_id).update(**fields):  # it was unknown: open again
            from campaigns.services import move  # (services imports this module)

            move(Campaign(pk=self.campaign_id), "reopen", finished_at=None)

    def fail(self, delivery_id: int, error: str) -> None:
        self._answered(delivery_id).update(
            status=DeliveryStatus.FAILED, lease_until=None, error=error[:500]
        )

    def bounced(self, delivery_id: int, error: str) -> None:
        self._answered(delivery_id).update(
            status=DeliveryStatus.FAILED, lease_until=None, error=error[:500],
            bounced_at=timezone.now(),
        )  # fmt: skip

    def uncertain(self, delivery_id: int, error: str) -> None:
        self._answered(delivery_id).update(
            status=DeliveryStatus.UNKNOWN, lease_until=None, error=error[:500]
        )

    def _close(self, delivery_id: int, status: str, error: str) -> None:
        self._mine(delivery_id).update(status=status, lease_until=None, error=error[:500])

    def _answered(self, delivery_id: int):
        """The row, if the server's answer to its message is still this worker's to write:
        handed over by it, and `sending` still or made `unknown` by the reaper since."""
        return self._mine(delivery_id).filter(
            status__in=[DeliveryStatus.SENDING, DeliveryStatus.UNKNOWN]
        )

    def _mine(self, delivery_id: int):
        return Delivery.objects.filter(pk=delivery_id, claim=self.token)

    def release_rest(self, until: datetime | None = None) -> int:
        """Return the rows claimed but not handed over to the queue (a pause, a quota)."""
        return Delivery.objects.filter(claim=self.token, status=DeliveryStatus.CLAIMED).update(
            status=DeliveryStatus.PENDING,
            claim="",
            lease_until=None,
            next_attempt_at=until or timezone.now(),
        )

    def close(self) -> None:
        """Write what is left: the last sends, the rows not reached, the contacts' dates."""
        try:
            self.flush()
        except DatabaseError:
            # A connection lost under us: the sends it did not record would end unknown,
            # and could be resent by hand. Once more, on a new connection.
            if connection.in_atomic_block:
                raise
            connection.close()
            self.flush()
        if self._cursor is not None:
            self._cursor.close()
        self.release_rest()
        Contact.objects.filter(pk__in=self.sent_contacts).update(last_contacted_at=timezone.now())


def reap() -> tuple[int, int]:
    """Take back expired claims; return (rows requeued, rows made unknown)."""
    expired = Delivery.objects.filter(lease_until__lt=timezone.now())
    with transaction.atomic():
        # A claimed row was never handed over: sending it later cannot make it twice.
        requeued = unlocked(expired.filter(status=DeliveryStatus.CLAIMED)).update(
            status=DeliveryStatus.PENDING, claim="", lease_until=None
        )
    with transaction.atomic():
        # A row being handed over when its worker vanished may have left: never resend it.
        unknown = unlocked(expired.filter(status=DeliveryStatus.SENDING)).update(
            status=DeliveryStatus.UNKNOWN,
            error="The worker stopped while handing this message over.",
        )
    with transaction.atomic():
        # A row requeued by a worker after its campaign was cancelled will never be sent.
        unlocked(
            Delivery.objects.filter(
                campaign__status=CampaignStatus.CANCELLED, status=DeliveryStatus.PENDING
            )
        ).update(status=DeliveryStatus.SKIPPED, error="campaign cancelled", lease_until=None)
    return requeued, unknown


def unlocked(rows):
    """Return those of `rows` no other transaction holds now, locked (in a transaction).

    The reaper and a cancel skip a row a worker is writing rather than wait for it: two
    statements locking many rows in different orders would deadlock (a cancel did, with a
    hand-over). A row skipped is a row a live worker is writing, or one a later tick takes.
    """
    return Delivery.objects.filter(pk__in=rows.select_for_update(skip_locked=True).values("pk"))
