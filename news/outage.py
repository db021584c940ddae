"""The outage notice: an urgent campaign to every mailable contact, ahead of every other.

It is a Campaign of kind OUTAGE, made from the owner's notice text in one language, and
started at once: no waiting for the beat tick, and every other campaign's batches give way
to its deliveries (campaigns.sending.dispatch.notice_waiting).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import services
from campaigns.choices import BodyFormat, CampaignKind, CampaignStatus
from campaigns.models import Business, Campaign
from campaigns.sending.compose import Composer, Recipient, Rendered
from news import channels
from news.models import NoticeTemplate

# A notice is on the news page while it is being sent, paused, or sent, until resolved.
SHOWN = (CampaignStatus.SENDING, CampaignStatus.PAUSED, CampaignStatus.SENT)
EXAMPLE = Recipient(0, 0, "marie@exemple.fr", "Marie", "Exemple", "")


class Refused(Exception):
    """The notice cannot be sent now; the message says why, to the owner."""


def compose(language: str, subject: str = "", html: str = "") -> Campaign:
    """Return the notice, unsaved, from the text in `language` (or the given subject, HTML).

    Raise ValidationError when the text cannot be sent (a field outside the merge fields).
    """
    template = NoticeTemplate.load(language)
    business = Business.load()
    text_values = channels.values(business, language, html=False)
    moment = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    campaign = Campaign(
        kind=CampaignKind.OUTAGE,
        language=language,
        name=_("Outage notice of %(moment)s") % {"moment": moment},
        subject=channels.fill(subject or template.subject, text_values),
        html_body=channels.fill(html or template.html_body, channels.values(business, language)),
        body_format=BodyFormat.HTML,
        from_name=" ".join(business.name.split())[:100],
        public=True,  # once resolved, it stays in the news page's list
    )  # fmt: skip
    campaign.clean()
    return campaign


def preview(campaign: Campaign) -> Rendered:
    """Return the notice as an example client, Marie Exemple, would receive it."""
    return Composer(campaign).render(EXAMPLE)


def audience_count() -> int:
    """Count whom a notice would reach now: every contact who may be emailed."""
    return services.audience_of([], [], [], []).count()


def in_progress() -> Campaign | None:
    """Return the notice being sent, if one is."""
    busy = (CampaignStatus.SCHEDULED, CampaignStatus.SENDING)
    return Campaign.objects.filter(kind=CampaignKind.OUTAGE, status__in=busy).first()


def send(language: str, subject: str = "", html: str = "", user=None) -> Campaign:
    """Create the notice and start it now; return it. Raise Refused or ValidationError."""
    campaign = compose(language, subject, html)
    campaign.created_by = user
    with transaction.atomic():
        # A double click posts twice: the lock on the text makes the two wait in turn,
        # and the second finds the first notice sending instead of making another.
        NoticeTemplate.objects.select_for_update().filter(language=language).exists()
        _refuse_if_busy()
        campaign.save()
        services.schedule(campaign)
        started = services.start(campaign)
    if started:
        services.nudge(campaign.pk)  # queued now: the beat tick is not waited for
    else:
        services.finish_if_done(campaign)
    return campaign


def _refuse_if_busy() -> None:
    if refusal := services.business_refusal():
        raise Refused(refusal)
    if in_progress() is not None:
        raise Refused(_("A notice is being sent already: wait until it is sent."))
    if not audience_count():
        raise Refused(_("Nobody may be emailed yet: there is no one to warn."))


def resolve(campaign: Campaign) -> bool:
    """Close the notice: it leaves the top of the news page. Return whether it did."""
    done = Campaign.objects.filter(
        pk=campaign.pk, kind=CampaignKind.OUTAGE, resolved_at=None
    ).update(resolved_at=timezone.now())
    return bool(done)


def current() -> list[Campaign]:
    """Return the notices not resolved yet, the latest first: the news page's top."""
    notices = Campaign.objects.filter(kind=CampaignKind.OUTAGE, resolved_at=None, status__in=SHOWN)
    return list(notices.order_by("-started_at"))
