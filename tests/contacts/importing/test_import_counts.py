"""Every row of a file is counted in exactly one of the report's figures (created, completed,
unchanged, skipped, in error), whatever its format and wherever it was read (here or by the
reading process). A workbook naming the same person twice reported 5 rows of 6: the contact's
rows were counted once together, so the second row was counted nowhere."""

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.importing import jobs, pipeline
from contacts.models import Contact, ImportJob

pytestmark = pytest.mark.django_db
HEADER = ["Prénom", "Nom", "E-mail", "Téléphone", "Instagram"]
OWNER_ROWS = [
    ["Alice", "Martin", "alice@exemple.fr", "06 12 34 56 78", "alice.m"],
    ["Bruno", "Petit", "bruno@exemple.fr", "06 12 34 56 79", "brunop"],
    ["Chloé", "Durand", "chloe@exemple.fr", "06 12 34 56 70", "chloed"],
    ["David", "Leroy", "david@exemple.fr", "06 12 34 56 71", "davidl"],
    ["Emma", "Moreau", "emma@exemple.fr", "06 12 34 56 72", "emmam"],
    ["Alice", "Martin", "alice@exemple.fr", "06 12 34 56 78", "alice.m"],  # row 2 again
]
FIGURES = ("created", "updated", "unchanged", "skipped", "errors")


def write_file(path, rows):
    """Write the rows under HEADER as a workbook or a CSV file, by the path's suffix."""
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        for row in [HEADER, *rows]:
            book.active.append(row)
        book.save(path)
    else:
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([HEADER, *rows])
    return path


def figures(job: ImportJob) -> dict[str, int]:
    return {name: getattr(job, name) for name in FIGURES}


def command_line(path) -> dict[str, int]:
    out = io.StringIO()
    call_command("import_contacts", str(path), stdout=out, stderr=io.StringIO())
    last = out.getvalue().strip().splitlines()[-1]
    return {k: int(v) for k, v in (item.split("=") for item in last.split())}


def page_flow(path) -> dict[str, int]:
    """Import as the import page does: a job prepared and saved, then executed."""
    job = jobs.prepare([(path.name, path)])
    job.save()
    job = jobs.execute(job)
    job.refresh_from_db()
    assert job.rows_done == sum(figures(job).values())
    return figures(job)


@pytest.fixture(params=["read here", "read by a second process"])
def reader(request, monkeypatch):
    """Read here, then by the reading process, a workbook included (as an older run did)."""
    if request.param != "read here":
        monkeypatch.setattr(pipeline, "PROCESS_FROM_ROWS", 0)
        monkeypatch.setattr(jobs, "_is_workbook", lambda part: False)
    return request.param


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("run", [command_line, page_flow])
def test_a_person_twice_in_a_file_counts_both_rows(tmp_path, suffix, run, reader):
    path = write_file(tmp_path / f"clients{suffix}", OWNER_ROWS)
    first = run(path)
    assert first == {"created": 5, "updated": 0, "unchanged": 1, "skipped": 0, "errors": 0}
    assert Contact.objects.count() == 5
    again = run(path)  # nothing new: every row unchanged
    assert again == {"created": 0, "updated": 0, "unchanged": 6, "skipped": 0, "errors": 0}


def test_a_second_row_bringing_something_completes_the_contact(tmp_path):
    rows = [OWNER_ROWS[0], ["Alice", "Martin", "alice@exemple.fr", "", "alice.other"]]
    rows.append(["Alice", "", "alice@exemple.fr", "06 99 88 77 66", ""])  # a further number
    assert command_line(write_file(tmp_path / "a.csv", rows)) == {
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "skipped": 0,
        "errors": 0,
    }  # fmt: skip  (the second profile on Instagram is refused: one per network, unchanged)


def test_an_existing_contact_left_alone_is_counted_skipped_only(tmp_path):
    """--on-duplicate skip: an unsubscribe the file proves is applied, and its row is
    counted as skipped only (it was also counted as completed)."""
    call_command("import_contacts", str(write_file(tmp_path / "a.csv", OWNER_ROWS[:2])))
    path = tmp_path / "b.csv"
    path.write_text(
        "EMAIL;PRENOM;NOM;ADDED_TIME;EMAIL_BLACKLISTED\n"  # a Brevo export, its blocklist
        "alice@exemple.fr;Alice;Martin;2024-01-02 10:00:00;Yes\n"
        "nouveau@exemple.fr;Nina;Roux;2024-01-02 10:00:00;No\n"
    )
    out = io.StringIO()
    call_command("import_contacts", str(path), "--on-duplicate", "skip", stdout=out)
    summary = out.getvalue().strip().splitlines()[-1]
    assert summary == "created=1 updated=0 unchanged=0 skipped=1 errors=0"
    assert Contact.objects.get(email="alice@exemple.fr").email_status == "unsubscribed"


_person = st.sampled_from(
    [
        ["Alice", "Martin", "alice@exemple.fr", "", ""],
        ["Alice", "Martin", "ALICE@exemple.fr", "0612345678", "alice.m"],
        ["Alice", "Dupont", "alice@exemple.fr", "", ""],  # another person, the same address
        ["", "", "", "0612345678", ""],
        ["Bruno", "", "", "", "brunop"],
        ["Bruno", "Petit", "bruno@exemple.fr", "", "brunop"],
        ["", "", "pas une adresse", "", ""],
        ["", "", "", "", ""],
        ["Chloé", "", "chloe@exemple.fr", "+33 6 12 34 56 70", "chloed"],
    ]
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_person, min_size=1, max_size=12), suffix=st.sampled_from([".xlsx", ".csv"]))
def test_the_figures_add_up_to_the_rows(tmp_path_factory, rows, suffix):
    """Whatever repeats in a file, and whatever the database holds from the run before,
    the figures add up to the file's rows (a blank line is no row, in either format)."""
    path = write_file(tmp_path_factory.mktemp("counts") / f"f{suffix}", rows)
    data_rows = sum(any(row) for row in rows)
    for _ in range(2):
        counted = command_line(path)
        assert sum(counted.values()) == data_rows, counted
