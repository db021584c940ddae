"""The invitation of the no-consent contacts: its text, its sending, its confirmation."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audience import confirming, invitations
from audience.confirming import Proof
from campaigns import services
from campaigns.models import Business, Campaign, Delivery
from campaigns.sending.compose import Composer, Recipient
from contacts import consent
from contacts.models import ConsentChange, ConsentEvent, Contact
from tests.campaigns.conftest import make_campaign
from tests.contacts.factories import make_contact

SENT_AT = timezone.now() - timedelta(days=2)
PROOF = Proof(at=timezone.now(), ip="203.0.113.9", user_agent="Mozilla/5.0 (Firefox 133)")


@pytest.fixture
def boulangerie(db):
    business = Business(name="Boulangerie Lefèvre", postal_address="3 rue des Granges, Besançon")
    business.save()
    return business


@pytest.fixture
def paul(db):
    return make_contact(first_name="Paul", last_name="Girard", email="paul@exemple.fr")


def invited(contact: Contact) -> Delivery:
    """Send (as far as the database knows) an invitation to `contact`; return its row."""
    invitation = invitations.next_invitation()
    invitations.send(invitation)
    Delivery.objects.filter(campaign=invitation).update(status="sent", sent_at=SENT_AT)
    return Delivery.objects.get(campaign=invitation, contact=contact)


def test_confirming_subscribes_the_invited_contact_with_the_proof(boulangerie, paul):
    row = invited(paul)
    assert confirming.confirm("invitation", row.pk, PROOF) == paul
    paul.refresh_from_db()
    assert (paul.email_status, paul.consent_basis) == ("subscribed", "consent")
    event = ConsentEvent.objects.get(contact=paul, how="invitation")
    assert (event.from_status, event.to_status, event.basis) == ("no_consent", "subscribed",
                                                                 "consent")  # fmt: skip
    assert event.ip == "203.0.113.9"
    assert event.proof_at == SENT_AT
    assert event.proof_form == f"invitation #{row.campaign_id}"
    assert "203.0.113.9" in event.detail
    assert "Firefox 133" in event.detail


def test_confirming_twice_is_harmless(boulangerie, paul):
    row = invited(paul)
    invitations.confirm(row.pk, PROOF)
    assert invitations.confirm(row.pk, PROOF) == paul
    assert ConsentEvent.objects.filter(contact=paul, how="invitation").count() == 1


def test_a_contact_who_left_since_the_invitation_is_not_touched(boulangerie, paul):
    row = invited(paul)
    consent.change(paul, status="unsubscribed", how=ConsentChange(how="unsubscribe"))
    assert invitations.confirm(row.pk, PROOF) is None
    paul.refresh_from_db()
    assert paul.email_status == "unsubscribed"
    assert not ConsentEvent.objects.filter(contact=paul, how="invitation").exists()


def test_a_contact_whose_address_changed_is_not_subscribed(boulangerie, paul):
    row = invited(paul)
    Contact.objects.filter(pk=paul.pk).update(email="paul.girard@exemple.fr")
    assert invitations.confirm(row.pk, PROOF) is None
    paul.refresh_from_db()
    assert paul.email_status == "no_consent"


def test_only_an_invitation_can_be_confirmed_as_one(boulangerie, paul):
    make_contact(email="marc@exemple.fr", email_status="subscribed", consent_basis="customer")
    regular = make_campaign()
    services.schedule(regular)
    services.start(regular)
    row = regular.deliveries.get()
    assert invitations.confirm(row.pk, PROOF) is None
    assert invitations.confirm(10**9, PROOF) is None


def test_the_figures_say_who_may_be_invited_who_was_and_who_answered(boulangerie, paul):
    make_contact(first_name="Léa", email="lea@exemple.fr")
    assert invitations.figures() == {"invitable": 2, "invited": 0, "answered": 0}
    row = invited(paul)
    assert invitations.figures() == {"invitable": 0, "invited": 2, "answered": 0}
    invitations.confirm(row.pk, PROOF)
    make_contact(first_name="Max", email="max@exemple.fr")
    assert invitations.figures() == {"invitable": 1, "invited": 2, "answered": 1}


def test_the_default_invitation_is_french_names_the_business_and_has_the_button(
    boulangerie, paul, settings
):
    settings.LANGUAGE_CODE = "fr"
    invitation = invitations.next_invitation()
    assert invitation.pk is None and invitation.kind == "invitation"
    assert invitation.subject == "Boulangerie Lefèvre : restons en contact ?"
    message = Composer(invitation).render(Recipient(0, 0, "paul@exemple.fr", "Paul"))
    assert "Bonjour Paul," in message.html
    assert "Oui, je veux recevoir vos nouvelles" in message.html
    assert "/inscription/confirmer/" in message.html
    anonymous = Composer(invitation).render(Recipient(0, 0, "x@exemple.fr"))
    assert "Bonjour à vous," in anonymous.text
    assert "Se désinscrire" in message.html  # the layout's footer: a way out, always


def test_a_new_invitation_takes_the_text_the_owner_wrote_last(boulangerie, paul):
    first = invitations.next_invitation()
    first.subject = "Une question, {{ first_name }}"
    first.save()
    assert invitations.next_invitation() == first  # the draft, being prepared
    invitations.send(first)
    make_contact(first_name="Léa", email="lea@exemple.fr")
    second = invitations.next_invitation()
    assert second.pk is None
    assert (second.subject, second.html_body) == (first.subject, first.html_body)
    assert invitations.send(second) == 1


def test_an_invitation_that_lost_its_button_is_not_sent(boulangerie, paul):
    invitation = invitations.next_invitation()
    invitation.html_body = "<p>Bonjour {{ first_name }}, écrivez-nous.</p>"
    with pytest.raises(ValidationError, match="confirm_url"):
        invitations.send(invitation)
    assert not Campaign.objects.exists()
