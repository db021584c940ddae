"""Mailchimp audience CSV (subscribed, unsubscribed, cleaned), with the consent it proves."""

import ipaddress

from django.utils.translation import gettext as _

from contacts.choices import ConsentBasis, EmailStatus, Source
from contacts.importing.formats import spreadsheet
from contacts.importing.formats.columns import Record, any_of, has, pick, quoted_list, utc_time
from contacts.importing.row import Row

NAME = "mailchimp"

detect_header = any_of(has("email address", "optin time"), has("email address", "member rating"))


def read_record(record: Record, line: int) -> Row:
    """Read one member, and what the file proves of their consent."""
    row = spreadsheet.read_record(record, line, Source.MAILCHIMP)
    row.email = pick(record, "email address")
    row.tags = quoted_list(pick(record, "tags"))
    if "unsub time" in record:
        _unsubscribed(row, record)
    elif "clean time" in record:
        _cleaned(row, record)
    elif pick(record, "optin time", "confirm time"):
        _subscribed(row, record)
    # Otherwise the file proves nothing, and the import's own basis decides.
    return row


def _unsubscribed(row: Row, record: Record) -> None:
    reason = ": ".join(filter(None, [pick(record, "unsub reason"),
                                     pick(record, "unsub reason other")]))  # fmt: skip
    messages = (
        _("Mailchimp: unsubscribed on %(time)s"),
        # Translators: the detail is the reason the person gave, or Mailchimp's.
        _("Mailchimp: unsubscribed on %(time)s, reason: %(detail)s"),
    )
    _left(row, EmailStatus.UNSUBSCRIBED, pick(record, "unsub time"), reason, messages)


def _cleaned(row: Row, record: Record) -> None:
    campaign = pick(record, "clean campaign title")
    messages = (
        _("Mailchimp: address cleaned on %(time)s"),
        # Translators: the detail is the title of the campaign the address bounced from.
        _("Mailchimp: address cleaned on %(time)s (campaign: %(detail)s)"),
    )
    _left(row, EmailStatus.BOUNCED, pick(record, "clean time"), campaign, messages)


def _left(row: Row, status: str, when: str, detail: str, messages: tuple[str, str]) -> None:
    """Record that the person left the audience, when, and why if the file says."""
    row.status, row.proof_at = status, utc_time(when)
    row.proof = messages[bool(detail)] % {"time": when, "detail": detail}


def _subscribed(row: Row, record: Record) -> None:
    """Record the opt-in, and its confirmation (double opt-in), as the proof of consent."""
    row.status, row.basis = EmailStatus.SUBSCRIBED, ConsentBasis.CONSENT
    steps = [
        _step(_("opted in on %(time)s"), pick(record, "optin time"), pick(record, "optin ip")),
        _step(
            _("confirmed on %(time)s"), pick(record, "confirm time"), pick(record, "confirm ip")
        ),
    ]
    row.proof = _("Mailchimp: subscribed (%(steps)s)") % {"steps": ", ".join(filter(None, steps))}
    # The original opt-in is the consent; the confirmation, when there was one, is in the
    # proof's words.
    row.proof_at = utc_time(pick(record, "optin time")) or utc_time(pick(record, "confirm time"))
    row.proof_ip = valid_ip(pick(record, "optin ip")) or valid_ip(pick(record, "confirm ip"))


def _step(message: str, when: str, ip: str) -> str:
    """Return one step of a subscription ("opted in on … from …"), or "" if not taken."""
    if not when:
        return ""
    step = message % {"time": when}
    return _("%(step)s from %(ip)s") % {"step": step, "ip": ip} if ip else step


def valid_ip(value: str) -> str:
    """Return the IP address written, or "" if it is none (Mailchimp writes "" or junk)."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return ""
