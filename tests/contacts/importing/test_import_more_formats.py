import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from contacts.importing import jobs, write
from contacts.models import Contact
from tests.contacts.importing.conftest import counts, run_import

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("either_reader")]


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_it_reads_the_first_sheet_with_rows_of_an_xlsx_with_typed_cells(tmp_path):
    data = _workbook(
        {
            "Vide": [],
            "Clients": [
                ["Prénom", "Nom", "E-mail", "Portable", "Code postal"],
                ["Zoé", "Brûlé", "zoe@exemple.fr", 612345678, 25000],
            ],
            "Autre": [["Prénom", "E-mail"], ["Pas", "pas@exemple.fr"]],
        }
    )
    summary = run_import(tmp_path, "clients.xlsx", data)
    assert counts(summary)["created"] == 1
    zoe = Contact.objects.get()
    assert (zoe.first_name, zoe.phone, zoe.postcode) == ("Zoé", "+33612345678", "25000")
    assert list(zoe.sources.values_list("source", flat=True)) == ["xlsx"]


def test_a_workbook_states_how_many_rows_it_has_for_the_progress_bar(tmp_path):
    rows = [["Prénom", "E-mail"]] + [[f"C{i}", f"c{i}@exemple.fr"] for i in range(30)]
    path = tmp_path / "clients.xlsx"
    path.write_bytes(_workbook({"Clients": rows}))
    job = jobs.run_files([path])
    assert (job.rows_total, job.rows_done, job.created) == (30, 30, 30)


def test_it_refuses_an_archive_that_would_expand_beyond_reason(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("contacts.csv", "Prénom,E-mail\n" + "a" * 5_000_000)
    with pytest.raises(CommandError, match="trop gros une fois décompressé"):
        run_import(tmp_path, "bomb.zip", buffer.getvalue())
    assert not Contact.objects.exists()


def test_it_refuses_a_file_over_the_size_limit(tmp_path, settings):
    settings.IMPORT_MAX_MB = 0
    with pytest.raises(CommandError, match="fichier de plus de 0 Mo"):
        run_import(tmp_path, "big.csv", "Prénom,E-mail\nA,a@exemple.fr\n")


def test_it_reads_a_french_brevo_export_with_its_blocklist(tmp_path):
    export = (
        "EMAIL;PRENOM;NOM;SMS;ADDED_TIME;MODIFIED_TIME;EMAIL_BLACKLISTED\n"
        "ana@exemple.fr;Ana;Lima;33612345678;2024-01-01;2024-02-01;0\n"
        "bob@exemple.fr;Bob;Roy;;2024-01-01;2024-02-01;1\n"
    )
    run_import(tmp_path, "brevo.csv", export, "--basis", "consent")
    statuses = dict(Contact.objects.values_list("first_name", "email_status"))
    assert statuses == {"Ana": "subscribed", "Bob": "unsubscribed"}
    assert Contact.objects.get(first_name="Ana").phone == "+33612345678"


def test_it_reads_facebook_lead_ads_in_utf16_tab_separated(tmp_path):
    export = (
        "id\tcreated_time\tad_id\tad_name\tform_id\tform_name\tis_organic\tplatform\t"
        "full_name\tphone_number\temail\tquel_produit_?\n"
        "l:123\t2025-03-01T10:00:00+0100\tag:1\tPromo\tf:9\tBon\tfalse\tfb\t"
        "Léa Dupuis\tp:+33612345678\tlea@exemple.fr\tpain\n"
    )
    run_import(tmp_path, "leads.csv", "\ufeff" + export, encoding="utf-16-le")
    lea = Contact.objects.get()
    assert (lea.first_name, lea.last_name, lea.phone) == ("Léa", "Dupuis", "+33612345678")
    assert list(lea.sources.values_list("source", flat=True)) == ["facebook"]
    assert (
        counts(run_import(tmp_path, "leads.csv", "\ufeff" + export, encoding="utf-16-le"))[
            "created"
        ]
        == 0
    )


def test_it_reads_linkedin_imported_contacts_once_despite_repeated_rows(tmp_path):
    export = (
        "FirstName,MiddleName,LastName,Emails,PhoneNumbers,Companies,Title\n"
        "Ana,,Lima,ana@exemple.fr,+33 6 12 34 56 78,Studio,Designer\n"
        "Ana,,Lima,ana@exemple.fr,+33 6 12 34 56 78,Studio,Designer\n"
    )
    assert counts(run_import(tmp_path, "ImportedContacts.csv", export))["created"] == 1
    assert Contact.objects.get().sources.get().source == "linkedin"


def test_it_reads_a_linkedin_export_resaved_by_french_excel(tmp_path):
    export = (
        "Notes:;;;;;;\r\n"
        '"When exporting your connection data, some email addresses are missing.";;;;;;\r\n'
        ";;;;;;\r\n"
        "First Name;Last Name;URL;Email Address;Company;Position;Connected On\r\n"
        "H\ufffdl\ufffdne;Roy;https://www.linkedin.com/in/helene-roy;;Studio;Designer;5-Jan-26\r\n"
    )
    run_import(tmp_path, "Connections.csv", export)
    helene = Contact.objects.get()
    assert helene.handles.get().value == "https://linkedin.com/in/helene-roy"
    assert helene.last_name == "Roy"


def test_an_import_cut_off_halfway_finishes_when_run_again(tmp_path, monkeypatch):
    rows = "".join(f"Contact{i},c{i}@exemple.fr\n" for i in range(25))
    path = tmp_path / "c.csv"
    path.write_text("Prénom,E-mail\n" + rows)
    monkeypatch.setattr(jobs, "CHUNK", 10)
    real_merge_rows, calls = write.merge_rows, []

    def crash_on_second_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the machine went down")
        return real_merge_rows(*args, **kwargs)

    monkeypatch.setattr(write, "merge_rows", crash_on_second_chunk)
    with pytest.raises(RuntimeError):
        jobs.run_files([path])
    assert Contact.objects.count() == 10  # the first chunk, whole; nothing of the second

    monkeypatch.setattr(write, "merge_rows", real_merge_rows)
    job = jobs.run_files([path])
    assert (job.created, job.unchanged) == (15, 10)
    assert Contact.objects.count() == 25
    assert all(
        c.sources.count() == 1 and c.consent_events.count() == 1 for c in Contact.objects.all()
    )


def test_a_reading_process_that_dies_fails_the_import_and_writes_nothing(tmp_path, monkeypatch):
    from contacts.importing import pipeline
    from contacts.models import ImportJob

    path = tmp_path / "c.csv"
    path.write_text("Prénom,E-mail\nAnne,anne@exemple.fr\n")
    monkeypatch.setattr(pipeline, "PROCESS_FROM_ROWS", 0)
    monkeypatch.setattr(pipeline.sys, "executable", "/bin/false")
    with pytest.raises(RuntimeError, match="the reading process stopped"):
        jobs.run_files([path])
    assert Contact.objects.count() == 0
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED


def test_a_reading_process_cut_off_halfway_through_a_batch_fails_the_import(tmp_path, monkeypatch):
    from contacts.importing import pipeline

    path = tmp_path / "c.csv"
    path.write_text("Prénom,E-mail\nAnne,anne@exemple.fr\n")
    half_a_batch = tmp_path / "half-a-batch"
    # A child that reads its spec, writes the start of a pickle, and dies.
    half_a_batch.write_text(
        "#!/bin/sh\ncat >/dev/null\nprintf '\\200\\005\\225\\377\\377'\nexit 9\n"
    )
    half_a_batch.chmod(0o755)
    monkeypatch.setattr(pipeline, "PROCESS_FROM_ROWS", 0)
    monkeypatch.setattr(pipeline.sys, "executable", str(half_a_batch))
    with pytest.raises(RuntimeError, match=r"the reading process stopped \(exit 9\)"):
        jobs.run_files([path])
    assert Contact.objects.count() == 0


def test_hundreds_of_files_with_long_names_go_to_the_reading_process(tmp_path):
    # Their names and paths would not fit in one command-line argument (128 KiB).
    paths = []
    for i in range(300):
        path = tmp_path / f"{i:03d}-{'carnet-d-adresses-de-la-boutique-' * 6}.csv"
        path.write_text(f"Prénom,E-mail\nClient{i},client{i}@exemple.fr\n")
        paths.append(path)
    job = jobs.run_files(paths)
    assert (job.created, job.errors) == (300, 0)
    assert Contact.objects.count() == 300


def test_the_phone_region_in_force_reaches_the_reading_process(tmp_path, settings):
    settings.PHONE_REGION = "BE"
    path = tmp_path / "c.csv"
    path.write_text("Prénom,Téléphone\nLotte,0470 12 34 56\n")
    jobs.run_files([path])
    assert Contact.objects.get().phone == "+32470123456"


def test_every_row_in_error_is_counted_and_the_first_thousand_listed(tmp_path):
    rows = "".join(f",pas-une-adresse-{i}\n" for i in range(1500))  # nothing else: an error
    path = tmp_path / "c.csv"
    path.write_text("Prénom,E-mail\nAnne,anne@exemple.fr\n" + rows)
    job = jobs.run_files([path])
    assert (job.created, job.errors, job.rows_done) == (1, 1500, 1501)
    assert len(job.report["errors"]) == 1000
    reason = "Non importée : rien d’autre que pas-une-adresse-0, que Carnet ne sait pas lire."
    assert job.report["errors"][0] == {"file": "c.csv", "line": 3, "reason": reason}


def test_a_reading_process_of_other_code_is_not_used(tmp_path, monkeypatch, caplog):
    # A worker started before a deploy spawns a child of the new code: their batches would
    # not fit, so the worker reads the rows itself.
    from contacts.importing import pipeline

    path = tmp_path / "c.csv"
    path.write_text("Prénom,E-mail\nAnne,anne@exemple.fr\nMarc,marc@exemple.fr\n")
    monkeypatch.setattr(pipeline, "PROCESS_FROM_ROWS", 0)
    monkeypatch.setattr(pipeline, "_wire", lambda: [["first_name"], ["an older batch"], []])
    job = jobs.run_files([path])
    assert (job.created, job.errors) == (2, 0)
    assert "other code" in caplog.text


def test_the_command_shows_the_first_rows_in_error_and_with_a_problem_and_counts_the_rest(
    tmp_path,
):
    bad_emails = "".join(f";pas-{i};\n" for i in range(25))
    rounded_phones = "".join(f"D{i};d{i}@exemple.fr;3,36612E+10\n" for i in range(23))
    path = tmp_path / "c.csv"
    path.write_text("Prénom;Courriel;Portable\n" + bad_emails + rounded_phones)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_contacts", str(path), stdout=out, stderr=err)
    assert counts(out.getvalue()) == {
        "created": 23, "updated": 0, "unchanged": 0, "skipped": 0, "errors": 25
    }  # fmt: skip
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 + 20 + 1 + 1 + 20 + 1
    assert lines[0] == "Lignes non importées :"
    assert (
        lines[1] == "c.csv:2: Non importée : rien d’autre que pas-0, que Carnet ne sait pas lire."
    )
    assert lines[21].startswith("… et 5 autres")
    assert lines[22] == "Lignes importées avec un problème :"
    assert lines[23].startswith("c.csv:27: 3,36612E+10 a été arrondi par un tableur")
    assert lines[43].startswith("… et 3 autres")


def test_the_command_counts_the_problems_beyond_those_the_report_keeps(tmp_path):
    rows = "".join(f"D{i};d{i}@exemple.fr;3,36612E+10\n" for i in range(1030))
    path = tmp_path / "c.csv"
    path.write_text("Prénom;Courriel;Portable\n" + rows)
    err = io.StringIO()
    call_command("import_contacts", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines()[-1].startswith("… et 1010 autres")
