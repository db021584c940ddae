"""What an import may do to a contact's consent (DESIGN.md, Consent)."""

from contacts.choices import BLOCKED_STATUSES, EmailStatus, severity
from contacts.importing.row import Row


def for_new_contact(row: Row, basis: str) -> tuple[str, str]:
    """Return (status, basis) for a contact this row creates."""
    if row.status:
        return row.status, row.basis if row.status == EmailStatus.SUBSCRIBED else ""
    if basis and row.email:
        return EmailStatus.SUBSCRIBED, basis
    return EmailStatus.NO_CONSENT, ""


def for_existing_contact(status: str, current_basis: str, row: Row, basis: str) -> tuple[str, str]:
    """Return the (status, basis) the contact should have after this row.

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
