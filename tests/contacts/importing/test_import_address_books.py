import pytest

from contacts.models import Contact
from tests.contacts.importing.conftest import counts, run_import

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("either_reader")]

GOOGLE = (
    "First Name,Middle Name,Last Name,Organization Name,Organization Title,Notes,Labels,"
    "E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,"
    "Phone 1 - Value,Address 1 - City,Address 1 - Postal Code,Website 1 - Value\n"
    "Zoé,,Brûlé,Atelier Z,Céramiste,Aime le bleu,* myContacts ::: Clients ::: VIP,"
    "* Work,zoe@atelier.fr ::: zoe.perso@exemple.fr,,,Mobile,06 11 22 33 44,Dijon,21000,"
    "https://www.linkedin.com/in/zoe-brule/\n"
)
GOOGLE_LEGACY = (
    "Name,Given Name,Additional Name,Family Name,Group Membership,E-mail 1 - Type,"
    "E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value\n"
    "Paul Martin,Paul,,Martin,* My Contacts ::: Fournisseurs,* Home,paul@exemple.fr,"
    "Mobile,+33 7 81 22 33 44\n"
)
OUTLOOK_FR = (
    '"Titre","Prénom","Deuxième prénom","Nom","Suffixe","Surnom","Société ","Service ",'
    '"Titre","Tél. mobile","Adresse de messagerie","Catégories"\r\n'
    '"Mme","Inès","","Garnier","","","Fleurs & Co","Vente","Fleuriste","06 55 44 33 22",'
    '"ines@fleurs.fr","Clients;Printemps"\r\n'
)
OUTLOOK_EN = (
    '"First Name","Middle Name","Last Name","Title","Company","Job Title","E-mail Address",'
    '"E-mail Type","Mobile Phone","Categories"\r\n'
    '"Tom","","Baker","Mr.","Bakery Ltd","Owner","tom@bakery.example","SMTP",'
    '"+44 20 7946 0958","Suppliers"\r\n'
)


def test_it_reads_a_google_contacts_export(tmp_path):
    summary = run_import(tmp_path, "contacts.csv", GOOGLE)
    assert counts(summary)["created"] == 1
    zoe = Contact.objects.get()
    assert (zoe.first_name, zoe.last_name, zoe.email) == ("Zoé", "Brûlé", "zoe@atelier.fr")
    assert (zoe.company.name, zoe.job_title, zoe.city) == ("Atelier Z", "Céramiste", "Dijon")
    assert zoe.phone == "+33611223344"
    assert sorted(t.name for t in zoe.tags.all()) == ["Clients", "VIP"]
    assert zoe.handles.get().value == "https://linkedin.com/in/zoe-brule"
    assert list(zoe.sources.values_list("source", flat=True)) == ["google"]


def test_it_reads_a_legacy_google_export(tmp_path):
    run_import(tmp_path, "google.csv", GOOGLE_LEGACY)
    paul = Contact.objects.get()
    assert (paul.first_name, paul.last_name, paul.phone) == ("Paul", "Martin", "+33781223344")
    assert [t.name for t in paul.tags.all()] == ["Fournisseurs"]


def test_it_reads_french_outlook_with_its_two_titre_columns(tmp_path):
    run_import(tmp_path, "outlook.csv", OUTLOOK_FR, encoding="cp1252")
    ines = Contact.objects.get()
    assert (ines.first_name, ines.last_name, ines.email) == ("Inès", "Garnier", "ines@fleurs.fr")
    assert (ines.company.name, ines.job_title) == ("Fleurs & Co", "Fleuriste")
    assert sorted(t.name for t in ines.tags.all()) == ["Clients", "Printemps"]
    assert list(ines.sources.values_list("source", flat=True)) == ["outlook"]


def test_it_reads_english_outlook(tmp_path):
    run_import(tmp_path, "outlook.csv", OUTLOOK_EN)
    tom = Contact.objects.get()
    assert (tom.job_title, tom.phone, tom.company.name) == ("Owner", "+442079460958", "Bakery Ltd")
