"""The business as the notice and the news page name it, and notices made through news.outage."""

import pytest

from campaigns.models import Business
from tests.campaigns.conftest import audience, processes, smtp  # noqa: F401 (the fixtures)


@pytest.fixture
def business(db):
    business = Business(
        name="Boulangerie Lefèvre",
        postal_address="12 rue des Granges, 25000 Besançon",
        phone="03 81 12 34 56",
        website="https://boulangerie-lefevre.fr",
        telegram_url="https://t.me/boulangerie_lefevre",
    )
    business.full_clean()
    business.save()
    return business
