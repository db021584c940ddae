"""Turn phone numbers as people and spreadsheets write them into E.164."""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Excel shows long numbers in scientific notation ("6,12346E+08") and saves them so:
# the last digits are gone, and guessing them would reach a stranger.
_SCIENTIFIC = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*E\s*\+?\s*\d+\s*$", re.IGNORECASE)


def normalise_phone(value: str, region: str | None = None) -> str:
    """Return the number in E.164, or "" for a blank value; raise ValidationError if unusable.

    A national number that lost its leading 0 (Excel drops it) is read in the business's
    region, so "612345678" becomes "+33612345678" in France.
    """
    value = (value or "").strip().lstrip("'")
    if not value:
        return ""
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
