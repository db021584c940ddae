"""The owner's home page: where the business stands, and what to do next.

`context(request)` is all the page needs; bench/ calls it to time the dashboard.
"""

from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.choices import CampaignStatus
from campaigns.models import Business
from contacts import reachability
from contacts.models import ImportJob
from crm import heartbeat
from crm.dashboard import audience, charts, figures, first_steps
from crm.dashboard.filters import PARAMETER

IMPORTS_SHOWN = 5


def context(request: HttpRequest) -> dict:
    """Return the dashboard's template context for this request."""
    counted = figures.current()
    steps = first_steps.steps(request)
    return {
        "computed_at": counted["computed_at"],
        "age_minutes": int((timezone.now() - counted["computed_at"]).total_seconds() // 60),
        "reach": _reach(counted["reach"]),
        "growth_svg": charts.growth_svg(**counted["growth"]),
        "campaigns": [_campaign(row) for row in counted["campaigns"]],
        "imports": _imports_in_progress(),
        "workers_running": heartbeat.workers_running(),
        "first_steps": steps,
        "first_steps_done": all(step["done"] for step in steps),
        "audience": {**counted["audience"], **audience.links()},
        "business_missing": Business.load().missing(),
    }


def _list_url(**params: str) -> str:
    """Return the contact list's address, filtered by `params` (source, reach)."""
    query = f"?{urlencode(params)}" if params else ""
    return reverse("admin:contacts_contact_changelist") + query


def _reach(counts: dict) -> dict:
    """Return the overall figures and one chart row per source, each with its links."""
    kinds = dict(reachability.KINDS)
    rows = [_reach_row(_("All contacts"), counts, {})]
    rows += [
        _reach_row(reachability.source_label(source), row, {"source": source})
        for source, row in counts["by_source"].items()
    ]
    return {
        "total": counts["total"],
        "overall": rows[0],
        "sources": rows[1:],
        "kinds": [{"kind": k, "label": label} for k, label in kinds.items()],
        "chart": charts.reach_svg(rows, kinds) if counts["total"] else "",
    }


def _reach_row(label, counts: dict, params: dict) -> dict:
    """Return a row of figures: its total, and each kind's count and filtered list."""
    urls = {kind: _list_url(**params, **{PARAMETER: kind}) for kind in reachability.KINDS}
    return {
        "label": label,
        "total": counts["total"],
        "url": _list_url(**params),
        "counts": {kind: counts[kind] for kind in reachability.KINDS},
        "urls": urls,
        "cells": [
            {"kind": kind, "label": label, "count": counts[kind], "url": urls[kind]}
            for kind, label in reachability.KINDS.items()
        ],
    }


def _campaign(row: dict) -> dict:
    return {
        **row,
        "status_label": CampaignStatus(row["status"]).label,
        "url": reverse("admin:campaigns_campaign_change", args=[row["pk"]]),
    }


def _imports_in_progress() -> list[ImportJob]:
    waiting = (ImportJob.Status.PENDING, ImportJob.Status.RUNNING)
    jobs = ImportJob.objects.filter(status__in=waiting).order_by("started_at")
    return list(jobs[:IMPORTS_SHOWN])
