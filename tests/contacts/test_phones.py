import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from contacts.phones import display_phone, normalise_phone


@pytest.mark.parametrize(
    "typed",
    [
        "0612345678",
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "612345678",  # Excel dropped the leading 0
        "+33612345678",
        "+33 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "0033 6 12 34 56 78",
        "'+33612345678",  # neutralised by a spreadsheet export
    ],
)
def test_it_writes_french_mobiles_in_e164(typed):
    assert normalise_phone(typed, "FR") == "+33612345678"


def test_it_reads_a_landline():
    assert normalise_phone("01 42 68 53 00", "FR") == "+33142685300"


def test_it_keeps_foreign_numbers_written_internationally():
    assert normalise_phone("+44 20 7946 0958", "FR") == "+442079460958"


def test_it_uses_the_given_region_for_national_numbers():
    assert normalise_phone("(415) 555-2671", "US") == "+14155552671"


def test_it_returns_nothing_for_a_blank_value():
    assert normalise_phone("  ", "FR") == ""


@pytest.mark.parametrize("rounded", ["6,12346E+08", "3,36612E+10", "3.36612e+10"])
def test_it_refuses_numbers_rounded_by_excel(rounded):
    with pytest.raises(ValidationError) as error:
        normalise_phone(rounded, "FR")
    assert error.value.code == "scientific"


@pytest.mark.parametrize("junk", ["12", "not a phone", "06 12"])
def test_it_refuses_what_is_not_a_phone_number(junk):
    with pytest.raises(ValidationError) as error:
        normalise_phone(junk, "FR")
    assert error.value.code == "invalid"


_REGIONS = ["FR", "BE", "CH", "DE", "ES", "IT", "US", "GB"]


@settings(max_examples=2000, deadline=None)
@given(
    region=st.sampled_from(_REGIONS),
    prefix=st.sampled_from(["", "0", "00", "+", "+33", "0033", "+32", "+1", "+44"]),
    digits=st.text(alphabet="0123456789", min_size=4, max_size=13),
    separator=st.sampled_from(["", " ", ".", "-"]),
)
def test_the_fast_path_answers_as_phonenumbers_does(region, prefix, digits, separator):
    typed = prefix + separator.join(digits[i : i + 2] for i in range(0, len(digits), 2))
    try:
        number = phonenumbers.parse(typed, region)
        expected = (
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.is_valid_number(number)
            else None
        )
    except phonenumbers.NumberParseException:
        expected = None
    try:
        assert normalise_phone(typed, region) == expected
    except ValidationError:
        assert expected is None


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+33620212223", "06 20 21 22 23"),
        ("+33142685300", "01 42 68 53 00"),
        ("+4915123456789", "+49 1512 3456789"),  # another country: written internationally
        ("+12025550123", "+1 202-555-0123"),
        ("+590690123456", "+590 690 12 34 56"),  # Guadeloupe has its own region
        ("06 2O", "06 2O"),  # kept as written: Carnet could not read it
        ("", ""),
    ],
)
def test_it_shows_a_number_in_its_countrys_national_format(stored, shown):
    assert display_phone(stored, "FR") == shown


def test_another_business_country_writes_french_numbers_internationally():
    assert display_phone("+33620212223", "BE") == "+33 6 20 21 22 23"


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=100000000, max_value=799999999)
    .map(lambda national: f"+33{national}")
    .filter(lambda stored: phonenumbers.is_valid_number(phonenumbers.parse(stored)))
)
def test_a_number_shown_reads_back_as_the_number_stored(stored):
    shown = display_phone(stored, "FR")
    assert shown == phonenumbers.format_number(
        phonenumbers.parse(stored), phonenumbers.PhoneNumberFormat.NATIONAL
    )
    assert normalise_phone(shown, "FR") == stored
