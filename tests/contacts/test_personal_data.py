"""A person's data export (export_contact, and the button on their page)."""

import io
import json

import pytest
import vobject
from django.core.management import call_command
from django.urls import reverse

from contacts.models import Contact
from tests.contacts.test_erasure_support import ADDRESS, OTHER_ADDRESS, PROOF_SHA256, known_person
from tests.helpers import database_url, manage

pytestmark = pytest.mark.django_db


def _export(*args: str) -> str:
    out = io.StringIO()
    call_command("export_contact", *args, stdout=out)
    return out.getvalue()


def test_the_json_holds_every_field_notes_consent_proofs_and_emails_with_their_events(alice):
    contact = known_person()
    data = json.loads(_export(ADDRESS.upper()))  # found ignoring case
    assert (data["id"], data["email"], data["phone"]) == (contact.pk, ADDRESS, "+33612345678")
    for field in Contact._meta.concrete_fields:  # every field of the contact is there
        assert field.name in data, field.name
    assert data["company"] == "Boulangerie du Marché"
    assert data["notes"] == "Préfère être appelée le matin."
    assert (data["tags"], data["sources"]) == (["Clients"], ["csv"])
    assert data["handles"] == {"instagram": "elodie.lefevre"}
    assert {(p["kind"], p["value"], p["label"]) for p in data["other_emails_and_phones"]} == {
        ("email", OTHER_ADDRESS, "perso"), ("phone", "+33381234567", "")}  # fmt: skip
    [note] = data["written_notes"]
    assert note["body"] == "Commande de galettes pour le 6 janvier."
    assert [k["key"] for k in data["keys_in_sources"]] == ["client-0042"]
    [imported] = [e for e in data["consent_history"] if e["how"] == "import"]
    assert imported["proof_file_name"] == "clients-2026.csv"
    assert imported["proof_sha256"] == PROOF_SHA256
    assert (imported["ip"], imported["to_status"], imported["basis"]) == (
        "203.0.113.5", "subscribed", "consent")  # fmt: skip
    assert imported["proof_at"] < imported["at"]
    [email] = data["emails"]
    assert (email["campaign"], email["status"], email["email"]) == (
        "Galettes des rois", "sent", ADDRESS)  # fmt: skip
    assert email["clicked_at"] and email["message_id"] == "<42@boulangerie.fr>"
    assert [(e["event_type"], e["recipient"]) for e in email["events"]] == [("clicked", ADDRESS)]
    assert "claim" not in email and "lease_until" not in email  # sending machinery
    signups = sorted((s["email"], bool(s["confirmed_at"])) for s in data["signups"])
    assert signups == [(ADDRESS.upper(), False), (ADDRESS, True)]  # unlinked, then hers


def test_the_vcard_reads_back_with_names_addresses_phones_company_address_and_notes():
    known_person()
    card = vobject.readOne(_export(ADDRESS, "--format", "vcard"))
    assert card.version.value == "3.0"
    assert (card.n.value.given, card.n.value.family, card.fn.value) == (
        "Élodie", "Lefèvre", "Élodie Lefèvre")  # fmt: skip
    assert [e.value for e in card.contents["email"]] == [ADDRESS, OTHER_ADDRESS]
    assert [t.value for t in card.contents["tel"]] == ["+33612345678", "+33381234567"]
    assert card.org.value == ["Boulangerie du Marché"]
    assert (card.adr.value.city, card.adr.value.code, card.adr.value.country) == (
        "Besançon", "25000", "FR")  # fmt: skip
    assert [n.value for n in card.contents["note"]] == [
        "Préfère être appelée le matin.", "Commande de galettes pour le 6 janvier."]  # fmt: skip


def test_an_unknown_address_is_refused_in_one_line_with_a_failure_status(transactional_db):
    from django.db import connection

    env = {"DATABASE_URL": database_url(connection.settings_dict)}
    done = manage("export_contact", "nobody@exemple.fr", **env)
    assert done.returncode != 0 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert "nobody@exemple.fr" in done.stderr


def test_the_contact_page_offers_both_downloads(client, alice):
    contact = known_person()
    client.force_login(alice)
    page = client.get(reverse("admin:contacts_contact_change", args=[contact.pk])).content.decode()
    json_url = reverse("admin:contacts_contact_personal_data", args=[contact.pk, "json"])
    vcard_url = reverse("admin:contacts_contact_personal_data", args=[contact.pk, "vcard"])
    assert json_url in page and vcard_url in page
    response = client.get(json_url)
    assert response["Content-Disposition"] == f'attachment; filename="contact-{contact.pk}.json"'
    assert json.loads(response.content)["email"] == ADDRESS
    card = vobject.readOne(client.get(vcard_url).content.decode())
    assert card.fn.value == "Élodie Lefèvre"


def test_a_teammate_without_access_to_contacts_gets_no_export(client, charlie):
    contact = known_person()
    charlie.is_staff = True
    charlie.save()
    client.force_login(charlie)
    url = reverse("admin:contacts_contact_personal_data", args=[contact.pk, "json"])
    assert client.get(url).status_code == 403
