"""The ESPs' tracking webhooks end to end: each ESP's own payload, posted to its URL.

One helper per ESP builds what that ESP really posts (Mailgun's signed "event-data",
Postmark's RecordType records, Brevo's transactional events, Amazon SES events in SNS
envelopes); the same event built twice is the same payload (Mailgun's signed now, with the
same token), so a replay is a second call.
"""

import hashlib
import hmac
import json
import uuid
from base64 import b64encode
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from campaigns.checks import webhook_secret_set
from campaigns.models import Campaign, Delivery, TrackingEvent
from contacts.models import ConsentEvent, Contact
from tests.campaigns.conftest import make_campaign
from tests.contacts.factories import make_contact

SECRET = "carnet:7f3kQ9-webhook"
SIGNING_KEY = "key-mailgun-signing-0123456789"
T0 = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
URL = "https://boulangerie-lefevre.fr/soldes"
SUBJECT = "Élodie, nos soldes commencent"
SENDER = "bonjour@boulangerie-lefevre.fr"
JSON = {"content_type": "application/json"}
MESSAGE_IDS = {
    "mailgun": "<20250115093000.1.5B3C7E9A1D2F@mg.boulangerie-lefevre.fr>",
    "postmark": "0a5f1c2e-7b3d-4e8f-9a6b-2c4d8e1f3a5b",
    "brevo": "<202501150930.41327890125@smtp-relay.mailin.fr>",
    "amazon_ses": "0100019469a1b2c3-8d4e5f60-7a8b-4c9d-a0b1-c2d3e4f5a6b7-000000",
}


def _seed(*parts) -> str:
    """A stable id for one event: the same arguments give the same payload."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def mailgun(kind, message_id, email, at, key=SIGNING_KEY, signed=None):
    """Mailgun's JSON webhook: "event-data" plus the HMAC "signature" block.

    Mailgun signs when it posts (`signed`, now unless given) a timestamp and a token, never
    the event-data beside them.
    """
    events = {
        "bounce": {"event": "failed", "severity": "permanent", "reason": "bounce",
                   "delivery-status": {"code": 550, "attempt-no": 1, "description": "",
                                       "message": "5.1.1 The email account does not exist."}},
        "soft_bounce": {"event": "failed", "severity": "temporary", "reason": "generic",
                        "delivery-status": {"code": 452, "attempt-no": 1, "description": "",
                                            "message": "4.2.2 Mailbox full"}},
        "complaint": {"event": "complained"},
        "delivered": {"event": "delivered",
                      "delivery-status": {"code": 250, "message": "OK", "description": ""}},
        "opened": {"event": "opened", "client-info": {"user-agent": "Mozilla/5.0"}},
        "clicked": {"event": "clicked", "url": URL, "client-info": {"user-agent": "Mozilla"}},
    }  # fmt: skip
    token = _seed("mailgun", kind, message_id, email, at)[:50]
    timestamp = str(int((signed or timezone.now()).timestamp()))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    headers = {"to": email, "message-id": message_id.strip("<>"), "from": SENDER,
               "subject": SUBJECT}  # fmt: skip
    event_data = {
        "id": token[:22], "timestamp": at.timestamp(), "log-level": "info", "recipient": email,
        "recipient-domain": email.partition("@")[2], "tags": [], "user-variables": {},
        "envelope": {"sender": SENDER, "transport": "smtp", "targets": email},
        "message": {"headers": headers, "attachments": [], "size": 2817}, **events[kind],
    }  # fmt: skip
    payload = {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": event_data,
    }
    return "/webhooks/mailgun/tracking/", payload, JSON


def postmark(kind, message_id, email, at):
    """Postmark's records, told apart by RecordType (and Type for bounces)."""
    when = at.strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    bounce = {"ID": int(_seed("postmark", kind, message_id, email, at)[:9], 16), "Email": email,
              "From": SENDER, "Subject": SUBJECT, "BouncedAt": when, "Inactive": True,
              "DumpAvailable": False}  # fmt: skip
    opened = {"Recipient": email, "ReceivedAt": when, "Platform": "Desktop",
              "UserAgent": "Mozilla/5.0", "Client": {"Name": "Firefox"}}  # fmt: skip
    records = {
        "bounce": {"RecordType": "Bounce", "Type": "HardBounce", "TypeCode": 1,
                   "Name": "Hard bounce", "CanActivate": True, **bounce,
                   "Description": "The server was unable to deliver your message.",
                   "Details": "smtp;550 5.1.1 The email account does not exist."},
        "soft_bounce": {"RecordType": "Bounce", "Type": "SoftBounce", "TypeCode": 4096,
                        "Name": "Soft bounce", "CanActivate": True, **bounce,
                        "Description": "The mailbox is full.",
                        "Details": "smtp;452 4.2.2 Mailbox full"},
        "complaint": {"RecordType": "SpamComplaint", "Type": "SpamComplaint", "TypeCode": 512,
                      "Name": "Spam complaint", "CanActivate": False, "Description": "",
                      "Details": "", **bounce},
        "delivered": {"RecordType": "Delivery", "Recipient": email, "DeliveredAt": when,
                      "Details": "smtp;250 2.0.0 OK", "Metadata": {}},
        "opened": {"RecordType": "Open", "FirstOpen": True, "ReadSeconds": 5, **opened},
        "clicked": {"RecordType": "Click", "ClickLocation": "HTML", "OriginalLink": URL, **opened},
    }  # fmt: skip
    common = {"MessageID": message_id, "ServerID": 23, "MessageStream": "broadcast", "Tag": ""}
    return "/webhooks/postmark/tracking/", {**common, **records[kind]}, JSON


def brevo(kind, message_id, email, at):
    """Brevo's transactional webhook: one flat event, "ts_epoch" in milliseconds."""
    names = {"bounce": "hard_bounce", "soft_bounce": "soft_bounce", "complaint": "spam",
             "delivered": "delivered",
             "opened": "unique_opened", "clicked": "click"}  # fmt: skip
    seconds = int(at.timestamp())
    payload = {
        "event": names[kind], "email": email, "id": 712345,  # the account's id
        "date": at.strftime("%Y-%m-%d %H:%M:%S"), "ts": seconds, "ts_event": seconds,
        "ts_epoch": seconds * 1000, "message-id": message_id, "subject": SUBJECT,
        "tag": "soldes", "sending_ip": "185.41.28.109",
    }  # fmt: skip
    if kind == "soft_bounce":
        payload["reason"] = " 452 4.2.2 Mailbox full"
    if kind == "bounce":
        payload["reason"] = " RecipientError: 550 5.5.0 Requested action not taken."
    if kind == "clicked":
        payload["link"] = URL
    return "/webhooks/brevo/tracking/", payload, JSON


def amazon_ses(kind, message_id, email, at, recipients=None):
    """An SES event (event publishing) in its SNS "Notification" envelope."""
    recipients = recipients or [email]
    when = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    client = {"ipAddress": "192.0.2.1", "timestamp": when, "userAgent": "Mozilla/5.0"}
    objects = {
        "bounce": ("Bounce", {
            "bounceType": "Permanent", "bounceSubType": "General", "timestamp": when,
            "bouncedRecipients": [{"emailAddress": r, "action": "failed", "status": "5.1.1",
                                   "diagnosticCode": "smtp; 550 5.1.1 user unknown"}
                                  for r in recipients],
            "feedbackId": "0100019469a1b2c3-bounce-000000", "reportingMTA": "dsn; amazonses.com",
        }),
        "soft_bounce": ("Bounce", {
            "bounceType": "Transient", "bounceSubType": "MailboxFull", "timestamp": when,
            "bouncedRecipients": [{"emailAddress": r, "action": "failed", "status": "4.2.2",
                                   "diagnosticCode": "smtp; 452 4.2.2 Mailbox full"}
                                  for r in recipients],
            "feedbackId": "0100019469a1b2c3-bounce-000001", "reportingMTA": "dsn; amazonses.com",
        }),
        "complaint": ("Complaint", {
            "complainedRecipients": [{"emailAddress": r} for r in recipients],
            "timestamp": when, "feedbackId": "0100019469a1b2c3-complaint-000000",
            "userAgent": "Feedback Loop", "complaintFeedbackType": "abuse",
        }),
        "delivered": ("Delivery", {
            "timestamp": when, "processingTimeMillis": 546, "recipients": recipients,
            "smtpResponse": "250 ok: Message accepted", "reportingMTA": "amazonses.com",
        }),
        "opened": ("Open", client),
        "clicked": ("Click", {**client, "link": URL, "linkTags": {}}),
    }  # fmt: skip
    event_type, detail = objects[kind]
    mail = {
        "timestamp": when, "source": SENDER, "sendingAccountId": "123456789012",
        "messageId": message_id, "destination": recipients, "headersTruncated": False,
        "headers": [{"name": "Subject", "value": SUBJECT}],
        "commonHeaders": {"subject": SUBJECT, "to": recipients},
        "tags": {"ses:configuration-set": ["carnet"]},
    }  # fmt: skip
    ses_event = {"eventType": event_type, "mail": mail, event_type.lower(): detail}
    sns_id = str(uuid.uuid5(uuid.NAMESPACE_URL, _seed("ses", kind, message_id, recipients, at)))
    topic = "arn:aws:sns:eu-west-3:123456789012:carnet-ses-events"
    envelope = {
        "Type": "Notification", "MessageId": sns_id, "TopicArn": topic,
        "Subject": "Amazon SES Email Event Notification", "Message": json.dumps(ses_event),
        "Timestamp": when, "SignatureVersion": "1", "Signature": "EXAMPLEpH+==",
        "SigningCertURL": "https://sns.eu-west-3.amazonaws.com/SimpleNotificationService.pem",
        "UnsubscribeURL": "https://sns.eu-west-3.amazonaws.com/?Action=Unsubscribe",
    }  # fmt: skip
    headers = {
        "content_type": "text/plain; charset=UTF-8",  # as SNS posts it
        "HTTP_X_AMZ_SNS_MESSAGE_TYPE": "Notification",
        "HTTP_X_AMZ_SNS_MESSAGE_ID": sns_id,
        "HTTP_X_AMZ_SNS_TOPIC_ARN": topic,
    }
    return "/webhooks/amazon_ses/tracking/", envelope, headers


ESPS = {"mailgun": mailgun, "postmark": postmark, "brevo": brevo, "amazon_ses": amazon_ses}


def post(client, request, auth=SECRET):
    path, payload, headers = request
    if auth:
        headers = {**headers, "HTTP_AUTHORIZATION": "Basic " + b64encode(auth.encode()).decode()}
    return client.post(path, data=json.dumps(payload), **headers)


@pytest.fixture(autouse=True)
def anymail(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


@pytest.fixture(params=list(ESPS))
def esp(request):
    return request.param


@pytest.fixture
def delivery(esp, audience):
    campaign = make_campaign(status="sending")
    return Delivery.objects.create(
        campaign=campaign, contact=audience["elodie"], email="elodie@exemple.fr",
        status="sent", esp_message_id=MESSAGE_IDS[esp], sent_at=T0 - timedelta(minutes=5),
    )  # fmt: skip


def send(client, esp, kind, at=T0, email="elodie@exemple.fr", auth=SECRET):
    request = ESPS[esp](kind, MESSAGE_IDS[esp], email, at)
    return post(client, request, auth)


def status_of(contact):
    return Contact.objects.get(pk=contact.pk).email_status


def suppressions(**filters):
    """The consent records a webhook writes (creating a contact writes one too)."""
    return ConsentEvent.objects.filter(how__in=["bounce", "complaint", "unsubscribe"], **filters)


def hows(contact):
    return list(suppressions(contact=contact).values_list("how", flat=True))


def test_it_records_a_hard_bounce(client, esp, delivery):
    assert send(client, esp, "bounce").status_code == 200
    delivery.refresh_from_db()
    assert delivery.bounced_at == T0
    assert status_of(delivery.contact) == "bounced"
    consent = suppressions().get(contact=delivery.contact)
    assert (consent.how, consent.from_status, consent.to_status) == (
        "bounce", "subscribed", "bounced",
    )  # fmt: skip
    assert "Soldes" in consent.detail
    event = TrackingEvent.objects.get()
    assert (event.event_type, event.delivery_id, event.at) == ("bounced", delivery.pk, T0)
    assert event.recipient == "elodie@exemple.fr"


def test_a_soft_bounce_neither_counts_nor_suppresses(client, esp, delivery):
    response = send(client, esp, "soft_bounce")
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.bounced_at is None
    assert status_of(delivery.contact) == "subscribed"
    assert not suppressions(contact=delivery.contact).exists()


def test_it_records_a_complaint(client, esp, delivery):
    assert send(client, esp, "complaint").status_code == 200
    delivery.refresh_from_db()
    assert delivery.complained_at == T0
    assert delivery.bounced_at is None
    assert status_of(delivery.contact) == "complained"
    assert hows(delivery.contact) == ["complaint"]


def test_it_dates_delivered_opened_and_clicked_without_touching_the_contact(client, esp, delivery):
    for minutes, kind in enumerate(["delivered", "opened", "clicked"]):
        assert send(client, esp, kind, at=T0 + timedelta(minutes=minutes)).status_code == 200
    delivery.refresh_from_db()
    assert delivery.delivered_at == T0
    assert delivery.opened_at == T0 + timedelta(minutes=1)
    assert delivery.clicked_at == T0 + timedelta(minutes=2)
    assert delivery.bounced_at is delivery.complained_at is None
    assert status_of(delivery.contact) == "subscribed"
    assert hows(delivery.contact) == []
    assert sorted(TrackingEvent.objects.values_list("event_type", flat=True)) == [
        "clicked", "delivered", "opened",
    ]  # fmt: skip
    assert TrackingEvent.objects.get(event_type="clicked").detail == URL


@pytest.mark.parametrize("kind", ["bounce", "opened"])
def test_it_counts_a_replayed_payload_once(client, esp, delivery, kind):
    request = ESPS[esp](kind, MESSAGE_IDS[esp], "elodie@exemple.fr", T0)
    assert post(client, request).status_code == 200
    # Mailgun's signature does not cover the event: its token, once used, is refused.
    assert post(client, request).status_code == (403 if esp == "mailgun" else 200)
    assert TrackingEvent.objects.count() == 1
    assert suppressions(contact=delivery.contact).count() == (kind == "bounce")


def test_it_keeps_the_complaint_when_a_late_bounce_follows(client, esp, delivery):
    assert send(client, esp, "complaint", at=T0 + timedelta(hours=1)).status_code == 200
    assert send(client, esp, "bounce", at=T0).status_code == 200
    delivery.refresh_from_db()
    assert status_of(delivery.contact) == "complained"
    assert hows(delivery.contact) == ["complaint"]
    assert (delivery.bounced_at, delivery.complained_at) == (T0, T0 + timedelta(hours=1))
    assert TrackingEvent.objects.count() == 2


def test_it_keeps_the_earliest_open_whatever_the_order(client, esp, delivery):
    assert send(client, esp, "opened", at=T0 + timedelta(hours=2)).status_code == 200
    assert send(client, esp, "opened", at=T0 + timedelta(hours=1)).status_code == 200
    assert send(client, esp, "opened", at=T0 + timedelta(hours=3)).status_code == 200
    delivery.refresh_from_db()
    assert delivery.opened_at == T0 + timedelta(hours=1)
    assert TrackingEvent.objects.count() == 3


def test_it_suppresses_through_the_delivery_whatever_the_case_of_the_address(
    client, esp, delivery
):
    assert send(client, esp, "bounce", email="Elodie@Exemple.FR").status_code == 200
    assert status_of(delivery.contact) == "bounced"
    assert TrackingEvent.objects.get().delivery == delivery


@pytest.mark.parametrize("kind", ["bounce", "complaint"])
def test_an_event_for_an_address_carnet_never_sent_to_changes_nobody(client, esp, audience, kind):
    """A forged bounce (or one for mail sent from elsewhere, or about a person since
    erased): kept as a trace naming nobody, counted once, and nobody moves."""
    request = ESPS[esp](kind, MESSAGE_IDS[esp], "Marc@Exemple.FR", T0)
    assert post(client, request).status_code == 200
    assert status_of(audience["marc"]) == "subscribed"
    assert not suppressions().exists()
    event = TrackingEvent.objects.get()
    assert (event.delivery, event.recipient, event.detail) == (None, "", "")
    assert "marc" not in event.event_id.lower()
    assert post(client, ESPS[esp](kind, MESSAGE_IDS[esp], "Marc@Exemple.FR", T0)).status_code in (
        200, 403,
    )  # fmt: skip
    assert TrackingEvent.objects.count() == 1  # a replay (Mailgun refuses its token)


def test_an_event_naming_a_delivery_but_another_recipient_changes_nobody(
    client, esp, delivery, audience
):
    assert send(client, esp, "bounce", email="marc@exemple.fr").status_code == 200
    delivery.refresh_from_db()
    assert delivery.bounced_at is None
    assert status_of(audience["marc"]) == status_of(audience["elodie"]) == "subscribed"
    assert not suppressions().exists()
    assert TrackingEvent.objects.get().delivery is None


@pytest.mark.parametrize("auth", ["carnet:wrong-password", "intrus:" + SECRET.split(":")[1], None])
def test_it_refuses_wrong_or_missing_credentials(client, esp, delivery, auth):
    response = send(client, esp, "bounce", auth=auth)
    # anymail answers 400; SNS must first be told 401 before it sends credentials.
    assert response.status_code == (401 if esp == "amazon_ses" and auth is None else 400)
    delivery.refresh_from_db()
    assert delivery.bounced_at is None
    assert status_of(delivery.contact) == "subscribed"
    assert not TrackingEvent.objects.exists()
    assert not suppressions().exists()


def test_it_refuses_everything_when_no_secret_is_set(client, esp, delivery, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    for auth in (SECRET, None):
        assert send(client, esp, "complaint", auth=auth).status_code == 403
    delivery.refresh_from_db()
    assert delivery.complained_at is None
    assert status_of(delivery.contact) == "subscribed"
    assert not TrackingEvent.objects.exists()
    assert not suppressions().exists()


@pytest.mark.parametrize("tamper", ["key", "token", "unsigned"])
def test_it_refuses_a_mailgun_payload_with_a_wrong_signature(client, audience, tamper):
    key = "not-the-signing-key" if tamper == "key" else SIGNING_KEY
    path, payload, headers = mailgun("bounce", "<x@mg>", "elodie@exemple.fr", T0, key)
    if tamper == "token":  # a signature that was made for another token
        payload["signature"]["token"] = "0" * 50
    if tamper == "unsigned":
        del payload["signature"]
    response = post(client, (path, payload, headers))
    assert response.status_code == 400
    assert status_of(audience["elodie"]) == "subscribed"
    assert not TrackingEvent.objects.exists()
    assert not suppressions().exists()


def test_it_reports_an_esp_without_a_webhook_secret(settings):
    settings.ANYMAIL_ESP = "mailgun"
    settings.ANYMAIL = {"MAILGUN_API_KEY": "key-123"}
    assert [error.id for error in webhook_secret_set(None)] == ["campaigns.E001"]
    settings.ANYMAIL = {"MAILGUN_API_KEY": "key-123", "WEBHOOK_SECRET": SECRET}
    assert webhook_secret_set(None) == []
    settings.ANYMAIL_ESP, settings.ANYMAIL = "", {}
    assert webhook_secret_set(None) == []


@pytest.fixture
def ten_sent(delivery, settings):
    """The delivery to Élodie and nine more: ten sent messages of a sending campaign."""
    settings.CAMPAIGN_PAUSE_MIN_SENT = 10
    for n in range(9):
        contact = make_contact(email=f"client{n}@exemple.fr", email_status="subscribed",
                               consent_basis="customer")  # fmt: skip
        Delivery.objects.create(campaign=delivery.campaign, contact=contact, email=contact.email,
                                status="sent", esp_message_id=f"<other-{n}@esp>")  # fmt: skip
    return delivery.campaign


@pytest.mark.parametrize("kind", ["complaint", "bounce"])
def test_it_pauses_a_sending_campaign_past_its_limit(client, esp, ten_sent, kind):
    assert send(client, esp, kind).status_code == 200
    campaign = Campaign.objects.get(pk=ten_sent.pk)
    assert campaign.status == "paused"
    assert campaign.paused_reason


def test_it_leaves_a_campaign_sending_below_the_minimum_sent(client, esp, ten_sent, settings):
    settings.CAMPAIGN_PAUSE_MIN_SENT = 11
    assert send(client, esp, "complaint").status_code == 200
    campaign = Campaign.objects.get(pk=ten_sent.pk)
    assert (campaign.status, campaign.paused_reason) == ("sending", "")
    assert Contact.objects.get(email="elodie@exemple.fr").email_status == "complained"


def test_one_ses_bounce_naming_several_recipients_suppresses_only_carnets(client, audience):
    """One SNS notification (one MessageId) may list several bounced recipients; Carnet
    sends each message to one, so only that one's delivery is Carnet's."""
    message_id = "0100019469ffffff-multi-000000"
    Delivery.objects.create(
        campaign=make_campaign(status="sending"), contact=audience["marc"],
        email="marc@exemple.fr", status="sent", esp_message_id=message_id,
    )  # fmt: skip
    recipients = ["marc@exemple.fr", "ines@exemple.fr"]
    request = amazon_ses("bounce", message_id, "", T0, recipients)
    assert post(client, request).status_code == 200
    assert post(client, request).status_code == 200  # and the replay is still one each
    assert (status_of(audience["marc"]), status_of(audience["ines"])) == ("bounced", "subscribed")
    assert (hows(audience["marc"]), hows(audience["ines"])) == (["bounce"], [])
    # Inès's event names nobody: Carnet sent her nothing under that id.
    assert sorted(TrackingEvent.objects.values_list("recipient", flat=True)) == [
        "", "marc@exemple.fr",
    ]  # fmt: skip
