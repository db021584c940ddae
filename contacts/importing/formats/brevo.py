"""Brevo (formerly Sendinblue) contacts CSV, its blocklist and double opt-in included."""

from django.utils.translation import gettext as _

from contacts.choices import ConsentBasis, EmailStatus, Source
from contacts.importing.formats import spreadsheet
from contacts.importing.formats.columns import Record, any_of, has, pick, utc_time
from contacts.importing.row import Row

NAME = "brevo"

detect_header = any_of(has("email", "added time"), has("email", "modified time"))

_YES = {"1", "true", "yes", "oui", "x"}
# When the person opted in, the likeliest column first; the time they were added at last.
_OPT_IN_TIMES = ("double opt in date", "double opt in time", "opt in date", "opt in time",
                 "opt in", "added time")  # fmt: skip


def read_record(record: Record, line: int) -> Row:
    """Read one contact; a blocklisted one is unsubscribed, a double opt-in subscribed."""
    row = spreadsheet.read_record(record, line, Source.BREVO)
    row.first_name = pick(record, "prenom", "firstname", "first name")
    row.last_name = pick(record, "nom", "lastname", "last name")
    row.phone = pick(record, "sms", "telephone", "phone", "mobile")
    blocked = [v for k, v in record.items() if "blacklist" in k or "blocklist" in k]
    if any(_yes(v) for v in blocked):
        row.status = EmailStatus.UNSUBSCRIBED
        row.proof = _("Brevo: blocklisted")
    elif _yes(record.get("double opt in", "")):
        _double_opt_in(row, record)
    return row


def _double_opt_in(row: Row, record: Record) -> None:
    """Record the confirmed opt-in as the proof of consent, with its time if written."""
    row.status, row.basis = EmailStatus.SUBSCRIBED, ConsentBasis.CONSENT
    written = next((record[k] for k in _OPT_IN_TIMES if utc_time(record.get(k, ""))), "")
    row.proof_at = utc_time(written)
    if written:
        row.proof = _("Brevo: double opt-in, on %(time)s") % {"time": written.strip()}
    else:
        row.proof = _("Brevo: double opt-in")


def _yes(value: str) -> bool:
    return value.strip().lower() in _YES
