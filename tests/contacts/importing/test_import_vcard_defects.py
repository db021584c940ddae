"""Regressions for known defects of the vCard import (and two found with the fixtures).

These tests state what the import must do; until the defects are fixed, they fail.
"""

import re

import pytest

from contacts.models import Contact
from tests.contacts.importing.vcard_support import (
    company,
    handles,
    import_data,
    import_fixture,
    reasons,
    unreadable_reasons,
)

pytestmark = pytest.mark.django_db


def vcard(*lines: str, eol: str = "\r\n") -> str:
    return eol.join(lines) + eol


# 1. A comma in ORG (or in N, ADR) costs nothing ------------------------------------------


@pytest.mark.parametrize("version", ["2.1", "3.0"])
def test_a_company_with_a_comma_keeps_the_card_and_its_name(tmp_path, version):
    card = vcard(
        "BEGIN:VCARD", f"VERSION:{version}", "N:Durand;Jean;;;",
        "EMAIL:jean.durand@dupont-durand.fr", "ORG:Dupont, Durand et Associés",
        "TITLE:Associé", "END:VCARD",
    )  # fmt: skip
    counts, job = import_data(tmp_path, "jean.vcf", card)
    assert (counts["created"], counts["errors"]) == (1, 0), reasons(job)
    jean = Contact.objects.get()
    assert (company(jean), jean.job_title) == ("Dupont, Durand et Associés", "Associé")


def test_outlook_2003_company_the_keeps_the_card():
    counts, job = import_fixture("outlook-2003.vcf")
    assert (counts["created"], counts["errors"]) == (1, 0), reasons(job)
    assert company(Contact.objects.get()) == "Company, The"


def test_a_comma_in_the_name_or_the_address_keeps_the_card(tmp_path):
    card = vcard(
        "BEGIN:VCARD", "VERSION:3.0", "N:Dupont,Durand;Jean;;;",
        "EMAIL:jean@dupont-durand.fr",
        "ADR;TYPE=WORK:;;Zone artisanale, lot 4;Aix-en-Provence, Les Milles;;13290;France",
        "END:VCARD",
    )  # fmt: skip
    counts, job = import_data(tmp_path, "jean.vcf", card)
    assert (counts["created"], counts["errors"]) == (1, 0), reasons(job)
    jean = Contact.objects.get()
    assert jean.first_name == "Jean"
    assert "Dupont" in jean.last_name and "Durand" in jean.last_name
    assert "Aix-en-Provence" in jean.city


# 2. A property the reader cannot use costs that property only -----------------------------


def test_an_unusable_email_costs_the_email_not_the_card(tmp_path):
    card = vcard(
        "BEGIN:VCARD", "VERSION:3.0", "N:Roux;Camille;;;", "EMAIL:camille.roux@@exemple",
        "TEL;TYPE=CELL:06 12 34 56 78", "ORG:Roux Paysages", "END:VCARD",
    )  # fmt: skip
    counts, job = import_data(tmp_path, "camille.vcf", card)
    assert (counts["created"], counts["errors"]) == (1, 0), reasons(job)
    camille = Contact.objects.get()
    assert (camille.first_name, camille.phone, camille.email) == ("Camille", "+33612345678", "")
    assert company(camille) == "Roux Paysages"
    assert [
        p["line"] for p in job.report["problems"] if "camille.roux@@exemple" in p["reason"]
    ] == [1]


def test_an_unreadable_photo_costs_the_photo_and_is_named(tmp_path):
    card = vcard(
        "BEGIN:VCARD", "VERSION:3.0", "N:Roux;Camille;;;", "EMAIL:camille@exemple.fr",
        "PHOTO;ENCODING=b;TYPE=JPEG:@@@ pas du base64 @@@", "END:VCARD",
    )  # fmt: skip
    counts, job = import_data(tmp_path, "camille.vcf", card)
    assert (counts["created"], counts["errors"]) == (1, 0)
    assert any("PHOTO" in reason for reason in reasons(job, "problems"))


def test_no_reason_in_a_report_shows_python_or_english(tmp_path):
    cards = vcard(
        # a company with a comma
        "BEGIN:VCARD", "VERSION:2.1", "N:Durand;Jean;;;", "ORG:Dupont, Durand", "END:VCARD",
        # an email that is not one
        "BEGIN:VCARD", "VERSION:3.0", "N:Roux;Camille;;;", "EMAIL:camille@@exemple",
        "END:VCARD",
        # a photo that is not base64, and nothing else
        "BEGIN:VCARD", "VERSION:3.0", "PHOTO;ENCODING=b:@@@", "END:VCARD",
        # a card that names nobody
        "BEGIN:VCARD", "VERSION:3.0", "NOTE:Rien d'autre", "END:VCARD",
        # quoted-printable bytes that are not UTF-8
        "BEGIN:VCARD", "VERSION:2.1", "N:Petit;Léa;;;", "EMAIL:lea@exemple.fr",
        "TITLE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=80=81", "END:VCARD",
        # a phone that is not one
        "BEGIN:VCARD", "VERSION:3.0", "N:Morel;Hugo;;;", "TEL:12", "END:VCARD",
        # a card that never ends
        "BEGIN:VCARD", "VERSION:3.0", "N:Sans;Fin;;;", "EMAIL:sans.fin@exemple.fr",
    )  # fmt: skip
    _counts, job = import_data(tmp_path, "melange.vcf", cards)
    assert reasons(job)  # the report has something to say…
    assert unreadable_reasons(job) == []  # …and says it in French, for people


# 3. Line endings of every system, and a mix of them ---------------------------------------

THREE_CARDS = [
    "BEGIN:VCARD", "VERSION:3.0", "N:Lefèvre;Élodie;;;", "EMAIL:elodie@exemple.fr", "END:VCARD",
    "BEGIN:VCARD", "VERSION:3.0", "N:François;Anaïs;;;", "EMAIL:anais@exemple.fr", "END:VCARD",
    "BEGIN:VCARD", "VERSION:3.0", "N:Côté;Noémie;;;", "EMAIL:noemie@exemple.fr", "END:VCARD",
]  # fmt: skip


def mixed(lines: list[str]) -> str:
    endings = ["\r\n", "\n", "\r"]
    return "".join(line + endings[number % 3] for number, line in enumerate(lines))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(vcard(*THREE_CARDS, eol="\r\n"), id="CRLF"),
        pytest.param(vcard(*THREE_CARDS, eol="\n"), id="LF"),
        pytest.param(vcard(*THREE_CARDS, eol="\r"), id="CR (classic Mac)"),
        pytest.param(mixed(THREE_CARDS), id="mixed"),
    ],
)
def test_every_line_ending_is_a_vcard(tmp_path, text):
    counts, job = import_data(tmp_path, "contacts.vcf", text)
    assert job.format == "vcard"
    assert (counts["created"], counts["errors"]) == (3, 0)
    assert set(Contact.objects.values_list("first_name", flat=True)) == {
        "Élodie",
        "Anaïs",
        "Noémie",
    }


# 4. BEGIN with a group, in lower case -------------------------------------------------------


@pytest.mark.parametrize("begin, end", [("home.begin:vcard", "home.end:vcard"),
                                        ("HOME.BEGIN:VCARD", "HOME.END:VCARD")])  # fmt: skip
def test_a_vcard_whose_begin_has_a_group_is_a_vcard(tmp_path, begin, end):
    card = vcard(
        begin, "version:3.0", "fn:Lukas Schäfer", "n:Schäfer;Lukas", "title:Bürgermeister",
        "note:Le maire de la ville jumelée\\, rencontré à", "  Görlitz.",
        "email;internet:lukas.schaefer@exemple.de",
        "home.tel;type=fax,voice;type=msg:+49 3581 123456",
        end,
    )  # fmt: skip
    counts, job = import_data(tmp_path, "lukas.vcf", card)
    assert job.format == "vcard"
    assert counts["created"] == 1
    lukas = Contact.objects.get()
    assert (lukas.first_name, lukas.last_name) == ("Lukas", "Schäfer")
    assert lukas.email == "lukas.schaefer@exemple.de"


# 5. A card that names nobody is listed, with why -------------------------------------------


def test_a_card_that_names_nobody_is_listed_in_the_errors_with_why(tmp_path):
    cards = vcard(
        "BEGIN:VCARD", "VERSION:3.0", "N:Lefèvre;Élodie;;;", "EMAIL:elodie@exemple.fr",
        "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "NOTE:Rappeler le fournisseur de papier.", "END:VCARD",
    )  # fmt: skip
    counts, job = import_data(tmp_path, "contacts.vcf", cards)
    assert counts["created"] == 1
    listed = [e for e in job.report["errors"] if e["line"] == 6]
    assert len(listed) == 1, job.report
    reason = listed[0]["reason"]
    assert unreadable_reasons(job) == []
    # French, and saying why: no name, no address, no number.
    assert re.search(r"\b(aucun|aucune|ni|nom|personne)\b", reason, re.IGNORECASE), reason


# 6. Every email address and phone number of a card is kept ---------------------------------


def points(contact: Contact) -> set[tuple[str, str, bool]]:
    return {(p.kind, p.value, p.understood) for p in contact.points.all()}


def test_several_emails_and_phones_are_all_kept(tmp_path):
    card = vcard(
        "BEGIN:VCARD", "VERSION:3.0", "N:Lefèvre;Élodie;;;",
        "EMAIL;TYPE=INTERNET;TYPE=HOME:elodie.perso@Exemple.FR",
        "EMAIL;TYPE=INTERNET;TYPE=WORK;TYPE=pref:elodie@atelier-lefevre.fr",
        "item1.EMAIL;TYPE=INTERNET:elodie.lefevre@ICLOUD.com", "item1.X-ABLabel:iCloud",
        "TEL;TYPE=CELL:06 12 34 56 78", "TEL;TYPE=WORK;TYPE=pref:04 78 12 34 56",
        "TEL;TYPE=HOME:+41 22 555 01 23", "END:VCARD",
    )  # fmt: skip
    counts, job = import_data(tmp_path, "elodie.vcf", card)
    assert counts["created"] == 1, reasons(job)
    elodie = Contact.objects.get()
    assert (elodie.email, elodie.phone) == ("elodie@atelier-lefevre.fr", "+33478123456")
    assert points(elodie) == {
        ("email", "elodie.perso@exemple.fr", True),
        ("email", "elodie.lefevre@icloud.com", True),
        ("phone", "+33612345678", True),
        ("phone", "+41225550123", True),
    }
    assert elodie.points.get(value="elodie.lefevre@icloud.com").label == "iCloud"
    counts, _job = import_data(tmp_path, "elodie.vcf", card)  # again: nothing added twice
    assert counts["created"] == 0
    assert Contact.objects.get().points.count() == 4


def test_several_numbers_of_an_android_21_card_are_all_kept_the_first_being_main(tmp_path):
    card = vcard(
        "BEGIN:VCARD", "VERSION:2.1",
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Fran=C3=A7ois;Ana=C3=AFs;;;",
        "TEL;HOME:04 72 10 20 30", "TEL;CELL:06 23 45 67 89", "TEL;WORK;FAX:04 72 10 20 31",
        "EMAIL;HOME:anais@exemple.fr", "EMAIL;WORK:a.francois@exemple.com", "END:VCARD",
    )  # fmt: skip
    import_data(tmp_path, "anais.vcf", card)
    anais = Contact.objects.get()
    assert (anais.email, anais.phone) == ("anais@exemple.fr", "+33472102030")  # no PREF: first
    assert points(anais) == {
        ("email", "a.francois@exemple.com", True),
        ("phone", "+33623456789", True),
        ("phone", "+33472102031", True),
    }


# 7. A number without its country code is read in the card's country ------------------------


@pytest.mark.parametrize("country", ["United States", "USA", "États-Unis"])
def test_a_foreign_number_is_read_in_the_country_of_the_cards_address(tmp_path, country):
    card = vcard(
        "BEGIN:VCARD", "VERSION:3.0", "N:Walker;Dana;;;", "EMAIL:dana.walker@example.com",
        "TEL;TYPE=CELL:(212) 555-0147",
        f"ADR;TYPE=WORK:;;350 Fifth Avenue;New York;NY;10118;{country}", "END:VCARD",
    )  # fmt: skip
    _counts, job = import_data(tmp_path, "dana.vcf", card)
    dana = Contact.objects.get()
    assert dana.phone == "+12125550147"
    assert job.report["problems"] == []


def test_a_number_that_cannot_be_read_is_kept_as_written_and_named(tmp_path):
    card = vcard(
        "BEGIN:VCARD", "VERSION:3.0", "N:Walker;Dana;;;", "EMAIL:dana.walker@example.com",
        "TEL:555 0123 4567", "ADR;TYPE=WORK:;;350 Fifth Avenue;New York;NY;10118;USA",
        "END:VCARD",
    )  # fmt: skip
    _counts, job = import_data(tmp_path, "dana.vcf", card)
    dana = Contact.objects.get()
    assert dana.phone == ""
    assert points(dana) == {("phone", "555 0123 4567", False)}
    assert [p["line"] for p in job.report["problems"] if "555 0123 4567" in p["reason"]] == [1]
    assert unreadable_reasons(job) == []


# 8. UTF-16 without a BOM -------------------------------------------------------------------

CARD = vcard(
    "BEGIN:VCARD", "VERSION:3.0", "N:Lefèvre;Élodie;;;", "EMAIL:elodie@exemple.fr",
    "TEL:06 12 34 56 78", "END:VCARD",
)  # fmt: skip
SHEET = "Prénom,Nom,E-mail,Téléphone\r\nÉlodie,Lefèvre,elodie@exemple.fr,06 12 34 56 78\r\n"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "name, text, fmt",
    [
        pytest.param("contacts.vcf", CARD, "vcard", id="vcard"),
        pytest.param("contacts.csv", SHEET, "csv", id="csv"),
    ],
)
def test_utf16_without_a_bom_is_read(tmp_path, encoding, name, text, fmt):
    counts, job = import_data(tmp_path, name, text, encoding=encoding)
    assert job.format == fmt
    assert counts["created"] == 1
    elodie = Contact.objects.get()
    assert (elodie.first_name, elodie.last_name) == ("Élodie", "Lefèvre")
    assert (elodie.email, elodie.phone) == ("elodie@exemple.fr", "+33612345678")


# Found while writing the program fixtures ----------------------------------------------------


def test_a_comma_in_a_quoted_printable_21_value_does_not_cut_it(tmp_path):
    card = vcard(
        "BEGIN:VCARD", "VERSION:2.1",
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Lef=C3=A8vre;=C3=89lodie;;;",
        "EMAIL:elodie@exemple.fr",
        "NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:"
        "Rappeler apr=C3=A8s 18 h, jamais le dimanche.",
        "END:VCARD",
    )  # fmt: skip
    import_data(tmp_path, "elodie.vcf", card)
    assert Contact.objects.get().notes == "Rappeler après 18 h, jamais le dimanche."


@pytest.mark.parametrize(
    "url", [r"http\://www.atelier-lefevre.fr", r"https\://www.atelier-lefevre.fr"]
)
def test_an_escaped_colon_in_a_web_address_is_read(tmp_path, url):
    card = vcard(
        "BEGIN:VCARD", "VERSION:3.0", "N:Lefèvre;Élodie;;;", "EMAIL:elodie@exemple.fr",
        f"item1.URL;type=pref:{url}", "item1.X-ABLabel:_$!<HomePage>!$_", "END:VCARD",
    )  # fmt: skip
    import_data(tmp_path, "elodie.vcf", card)
    assert handles(Contact.objects.get()) == {"website": "https://atelier-lefevre.fr"}
