"""Whatever the file holds, the importer imports it or refuses it cleanly, never half-way."""

import io
import json
import unicodedata

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from contacts.models import ConsentEvent, Contact, ContactSource

pytestmark = pytest.mark.django_db
PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

_cell = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
_header = st.lists(
    st.sampled_from(
        [
            "Prénom",
            "Nom",
            "E-mail",
            "Téléphone",
            "Société",
            "Ville",
            "Labels",
            "First Name",
            "Last Name",
            "E-mail 1 - Value",
            "Phone 1 - Value",
            "URL",
            "Email Address",
            "Connected On",
            "OPTIN_TIME",
            "x",
        ]
    ),
    min_size=1,
    max_size=8,
)


def _import_and_check(tmp_path, name: str, data: bytes) -> None:
    """Import in a transaction rolled back afterwards; check the invariants of the result."""
    path = tmp_path / name
    path.write_bytes(data)
    with transaction.atomic():
        try:
            call_command("import_contacts", str(path), stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError as e:
            assert "\n" not in str(e)
            assert not Contact.objects.exists()
        else:
            # Every contact written whole: its source and its first consent record.
            contacts = Contact.objects.count()
            assert ContactSource.objects.values("contact").distinct().count() == contacts
            assert ConsentEvent.objects.values("contact").distinct().count() == contacts
        transaction.set_rollback(True)


@PROPERTY
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes(tmp_path, data):
    _import_and_check(tmp_path, "anything.csv", data)


@PROPERTY
@given(
    header=_header,
    rows=st.lists(st.lists(_cell, max_size=8), max_size=20),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_arbitrary_csv_shaped_text(tmp_path, header, rows, delimiter, encoding):
    lines = [delimiter.join(header)] + [delimiter.join(row) for row in rows]
    text = "\r\n".join(lines)
    _import_and_check(tmp_path, "x.csv", text.encode(encoding, errors="replace"))


_json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | _cell,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "value",
                    "title",
                    "href",
                    "timestamp",
                    "first_name",
                    "phone_number",
                    "user_id",
                    "details",
                    "contact_point",
                    "list",
                    "string_list_data",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@PROPERTY
@given(
    key=st.sampled_from(
        ["friends_v2", "friends", "address_book_v2", "relationships_following", "contacts"]
    ),
    value=_json_value,
)
def test_arbitrary_json_shaped_exports(tmp_path, key, value):
    _import_and_check(tmp_path, "x.json", json.dumps({key: value}).encode())


_vcard_line = st.sampled_from(
    [
        "N:",
        "FN:",
        "EMAIL:",
        "TEL;CELL:",
        "ORG:",
        "ADR:",
        "N;ENCODING=QUOTED-PRINTABLE:",
        "CATEGORIES:",
        "PHOTO;ENCODING=b:",
    ]
)


@PROPERTY
@given(cards=st.lists(st.lists(st.tuples(_vcard_line, _cell), max_size=5), max_size=5))
def test_arbitrary_vcard_shaped_text(tmp_path, cards):
    text = "".join(
        "BEGIN:VCARD\r\nVERSION:3.0\r\n"
        + "".join(f"{name}{value}\r\n" for name, value in card)
        + "END:VCARD\r\n"
        for card in cards
    )
    _import_and_check(tmp_path, "x.vcf", text.encode("utf-8", errors="replace"))


@PROPERTY
@given(_cell | st.text(" ab\xa0", max_size=6))
@example("Jean  Dupont")
@example(" Jean")
@example("Jean ")
@example("Jean\xa0Dupont")
@example("Jean\x00")
@example("Jose\u0301")
def test_cleaning_a_value_is_collapsing_its_blanks_and_composing_it(value):
    from contacts.importing.clean import _text

    # What _text() does the long way for every value, whether or not it has blanks to fold.
    expected = unicodedata.normalize("NFC", " ".join(value.replace("\x00", "").split()))
    assert _text(value) == expected
