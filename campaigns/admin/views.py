"""The campaign pages behind CampaignAdmin: preview, test, status moves, progress, report."""

from datetime import datetime

from csp.decorators import csp
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin

from campaigns import services
from campaigns.admin.chart import timeline_svg
from campaigns.choices import CampaignStatus
from campaigns.models import Campaign, Delivery
from campaigns.sending.compose import Composer, Recipient
from campaigns.sending.transports import open_transport
from contacts.models import Contact, Segment, Tag

# The messages are lazy: translated when shown, in the user's language, not at import.
MOVES = {
    "pause": (services.pause, gettext_lazy("The campaign is paused.")),
    "resume": (services.resume, gettext_lazy("The campaign is resumed.")),
    "cancel": (services.cancel, gettext_lazy("The campaign is cancelled.")),
    "resend_unknown": (
        services.resend_unknown,
        gettext_lazy("The messages of unknown outcome are queued."),
    ),
}


# Whether a campaign is on the news page: the owner may change it once it is sent, too.
PUBLISHING = {
    "publish": (True, gettext_lazy("The campaign is on your news page.")),
    "unpublish": (False, gettext_lazy("The campaign is no longer on your news page.")),
}


def status_context(campaign: Campaign) -> dict:
    counters = services.counters(campaign)
    return {
        "counters": counters,
        "done": counters["total"] - counters["pending"],
        "time_zone": timezone.get_current_timezone_name(),
        "editable": campaign.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED),
        "business_refusal": services.business_refusal(),  # the panel warns before a send
        "audience_count": services.audience(campaign).count()
        if campaign.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)
        else None,
    }


def audience_count(request: HttpRequest) -> JsonResponse:
    """Count who would receive a campaign with the tags and segments being chosen."""

    def chosen(model, name):
        ids = [value for value in request.GET.getlist(name) if value.isdigit()]
        return list(model.objects.filter(pk__in=ids))

    count = services.audience_of(
        chosen(Tag, "tags"), chosen(Segment, "segments"),
        chosen(Tag, "exclude_tags"), chosen(Segment, "exclude_segments"),
    ).count()  # fmt: skip
    text = ngettext(
        "%(n)s contact may receive it today.", "%(n)s contacts may receive it today.", count
    ) % {"n": count}
    return JsonResponse({"count": count, "text": text})


def _sample(request: HttpRequest, campaign: Campaign, wanted: str) -> Contact:
    """Return the contact to render as: the one asked for (id or address), else the first.

    Only for users who may see contacts; others see the message as "Marie Exemple".
    """
    if not request.user.has_perm("contacts.view_contact"):
        return _EXAMPLE
    if wanted:
        found = Contact.objects.select_related("company")
        found = found.filter(pk=wanted) if wanted.isdigit() else found.by_email(wanted)
        if found.exists():
            return found.first()
    first = services.audience(campaign).select_related("company").order_by("pk").first()
    return first or _EXAMPLE


class ContactChooser(forms.Form):
    """Pick the contact the preview is rendered as, by name or address."""

    contact = forms.ModelChoiceField(
        Contact.objects.all(),
        label=gettext_lazy("Preview as"),
        widget=AutocompleteSelect(Delivery._meta.get_field("contact"), admin.site),
    )


_EXAMPLE = Contact(first_name="Marie", last_name="Exemple", email="marie@exemple.fr")


def _recipient(contact: Contact, to: str | None = None) -> Recipient:
    # A preview or a test is not a delivery: its unsubscribe link carries no contact.
    return Recipient(
        delivery_id=0,
        contact_id=0,
        email=to or contact.email,
        first_name=contact.first_name,
        last_name=contact.last_name,
        company=contact.company.name if contact.company_id else "",
    )


def preview(request: HttpRequest, campaign: Campaign, context: dict) -> TemplateResponse:
    wanted = request.GET.get("contact", "").strip()
    contact = _sample(request, campaign, wanted)
    if wanted and not wanted.isdigit() and contact.email.lower() != wanted.lower():
        messages.warning(
            request,
            _("No contact has the address %(wanted)s: shown as %(shown)s.")
            % {"wanted": wanted, "shown": contact.email},
        )
    elif contact.pk and not services.audience(campaign).filter(pk=contact.pk).exists():
        messages.warning(request, _("This contact will not receive the campaign."))
    try:
        message = Composer(campaign).render(_recipient(contact))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        message = None
    context.update(message=message, contact=contact, test_address=request.user.email,
                   chooser=ContactChooser(initial={"contact": contact.pk}))  # fmt: skip
    return TemplateResponse(request, "admin/campaigns/campaign/preview.html", context)


# How long a message shown in a frame stays at its address (a page left open, then reloaded).
FRAME_SECONDS = 24 * 3600


def message_frame_url(user, html: str) -> str:
    """Keep an email's HTML for `user` for a day; return the address its frame loads.

    A frame's srcdoc would live under the page's Content-Security-Policy, which allows no
    style="" attribute; at its own address the message has a policy of its own.
    """
    key = salted_hmac("carnet.message_frame", f"{user.pk}:{html}", algorithm="sha256")
    key = key.hexdigest()
    cache.set(f"message-frame:{key}", (user.pk, html), FRAME_SECONDS)
    return f"{reverse('message_frame')}?m={key}"


@csp(settings.MESSAGE_FRAME_POLICY)
@xframe_options_sameorigin
def message_frame(request: HttpRequest) -> HttpResponse:
    """Show a kept email (?m=), to the user it was kept for, in a sandbox without scripts."""
    key = request.GET.get("m", "")
    kept = cache.get(f"message-frame:{key}") if key.isalnum() and len(key) == 64 else None
    if kept is None or kept[0] != request.user.pk:
        raise Http404
    return HttpResponse(kept[1])


def send_test(request: HttpRequest, campaign: Campaign) -> None:
    """Send the campaign, rendered as a chosen contact, to one address; record nothing."""
    address = request.POST.get("address", "").strip()
    try:
        validate_email(address)
        message = Composer(campaign).render(
            _recipient(_sample(request, campaign, request.POST.get("contact", "")), to=address)
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return
    message.subject = _("[Test] %(subject)s") % {"subject": message.subject}
    transport = open_transport()
    try:
        result = transport.send(message)
    finally:
        transport.close()
    if result.outcome == "sent":
        messages.success(request, _("A test was sent to %(address)s.") % {"address": address})
    else:
        messages.error(
            request, _("The test could not be sent: %(error)s") % {"error": result.error}
        )


def act(request: HttpRequest, campaign: Campaign, action: str) -> None:
    if action in ("schedule", "send_now"):
        _schedule(request, campaign, now=action == "send_now")
        return
    if action in PUBLISHING:
        public, done = PUBLISHING[action]
        Campaign.objects.filter(pk=campaign.pk).update(public=public)
        messages.success(request, done)
        return
    if action not in MOVES:
        messages.error(request, _("Unknown action."))
        return
    move, done = MOVES[action]
    if move(campaign):
        messages.success(request, done)
    else:
        messages.error(request, _("Nothing to do for a campaign in this state."))


def _schedule(request: HttpRequest, campaign: Campaign, now: bool) -> None:
    try:
        campaign.full_clean()
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return
    at = None if now else _parse_local(request.POST.get("at", ""))
    if not now and at is None:
        messages.error(request, _("Give a date and time."))
        return
    refusal = services.refusal_to_schedule(campaign, at)
    if refusal:
        messages.error(request, refusal)
    elif services.schedule(campaign, at):
        shown = timezone.localtime(campaign.scheduled_at).strftime("%d/%m/%Y %H:%M")
        messages.success(request, _("The campaign will be sent at %(at)s.") % {"at": shown})
        if now:
            services.tick_soon()
    else:
        messages.error(request, _("Only a draft or a scheduled campaign can be scheduled."))


def _parse_local(value: str) -> datetime | None:
    """Read an <input type=datetime-local> value, in the business's time zone."""
    try:
        return timezone.make_aware(datetime.fromisoformat(value))
    except ValueError:
        return None


def progress(campaign: Campaign) -> JsonResponse:
    return JsonResponse({"status": campaign.status, **services.counters(campaign)})


def report(request: HttpRequest, campaign: Campaign, context: dict) -> TemplateResponse:
    context.update(
        counters=services.counters(campaign),
        chart=timeline_svg(campaign),
        time_zone=timezone.get_current_timezone_name(),
    )
    return TemplateResponse(request, "admin/campaigns/campaign/report.html", context)
