"""The report's chart: messages sent, opened and clicked over time, drawn as SVG."""

from django.db.models import Count
from django.db.models.functions import TruncDay, TruncHour, TruncMinute
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from campaigns.models import Campaign

SERIES = (("sent_at", "#417690"), ("opened_at", "#e0a100"), ("clicked_at", "#3c9d40"))
WIDTH, HEIGHT, LEFT, BOTTOM = 640, 220, 40, 30


def _trunc(campaign: Campaign):
    times = campaign.deliveries.exclude(sent_at=None).order_by("sent_at")
    first, last = times.values_list("sent_at", flat=True).first(), None
    if first is not None:
        last = times.reverse().values_list("sent_at", flat=True).first()
    span = (last - first).total_seconds() if first and last else 0
    if span < 2 * 3600:
        return TruncMinute
    return TruncHour if span < 3 * 86400 else TruncDay


def _counts(campaign: Campaign, field: str, trunc) -> dict:
    rows = (
        campaign.deliveries.exclude(**{field: None})
        .annotate(bucket=trunc(field, tzinfo=timezone.get_current_timezone()))
        .values("bucket")
        .annotate(n=Count("pk"))
    )
    return {row["bucket"]: row["n"] for row in rows}


def timeline_svg(campaign: Campaign) -> str:
    """Return an SVG chart of the campaign's sends, opens and clicks, or '' before any."""
    trunc = _trunc(campaign)
    series = {field: _counts(campaign, field, trunc) for field, _colour in SERIES}
    buckets = sorted(set().union(*series.values()))
    if not buckets:
        return ""
    top = max(max(counts.values(), default=0) for counts in series.values()) or 1
    step = (WIDTH - LEFT - 10) / max(len(buckets) - 1, 1)

    def point(i, n):
        return f"{LEFT + i * step:.1f},{HEIGHT - BOTTOM - n / top * (HEIGHT - BOTTOM - 10):.1f}"

    lines = _lines(series, buckets, point)
    # A dot per value too: a campaign sent within one minute is a single point.
    dots = _dots(series, buckets, point)
    fmt = "%d/%m %H:%M" if trunc is not TruncDay else "%d/%m"
    first, last = (timezone.localtime(b).strftime(fmt) for b in (buckets[0], buckets[-1]))
    return format_html(
        '<svg id="campaign-chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{aria}"><text x="0" y="14" font-size="11">{top}</text>'
        '<line x1="{l}" y1="{base}" x2="{w}" y2="{base}" stroke="#999"/>{lines}{dots}'
        '<text x="{l}" y="{h}" font-size="11">{first}</text>'
        '<text x="{w}" y="{h}" font-size="11" text-anchor="end">{last}</text></svg>',
        w=WIDTH, h=HEIGHT, l=LEFT, base=HEIGHT - BOTTOM, top=top, lines=lines, dots=dots,
        first=first, last=last, aria=_("Messages sent, opened and clicked over time"),
    )  # fmt: skip


def _lines(series: dict, buckets: list, point) -> str:
    return format_html_join(
        "",
        '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"><title>{}</title>'
        "</polyline>",
        (
            (colour, " ".join(point(i, series[field].get(b, 0)) for i, b in enumerate(buckets)),
             _label(field))
            for field, colour in SERIES
        ),
    )  # fmt: skip


def _dots(series: dict, buckets: list, point) -> str:
    return format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{} : {}</title></circle>',
        (
            (*point(i, series[field][b]).split(","), colour, _label(field), series[field][b])
            for field, colour in SERIES
            for i, b in enumerate(buckets)
            if series[field].get(b)
        ),
    )


def _label(field: str) -> str:
    return {"sent_at": _("sent"), "opened_at": _("opened"), "clicked_at": _("clicked")}[field]
