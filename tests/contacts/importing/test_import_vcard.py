import pytest

from contacts.models import Contact, Tag
from tests.contacts.importing.conftest import counts, run_import

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("either_reader")]

ANDROID_21 = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Lef=C3=A8vre;=C3=89lodie;;;\r\n"
    "TEL;CELL;PREF:0612345678\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:2.1\r\nN:;;;;\r\nEMAIL;HOME:seul@exemple.fr\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Casse;Carte\r\nPHOTO;ENCODING=b:@@@not base64@@@\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPHOTO;ENCODING=b:@@@nothing else@@@\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ana Lima\r\nN:Lima;Ana;;;\r\n"
    'TEL;VALUE=uri;TYPE="work,voice";PREF=1:tel:+33-1-42-68-53-00\r\n'
    "BDAY:--0203\r\nEND:VCARD\r\n"
)


def test_it_imports_each_card_on_its_own_and_reports_the_corrupt_ones(tmp_path):
    summary = run_import(tmp_path, "contacts.vcf", "\ufeff" + ANDROID_21)
    assert counts(summary) == {
        "created": 4,  # the card with a broken photo, without its photo
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "errors": 1,  # the card with nothing but a broken photo
    }
    assert Contact.objects.filter(last_name="Casse", first_name="Carte").exists()
    assert Contact.objects.get(phone="+33612345678").first_name == "Élodie"
    assert Contact.objects.filter(email="seul@exemple.fr").exists()
    assert Contact.objects.get(last_name="Lima").phone == "+33142685300"
    summary = run_import(tmp_path, "contacts.vcf", "\ufeff" + ANDROID_21)
    assert counts(summary)["created"] == 0


@pytest.mark.parametrize(
    "sample",
    [
        "John_Doe_ANDROID.vcf",
        "John_Doe_IPHONE.vcf",
        "John_Doe_MAC_ADDRESS_BOOK.vcf",
        "John_Doe_GMAIL.vcf",
        "John_Doe_EVOLUTION.vcf",
        "outlook-2007.vcf",
        "rfc6350-example.vcf",
        "gmail-list.vcf",
    ],
)
def test_it_imports_the_vcards_of_real_address_books(tmp_path, samples, sample):
    summary = run_import(tmp_path, sample, (samples / sample).read_bytes())
    assert counts(summary)["created"] >= 1
    assert Contact.objects.exclude(first_name="", last_name="", email="").exists()
    assert set(Contact.objects.values_list("sources__source", flat=True)) == {"vcard"}


def test_a_soft_line_break_may_split_an_accented_letter(tmp_path):
    card = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Lef=C3=A8vre;=C3=\r\n=89lodie;;;\r\n"
        "TEL;CELL:0612345678\r\nEND:VCARD\r\n"
    )
    run_import(tmp_path, "android.vcf", card)
    assert Contact.objects.get().first_name == "Élodie"


def test_a_card_keeps_what_can_be_read_of_it_and_the_report_names_what_was_left_out(
    tmp_path, samples
):
    from contacts.importing import engine

    path = tmp_path / "John_Doe_ANDROID.vcf"
    path.write_bytes((samples / "John_Doe_ANDROID.vcf").read_bytes())
    job = engine.run_files([path])
    assert job.errors == 0
    # Bob's photo is cut short, Henry's company holds a byte that is not UTF-8.
    assert Contact.objects.filter(email__in=["bob@company.com", "henry@company.com"]).count() == 2
    problems = job.report["problems"]
    left_out = {p["line"]: p["reason"] for p in problems if p["reason"].startswith("Parties")}
    assert left_out == {  # the lines where Bob's and Henry's cards begin
        36: "Parties illisibles de la fiche laissées de côté : PHOTO.",
        71: "Parties illisibles de la fiche laissées de côté : ORG.",
    }
    # "CATEGORIES:My Contacts" is the group Android puts everyone in, as Google's
    # "* myContacts": not a tag of the user's.
    assert not Tag.objects.exists()


def test_a_quoted_printable_line_that_looks_like_a_property_stays_in_its_value(tmp_path):
    card = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Dupont;Jean;;;\r\nEMAIL:jean@exemple.fr\r\n"
        "NOTE;ENCODING=QUOTED-PRINTABLE:Standard=0D=0A=\r\nTel: 06 99 99 99 99 (ancien)\r\n"
        "TITLE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=80\r\nEND:VCARD\r\n"
    )  # the TITLE is not UTF-8: the card is read in parts
    summary = run_import(tmp_path, "jean.vcf", card)
    assert counts(summary)["created"] == 1
    jean = Contact.objects.get()
    assert (jean.phone, jean.notes) == ("", "Standard\r\nTel: 06 99 99 99 99 (ancien)")


def test_a_stray_equals_sign_at_the_end_of_a_value_does_not_lose_it(tmp_path):
    card = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Henry;;;;\r\nEMAIL;PREF:henry@exemple.fr\r\n"
        "ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:ACME=\r\n\r\n"
        "ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=80\r\nEND:VCARD\r\n"
    )
    run_import(tmp_path, "henry.vcf", card)
    assert Contact.objects.get().company.name == "ACME"


def test_a_card_whose_readable_parts_name_nobody_is_an_error(tmp_path):
    card = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=80;=80;;;\r\n"
        "EMAIL;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=80\r\nREV:20240101T000000Z\r\n"
        "END:VCARD\r\n"
    )
    assert counts(run_import(tmp_path, "rien.vcf", card))["errors"] == 1
    assert not Contact.objects.exists()
