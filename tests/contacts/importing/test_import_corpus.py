"""Faithful re-creations of real exports (fixtures/corpus, described by its manifest.json):
each is recognised as what it is, every person in it arrives or is refused with a reason
a user can read, and importing it again creates nobody."""

import io

import pytest
from django.core.management import call_command

from contacts.models import Contact, ImportJob
from tests.contacts.importing.conftest import counts
from tests.contacts.importing.corpus_support import (
    MANIFEST,
    corpus_bytes,
    is_said_in_french,
    matching_contacts,
    reasons,
)

pytestmark = pytest.mark.django_db

# The manifest, file by file: (recognised format, distinct people it holds).
EXPECTED = {name: (entry["format"], entry["count"]) for name, entry in MANIFEST.items()}


def _import(tmp_path, name: str) -> tuple[dict[str, int], ImportJob]:
    path = tmp_path / name
    path.write_bytes(corpus_bytes(name))
    out = io.StringIO()
    call_command("import_contacts", str(path), stdout=out, stderr=io.StringIO())
    return counts(out.getvalue().strip()), ImportJob.objects.order_by("-pk").first()


def _refused(job: ImportJob, person: dict) -> bool:
    """Whether the report's errors list this person's row."""
    return any(
        item["line"] == person["line"] and item["file"].endswith(person.get("file", ""))
        for item in job.report.get("errors", [])
    )


def test_the_manifest_describes_every_file_of_the_corpus():
    from tests.contacts.importing.corpus_support import CORPUS

    on_disk = {p.name for p in CORPUS.iterdir() if p.name != "manifest.json"}
    built = {n: e["generated"] for n, e in MANIFEST.items() if "generated" in e}
    directories = {g.removeprefix("zip:") for g in built.values() if g.startswith("zip:")}
    assert on_disk == (set(MANIFEST) - set(built)) | directories
    assert all(len(e["people"]) == e["count"] and 5 <= e["count"] <= 30 for e in MANIFEST.values())


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_a_real_export_is_recognised(tmp_path, name):
    _, job = _import(tmp_path, name)
    assert job.format == EXPECTED[name][0]


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_every_person_of_a_real_export_arrives_or_is_refused_in_french(tmp_path, name):
    summary, job = _import(tmp_path, name)
    people = MANIFEST[name]["people"]
    unaccounted, refused = [], 0
    # People who share a key (two Marie Martin) need as many contacts as there are of them.
    by_keys: dict[tuple, list[dict]] = {}
    for person in people:
        by_keys.setdefault(tuple(person["keys"]), []).append(person)
    for keys, group in by_keys.items():
        found = matching_contacts(list(keys))
        errored = [p for p in group if _refused(job, p)]
        refused += len(errored)
        if len(found) + len(errored) < len(group):
            unaccounted.append((keys, len(found), len(group)))
    assert not unaccounted, f"people neither imported nor refused: {unaccounted}; {job.report}"
    assert summary["created"] + refused == EXPECTED[name][1], (summary, job.report)
    assert Contact.objects.count() == summary["created"]
    said = reasons(job.report)
    assert [r for r in said if not r.strip() or not is_said_in_french(r)] == []


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_a_real_export_imported_again_creates_nobody(tmp_path, name):
    _import(tmp_path, name)
    before = Contact.objects.count()
    again, job = _import(tmp_path, name)
    assert again["created"] == 0, job.report
    assert Contact.objects.count() == before


@pytest.mark.parametrize("name", ["outlook_en_full_header.csv", "outlook_live_people.csv"])
def test_contacts_of_an_outlook_export_with_its_real_header_come_from_outlook(tmp_path, name):
    _import(tmp_path, name)
    sources = set(Contact.objects.values_list("sources__source", flat=True))
    assert Contact.objects.exists() and sources == {"outlook"}
