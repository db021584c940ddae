"""The states of campaigns and deliveries, with the allowed moves written in one place."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    PAUSED = "paused", _("Paused")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class CampaignKind(models.TextChoices):
    """What a campaign is for; each kind has its own audience and may-send rule."""

    REGULAR = "regular", _("Campaign")
    OUTAGE = "outage", _("Outage notice")  # to every mailable contact, ahead of the rest
    INVITATION = "invitation", _("Invitation")  # double opt-in, to no-consent contacts
    REPERMISSION = "repermission", _("Re-permission")  # prospects quiet for years


class BodyFormat(models.TextChoices):
    EDITOR = "editor", _("Editor")
    HTML = "html", _("HTML")


# Which statuses each action may move a campaign from, and to what.
CAMPAIGN_MOVES = {
    "schedule": ({CampaignStatus.DRAFT, CampaignStatus.SCHEDULED}, CampaignStatus.SCHEDULED),
    "unschedule": ({CampaignStatus.SCHEDULED}, CampaignStatus.DRAFT),
    "start": ({CampaignStatus.SCHEDULED}, CampaignStatus.SENDING),
    "pause": ({CampaignStatus.SENDING, CampaignStatus.SCHEDULED}, CampaignStatus.PAUSED),
    "resume": ({CampaignStatus.PAUSED}, CampaignStatus.SENDING),
    "unpause": ({CampaignStatus.PAUSED}, CampaignStatus.SCHEDULED),
    "cancel": (
        {
            CampaignStatus.DRAFT,
            CampaignStatus.SCHEDULED,
            CampaignStatus.SENDING,
            CampaignStatus.PAUSED,
        },
        CampaignStatus.CANCELLED,
    ),
    "finish": ({CampaignStatus.SENDING}, CampaignStatus.SENT),
    "reopen": ({CampaignStatus.SENT}, CampaignStatus.SENDING),
}


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    CLAIMED = "claimed", _("Claimed by a worker")
    SENDING = "sending", _("Being handed over")
    SENT = "sent", pgettext_lazy("a delivery (un envoi)", "Sent")  # a campaign: "Envoyée"
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")
    UNKNOWN = "unknown", _("Outcome unknown")


# A delivery moves pending → claimed → sending → sent | failed, or claimed → pending (a
# transient failure, a pause), or to skipped when its contact may no longer be emailed.
# `sending` whose lease ran out becomes unknown: the message may or may not have left.
TERMINAL = frozenset(
    {DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED, DeliveryStatus.UNKNOWN}
)
OPEN = frozenset({DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.SENDING})


class Outcome(models.TextChoices):
    """What a transport says happened to one message."""

    SENT = "sent"
    RETRY = "retry"  # refused for now (4xx, 429, connection): safe to try again
    FAILED = "failed"  # refused for good (5xx): never retried
    BOUNCED = "bounced"  # the recipient's address was refused for good: suppress it
    UNCERTAIN = "uncertain"  # the connection broke while handing over: may have left
    UNAVAILABLE = "unavailable"  # the server or ESP cannot be reached now: nothing left
    REFUSED = "refused"  # the server or ESP refuses us (login, sender): fix the settings
