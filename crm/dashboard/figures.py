"""The dashboard's figures: counted at most every few minutes, kept in Django's cache.

Counting a million contacts takes seconds, so the home page reads what beat's
`refresh_figures` task (or the first visit after the figures expired) counted, and says
how old the figures are. A small address book is counted afresh on every visit.
"""

import time
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDay, TruncMonth
from django.utils import timezone

from campaigns.models import Campaign, Delivery
from contacts import reachability
from contacts.models import Contact
from crm.dashboard import audience

CACHE_KEY = "dashboard:figures"
COUNTING_KEY = "dashboard:counting"
# Beat refreshes them every REFRESH_EVERY; a page recounts only when beat has stopped.
REFRESH_EVERY = timedelta(minutes=5)
RECOUNT_AFTER = timedelta(minutes=15)
# Figures counted faster than this are counted again on every page: always current, and
# still well within the page's 500 ms. A million contacts take seconds: those are kept.
CHEAP_SECONDS = 0.2
LAST_CAMPAIGNS = 5
RESULTS = ("sent", "opened", "clicked", "bounced", "unsubscribed")


def current() -> dict:
    """Return the figures, counting them again if there are none or they are too old."""
    figures = cache.get(CACHE_KEY)
    if figures is None or figures["took"] < CHEAP_SECONDS:
        return refresh()
    # Expired figures are counted by one page only: the others show them meanwhile.
    expired = timezone.now() - figures["computed_at"] > RECOUNT_AFTER
    if expired and cache.add(COUNTING_KEY, True, timeout=figures["took"] * 2 + 60):
        try:
            figures = refresh()
        finally:
            cache.delete(COUNTING_KEY)
    return figures


def refresh() -> dict:
    """Count the figures now and keep them for the next pages."""
    started, computed_at = time.monotonic(), timezone.now()
    figures = {
        "computed_at": computed_at,
        "reach": reachability.counts(),
        "growth": growth(),
        "campaigns": last_campaigns(),
        "audience": audience.counts(),
    }
    figures["took"] = time.monotonic() - started
    cache.set(CACHE_KEY, figures, timeout=None)  # current() judges their age itself
    return figures


def forget() -> None:
    """Drop the figures, so that the next page counts them again."""
    cache.delete(CACHE_KEY)


def growth() -> dict:
    """Return how many contacts there were at the end of each day, or month after 60 days."""
    first = Contact.objects.aggregate(first=Min("created_at"))["first"]
    if first is None:
        return {"monthly": False, "points": []}
    monthly = timezone.now() - first > timedelta(days=60)
    trunc = TruncMonth if monthly else TruncDay
    bucket = trunc("created_at", tzinfo=timezone.get_current_timezone())
    rows = (
        Contact.objects.annotate(bucket=bucket)
        .values("bucket")
        .annotate(n=Count("pk"))
        .order_by("bucket")
    )
    total, points = 0, []
    for row in rows:
        total += row["n"]
        points.append((row["bucket"], total))
    return {"monthly": monthly, "points": points}


def last_campaigns() -> list[dict]:
    """Return the last campaigns with their status and results, newest first."""
    campaigns = list(Campaign.objects.order_by("-created_at")[:LAST_CAMPAIGNS])
    results = {
        row.pop("campaign"): row
        for row in Delivery.objects.filter(campaign__in=campaigns)
        .values("campaign")
        .annotate(
            sent=Count("pk", filter=Q(status="sent")),
            **{name: Count(f"{name}_at") for name in RESULTS if name != "sent"},
        )
    }
    empty = dict.fromkeys(RESULTS, 0)
    return [
        {
            "pk": campaign.pk,
            "name": campaign.name,
            "status": campaign.status,
            "when": campaign.finished_at or campaign.started_at or campaign.scheduled_at,
            **results.get(campaign.pk, empty),
        }
        for campaign in campaigns
    ]
