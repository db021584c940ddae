"""A person known to Carnet in every way it can know someone, for the GDPR tests."""

from datetime import timedelta

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from audience.models import Signup
from campaigns.models import Delivery, TrackingEvent
from contacts import consent
from contacts.choices import ConsentMethod
from contacts.models import (
    Activity,
    ConsentChange,
    Contact,
    ContactPoint,
    ExternalKey,
    ImportJob,
    Note,
)
from tests.campaigns.conftest import make_campaign
from tests.contacts.factories import make_contact

ADDRESS = "elodie.lefevre@exemple.fr"
OTHER_ADDRESS = "elo.perso@exemple.fr"
NAME = "Élodie Lefèvre"
PHONE = "+33612345678"
PROOF_SHA256 = "ab" * 32


def known_person(user=None) -> Contact:
    """Return Élodie, with notes, further addresses, consent proofs, emails and their
    events, import reports and admin history that name her."""
    contact = make_contact(
        first_name="Élodie", last_name="Lefèvre", email=ADDRESS, phone=PHONE,
        company="Boulangerie du Marché", job_title="Gérante", city="Besançon",
        postcode="25000", country="FR", notes="Préfère être appelée le matin.",
        tags=["Clients"], sources=["csv"], handles={"instagram": "elodie.lefevre"},
    )  # fmt: skip
    ContactPoint.objects.create(contact=contact, kind="email", value=OTHER_ADDRESS, label="perso")
    ContactPoint.objects.create(contact=contact, kind="phone", value="+33381234567")
    Note.objects.create(contact=contact, body="Commande de galettes pour le 6 janvier.")
    ExternalKey.objects.create(contact=contact, source="csv", key="client-0042")
    Activity.objects.create(contact=contact, kind=Activity.Kind.TAGGED, detail="Clients")
    proof = ConsentChange(
        how=ConsentMethod.IMPORT, ip="203.0.113.5", proof_file_name="clients-2026.csv",
        proof_sha256=PROOF_SHA256, proof_at=timezone.now() - timedelta(days=400),
    )  # fmt: skip
    consent.change(contact, status="subscribed", basis="consent", how=proof)
    _emails(contact)
    _import_report(contact)
    _signups(contact)
    if user is not None:
        _history(contact, user)
    return contact


def _history(contact: Contact, user) -> None:
    """The admin's history of her, and of a record of hers merged into this one."""
    merged_away = contact.pk + 500
    Activity.objects.create(contact=contact, kind=Activity.Kind.MERGED,
                            detail=f"#{merged_away} Élodie L.")  # fmt: skip
    for pk in (contact.pk, merged_away):
        LogEntry.objects.create(
            user=user, content_type=ContentType.objects.get_for_model(Contact),
            object_id=str(pk), object_repr=NAME, action_flag=CHANGE,
            change_message="Changed phone.",
        )  # fmt: skip


def _emails(contact: Contact) -> None:
    campaign = make_campaign(name="Galettes des rois")
    now = timezone.now()
    delivery = Delivery.objects.create(
        campaign=campaign, contact=contact, email=ADDRESS, status="sent", sent_at=now,
        opened_at=now, clicked_at=now, message_id="<42@boulangerie.fr>",
    )  # fmt: skip
    TrackingEvent.objects.create(
        esp="brevo", event_id="ev-1", event_type="clicked", at=now, recipient=ADDRESS,
        delivery=delivery, detail='{"link": "https://boulangerie.fr/galettes"}',
    )  # fmt: skip
    # An event the ESP sent for a message Carnet could not match: only its recipient.
    TrackingEvent.objects.create(esp="brevo", event_id="ev-2", event_type="opened", at=now,
                                 recipient=ADDRESS.upper())  # fmt: skip


def _signups(contact: Contact) -> None:
    """Her confirmed sign-up, and an earlier one she never confirmed."""
    fields = {"first_name": "Élodie", "last_name": "Lefèvre", "language": "fr",
              "form_version": 1, "consent_text": "J’accepte.",
              "signup_ip": "192.0.2.8"}  # fmt: skip
    Signup.objects.create(email=ADDRESS, contact=contact, confirmed_at=timezone.now(), **fields)
    Signup.objects.create(email=ADDRESS.upper(), **fields)


def _import_report(contact: Contact) -> None:
    ImportJob.objects.create(
        file_names="clients.csv", status=ImportJob.Status.DONE, sha256="cd" * 32,
        report={
            "errors": [
                {"file": "clients.csv", "line": 3, "reason": f"Invalid address {ADDRESS}x"},
                {"file": "clients.csv", "line": 4, "reason": "Nobody named."},
            ],
            "problems": [],
            "conflicts": [{"contact": contact.pk, "field": "city", "existing": "Besançon",
                           "incoming": "Dole", "line": 7}],
            "duplicates": [{"contact": contact.pk + 1000, "other": 1, "name": NAME}],
        },
    )  # fmt: skip
