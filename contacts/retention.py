"""Retention: prospects quiet for RETENTION_YEARS are asked to confirm, then deleted.

A prospect is a contact with an email address and no purchase basis (not an existing
customer), who never clicked a campaign and never confirmed an address (a sign-up, an
invitation, a re-permission), and with nothing from or about them for RETENTION_YEARS: not
created, no consent record, no opening, no note written, nothing the owner did on their
timeline (a tag, a merge: an activity by a user, or of another kind than the retention's
own). Emails sent to them are no sign of life (sending sets `last_contacted_at`, which is
why it is not read here): the CNIL counts from the last contact that came from the
prospect, and the re-permission email itself must not unflag.

A contact without an email address is never flagged nor deleted here, however old: it
cannot be asked to confirm, so it stays for the owner to decide about (a number from a
business card, a name met at a fair), who deletes it by hand if it should go.

Each day (contacts.tasks.apply_retention):
1. a flagged contact who is no longer quiet (they opened an email, a consent record…) is
   unflagged;
2. a contact flagged for more than RETENTION_GRACE_DAYS is deleted as an erasure deletes
   (contacts.erasure), without keeping their address's hash: they did not ask to be
   forgotten, they expired; a later import may add them again as a new contact. Only those
   who had unsubscribed, bounced or complained leave the hash, so that their refusal holds;
3. the quiet prospects not yet flagged are flagged (Contact.retention_flagged_at).
The owner prepares a re-permission campaign for the flagged (prepare_campaign()); a
recipient's "Je confirme" comes back through audience.confirming to reconfirm().
"""

import logging
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from campaigns.choices import BodyFormat, CampaignKind, CampaignStatus
from campaigns.models import Business, Campaign, Delivery
from contacts import consent, erasure
from contacts.choices import ConsentBasis, ConsentMethod, EmailStatus
from contacts.importing import uploads
from contacts.models import Activity, ConsentChange, ConsentEvent, Contact, ImportJob, Note

log = logging.getLogger(__name__)
CONFIRMED_BY = (ConsentMethod.FORM, ConsentMethod.CONFIRMATION, ConsentMethod.INVITATION)
# What this job itself writes on a timeline: no sign of life (unless a user did it).
OWN_KINDS = (Activity.Kind.FLAGGED, Activity.Kind.UNFLAGGED, Activity.Kind.RECONFIRMED)
# An upload the owner never confirmed (or whose worker died) is kept this long, then goes.
UPLOAD_KEPT = timedelta(days=2)


def quiet_since(now: datetime) -> datetime:
    """Return the moment RETENTION_YEARS before `now` (29 February: the 28th)."""
    year = now.year - settings.RETENTION_YEARS
    try:
        return now.replace(year=year)
    except ValueError:
        return now.replace(year=year, day=28)


def quiet_prospects(now: datetime | None = None) -> QuerySet[Contact]:
    """Return the prospects with an address and nothing from or about them for
    RETENTION_YEARS (see the module)."""
    since = quiet_since(now or timezone.now())
    person = OuterRef("pk")
    clicked = Delivery.objects.filter(contact=person, clicked_at__isnull=False)
    opened = Delivery.objects.filter(contact=person, opened_at__gt=since)
    confirmed = ConsentEvent.objects.filter(contact=person, how__in=CONFIRMED_BY)
    recorded = ConsentEvent.objects.filter(contact=person, at__gt=since)
    noted = Note.objects.filter(contact=person, created_at__gt=since)
    acted = Activity.objects.filter(contact=person, at__gt=since).filter(
        Q(by__isnull=False) | ~Q(kind__in=OWN_KINDS)
    )
    return (
        Contact.objects.exclude(consent_basis=ConsentBasis.CUSTOMER)
        .exclude(email="")
        .filter(created_at__lte=since)
        .exclude(Exists(clicked))
        .exclude(Exists(confirmed))
        .exclude(Exists(recorded))
        .exclude(Exists(opened))
        .exclude(Exists(noted))
        .exclude(Exists(acted))
    )


def flagged() -> QuerySet[Contact]:
    return Contact.objects.filter(retention_flagged_at__isnull=False)


def deletion_date(contact: Contact) -> datetime | None:
    """Return when the flagged contact goes without an answer."""
    if contact.retention_flagged_at is None:
        return None
    return contact.retention_flagged_at + timedelta(days=settings.RETENTION_GRACE_DAYS)


def run(now: datetime | None = None) -> dict[str, int]:
    """Apply the day's three steps (see the module); return how many each touched."""
    now = now or timezone.now()
    quiet = quiet_prospects(now)
    done = {
        "unflagged": _unflag(flagged().exclude(pk__in=quiet.values("pk"))),
        "deleted": _delete_expired(quiet, now),
        "flagged": _flag(quiet.filter(retention_flagged_at__isnull=True), now),
        "uploads": sweep_uploads(now),
    }
    log.info("retention: %(flagged)d flagged, %(unflagged)d no longer flagged, "
             "%(deleted)d deleted, %(uploads)d uploads deleted", done)  # fmt: skip
    return done


def _flag(contacts: QuerySet[Contact], now: datetime) -> int:
    with transaction.atomic():
        ids = list(contacts.values_list("pk", flat=True))
        Contact.objects.filter(pk__in=ids).update(retention_flagged_at=now)
        _note(ids, Activity.Kind.FLAGGED, now)
    return len(ids)


def _unflag(contacts: QuerySet[Contact]) -> int:
    with transaction.atomic():
        ids = list(contacts.values_list("pk", flat=True))
        Contact.objects.filter(pk__in=ids).update(retention_flagged_at=None)
        _note(ids, Activity.Kind.UNFLAGGED, timezone.now())
    return len(ids)


def _note(ids: list[int], kind: str, now: datetime) -> None:
    Activity.objects.bulk_create(Activity(contact_id=pk, kind=kind, at=now) for pk in ids)
    for pk in ids:
        log.info("contact #%d %s", pk, kind)


def _delete_expired(quiet: QuerySet[Contact], now: datetime) -> int:
    """Delete the contacts flagged for more than RETENTION_GRACE_DAYS; return how many."""
    limit = now - timedelta(days=settings.RETENTION_GRACE_DAYS)
    # Read first: SQLite does not isolate a query being read from deletes on its table.
    expired = list(quiet.filter(retention_flagged_at__lte=limit).only("pk", "email_status"))
    for contact in expired:
        said_no = contact.email_status in consent.BLOCKED_STATUSES
        reason = erasure.Reason.OPTED_OUT if said_no else None
        erasure.delete_person(contact, reason, why="deleted after the retention period")
    return len(expired)


def reconfirm(delivery_id: int, proof) -> Contact | None:
    """Record the "Je confirme" of a re-permission email's recipient; return the contact,
    or None if it is gone or no longer has the address the email went to.

    The address becomes subscribed on the basis of consent, with the proof; a contact
    already so gets the confirmation recorded beside its status (there is no change).
    """
    delivery = Delivery.objects.filter(
        pk=delivery_id, campaign__kind=CampaignKind.REPERMISSION
    ).first()
    if delivery is None or delivery.contact_id is None:
        return None  # deleted since (erased, or expired)
    with transaction.atomic():
        # Locked: an unsubscribe or an erasure committed meanwhile is seen, not overwritten.
        contact = Contact.objects.select_for_update().filter(pk=delivery.contact_id).first()
        if contact is None or contact.email.lower() != delivery.email.lower():
            return None
        wanted, how = (EmailStatus.SUBSCRIBED, ConsentBasis.CONSENT), _proof_of(delivery, proof)
        if (contact.email_status, contact.consent_basis) != wanted:
            consent.change(contact, status=wanted[0], basis=wanted[1], how=how)
        elif contact.retention_flagged_at is not None:
            ConsentEvent.record(contact, contact.email_status, how)
        else:
            return contact  # confirmed already: a second click records nothing
        Contact.objects.filter(pk=contact.pk).update(retention_flagged_at=None)
        contact.retention_flagged_at = None
        Activity.objects.create(contact=contact, kind=Activity.Kind.RECONFIRMED, at=proof.at)
    log.info("contact #%d reconfirmed", contact.pk)
    return contact


def _proof_of(delivery: Delivery, proof) -> ConsentChange:
    with translation.override(settings.LANGUAGE_CODE):
        detail = _("Asked to confirm by the email “%(name)s”; confirmed from the browser "
                   "“%(agent)s”.") % {"name": delivery.campaign.name,
                                       "agent": proof.user_agent or "—"}  # fmt: skip
    return ConsentChange(
        how=ConsentMethod.CONFIRMATION, ip=proof.ip, proof_at=proof.at,
        proof_form=f"re-permission #{delivery.campaign_id}", detail=detail,
    )  # fmt: skip


def prepare_campaign(by=None) -> Campaign:
    """Return the draft re-permission campaign, created with its default text if none."""
    draft = Campaign.objects.filter(
        kind=CampaignKind.REPERMISSION, status=CampaignStatus.DRAFT
    ).first()
    if draft is not None:
        return draft
    with translation.override(settings.LANGUAGE_CODE):  # the business's language
        text = _default_text()
    business = Business.load()
    return Campaign.objects.create(
        kind=CampaignKind.REPERMISSION, body_format=BodyFormat.EDITOR, created_by=by,
        from_name=business.name[:100], **text,
    )  # fmt: skip


def _default_text() -> dict[str, str]:
    # The merge fields go through as written: the campaign fills them for each contact.
    hello = "{{ first_name|default:'" + pgettext("Hello …,", "there") + "' }}"
    button = _("Yes, keep me on the list")
    lines = [
        _("Hello %(name)s,") % {"name": hello},
        _("We have not heard from you for a while. Do you still want to receive our news?"),
        f'<a class="button" href="{{{{ confirm_url }}}}">{button}</a>',
        _("Without an answer from you, we will delete your details in a few weeks."),
    ]
    return {
        "name": _("Do you still want our news?"),
        "subject": _("Do you still want to hear from us?"),
        "html_body": "".join(f"<p>{line}</p>" for line in lines),
    }


def sweep_uploads(now: datetime) -> int:
    """Delete the uploaded files no import will read: those of finished imports (the
    worker deletes them, unless it died), drafts never confirmed (with their draft), and
    orphans; return how many. Each import keeps its files' SHA-256."""
    old = now - UPLOAD_KEPT
    stale = ImportJob.objects.filter(status=ImportJob.Status.DRAFT, started_at__lte=old)
    finished = ImportJob.objects.filter(
        status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED]
    )
    gone = {_folder(path) for job in [*stale, *finished] for _name, path in job.files}
    stale.delete()
    waiting = ImportJob.objects.exclude(status__in=[ImportJob.Status.DONE,
                                                    ImportJob.Status.FAILED])  # fmt: skip
    kept = {_folder(path) for files in waiting.values_list("files", flat=True)
            for _name, path in files}  # fmt: skip
    folder = Path(settings.VAR_DIR) / "imports"
    swept = 0
    for stored in folder.glob("*/*") if folder.is_dir() else ():
        orphan = stored.stat().st_mtime <= old.timestamp()  # no import saved for it in time
        if stored.resolve().parent not in kept and (_folder(stored) in gone or orphan):
            uploads.discard(stored)
            swept += 1
    return swept


def _folder(path) -> Path:
    return Path(path).resolve().parent
