"""LinkedIn: a member id where the address is withheld, and address books of several values."""

import pytest

from contacts.models import Contact
from tests.contacts.importing.conftest import counts, read_rows, run_import, zipped

pytestmark = pytest.mark.django_db

CONNECTIONS = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses '
    'are missing. You will only see email addresses for connections who allowed it."\n'
    "\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Karim,Benali,https://www.linkedin.com/in/karim-benali,urn:li:member:664293716,Axa,"
    "Actuaire,14 Mar 2025\n"
    "Léa,Roux,https://www.linkedin.com/in/lea-roux,lea.roux@exemple.fr,,,02 Feb 2025\n"
)
# The address book the user once synced with LinkedIn, beside Connections.csv.
IMPORTED = (
    "FirstName,MiddleName,LastName,Title,Emails,PhoneNumbers,Companies,Location,CreatedAt,"
    "UpdatedAt,Instant Messaging Handles,Websites,Birthday,Address,Sources,Profiles,"
    "BookmarkedAt\n"
    'Nora,,Petit,,"nora@petit.fr,nora.petit@travail.fr","+33 6 11 22 33 44,+33 1 45 67 89 00",'
    "Petit SARL,Lille,1/3/19 10:00 AM,1/3/19 10:00 AM,,,,,GMAIL,,\n"
)


def test_a_member_id_is_no_address(tmp_path):
    found, (karim, lea) = read_rows(tmp_path, CONNECTIONS, "Connections.csv")
    assert found == "linkedin"
    assert (karim.email, karim.other_emails, karim.problems) == ("", [], [])
    assert lea.email == "lea.roux@exemple.fr"


def test_a_connection_with_a_member_id_is_imported_without_a_problem(tmp_path):
    archive = zipped({"Connections.csv": CONNECTIONS})
    assert counts(run_import(tmp_path, "linkedin.zip", archive)) == {
        "created": 2, "updated": 0, "unchanged": 0, "skipped": 0, "errors": 0
    }  # fmt: skip
    karim = Contact.objects.get(first_name="Karim")
    assert (karim.email, karim.job_title) == ("", "Actuaire")
    assert karim.handles.get().value == "https://linkedin.com/in/karim-benali"


def test_every_address_and_number_of_the_address_book_is_kept(tmp_path):
    found, (nora,) = read_rows(tmp_path, IMPORTED, "Connections.csv")
    assert found == "linkedin"
    assert nora.email == "nora@petit.fr"
    assert nora.other_emails == [("nora.petit@travail.fr", "")]
    assert nora.phone == "+33 6 11 22 33 44"
    assert nora.other_phones == [("+33 1 45 67 89 00", "")]


def test_the_address_book_reaches_the_contact_whole(tmp_path):
    """The further address and number need clean.py and write.py (another change)."""
    run_import(tmp_path, "ImportedContacts.csv", IMPORTED)
    nora = Contact.objects.get()
    assert (nora.email, nora.phone) == ("nora@petit.fr", "+33611223344")
    assert set(nora.points.values_list("kind", "value")) == {
        ("email", "nora.petit@travail.fr"),
        ("phone", "+33145678900"),
    }
