"""Public pages: the unsubscribe link every campaign message carries."""

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from campaigns import unsubscribe as tokens
from campaigns.models import Campaign, Delivery
from campaigns.suppression import suppress
from contacts.choices import EmailStatus
from contacts.models import Contact


@csrf_exempt  # RFC 8058: mail programs POST here with no cookie, token or login
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirmation; POST (one click, or the page's button) unsubscribes."""
    try:
        contact_id, campaign_id = tokens.read_token(token)
    except signing.BadSignature:
        raise Http404 from None
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise Http404
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    with translation.override(contact.language or settings.LANGUAGE_CODE):
        if request.method == "POST":
            _unsubscribe(request, contact, campaign)
            return render(request, "campaigns/unsubscribed.html", {"contact": contact})
        return render(
            request, "campaigns/unsubscribe.html", {"contact": contact, "campaign": campaign}
        )


def _unsubscribe(request: HttpRequest, contact: Contact, campaign: Campaign | None) -> None:
    reason = "List-Unsubscribe-Post" if "List-Unsubscribe" in request.POST else "link"
    suppress(contact.pk, EmailStatus.UNSUBSCRIBED, campaign, reason, ip=_ip(request))
    if campaign is not None:
        Delivery.objects.filter(
            campaign=campaign, contact=contact, unsubscribed_at__isnull=True
        ).update(unsubscribed_at=timezone.now())
    contact.email_status = Contact.objects.values_list("email_status", flat=True).get(
        pk=contact.pk
    )


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
