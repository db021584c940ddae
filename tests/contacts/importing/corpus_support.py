"""Helpers for the corpus of real-looking exports (fixtures/corpus) and for the tests that
import it: the files binary formats make awkward to keep (XLSX, ZIP) are built here, and
a contact is matched to the person of the manifest it stands for.

Only the public entry points are used: the import_contacts command and the ORM.
"""

import io
import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from urllib.parse import unquote

from openpyxl import Workbook

from contacts.models import Contact

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text("utf-8"))

# What no reason shown to a user may contain: Python's words, and English.
INTERNALS = ("Error", "exception", "Traceback", "list found", "NoneType")
ENGLISH = re.compile(
    r"\b(not|cannot|invalid|unreadable|missing|expected|found|object|empty|row|column)\b", re.I
)


def xlsx_bytes() -> bytes:
    """A workbook as Excel saves it: an empty first sheet, typed cells (numbers, a date)."""
    book = Workbook()
    book.active.title = "Feuil1"  # left empty, as people leave it
    sheet = book.create_sheet("Clients")
    sheet.append(
        [
            "Prénom",
            "Nom",
            "E-mail",
            "Mobile",
            "Entreprise",
            "Code postal",
            "Ville",
            "Client depuis",
        ]
    )
    sheet.append(
        ["Amélie", "Poulain", "amelie.poulain@exemple.fr", 612345678, "Café des 2 Moulins",
         75018, "Paris", datetime(2021, 4, 25)]
    )  # fmt: skip
    sheet.append(["Bruno", "Ménard", None, 698765432, "Garage Ménard", 35000, "Rennes", None])
    sheet.append(
        ["José", "Núñez", "jose.nunez@exemple.es", "+34 612 345 678", None, None, "Madrid",
         date(2019, 1, 1)]
    )  # fmt: skip
    sheet.append(["Ольга", "Смирнова", None, "+7 921 000 11 22", "Матрёшка", None, None, None])
    sheet.append(["Yuki", "田中", "yuki.tanaka@exemple.jp", None, None, None, "大阪", None])
    sheet.append(["Étienne", "Lévêque", None, None, "Lévêque Architectes", 69001, "Lyon", None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zipped_directory(name: str) -> bytes:
    """The files of a corpus directory in one ZIP, as the service delivers them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((CORPUS / name).iterdir()):
            archive.writestr(path.name, path.read_bytes())
    return buffer.getvalue()


def corpus_bytes(name: str) -> bytes:
    """The bytes of a corpus entry, built when the manifest says it is generated."""
    generated = MANIFEST[name].get("generated")
    if generated == "xlsx":
        return xlsx_bytes()
    if generated and generated.startswith("zip:"):
        return zipped_directory(generated.removeprefix("zip:"))
    return (CORPUS / name).read_bytes()


def _fold(value: str) -> str:
    return " ".join(unquote(value).split()).casefold()


def matching_contacts(keys: list[str]) -> set[int]:
    """Ids of the contacts one of `keys` designates: an email, a phone, a full name, or
    (part of) a handle."""
    found: set[int] = set()
    for key in keys:
        folded = _fold(key)
        if "@" in key:
            found |= set(Contact.objects.by_email(key).values_list("id", flat=True))
        if key.startswith("+"):
            found |= set(Contact.objects.filter(phone=key).values_list("id", flat=True))
        for contact in Contact.objects.prefetch_related("handles"):
            if _fold(contact.full_name) == folded or any(
                folded in _fold(h.value) for h in contact.handles.all()
            ):
                found.add(contact.id)
    return found


def reasons(report: dict) -> list[str]:
    return [item["reason"] for key in ("errors", "problems") for item in report.get(key, [])]


def is_said_in_french(reason: str) -> bool:
    return not any(word in reason for word in INTERNALS) and not ENGLISH.search(reason)
