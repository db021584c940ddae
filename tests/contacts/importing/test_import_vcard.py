import pytest

from contacts.models import Contact
from tests.contacts.importing.conftest import counts, run_import

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("either_reader")]

# The vCards of real programs (Android, iPhone, macOS, Outlook, Gmail…) are imported from
# the repository's own fixtures in test_import_vcard_programs.py.

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


def test_a_soft_line_break_may_split_an_accented_letter(tmp_path):
    card = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Lef=C3=A8vre;=C3=\r\n=89lodie;;;\r\n"
        "TEL;CELL:0612345678\r\nEND:VCARD\r\n"
    )
    run_import(tmp_path, "android.vcf", card)
    assert Contact.objects.get().first_name == "Élodie"


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
