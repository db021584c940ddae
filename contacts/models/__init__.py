from contacts.models.contacts import (
    Activity,
    Company,
    ConsentChange,
    ConsentEvent,
    Contact,
    ContactSource,
    Handle,
    Note,
    Tag,
)
from contacts.models.erasure import ErasedAddress
from contacts.models.imports import ExternalKey, ImportJob
from contacts.models.points import ContactPoint
from contacts.models.segments import Segment

__all__ = [
    "Activity",
    "Company",
    "ConsentChange",
    "ConsentEvent",
    "Contact",
    "ContactPoint",
    "ContactSource",
    "ErasedAddress",
    "ExternalKey",
    "Handle",
    "ImportJob",
    "Note",
    "Segment",
    "Tag",
]
