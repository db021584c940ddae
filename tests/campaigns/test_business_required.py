"""Nothing is scheduled or sent while « Votre entreprise » lacks its name or postal address.

The law asks every email to say who sends it and where to write to them (Business.missing()):
the campaign page warns before the click and refuses the click; the `campaign` command, the
outage notice and the invitation refuse alike. Once filled in, each goes.
"""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from audience import invitations
from campaigns.models import Business, Campaign
from contacts.models import Contact
from news import outage
from tests.campaigns.conftest import make_campaign
from tests.conftest import PASSWORD
from tests.contacts.factories import make_contact
from tests.helpers import save_business

MISSING = "Il manque à « Votre entreprise » : nom de l’entreprise, adresse postale."
BUSINESS_PAGE = reverse("admin:campaigns_business_changelist")


@pytest.fixture
def no_business(db):
    Business.objects.all().delete()


@pytest.fixture
def owner(client, alice):
    client.login(username="alice", password=PASSWORD)
    return client


def act(campaign, action):
    return reverse("admin:campaigns_campaign_act", args=[campaign.pk, action])


def test_the_campaign_page_warns_and_refuses_until_the_business_is_filled_in(
    owner, audience, no_business
):
    campaign = make_campaign()
    page = owner.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content
    assert MISSING in page.decode()  # before any click, in the send step
    assert f'id="campaign-business-link" href="{BUSINESS_PAGE}"' in page.decode()
    for action, data in (("send_now", {}), ("schedule", {"at": "2030-09-01T09:00"})):
        response = owner.post(act(campaign, action), data, follow=True)
        assert MISSING in response.content.decode()
        campaign.refresh_from_db()
        assert campaign.status == "draft"
        assert not campaign.deliveries.exists()

    save_business()
    page = owner.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content
    assert "campaign-business-missing" not in page.decode()
    owner.post(act(campaign, "send_now"))
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"


def test_only_the_address_missing_is_named(owner, audience, no_business):
    Business(name="Boulangerie Lefèvre").save()
    campaign = make_campaign()
    response = owner.post(act(campaign, "send_now"), follow=True)
    assert "Il manque à « Votre entreprise » : adresse postale." in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_the_command_refuses_and_keeps_nothing(audience, no_business, tmp_path):
    html = tmp_path / "body.html"
    html.write_text("<p>Bonjour {{ first_name }}</p>", encoding="utf-8")
    args = ("campaign", "create", "--name", "Rentrée", "--subject", "Salut", "--html", str(html))
    with pytest.raises(CommandError, match="adresse postale"):
        call_command(*args, "--at", "now")
    assert not Campaign.objects.exists()
    save_business()
    call_command(*args, "--at", "now")
    assert Campaign.objects.get().status == "scheduled"


def test_the_outage_notice_is_refused_too(audience, no_business):
    with pytest.raises(outage.Refused, match="nom de l’entreprise, adresse postale"):
        outage.send("fr")
    assert not Campaign.objects.exists()
    save_business()
    assert outage.send("fr").status == "sending"


def test_the_invitation_is_refused_too(no_business):
    make_contact(first_name="Paul", email="paul@exemple.fr")  # no consent: invitable
    with pytest.raises(ValidationError, match="adresse postale"):
        invitations.send(invitations.next_invitation())
    assert not Contact.objects.get().deliveries.exists()
    save_business()
    assert invitations.send(invitations.next_invitation()) == 1
