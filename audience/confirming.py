"""The double opt-in's links, shared by every kind of confirmation.

A link to `/inscription/confirmer/<token>/` carries a signed, timestamped (kind, id):
- "signup": an `audience.Signup` (someone who filled the public form);
- "invitation": the `campaigns.Delivery` of an invitation (a no-consent contact invited);
- "repermission": the `campaigns.Delivery` of a re-permission campaign (a quiet prospect).
The GET shows a "Je confirme" button and changes nothing (mail scanners follow links); the
POST calls the kind's confirmer with the proof. Valid for SIGNUP_CONFIRM_DAYS.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from crm.security import client_ip

SALT = "carnet.audience.confirm"

# Each kind's confirmer: (pk, Proof) -> the Contact now confirmed, or None (nothing to do,
# or no longer possible). Dotted paths: each lives with what it confirms.
CONFIRMERS = {
    "signup": "audience.signups.confirm",
    "invitation": "audience.invitations.confirm",
    "repermission": "contacts.retention.reconfirm",
}


@dataclass(frozen=True)
class Proof:
    """What the confirming request proves: when, from where, with what."""

    at: datetime
    ip: str | None
    user_agent: str

    @classmethod
    def of(cls, request: HttpRequest) -> "Proof":
        return cls(
            at=timezone.now(),
            ip=client_ip(request) or None,  # the visitor's, behind a trusted proxy too
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )


def make_token(kind: str, pk: int) -> str:
    if kind not in CONFIRMERS:
        raise ValueError(f"unknown confirmation kind {kind!r}")
    return signing.TimestampSigner(salt=SALT).sign_object([kind, pk])


def read_token(token: str) -> tuple[str, int] | None:
    """Return (kind, pk) of a valid, unexpired link, or None."""
    max_age = settings.SIGNUP_CONFIRM_DAYS * 86400
    try:
        kind, pk = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if kind not in CONFIRMERS or not isinstance(pk, int):
        return None
    return kind, pk


def confirm_url(kind: str, pk: int) -> str:
    """Return the absolute address of the confirmation page for (kind, pk)."""
    return settings.SITE_URL + reverse("signup_confirm", args=[make_token(kind, pk)])


def confirm(kind: str, pk: int, proof: Proof):
    """Run the kind's confirmer; return the contact confirmed, or None."""
    return import_string(CONFIRMERS[kind])(pk, proof)
