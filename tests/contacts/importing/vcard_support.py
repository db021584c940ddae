"""What the vCard tests share: import through the command, read the rows and the report.

Only the importer's stable entry points are used (the `import_contacts` command and the
models), so that these tests hold whatever the modules of contacts.importing are called.
"""

import io
from pathlib import Path

from django.core.management import call_command

from contacts.models import Contact, ImportJob

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "vcard"

# What a report shown to a person must never contain: Python's own words…
PYTHON_WORDS = ("Error", "exception", "expected str", "list found", "Traceback", "NoneType")
# …nor the English of untranslated messages (the test settings' language is French).
ENGLISH_WORDS = ("unreadable", "card without", "lines without", "is not a valid")


def import_path(path: Path, *args: str) -> tuple[dict[str, int], ImportJob]:
    """Import the file with the command; return its counts and the job it recorded."""
    out = io.StringIO()
    call_command("import_contacts", str(path), *args, stdout=out, stderr=io.StringIO())
    summary = out.getvalue().strip().splitlines()[-1]
    counts = {key: int(value) for key, value in (item.split("=") for item in summary.split())}
    return counts, ImportJob.objects.order_by("-pk").first()


def import_fixture(name: str, *args: str) -> tuple[dict[str, int], ImportJob]:
    return import_path(FIXTURES / name, *args)


def import_data(tmp_path, name: str, data: bytes | str, *args: str, encoding="utf-8"):
    """Write the export to a file, import it; return (counts, job)."""
    path = tmp_path / name
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return import_path(path, *args)


def reasons(job: ImportJob, kind: str | None = None) -> list[str]:
    """The reasons the job's report gives, for "errors", "problems" or both."""
    kinds = [kind] if kind else ["errors", "problems"]
    return [item["reason"] for k in kinds for item in job.report.get(k, [])]


def unreadable_reasons(job: ImportJob) -> list[str]:
    """The report's reasons that show Python's internals or untranslated English."""
    return [
        reason
        for reason in reasons(job)
        if any(word in reason for word in PYTHON_WORDS)
        or any(word in reason.lower() for word in ENGLISH_WORDS)
    ]


def tags(contact: Contact) -> set[str]:
    return set(contact.tags.values_list("name", flat=True))


def handles(contact: Contact) -> dict[str, str]:
    return dict(contact.handles.values_list("network", "value"))


def sources(contact: Contact) -> set[str]:
    return set(contact.sources.values_list("source", flat=True))


def company(contact: Contact) -> str:
    return contact.company.name if contact.company else ""
