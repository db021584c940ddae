"""Mailchimp's and Brevo's own proof of consent: when, from where, and why someone left."""

from datetime import UTC, datetime

import pytest
from django.utils import translation

from contacts.models import ConsentEvent
from tests.contacts.importing.conftest import read_rows, run_import

pytestmark = pytest.mark.django_db

HEADER = (
    '"Email Address","First Name","Last Name",MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,'
    "CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,LAST_CHANGED,LEID,EUID,"
    "NOTES,TAGS"
)
SUBSCRIBED = (
    HEADER + "\n"
    'ana@exemple.fr,Ana,Lima,2,"2016-04-18 13:51:14",203.0.113.5,"2016-04-18 13:52:00",'
    '2001:db8::7,48.85,2.35,1,2,Europe/Paris,FR,IDF,"2020-01-01 00:00:00",1,abc,,'
    '"""Clients"",""VIP, Paris"""\n'
    'eve@exemple.fr,Eve,,2,"2017-01-02 08:00:00",unknown,,,,,,,,,,"2020-01-01 00:00:00",2,'
    "def,,\n"
)
UNSUBSCRIBED = (
    HEADER + ",UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON,"
    "UNSUB_REASON_OTHER\n"
    'bob@exemple.fr,Bob,,2,"2016-01-01 10:00:00",198.51.100.2,,,,,,,,,,"2021-05-05",2,def,,,'
    '"2021-05-05 10:00:00","Soldes d\'été",1a2b,"I no longer want to receive these emails",\n'
)
CLEANED = (
    HEADER + ",CLEAN_TIME,CLEAN_CAMPAIGN_TITLE,CLEAN_CAMPAIGN_ID\n"
    'old@exemple.fr,Old,,1,,,,,,,,,,,,"2019-01-01",3,ghi,,,"2019-01-01 00:00:00",'
    '"Lettre de janvier",9z\n'
)
BREVO = (
    "EMAIL;PRENOM;NOM;SMS;ADDED_TIME;MODIFIED_TIME;DOUBLE_OPT-IN;OPT_IN;EMAIL_BLACKLISTED\n"
    "chloe@exemple.fr;Chloé;Moreau;33612345678;2023-05-11 09:32:45;2024-01-02 10:00:00;"
    "Yes;Yes;No\n"
    "jules@exemple.fr;Jules;Roy;;2023-06-01 12:00:00;2023-06-01 12:00:00;1;;No\n"
    "marc@exemple.fr;Marc;Faure;;2022-02-02 08:00:00;2023-03-03 09:00:00;Yes;Yes;Yes\n"
    "zoe@exemple.fr;Zoé;Blanc;;2022-02-02 08:00:00;2022-02-02 08:00:00;No;No;No\n"
)


def _rows(tmp_path, name: str, text: str):
    """Return the rows a file gives as read, before cleaning, its messages in English."""
    with translation.override("en"):
        return read_rows(tmp_path, text, name)[1]


def test_a_subscriber_brings_the_time_and_address_of_their_confirmation(tmp_path):
    ana, _eve = _rows(tmp_path, "subscribed_members_export_a1.csv", SUBSCRIBED)
    assert (ana.status, ana.basis) == ("subscribed", "consent")
    assert (ana.proof_at, ana.proof_ip) == ("2016-04-18T13:51:14+00:00", "203.0.113.5")
    assert ana.proof == (
        "Mailchimp: subscribed (opted in on 2016-04-18 13:51:14 from 203.0.113.5, "
        "confirmed on 2016-04-18 13:52:00 from 2001:db8::7)"
    )
    assert ana.tags == ["Clients", "VIP, Paris"]


def test_without_a_confirmation_the_opt_in_is_the_proof_and_junk_is_no_ip(tmp_path):
    _ana, eve = _rows(tmp_path, "subscribed_members_export_a1.csv", SUBSCRIBED)
    assert (eve.status, eve.proof_at, eve.proof_ip) == (
        "subscribed", "2017-01-02T08:00:00+00:00", ""
    )  # fmt: skip
    assert eve.proof == "Mailchimp: subscribed (opted in on 2017-01-02 08:00:00 from unknown)"
    assert eve.tags == []


def test_an_unsubscribe_brings_its_time_and_reason(tmp_path):
    (bob,) = _rows(tmp_path, "unsubscribed_members_export_a1.csv", UNSUBSCRIBED)
    assert (bob.status, bob.basis, bob.proof_ip) == ("unsubscribed", "", "")
    assert bob.proof_at == "2021-05-05T10:00:00+00:00"
    assert bob.proof == (
        "Mailchimp: unsubscribed on 2021-05-05 10:00:00, "
        "reason: I no longer want to receive these emails"
    )


def test_a_cleaned_address_brings_its_time_and_campaign(tmp_path):
    (old,) = _rows(tmp_path, "cleaned_members_export_a1.csv", CLEANED)
    assert (old.status, old.proof_at) == ("bounced", "2019-01-01T00:00:00+00:00")
    assert old.proof == (
        "Mailchimp: address cleaned on 2019-01-01 00:00:00 (campaign: Lettre de janvier)"
    )


def test_a_brevo_double_opt_in_proves_consent_from_its_time(tmp_path):
    chloe, jules, _marc, _zoe = _rows(tmp_path, "contacts.csv", BREVO)
    assert (chloe.first_name, chloe.phone) == ("Chloé", "33612345678")
    assert (chloe.status, chloe.basis) == ("subscribed", "consent")
    assert chloe.proof_at == "2023-05-11T09:32:45+00:00"
    assert chloe.proof == "Brevo: double opt-in, on 2023-05-11 09:32:45"
    assert (jules.status, jules.proof_at) == ("subscribed", "2023-06-01T12:00:00+00:00")


def test_a_brevo_blocklist_wins_and_no_opt_in_proves_nothing(tmp_path):
    _chloe, _jules, marc, zoe = _rows(tmp_path, "contacts.csv", BREVO)
    assert (marc.status, marc.basis, marc.proof) == ("unsubscribed", "", "Brevo: blocklisted")
    assert (zoe.status, zoe.basis, zoe.proof, zoe.proof_at) == ("", "", "", "")


def test_the_consent_history_keeps_the_files_time_and_address(tmp_path):
    run_import(tmp_path, "subscribed_members_export_a1.csv", SUBSCRIBED)
    event = ConsentEvent.objects.get(contact__email="ana@exemple.fr")
    expected = (datetime(2016, 4, 18, 13, 51, 14, tzinfo=UTC), "203.0.113.5")
    assert (event.proof_at, event.ip) == expected
    assert event.at > expected[0]  # when Carnet recorded it: the history's order
