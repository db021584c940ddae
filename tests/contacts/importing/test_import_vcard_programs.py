"""The vCards of real programs, in the repository's own fixtures (fixtures/vcard/).

Each fixture is written by hand in the shape one program exports (its properties, their
parameters, its line endings and foldings, its encodings), for invented people whose
names carry accents and other scripts. Each is imported through the command, and the rows
it leaves are checked as a person would: names, email, phone in E.164, company, job
title, city, tags; every contact comes from "vcard"; a second import creates nobody.
"""

import pytest

from contacts.models import Contact, Tag
from tests.contacts.importing.vcard_support import (
    company,
    handles,
    import_fixture,
    sources,
    tags,
    unreadable_reasons,
)

pytestmark = pytest.mark.django_db

CARDS = {
    "android-2.1.vcf": 5,
    "android-damaged.vcf": 2,
    "iphone.vcf": 2,
    "macos-contacts.vcf": 1,
    "outlook-2003.vcf": 1,
    "outlook-2007.vcf": 1,
    "lotus-notes.vcf": 1,
    "evolution.vcf": 1,
    "gmail.vcf": 4,
    "blackberry.vcf": 2,
    "rfc2426-example.vcf": 2,
    "rfc6350-example.vcf": 2,
}


@pytest.mark.parametrize("fixture", sorted(CARDS))
def test_every_card_of_every_program_is_imported_once(fixture):
    counts, job = import_fixture(fixture)
    assert (counts["created"], counts["errors"], job.report["errors"]) == (CARDS[fixture], 0, [])
    assert Contact.objects.count() == CARDS[fixture]
    assert all(sources(contact) == {"vcard"} for contact in Contact.objects.all())
    assert unreadable_reasons(job) == []
    counts, _job = import_fixture(fixture)
    assert counts["created"] == 0
    assert Contact.objects.count() == CARDS[fixture]


def test_android_21_quoted_printable_soft_breaks_and_type_flags():
    import_fixture("android-2.1.vcf")
    elodie = Contact.objects.get(email="elodie.lefevre@exemple.fr")  # EMAIL;PREF;HOME
    assert (elodie.first_name, elodie.last_name) == ("Élodie", "Lefèvre")
    assert elodie.phone == "+33612345678"  # TEL;CELL;PREF before TEL;HOME
    assert (company(elodie), elodie.job_title) == ("Boulangerie Lefèvre", "Gérante")
    assert (elodie.city, elodie.postcode) == ("Besançon", "25000")
    assert tags(elodie) == {"Famille"}
    # The soft line break falls between the two bytes of "ï".
    anais = Contact.objects.get(phone="+33623456789")
    assert (anais.first_name, anais.last_name) == ("Anaïs", "François")
    # A note of quoted-printable lines, one cut inside "é", and a comma in it.
    assert anais.notes == (
        "Cousine d'Élodie.\r\nPréfère être appelée après 18 h, jamais le dimanche.\r\n"
        "Allergique aux noix."
    )
    only_email = Contact.objects.get(email="marco.oliveira@exemple.pt")
    assert (only_email.first_name, only_email.last_name, only_email.phone) == ("", "", "")
    only_phone = Contact.objects.get(phone="+33781234567")
    assert (only_phone.first_name, only_phone.email) == ("", "")
    # The 2.1 photo (base64 lines, a blank line after them) costs nothing.
    noemie = Contact.objects.get(email="noemie.cote@exemple.ca")
    assert (noemie.first_name, noemie.last_name, noemie.phone) == (
        "Noémie",
        "Côté",
        "+33634567890",
    )
    # "My Contacts" is the group Android puts everyone in, not a tag of the user's.
    assert set(Tag.objects.values_list("name", flat=True)) == {"Famille"}


def test_android_21_a_damaged_card_keeps_what_can_be_read_and_names_what_was_left_out():
    counts, job = import_fixture("android-damaged.vcf")
    assert (counts["created"], counts["errors"]) == (2, 0)
    baptiste = Contact.objects.get(email="baptiste.marchand@exemple.fr")  # photo cut short
    theo = Contact.objects.get(email="theo.rousseau@exemple.fr")  # company not UTF-8
    assert (baptiste.first_name, baptiste.phone) == ("Baptiste", "+33621436587")
    assert (theo.first_name, theo.phone) == ("Théo", "+33687654321")
    left_out = {p["line"]: p["reason"] for p in job.report["problems"]}
    assert left_out == {  # the lines where the two cards begin
        1: "Parties illisibles de la fiche laissées de côté : PHOTO.",
        12: "Parties illisibles de la fiche laissées de côté : ORG.",
    }
    assert not Tag.objects.exists()


def test_iphone_30_item_groups_escapes_photo_and_year_less_birthday():
    _counts, job = import_fixture("iphone.vcf")
    elodie = Contact.objects.get(email="elodie@atelier-lefevre.fr")  # item1, type=pref
    assert elodie.first_name.startswith("Élodie") and elodie.last_name == "Lefèvre"
    assert elodie.phone == "+33612345678"
    assert (company(elodie), elodie.job_title) == (
        "Atelier Lefèvre & Fils",
        "Directrice artistique",
    )
    assert elodie.city == "Lyon"
    assert elodie.notes == (
        "Rencontrée au salon Maison&Objet, stand B12; rappeler avant 14h: urgent.\n"
        "Devis n° 2024-117."
    )
    # "https\://…": the colon escaped as Apple writes it is still a web address.
    assert handles(elodie) == {
        "website": "https://atelier-lefevre.fr",
        "linkedin": "https://linkedin.com/in/elodie-lefevre",
    }
    jean_noel = Contact.objects.get(email="jn.dubois@cabinet-dt.fr")
    assert (jean_noel.first_name, jean_noel.last_name) == ("Jean-Noël", "Dubois-Thévenin")
    assert company(jean_noel) == "Dubois, Thévenin & Associés"  # "\," in ORG
    assert (jean_noel.phone, jean_noel.city) == ("+33144556677", "Paris")
    # A photo of several KB, "\r\r\n" line endings, BDAY;X-APPLE-OMIT-YEAR=1604: no problem.
    assert job.report["problems"] == []


def test_macos_contacts_30_photo_block_with_its_own_line_endings():
    _counts, job = import_fixture("macos-contacts.vcf")
    jose = Contact.objects.get()
    assert jose.first_name.startswith("José") and jose.last_name == "Núñez"
    assert jose.email == "jose.nunez@nunez-arquitectos.es"
    assert jose.phone == "+34915550123"  # TEL;type=WORK;type=pref
    assert (company(jose), jose.job_title) == ("Núñez Arquitectos", "Arquitecto jefe")
    assert jose.city == "Madrid"
    assert jose.notes == (
        "Projet de la médiathèque, phase 2. Parle français, espagnol et catalan."
    )
    assert handles(jose) == {"website": "https://nunez-arquitectos.es"}  # "http\://"
    assert job.report["problems"] == []


def test_outlook_2003_21_company_with_a_comma_and_windows_1252():
    _counts, _job = import_fixture("outlook-2003.vcf")
    helene = Contact.objects.get(email="helene.mercier@company-the.fr")
    assert (helene.first_name, helene.last_name) == ("Hélène", "Mercier")  # Windows-1252 QP
    assert helene.phone == "+33145678910"  # "+33 (0)1 45 67 89 10"
    assert (company(helene), helene.job_title) == ("Company, The", "Responsable des achats")
    assert (helene.city, helene.postcode) == ("Orléans", "45000")
    assert handles(helene) == {"website": "https://company-the.fr"}


def test_outlook_2007_21_base64_blocks_and_quoted_printable_note():
    _counts, job = import_fixture("outlook-2007.vcf")
    soren = Contact.objects.get()
    assert (soren.first_name, soren.last_name) == ("Søren", "Kjærgaard")
    assert (soren.email, soren.phone) == ("soren@kjaergaard-design.dk", "+4532123456")
    assert (company(soren), soren.job_title) == ("Kjærgaard Design ApS", "Designer industriel")
    assert (soren.city, soren.postcode) == ("København", "2200")
    assert soren.notes == (
        "Rencontre a Copenhague\t\r\nRappeler en mars.\r\nPrefere l'anglais au telephone."
    )
    assert handles(soren) == {"website": "https://kjaergaard-design.dk"}
    # KEY and PHOTO in base64 blocks ended by a blank line, X-MS-OL-DESIGN: no problem.
    assert job.report["problems"] == []


def test_lotus_notes_30():
    _counts, _job = import_fixture("lotus-notes.vcf")
    bartek = Contact.objects.get()
    assert bartek.first_name.startswith("Bartłomiej") and bartek.last_name == "Wróbel"
    assert bartek.email == "b.wrobel@stocznia-polnoc.pl"  # the pref one of three
    assert bartek.phone == "+48581234567"
    assert (company(bartek), bartek.job_title) == ("Stocznia Północ", "Acheteur")
    assert (bartek.city, bartek.postcode) == ("Gdańsk", "80-827")
    assert tags(bartek) == {"Fournisseurs", "Pologne"}
    assert bartek.notes == 'Dit "Bartek". Préfère être contacté par courriel.'
    assert handles(bartek) == {"website": "https://stocznia-polnoc.pl"}  # "http\://"


def test_evolution_30_folded_lines_and_several_emails():
    _counts, job = import_fixture("evolution.vcf")
    chloe = Contact.objects.get()
    assert chloe.first_name.startswith("Chloé") and chloe.last_name == "Moreau"
    assert chloe.email == "chloe.moreau@librairie-du-rhin.fr"  # the first of three
    assert chloe.phone == "+33611223344"  # a folded TEL line
    assert (company(chloe), chloe.job_title) == ("Librairie du Rhin", "Libraire")
    assert (chloe.city, chloe.postcode) == ("Strasbourg", "67000")  # a folded ADR line
    assert tags(chloe) == {"Fournisseurs", "Strasbourg"}
    assert chloe.notes == (
        "Commandes groupées chaque trimestre, remise de 5 % au-delà de 40 albums. "
        "Préfère les courriels aux appels; joignable le matin seulement. Salon du livre "
        "de jeunesse, stand partagé avec la Bibliothèque municipale."
    )
    assert handles(chloe) == {"website": "https://librairie-du-rhin.fr"}
    assert job.report["problems"] == []


def test_gmail_30_several_cards():
    import_fixture("gmail.vcf")
    zoe = Contact.objects.get(email="zoe.ngo@exemple.fr")  # the first EMAIL, none is pref
    assert (zoe.first_name, zoe.last_name) == ("Zoë", "Ngô")
    assert zoe.phone == "+33645678901"
    assert (company(zoe), zoe.job_title, zoe.city) == ("Agence Ngô", "Consultante", "Lyon")
    assert tags(zoe) == {"Clients"}  # "myContacts" is Google's, not the user's
    assert handles(zoe) == {"website": "https://agence-ngo.fr"}  # "http\://"
    amadou = Contact.objects.get(email="amadou.diallo@exemple.sn")
    assert (amadou.first_name, amadou.last_name) == ("Amadou", "Diallo")
    assert amadou.phone == "+221771234567"
    assert tags(amadou) == {"Partenaires", "Clients"}
    ingrid = Contact.objects.get(email="ingrid.bjornstad@exemple.no")
    assert (ingrid.first_name, ingrid.last_name) == ("Ingrid", "Bjørnstad")
    meiling = Contact.objects.get(email="meiling.chen@exemple.cn")
    assert (meiling.first_name, meiling.last_name) == ("美玲", "陈")
    assert set(Tag.objects.values_list("name", flat=True)) == {"Clients", "Partenaires"}


def test_blackberry_21_raw_utf8():
    import_fixture("blackberry.vcf")
    aurelien = Contact.objects.get(email="aurelien@transports-marchetti.fr")
    assert (aurelien.first_name, aurelien.last_name) == ("Aurélien", "Marchetti-Leroy")
    assert aurelien.phone == "+33491550123"  # the first TEL, none is PREF
    assert (company(aurelien), aurelien.job_title) == ("Transports Marchetti", "Chef d'équipe")
    assert aurelien.city == "Marseille"
    ines = Contact.objects.get(email="ines.goncalves@exemple.pt")
    assert (ines.first_name, ines.last_name, ines.phone) == ("Inês", "Gonçalves", "+351912345678")


def test_rfc_2426_example_shape():
    import_fixture("rfc2426-example.vcf")
    # "BEGIN:vCard", a name given by FN alone, TYPE=INTERNET,PREF in one parameter.
    gerard = Contact.objects.get(email="gerard.lafleur@lafleur-conseil.fr")
    assert (gerard.first_name, gerard.last_name) == ("Gérard", "Lafleur")
    assert gerard.phone == "+33247550123"
    assert (company(gerard), gerard.city) == ("Lafleur Conseil", "Tours")
    maelle = Contact.objects.get(email="maelle.saint-amand@exemple.fr")
    assert (maelle.first_name, maelle.last_name) == ("Maëlle", "Saint-Amand")
    assert tags(maelle) == {"INTERNET", "IETF", "INDUSTRIE"}


def test_rfc_6350_example_shape():
    _counts, job = import_fixture("rfc6350-example.vcf")
    genevieve = Contact.objects.get(email="genevieve.tremblay@reseaux-laurentides.ca")
    assert (genevieve.first_name, genevieve.last_name) == ("Geneviève", "Tremblay")
    assert genevieve.phone == "+14185550142"  # TEL;VALUE=uri;…;PREF=1:tel:…;ext=102
    assert (company(genevieve), genevieve.city) == ("Réseaux Laurentides", "Québec")
    # KIND, GEO, BDAY:--0203, ANNIVERSARY, a folded ADR: the card is read whole.
    assert [p for p in job.report["problems"] if p["line"] == 1] == []
    # "tel:+1-555-555-5555" is no real number: the card is kept, the report says why.
    luc = Contact.objects.get(email="luc.gagnon@reseaux-laurentides.ca")
    assert (luc.first_name, luc.last_name, luc.phone) == ("Luc", "Gagnon", "")
    assert [p["line"] for p in job.report["problems"] if "+1-555-555-5555" in p["reason"]] == [23]
