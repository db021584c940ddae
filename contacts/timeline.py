"""A contact's timeline: its notes, what happened to it and its consent history, merged."""

from dataclasses import dataclass
from datetime import datetime
from heapq import merge
from itertools import islice

from django.utils.translation import gettext as _

from contacts.models import Contact

LENGTH = 200


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    text: str
    by: str


def entries(contact: Contact, length: int = LENGTH) -> list[Entry]:
    """Return the contact's latest timeline entries, newest first."""
    notes = (
        Entry(note.created_at, _("Note"), note.body, _user(note.author))
        for note in contact.contact_notes.select_related("author")[:length]
    )
    activities = (
        Entry(activity.at, activity.get_kind_display(), activity.detail, _user(activity.by))
        for activity in contact.activities.select_related("by")[:length]
    )
    consent = (
        Entry(event.at, _("Consent"), _consent_text(event), _user(event.by))
        for event in contact.consent_events.select_related("by")[:length]
    )
    sources = (
        Entry(link.added_at, _("Source"), link.get_source_display(), "")
        for link in contact.sources.order_by("-added_at")[:length]
    )
    newest_first = merge(notes, activities, consent, sources, key=lambda e: e.at, reverse=True)
    return list(islice(newest_first, length))


def _consent_text(event) -> str:
    before = event.get_from_status_display() or "—"
    text = f"{before} → {event.get_to_status_display()} ({event.get_how_display()})"
    return f"{text}: {event.detail}" if event.detail else text


def _user(user) -> str:
    return user.get_username() if user else ""
