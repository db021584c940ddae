"""The admin page that sends the invitation: the count, the message, the button."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from campaigns.models import Campaign, Delivery
from tests.contacts.factories import make_contact

URL = "/admin/invitation/"


@pytest.fixture
def prospects(db):
    """Two contacts to invite (Paul, Léa), and three not to."""
    make_contact(first_name="Paul", email="paul@exemple.fr")
    make_contact(first_name="Léa", email="lea@exemple.fr")
    make_contact(first_name="Marc", email="marc@exemple.fr", email_status="subscribed",
                 consent_basis="customer")  # fmt: skip
    make_contact(first_name="Zoé", email="zoe@exemple.fr", email_status="unsubscribed")
    make_contact(first_name="Noé", phone="+33611223344")


def test_it_has_the_name_the_dashboard_links_to():
    assert reverse("admin:invite_no_consent") == URL


def test_it_says_how_many_will_be_invited_and_shows_the_message(client, alice, prospects):
    client.force_login(alice)
    page = client.get(URL)
    assert page.status_code == 200
    assert page.context["count"] == 2
    assert "<strong>2</strong> contacts seront invités." in page.text
    assert "Envoyer l’invitation à 2 contacts" in page.text
    assert "Paul," in page.context["message"].html  # shown as the first it will reach
    assert not Campaign.objects.exists()  # looking writes nothing


def test_sending_invites_each_contact_once_however_often_it_is_pressed(client, alice, prospects):
    client.force_login(alice)
    answer = client.post(URL, {"action": "send"})
    invitation = Campaign.objects.get(kind="invitation")
    assert answer.url == reverse("admin:campaigns_campaign_change", args=[invitation.pk])
    assert invitation.status == "sending"
    assert invitation.created_by == alice
    assert set(invitation.deliveries.values_list("email", flat=True)) == {
        "paul@exemple.fr", "lea@exemple.fr"}  # fmt: skip
    again = client.post(URL, {"action": "send"}, follow=True)
    assert Delivery.objects.count() == 2
    assert Campaign.objects.count() == 1
    assert "Plus personne à inviter" in again.text


def test_editing_opens_one_draft_in_the_campaign_editor(client, alice, prospects):
    client.force_login(alice)
    first = client.post(URL, {"action": "edit"})
    draft = Campaign.objects.get(kind="invitation", status="draft")
    assert first.url == reverse("admin:campaigns_campaign_change", args=[draft.pk])
    client.post(URL, {"action": "edit"})
    assert Campaign.objects.count() == 1
    editor = client.get(first.url)
    assert editor.status_code == 200
    assert "{{ confirm_url }}" in editor.text


def test_it_is_for_those_who_may_write_campaigns(client, bob, prospects):
    client.force_login(bob)  # may only view contacts
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"action": "send"}).status_code == 403
    bob.user_permissions.add(Permission.objects.get(codename="add_campaign"))
    assert client.get(URL).status_code == 200


def test_who_may_not_see_contacts_sees_the_message_as_an_example(client, charlie, prospects):
    charlie.is_staff = True
    charlie.save()
    charlie.user_permissions.add(Permission.objects.get(codename="add_campaign"))
    client.force_login(charlie)
    message = client.get(URL).context["message"]
    assert "Marie," in message.html
    assert "Paul" not in message.html
