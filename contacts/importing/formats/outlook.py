"""Outlook CSV (Export to a file, Outlook.com), in English or French."""

from contacts.choices import Source
from contacts.importing.decode import header_key
from contacts.importing.formats.columns import Record, pick, split_list
from contacts.importing.row import Row

NAME = "outlook"

# Columns only Outlook writes: beside "First Name" and "E-mail Address" (which a person's
# spreadsheet may have too), one of them tells Outlook. Outlook.com has no "E-mail Type".
_OUTLOOK_ONLY = {
    header_key(name)
    for name in ("E-mail Type", "E-mail 2 Address", "E-mail Display Name", "Primary Phone",
                 "Business Street", "Home Street", "Given Yomi", "Sensitivity", "Mileage")
}  # fmt: skip


def _named(*names: str) -> dict[str, str]:
    """Return each column's folded key with its name as Outlook writes it, in this order."""
    return {header_key(name): name for name in names}


_EMAILS = _named(
    "E-mail Address", "Adresse de messagerie", "E-mail 2 Address", "Adresse de messagerie 2",
    "E-mail 3 Address", "Adresse de messagerie 3",
)  # fmt: skip
# Every phone column, those most likely to reach the person first (the main number).
_PHONES = _named(
    "Primary Phone", "Téléphone principal", "Mobile Phone", "Tél. mobile", "Business Phone",
    "Tél. bureau", "Téléphone (bureau)", "Home Phone", "Tél. domicile", "Téléphone (domicile)",
    "Business Phone 2", "Tél. bureau 2", "Téléphone 2 (bureau)", "Home Phone 2",
    "Tél. domicile 2", "Téléphone 2 (domicile)", "Company Main Phone", "Téléphone société",
    "Other Phone", "Autre téléphone", "Assistant's Phone", "Téléphone de l'assistant(e)",
    "Car Phone", "Téléphone (voiture)", "Radio Phone", "Radio téléphone", "Callback", "Rappel",
    "ISDN", "RNIS", "TTY/TDD Phone", "Téléphone TDD/TTY", "Pager",
    "Récepteur de radiomessagerie",
)  # fmt: skip
_CITIES = _named("Business City", "Ville (bureau)", "Home City", "Ville (domicile)")
_POSTCODES = _named("Business Postal Code", "Code postal (bureau)", "Home Postal Code",
                    "Code postal (domicile)")  # fmt: skip
_COUNTRIES = _named("Business Country", "Pays/Région (bureau)", "Home Country",
                    "Pays/Région (domicile)", "Other Country", "Pays/Région (autre)")  # fmt: skip


def detect_header(keys: set[str]) -> bool:
    """Tell Outlook's header: English by a column only Outlook has, French by its email."""
    english = {"first name", "e mail address"} <= keys and bool(keys & _OUTLOOK_ONLY)
    return english or {"prenom", "adresse de messagerie"} <= keys


def read_record(record: Record, line: int) -> Row:
    """Read one contact: every email and phone, the address of work, else of home."""
    french = "adresse de messagerie" in record
    email, *other_emails = _filled(record, _EMAILS)
    phone, *other_phones = _filled(record, _PHONES)
    return Row(
        line=line,
        source=Source.OUTLOOK,
        first_name=pick(record, "first name", "prenom"),
        last_name=pick(record, "last name", "nom"),
        email=email[0],
        phone=phone[0],
        other_emails=other_emails,
        other_phones=other_phones,
        company=pick(record, "company", "societe"),
        # French Outlook names two columns "Titre": civility first, then job title.
        job_title=pick(record, "titre#2") if french else pick(record, "job title"),
        city=pick(record, *_CITIES),
        postcode=pick(record, *_POSTCODES),
        country=pick(record, *_COUNTRIES),
        notes=pick(record, "notes"),
        tags=split_list(pick(record, "categories")),
    )


def _filled(record: Record, columns: dict[str, str]) -> list[tuple[str, str]]:
    """Return (value, column name) for the columns filled, ("", "") first if none is."""
    found = [(record[key].strip(), name) for key, name in columns.items() if _usable(record, key)]
    return found or [("", "")]


def _usable(record: Record, key: str) -> bool:
    # An Exchange address ("/o=ExchangeLabs/ou=…/cn=Recipients/cn=…") is no email address.
    value = record.get(key, "").strip()
    return bool(value) and not value.lower().startswith("/o=")
