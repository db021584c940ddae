"""Campaign fixtures: an audience, a campaign, and a real SMTP server on loopback."""

import pytest

from campaigns.models import Campaign
from tests.campaigns.smtp import start_smtp
from tests.contacts.factories import make_contact


@pytest.fixture
def smtp(settings):
    """An aiosmtpd server on 127.0.0.1; Django's SMTP settings point at it."""
    controller, recorder = start_smtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_TIMEOUT = 1
    recorder.port = controller.port
    yield recorder
    controller.stop()


@pytest.fixture
def audience(db):
    """Three contacts who may be emailed, and three who may not."""
    return {
        "elodie": make_contact(first_name="Élodie", last_name="Lefèvre",
                               email="elodie@exemple.fr", company="Boulangerie Lefèvre",
                               email_status="subscribed", consent_basis="customer",
                               tags=["Clients"]),
        "marc": make_contact(first_name="Marc", last_name="Dubois", email="marc@exemple.fr",
                             email_status="subscribed", consent_basis="consent",
                             tags=["Clients", "VIP"]),
        "ines": make_contact(first_name="Inès", email="ines@exemple.fr",
                             email_status="subscribed", consent_basis="b2b"),
        "paul": make_contact(first_name="Paul", email="paul@exemple.fr", tags=["Clients"]),
        "zoe": make_contact(first_name="Zoé", email="zoe@exemple.fr", email_status="unsubscribed",
                            tags=["Clients"]),
        "jules": make_contact(first_name="Jules", phone="+33612345678",
                              email_status="subscribed", consent_basis="customer"),
    }  # fmt: skip


MAILABLE = {"elodie@exemple.fr", "marc@exemple.fr", "ines@exemple.fr"}


def make_campaign(**fields) -> Campaign:
    defaults = {
        "name": "Soldes d’hiver",
        "subject": "{{ first_name|default:'Bonjour' }}, nos soldes commencent",
        "html_body": "<html><body><p>Bonjour {{ first_name }} de {{ company }},</p>"
        "<p>Les soldes commencent samedi.</p>"
        '<p><a href="{{ unsubscribe_url }}">Se désinscrire</a></p></body></html>',
        "from_name": "Boulangerie Lefèvre",
        "from_email": "bonjour@boulangerie-lefevre.fr",
    }
    campaign = Campaign(**{**defaults, **fields})
    campaign.full_clean()
    campaign.save()
    return campaign
