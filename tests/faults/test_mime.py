"""The SMTP path's MIME against Django's and the standard library's reading (issue 13, defect 12).

Arbitrary Unicode (quotes, commas, CR/LF, emoji, right-to-left text, control characters,
lines longer than SMTP allows) goes into a campaign's sender name, subject, bodies and
merge fields, and international domains into its addresses. Each message is written by
the SMTP path (`to_bytes`) and by Django's `EmailMultiAlternatives` (the ESP path), both
read back with the `email` package's strict policy: the same decoded headers and bodies,
equal to what was rendered; and the SMTP path's bytes are what SMTP accepts.
"""

import email
import email.policy
import re
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.utils import parseaddr, parsedate_to_datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st

from campaigns.choices import Outcome
from campaigns.models import Campaign
from campaigns.sending.compose import (
    Composer,
    Recipient,
    envelope_address,
    sender,
    to_bytes,
    to_django,
)
from campaigns.sending.transports import BackendTransport, SmtpTransport
from tests.campaigns.smtp import start_smtp

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
STRICT = email.policy.strict  # raises on any defect the parser notices

# What breaks hand-written MIME: specials of an address, line breaks, "=?" (an encoded
# word's start), emoji (4 bytes, joiners), right-to-left text and overrides, NUL and C1.
PIECES = ['"', "'", ",", ";", ":", "<", ">", "(", ")", "\\", "@", "=?", "?=", "=?utf-8?q?x?=",
          "\r", "\n", "\r\n", "\t", " ", "  ", ".", "\x00", "\x85", "\u2028", "\x0b", "\x1f",
          "😀", "👩\u200d👩\u200d👧", "🏳️\u200d🌈", "\u202e", "\u200f", "שלום", "مرحبا",
          "Élodie", "ß", "日本語", "é" * 500, "a" * 1200, "x" * 80, " " * 100]  # fmt: skip
TEXT = st.lists(st.one_of(st.characters(codec="utf-8"), st.sampled_from(PIECES)), max_size=40).map(
    "".join
)
NAME = TEXT.map(lambda s: CONTROL.sub("", s))
# A template's own text: arbitrary, but without template syntax (merge fields carry the rest).
LITERAL = TEXT.map(lambda s: s.replace("{", "(").replace("}", ")"))
LABELS = ["exemple", "café", "straße", "münchen", "日本", "пример", "مثال", "דוגמה", "bücher",
          "xn--caf-dma", "a-b", "x" * 40]  # fmt: skip
DOMAIN = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(st.sampled_from(LABELS), min_size=1, max_size=3),
    st.sampled_from(["fr", "com", "рф", "中国"]),
)
LOCAL = st.from_regex(r"[a-z0-9][a-z0-9.+_'-]{0,30}", fullmatch=True).filter(
    lambda s: ".." not in s and not s.endswith(".")
)
ADDRESS = st.builds(lambda local, domain: f"{local}@{domain}", LOCAL, DOMAIN)


def campaign(from_name, from_email, reply_to, subject, text, html) -> Campaign:
    """Return an unsaved campaign (a whole HTML document: the layout would need the database)."""
    return Campaign(
        from_name=from_name,
        from_email=from_email,
        reply_to=reply_to,
        subject=subject + " {{ first_name }}",
        text_body=text + "\n{{ last_name }}\n{{ unsubscribe_url }}" if text else "",
        html_body=f"<html><body><p>{html}</p><p>{{{{ company }}}}</p></body></html>",
        language="fr",
    )


def read(data: bytes) -> email.message.EmailMessage:
    """Parse as the strict policy does, failing on any defect, headers included."""
    message = email.message_from_bytes(data, policy=STRICT)
    for part in message.walk():
        assert not part.defects, part.defects
        for name, value in part.items():
            assert not value.defects, (name, value.defects)
    return message


def lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_smtp_bytes(data: bytes, eight_bit: bool) -> None:
    """What SMTP (RFC 5321, 5322) accepts: CRLF only, short lines, a 7-bit header."""
    assert b"\r" not in data.replace(b"\r\n", b""), "a bare CR"
    assert b"\n" not in data.replace(b"\r\n", b""), "a bare LF"
    assert data.endswith(b"\r\n")
    assert max(map(len, data.split(b"\r\n"))) <= 998
    head, _, _ = data.partition(b"\r\n\r\n")
    assert head.isascii(), "a header needs SMTPUTF8"
    for line in head.split(b"\r\n"):
        assert line.strip(), "a header line of whitespace only"
        assert line[:1] in (b" ", b"\t") or b":" in line, line
    assert eight_bit or data.isascii(), "8-bit data to a server without 8BITMIME"
    assert b"\x00" not in data


def same_headers(smtp, django, rendered, name: str) -> None:
    """The decoded headers of both are what was rendered.

    Django writes ASCII text that holds "=?" as it is, which mail programs then decode as
    encoded words (a subject "=?utf-8?q?x?=" reads "x"): there, only ours is compared.
    """
    headers = {"Subject": rendered.subject, "To": envelope_address(rendered.to),
               **rendered.headers}  # fmt: skip
    for header, value in headers.items():
        assert smtp.get_all(header) == [value], header
        if "=?" not in value:
            # Django folds a long value before its first word: the parser keeps that space.
            assert [v.strip() for v in django.get_all(header)] == [value], header
    assert smtp["MIME-Version"] == django["MIME-Version"] == "1.0"
    for header, mailbox, display_name in (
        ("From", rendered.from_email, name),
        ("Reply-To", rendered.reply_to, ""),
    ):
        if not mailbox:
            assert smtp[header] is django[header] is None
            continue
        expected = (display_name, mailbox.rpartition("<")[2].rstrip(">"))
        assert mailbox_of(smtp, header) == expected
        if "=?" not in display_name:
            assert mailbox_of(django, header) == expected
    for message in (smtp, django):
        sent_at = parsedate_to_datetime(str(message["Date"]))
        sent_at = sent_at if sent_at.tzinfo else sent_at.replace(tzinfo=UTC)  # "-0000"
        assert abs((datetime.now(UTC) - sent_at).total_seconds()) < 60


def mailbox_of(message, header: str) -> tuple[str, str]:
    """Return the (name, address) of a header, its name decoded as RFC 2047 says.

    Not by the parsed header: the `email` package keeps the space between two encoded
    words of a name, which RFC 2047 (6.2) drops, and so do mail programs.
    """
    (value,) = [v for k, v in message.raw_items() if k == header]
    (address,) = message[header].addresses  # the strict policy's reading: one mailbox
    name, addr_spec = parseaddr(re.sub(r"\r?\n", "", value))  # unfolded
    assert addr_spec == address.addr_spec
    return str(make_header(decode_header(name))), addr_spec


def same_bodies(smtp, django, rendered) -> None:
    """Both are text then HTML in multipart/alternative, and read back as rendered."""
    for message in (smtp, django):
        assert message.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
        for kind, expected in (("plain", rendered.text), ("html", rendered.html)):
            assert lines(message.get_body((kind,)).get_content()) == lines(expected), kind


@settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    from_name=st.one_of(NAME, TEXT).map(lambda s: s[:100]),
    from_email=ADDRESS,
    reply_to=st.one_of(st.just(""), ADDRESS),
    subject=LITERAL,
    text=LITERAL,
    html=LITERAL,
    first_name=TEXT,
    last_name=TEXT,
    company=TEXT,
    to=ADDRESS,
    eight_bit=st.booleans(),
)
@example(from_name='Lefèvre, "la boulangerie" 😀', from_email="bonjour@café.fr", reply_to="",
         subject="=?utf-8?q?x?=", text="", html="", first_name="\u202eאבג", last_name="\r\n.",
         company="", to="lea@straße.de", eight_bit=False)  # fmt: skip
def test_the_smtp_path_writes_what_django_writes_and_smtp_accepts(
    from_name, from_email, reply_to, subject, text, html, first_name, last_name, company, to,
    eight_bit,
):  # fmt: skip
    source = campaign(from_name, from_email, reply_to, subject, text, html)
    if CONTROL.search(" ".join(from_name.split())):  # shown garbled: refused when saved
        with pytest.raises(ValidationError):
            Composer(source)
        event("sender name refused")
        return
    rendered = Composer(source).render(Recipient(7, 3, to, first_name, last_name, company))
    data = to_bytes(rendered, eight_bit)
    event("subject encoded" if b"Subject: =?utf-8?b?" in data else "subject plain")
    event("text " + email.message_from_bytes(data).get_payload(0)["Content-Transfer-Encoding"])
    check_smtp_bytes(data, eight_bit)
    smtp = read(data)
    django = read(to_django(rendered).message().as_bytes())
    same_headers(smtp, django, rendered, " ".join(sender(source)[0].split()))
    same_bodies(smtp, django, rendered)


@pytest.mark.parametrize("address", ["élodie@exemple.fr", "用户@例子.中国", "zoë@café.fr"])
def test_a_local_part_beyond_ascii_is_refused_before_connecting(address, settings):
    """Without SMTPUTF8 (RFC 6531) it cannot be written: refused, never sent mangled.

    (Django's sanitize_address would write it as an encoded word, "=?utf-8?b?w6lsb2RpZQ==?=
    @exemple.fr": an address that does not exist, whose refusal would read as a bounce.)
    """
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    rendered = Composer(campaign("", "a@exemple.fr", "", "", "", "")).render(
        Recipient(7, 3, address)
    )
    with pytest.raises(ValueError, match="SMTPUTF8"):
        envelope_address(address)
    result = SmtpTransport().send(rendered)
    assert result.outcome == Outcome.FAILED
    assert "SMTPUTF8" in result.error


def test_a_long_accented_sender_name_goes_through_the_esp_path(settings):
    """Django refuses a folded header value: a long encoded name stays on one line for it.

    Before, such a name (folded by sanitize_address) made every ESP send raise
    BadHeaderError, recorded as an unknown outcome.
    """
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    name = "Boulangerie-pâtisserie artisanale Lefèvre et fils, Besançon"
    rendered = Composer(campaign(name, "bonjour@café.fr", "", "", "", "")).render(
        Recipient(7, 3, "lea@exemple.fr", "Léa")
    )
    assert BackendTransport().send(rendered).outcome == Outcome.SENT
    (sent,) = mail.outbox
    message = read(sent.message().as_bytes())
    assert mailbox_of(message, "From") == (name, "bonjour@xn--caf-dma.fr")


@pytest.fixture(scope="module")
def server():
    controller, recorder = start_smtp()
    yield recorder, controller.port
    controller.stop()


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(text=LITERAL, html=LITERAL, to=ADDRESS, pipelining=st.booleans())
@example(text=".\n..\n.", html="\r\n.\r\n", to="a@exemple.fr", pipelining=True)
def test_the_server_receives_what_the_smtp_path_wrote(server, text, html, to, pipelining):
    """Through a real server (dots doubled and undoubled, 8BITMIME, pipelined or not)."""
    recorder, port = server
    recorder.pipelining = pipelining
    source = campaign("Boulangerie Lefèvre", "bonjour@café.fr", "", "Les soldes", text, html)
    rendered = Composer(source).render(Recipient(7, 3, to, "Léa"))
    before = len(recorder.messages)
    with override_settings(EMAIL_HOST="127.0.0.1", EMAIL_PORT=port, EMAIL_USE_TLS=False,
                           EMAIL_USE_SSL=False, EMAIL_HOST_USER=""):  # fmt: skip
        transport = SmtpTransport()
        try:
            assert transport.send(rendered).outcome == Outcome.SENT
        finally:
            transport.close()
    (received,) = recorder.messages[before:]
    assert received.recipients == [envelope_address(to)]
    assert received.sender == "bonjour@xn--caf-dma.fr"
    check_smtp_bytes(received.data, eight_bit=True)
    message = read(received.data)
    for kind, expected in (("plain", rendered.text), ("html", rendered.html)):
        assert lines(message.get_body((kind,)).get_content()) == lines(expected), kind
