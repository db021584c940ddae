"""anymail's tracking webhooks, mounted only behind ANYMAIL_WEBHOOK_SECRET, each used once.

anymail accepts unauthenticated calls with a mere warning when no secret is set; Carnet
refuses them, since a forged bounce or complaint would silence real customers.

Mailgun signs a timestamp and a one-time token, not the event posted beside them, and
anymail checks only that the two match: a signature seen once could carry any event, for
ever. Carnet refuses (403, nothing recorded) a signature more than WEBHOOK_MAX_AGE_SECONDS
from now, or whose token it has already seen. The other ESPs sign no timestamp (Postmark,
Brevo and Amazon SES rest on the basic auth), or sign the whole body, so that a replay
brings back the same events, stored under their ids and counted once (SendGrid with its
verification key, Postal, MailerSend); the svix library refuses a stale Resend signature.
"""

import functools
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from anymail import urls as anymail_urls
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpResponseForbidden
from django.urls import URLPattern
from django.utils import timezone

from campaigns.models import WebhookToken

log = logging.getLogger(__name__)


def _secret_required(view):
    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
            return HttpResponseForbidden("ANYMAIL_WEBHOOK_SECRET is not set.")
        return view(request, *args, **kwargs)

    return guarded


class _UsedOnce:
    """Put before an anymail view: its own checks, then a fresh signature used once."""

    def post(self, request, *args, **kwargs):
        # The token is kept in the transaction that applies the event: if applying fails
        # (a 500, which the ESP retries), the token goes too, and the retry is no replay.
        with transaction.atomic():
            response = super().post(request, *args, **kwargs)
        if self.esp_name == "Mailgun":
            _forget_stale_tokens()  # after the commit: its row locks held for no one's event
        return response

    def run_validators(self, request):
        super().run_validators(request)  # basic auth, then the ESP's own signature
        if self.esp_name == "Mailgun":
            timestamp, token = _mailgun_signature(request)
            _use_once("mailgun", timestamp, token)


def _mailgun_signature(request) -> tuple[str, str]:
    """Return the timestamp and token that anymail has just found signed."""
    if request.content_type == "application/json":
        signature = json.loads(request.body.decode("utf-8"))["signature"]
        return str(signature["timestamp"]), str(signature["token"])
    return request.POST["timestamp"], request.POST["token"]  # Mailgun's legacy form posts


def _use_once(esp: str, timestamp: str, token: str) -> None:
    """Refuse a signature that is stale or whose token was seen; else remember the token."""
    try:
        signed_at = datetime.fromtimestamp(float(timestamp), tz=UTC)
    except (ValueError, OverflowError, OSError):
        _refuse(esp, "its timestamp is unreadable", timestamp)
    if abs(timezone.now() - signed_at) > _max_age():
        _refuse(esp, "its signature is stale (or this server's clock is wrong)", timestamp)
    if len(token) > WebhookToken._meta.get_field("token").max_length:
        _refuse(esp, "its token is too long", timestamp)
    try:
        # The unique constraint decides between two posts of one token, even at once.
        with transaction.atomic():
            WebhookToken.objects.create(esp=esp, token=token, signed_at=signed_at)
    except IntegrityError:
        _refuse(esp, "its token was used before", timestamp)


def _refuse(esp: str, why: str, timestamp: str) -> NoReturn:
    log.warning("Refused a %s webhook: %s (signed at %s).", esp, why, timestamp[:20])
    raise PermissionDenied(f"Webhook refused: {why}.")


def _max_age() -> timedelta:
    return timedelta(seconds=settings.WEBHOOK_MAX_AGE_SECONDS)


def _forget_stale_tokens() -> None:
    """Forget the tokens of signatures too old to be accepted anyway."""
    WebhookToken.objects.filter(signed_at__lt=timezone.now() - _max_age()).delete()


def _guarded(callback):
    view_class = callback.view_class
    used_once = type(view_class.__name__, (_UsedOnce, view_class), {})
    return _secret_required(used_once.as_view(**callback.view_initkwargs))


urlpatterns = [
    URLPattern(p.pattern, _guarded(p.callback), p.default_args, p.name)
    for p in anymail_urls.urlpatterns
    if "tracking" in str(p.pattern)
]
