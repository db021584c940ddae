"""The brand's email layout: inlined styles, preheader, footer and text part, as received."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns import services
from campaigns.models import Business
from campaigns.sending.batch import send_batch
from campaigns.sending.compose import Composer, Recipient
from tests.campaigns.conftest import make_campaign

BODY = (
    "<h1>Les soldes, {{ first_name }} !</h1><p>Du <strong>samedi</strong> au lundi.</p>"
    '<p><a class="button" href="https://boulangerie-lefevre.fr/soldes">Voir les soldes</a></p>'
)


@pytest.fixture
def business(db):
    business = Business(
        name="Boulangerie Lefèvre", legal_name="Lefèvre et fils SARL", siret="12345678901234",
        postal_address="3 rue des Lilas\n25000 Besançon", brand_colour="#8a3b12",
        website="https://boulangerie-lefevre.fr",
    )  # fmt: skip
    business.full_clean()
    business.save()
    return business


def test_it_sends_the_body_in_the_brand_layout_with_inlined_styles(smtp, audience, business):
    campaign = make_campaign(html_body=BODY, preheader="Jusqu’à -50 %, {{ first_name }}")
    services.schedule(campaign)
    services.start(campaign)
    send_batch(campaign.pk)
    message = smtp.to("marc@exemple.fr")[0].message
    html = message.get_body(("html",)).get_content()
    assert "<link" not in html and "<style" not in html
    assert '<h1 style="' in html and "Les soldes, Marc !" in html
    assert 'class="button"' in html and "background: #8a3b12" in html
    assert "max-width: 600px" in html
    assert "display:none" in html and "Jusqu’à -50 %, Marc" in html  # the preheader
    url = message["List-Unsubscribe"].strip("<>")
    for shown in ("Lefèvre et fils SARL — SIRET 12345678901234", "25000 Besançon", url):
        assert shown in html
    text = message.get_body(("plain",)).get_content()
    assert "Les soldes, Marc !" in text
    assert "Voir les soldes (https://boulangerie-lefevre.fr/soldes)" in text
    assert "3 rue des Lilas" in text and f"Se désinscrire ({url})" in text
    assert "{{" not in html + text


def test_a_whole_document_is_sent_as_written(db, business):
    campaign = make_campaign()  # <html><body>…: the owner's own layout
    html = Composer(campaign).render(Recipient(1, 1, "a@exemple.fr", "Léa")).html
    assert "Besançon" not in html and "<p>Bonjour Léa de ,</p>" in html


def test_the_brand_cannot_carry_merge_fields(db):
    business = Business(name="{{ email }}", postal_address="Paris")
    with pytest.raises(ValidationError, match=r"ne peuvent pas|cannot"):
        business.full_clean()


@pytest.mark.browser
def test_the_layout_is_readable_on_a_phone(page, business, db):
    campaign = make_campaign(html_body=BODY + "<p>" + "Pain au levain, croissants. " * 40 + "</p>")
    html = Composer(campaign).render(Recipient(1, 1, "marc@exemple.fr", "Marc")).html
    page.set_viewport_size({"width": 390, "height": 844})
    page.set_content(html)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate("document.querySelector('h1').getBoundingClientRect().width") <= 390
    size = page.evaluate("getComputedStyle(document.querySelector('.body p, td p')).fontSize")
    assert float(size.rstrip("px")) >= 14


def test_the_business_list_is_its_one_page(client, alice):
    client.force_login(alice)
    response = client.get(reverse("admin:campaigns_business_changelist"))
    assert response.url == reverse("admin:campaigns_business_change", args=[1])
    page = client.get(response.url).content.decode()
    assert "Votre entreprise" in page or "votre entreprise" in page
    assert 'name="_save"' in page and "Ajouter" not in page
