"""The business as the notice and the news page name it, and notices made through news.outage."""

import logging

import pytest
from django.core.cache import cache
from django.db import connection

from crm import heartbeat
from crm.celery import app as celery_app
from tests.campaigns.conftest import audience, smtp  # noqa: F401 (the fixtures)
from tests.helpers import business_filled_in, database_url, save_business, start_celery, stop  # noqa: F401


@pytest.fixture
def business(db):
    return save_business(phone="03 81 12 34 56", telegram_url="https://t.me/boulangerie_lefevre")


@pytest.fixture
def fast_worker(smtp, live_server, tmp_path):  # noqa: F811 (the fixture above)
    """A real Celery worker sending to `smtp` in batches of 500 (the `processes` fixture's
    batches of 5 would take minutes over 20,000 messages); stopped at the end."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: lines a message
    celery_app.control.purge()  # tasks queued by earlier tests must not reach it
    env = {
        "DATABASE_URL": database_url(connection.settings_dict),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "SITE_URL": live_server.url,
        "CAMPAIGN_BATCH_SIZE": "500",
        "CAMPAIGN_LEASE_SECONDS": "30",
    }
    with open(tmp_path / "worker.log", "w") as log:
        process = start_celery("worker", "--pool=solo", "--loglevel=WARNING", log=log, **env)
        yield process
        stop(process)
    cache.delete(heartbeat.CACHE_KEY)  # the next tests start with no worker seen
