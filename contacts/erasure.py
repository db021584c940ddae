"""Erasure (GDPR, article 17): a person deleted with everything that names them.

What stays is a keyed hash of their addresses in the suppression list (ErasedAddress), so
that no import writes to them again; only their own double opt-in brings them back. The
retention job (contacts.retention) deletes expired prospects the same way, keeping a hash
only of those who had said no.

1. Lock the contact; gather its addresses (the main one and its further ones).
2. Tell other apps (the `erasing` signal), in the same transaction: they delete their own
   records of the person (a sign-up, say).
3. Delete its deliveries and their tracking events (the campaigns' counters then count
   one recipient fewer), scrub the import reports and the admin's history that name it.
4. Delete the contact: notes, consent history, activities, sources, handles, keys, further
   addresses and numbers go with it (foreign keys, ON DELETE CASCADE).
5. Keep the hashes; log the contact's number and a hash prefix, never the address.
"""

import hashlib
import hmac
import logging
import re
from collections.abc import Iterable

from django.conf import settings
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.dispatch import Signal
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.models import Campaign, Delivery, TrackingEvent
from contacts.models import Activity, Contact, ContactPoint, ErasedAddress, ImportJob

log = logging.getLogger(__name__)
SALT = "carnet.contacts.erasure"
Reason = ErasedAddress.Reason
# Sent inside the erasure's transaction, before the contact is deleted, with `contact` and
# `addresses` (normalised): an app that keeps its own records of people deletes them.
erasing = Signal()
REPORT_LISTS = ("errors", "problems", "conflicts", "duplicates")


def normalise(address: str) -> str:
    return address.strip().lower()


def address_hash(address: str, secret: str | None = None) -> str:
    """Return the HMAC-SHA256 (hexadecimal) of the normalised address, keyed with a secret
    derived from SECRET_KEY (or `secret`)."""
    return salted_hmac(SALT, normalise(address), secret, algorithm="sha256").hexdigest()


def _hashes(address: str) -> list[str]:
    """Return the address's hash under SECRET_KEY and under each key it replaced, so that
    a rotated key does not empty the list."""
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [address_hash(address, secret) for secret in secrets]


def is_erased(address: str) -> bool:
    """Return whether the address is on the suppression list."""
    if not address.strip():
        return False
    return ErasedAddress.objects.filter(address_hash__in=_hashes(address)).exists()


def erased_among(addresses: Iterable[str]) -> dict[str, str]:
    """Return those of `addresses` on the suppression list that no contact has now, as
    {normalised address: reason}."""
    return SuppressionList().erased_among(addresses)


class SuppressionList:
    """The suppression list read once, for the many chunks of an import.

    An address hashed here costs a microsecond, where salted_hmac() costs ten (it derives
    its key again each time): a million rows checked in a second or two.
    """

    def __init__(self):
        self.reasons = dict(ErasedAddress.objects.values_list("address_hash", "reason"))
        secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
        self.keys = [hashlib.sha256(SALT.encode() + force_bytes(s)).digest() for s in secrets]

    def hashes(self, address: str) -> list[str]:
        """Return the address's hash under each key (what address_hash() returns)."""
        value = normalise(address).encode()
        return [hmac.digest(key, value, "sha256").hex() for key in self.keys]

    def erased_among(self, addresses: Iterable[str]) -> dict[str, str]:
        """Return those of `addresses` on the list that no contact has now (see above)."""
        if not self.reasons:  # most Carnets: nobody was ever erased
            return {}
        erased = {}
        for address in {normalise(a) for a in addresses if a.strip()}:
            found = [self.reasons[h] for h in self.hashes(address) if h in self.reasons]
            if found:
                erased[address] = found[0]
        if not erased:
            return {}
        # Brought back by their own double opt-in: a contact has the address again.
        held = Contact.objects.exclude(email="").annotate(folded=Lower("email"))
        held = set(held.filter(folded__in=list(erased)).values_list("folded", flat=True))
        return {address: reason for address, reason in erased.items() if address not in held}


def addresses_of(contact: Contact) -> list[str]:
    """Return the contact's addresses, normalised: its main one first, then its others."""
    points = contact.points.filter(kind=ContactPoint.Kind.EMAIL).values_list("value", flat=True)
    found = [normalise(value) for value in [contact.email, *points] if value.strip()]
    return list(dict.fromkeys(found))


def inventory(contact: Contact) -> list[str]:
    """Say, one line each, what erasing the contact deletes (the confirmation shows it)."""
    addresses = addresses_of(contact)
    deliveries = _deliveries(contact, addresses)
    counts = [
        (contact.contact_notes.count(), lambda n: ngettext(
            "%(count)d note", "%(count)d notes", n)),
        (contact.consent_events.count(), lambda n: ngettext(
            "%(count)d consent record, with its proof",
            "%(count)d consent records, with their proofs", n)),
        (deliveries.count(), lambda n: ngettext(
            "%(count)d campaign email sent or to send",
            "%(count)d campaign emails sent or to send", n)),
        (_events(deliveries, addresses).count(), lambda n: ngettext(
            "%(count)d record of an opening, a click or a bounce",
            "%(count)d records of openings, clicks or bounces", n)),
        (contact.activities.count(), lambda n: ngettext(
            "%(count)d timeline entry", "%(count)d timeline entries", n)),
        (contact.points.count(), lambda n: ngettext(
            "%(count)d other email or phone", "%(count)d other emails and phones", n)),
        (contact.handles.count(), lambda n: ngettext(
            "%(count)d social profile", "%(count)d social profiles", n)),
        (contact.sources.count(), lambda n: ngettext(
            "%(count)d source (where the contact came from)",
            "%(count)d sources (where the contact came from)", n)),
        (len(_reports_naming(contact)), lambda n: ngettext(
            "%(count)d import report that names the person",
            "%(count)d import reports that name the person", n)),
    ]  # fmt: skip
    lines = [say(n) % {"count": n} for n, say in counts if n]
    return lines + _others(contact, addresses) + _campaigns_note(deliveries)


def _others(contact: Contact, addresses: list[str]) -> list[str]:
    """Say how many records of other apps go (sign-ups), in their own names."""
    lines = []
    for _name, records in elsewhere(contact, addresses):
        if n := records.count():
            names = records.model._meta
            lines.append(f"{n} {names.verbose_name if n == 1 else names.verbose_name_plural}")
    return lines


def _campaigns_note(deliveries) -> list[str]:
    if not (n := deliveries.values("campaign").distinct().count()):
        return []
    return [
        ngettext(
            "The campaign sent to this person will count one recipient fewer.",
            "The %(count)d campaigns sent to this person will each count one recipient fewer.",
            n,
        )
        % {"count": n}
    ]


def forget(contact: Contact, by=None) -> str:
    """Erase the contact at the person's request; return the hash prefix logged."""
    return delete_person(contact, Reason.ERASURE, by=by)


def delete_person(contact: Contact, reason: str | None, by=None, why: str = "erased") -> str:
    """Delete the contact and every trace of it (see the module's steps); keep the hash of
    its addresses with `reason` unless None. Return the hash prefix logged ("" if none)."""
    with transaction.atomic():
        _overwrite_deleted_rows()
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        pk, addresses = contact.pk, addresses_of(contact)
        erasing.send(sender=Contact, contact=contact, addresses=addresses)
        deliveries = _deliveries(contact, addresses)
        _events(deliveries, addresses).delete()
        others = [deliveries, *(records for _name, records in elsewhere(contact, addresses))]
        _replace_admin_history(contact, others, by)
        for records in others:
            records.delete()
        _scrub_reports(contact)
        _scrub_campaign_messages(addresses)
        contact.delete()
        own = _own(addresses, normalise(contact.email))
        prefix = _keep_hashes(own, reason) if reason else ""
    log.info("contact #%d %s%s", pk, why, f" (address hash {prefix}…)" if prefix else "")
    return prefix


def _overwrite_deleted_rows() -> None:
    """Have SQLite overwrite what it deletes: a deleted row otherwise stays readable in the
    database file's free pages (PostgreSQL's VACUUM reclaims its dead rows)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")


def _deliveries(contact: Contact, addresses: list[str]):
    """Return the person's deliveries: theirs, and those to their addresses whose contact
    was deleted before (a merge, an earlier deletion)."""
    orphans = Q(contact__isnull=True) & Q(folded__in=addresses)
    return Delivery.objects.alias(folded=Lower("email")).filter(Q(contact=contact) | orphans)


def elsewhere(contact: Contact, addresses: list[str]) -> list[tuple[str, models.QuerySet]]:
    """Return, beside deliveries, the records of other apps that point at the contact but
    are made to outlive it (ON DELETE SET NULL: a sign-up), with those of the same kind to
    the person's addresses that point at no contact: they are about the person. Each comes
    as (the name the contact reaches them by, the records)."""
    found = []
    for relation in Contact._meta.related_objects:
        model, link = relation.related_model, relation.field.name
        if relation.on_delete is not models.SET_NULL or model is Delivery:
            continue
        rows = Q(**{link: contact})
        if any(field.name == "email" for field in model._meta.concrete_fields):
            rows |= Q(**{f"{link}__isnull": True, "folded__in": addresses})
            records = model.objects.alias(folded=Lower("email")).filter(rows)
        else:
            records = model.objects.filter(rows)
        found.append((relation.get_accessor_name(), records))
    return found


def _events(deliveries, addresses: list[str]):
    """Return the tracking events of the deliveries, and those to the addresses that no
    delivery holds (an ESP's event for a message it could not match)."""
    orphans = Q(delivery__isnull=True) & Q(folded__in=addresses)
    linked = Q(delivery__in=deliveries.values("pk"))
    return TrackingEvent.objects.alias(folded=Lower("recipient")).filter(linked | orphans)


def _needles(contact: Contact) -> list[str]:
    """Return what names the person in a report, lower-cased: addresses, number, full name."""
    needles = [*addresses_of(contact), contact.phone]
    if contact.first_name and contact.last_name:
        needles.append(contact.full_name)
    return [needle.lower() for needle in needles if needle]


def _names(entry: dict, pk: int, needles: list[str]) -> bool:
    """Return whether a report's entry (an error, a conflict…) is about the person."""
    if pk in (entry.get("contact"), entry.get("other")):
        return True
    text = " ".join(str(value) for value in entry.values()).lower()
    return any(needle in text for needle in needles)


def _reports_naming(contact: Contact) -> list[ImportJob]:
    needles = _needles(contact)
    jobs = ImportJob.objects.exclude(report={}).only("pk", "report")
    return [
        job
        for job in jobs.iterator()
        if any(_names(e, contact.pk, needles) for k in REPORT_LISTS for e in job.report.get(k, []))
    ]


def _scrub_reports(contact: Contact) -> None:
    """Remove from the import reports (and so their CSV of errors) every entry about the
    person; the counts stay, and the report says how many entries went."""
    needles = _needles(contact)
    for job in _reports_naming(contact):
        removed = 0
        for kind in REPORT_LISTS:
            kept = [e for e in job.report.get(kind, []) if not _names(e, contact.pk, needles)]
            removed += len(job.report.get(kind, [])) - len(kept)
            job.report[kind] = kept
        job.report["erased"] = job.report.get("erased", 0) + removed
        ImportJob.objects.filter(pk=job.pk).update(report=job.report)


def _scrub_campaign_messages(addresses: list[str]) -> None:
    """Blank a campaign's pause reason or sending problem that quotes an address."""
    for address in addresses:
        for name in ("paused_reason", "sending_problem"):
            Campaign.objects.filter(**{f"{name}__icontains": address}).update(**{name: ""})


def _replace_admin_history(contact: Contact, others: list[models.QuerySet], by) -> None:
    """Delete the admin's history of the contact, of the records merged into it and of its
    other records (it names the person); record the erasure under its number alone when a
    user did it."""
    merged = contact.activities.filter(kind=Activity.Kind.MERGED).values_list("detail", flat=True)
    ids = [contact.pk, *(int(found[1]) for d in merged if (found := re.match(r"#(\d+) ", d)))]
    kind = ContentType.objects.get_for_model(Contact)
    LogEntry.objects.filter(content_type=kind, object_id__in=[str(pk) for pk in ids]).delete()
    for records in others:
        named = ContentType.objects.get_for_model(records.model)
        ids = [str(pk) for pk in records.values_list("pk", flat=True)]
        LogEntry.objects.filter(content_type=named, object_id__in=ids).delete()
    if by is not None:
        LogEntry.objects.create(
            user=by, content_type=kind, object_id=str(contact.pk), object_repr=f"#{contact.pk}",
            action_flag=DELETION, change_message=_("Erased at the person's request."),
        )  # fmt: skip


def _own(addresses: list[str], main: str) -> list[str]:
    """Return the main address and those of the further ones no other contact has (a
    shop's shared address must not be refused to its colleagues)."""
    others = [address for address in addresses if address != main]
    held = Contact.objects.annotate(folded=Lower("email")).filter(folded__in=others)
    held = set(held.values_list("folded", flat=True))
    points = ContactPoint.objects.alias(folded=Lower("value")).filter(folded__in=others)
    held |= {value.lower() for value in points.values_list("value", flat=True)}
    return [address for address in addresses if address == main or address not in held]


def _keep_hashes(addresses: list[str], reason: str) -> str:
    """Put the addresses' hashes on the suppression list; return the first's prefix.

    An erasure replaces the reason of an address already there: it weighs more.
    """
    hashes = [address_hash(address) for address in addresses]
    for value in hashes:
        kept, created = ErasedAddress.objects.get_or_create(
            address_hash=value, defaults={"reason": reason}
        )
        if not created and reason == Reason.ERASURE and kept.reason != reason:
            ErasedAddress.objects.filter(pk=kept.pk).update(reason=reason)
    return hashes[0][:12] if hashes else ""


def skip_reason(reason: str) -> str:
    """Say, in a report, why an import left out a row whose address is on the list."""
    if reason == Reason.OPTED_OUT:
        return _(
            "This address had unsubscribed, and its contact was deleted after the "
            "retention period: Carnet does not add it again."
        )
    return _("This person asked for their data to be erased.")
