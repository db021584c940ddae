"""The dashboard's "own audience" card: the sign-up link to share, who can be invited, who
is left to reach by hand, and the outage notice's button (issue "Own your audience")."""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from audience import invitations, signups, social


def counts() -> dict:
    """Count what the card shows; figures.refresh() keeps it with the other figures."""
    return {
        **invitations.figures(),  # invitable, invited, answered
        "social_only": social.remaining(),
        "signups_this_week": signups.this_week(),
        "signups_pending": signups.pending().count(),
    }


def links() -> dict:
    """Return the card's addresses (empty where a page does not exist for this user)."""
    return {
        "signup": settings.SITE_URL + _url("signup"),
        "signup_qr_svg": _url("signup_qr_svg"),
        "signup_qr_png": _url("signup_qr_png"),
        "signups": _url("admin:audience_signuppage_changelist"),
        "signups_pending_url": _pending_url(),
        "invite": _url("admin:invite_no_consent"),
        "social_only_url": _url("admin:social_only"),
        "outage_notice": _url("admin:outage_notice"),
    }


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _pending_url() -> str:
    """Return the sign-ups list filtered on those still waiting for their confirmation."""
    url = _url("admin:audience_signup_changelist")
    if not url:
        return ""
    waiting = {"confirmed_at__isnull": "True", "signed_up_at__gte": signups.pending_since()}
    return f"{url}?{urlencode({k: str(v) for k, v in waiting.items()})}"
