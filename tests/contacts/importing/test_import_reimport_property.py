"""Re-importing any file creates nobody, whatever identifiers its rows have (issue, defect 2).

For each format, hypothesis draws 1 to 8 people with any combination of identifiers (email,
phone, LinkedIn, Instagram, Facebook, website, a company, a name only), a writer renders
them as that program exports them (reimport_writers.py), and the same file is imported
twice with --basis consent.
"""

import io

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, example, given, settings

from contacts.models import Company, Contact, ImportJob, Tag
from tests.contacts.importing.conftest import counts
from tests.contacts.importing.reimport_writers import WRITERS, Person, people

pytestmark = pytest.mark.django_db

# About 3 s a format on this machine: the whole file runs in well under a minute.
PROPERTY = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# A couple's landline: two names, one number.
COUPLE = [
    Person(first="Hélène", last="Brûlé", phone="+33612345678", email="helene@exemple.fr"),
    Person(first="François", last="Brûlé", phone="+33612345678"),
]
# As a row of the old Google export that has only a name and a profile address.
NAME_AND_WEBSITE = [
    Person(first="Kévin", last="Moreau", website="https://kevin-moreau.exemple.fr")
]
# The formats that carry both a name and a phone.
PHONE_AND_NAME = [
    "csv",
    "xlsx",
    "vcard",
    "google",
    "google legacy",
    "outlook",
    "telegram",
    "brevo",
]


def _empty_address_book() -> None:
    """Hypothesis's examples share the test's transaction: each starts from nothing."""
    Contact.objects.all().delete()
    Tag.objects.all().delete()
    Company.objects.all().delete()
    ImportJob.objects.all().delete()


def _import(tmp_path, name: str, data: bytes | str) -> dict[str, int]:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    out = io.StringIO()
    call_command(
        "import_contacts", str(path), "--basis", "consent", stdout=out, stderr=io.StringIO()
    )
    return counts(out.getvalue().strip())


@pytest.mark.parametrize("format_", list(WRITERS))
@PROPERTY
@given(drawn=people())
@example(drawn=COUPLE)
@example(drawn=NAME_AND_WEBSITE)
def test_importing_the_same_file_again_creates_nobody(tmp_path, format_, drawn):
    _empty_address_book()
    if (written := WRITERS[format_](drawn)) is None:
        return  # nobody this format can hold
    name, data = written
    _import(tmp_path, name, data)
    before = Contact.objects.count()
    again = _import(tmp_path, name, data)
    assert again["created"] == 0, again
    assert Contact.objects.count() == before


@pytest.mark.parametrize("format_", PHONE_AND_NAME)
@PROPERTY
@given(drawn=people())
@example(drawn=COUPLE)
def test_two_people_sharing_a_phone_stay_two(tmp_path, format_, drawn):
    """Different names on one number (a couple's landline) are two contacts, not one."""
    numbers = [p.phone for p in drawn if p.phone and p.name]
    shared = [p for p in drawn if p.name and p.phone and numbers.count(p.phone) > 1]
    _empty_address_book()
    if not shared or (written := WRITERS[format_](drawn)) is None:
        return
    _import(tmp_path, *written)
    names = {(c.first_name, c.last_name) for c in Contact.objects.all()}
    assert [p.name for p in shared if (p.first, p.last) not in names] == []
