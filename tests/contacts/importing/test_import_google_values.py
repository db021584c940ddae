"""Google Contacts CSV: every address and number a person has, with its label, and the country."""

import pytest

from contacts.models import Contact
from tests.contacts.importing.conftest import counts, read_rows, run_import

pytestmark = pytest.mark.django_db

# The header contacts.google.com writes today (Export → Google CSV), in full.
CURRENT = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
    "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,"
    "E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,"
    "E-mail 3 - Label,E-mail 3 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,"
    "Phone 2 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,"
    "Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,"
    "Address 1 - Country,Address 1 - Extended Address,Website 1 - Label,Website 1 - Value\n"
    "Hélène,,Dubois,,,,,,,,Dubois & Fils,Gérante,,,,,* myContacts ::: Clients,"
    "* Work,sales@dubois.fr ::: billing@dubois.fr,Home,helene@exemple.fr,Other,,"
    "Mobile,+33 6 12 34 56 78 ::: +33 6 98 76 54 32,Work,01 42 68 53 00,"
    'Work,"12 rue des Lilas\n75011 Paris\nFrance",12 rue des Lilas,Paris,,,75011,France,,'
    ",\n"
)
# The "Google CSV" of the old contacts page, still offered by some accounts and tools.
LEGACY = (
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,"
    "Additional Name Yomi,Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,"
    "Short Name,Maiden Name,Birthday,Gender,Location,Billing Information,Directory Server,"
    "Mileage,Occupation,Hobby,Sensitivity,Priority,Subject,Notes,Language,Photo,"
    "Group Membership,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,"
    "Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value,Address 1 - Type,"
    "Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,"
    "Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
    "Address 1 - Extended Address,Organization 1 - Type,Organization 1 - Name,"
    "Organization 1 - Yomi Name,Organization 1 - Title\n"
    "Paul Martin,Paul,,Martin,,,,,,,,,,,,,,,,,,,,,,,,,* myContacts ::: Fournisseurs,"
    "Home,paul@exemple.fr,* Work,paul.martin@martin-bois.fr,Mobile,+33 7 81 22 33 44,"
    "Work,+33 4 78 00 11 22,Work,,3 quai Rambaud,Lyon,,,69002,États-Unis,,,Martin Bois,,"
    "Menuisier\n"
)


def test_every_address_and_number_is_read_with_its_label(tmp_path):
    found, (row,) = read_rows(tmp_path, CURRENT)
    assert found == "google"
    assert row.email == "sales@dubois.fr"
    assert row.other_emails == [("billing@dubois.fr", "Work"), ("helene@exemple.fr", "Home")]
    assert row.phone == "+33 6 12 34 56 78"
    assert row.other_phones == [("+33 6 98 76 54 32", "Mobile"), ("01 42 68 53 00", "Work")]
    assert (row.city, row.postcode, row.country) == ("Paris", "75011", "France")


def test_the_legacy_header_gives_the_starred_address_as_the_main_one(tmp_path):
    found, (row,) = read_rows(tmp_path, LEGACY)
    assert found == "google"
    assert row.email == "paul.martin@martin-bois.fr"  # "* Work": the one Google marks main
    assert row.other_emails == [("paul@exemple.fr", "Home")]
    assert row.phone == "+33 7 81 22 33 44"
    assert row.other_phones == [("+33 4 78 00 11 22", "Work")]
    assert (row.company, row.job_title, row.country) == ("Martin Bois", "Menuisier", "États-Unis")


def test_an_empty_group_adds_nothing(tmp_path):
    _format, (row,) = read_rows(tmp_path, CURRENT)
    assert "" not in [value for value, _label in row.other_emails + row.other_phones]


def test_the_further_addresses_and_numbers_reach_the_contact(tmp_path):
    """Needs clean.py and write.py keeping every address and number (another change)."""
    assert counts(run_import(tmp_path, "contacts.csv", CURRENT))["created"] == 1
    helene = Contact.objects.get()
    assert (helene.email, helene.phone) == ("sales@dubois.fr", "+33612345678")
    points = set(helene.points.values_list("kind", "value", "label"))
    assert points == {
        ("email", "billing@dubois.fr", "Work"),
        ("email", "helene@exemple.fr", "Home"),
        ("phone", "+33698765432", "Mobile"),
        ("phone", "+33142685300", "Work"),
    }


def test_the_country_written_in_full_reaches_the_contact(tmp_path):
    """Needs clean.py turning country names into codes (another change)."""
    run_import(tmp_path, "contacts.csv", CURRENT)
    assert Contact.objects.get().country == "FR"
