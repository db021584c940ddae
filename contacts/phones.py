"""Turn phone numbers as people and spreadsheets write them into E.164."""

import re
from functools import lru_cache

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumbers import PhoneMetadata
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

# Excel shows long numbers in scientific notation ("6,12346E+08") and saves them so:
# the last digits are gone, and guessing them would reach a stranger.
_SCIENTIFIC = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*E\s*\+?\s*\d+\s*$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s.\-/]")
_NUMBER_TYPES = (
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "voicemail",
)


def normalise_phone(value: str, region: str | None = None) -> str:
    """Return the number in E.164, or "" for a blank value; raise ValidationError if unusable.

    A national number that lost its leading 0 (Excel drops it) is read in the business's
    region, so "612345678" becomes "+33612345678" in France.
    """
    value = (value or "").strip().lstrip("'")
    if not value:
        return ""
    if fast := _in_region(value, region or settings.PHONE_REGION):
        return fast
    if _SCIENTIFIC.match(value):
        raise ValidationError(
            _("%(value)s was rounded by a spreadsheet (scientific notation): digits are lost."),
            code="scientific",
            params={"value": value},
        )
    try:
        number = phonenumbers.parse(value, region or settings.PHONE_REGION)
    except phonenumbers.NumberParseException as e:
        raise _invalid(value) from e
    if not phonenumbers.is_valid_number(number):
        raise _invalid(value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _invalid(value: str) -> ValidationError:
    return ValidationError(
        _("%(value)s is not a valid phone number."), code="invalid", params={"value": value}
    )


@lru_cache(maxsize=32)
def _region_plan(region: str):
    """Return (country code, trunk prefix, valid national number patterns) for a region
    whose numbers phonenumbers reads by plain rules, or None for the others."""
    meta = PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.national_prefix_transform_rule:
        return None
    prefix = meta.national_prefix or ""
    if meta.national_prefix_for_parsing not in (None, prefix) or not prefix.isdigit():
        return None
    if len(COUNTRY_CODE_TO_REGION_CODE.get(meta.country_code, ())) != 1:
        return None  # a shared code (+1, +44…): the region of a number needs phonenumbers
    types = [getattr(meta, name) for name in _NUMBER_TYPES]
    patterns = [
        re.compile(d.national_number_pattern) for d in types if d and d.national_number_pattern
    ]
    return (
        str(meta.country_code),
        prefix,
        re.compile(meta.general_desc.national_number_pattern),
        patterns,
    )


def _in_region(value: str, region: str) -> str:
    """Return the E.164 form of a plainly written number of the region, else "".

    The same answer as phonenumbers for those numbers, at a fraction of its cost: an import
    of a million rows reads a million phones.
    """
    plan = _region_plan(region)
    if plan is None:
        return ""
    code, prefix, general, patterns = plan
    digits = _SEPARATORS.sub("", value)
    for international in ("+" + code, "00" + code):
        if digits.startswith(international):
            national = digits[len(international) :]
            break
    else:
        if digits.startswith(("+", "00")):
            return ""
        national = digits.removeprefix(prefix)
    if (
        national.isdigit()
        and general.fullmatch(national)
        and any(p.fullmatch(national) for p in patterns)
    ):
        return f"+{code}{national}"
    return ""


def display_phone(value: str, region: str | None = None) -> str:
    """Return a stored number as people write it: nationally for the business's country
    ("06 12 34 56 78"), internationally for the others; a value Carnet cannot read as is."""
    if not value.startswith("+"):
        return value  # not in E.164: kept as the file wrote it
    try:
        number = phonenumbers.parse(value)
    except phonenumbers.NumberParseException:
        return value
    home = phonenumbers.region_code_for_number(number) == (region or settings.PHONE_REGION)
    style = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(number, style.NATIONAL if home else style.INTERNATIONAL)
