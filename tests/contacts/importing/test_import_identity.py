"""Who is who: rows join the right contact, opt-outs stick, and odd files still import."""

import pytest
from openpyxl import Workbook

from contacts.models import ConsentEvent, Contact
from tests.contacts.importing.conftest import counts, run_import, zipped

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("either_reader")]

MAILCHIMP = (
    '"Email Address","First Name","Last Name","Phone Number",MEMBER_RATING,OPTIN_TIME,'
    "OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,"
    "LAST_CHANGED,LEID,EUID,NOTES,TAGS"
)
UNSUBSCRIBED = MAILCHIMP + ",UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON\n"
EMPTY = ",," * 8


def _unsubscribed_row(email: str, first: str, phone: str = "") -> str:
    return f"{email},{first},Martin,{phone},2{EMPTY},,,2021-01-01 10:00:00,,,\n"


def test_a_known_email_wins_over_a_phone_seen_earlier_in_the_file(tmp_path):
    Contact.objects.create(first_name="Paul", email="paul@x.fr")
    text = (
        "Prénom;Nom;Email;Téléphone\nPaul;Martin;;0612345678\nPaul;Martin;paul@x.fr;0612345678\n"
    )
    run_import(tmp_path, "a.csv", text)
    paul = Contact.objects.get(email="paul@x.fr")
    assert paul.phone == "+33612345678"
    assert Contact.objects.count() == 2  # the phone-only row stays apart: a probable duplicate


def test_people_sharing_a_phone_or_a_website_stay_apart(tmp_path):
    google = (
        "First Name,Last Name,E-mail 1 - Value,Phone 1 - Value,Website 1 - Value\n"
        "Alice,A,alice@boulangerie.fr,03 81 00 00 00,https://boulangerie.fr\n"
        "Bob,B,bob@boulangerie.fr,03 81 00 00 00,https://boulangerie.fr\n"
    )
    run_import(tmp_path, "g.csv", google)
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        "alice@boulangerie.fr",
        "bob@boulangerie.fr",
    ]


def test_an_opt_out_is_never_given_to_someone_sharing_the_phone(tmp_path):
    run_import(
        tmp_path, "c.csv", "Prénom;Nom;Email\nJean;Martin;jean@x.fr\n", "--basis", "customer"
    )
    rows = _unsubscribed_row("marie@y.fr", "Marie", "0312345678") + _unsubscribed_row(
        "jean@x.fr", "Jean", "0312345678"
    )
    run_import(tmp_path, "unsubscribed_members_export_1.csv", UNSUBSCRIBED + rows)
    assert dict(Contact.objects.values_list("email", "email_status")) == {
        "jean@x.fr": "unsubscribed",
        "marie@y.fr": "unsubscribed",
    }


def test_consent_is_never_given_through_someone_else_s_address(tmp_path):
    run_import(tmp_path, "c.csv", "Prénom;Nom;Email;Téléphone\nJean;Martin;jean@x.fr;0612345678\n")
    subscribed = (
        MAILCHIMP
        + "\n"
        + (f"marie@y.fr,Marie,Martin,0612345678,2,2020-01-01 10:00:00,1.2.3.4{EMPTY}\n")
    )
    run_import(tmp_path, "subscribed_members_export_1.csv", subscribed)
    assert Contact.objects.get(email="jean@x.fr").email_status == "no_consent"
    assert Contact.objects.get(email="marie@y.fr").email_status == "subscribed"


def test_skip_still_records_the_opt_outs_the_file_proves(tmp_path):
    run_import(
        tmp_path, "c.csv", "Prénom;Nom;Email\nJean;Martin;jean@x.fr\n", "--basis", "customer"
    )
    summary = run_import(
        tmp_path,
        "u.csv",
        UNSUBSCRIBED + _unsubscribed_row("jean@x.fr", "Jean"),
        "--on-duplicate",
        "skip",
    )
    assert counts(summary)["skipped"] == 1
    jean = Contact.objects.get()
    assert jean.email_status == "unsubscribed"
    assert ConsentEvent.objects.filter(contact=jean, to_status="unsubscribed").exists()


def test_a_complaint_is_never_softened_into_an_unsubscribe(tmp_path):
    contact = Contact.objects.create(email="jean@x.fr")
    Contact.objects.filter(pk=contact.pk).update(email_status="complained")
    run_import(tmp_path, "u.csv", UNSUBSCRIBED + _unsubscribed_row("jean@x.fr", "Jean"))
    assert Contact.objects.get().email_status == "complained"


def test_a_mailchimp_row_without_opt_in_proves_no_consent(tmp_path):
    run_import(tmp_path, "s.csv", MAILCHIMP + "\n" + f"ana@x.fr,Ana,Lima,,2{EMPTY}\n")
    assert Contact.objects.get().email_status == "no_consent"


def test_one_handle_claimed_twice_in_a_chunk_goes_to_one_contact(tmp_path):
    cards = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:B;Bob;;;\r\nTEL:0612345678\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:B;Bob;;;\r\nEMAIL:bob@x.fr\r\n"
        "URL:https://www.linkedin.com/in/bob\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:B;Bob;;;\r\nTEL:0612345678\r\n"
        "URL:https://www.linkedin.com/in/bob\r\nEND:VCARD\r\n"
    )
    run_import(tmp_path, "a.vcf", cards)
    assert Contact.objects.filter(handles__value="https://linkedin.com/in/bob").count() == 1


def test_rows_with_only_a_name_are_not_added_again(tmp_path):
    data = "FirstName,MiddleName,LastName,Emails,PhoneNumbers\nJean,,Martin,,\nJean,,Martin,,\n"
    run_import(tmp_path, "ImportedContacts.csv", data)
    run_import(tmp_path, "ImportedContacts.csv", data)
    assert Contact.objects.count() == 1


def test_values_too_long_are_cut_with_a_problem_and_nuls_dropped(tmp_path):
    before = "".join(f"P{i},p{i}@x.fr,25000\n" for i in range(60))  # a NUL past the sniffed start
    text = (
        "Prénom,Email,Code postal\n"
        + before
        + "Je\x00an,jean@x.fr,CEDEX 75011 PARIS LA DEFENSE 4\n"
    )
    run_import(tmp_path, "c.csv", text)
    jean = Contact.objects.get(email="jean@x.fr")
    assert (jean.first_name, len(jean.postcode)) == ("Jean", 20)


def test_a_list_with_only_an_email_column_imports(tmp_path):
    run_import(tmp_path, "list.csv", "Email\njean@x.fr\nmarie@y.fr\n")
    assert Contact.objects.count() == 2


def test_a_workbook_with_a_title_sheet_and_one_inside_a_zip_import(tmp_path):
    book = Workbook()
    book.active["A1"] = "Liste des clients 2024"
    sheet = book.create_sheet("Clients")
    sheet.append(["Prénom", "Nom", "Email"])
    sheet.append(["Jean", "Martin", "jean@x.fr"])
    book.save(tmp_path / "c.xlsx")
    data = (tmp_path / "c.xlsx").read_bytes()
    run_import(tmp_path, "clients.xlsx", data)
    run_import(tmp_path, "archive.zip", zipped({"clients.xlsx": data}))
    assert list(Contact.objects.values_list("email", flat=True)) == ["jean@x.fr"]


def test_a_vcard_21_takes_the_preferred_address(tmp_path):
    card = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Martin;Jean;;;\r\nEMAIL;HOME:old@x.fr\r\n"
        "EMAIL;WORK;PREF:jean@x.fr\r\nEND:VCARD\r\n"
    )
    run_import(tmp_path, "a.vcf", card)
    assert Contact.objects.get().email == "jean@x.fr"


def test_a_card_that_never_ends_is_reported(tmp_path):
    cards = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:A;Ana;;;\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:B;Bob;;;\r\nNOTE:a\u2028b\r\n"
    )
    assert counts(run_import(tmp_path, "a.vcf", cards))["errors"] == 1


def test_the_same_linkedin_profile_written_two_ways_is_one_person(tmp_path):
    head = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    run_import(
        tmp_path,
        "a.csv",
        head + "Jean,Dupont,https://fr.linkedin.com/in/Jean-Dupont,,,,1 Jan 2026\n",
    )
    run_import(
        tmp_path,
        "b.csv",
        head + "Jean,Dupont,https://www.linkedin.com/in/jean-dupont/,,,,1 Jan 2026\n",
    )
    assert Contact.objects.count() == 1
