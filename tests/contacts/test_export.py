import csv
import io
import json
from datetime import datetime

import pytest
import vobject
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from contacts import exporting
from contacts.models import Contact, ContactPoint
from tests.contacts.factories import elodie, make_contact

pytestmark = pytest.mark.django_db


def _export(fmt: str, tmp_path, *args) -> str:
    output = tmp_path / f"out.{fmt}"
    call_command("export_contacts", "--format", fmt, "--output", str(output), *args)
    return output.read_bytes().decode("utf-8")


def test_the_json_export_has_the_fields_of_the_design(tmp_path):
    contact = elodie()
    for kind, value, understood in [
        ("email", "elodie@boulangerie-lefevre.fr", True),
        ("phone", "+33381234567", True),
        ("phone", "555 0199", False),  # kept as the file wrote it
    ]:
        ContactPoint.objects.create(contact=contact, kind=kind, value=value, understood=understood)
    [record] = json.loads(_export("json", tmp_path))
    assert record == {
        "first_name": "Élodie",
        "last_name": "Lefèvre",
        "email": "elodie.lefevre@exemple.fr",
        "phone": "+33612345678",
        "other_emails": ["elodie@boulangerie-lefevre.fr"],
        "other_phones": ["+33381234567", "555 0199"],
        "not_understood": ["555 0199"],
        "company": "Boulangerie Lefèvre",
        "job_title": "Gérante",
        "city": "Besançon",
        "postcode": "25000",
        "country": "FR",
        "language": "",
        "tags": ["Clients", "VIP"],
        "email_status": "subscribed",
        "consent_basis": "customer",
        "sources": ["google", "linkedin"],
        "handles": {"linkedin": "https://www.linkedin.com/in/elodie-lefevre", "instagram": "elo"},
        "notes": "",
        "created_at": timezone.localtime(contact.created_at).isoformat(timespec="seconds"),
    }
    assert datetime.fromisoformat(record["created_at"]) == contact.created_at.replace(
        microsecond=0
    )


def test_the_json_export_of_no_contact_is_an_empty_list(tmp_path):
    assert json.loads(_export("json", tmp_path)) == []


def test_the_csv_export_opens_in_french_excel(tmp_path):
    elodie()
    text = _export("csv", tmp_path)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0]["first_name"] == "Élodie"
    assert rows[0]["city"] == "Besançon"
    assert rows[0]["tags"] == "Clients, VIP"
    assert rows[0]["linkedin"] == "https://www.linkedin.com/in/elodie-lefevre"


def test_the_csv_delimiter_can_be_a_comma(tmp_path):
    make_contact(first_name="Ana", last_name="Dupont, fille")
    text = _export("csv", tmp_path, "--delimiter", "comma")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0]["last_name"] == "Dupont, fille"


@pytest.mark.parametrize(
    "dangerous",
    [
        '=HYPERLINK("http://evil.example","x")',
        "+33612345678",
        "-2+3",
        "@SUM(A1:A2)",
        "\tcmd",
        "\rcmd",
        "\0cmd",
    ],
)
def test_it_neutralises_cells_a_spreadsheet_would_run(dangerous):
    assert exporting.neutralise(dangerous) == "'" + dangerous


@pytest.mark.parametrize("harmless", ["Élodie", "a=b", "", "06 12"])
def test_it_leaves_other_cells_alone(harmless):
    assert exporting.neutralise(harmless) == harmless


def test_no_exported_csv_cell_starts_a_formula(tmp_path):
    make_contact(
        first_name="=cmd|' /C calc'!A0",
        last_name="@evil",
        email="x@exemple.fr",
        phone="+33612345678",
        job_title="-1",
        notes="\t=1+1",
        tags=["+vip"],
    )
    text = _export("csv", tmp_path)
    [row] = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))[1:]
    assert all(not cell.startswith(exporting._FORMULA_STARTS) for cell in row)
    assert "'=cmd|' /C calc'!A0" in row
    assert "'+33612345678" in row
    assert "'+vip" in row


def test_the_vcard_export_reads_back(tmp_path):
    elodie()
    make_contact(phone="+33700000000")
    cards = list(vobject.readComponents(_export("vcard", tmp_path)))
    assert len(cards) == 2
    card = cards[0]
    assert card.fn.value == "Élodie Lefèvre"
    assert card.n.value.family == "Lefèvre"
    assert card.email.value == "elodie.lefevre@exemple.fr"
    assert card.tel.value == "+33612345678"
    assert card.org.value == ["Boulangerie Lefèvre"]
    assert sorted(card.categories.value) == ["Clients", "VIP"]
    assert cards[1].fn.value == "+33700000000"


def test_the_vcard_export_tells_mobiles_from_landlines(tmp_path):
    make_contact(first_name="Mobile", phone="+33612345678")
    make_contact(first_name="Fixe", phone="+33381234567")
    cards = {c.fn.value: c for c in vobject.readComponents(_export("vcard", tmp_path))}
    assert cards["Mobile"].tel.params["TYPE"] == ["CELL"]
    assert cards["Fixe"].tel.params["TYPE"] == ["VOICE"]


def test_the_export_dates_are_in_the_business_time_zone(tmp_path):
    make_contact(first_name="Zoé")
    [record] = json.loads(_export("json", tmp_path))
    assert record["created_at"].endswith(("+01:00", "+02:00"))  # Paris, winter or summer


def test_it_writes_to_stdout_by_default(capfdbinary):
    make_contact(first_name="Zoé", email="zoe@exemple.fr")
    call_command("export_contacts", "--format", "json")
    records = json.loads(capfdbinary.readouterr().out.decode("utf-8"))
    assert [r["first_name"] for r in records] == ["Zoé"]


def test_it_refuses_an_output_in_a_missing_folder_and_writes_nothing(tmp_path):
    make_contact(first_name="Zoé")
    target = tmp_path / "missing" / "out.csv"
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_contacts", "--output", str(target))
    assert not target.parent.exists()


def test_the_export_reads_a_constant_number_of_queries(django_assert_max_num_queries, tmp_path):
    for i in range(30):
        make_contact(email=f"c{i}@exemple.fr", tags=["A", "B"], sources=["csv"], company="X")
    with django_assert_max_num_queries(6):
        assert len(list(exporting.records(Contact.objects.all()))) == 30


def _words_csv() -> list[dict]:
    text = "".join(exporting.csv_chunks(Contact.objects.order_by("pk"), words=True))
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def test_the_admin_csv_speaks_french_by_default():
    elodie()
    [row] = _words_csv()
    assert row["Prénom"] == "Élodie"
    assert row["Statut e-mail"] in {"Abonné", "Sans consentement", "En attente de confirmation"}
    assert "first_name" not in row


def test_the_admin_csv_speaks_english_to_an_english_interface():
    from django.utils import translation

    elodie()
    with translation.override("en"):
        [row] = _words_csv()
    assert row["First name"] == "Élodie"
