"""The one home of consent: its rules, and the only ways a contact's email status changes.

Every change of email status or consent basis goes through `change()` (one contact),
`change_many()` (a selection) or, for an import that writes in bulk, `import_records()`;
each writes the change and its proof to the consent history in the same transaction.
`Contact.save()` refuses any other change (DESIGN.md, Consent).
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.choices import ConsentMethod, EmailStatus
from contacts.models import ConsentChange, ConsentEvent, Contact

if TYPE_CHECKING:
    from contacts.importing.row import Row

BLOCKED_STATUSES = frozenset(
    {EmailStatus.UNSUBSCRIBED, EmailStatus.BOUNCED, EmailStatus.COMPLAINED}
)
# Among the ways out, a complaint weighs more than a bounce, a bounce more than a plain
# unsubscribe: nothing automatic (an import, a webhook) moves an address to a lighter one.
SEVERITY = {EmailStatus.UNSUBSCRIBED: 1, EmailStatus.BOUNCED: 2, EmailStatus.COMPLAINED: 3}
# Only the person (a confirmed form) or a user acting on the person's request may bring
# an address back from unsubscribed, bounced or complained; an import or a webhook never.
MAY_UNBLOCK = frozenset({ConsentMethod.ADMIN, ConsentMethod.FORM, ConsentMethod.CONFIRMATION})
COLUMNS = [f.attname for f in ConsentEvent._meta.concrete_fields if not f.primary_key]


class ConsentError(ValueError):
    """A change of email status that the consent rules forbid."""


def severity(status: str) -> int:
    return SEVERITY.get(status, 0)


def as_severe_as(status: str) -> list[str]:
    """Return the statuses at least as severe as `status` (it included)."""
    return [other for other, weight in SEVERITY.items() if weight >= severity(status)]


def check_transition(old: str, new: str, how: str) -> None:
    """Raise ConsentError unless `how` may move an address from `old` to `new`."""
    if old in BLOCKED_STATUSES and new not in BLOCKED_STATUSES and how not in MAY_UNBLOCK:
        raise ConsentError(
            _("An address that is %(old)s cannot become %(new)s through %(how)s.")
            % {
                "old": EmailStatus(old).label,
                "new": EmailStatus(new).label,
                "how": ConsentMethod(how).label,
            }
        )


def change(contact: Contact, *, status: str, basis: str | None = None, how: ConsentChange) -> bool:
    """Move `contact` to `status` (and `basis`, if given) with its proof; True if it moved.

    A new contact is created with them. Raise ConsentError if the rules forbid the move.
    """
    basis = contact.consent_basis if basis is None else basis
    with transaction.atomic():
        if contact.pk is None:
            contact.email_status, contact.consent_basis = status, basis
            # bulk_create inserts without Contact.save(), which would record a second,
            # anonymous creation.
            Contact.objects.bulk_create([contact])
            ConsentEvent.record(contact, "", how)
            contact.keep_consent_as_saved()
            return True
        # Lock the row so that a concurrent change cannot slip between our read of the old
        # status and the history record that names it.
        saved = Contact.objects.select_for_update().only("email_status", "consent_basis")
        saved = saved.get(pk=contact.pk)
        moved = _move(saved, status, basis, how)
        contact.email_status, contact.consent_basis = saved.email_status, saved.consent_basis
        contact.keep_consent_as_saved()
        return moved


def change_many(contacts: QuerySet[Contact], status: str, how: ConsentChange) -> int:
    """Move the contacts to `status` where the rules allow; return how many moved."""
    with transaction.atomic():
        candidates = (
            Contact.objects.select_for_update()
            .filter(pk__in=contacts.values("pk"))
            .exclude(email_status=status)
            .only("pk", "email_status", "consent_basis")
        )
        moved = 0
        for contact in candidates:
            try:
                moved += _move(contact, status, contact.consent_basis, how)
            except ConsentError:
                continue
    return moved


def record_creation(contact: Contact) -> None:
    """Record the status a contact was just created with outside `change()`."""
    ConsentEvent.record(contact, "", ConsentChange())


def _move(saved: Contact, status: str, basis: str, how: ConsentChange) -> bool:
    """Write the move of the locked `saved` contact and its history record."""
    old_status = saved.email_status
    if (old_status, saved.consent_basis) == (status, basis):
        return False
    check_transition(old_status, status, how.how)
    saved.email_status, saved.consent_basis = status, basis
    Contact.objects.filter(pk=saved.pk).update(
        email_status=status, consent_basis=basis, updated_at=timezone.now()
    )
    ConsentEvent.record(saved, old_status, how)
    return True


def merged(keep: Contact, other: Contact, other_email: bool) -> tuple[str, str]:
    """Return the (status, basis) of two records merged.

    The most restrictive wins: a merge never brings back an address that left.
    """
    for status in sorted(SEVERITY, key=severity, reverse=True):
        for contact in (keep, other):
            if contact.email_status == status:
                return status, contact.consent_basis
    source = other if other_email else keep
    return source.email_status, source.consent_basis


def for_new_contact(row: "Row", basis: str) -> tuple[str, str]:
    """Return (status, basis) for a contact an imported row creates."""
    if row.status:
        return row.status, row.basis if row.status == EmailStatus.SUBSCRIBED else ""
    if basis and row.email:
        return EmailStatus.SUBSCRIBED, basis
    return EmailStatus.NO_CONSENT, ""


def for_existing_contact(
    status: str, current_basis: str, row: "Row", basis: str
) -> tuple[str, str]:
    """Return the (status, basis) the contact should have after an imported row.

    An import may record an opt-out the file proves, and may subscribe an address that
    had no consent; it never brings back an address that left, bounced or complained.
    """
    wanted, wanted_basis = for_new_contact(row, basis) if row.email else ("", "")
    if wanted in BLOCKED_STATUSES and severity(wanted) > severity(status):
        return wanted, current_basis
    if wanted == EmailStatus.SUBSCRIBED and status in (
        EmailStatus.NO_CONSENT,
        EmailStatus.PENDING,
    ):
        return wanted, wanted_basis
    return status, current_basis


# One contact an import moved: (contact, old status, old basis, proof time as the database
# wants it, IP, detail).
ImportedMove = tuple[Contact, str, str, object, str, str]
_OWN_COLUMNS = ("contact_id", "proof_at", "from_status", "to_status", "basis", "ip", "detail")


def import_records(moves: Iterable[ImportedMove], how: ConsentChange, now) -> list[tuple]:
    """Return the history rows (in COLUMNS' order) of the contacts an import moved.

    The import writes contacts and rows set-based, in one transaction; a contact whose
    status and basis did not change gets none.
    """
    # What the whole chunk shares, once; each record then sets its own.
    shared = {
        "at": now, "how": how.how, "proof_file_name": how.proof_file_name,
        "proof_sha256": how.proof_sha256, "proof_form": how.proof_form,
        "by_id": how.by.pk if how.by else None, "detail": "",
    }  # fmt: skip
    record = [shared.get(name) for name in COLUMNS]
    own = [COLUMNS.index(name) for name in _OWN_COLUMNS]
    rows = []
    for contact, old_status, old_basis, proof_at, ip, detail in moves:
        if (contact.email_status, contact.consent_basis) == (old_status, old_basis):
            continue
        values = (contact.pk, proof_at, old_status, contact.email_status,
                  contact.consent_basis, ip or how.ip, detail)  # fmt: skip
        for index, value in zip(own, values, strict=True):
            record[index] = value
        rows.append(tuple(record))
    return rows
