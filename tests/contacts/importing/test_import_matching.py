"""Who is who, again: shared numbers, further addresses, typos and countries (issue 10)."""

import io

import pytest
from django.core.management import call_command

from contacts.models import Contact, ContactPoint, ImportJob
from tests.contacts.importing.conftest import counts, run_import

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("either_reader")]

GOOGLE = "First Name,Last Name,E-mail 1 - Value,Phone 1 - Value,Address 1 - Country\n"
LEGACY_GOOGLE = (
    "Name,Given Name,Additional Name,Family Name,Group Membership,E-mail 1 - Type,"
    "E-mail 1 - Value,Website 1 - Type,Website 1 - Value\n"
)


def _names() -> set[str]:
    return {contact.full_name for contact in Contact.objects.all()}


def test_two_people_sharing_a_phone_stay_two_and_are_shown_as_probable_duplicates(tmp_path):
    jerome = Contact.objects.create(first_name="Jérôme", last_name="Dupré", phone="+33612345678")
    text = GOOGLE + "Sophie,Étienne,,06 12 34 56 78,\n"
    assert counts(run_import(tmp_path, "g.csv", text))["created"] == 1
    sophie = Contact.objects.get(first_name="Sophie")
    assert sophie.phone == "+33612345678"
    jerome.refresh_from_db()
    assert (jerome.first_name, jerome.last_name) == ("Jérôme", "Dupré")
    job = ImportJob.objects.get()
    duplicate = {"contact": sophie.pk, "other": jerome.pk, "name": "Sophie Étienne"}
    assert duplicate in job.report["duplicates"]
    # Again: Sophie is found by her number among those who share it, nobody is added.
    assert counts(run_import(tmp_path, "g.csv", text))["created"] == 0
    assert _names() == {"Jérôme Dupré", "Sophie Étienne"}


def test_a_shared_phone_with_a_compatible_name_is_one_person(tmp_path):
    Contact.objects.create(first_name="Jérôme", last_name="Dupré", phone="+33612345678")
    run_import(tmp_path, "g.csv", GOOGLE + "Jerome,DUPRE,jerome@exemple.fr,06 12 34 56 78,\n")
    assert Contact.objects.get().email == "jerome@exemple.fr"


def test_an_email_identifies_a_person_whatever_the_name(tmp_path):
    Contact.objects.create(first_name="Élodie", last_name="Lefèvre", email="elo@exemple.fr")
    run_import(tmp_path, "g.csv", GOOGLE + "Élodie,Martin,elo@exemple.fr,,\n")
    assert Contact.objects.count() == 1


def test_a_profile_claimed_by_someone_else_does_not_duplicate_on_reimport(tmp_path):
    url = "https://www.linkedin.com/in/jdupre"
    text = (
        f"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        f"Jérôme,Dupré,{url},,,,05 Jan 2026\nSophie,Étienne,{url},,,,06 Jan 2026\n"
    )
    assert counts(run_import(tmp_path, "Connections.csv", text))["created"] == 2
    assert counts(run_import(tmp_path, "Connections.csv", text))["created"] == 0
    assert _names() == {"Jérôme Dupré", "Sophie Étienne"}


def test_rows_known_only_by_a_website_are_found_again_and_keep_it(tmp_path):
    text = LEGACY_GOOGLE + (
        "Kévin Moreau,Kévin,,Moreau,* My Contacts,,,Profile,google.com/profiles/115012345678901\n"
        "Ngozi Okafor,Ngozi,,Okafor,* My Contacts,,,Profile,google.com/profiles/115098765432109\n"
        ",,,,* My Contacts,,,Profile,google.com/profiles/115000000000001\n"
    )
    assert counts(run_import(tmp_path, "google.csv", text))["created"] == 3
    assert counts(run_import(tmp_path, "google.csv", text))["created"] == 0
    kevin = Contact.objects.get(first_name="Kévin")
    assert kevin.handles.get().value == "https://google.com/profiles/115012345678901"


def test_a_further_address_finds_the_person_and_is_kept(tmp_path):
    contact = Contact.objects.create(first_name="Anne", email="anne@atelier.fr")
    ContactPoint.objects.create(contact=contact, kind="email", value="Anne.Perso@Exemple.fr")
    run_import(tmp_path, "g.csv", GOOGLE + "Anne,Roux,anne.perso@exemple.fr,0612345678,\n")
    contact.refresh_from_db()
    assert Contact.objects.count() == 1
    assert (contact.last_name, contact.phone) == ("Roux", "+33612345678")
    assert contact.email == "anne@atelier.fr"  # the main address stays the one written to


def test_a_new_address_of_a_known_person_is_kept_beside_the_main_one(tmp_path):
    contact = Contact.objects.create(first_name="Anne", email="a@x.fr")
    text = GOOGLE + "Anne,,anne@Atelier.FR ::: a@x.fr,,\n"
    run_import(tmp_path, "g.csv", text)
    [point] = contact.points.all()
    assert (point.kind, point.value, point.understood) == ("email", "anne@atelier.fr", True)
    assert counts(run_import(tmp_path, "g.csv", text)) == {
        "created": 0, "updated": 0, "unchanged": 1, "skipped": 0, "errors": 0
    }  # fmt: skip


def test_a_typo_in_an_email_costs_only_the_email(tmp_path):
    run_import(
        tmp_path,
        "c.csv",
        "Prénom;Nom;Courriel;Portable\nMaël;Ménard;mael.menard@exemple;06 11 22 33 44\n",
    )
    mael = Contact.objects.get()
    assert (mael.first_name, mael.email, mael.phone) == ("Maël", "", "+33611223344")
    [point] = mael.points.all()
    assert (point.kind, point.value, point.understood) == ("email", "mael.menard@exemple", False)
    [problem] = ImportJob.objects.get().report["problems"]
    assert problem["reason"].startswith("mael.menard@exemple n’est pas une adresse e-mail valide")


def test_a_foreign_number_is_read_in_the_rows_own_country_and_kept_if_unreadable(tmp_path):
    text = GOOGLE + "Ada,Lovelace,,020 7946 0000,Royaume-Uni\nBob,Ross,,555 0123,Narnia\n"
    run_import(tmp_path, "g.csv", text)
    ada = Contact.objects.get(first_name="Ada")
    assert (ada.phone, ada.country) == ("+442079460000", "GB")
    bob = Contact.objects.get(first_name="Bob")
    assert (bob.phone, bob.country) == ("", "")
    assert [(p.kind, p.value, p.understood) for p in bob.points.all()] == [
        ("phone", "555 0123", False)
    ]
    reasons = [p["reason"] for p in ImportJob.objects.get().report["problems"]]
    assert any(r.startswith("Narnia") for r in reasons)
    assert any(r.startswith("555 0123") for r in reasons)


@pytest.mark.parametrize(
    ("written", "code"), [("France", "FR"), ("États-Unis", "US"), ("USA", "US"), ("be", "BE")]
)
def test_country_names_and_codes_are_read(tmp_path, written, code):
    run_import(tmp_path, "g.csv", GOOGLE + f"Ada,Lovelace,ada@exemple.fr,,{written}\n")
    assert Contact.objects.get().country == code


def test_email_domains_are_stored_in_lower_case(tmp_path):
    run_import(tmp_path, "g.csv", GOOGLE + "Ada,Lovelace,Ada.Lovelace@EXEMPLE.Fr,,\n")
    assert Contact.objects.get().email == "Ada.Lovelace@exemple.fr"


def test_a_further_address_shared_by_another_name_is_a_probable_duplicate(tmp_path):
    claire = GOOGLE + "Claire,Petit,claire@petit.fr ::: famille@petit.fr,,\n"
    run_import(tmp_path, "a.csv", claire)
    hugo = GOOGLE + "Hugo,Petit,famille@petit.fr,,\n"
    assert counts(run_import(tmp_path, "b.csv", hugo))["created"] == 1
    assert Contact.objects.get(first_name="Hugo").email == "famille@petit.fr"
    assert Contact.objects.get(first_name="Claire").email == "claire@petit.fr"
    assert counts(run_import(tmp_path, "b.csv", hugo))["created"] == 0


def test_a_namesake_on_another_number_stays_apart(tmp_path):
    Contact.objects.create(first_name="Luc", last_name="Bernard", phone="+33140000001")
    Contact.objects.create(first_name="Jérôme", last_name="Dupré", phone="+33612345678")
    run_import(tmp_path, "a.csv", GOOGLE + "Jean,Martin,,06 12 34 56 78,\n")
    run_import(tmp_path, "b.csv", GOOGLE + "Jean,Martin,,01 40 00 00 01,\n")
    jeans = Contact.objects.filter(first_name="Jean").order_by("pk")
    assert [j.phone for j in jeans] == ["+33612345678", "+33140000001"]


def test_colleagues_share_their_companys_website(tmp_path):
    text = (
        "First Name,Last Name,E-mail 1 - Value,Website 1 - Value\n"
        "Anne,Xavier,,https://acme.exemple.fr\nBob,Yann,,https://acme.exemple.fr\n"
    )
    assert counts(run_import(tmp_path, "g.csv", text))["created"] == 2
    sites = {c.first_name: c.handles.get().value for c in Contact.objects.all()}
    assert sites == {"Anne": "https://acme.exemple.fr", "Bob": "https://acme.exemple.fr"}
    assert counts(run_import(tmp_path, "g.csv", text))["created"] == 0


def test_the_command_names_the_probable_duplicates_and_the_values_kept(tmp_path):
    Contact.objects.create(first_name="Jérôme", last_name="Dupré", phone="+33612345678")
    Contact.objects.create(first_name="Anne", email="anne@exemple.fr", city="Dole")
    path = tmp_path / "g.csv"
    path.write_text(
        "Prénom;Nom;Courriel;Portable;Ville\n"
        "Sophie;Étienne;;06 12 34 56 78;\nAnne;;anne@exemple.fr;;Lyon\n"
    )
    err = io.StringIO()
    call_command("import_contacts", str(path), stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    sophie, jerome = (Contact.objects.get(first_name=n).pk for n in ("Sophie", "Jérôme"))
    assert "Doublons probables, non fusionnés (à revoir dans l’administration) :" in lines
    assert f"Sophie Étienne (n° {sophie}) ≈ Jérôme Dupré (n° {jerome})" in lines
    anne = Contact.objects.get(first_name="Anne").pk
    assert (
        f"ligne 3 : Anne (n° {anne}), ville : « Dole » gardé, le fichier disait « Lyon »" in lines
    )
