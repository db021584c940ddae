"""Campaign fixtures: an audience, a campaign, and a real SMTP server on loopback."""

import time

import pytest
from django.db import connection

from campaigns.models import Campaign
from crm.celery import app as celery_app
from tests.campaigns.smtp import start_smtp
from tests.contacts.factories import make_contact
from tests.helpers import business_filled_in, database_url, start_celery, stop  # noqa: F401 (autouse)


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


@pytest.fixture
def processes(smtp, live_server, tmp_path):
    """Start Celery workers and beat that send to `smtp`; stop every one at the end."""
    started = []
    env = {
        "DATABASE_URL": database_url(connection.settings_dict),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_TIMEOUT": "5",
        "SITE_URL": live_server.url,
        "CAMPAIGN_TICK_SECONDS": "1",
        "CAMPAIGN_BATCH_SIZE": "5",
        "CAMPAIGN_LEASE_SECONDS": "10",
    }

    # Tasks queued by earlier tests (which had no worker) must not reach these workers.
    celery_app.control.purge()

    def start(kind: str, **settings: str):
        args = ["worker", "--pool=solo"] if kind == "worker" else [
            "beat", "--schedule", str(tmp_path / "beat-schedule")]  # fmt: skip
        log = open(tmp_path / f"{kind}-{len(started)}.log", "w")  # noqa: SIM115
        process = start_celery(*args, "--loglevel=INFO", log=log, **{**env, **settings})
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        if process.poll() is None:
            stop(process)
        log.close()


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"still waiting, after {seconds} s, for {what}")
