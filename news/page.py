"""What the public news page shows of a campaign: its words, nobody's data, no script.

A campaign is written for one recipient at a time; here it is rendered for no one: every
merge field is empty, the unsubscribe link is taken out, and the HTML goes through an
allowlist (nh3) so that nothing the body holds can run on the page.
"""

import re
from dataclasses import dataclass
from datetime import datetime

import nh3
from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe

from campaigns import templating
from campaigns.choices import CampaignKind, CampaignStatus
from campaigns.models import Campaign

_UNSUBSCRIBE = "#carnet-unsubscribe"  # stands for the link, then goes with it
_UNSUBSCRIBE_LINK = re.compile(rf'<a [^>]*href="{_UNSUBSCRIBE}"[^>]*>.*?</a>', re.DOTALL)
_SPACE_BEFORE_COMMA = re.compile(r"(?<=\w) +(?=,)")  # "Bonjour ," once the name is gone


@dataclass(frozen=True)
class Article:
    pk: int
    title: str
    html: SafeString
    published_at: datetime | None
    is_notice: bool

    @property
    def anchor(self) -> str:
        return f"n{self.pk}"


def published() -> QuerySet[Campaign]:
    """Return the campaigns shown below the notices: sent, public, latest first."""
    shown = Campaign.objects.filter(public=True, status=CampaignStatus.SENT)
    current_notices = shown.filter(kind=CampaignKind.OUTAGE, resolved_at=None)
    return shown.exclude(pk__in=current_notices.values("pk")).order_by("-finished_at", "-pk")


def article(campaign: Campaign) -> Article:
    """Return the campaign as the news page shows it, for nobody in particular."""
    return Article(
        pk=campaign.pk,
        title=_tidy(_render(campaign.subject, html=False)).strip(" ,;:-—") or campaign.name,
        html=mark_safe(_clean(_render(campaign.html_body, html=True))),  # sanitised by nh3
        published_at=campaign.finished_at or campaign.started_at,
        is_notice=campaign.kind == CampaignKind.OUTAGE,
    )


def _render(source: str, html: bool) -> str:
    fields = dict.fromkeys(templating.MERGE_FIELDS, "")
    fields["unsubscribe_url"] = _UNSUBSCRIBE
    return templating.render(templating.compile_template(source), fields, html=html)


def _clean(html: str) -> str:
    safe = nh3.clean(
        html,
        clean_content_tags={"script", "style", "title"},
        allowed_classes={"a": {"button"}},
        url_schemes={"http", "https", "mailto", "tel"},
    )
    safe = _UNSUBSCRIBE_LINK.sub("", safe).replace(_UNSUBSCRIBE, "")
    return _tidy(safe)


def _tidy(text: str) -> str:
    return _SPACE_BEFORE_COMMA.sub("", text)
