from datetime import UTC, datetime

import pytest

from contacts.models import ConsentEvent, Contact
from tests.contacts.importing.conftest import counts, run_import, zipped

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("either_reader")]

COMMON = (
    '"Email Address","First Name","Last Name",MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,'
    "CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,LAST_CHANGED,LEID,EUID,"
    "NOTES,TAGS"
)
SUBSCRIBED = (
    COMMON
    + "\n"
    + (
        'ana@exemple.fr,Ana,Lima,2,"2016-04-18 13:51:14",203.0.113.5,"2016-04-18 13:52:00",'
        '203.0.113.5,,,,,,FR,,"2020-01-01 00:00:00",1,abc,,"VIP"\n'
    )
)
UNSUBSCRIBED = (
    COMMON
    + ",UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON\n"
    + ('bob@exemple.fr,Bob,,2,,,,,,,,,,,,"2020-01-01",2,def,,,"2021-05-05 10:00:00",Promo,1,\n')
)
CLEANED = (
    COMMON
    + ",CLEAN_TIME,CLEAN_CAMPAIGN_TITLE,CLEAN_CAMPAIGN_ID\n"
    + ('old@exemple.fr,Old,,1,,,,,,,,,,,,"2020-01-01",3,ghi,,,"2019-01-01 00:00:00",x,1\n')
)


def test_the_mailchimp_zip_brings_each_status_with_its_proof(tmp_path):
    archive = zipped(
        {
            "subscribed_members_export_a1.csv": SUBSCRIBED,
            "unsubscribed_members_export_a1.csv": UNSUBSCRIBED,
            "cleaned_members_export_a1.csv": CLEANED,
        }
    )
    assert counts(run_import(tmp_path, "audience.zip", archive))["created"] == 3
    statuses = dict(Contact.objects.values_list("email", "email_status"))
    assert statuses == {
        "ana@exemple.fr": "subscribed",
        "bob@exemple.fr": "unsubscribed",
        "old@exemple.fr": "bounced",
    }
    ana = Contact.objects.get(email="ana@exemple.fr")
    assert ana.consent_basis == "consent"
    assert [t.name for t in ana.tags.all()] == ["VIP"]
    event = ConsentEvent.objects.get(contact=ana)
    assert "2016-04-18 13:51:14" in event.detail and "203.0.113.5" in event.detail
    assert event.proof_file_name == "audience.zip/subscribed_members_export_a1.csv"


@pytest.mark.parametrize("status", ["unsubscribed", "bounced", "complained"])
def test_no_import_resubscribes_someone_who_left(tmp_path, status):
    Contact.objects.create(email="ana@exemple.fr", email_status=status)
    run_import(tmp_path, "subscribed_members_export_a1.csv", SUBSCRIBED)
    run_import(tmp_path, "ana.csv", "email,prenom\nana@exemple.fr,Ana\n", "--basis", "consent")
    assert Contact.objects.get(email="ana@exemple.fr").email_status == status


def test_an_unsubscribe_file_turns_a_subscriber_unsubscribed(tmp_path):
    Contact.objects.create(
        email="bob@exemple.fr", email_status="subscribed", consent_basis="consent"
    )
    run_import(tmp_path, "unsubscribed_members_export_a1.csv", UNSUBSCRIBED)
    bob = Contact.objects.get()
    assert bob.email_status == "unsubscribed"
    # The newest record is the import's, with when Mailchimp says Bob left as its proof.
    event = bob.consent_events.first()
    assert (event.how, event.to_status) == ("import", "unsubscribed")
    assert event.proof_at == datetime(2021, 5, 5, 10, tzinfo=UTC)
