import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from contacts.models import ConsentEvent, Contact
from tests.contacts.importing.conftest import counts, run_import, sha256, zipped

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("either_reader")]

FRENCH_EXCEL = (
    "Prénom;Nom;Courriel;Téléphone;Société;Ville;Code postal\r\n"
    "Élodie;Lefèvre;Elodie@Exemple.fr;612345678;Boulangerie Lefèvre;Besançon;25000\r\n"
    "Marc;Dupont;marc@exemple.fr;3,36612E+10;Garage;Lyon;69001\r\n"
    "Jean;Sans;pas-une-adresse;;;;\r\n"
)


def test_it_reads_french_excel_csv_in_cp1252_with_semicolons(tmp_path):
    summary = run_import(
        tmp_path, "clients.csv", FRENCH_EXCEL, "--basis", "customer", encoding="cp1252"
    )
    assert counts(summary) == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "errors": 0,
    }
    elodie = Contact.objects.get(email__iexact="elodie@exemple.fr")
    assert (elodie.first_name, elodie.last_name, elodie.city) == ("Élodie", "Lefèvre", "Besançon")
    assert elodie.phone == "+33612345678"  # the 0 Excel dropped is back
    assert elodie.company.name == "Boulangerie Lefèvre"
    assert (elodie.email_status, elodie.consent_basis) == ("subscribed", "customer")
    assert Contact.objects.get(email="marc@exemple.fr").phone == ""  # rounded: not used
    jean = Contact.objects.get(first_name="Jean")  # the typo costs the address, not Jean
    assert (jean.email, jean.points.get().value) == ("", "pas-une-adresse")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_it_reads_every_delimiter_and_encoding(tmp_path, encoding, delimiter):
    text = FRENCH_EXCEL.replace(";", delimiter).replace("3,36612E+10", "")
    run_import(tmp_path, "x.csv", text, encoding=encoding)
    assert Contact.objects.get(email__iexact="elodie@exemple.fr").city == "Besançon"


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    run_import(tmp_path, "clients.csv", FRENCH_EXCEL, "--basis", "consent", encoding="cp1252")
    before = list(Contact.objects.order_by("pk").values())
    summary = run_import(
        tmp_path, "clients.csv", FRENCH_EXCEL, "--basis", "consent", encoding="cp1252"
    )
    assert counts(summary)["created"] == 0 and counts(summary)["unchanged"] == 3
    assert list(Contact.objects.order_by("pk").values()) == before


def test_it_records_the_file_and_its_sha256_as_proof(tmp_path):
    data = FRENCH_EXCEL.encode("cp1252")
    run_import(tmp_path, "clients.csv", data, "--basis", "consent")
    event = ConsentEvent.objects.get(contact__email="marc@exemple.fr")
    assert (event.how, event.to_status, event.basis) == ("import", "subscribed", "consent")
    assert (event.proof_file_name, event.proof_sha256) == ("clients.csv", sha256(data))


def test_without_a_basis_contacts_arrive_without_consent(tmp_path):
    run_import(tmp_path, "clients.csv", FRENCH_EXCEL, encoding="cp1252")
    assert set(Contact.objects.values_list("email_status", flat=True)) == {"no_consent"}


def test_it_fills_empty_fields_and_lists_conflicts_without_overwriting(tmp_path):
    Contact.objects.create(email="elodie@exemple.fr", city="Dole", first_name="")
    run_import(tmp_path, "clients.csv", FRENCH_EXCEL, encoding="cp1252")
    elodie = Contact.objects.get(email="elodie@exemple.fr")
    assert (elodie.first_name, elodie.city) == ("Élodie", "Dole")


def test_skip_leaves_existing_contacts_untouched(tmp_path):
    Contact.objects.create(email="elodie@exemple.fr")
    summary = run_import(
        tmp_path, "c.csv", FRENCH_EXCEL, "--on-duplicate", "skip", encoding="cp1252"
    )
    assert counts(summary)["skipped"] == 1
    assert Contact.objects.get(email="elodie@exemple.fr").first_name == ""


def test_a_dry_run_writes_nothing(tmp_path):
    summary = run_import(tmp_path, "c.csv", FRENCH_EXCEL, "--dry-run", encoding="cp1252")
    assert counts(summary)["created"] == 3
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00",
        b"just some words\nand more words\n",
        b'{"a": 1}',
        b"PK\x03\x04broken",
        b"[" * 100_000,
    ],
)
def test_an_unusable_file_writes_nothing_and_says_why_in_one_line(tmp_path, content):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(FRENCH_EXCEL, encoding="cp1252")
    bad.write_bytes(content)
    with pytest.raises(CommandError) as error:
        call_command("import_contacts", str(good), str(bad))
    assert "\n" not in str(error.value)
    assert not Contact.objects.exists()


def test_notes_keep_their_line_breaks_while_names_are_trimmed(tmp_path):
    text = 'Prénom,E-mail,Notes\n"  Zoé   Anne ",zoe@exemple.fr,"Première ligne\nSeconde ligne"\n'
    run_import(tmp_path, "c.csv", text)
    zoe = Contact.objects.get()
    assert (zoe.first_name, zoe.notes) == ("Zoé Anne", "Première ligne\nSeconde ligne")


def _printed(*paths, language: str) -> list[str]:
    """Return the lines the command prints on stdout, in that language."""
    out = io.StringIO()
    with translation.override(language):
        call_command("import_contacts", *map(str, paths), stdout=out, stderr=io.StringIO())
    return out.getvalue().splitlines()


def test_the_command_prints_the_format_of_each_file_then_the_summary_last(tmp_path):
    clients = tmp_path / "clients.csv"
    clients.write_text(FRENCH_EXCEL, encoding="cp1252")
    archive = tmp_path / "linkedin.zip"
    archive.write_bytes(
        zipped({"Connections.csv": "First Name,Last Name,URL,Email Address,Company,Position,"
                "Connected On\nAna,Lima,https://www.linkedin.com/in/ana,,,,05 Jan 2026\n",
                "Profile.csv": "First Name,Last Name,Headline\nMoi,Même,Fondatrice\n"})
    )  # fmt: skip
    lines = _printed(clients, archive, language="en")
    assert lines[:-1] == [
        "clients.csv: CSV file (csv)",
        "linkedin.zip/Connections.csv: LinkedIn (linkedin)",
    ]
    assert list(counts(lines[-1])) == ["created", "updated", "unchanged", "skipped", "errors"]


def test_the_formats_are_named_in_french_for_french_users(tmp_path):
    clients = tmp_path / "clients.csv"
    clients.write_text(FRENCH_EXCEL, encoding="cp1252")
    first, summary = _printed(clients, language="fr")
    assert first.startswith("clients.csv") and first.endswith(": Fichier CSV (csv)")
    assert summary.startswith("created=")
