"""An import's report in the owner's words: formats by name, fields by label, people by name."""

from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils.text import capfirst

from contacts.forms import FIELD_LABELS
from contacts.models import Contact, ImportJob
from contacts.reachability import source_label

SHOWN = 100  # of each list of a report (the error CSV has them all)


def format_names(codes: str) -> str:
    """Return a job's formats ("csv, google") as people call them."""
    return ", ".join(str(source_label(code)) for code in codes.split(", ") if code)


def parts_in_words(job: ImportJob) -> list[dict]:
    """Return each file of the job with its format's name (one per file of an archive)."""
    parts = job.report.get("parts") or [{"file": job.file_names, "format": job.format}]
    return [{"file": p["file"], "format": format_names(p["format"])} for p in parts]


def field_label(name: str) -> str:
    """Return what the import page calls a contact field."""
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    try:
        return capfirst(Contact._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _people(ids: set[int]) -> dict[int, dict]:
    """Return the name and page of each contact still there, in one query."""
    found = Contact.objects.filter(pk__in=ids).only("first_name", "last_name", "email", "phone")
    return {
        c.pk: {"name": str(c), "url": reverse("admin:contacts_contact_change", args=[c.pk])}
        for c in found
    }


def _gone(pk: int, name: str = "") -> dict:
    """Return how a contact deleted (or merged) since the import is shown: its name, no link."""
    return {"name": name or f"#{pk}", "url": ""}


def kept_values(job: ImportJob) -> list[dict]:
    """Return the values Carnet kept where the file said otherwise, with names and labels."""
    conflicts = job.report.get("conflicts", [])[:SHOWN]
    people = _people({c["contact"] for c in conflicts})
    return [
        {
            "person": people.get(c["contact"]) or _gone(c["contact"]),
            "field": field_label(c["field"]),
            "kept": c["existing"],
            "incoming": c["incoming"],
        }
        for c in conflicts
    ]


def probable_duplicates(job: ImportJob) -> list[dict]:
    """Return the pairs of contacts that may be one person, with the link to merge them."""
    pairs = job.report.get("duplicates", [])[:SHOWN]
    people = _people({pk for d in pairs for pk in (d["contact"], d["other"])})
    merge = reverse("admin:contacts_contact_merge")
    return [
        {
            "new": people.get(d["contact"]) or _gone(d["contact"], d["name"]),
            "other": people.get(d["other"]) or _gone(d["other"]),
            "merge_url": f"{merge}?ids={d['contact']},{d['other']}"
            if d["contact"] in people and d["other"] in people
            else "",
        }
        for d in pairs
    ]
