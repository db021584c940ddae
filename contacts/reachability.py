"""How many contacts the business can reach without any social network (DESIGN.md).

Every contact falls in exactly one kind: an email it may write to now, an email without
consent, an email that is blocked, a phone and no email, or nothing but a social handle or
a name: the people a closed network would take away.
"""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from contacts.choices import Source
from contacts.consent import BLOCKED_STATUSES
from contacts.models import Contact, ContactSource
from contacts.models.contacts import mailable_condition

KINDS = {
    "mailable": _("email, may be written to now"),
    "email_no_consent": _("email, no consent yet"),
    "email_blocked": _("email blocked (unsubscribed, bounced, complained)"),
    "phone_only": _("phone, no email"),
    "social_only": _("social network or name only"),
}


def _kinds(prefix: str = "") -> dict[str, Q]:
    def q(**lookups) -> Q:
        return Q(**{prefix + name: value for name, value in lookups.items()})

    has_email, mailable = ~q(email=""), mailable_condition(prefix)
    blocked = has_email & q(email_status__in=BLOCKED_STATUSES)
    return {
        "mailable": mailable,
        "email_no_consent": has_email & ~mailable & ~blocked,
        "email_blocked": blocked,
        "phone_only": q(email="") & ~q(phone=""),
        "social_only": q(email="", phone=""),
    }


def counts() -> dict:
    """Return the counts of DESIGN.md: `total`, one per kind, and the same `by_source`."""
    overall = Contact.objects.aggregate(
        total=Count("pk"), **{kind: Count("pk", filter=q) for kind, q in _kinds().items()}
    )
    per_source = (
        ContactSource.objects.values("source")
        .annotate(
            total=Count("contact"),
            **{kind: Count("contact", filter=q) for kind, q in _kinds("contact__").items()},
        )
        .order_by("source")
    )
    by_source = {row.pop("source"): row for row in per_source}
    return {**overall, "by_source": by_source}


def source_label(source: str) -> str:
    return Source(source).label if source in Source.values else source
