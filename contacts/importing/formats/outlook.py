"""Outlook CSV (Export to a file), in English or French."""

from contacts.choices import Source
from contacts.importing.formats.columns import Record, any_of, has, pick, split_list
from contacts.importing.row import Row

NAME = "outlook"

detect_header = any_of(
    has("first name", "e mail address", "e mail type"),
    has("prenom", "adresse de messagerie"),
)

_PHONES = ("mobile phone", "tel mobile", "business phone", "tel bureau", "home phone",
           "tel domicile")  # fmt: skip
_CITIES = ("business city", "home city", "ville (bureau)", "ville bureau", "ville domicile")
_POSTCODES = ("business postal code", "home postal code", "code postal bureau",
              "code postal domicile")  # fmt: skip


def read_record(record: Record, line: int) -> Row:
    """Read one contact; its first phone and address of work, else of home."""
    french = "adresse de messagerie" in record
    return Row(
        line=line,
        source=Source.OUTLOOK,
        first_name=pick(record, "first name", "prenom"),
        last_name=pick(record, "last name", "nom"),
        email=pick(record, "e mail address", "adresse de messagerie"),
        phone=pick(record, *_PHONES),
        company=pick(record, "company", "societe"),
        # French Outlook names two columns "Titre": civility first, then job title.
        job_title=pick(record, "titre#2") if french else pick(record, "job title"),
        city=pick(record, *_CITIES),
        postcode=pick(record, *_POSTCODES),
        notes=pick(record, "notes"),
        tags=split_list(pick(record, "categories")),
    )
