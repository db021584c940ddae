"""The top of a contact's page: the person, how to reach them, consent in one sentence."""

import datetime as dt

import pytest
from django.urls import reverse

from contacts import consent
from contacts.admin.person import consent_sentence, profile_url
from contacts.choices import ConsentMethod
from contacts.models import ConsentEvent, ContactPoint, Handle
from contacts.models.contacts import ConsentChange
from tests.contacts.factories import elodie, make_contact


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


def _sentence(contact) -> str:
    """Return the consent sentence with plain spaces (French puts a no-break one before ':')."""
    return consent_sentence(contact).replace("\u00a0", " ")


def test_a_subscribed_contact_says_since_when_and_from_which_file(db):
    contact = make_contact(first_name="Zoé", email="zoe@exemple.fr")
    how = ConsentChange(how=ConsentMethod.IMPORT, proof_file_name="clients.csv")
    consent.change(contact, status="subscribed", basis="consent", how=how)
    ConsentEvent.objects.filter(contact=contact).update(
        at=dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC)
    )
    assert _sentence(contact) == (
        "Peut recevoir vos e-mails : abonnée le 3 mars 2026, par import (clients.csv)."
    )


def test_an_unsubscribed_contact_says_it_will_not_be_emailed(db):
    contact = make_contact(first_name="Zoé", email="zoe@exemple.fr", email_status="subscribed",
                           consent_basis="consent")  # fmt: skip
    consent.change(
        contact, status="unsubscribed", how=ConsentChange(how=ConsentMethod.UNSUBSCRIBE)
    )
    assert _sentence(contact).startswith("Ne recevra pas vos e-mails : désabonnée le ")
    assert _sentence(contact).endswith(", par lien de désinscription.")


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"email": ""}, "Ne peut pas recevoir vos e-mails : aucune adresse e-mail."),
        ({}, "Ne recevra pas vos e-mails : aucun consentement enregistré."),
    ],
)
def test_a_contact_without_address_or_consent_says_so(db, fields, sentence):
    contact = make_contact(first_name="Zoé", **{"email": "zoe@exemple.fr", **fields})
    assert _sentence(contact) == sentence


@pytest.mark.parametrize(
    ("network", "value", "url"),
    [
        ("instagram", "@elo.photo", "https://www.instagram.com/elo.photo/"),
        ("linkedin", "https://www.linkedin.com/in/elodie", "https://www.linkedin.com/in/elodie"),
        ("facebook", "elodie.lefevre", "https://www.facebook.com/elodie.lefevre"),
        ("x", "@elodie", "https://x.com/elodie"),
        ("telegram", "elodie", "https://t.me/elodie"),
        ("mastodon", "@elodie@piaille.fr", "https://piaille.fr/@elodie"),
        ("whatsapp", "+33 6 12 34 56 78", "https://wa.me/33612345678"),
        ("website", "boulangerie.fr", "https://boulangerie.fr"),
        ("signal", "elodie.01", ""),
    ],
)
def test_a_handle_links_to_the_public_profile(network, value, url):
    assert profile_url(Handle(network=network, value=value)) == url


def test_the_page_leads_with_the_person_above_the_form(as_alice):
    contact = elodie()
    ContactPoint.objects.create(contact=contact, kind="phone", value="+33142685300",
                                label="Boutique")  # fmt: skip
    ContactPoint.objects.create(contact=contact, kind="email", value="elo@perso.fr")
    page = as_alice.get(reverse("admin:contacts_contact_change", args=[contact.pk]))
    html = page.content.decode()
    person = html[html.index('class="person"') : html.index("</section>")]
    assert html.index('id="contact_form"') < html.index('class="person"') < html.index("<fieldset")
    for shown in (
        "Élodie Lefèvre",
        "Gérante · Boulangerie Lefèvre",
        'href="mailto:elodie.lefevre@exemple.fr"',
        'href="tel:+33612345678">06 12 34 56 78<',
        "Boutique",
        'href="tel:+33142685300">01 42 68 53 00<',
        "elo@perso.fr",
        'href="https://www.instagram.com/elo/"',
        "VIP",
        "Peut recevoir vos e-mails\u00a0: abonnée le ",
    ):
        assert shown in person, shown
    tag = contact.tags.get(name="VIP")
    assert f"?tags__id__exact={tag.pk}" in person
