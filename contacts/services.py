"""Operations on many contacts at once, used by the admin and the commands."""

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from contacts.models import Activity, Contact, Tag


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
