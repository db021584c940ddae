"""Find contacts as the owner types: a word of a name, an address or a company, ignoring
accents ("Jerome" finds "Jérôme"), or a phone written any usual way ("06 12 34" finds
+33612345678), further addresses and numbers included.

On PostgreSQL every condition is one an index serves (migration 0010), so that a search
among a million contacts reads only the rows it finds; SQLite compares row by row.
"""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from contacts.models import ContactPoint
from contacts.phones import normalise_phone
from crm.lib.accents import Unaccent, fold

SEARCHED = ("first_name", "last_name", "email", "company__name")
# A search that looks like a phone number: digits with the usual separators.
_PHONE_LIKE = re.compile(r"^\+?[\d\s.\-()/]{2,}$")

# The expressions of migration 0010's indexes, written as they are there.
_WORDS = (
    'upper(carnet_unaccent("contacts_contact"."first_name" || \' \' || '
    '"contacts_contact"."last_name" || \' \' || "contacts_contact"."email"))'
)
_WORD_SQL = f"""({_WORDS} LIKE %s
    OR "contacts_contact"."company_id" = ANY(ARRAY(SELECT id FROM contacts_company
        WHERE upper(carnet_unaccent(name)) LIKE %s))
    OR "contacts_contact"."id" = ANY(ARRAY(SELECT contact_id FROM contacts_contactpoint
        WHERE upper(value) LIKE %s)))"""
_PHONE_SQL = """("contacts_contact"."phone" LIKE %s
    OR "contacts_contact"."id" = ANY(ARRAY(SELECT contact_id FROM contacts_contactpoint
        WHERE value LIKE %s)))"""


def search(contacts: QuerySet, term: str) -> QuerySet:
    """Return the contacts among `contacts` that `term` names."""
    if not term.strip():
        return contacts
    if connections[contacts.db].vendor == "postgresql":
        return contacts.filter(_indexed(term))
    return _row_by_row(contacts, term)


def phone_prefix(term: str) -> str:
    """Return the start of the E.164 numbers a phone-like search names, else ""."""
    term = term.strip()
    if not _PHONE_LIKE.match(term):
        return ""
    digits = re.sub(r"\D", "", term)
    if term.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0") and len(digits) >= 2:
        return f"+{phonenumbers.country_code_for_region(settings.PHONE_REGION)}{digits[1:]}"
    try:  # a whole number as Excel left it, without its 0 ("612345678"), as imports read it
        return normalise_phone(term)
    except ValidationError:
        return ""


def _indexed(term: str) -> Q:
    """Return the PostgreSQL condition of `term`, each part served by an index.

    `= ANY(ARRAY(subquery))` rather than `IN (subquery)`: the planner can combine it with
    the other indexes (a bitmap OR), where IN beside an OR would read every contact.
    """
    if prefix := phone_prefix(term):
        # Digits are no word: a number is searched among numbers only.
        pattern = _escape_like(prefix) + "%"
        return Q(RawSQL(_PHONE_SQL, [pattern, pattern], output_field=BooleanField()))
    every_word = Q()
    for word in term.split():
        pattern = f"%{_escape_like(fold(word).upper())}%"
        raw = f"%{_escape_like(word.upper())}%"
        condition = RawSQL(_WORD_SQL, [pattern, pattern, raw], output_field=BooleanField())
        every_word &= Q(condition)
    return every_word


def _row_by_row(contacts: QuerySet, term: str) -> QuerySet:
    """Return the SQLite search of `term`: a phone's start, or every word in some field."""
    if prefix := phone_prefix(term):
        return contacts.filter(Q(phone__startswith=prefix) | _has_point(value__startswith=prefix))
    every_word = Q()
    for word in term.split():
        any_field = Q()
        for name in SEARCHED:
            any_field |= Q(**{f"_{name}__icontains": fold(word)})
        every_word &= any_field | _has_point(value__icontains=word)
    folded = contacts.alias(**{f"_{name}": Unaccent(name) for name in SEARCHED})
    return folded.filter(every_word)


def _has_point(**lookup) -> Exists:
    """Return whether the contact has another address or number matching `lookup`."""
    return Exists(ContactPoint.objects.filter(contact=OuterRef("pk"), **lookup))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
