import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Activity, ConsentEvent, Contact, ContactPoint, Note
from tests.contacts.factories import elodie, make_contact

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:contacts_contact_changelist")
ADD = reverse("admin:contacts_contact_add")


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


def _listed(response) -> set[str]:
    return {str(contact) for contact in response.context["cl"].result_list}


def _run_action(client, action, contacts, **extra):
    data = {"action": action, "_selected_action": [c.pk for c in contacts], **extra}
    return client.post(CHANGELIST, data)


def test_the_list_page_costs_the_same_queries_for_5_or_50_contacts(as_alice):
    def fill(start, stop):
        for i in range(start, stop):
            make_contact(
                first_name=f"C{i}",
                email=f"c{i}@exemple.fr",
                company=f"Société {i % 3}",
                tags=["VIP", f"T{i % 4}"],
                sources=["csv", "linkedin"],
            )

    fill(0, 5)
    as_alice.get(CHANGELIST)  # the first page after logging in may write the session
    with CaptureQueriesContext(connection) as few:
        as_alice.get(CHANGELIST)
    fill(5, 50)
    with CaptureQueriesContext(connection) as many:
        response = as_alice.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 50
    assert len(many.captured_queries) == len(few.captured_queries)


def test_it_finds_a_contact_by_part_of_its_email(as_alice):
    elodie()
    make_contact(first_name="Marc", email="marc@ailleurs.fr")
    response = as_alice.get(CHANGELIST, {"q": "lefevre@exem"})
    assert _listed(response) == {"Élodie Lefèvre"}


@pytest.mark.parametrize(
    "typed", ["06 12 34 56 78", "0612345678", "+33 6 12", "0033 6", "06", "612345678"]
)
def test_it_finds_a_contact_by_a_phone_typed_the_french_way(as_alice, typed):
    elodie()
    make_contact(first_name="Marc", phone="+33711223344")
    assert _listed(as_alice.get(CHANGELIST, {"q": typed})) == {"Élodie Lefèvre"}


@pytest.mark.parametrize(
    "typed",
    ["Jerome", "jérome", "JEROME DUPRE", "dupre", "coeur", "CŒUR", "jerome@", "Pâtisserie"],
)
def test_it_finds_a_contact_whatever_the_accents_typed(as_alice, typed):
    make_contact(first_name="Jérôme", last_name="Dupré", email="jerome@cœur.fr",
                 company="Patisserie du Cœur")  # fmt: skip
    make_contact(first_name="Marc", last_name="Dubois", email="marc@exemple.fr")
    assert _listed(as_alice.get(CHANGELIST, {"q": typed})) == {"Jérôme Dupré"}


@pytest.mark.parametrize("typed", ["01 23 45", "+33 7", "07 81", "612345", "2026"])
def test_a_phone_search_matches_from_the_start_of_the_number(as_alice, typed):
    elodie()  # +33612345678
    assert _listed(as_alice.get(CHANGELIST, {"q": typed})) == set()


@pytest.mark.parametrize("typed", ["facturation@boulangerie", "03 81 23", "+44 20 7946", "555 01"])
def test_a_search_finds_a_contacts_other_addresses_and_numbers(as_alice, typed):
    contact = elodie()
    for kind, value, understood in [
        ("email", "facturation@boulangerie-lefevre.fr", True),
        ("phone", "+33381234567", True),
        ("phone", "+442079460000", True),
        ("phone", "555 0199", False),
    ]:
        ContactPoint.objects.create(contact=contact, kind=kind, value=value, understood=understood)
    make_contact(first_name="Marc", last_name="Dubois", email="marc@exemple.fr")
    assert _listed(as_alice.get(CHANGELIST, {"q": typed})) == {"Élodie Lefèvre"}


def test_an_empty_contact_is_refused(as_alice):
    response = as_alice.post(
        ADD,
        {
            "email_status": "no_consent",
            "handles-TOTAL_FORMS": "0",
            "handles-INITIAL_FORMS": "0",
            "contact_notes-TOTAL_FORMS": "0",
            "contact_notes-INITIAL_FORMS": "0",
            "consent_events-TOTAL_FORMS": "0",
            "consent_events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not Contact.objects.exists()


def test_it_finds_by_company_and_name(as_alice):
    elodie()
    make_contact(first_name="Élodie", last_name="Martin")
    assert _listed(as_alice.get(CHANGELIST, {"q": "élodie boulangerie"})) == {"Élodie Lefèvre"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"has_email": "yes"}, {"Élodie Lefèvre"}),
        ({"has_email": "no"}, {"Paul", "Rita"}),
        ({"has_phone": "no"}, {"Rita"}),
        ({"source": "linkedin"}, {"Élodie Lefèvre", "Paul"}),
        ({"email_status__exact": "subscribed"}, {"Élodie Lefèvre"}),
        ({"consent_basis__exact": "customer"}, {"Élodie Lefèvre"}),
    ],
)
def test_it_filters_the_list(as_alice, params, expected):
    elodie()
    make_contact(first_name="Paul", phone="+33700000001", sources=["linkedin"])
    make_contact(first_name="Rita", sources=["facebook"])
    assert _listed(as_alice.get(CHANGELIST, params)) == expected


def test_it_filters_by_tag_and_company(as_alice):
    contact = elodie()
    make_contact(first_name="Paul", tags=["Autre"], company="Garage")
    vip = contact.tags.get(name="VIP")
    assert _listed(as_alice.get(CHANGELIST, {"tags__id__exact": vip.pk})) == {"Élodie Lefèvre"}
    company = contact.company
    assert _listed(as_alice.get(CHANGELIST, {"company__id__exact": company.pk})) == {
        "Élodie Lefèvre"
    }


def test_it_tags_and_untags_the_selection_and_notes_it_on_timelines(as_alice, alice):
    a = make_contact(first_name="Ana")
    b = make_contact(first_name="Béa", tags=["fidèles"])
    _run_action(as_alice, "add_tag", [a, b], tag="Fidèles")
    assert {t.name for t in a.tags.all()} == {"fidèles"}
    assert Activity.objects.filter(contact=a, kind="tagged", by=alice).count() == 1
    assert Activity.objects.filter(contact=b, kind="tagged").count() == 0

    _run_action(as_alice, "remove_tag", [a, b], tag="FIDÈLES")
    assert not Contact.tags.through.objects.exists()
    assert Activity.objects.filter(kind="untagged").count() == 2


def test_it_creates_a_tag_typed_beside_the_action(as_alice):
    a = make_contact(first_name="Ana")
    _run_action(as_alice, "add_tag", [a], tag="  Salon   2026 ")
    assert [t.name for t in a.tags.all()] == ["Salon 2026"]


def test_it_marks_the_selection_unsubscribed_in_the_consent_history(as_alice, alice):
    a = make_contact(email="a@exemple.fr", email_status="subscribed", consent_basis="consent")
    b = make_contact(email="b@exemple.fr")
    _run_action(as_alice, "mark_unsubscribed", [a, b])
    assert set(Contact.objects.values_list("email_status", flat=True)) == {"unsubscribed"}
    events = ConsentEvent.objects.filter(to_status="unsubscribed", how="admin", by=alice)
    assert {e.contact_id for e in events} == {a.pk, b.pk}
    assert events.first().ip == "127.0.0.1"


def test_it_exports_the_selection_as_csv(as_alice):
    chosen = elodie()
    make_contact(first_name="Pas", last_name="Choisi")
    response = _run_action(as_alice, "export_csv", [chosen])
    assert response["Content-Disposition"].startswith('attachment; filename="contacts-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    assert [(r["Prénom"], r["Nom"]) for r in rows] == [("Élodie", "Lefèvre")]


@pytest.mark.parametrize(
    ("action", "marker"), [("export_vcard", "BEGIN:VCARD"), ("export_json", '"email_status"')]
)
def test_it_exports_the_selection_as_vcard_and_json(as_alice, action, marker):
    response = _run_action(as_alice, action, [elodie()])
    assert marker in b"".join(response.streaming_content).decode("utf-8")


def test_a_teammate_who_may_only_view_can_neither_export_nor_tag(client, bob):
    client.force_login(bob)
    contact = elodie()
    response = _run_action(client, "export_csv", [contact])
    assert not response.has_header("Content-Disposition")  # exporting is a role's (crm.roles)
    _run_action(client, "add_tag", [contact], tag="Nouveau")
    assert not contact.tags.filter(name="Nouveau").exists()


def test_someone_without_admin_access_is_sent_to_the_login_page(client, charlie):
    client.force_login(charlie)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_creating_a_contact_records_source_timeline_and_consent(as_alice, alice):
    response = as_alice.post(
        ADD,
        {
            "first_name": "Zoé",
            "last_name": "Brûlé",
            "email": "zoe@exemple.fr",
            "phone": "06 12 34 56 78",
            "email_status": "subscribed",
            "consent_basis": "consent",
            "handles-TOTAL_FORMS": "1",
            "handles-INITIAL_FORMS": "0",
            "handles-0-network": "instagram",
            "handles-0-value": "zoe.brule",
            "points-TOTAL_FORMS": "0",
            "points-INITIAL_FORMS": "0",
            "contact_notes-TOTAL_FORMS": "1",
            "contact_notes-INITIAL_FORMS": "0",
            "contact_notes-0-body": "Rencontrée au salon.",
            "consent_events-TOTAL_FORMS": "0",
            "consent_events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["errors"]
    contact = Contact.objects.get(email="zoe@exemple.fr")
    assert contact.phone == "+33612345678"
    assert list(contact.sources.values_list("source", flat=True)) == ["manual"]
    assert contact.handles.get().value == "zoe.brule"
    assert Note.objects.get(contact=contact).author == alice
    event = ConsentEvent.objects.get(contact=contact)
    assert (event.to_status, event.how, event.by, event.ip) == (
        "subscribed",
        "admin",
        alice,
        "127.0.0.1",
    )
    assert Activity.objects.filter(contact=contact, kind="created").exists()


EMPTY_INLINES = {
    f"{prefix}-{name}": "0"
    for prefix in ("handles", "points", "contact_notes", "consent_events")
    for name in ("TOTAL_FORMS", "INITIAL_FORMS")
}


def test_bringing_back_an_address_that_left_needs_the_persons_request(as_alice, alice):
    contact = make_contact(first_name="Luc", email="luc@exemple.fr", email_status="unsubscribed")
    change = reverse("admin:contacts_contact_change", args=[contact.pk])
    form = {"first_name": "Luc", "email": "luc@exemple.fr", "email_status": "subscribed",
            "consent_basis": "consent", **EMPTY_INLINES}  # fmt: skip
    response = as_alice.post(change, form)
    assert response.status_code == 200
    assert "dites à la demande de qui" in response.content.decode()
    contact.refresh_from_db()
    assert contact.email_status == "unsubscribed"
    note = "Il l’a demandé par téléphone le 20/11."
    response = as_alice.post(change, {**form, "consent_note": note})
    assert response.status_code == 302
    event = ConsentEvent.objects.get(contact=contact, to_status="subscribed")
    assert (event.from_status, event.how, event.by, event.detail) == (
        "unsubscribed", "admin", alice, note
    )  # fmt: skip


def test_the_contact_page_shows_the_timeline_and_consent_history(as_alice, alice):
    contact = elodie()
    Note.objects.create(contact=contact, author=alice, body="Aime les croissants.")
    response = as_alice.get(reverse("admin:contacts_contact_change", args=[contact.pk]))
    page = response.content.decode()
    assert "Aime les croissants." in page
    assert 'class="timeline"' in page
    assert response.context["inline_admin_formsets"][2].formset.queryset.count() == 1


def test_the_consent_history_cannot_be_changed_from_the_admin(as_alice):
    contact = elodie()
    event = ConsentEvent.objects.get(contact=contact)
    url = reverse("admin:contacts_consentevent_change", args=[event.pk])
    as_alice.post(url, {"detail": "rewritten"})
    event.refresh_from_db()
    assert event.detail == ""
    delete = reverse("admin:contacts_consentevent_delete", args=[event.pk])
    assert as_alice.post(delete, {"post": "yes"}).status_code == 403


@pytest.mark.parametrize(
    ("url_name", "filter_param"),
    [
        ("admin:contacts_company_changelist", "company__id__exact"),
        ("admin:contacts_tag_changelist", "tags__id__exact"),
    ],
)
def test_companies_and_tags_show_their_contact_counts(as_alice, url_name, filter_param):
    make_contact(first_name="A", company="Garage", tags=["Garage"])
    make_contact(first_name="B", company="Garage", tags=["Garage"])
    make_contact(first_name="C", company="Autre", tags=["Autre"])
    response = as_alice.get(reverse(url_name))
    counts = {row.name: row.contact_count for row in response.context["cl"].result_list}
    assert counts == {"Garage": 2, "Autre": 1}
    assert f"?{filter_param}=" in response.content.decode()


def test_the_admin_speaks_french_by_default_even_to_an_english_browser(client):
    response = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "fr"
    assert "Connexion" in response.content.decode()


def test_the_admin_speaks_english_to_who_chose_it(client, alice):
    client.force_login(alice)
    client.post(reverse("set_language"), {"language": "en", "next": CHANGELIST})
    response = client.get(CHANGELIST)
    assert response["Content-Language"] == "en"
    assert ">Import contacts<" in response.content.decode()


def test_the_change_history_names_the_fields_in_french(as_alice, alice):
    from django.contrib.admin.models import LogEntry
    from django.utils import translation

    contact = make_contact(first_name="Luc", email="luc@exemple.fr", city="Dole")
    change = reverse("admin:contacts_contact_change", args=[contact.pk])
    form = {"first_name": "Lucas", "email": "luc@exemple.fr", "city": "Dijon",
            "email_status": "no_consent", **EMPTY_INLINES}  # fmt: skip
    assert as_alice.post(change, form).status_code == 302
    with translation.override("fr"):
        message = LogEntry.objects.get(object_id=str(contact.pk)).get_change_message()
    assert message == "Modification de prénom et ville."


def test_titles_and_actions_read_well_in_french(as_alice):
    page = as_alice.get(reverse("admin:contacts_tag_add")).content.decode()
    assert "<h1>Ajout : étiquette</h1>" in page
    elodie()
    listing = as_alice.get(CHANGELIST).content.decode()
    assert "Supprimer la sélection (contacts)" in listing


def test_the_imports_list_names_its_counts_as_counts(as_alice):
    # "created" alone is the date of a record elsewhere ("créé le"): not a column of counts.
    response = as_alice.get(reverse("admin:contacts_importjob_changelist"))
    headers = {str(column["text"]) for column in response.context["result_headers"]}
    assert {"contacts créés", "contacts complétés", "lignes en erreur"} <= headers, headers


def test_a_note_shows_when_it_was_written_and_a_new_one_no_date(as_alice, alice):
    from datetime import UTC, datetime

    from django.contrib import admin

    from contacts.admin.contacts import NoteInline

    contact = elodie()
    written = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    Note.objects.create(contact=contact, author=alice, body="Rappeler lundi", created_at=written)
    page = as_alice.get(reverse("admin:contacts_contact_change", args=[contact.pk]))
    assert "2 mars 2026 10:30" in page.content.decode()  # in Europe/Paris
    assert NoteInline(Note, admin.site).written(Note(body="")) == "-"


def test_a_company_filter_too_long_to_read_is_left_out_but_still_applies(as_alice, monkeypatch):
    from contacts.admin.filters import InUseFilter

    monkeypatch.setattr(InUseFilter, "MOST", 2)
    for name in ("Atelier A", "Atelier B", "Atelier C"):
        make_contact(first_name=name, company=name)
    response = as_alice.get(CHANGELIST)
    assert "Par entreprise" not in response.content.decode()
    assert "Par étiquettes" not in response.content.decode()  # none in use: nothing to list
    company = Contact.objects.get(first_name="Atelier B").company
    response = as_alice.get(CHANGELIST, {"company__id__exact": company.pk})
    assert _listed(response) == {"Atelier B"}
