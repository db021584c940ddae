"""Header injection: no field that reaches an email header can add a header or a body.

Each payload (CR, LF, CRLF, a blank line, Unicode line breaks, NUL, an address smuggled
into a display name) is written into every field that reaches a header: a contact's
names and company (merge fields of the subject), a campaign's subject and sender, the
business's name (sender of sign-up confirmations and outage notices, their subjects),
the sign-up form, an invitation, a test send, and the List-Unsubscribe link. What
reaches the loopback SMTP server, parsed with email.policy.strict, carries only the
headers Carnet writes, one mailbox in From and To, and the two parts of the body; or
the value is refused at input with a French message.
"""

import email
import email.policy
from email.utils import getaddresses

import pytest
from django import forms
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import translation

from audience import invitations, signups
from audience.models import Signup
from campaigns import services
from campaigns.models import Business, Campaign
from campaigns.sending.batch import send_batch
from news import outage
from news.models import NoticeTemplate
from tests.audience.conftest import fresh_limits, post_signup  # noqa: F401 (fixture)
from tests.campaigns import conftest as campaign_fixtures
from tests.campaigns.conftest import make_campaign
from tests.contacts.factories import make_contact
from tests.helpers import save_business

pytestmark = pytest.mark.django_db
smtp = campaign_fixtures.smtp  # the loopback SMTP server

PIRATE = "pirate@exemple.org"
PAYLOADS = [
    f"Élodie\r\nBcc: {PIRATE}",
    f"Élodie\nBcc: {PIRATE}",
    f"Élodie\rBcc: {PIRATE}",
    f"Élodie\r\n\r\n<p>Corps injecté {PIRATE}</p>",
    f"Élodie\r\n X-Suite: pliée\r\nX-Pirate: {PIRATE}",
    f"Élodie\u2028Bcc: {PIRATE}\u2029X-Pirate: oui",
    f"Élodie\x85Bcc: {PIRATE}\x0bX-Pirate: oui\x0cX-Autre: oui",
    f"Élodie\x00\r\nBcc: {PIRATE}",
    f"=?utf-8?q?=0D=0ABcc:_{PIRATE}?=",
    f'Élodie" <{PIRATE}>, "Marc',
    f"Élodie <{PIRATE}>",
]
# Every header Carnet writes; an injected one (Bcc, X-Pirate, X-Suite…) is none of them.
WRITTEN = {"from", "to", "subject", "date", "message-id", "list-id", "list-unsubscribe",
           "list-unsubscribe-post", "mime-version", "content-type", "reply-to",
           "auto-submitted", "content-transfer-encoding"}  # fmt: skip
ONCE = ("from", "to", "subject", "reply-to", "list-unsubscribe", "message-id")
SENDER = "bonjour@boulangerie-lefevre.fr"


def parsed(data: bytes) -> email.message.EmailMessage:
    """Parse a message as sent, refusing any defect; check its header block's line ends."""
    head = data.split(b"\r\n\r\n", 1)[0]
    assert b"\r" not in head.replace(b"\r\n", b"") and b"\n" not in head.replace(b"\r\n", b"")
    assert b"\x00" not in head
    return email.message_from_bytes(data, policy=email.policy.strict)


def assert_intact(data: bytes, to: str, sender: str = SENDER) -> email.message.EmailMessage:
    """Check that the message carries only Carnet's headers, one sender and one recipient."""
    message = parsed(data)
    names = [name.lower() for name in message]
    assert set(names) <= WRITTEN, set(names) - WRITTEN
    for name in ONCE:
        assert names.count(name) <= 1, name
    assert [a for _n, a in getaddresses(message.get_all("from"))] == [sender]
    assert [a for _n, a in getaddresses(message.get_all("to"))] == [to]
    assert PIRATE not in str(message.get("list-unsubscribe", ""))
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    return message


def send_all(campaign) -> None:
    while send_batch(campaign.pk):
        pass
    services.finish_if_done(campaign)


def started(campaign):
    services.schedule(campaign)
    services.start(campaign)
    return campaign


def storable(payload: str) -> bool:
    """Whether the database can hold `payload`: PostgreSQL refuses a NUL in text, as do
    Django's forms (so no contact, sign-up or campaign can hold one there)."""
    if "\x00" not in payload or connection.vendor != "postgresql":
        return True
    with translation.override("fr"), pytest.raises(ValidationError, match="caractère nul"):
        forms.CharField().clean(payload)
    return False


def _people(**fields) -> dict[str, str]:
    """One contact per payload, every name field holding it; return address → payload."""
    people = {}
    for i, payload in enumerate(filter(storable, PAYLOADS)):
        address = f"client{i}@exemple.fr"
        make_contact(first_name=payload, last_name=payload, company=payload[:200], email=address,
                     **fields)  # fmt: skip
        people[address] = payload
    return people


SUBJECT = "{{ first_name }} {{ last_name }} ({{ company }}) : nos soldes"


def test_a_campaign_to_contacts_whose_names_hold_line_breaks_adds_no_header(smtp):
    people = _people(email_status="subscribed", consent_basis="consent")
    campaign = started(make_campaign(subject=SUBJECT, reply_to="reponses@boulangerie-lefevre.fr"))
    send_all(campaign)
    assert sorted(r for m in smtp.messages for r in m.recipients) == sorted(people)
    for received in smtp.messages:
        message = assert_intact(received.data, received.recipients[0])
        assert [a for _n, a in getaddresses(message.get_all("reply-to"))] == [
            "reponses@boulangerie-lefevre.fr"
        ]
        assert message["Subject"].endswith(": nos soldes")
        unsubscribe = message["List-Unsubscribe"]
        assert unsubscribe.startswith("<http") and unsubscribe.endswith("/>")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_esp_path_builds_the_same_clean_messages(settings):
    """With an ESP (any Django backend), Django's own EmailMessage carries the headers."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    people = _people(email_status="subscribed", consent_basis="consent")
    send_all(started(make_campaign(subject=SUBJECT)))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(people)
    for sent in mail.outbox:
        assert_intact(sent.message().as_bytes(linesep="\r\n"), sent.to[0])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_subject_written_with_line_breaks_stays_one_header(smtp, payload):
    if not storable(payload):
        return
    make_contact(email="elodie@exemple.fr", email_status="subscribed", consent_basis="consent")
    campaign = Campaign(name="Soldes", subject=payload, html_body="<p>Bonjour</p>",
                        from_email=SENDER)  # fmt: skip
    try:
        campaign.full_clean()
    except ValidationError as refused:  # refused at input: it must say why in French
        assert "subject" in refused.message_dict
        return
    campaign.save()
    send_all(started(campaign))
    assert_intact(smtp.messages[0].data, "elodie@exemple.fr")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_sender_name_is_refused_in_french_or_sent_on_one_line(smtp, payload):
    make_contact(email="elodie@exemple.fr", email_status="subscribed", consent_basis="consent")
    campaign = Campaign(name="Soldes", subject="Soldes", html_body="<p>Bonjour</p>",
                        from_email=SENDER, from_name=payload)  # fmt: skip
    refusal = _refusal(campaign, "from_name")
    if "\r" in payload or "\n" in payload:
        assert refusal == "Un nom tient sur une seule ligne."
    if refusal:
        return
    campaign.save()  # other breaks and quotes: the name is encoded, on one line
    send_all(started(campaign))
    message = assert_intact(smtp.messages[0].data, "elodie@exemple.fr")
    shown = getaddresses(message.get_all("from"))[0][0]
    assert shown.replace(" ", "") == "".join(payload.split())  # the parser spaces a colon


def _refusal(campaign: Campaign, field: str) -> str:
    """Return why `field` is refused, in French ("" if it is not); fail if not French."""
    said = {}
    for language in ("fr", "en"):
        with translation.override(language):
            try:
                campaign.full_clean()
            except ValidationError as refused:
                said[language] = " ".join(refused.message_dict.get(field, []))
    if not said.get("fr"):
        return ""
    assert said["fr"] != said["en"], f"not in French: {said['fr']}"
    return said["fr"]


@pytest.mark.parametrize("field", ["from_email", "reply_to"])
def test_a_sender_or_reply_address_with_line_breaks_is_refused_in_french(field):
    campaign = Campaign(name="Soldes", subject="Soldes", html_body="<p>Bonjour</p>",
                        from_email=SENDER)  # fmt: skip
    setattr(campaign, field, f"bonjour@boulangerie-lefevre.fr\r\nBcc: {PIRATE}")
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        campaign.full_clean()
    assert "Saisissez une adresse de courriel valide." in refused.value.message_dict[field]


def test_the_business_name_with_line_breaks_is_refused_in_french(alice):
    client = Client()
    client.force_login(alice)
    save_business()
    for payload in PAYLOADS[:8]:
        fields = {"name": payload, "postal_address": "12 rue", "brand_colour": "#2f6f8f"}
        response = client.post("/admin/campaigns/business/1/change/", fields)
        assert response.status_code == 200, payload  # the form again, with the refusal
        refusal = "caractère nul" if "\x00" in payload else "Un nom tient sur une seule ligne."
        assert refusal in response.content.decode(), payload
    assert Business.load().name == "Boulangerie Lefèvre"


def _business_named(payload: str) -> bool:
    """Save the business with `payload` as its name, if its form would take it.

    A name on several lines is saved as an older Carnet let it be (the form now refuses
    it); one the form has always refused (a NUL) cannot be there: return False.
    """
    save_business()
    try:
        forms.CharField().clean(payload)
    except ValidationError:
        return False
    Business.objects.filter(pk=1).update(name=payload)
    return True


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_sign_up_confirmation_adds_no_header(smtp, settings, payload):
    settings.DEFAULT_FROM_EMAIL = f"Carnet <{SENDER}>"
    _business_named(payload)  # the refused ones leave the name as it was
    posted = post_signup(Client(), first_name=payload, last_name=payload)
    if "\x00" in payload:  # refused by the form, in French
        assert "Le caractère nul n’est pas autorisé." in posted.content.decode()
        assert not Signup.objects.exists()
        return
    assert posted.status_code == 302
    signup = Signup.objects.get()
    assert signups.send_confirmation(signup.pk) is None
    assert_intact(smtp.messages[0].data, signup.email)


def test_the_sign_up_form_refuses_an_address_with_line_breaks_in_french(business):
    response = post_signup(Client(), email=f"lea@exemple.fr\r\nBcc: {PIRATE}")
    assert response.status_code == 200 and not Signup.objects.exists()
    assert "Saisissez une adresse de courriel valide." in response.content.decode()


@pytest.fixture
def business(db):
    return save_business()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_outage_notice_adds_no_header(smtp, alice, payload):
    if not _business_named(payload):
        return
    make_contact(first_name=payload, last_name=payload, email="elodie@exemple.fr",
                 email_status="subscribed", consent_basis="consent")  # fmt: skip
    text = NoticeTemplate.load("fr")
    text.subject = "{{ business_name }} : {{ first_name }} {{ last_name }}, " + payload
    text.save()
    notice = outage.send("fr", user=alice)
    send_all(notice)
    assert_intact(smtp.messages[0].data, "elodie@exemple.fr", sender=_default_sender())


def _default_sender() -> str:
    from django.conf import settings

    return getaddresses([settings.DEFAULT_FROM_EMAIL])[0][1]


def test_an_invitation_adds_no_header(smtp, settings):
    settings.DEFAULT_FROM_EMAIL = f"Carnet <{SENDER}>"
    save_business()
    people = _people(email_status="no_consent")
    invitation = invitations.next_invitation()
    invitation.subject = SUBJECT
    assert invitations.send(invitation) == len(people)
    send_all(invitation)
    assert sorted(r for m in smtp.messages for r in m.recipients) == sorted(people)
    for received in smtp.messages:
        assert_intact(received.data, received.recipients[0])


def test_a_test_send_refuses_an_address_with_line_breaks_and_adds_no_header(smtp, alice):
    client = Client()
    client.force_login(alice)
    contact = make_contact(first_name=PAYLOADS[0], last_name=PAYLOADS[3], email="e@exemple.fr",
                           email_status="subscribed", consent_basis="consent")  # fmt: skip
    campaign = make_campaign(subject=SUBJECT)
    url = f"/admin/campaigns/campaign/{campaign.pk}/test/"
    refused = client.post(url, {"address": f"moi@exemple.fr\r\nBcc: {PIRATE}"}, follow=True)
    assert "Saisissez une adresse de courriel valide." in refused.content.decode()
    assert not smtp.messages
    client.post(url, {"address": "moi@exemple.fr", "contact": str(contact.pk)})
    assert len(smtp.messages) == 1 and smtp.messages[0].recipients == ["moi@exemple.fr"]
    message = assert_intact(smtp.messages[0].data, "moi@exemple.fr")
    assert message["Subject"].startswith("[Test]")
