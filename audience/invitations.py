"""The one-time invitation of the no-consent contacts, sent as a campaign (issue 12).

Each no-consent contact with an address is invited once: the invitation is a campaign of
kind INVITATION, written from a default French text the owner may edit in the campaign
editor, so that every guarantee of sending holds (never twice, unsubscribe link, rate
limits). Its delivery rows are the per-contact record that nobody is invited twice
(`campaigns.services.invitable`). Confirming moves the contact to subscribed with proof;
no answer leaves it as it was.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import formats, timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from audience.confirming import Proof
from campaigns import services
from campaigns.choices import BodyFormat, CampaignKind, CampaignStatus, DeliveryStatus
from campaigns.models import Business, Campaign, Delivery
from campaigns.sending.compose import Composer, Recipient, Rendered
from contacts import consent
from contacts.choices import ConsentBasis, ConsentMethod, EmailStatus
from contacts.models import ConsentChange, ConsentEvent, Contact
from crm import roles

# What a new invitation takes from the last one, so that the owner's edits are kept.
TEXT_FIELDS = ("subject", "preheader", "body_format", "html_body", "text_body",
               "from_name", "from_email", "reply_to")  # fmt: skip


def confirm(delivery_id: int, proof: Proof) -> Contact | None:
    """Subscribe the contact an invitation was sent to; return it, or None if it may not be.

    Only a contact that still has the invited address and still has no consent moves; one
    already subscribed stays as it is (a second click is harmless).
    """
    delivery = (
        Delivery.objects.filter(pk=delivery_id, campaign__kind=CampaignKind.INVITATION)
        .exclude(contact=None)
        .first()
    )
    if delivery is None:
        return None
    with transaction.atomic():
        # Locked: an unsubscribe committed meanwhile is seen, never overwritten.
        contact = Contact.objects.select_for_update().filter(pk=delivery.contact_id).first()
        if contact is None or contact.email.lower() != delivery.email.lower():
            return None
        if contact.email_status == EmailStatus.SUBSCRIBED:
            return contact
        if contact.email_status != EmailStatus.NO_CONSENT:
            return None
        consent.change(contact, status=EmailStatus.SUBSCRIBED, basis=ConsentBasis.CONSENT,
                       how=_proof(delivery, proof))  # fmt: skip
    return contact


def _proof(delivery: Delivery, proof: Proof) -> ConsentChange:
    def when(moment) -> str:
        return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")

    with translation.override(settings.LANGUAGE_CODE):
        detail = _(
            "Invitation sent on %(sent)s; confirmed on %(confirmed)s from the IP address "
            "%(ip)s, with the browser “%(agent)s”."
        ) % {
            "sent": when(delivery.sent_at) if delivery.sent_at else _("an unknown date"),
            "confirmed": when(proof.at),
            "ip": proof.ip or "—",
            "agent": proof.user_agent or "—",
        }
    return ConsentChange(
        how=ConsentMethod.INVITATION,
        ip=proof.ip,
        proof_at=delivery.sent_at,
        proof_form=f"invitation #{delivery.campaign_id}",
        detail=detail,
    )


def figures() -> dict[str, int]:
    """Count who may still be invited, who was invited, and who answered."""
    invited = Delivery.objects.filter(
        campaign__kind=CampaignKind.INVITATION, status=DeliveryStatus.SENT
    )
    answered = ConsentEvent.objects.filter(how=ConsentMethod.INVITATION)
    return {
        "invitable": services.invitable().count(),
        "invited": invited.count(),
        "answered": answered.values("contact").distinct().count(),
    }


def next_invitation() -> Campaign:
    """Return the invitation to send next: the draft being prepared, or a new one (unsaved).

    A new one takes the text of the last invitation, which the owner may have edited, or
    else the default text.
    """
    invitations = Campaign.objects.filter(kind=CampaignKind.INVITATION).order_by("-pk")
    draft = invitations.filter(status=CampaignStatus.DRAFT).first()
    if draft is not None:
        return draft
    last = invitations.first()
    text = {name: getattr(last, name) for name in TEXT_FIELDS} if last else default_text()
    with translation.override(settings.LANGUAGE_CODE):
        day = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
        name = _("Invitation to stay in touch (%(day)s)") % {"day": day}
    return Campaign(kind=CampaignKind.INVITATION, name=name, **text)


def default_text() -> dict[str, str]:
    """Return the default invitation's subject and body, in the business's language."""
    business = Business.load()
    with translation.override(settings.LANGUAGE_CODE):
        # The merge fields go through as written: the campaign fills them for each contact.
        there = pgettext("Hello …,", "there")
        hello = "{{ first_name|default:'" + there + "' }}"
        context = {
            "business": business,
            "first_name": mark_safe(hello),
            "confirm_url": mark_safe("{{ confirm_url }}"),
            "days": settings.SIGNUP_CONFIRM_DAYS,
        }
        subject = render_to_string("audience/invitation/subject.txt", context)
        body = render_to_string("audience/invitation/body.html", context)
    return {"subject": " ".join(subject.split()), "body_format": BodyFormat.EDITOR,
            "html_body": body.strip(), "from_name": business.name[:100]}  # fmt: skip


def send(invitation: Campaign) -> int:
    """Start the invitation at once (saved first if new); return how many it invites.

    Raise ValidationError when its text cannot be sent (it must keep its button).
    """
    invitation.full_clean()  # Campaign.clean(): its button must still be there
    services.require_business()  # its bottom says who invites, as the law asks
    if not services.audience(invitation).exists():
        return 0
    if invitation.pk is None:
        invitation.save()
    with transaction.atomic():
        services.schedule(invitation)
        invited = services.start(invitation)
        services.nudge(invitation.pk)
    return invited


def page(request: HttpRequest) -> HttpResponse:
    """Show how many contacts the invitation will reach and its message; send it on POST."""
    if not request.user.has_perm("campaigns.add_campaign"):
        raise PermissionDenied
    invitation = next_invitation()
    if request.method == "POST":
        return _act(request, invitation, request.POST.get("action", ""))
    # Shown as the first contact it will reach to those who may see contacts; else as
    # "Marie Exemple", as the campaign preview does.
    sample = None
    if request.user.has_perm("contacts.view_contact"):
        sample = services.invitable().select_related("company").order_by("pk").first()
    context = {
        **admin.site.each_context(request),
        "title": _("Invite your contacts without consent"),
        "invitation": invitation,
        "count": services.audience(invitation).count(),
        "figures": figures(),
        "message": _preview(invitation, sample),
        "earlier": Campaign.objects.filter(kind=CampaignKind.INVITATION)
        .exclude(status=CampaignStatus.DRAFT)
        .order_by("-pk")[:5],
    }
    return TemplateResponse(request, "audience/invitation/page.html", context)


def _act(request: HttpRequest, invitation: Campaign, action: str) -> HttpResponse:
    if action == "edit":
        if invitation.pk is None:
            invitation.created_by = request.user
            invitation.save()
        return redirect("admin:campaigns_campaign_change", invitation.pk)
    if action != "send":
        return redirect("admin:invite_no_consent")
    if not request.user.has_perm(roles.SEND_CAMPAIGN):  # to every contact without consent
        raise PermissionDenied
    if invitation.pk is None:
        invitation.created_by = request.user
    try:
        invited = send(invitation)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("admin:invite_no_consent")
    if not invited:
        messages.warning(request, _("Nobody is left to invite: nothing was sent."))
        return redirect("admin:invite_no_consent")
    said = ngettext(
        "The invitation is on its way to %(n)s contact.",
        "The invitation is on its way to %(n)s contacts.",
        invited,
    )
    messages.success(request, said % {"n": invited})
    return redirect("admin:campaigns_campaign_change", invitation.pk)


def _preview(invitation: Campaign, contact: Contact | None) -> Rendered | None:
    """Render the invitation as the first contact it would reach (or an example)."""
    contact = contact or Contact(first_name="Marie", last_name="Exemple", email="marie@exemple.fr")
    recipient = Recipient(
        delivery_id=0, contact_id=0, email=contact.email, first_name=contact.first_name,
        last_name=contact.last_name, company=contact.company.name if contact.company_id else "",
    )  # fmt: skip
    try:
        return Composer(invitation).render(recipient)
    except ValidationError:
        return None  # the editor says why when the owner opens it
