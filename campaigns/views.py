"""Public pages: the unsubscribe link every campaign message carries, and the brand's logo."""

from django.conf import settings
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from campaigns import unsubscribe as tokens
from campaigns.models import Business, Campaign, Delivery
from campaigns.sending.compose import sender
from campaigns.suppression import suppress
from contacts.choices import EmailStatus
from contacts.models import Contact
from crm.security import client_ip


@csrf_exempt  # RFC 8058: mail programs POST here with no cookie, token or login
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirmation; POST (one click, or the page's button) unsubscribes."""
    try:
        contact_id, campaign_id = tokens.read_token(token)
    except signing.BadSignature:
        return _page(request, "campaigns/unsubscribe_invalid.html", {}, status=404)
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    sender = sender_name(campaign)
    if contact_id == 0:  # the link of a test message: it unsubscribes nobody
        return _page(request, "campaigns/unsubscribe_test.html", {"sender": sender})
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        return _page(request, "campaigns/unsubscribe_invalid.html", {}, status=404)
    context = {"contact": contact, "campaign": campaign, "sender": sender}
    with translation.override(contact.language or settings.LANGUAGE_CODE):
        if request.method == "POST":
            _unsubscribe(request, contact, campaign)
            return render(request, "campaigns/unsubscribed.html", context)
        return render(request, "campaigns/unsubscribe.html", context)


def _page(request: HttpRequest, template: str, context: dict, status: int = 200):
    with translation.override(settings.LANGUAGE_CODE):
        return render(request, template, context, status=status)


def sender_name(campaign: Campaign | None) -> str:
    """Return the name the business writes under, for the public pages."""
    return sender(campaign)[0] or _("us")


def _unsubscribe(request: HttpRequest, contact: Contact, campaign: Campaign | None) -> None:
    if "List-Unsubscribe" in request.POST:
        reason = _("one click from the mail program (List-Unsubscribe-Post)")
    else:
        reason = _("unsubscribe link")
    suppress(contact.pk, EmailStatus.UNSUBSCRIBED, campaign, reason, ip=_ip(request))
    if campaign is not None:
        Delivery.objects.filter(
            campaign=campaign, contact=contact, unsubscribed_at__isnull=True
        ).update(unsubscribed_at=timezone.now())


def _ip(request: HttpRequest) -> str | None:
    return client_ip(request) or None


@require_http_methods(["GET", "HEAD"])
def business_logo(request: HttpRequest) -> FileResponse:
    """Serve the logo that campaign emails show: public, as mail programs fetch it."""
    business = Business.load()
    if not business.logo:
        raise Http404
    response = FileResponse(business.logo.open("rb"), content_type=_image_type(business.logo.name))
    # The address changes with the file (?v=), so mail programs may keep it.
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _image_type(name: str) -> str:
    return "image/png" if name.lower().endswith(".png") else "image/jpeg"
