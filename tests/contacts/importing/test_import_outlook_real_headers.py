"""Outlook CSV as Outlook writes it: the whole header, every address and number, the country."""

import csv
import io

import pytest

from contacts.models import Contact
from tests.contacts.importing.conftest import read_rows, run_import

pytestmark = pytest.mark.django_db

# Outlook.com and Outlook for Windows (Export → CSV), English: no "E-mail Type" column.
ENGLISH_HEADER = (
    "First Name,Middle Name,Last Name,Title,Suffix,Nickname,Given Yomi,Surname Yomi,"
    "E-mail Address,E-mail 2 Address,E-mail 3 Address,Primary Phone,Home Phone,Home Phone 2,"
    "Mobile Phone,Pager,Home Fax,Home Address,Home Street,Home Street 2,Home Street 3,"
    "Home Address PO Box,Home City,Home State,Home Postal Code,Home Country,Spouse,Children,"
    "Manager's Name,Assistant's Name,Referred By,Company Main Phone,Business Phone,"
    "Business Phone 2,Business Fax,Assistant's Phone,Company,Job Title,Department,"
    "Office Location,Organizational ID Number,Profession,Account,Business Address,"
    "Business Street,Business Street 2,Business Street 3,Business Address PO Box,"
    "Business City,Business State,Business Postal Code,Business Country,Other Phone,"
    "Other Fax,Other Address,Other Street,Other Street 2,Other Street 3,Other Address PO Box,"
    "Other City,Other State,Other Postal Code,Other Country,Callback,Car Phone,ISDN,"
    "Radio Phone,TTY/TDD Phone,Telex,User 1,User 2,User 3,User 4,Keywords,Mileage,Hobby,"
    "Billing Information,Directory Server,Sensitivity,Priority,Private,Categories"
)
ENGLISH = next(csv.reader([ENGLISH_HEADER]))
# French Outlook for Windows, its contact columns (the others are left empty here).
FRENCH = [
    "Titre", "Prénom", "Deuxième prénom", "Nom", "Suffixe", "Société ", "Service ", "Titre",
    "Rue (bureau)", "Ville (bureau)", "Code postal (bureau)", "Pays/Région (bureau)",
    "Ville (domicile)", "Pays/Région (domicile)", "Tél. bureau", "Tél. bureau 2",
    "Tél. domicile", "Tél. mobile", "Adresse de messagerie", "Type de messagerie",
    "Adresse de messagerie 2", "Adresse de messagerie 3", "Catégories", "Notes",
]  # fmt: skip


def _export(header: list[str], **values: str) -> str:
    """Return an Outlook export of one contact, every field quoted as Outlook does."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerows([header, [values.get(name, "") for name in header]])
    return out.getvalue()


TOM = _export(
    ENGLISH,
    **{
        "First Name": "Tom", "Last Name": "Baker", "E-mail Address": "tom@bakery.example",
        "E-mail 2 Address": "tom.baker@home.example", "E-mail 3 Address": "tb@old.example",
        "Mobile Phone": "+44 7911 123456", "Business Phone": "+44 20 7946 0958",
        "Home Phone": "+44 161 496 0000", "Company": "Bakery Ltd", "Job Title": "Owner",
        "Business City": "London", "Business Postal Code": "SW1A 1AA",
        "Business Country": "United Kingdom", "Home Country": "France",
        "Categories": "Suppliers;Bread",
    },
)  # fmt: skip
INES = _export(
    FRENCH,
    **{
        "Prénom": "Inès", "Nom": "Garnier", "Société ": "Fleurs & Co", "Adresse de messagerie":
        "ines@fleurs.fr", "Type de messagerie": "SMTP", "Adresse de messagerie 2":
        "ines.garnier@exemple.fr", "Tél. mobile": "06 55 44 33 22", "Tél. bureau":
        "01 40 20 30 40", "Ville (bureau)": "Nantes", "Code postal (bureau)": "44000",
        "Pays/Région (bureau)": "France", "Catégories": "Clients",
    },
)  # fmt: skip


def test_the_real_english_header_is_recognised_as_outlook(tmp_path):
    found, (row,) = read_rows(tmp_path, TOM)
    assert found == "outlook"
    assert (row.first_name, row.last_name, row.company, row.job_title) == (
        "Tom", "Baker", "Bakery Ltd", "Owner"
    )  # fmt: skip
    assert row.tags == ["Suppliers", "Bread"]


def test_every_address_and_number_is_read_labelled_by_its_column(tmp_path):
    _format, (row,) = read_rows(tmp_path, TOM)
    assert row.email == "tom@bakery.example"
    assert row.other_emails == [
        ("tom.baker@home.example", "E-mail 2 Address"),
        ("tb@old.example", "E-mail 3 Address"),
    ]
    assert row.phone == "+44 7911 123456"
    assert row.other_phones == [
        ("+44 20 7946 0958", "Business Phone"),
        ("+44 161 496 0000", "Home Phone"),
    ]
    assert (row.city, row.postcode, row.country) == ("London", "SW1A 1AA", "United Kingdom")


def test_french_outlook_gives_its_numbers_and_country(tmp_path):
    found, (row,) = read_rows(tmp_path, INES, encoding="cp1252")
    assert found == "outlook"
    assert (row.first_name, row.last_name, row.company) == ("Inès", "Garnier", "Fleurs & Co")
    assert row.email == "ines@fleurs.fr"
    assert row.other_emails == [("ines.garnier@exemple.fr", "Adresse de messagerie 2")]
    assert row.phone == "06 55 44 33 22"
    assert row.other_phones == [("01 40 20 30 40", "Tél. bureau")]
    assert (row.city, row.postcode, row.country) == ("Nantes", "44000", "France")


def test_an_exchange_address_is_no_email(tmp_path):
    exchange = "/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=tom"
    _format, (row,) = read_rows(
        tmp_path, _export(ENGLISH, **{"First Name": "Tom", "E-mail Address": exchange})
    )
    assert (row.first_name, row.email, row.other_emails) == ("Tom", "", [])


def test_a_persons_spreadsheet_with_outlook_like_names_stays_a_spreadsheet(tmp_path):
    found, _rows_read = read_rows(
        tmp_path, "First Name,Last Name,E-mail Address\nAna,Lima,a@b.fr\n"
    )
    assert found == "csv"


def test_the_english_export_imports_as_outlook_with_its_numbers(tmp_path):
    """The numbers beyond the main one need clean.py and write.py (another change)."""
    run_import(tmp_path, "contacts.csv", TOM)
    tom = Contact.objects.get()
    assert list(tom.sources.values_list("source", flat=True)) == ["outlook"]
    assert (tom.email, tom.phone) == ("tom@bakery.example", "+447911123456")
    assert set(tom.points.filter(kind="phone").values_list("value", "label")) == {
        ("+442079460958", "Business Phone"),
        ("+441614960000", "Home Phone"),
    }
