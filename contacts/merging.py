"""Merge two records of one person into one, losing nothing."""

from django.db import transaction

from contacts import consent
from contacts.choices import ConsentMethod
from contacts.models import (
    Activity,
    ConsentChange,
    ConsentEvent,
    Contact,
    ContactPoint,
    ContactSource,
    ExternalKey,
    Handle,
    Note,
)

MERGED_FIELDS = (
    "first_name", "last_name", "email", "phone", "company", "job_title", "city", "postcode",
    "country", "language", "notes",
)  # fmt: skip


def merge(keep: Contact, other: Contact, take_from_other: set[str], by=None) -> Contact:
    """Merge `other` into `keep` and delete it; return `keep`.

    1. Each field in `take_from_other` takes `other`'s value; an empty field of `keep`
       takes `other`'s value anyway.
    2. Tags, notes, timeline, consent history, sources, keys and handles all move to
       `keep` (a second handle on one network is noted on the timeline); every address
       and number of both is kept, those not chosen as the main ones beside them.
    3. The email status is the more restrictive of the two when either is blocked,
       else the status of the address kept.
    """
    with transaction.atomic():
        # Lock both rows: an unsubscribe arriving meanwhile must not be lost.
        locked = Contact.objects.select_for_update().in_bulk([keep.pk, other.pk])
        keep, other = locked[keep.pk], locked[other.pk]
        status, basis = consent.merged(keep, other, "email" in take_from_other)
        reached_before = _reached(keep) + _reached(other)
        for name in MERGED_FIELDS:
            if name in take_from_other or not getattr(keep, name):
                setattr(keep, name, getattr(other, name))
        if keep.email and keep.email.lower() == other.email.lower():
            Contact.objects.filter(pk=other.pk).update(email="")  # free the unique address
        _move_related(keep, other)
        _keep_points(keep, other, reached_before)
        keep.save()
        how = ConsentChange(how=ConsentMethod.MERGE, by=by, detail=f"#{other.pk} {other}")
        consent.change(keep, status=status, basis=basis, how=how)
        keep.tags.add(*other.tags.all())
        Activity.objects.create(
            contact=keep, kind=Activity.Kind.MERGED, detail=f"#{other.pk} {other}", by=by
        )
        other.delete()
    return keep


def _reached(contact: Contact) -> list[tuple[str, str]]:
    """Return the contact's main address and number, as (kind, value)."""
    return [(ContactPoint.Kind.EMAIL, contact.email), (ContactPoint.Kind.PHONE, contact.phone)]


def _keep_points(keep: Contact, other: Contact, reached_before: list[tuple[str, str]]) -> None:
    """Keep beside `keep`'s main address and number every other one the two had."""
    held = {(kind, value.lower()) for kind, value in _reached(keep)}
    held |= {(p.kind, p.value.lower()) for p in keep.points.all()}
    given = [(kind, value, "", True) for kind, value in reached_before if value]
    given += [(p.kind, p.value, p.label, p.understood) for p in other.points.all()]
    new = {}
    for kind, value, label, understood in given:
        if (kind, value.lower()) not in held:
            fields = {"kind": kind, "value": value, "label": label, "understood": understood}
            new.setdefault((kind, value.lower()), ContactPoint(contact=keep, **fields))
    ContactPoint.objects.bulk_create(new.values())


def _move_related(keep: Contact, other: Contact) -> None:
    for model in (Note, Activity, ConsentEvent, ExternalKey):
        # A plain update: the consent history keeps every record, now under `keep`.
        model.objects.filter(contact=other).update(contact=keep)
    kept_sources = set(keep.sources.values_list("source", flat=True))
    ContactSource.objects.filter(contact=other).exclude(source__in=kept_sources).update(
        contact=keep
    )
    kept_networks = set(keep.handles.values_list("network", flat=True))
    for handle in Handle.objects.filter(contact=other):
        if handle.network in kept_networks:
            Activity.objects.create(
                contact=keep, kind=Activity.Kind.MERGED, detail=f"{handle} (not kept)"
            )
        else:
            Handle.objects.filter(pk=handle.pk).update(contact=keep)
