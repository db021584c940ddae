"""The confirmation: its email over SMTP, the link's GET and POST, and the proof recorded."""

import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from audience import confirming, signups
from audience.models import MailStatus, Signup
from contacts.choices import ConsentMethod, EmailStatus, Source
from contacts.models import ConsentEvent, Contact
from tests.audience.conftest import post_signup, shown_stamp
from tests.contacts.factories import make_contact

pytestmark = pytest.mark.django_db
CONFIRMER = {"REMOTE_ADDR": "198.51.100.42", "HTTP_USER_AGENT": "Firefox/133.0 (Linux)"}


def link_in(received) -> str:
    """Return the confirmation link of an email the SMTP server received, as a path."""
    text = received.message.get_body(("plain",)).get_content()
    return re.search(r"http://[^/\s]+(/inscription/confirmer/\S+)", text).group(1)


def signed_up(client, smtp, **fields) -> tuple[Signup, str]:
    """Sign up, send the confirmation email; return the sign-up and its link."""
    post_signup(client, **fields)
    signup = Signup.objects.latest("pk")
    assert signups.send_confirmation(signup.pk) is None
    (received,) = smtp.to(signup.email)
    return signup, link_in(received)


def test_the_email_holds_the_link_in_the_persons_language(client, business, smtp):
    signup, link = signed_up(client, smtp)
    message = smtp.to(signup.email)[0].message
    assert message["Subject"] == "Confirmez votre inscription aux e-mails de Boulangerie Lefèvre"
    assert "Boulangerie Lefèvre" in message["From"]
    assert link.endswith("?lang=fr")
    signup.refresh_from_db()
    assert signup.mail_status == MailStatus.SENT and signup.mailed_at is not None
    signed_up(client, smtp, email="tom@example.com", stamp=shown_stamp(language="en"))
    english_message = smtp.to("tom@example.com")[0].message
    assert english_message["Subject"].startswith("Confirm your sign-up")
    assert "I confirm" in english_message.get_body(("plain",)).get_content()


def test_a_second_delivery_of_the_task_sends_nothing(client, business, smtp):
    signup, _ = signed_up(client, smtp)
    assert signups.send_confirmation(signup.pk) is None
    assert len(smtp.to(signup.email)) == 1


def test_a_server_that_says_later_is_tried_again(client, business, smtp):
    post_signup(client)
    signup = Signup.objects.get()
    smtp.faults[signup.email] = ["451", 1]
    retry_at = signups.send_confirmation(signup.pk)
    signup.refresh_from_db()
    assert retry_at > timezone.now() and signup.mail_status == MailStatus.QUEUED
    assert signup.mail_attempts == 1 and "451" in signup.mail_error
    assert signups.send_confirmation(signup.pk) is None
    assert len(smtp.to(signup.email)) == 1


def test_a_get_confirms_nobody(client, business, smtp):
    signup, link = signed_up(client, smtp)
    response = client.get(link, **CONFIRMER)
    assert response.status_code == 200 and "Je confirme" in response.content.decode()
    signup.refresh_from_db()
    assert signup.confirmed_at is None and not Contact.objects.exists()


def test_the_post_subscribes_with_the_proof(client, business, smtp):
    signup, link = signed_up(client, smtp)
    response = client.post(link, **CONFIRMER)
    assert response.status_code == 200 and "c’est confirmé" in response.content.decode()
    contact = Contact.objects.get()
    assert (contact.email, contact.first_name, contact.last_name, contact.phone) == (
        "lea.martin@exemple.fr", "Léa", "Martin", "+33612345678")  # fmt: skip
    assert (contact.email_status, contact.consent_basis) == ("subscribed", "consent")
    assert list(contact.sources.values_list("source", flat=True)) == [Source.FORM]
    event = contact.consent_events.get()
    signup.refresh_from_db()
    assert (event.how, event.to_status, event.basis) == (ConsentMethod.FORM, "subscribed",
                                                         "consent")  # fmt: skip
    assert event.proof_form == "inscription v1" and event.proof_at == signup.signed_up_at
    assert event.ip == "198.51.100.42" == signup.confirm_ip and signup.contact == contact
    for fact in (
        signup.consent_text,
        "203.0.113.7",
        "198.51.100.42",
        "Firefox/133.0 (Linux)",
        "Mozilla/5.0 (Android 14; Mobile)",
        "Inscription le",
        "Confirmation le",
    ):
        assert fact in event.detail  # fmt: skip


def test_confirming_twice_is_harmless(client, business, smtp):
    _, link = signed_up(client, smtp)
    client.post(link, **CONFIRMER)
    again = client.post(link, **CONFIRMER)
    assert again.status_code == 200 and "c’est confirmé" in again.content.decode()
    assert ConsentEvent.objects.filter(how=ConsentMethod.FORM).count() == 1


@pytest.mark.parametrize("status", ["unsubscribed", "bounced", "complained"])
def test_a_blocked_address_comes_back_only_by_confirming(client, business, smtp, status):
    contact = make_contact(email="lea.martin@exemple.fr", first_name="Léa", email_status=status,
                           phone="+33388000000")  # fmt: skip
    _, link = signed_up(client, smtp)  # a sign-up is sent its email: it is not mailable
    contact.refresh_from_db()
    assert contact.email_status == status  # the form alone changes nothing
    client.post(link, **CONFIRMER)
    contact.refresh_from_db()
    assert (contact.email_status, contact.consent_basis) == ("subscribed", "consent")
    assert contact.phone == "+33388000000"  # what the owner recorded stays
    assert contact.consent_events.latest("at").from_status == status


def test_an_existing_contact_without_consent_is_updated(client, business, smtp):
    contact = make_contact(email="LEA.MARTIN@exemple.fr", last_name="")
    _, link = signed_up(client, smtp)
    client.post(link, **CONFIRMER)
    contact.refresh_from_db()
    assert (contact.email_status, contact.first_name, contact.last_name) == (
        EmailStatus.SUBSCRIBED, "Léa", "Martin")  # fmt: skip
    assert Contact.objects.count() == 1


class _Past(signing.TimestampSigner):
    """A signer whose clock stands 8 days back: the link it makes has expired."""

    def timestamp(self):
        return signing.b62_encode(int(time.time() - timedelta(days=8).total_seconds()))


def test_an_expired_or_broken_link_says_so_and_confirms_nobody(client, business, smtp):
    signup, link = signed_up(client, smtp)
    expired = _Past(salt=confirming.SALT).sign_object(["signup", signup.pk])
    for token in (expired, "not-a-token", link.split("/")[3][:-4]):
        response = client.post(f"/inscription/confirmer/{token}/", **CONFIRMER)
        html = response.content.decode()
        assert response.status_code == 404 and "ne peut plus être utilisé" in html
        assert 'href="/inscription/?lang=fr"' in html  # to sign up again
    assert not Contact.objects.exists()


def test_this_week_counts_the_confirmed_sign_ups_of_the_last_7_days(client, business, smtp):
    _, link = signed_up(client, smtp)
    signed_up(client, smtp, email="waiting@exemple.fr")  # never confirmed
    client.post(link, **CONFIRMER)
    assert signups.this_week() == 1
    Signup.objects.filter(confirmed_at__isnull=False).update(
        confirmed_at=timezone.now() - timedelta(days=8)
    )
    assert signups.this_week() == 0


def test_sign_ups_never_confirmed_are_forgotten_a_month_after_their_link(client, business, smtp):
    _, link = signed_up(client, smtp)
    signed_up(client, smtp, email="waiting@exemple.fr")
    signed_up(client, smtp, email="recent@exemple.fr")
    client.post(link, **CONFIRMER)
    long_ago = timezone.now() - timedelta(days=7 + 31)
    Signup.objects.exclude(email="recent@exemple.fr").update(signed_up_at=long_ago)
    assert signups.forget_unconfirmed() == 1
    kept = set(Signup.objects.values_list("email", flat=True))
    assert kept == {"lea.martin@exemple.fr", "recent@exemple.fr"}  # the proof stays
