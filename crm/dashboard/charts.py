"""The dashboard's two charts, drawn as SVG on the server: no script, no chart library.

Colours come from the stylesheet (classes `kind-…`), so that they follow the dark theme.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

WIDTH, LABELS, ROW = 640, 190, 30
HEIGHT, BOTTOM, LEFT = 200, 24, 8


def reach_svg(rows: list[dict], kinds: dict) -> str:
    """Return stacked bars, one per row ({label, total, url, counts, urls}), by kind."""
    height = ROW * len(rows)
    bars = format_html_join("", "{}", ((_bar(i, row, kinds),) for i, row in enumerate(rows)))
    return format_html(
        '<svg class="reach-chart" viewBox="0 0 {w} {h}" role="img" aria-label="{aria}">{bars}'
        "</svg>",
        w=WIDTH, h=height, bars=bars, aria=_("Who you can reach, overall and per source"),
    )  # fmt: skip


def _bar(i: int, row: dict, kinds: dict) -> str:
    y, x, room = i * ROW, LABELS, WIDTH - LABELS
    parts = []
    for kind, label in kinds.items():
        count = row["counts"][kind]
        if not count:
            continue
        width = count / row["total"] * room
        size = (_n(x), y + 4, _n(max(width, 1)), ROW - 8)
        parts.append((row["urls"][kind], kind, *size, label, _count(count)))
        x += width
    segments = format_html_join(
        "",
        '<a href="{}"><rect class="kind-{}" x="{}" y="{}" width="{}" height="{}">'
        "<title>{} : {}</title></rect></a>",
        parts,
    )
    return format_html(
        '<text x="{lx}" y="{ty}" text-anchor="end" class="chart-label">{label}</text>{segments}',
        lx=LABELS - 8, ty=y + ROW / 2 + 5, label=_short(str(row["label"])), segments=segments,
    )  # fmt: skip


def _short(label: str) -> str:
    return label if len(label) <= 24 else label[:23] + "…"


def growth_svg(points: list[tuple[datetime, int]], monthly: bool) -> str:
    """Return columns of how many contacts there were over time, or '' without any."""
    if not points:
        return ""
    top = max(total for _when, total in points)
    step = (WIDTH - LEFT) / len(points)
    bar = min(step * 0.8, 48)  # a few days do not make a wall of blue
    room = HEIGHT - BOTTOM - 16
    columns = format_html_join(
        "",
        '<rect class="growth-bar" x="{}" y="{}" width="{}" height="{}">'
        "<title>{} : {}</title></rect>",
        (
            (_n(LEFT + i * step + (step - bar) / 2), _n(HEIGHT - BOTTOM - total / top * room),
             _n(bar), _n(total / top * room), _when(when, monthly), _count(total))
            for i, (when, total) in enumerate(points)
        ),
    )  # fmt: skip
    return format_html(
        '<svg class="growth-chart" viewBox="0 0 {w} {h}" role="img" aria-label="{aria}">'
        '<text x="{l}" y="12" class="chart-label">{top}</text>{columns}'
        '<line x1="{l}" y1="{base}" x2="{w}" y2="{base}" class="chart-axis"/>'
        '<text x="{l}" y="{h}" class="chart-label">{first}</text>'
        '<text x="{w}" y="{h}" text-anchor="end" class="chart-label">{last}</text></svg>',
        w=WIDTH, h=HEIGHT, l=LEFT, base=HEIGHT - BOTTOM, columns=columns,
        top=_count(top), aria=_("Your contacts over time"),
        first=_when(points[0][0], monthly), last=_when(points[-1][0], monthly),
    )  # fmt: skip


def _n(value: float) -> str:
    return f"{value:.1f}"  # SVG wants a dot, whatever the language


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


def _when(moment: datetime, monthly: bool) -> str:
    fmt = "YEAR_MONTH_FORMAT" if monthly else "DATE_FORMAT"
    return date_format(timezone.localtime(moment), fmt)
