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
from contacts.models.imports import ExternalKey, ImportJob

__all__ = [
    "Activity",
    "Company",
    "ConsentChange",
    "ConsentEvent",
    "Contact",
    "ContactSource",
    "ExternalKey",
    "Handle",
    "ImportJob",
    "Note",
    "Tag",
]
