"""What a saved campaign must compose into, and the MIME that the SMTP path writes."""

import email
import email.policy
from itertools import takewhile

import pytest
from django.core.exceptions import ValidationError

from campaigns.sending.compose import Composer, Recipient, to_bytes
from tests.campaigns.conftest import make_campaign

ELODIE = Recipient(7, 3, "elodie@exemple.fr", "Élodie", "Lefèvre", "Boulangerie")


def parsed(campaign, recipient=ELODIE, eight_bit=True) -> email.message.EmailMessage:
    data = to_bytes(Composer(campaign).render(recipient), eight_bit)
    return email.message_from_bytes(data, policy=email.policy.default)


def test_a_sender_name_cannot_smuggle_headers(db):
    with pytest.raises(ValidationError) as refused:
        make_campaign(from_name="Boutique\r\nBcc: espion@exemple.com")
    assert "from_name" in refused.value.message_dict


def test_text_derived_from_html_must_be_a_valid_template_too(db):
    with pytest.raises(ValidationError) as refused:
        make_campaign(html_body="<p>&#123;% debug %&#125;</p>", text_body="")
    assert "{% debug %}" in refused.value.message_dict["html_body"][0]


def test_a_merge_field_left_open_is_refused_in_its_own_field(db):
    with pytest.raises(ValidationError) as refused:
        make_campaign(preheader="{{ first_name", html_body="<body>}} Bonjour</body>")
    assert set(refused.value.message_dict) == {"preheader"}
    assert "{{ first_name" in refused.value.message_dict["preheader"][0]


def test_the_message_reads_back_with_accents_in_8bit_and_in_quoted_printable(db):
    campaign = make_campaign(preheader="Vite, {{ first_name }} !")
    for eight_bit in (True, False):
        message = parsed(campaign, eight_bit=eight_bit)
        assert message["Subject"] == "Élodie, nos soldes commencent"
        assert message["From"] == "Boulangerie Lefèvre <bonjour@boulangerie-lefevre.fr>"
        html = message.get_body(("html",)).get_content()
        assert "Bonjour Élodie de Boulangerie," in html
        assert "Vite, Élodie !" in html
        assert "Bonjour Élodie de Boulangerie," in message.get_body(("plain",)).get_content()


def test_a_long_accented_subject_is_folded_into_encoded_words(db):
    campaign = make_campaign(subject="Écoutez " * 20 + "{{ first_name }}")
    head = to_bytes(Composer(campaign).render(ELODIE), True).split(b"\r\n\r\n")[0]
    lines = head.split(b"\r\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(b"Subject:"))
    folded = takewhile(lambda line: line.startswith(b" "), lines[start + 1 :])
    subject = [lines[start], *folded]
    assert len(subject) > 3
    assert all(len(line) <= 78 for line in subject)
    assert parsed(campaign)["Subject"] == ("Écoutez " * 20 + "Élodie").strip()


def test_an_international_domain_is_written_in_punycode(db):
    message = parsed(make_campaign(), Recipient(1, 1, "lea@café.fr", "Léa"))
    assert message["To"] == "lea@xn--caf-dma.fr"


def test_a_line_starting_with_a_dot_survives(db, smtp):
    from campaigns import services
    from campaigns.sending.batch import send_batch
    from tests.contacts.factories import make_contact

    make_contact(email="a@exemple.fr", email_status="subscribed", consent_basis="customer")
    campaign = make_campaign(html_body="<p>x</p>\n.\n..point", text_body=".\n..point")
    services.schedule(campaign)
    services.start(campaign)
    send_batch(campaign.pk)
    text = smtp.messages[0].message.get_body(("plain",)).get_content()
    assert text.replace("\r\n", "\n").startswith(".\n..point\n")


def test_a_long_sender_name_folds_with_crlf_only(db):
    campaign = make_campaign(
        from_name="Boulangerie-pâtisserie artisanale Lefèvre et fils, Besançon"
    )
    data = to_bytes(Composer(campaign).render(ELODIE), True)
    assert b"\n" not in data.replace(b"\r\n", b"")
    sender = parsed(campaign)["From"].addresses[0]
    assert sender.display_name.startswith("Boulangerie-pâtisserie")
