"""Operations on many contacts at once, used by the admin and the commands."""

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from contacts.choices import ConsentError, check_transition
from contacts.models import Activity, ConsentChange, ConsentEvent, Contact, Tag


def tag_named(name: str) -> Tag:
    """Return the tag called `name` (ignoring case), creating it if needed."""
    name = " ".join(name.split())
    try:
        return Tag.objects.get(name__iexact=name)
    except Tag.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return Tag.objects.create(name=name)
    except IntegrityError:
        # Someone created the same tag between our read and our insert.
        return Tag.objects.get(name__iexact=name)


def add_tag(contacts: QuerySet[Contact], tag: Tag, by=None) -> int:
    """Tag the contacts that lack `tag`, noting it on their timelines; return how many."""
    Link = Contact.tags.through
    with transaction.atomic():
        new_ids = list(contacts.exclude(tags=tag).values_list("pk", flat=True))
        Link.objects.bulk_create(
            [Link(contact_id=pk, tag=tag) for pk in new_ids], ignore_conflicts=True
        )
        _note_on_timelines(new_ids, Activity.Kind.TAGGED, tag.name, by)
    return len(new_ids)


def remove_tag(contacts: QuerySet[Contact], tag: Tag, by=None) -> int:
    """Untag the contacts that carry `tag`, noting it on their timelines; return how many."""
    Link = Contact.tags.through
    with transaction.atomic():
        ids = list(contacts.filter(tags=tag).values_list("pk", flat=True))
        Link.objects.filter(tag=tag, contact_id__in=ids).delete()
        _note_on_timelines(ids, Activity.Kind.UNTAGGED, tag.name, by)
    return len(ids)


def _note_on_timelines(contact_ids, kind, detail, by) -> None:
    Activity.objects.bulk_create(
        [Activity(contact_id=pk, kind=kind, detail=detail, by=by) for pk in contact_ids]
    )


def set_email_status(contacts: QuerySet[Contact], status: str, change: ConsentChange) -> int:
    """Move the contacts to `status` where the consent rules allow; return how many moved.

    Each move is written to the consent history in the same transaction.
    """
    with transaction.atomic():
        # Lock the rows so that a concurrent change cannot slip between our read of the
        # old status and the history record that names it.
        candidates = (
            Contact.objects.select_for_update()
            .filter(pk__in=contacts.values("pk"))
            .exclude(email_status=status)
        )
        moved, events = [], []
        for contact in candidates.only("pk", "email_status", "consent_basis"):
            try:
                check_transition(contact.email_status, status, change.how)
            except ConsentError:
                continue
            old_status, contact.email_status = contact.email_status, status
            moved.append(contact.pk)
            events.append(ConsentEvent.build(contact, old_status, change))
        Contact.objects.filter(pk__in=moved).update(email_status=status, updated_at=timezone.now())
        ConsentEvent.objects.bulk_create(events)
    return len(moved)
