"""Campaign operations: the audience, the moves between statuses, counters, tests.

The admin, the `campaign` command and the Celery tasks all come here.
"""

import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.choices import CAMPAIGN_MOVES, CampaignKind, CampaignStatus, DeliveryStatus
from campaigns.models import Business, Campaign, Delivery
from campaigns.sending.ledger import unlocked
from contacts.choices import EmailStatus
from contacts.models import Contact, Segment, Tag

log = logging.getLogger(__name__)


def audience(campaign: Campaign) -> QuerySet[Contact]:
    """Return the contacts this campaign may email now, by its kind.

    An invitation: the no-consent contacts with an address never invited before. A
    re-permission campaign: the mailable prospects the retention job flagged. Any other:
    everyone who may be emailed when the campaign names no tag and no segment; else those
    with any of its tags or in any of its segments; less the exclusions.
    """
    if campaign.kind == CampaignKind.INVITATION:
        return invitable(but_for=campaign)
    if campaign.kind == CampaignKind.REPERMISSION:
        return Contact.objects.mailable().filter(retention_flagged_at__isnull=False).order_by()
    return audience_of(
        list(campaign.tags.all()),
        list(campaign.segments.all()),
        list(campaign.exclude_tags.all()),
        list(campaign.exclude_segments.all()),
    )


def audience_of(
    tags: list[Tag], segments: list[Segment], exclude_tags: list[Tag], exclude_segments: list
) -> QuerySet[Contact]:
    """Return the contacts a campaign with these choices may email now (see audience())."""
    contacts = Contact.objects.mailable()
    if tags or segments:
        chosen = Q(pk__in=_tagged(tags))
        for segment in segments:
            chosen |= Q(pk__in=segment.contacts().values("pk"))
        contacts = contacts.filter(chosen)
    if exclude_tags:
        contacts = contacts.exclude(pk__in=_tagged(exclude_tags))
    for segment in exclude_segments:
        contacts = contacts.exclude(pk__in=segment.contacts().values("pk"))
    return contacts.order_by()


def invitable(but_for: Campaign | None = None) -> QuerySet[Contact]:
    """Return the no-consent contacts with an address whom no invitation was ever for.

    Any delivery row of an invitation campaign counts, whatever its state: that row is
    the per-contact record that nobody is invited twice. `but_for`'s own rows do not.
    """
    invitations = Delivery.objects.filter(
        contact=OuterRef("pk"), campaign__kind=CampaignKind.INVITATION
    )
    if but_for is not None and but_for.pk is not None:
        invitations = invitations.exclude(campaign=but_for)
    contacts = Contact.objects.filter(email_status=EmailStatus.NO_CONSENT).exclude(email="")
    return contacts.exclude(Exists(invitations)).order_by()


def _tagged(tags: list[Tag]) -> QuerySet:
    return Contact.tags.through.objects.filter(tag__in=tags).values("contact_id")


def move(campaign: Campaign, action: str, **fields) -> bool:
    """Apply a status move if the campaign's current status allows it; return whether it did.

    The conditional update makes two clicks, two workers or a click and a tick agree:
    only one of them moves the campaign.
    """
    allowed, target = CAMPAIGN_MOVES[action]
    moved = Campaign.objects.filter(pk=campaign.pk, status__in=allowed).update(
        status=target, **fields
    )
    if moved:
        campaign.status = target
        for name, value in fields.items():
            setattr(campaign, name, value)
    return bool(moved)


def refusal_to_schedule(campaign: Campaign, at) -> str:
    """Say why the campaign cannot be scheduled at `at` (None: now), or return ''."""
    if refusal := business_refusal():
        return refusal
    if at is not None and at < timezone.now() - timedelta(minutes=1):
        return _("This date is past: choose one to come, or send now.")
    if not audience(campaign).exists():
        if campaign.kind == CampaignKind.INVITATION:
            return _(
                "Nobody is left to invite: every contact without consent who has an email "
                "address was invited already."
            )
        return _("Nobody may receive this campaign today: check its tags and segments.")
    return ""


def business_refusal() -> str:
    """Say what « Your business » still lacks for any email to go out, or return ''.

    Every email says at its bottom who sends it and where to write to them, as the law asks
    (Business.missing() lists what is left empty): none leaves without it, not even an
    outage notice, whose readers must know who warns them.
    """
    missing = Business.load().missing()
    if not missing:
        return ""
    return _(
        "“Your business” is missing: %(fields)s. The law asks every email to say who sends "
        "it and where to write to them: fill it in (Settings › Your business), then send."
    ) % {"fields": ", ".join(missing)}


def require_business() -> None:
    """Raise ValidationError, saying what is missing, while « Your business » is incomplete."""
    if refusal := business_refusal():
        raise ValidationError(refusal)


def schedule(campaign: Campaign, at=None) -> bool:
    """Schedule the campaign at `at` (now when None); the next tick starts it when due."""
    return move(campaign, "schedule", scheduled_at=at or timezone.now(), paused_reason="")


def pause(campaign: Campaign, reason: str = "") -> bool:
    return move(campaign, "pause", paused_reason=reason[:255])


def resume(campaign: Campaign) -> bool:
    """Resume sending; a campaign paused before it started waits for its date again."""
    if campaign.started_at is None:
        return move(campaign, "unpause", paused_reason="")
    resumed = move(campaign, "resume", paused_reason="")
    if resumed:
        nudge(campaign.pk)
    return resumed


def cancel(campaign: Campaign) -> bool:
    """Cancel the campaign: what was not handed over yet will not be.

    The move commits first: from then on no hand-over takes a row (each reads the status).
    The rows are then skipped without waiting on those a worker is writing (waiting, with
    the campaign's row locked, deadlocked with a hand-over): the worker puts those back,
    and the next tick's reaper skips them.
    """
    if not move(campaign, "cancel", finished_at=timezone.now()):
        return False
    with transaction.atomic():
        unlocked(
            campaign.deliveries.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.CLAIMED])
        ).update(status=DeliveryStatus.SKIPPED, error="campaign cancelled", lease_until=None)
    return True


def start(campaign: Campaign) -> int:
    """Move a due campaign to sending and create its deliveries; return how many.

    In one transaction: a crash halfway leaves the campaign scheduled, and the next tick
    starts it again from nothing.
    """
    with transaction.atomic():
        if campaign.kind == CampaignKind.INVITATION:
            _wait_for_other_invitations()
        if not move(campaign, "start", started_at=timezone.now()):
            return 0
        return fan_out(campaign)


def _wait_for_other_invitations() -> None:
    """Lock every invitation campaign until this transaction ends.

    Two invitations starting at once would each miss the other's uncommitted rows and
    invite the same contacts: the second waits here until the first has committed, and
    its fan-out then sees them. (SQLite's transactions are one at a time already.)
    """
    invitations = Campaign.objects.select_for_update().filter(kind=CampaignKind.INVITATION)
    list(invitations.values_list("pk", flat=True))


def fan_out(campaign: Campaign) -> int:
    """Insert one pending delivery per audience contact, in one INSERT … SELECT."""
    sql, params = audience(campaign).values("pk", "email").query.sql_with_params()
    table = connection.ops.quote_name(Delivery._meta.db_table)
    # ON CONFLICT: a contact who already has a delivery in this campaign keeps that one.
    statement = (
        f"INSERT INTO {table} (campaign_id, contact_id, email) "
        f"SELECT %s, a.* FROM ({sql}) AS a WHERE true ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [campaign.pk, *params])
        return cursor.rowcount


def finish_if_done(campaign: Campaign) -> bool:
    """Mark a sending campaign sent once every delivery is in a final state."""
    still_open = Delivery.objects.filter(campaign=OuterRef("pk"), status__in=list(_open()))
    # One statement: a resend committed between a check and the move cannot be stranded.
    moved = (
        Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.SENDING)
        .exclude(Exists(still_open))
        .update(status=CampaignStatus.SENT, finished_at=timezone.now())
    )
    if moved:
        campaign.status = CampaignStatus.SENT
    return bool(moved)


def _open():
    return {DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.SENDING}


def resend_unknown(campaign: Campaign) -> int:
    """Queue again, at the user's request, the deliveries whose outcome is unknown.

    Only rows whose worker is surely gone: one still sending after its lease could yet
    record its send, and the resend would make it twice. The lease is short (a live worker
    renews it), so "surely" keeps the five minutes it always meant, or a longer lease.
    """
    if campaign.status not in (CampaignStatus.SENDING, CampaignStatus.PAUSED,
                               CampaignStatus.SENT):  # fmt: skip
        return 0
    long_ago = timezone.now() - timedelta(seconds=max(settings.CAMPAIGN_LEASE_SECONDS, 300))
    with transaction.atomic():
        count = (
            campaign.deliveries.filter(status=DeliveryStatus.UNKNOWN)
            .filter(Q(lease_until=None) | Q(lease_until__lt=long_ago))
            .update(status=DeliveryStatus.PENDING, claim="", lease_until=None, error="",
                    next_attempt_at=timezone.now())
        )  # fmt: skip
        if count:
            move(campaign, "reopen", finished_at=None)
            nudge(campaign.pk)
    return count


COUNTERS = (
    "total",
    "pending",
    "sent",
    "failed",
    "unknown",
    "skipped",
    "opened",
    "clicked",
    "bounced",
    "complained",
    "unsubscribed",
)


def counters(campaign: Campaign) -> dict[str, int]:
    """Return the campaign's counters, as `campaign status` prints them.

    Before it starts, a campaign has no delivery rows yet: its total and pending are then
    the audience it would be sent to now.
    """
    by_status = {f"status_{s}": Count("pk", filter=Q(status=s)) for s in DeliveryStatus.values}
    events = {
        name: Count("pk", filter=Q(**{f"{name}_at__isnull": False}))
        for name in ("opened", "clicked", "bounced", "complained", "unsubscribed")
    }
    row = campaign.deliveries.aggregate(total=Count("pk"), **by_status, **events)
    row["pending"] = sum(row.pop(f"status_{s}") for s in _open())
    for status in ("sent", "failed", "unknown", "skipped"):
        row[status] = row.pop(f"status_{status}")
    if not row["total"] and campaign.started_at is None and campaign.status in NOT_STARTED:
        row["total"] = row["pending"] = audience(campaign).count()
    return {name: row[name] for name in COUNTERS}


NOT_STARTED = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED)


def tick_soon() -> None:
    """Run the beat tick now (after commit), so that "send now" need not wait for it."""
    transaction.on_commit(lambda: current_app.send_task("campaigns.tasks.tick"))


def nudge(campaign_id: int) -> None:
    """Queue the campaign's batch tasks once the current transaction commits."""

    def enqueue():
        for _batch in range(settings.CAMPAIGN_PARALLEL_BATCHES):
            current_app.send_task("campaigns.tasks.send_batch", args=[campaign_id])

    transaction.on_commit(enqueue)


def pause_if_unhealthy(campaign: Campaign) -> bool:
    """Pause a sending campaign whose complaint or bounce rate is past its limit."""
    if campaign.status != CampaignStatus.SENDING:
        return False
    rates = campaign.deliveries.aggregate(
        tried=Count("pk", filter=Q(status__in=_TRIED)),
        bounced=Count("pk", filter=Q(bounced_at__isnull=False)),
        complained=Count("pk", filter=Q(complained_at__isnull=False)),
    )
    tried = rates["tried"]
    if tried < settings.CAMPAIGN_PAUSE_MIN_SENT:
        return False
    if rates["complained"] / tried >= settings.CAMPAIGN_PAUSE_COMPLAINT_RATE:
        reason = _("complaint rate %(rate).1f%%") % {"rate": rates["complained"] / tried * 100}
    elif rates["bounced"] / tried >= settings.CAMPAIGN_PAUSE_BOUNCE_RATE:
        reason = _("bounce rate %(rate).1f%%") % {"rate": rates["bounced"] / tried * 100}
    else:
        return False
    log.warning("Campaign %s paused: %s", campaign.pk, reason)
    return pause(campaign, reason)


# Deliveries that were handed over, or refused: the denominator of the health rates.
_TRIED = [DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN]
