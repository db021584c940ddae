"""Hand messages over to SMTP or to a Django email backend (anymail), sorting each outcome.

Each transport keeps one connection (or ESP session) for a whole batch and answers, for
every message, one of the `Outcome`s: sent, retry, failed, bounced, or uncertain when the
connection broke while the message was being handed over, so it may have left.
"""

import functools
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.utils import parseaddr

import requests
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.utils.module_loading import import_string
from urllib3.exceptions import NewConnectionError

from campaigns.choices import Outcome
from campaigns.sending.compose import Rendered, envelope_address, to_bytes, to_django


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    error: str = ""
    esp_message_id: str = ""


class _HandOverMixin:
    """Send one message per call, pipelined when the server allows, noting the hand-over.

    From the moment the message's content starts to leave (after the server's 354), a
    broken connection leaves its outcome unknown (`handing_over`); before it, nothing left.
    """

    handing_over = False

    def send_one(self, sender: str, recipient: str, data: bytes, options: list[str]) -> None:
        """Like sendmail() for one recipient; raise the same exceptions."""
        extra = "".join(f" {option}" for option in options)
        (mail, mail_text), (rcpt, rcpt_text), (ready, ready_text) = self._ask(
            f"MAIL FROM:{smtplib.quoteaddr(sender)}{extra}\r\n",
            f"RCPT TO:{smtplib.quoteaddr(recipient)}\r\n",
            "DATA\r\n",
        )
        refused = mail != 250 or rcpt not in (250, 251)
        if refused and ready == 354:
            # The server opened DATA despite a refusal: end it empty (RFC 2920, 3.1).
            self.send(b".\r\n")
            self.getreply()
        if mail != 250:
            self._abandon(mail)
            raise smtplib.SMTPSenderRefused(mail, mail_text, sender)
        if rcpt not in (250, 251):
            self._abandon(rcpt)
            raise smtplib.SMTPRecipientsRefused({recipient: (rcpt, rcpt_text)})
        if ready != 354:
            self._abandon(ready)
            raise smtplib.SMTPDataError(ready, ready_text)
        self.handing_over = True
        self.send(_DOT_AT_LINE_START.sub(b"..", data).rstrip(b"\r\n") + b"\r\n.\r\n")
        code, text = self.getreply()
        if code == 421:
            self.close()  # the server is closing: the next message reconnects
        if code != 250:
            raise smtplib.SMTPDataError(code, text)

    def _ask(self, *commands: str) -> list[tuple[int, bytes]]:
        """Return the answers to the commands; (0, b"") for those not asked.

        RFC 2920: with PIPELINING, all in one write, then their answers (two round trips a
        message instead of four); without, one at a time, up to the first refusal.
        """
        if self.has_extn("pipelining"):
            self.send("".join(commands))
            return [self.getreply() for _ in commands]
        answers = []
        for command in commands:
            self.send(command)
            answers.append(self.getreply())
            if answers[-1][0] not in (250, 251, 354):
                break
        return answers + [(0, b"")] * (len(commands) - len(answers))

    def _abandon(self, code: int) -> None:
        """Leave a refused transaction: the server closes after a 421, else RSET."""
        if code == 421:
            self.close()
        else:
            self.rset()


_DOT_AT_LINE_START = re.compile(rb"(?m)^\.")


class _SMTP(_HandOverMixin, smtplib.SMTP):
    pass


class _SMTP_SSL(_HandOverMixin, smtplib.SMTP_SSL):
    pass


def _by_code(code: int, error: str, permanent: Outcome = Outcome.FAILED) -> Result:
    return Result(Outcome.RETRY if 400 <= code < 500 else permanent, f"{code} {error}"[:500])


_ENHANCED_CODE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


def _refused_recipient(code: int, error: str) -> Result:
    """Sort a refused RCPT: retry a 4xx; a 5xx bounces only when it is about the address.

    "550 5.1.1 no such user" is a hard bounce; "554 5.7.1 relay denied" or a blocklist is
    about us, not the address, and must not silence it.
    """
    if 400 <= code < 500:
        return Result(Outcome.RETRY, f"{code} {error}"[:500])
    enhanced = _ENHANCED_CODE.search(error)
    if enhanced:
        about_address = enhanced.group(2) == "1" or enhanced.group(2, 3) == ("2", "1")
    else:
        about_address = code in (550, 551, 553)
    return Result(Outcome.BOUNCED if about_address else Outcome.FAILED, f"{code} {error}"[:500])


class SmtpTransport:
    """Django's SMTP settings (EMAIL_HOST…), one connection reused for a batch."""

    def __init__(self):
        self.connection: _SMTP | None = None

    def open(self) -> None:
        cls = _SMTP_SSL if settings.EMAIL_USE_SSL else _SMTP
        kwargs = {"context": ssl.create_default_context()} if settings.EMAIL_USE_SSL else {}
        connection = cls(
            settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=settings.EMAIL_TIMEOUT, **kwargs
        )
        try:
            connection.ehlo()
            if settings.EMAIL_USE_TLS:
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if settings.EMAIL_HOST_USER:
                connection.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        except BaseException:
            connection.close()
            raise
        self.connection = connection

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None

    def send(self, message: Rendered) -> Result:
        try:
            # Before connecting: an address beyond what SMTP without SMTPUTF8 carries (a
            # local part beyond ASCII) is refused here, the contact left as it is.
            recipient = envelope_address(message.to)
        except ValueError as e:  # UnicodeError too: a domain IDNA cannot write
            return Result(Outcome.FAILED, f"cannot be written: {e}"[:500])
        try:
            if self.connection is None:
                self.open()
        except smtplib.SMTPResponseException as e:
            # A 5xx greeting, a refused login: the server will not take our mail at all.
            outcome = Outcome.UNAVAILABLE if e.smtp_code < 500 else Outcome.REFUSED
            return Result(outcome, f"{e.smtp_code} {_text(e.smtp_error)}"[:500])
        except (smtplib.SMTPException, OSError) as e:
            return Result(Outcome.UNAVAILABLE, f"connection: {e}"[:500])
        try:
            data = to_bytes(message, self.connection.has_extn("8bitmime"))
        except ValueError as e:  # never written: nothing left
            return Result(Outcome.FAILED, f"cannot be written: {e}"[:500])
        return self._send(self.connection, message, recipient, data)

    def _send(self, connection: _SMTP, message: Rendered, recipient: str, data: bytes) -> Result:
        connection.handing_over = False
        try:
            connection.send_one(
                parse_address(message.from_email),
                recipient,
                data,
                ["BODY=8BITMIME"] if connection.has_extn("8bitmime") else [],
            )
        except smtplib.SMTPRecipientsRefused as e:
            code, error = next(iter(e.recipients.values()))
            return self._after_refusal(_refused_recipient(code, _text(error)))
        except smtplib.SMTPSenderRefused as e:
            return self._after_refusal(
                _by_code(e.smtp_code, _text(e.smtp_error), permanent=Outcome.REFUSED)
            )
        except smtplib.SMTPDataError as e:
            return self._after_refusal(_by_code(e.smtp_code, _text(e.smtp_error)))
        except smtplib.SMTPResponseException as e:
            self._drop()
            return _by_code(e.smtp_code, _text(e.smtp_error))
        except (smtplib.SMTPException, OSError) as e:
            handed_over = connection.handing_over
            self._drop()
            if handed_over:
                return Result(Outcome.UNCERTAIN, f"connection lost while sending: {e}"[:500])
            return Result(Outcome.RETRY, f"connection: {e}"[:500])
        return Result(Outcome.SENT)

    def _after_refusal(self, result: Result) -> Result:
        # After a 421 the connection was closed (by smtplib or send_one): reconnect next.
        if self.connection is not None and self.connection.sock is None:
            self.connection = None
        return result

    def _drop(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None


class BackendTransport:
    """Any Django email backend: anymail's for an ESP (its session reused for a batch)."""

    def __init__(self):
        self.connection = get_connection(fail_silently=False)

    def open(self) -> None:
        self.connection.open()

    def close(self) -> None:
        self.connection.close()

    def send(self, message: Rendered) -> Result:
        email = to_django(message, self.connection)
        try:
            email.send()
        except AnymailRecipientsRefused as e:
            return Result(Outcome.BOUNCED, str(e)[:500])
        except AnymailAPIError as e:
            return _api_error(e)
        except Exception as e:  # an unknown backend's failure: the message may have left
            return Result(Outcome.UNCERTAIN, f"{type(e).__name__}: {e}"[:500])
        status = getattr(email, "anymail_status", None)
        esp_id = getattr(status, "message_id", None)
        return Result(Outcome.SENT, esp_message_id="" if esp_id is None else str(esp_id))


def _api_error(error: AnymailAPIError) -> Result:
    """Sort an ESP's error; anything that may have reached the ESP is never retried."""
    code = error.status_code
    text = str(error).splitlines()[0][:500] if str(error) else type(error).__name__
    if code is None:
        return Result(Outcome.UNAVAILABLE if _never_connected(error) else Outcome.UNCERTAIN, text)
    if code in (429, 503):  # "slow down", "come back later": the ESP says it took nothing
        return Result(Outcome.RETRY, text)
    if code in (401, 403):
        return Result(Outcome.REFUSED, text)
    return Result(Outcome.FAILED if code < 500 else Outcome.UNCERTAIN, text)


def _never_connected(error: AnymailAPIError) -> bool:
    """Whether the request failed before a connection to the ESP was made."""
    cause = error.__cause__
    if isinstance(cause, requests.ConnectTimeout):
        return True
    reason = getattr(cause.args[0], "reason", None) if cause and cause.args else None
    return isinstance(cause, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def open_transport() -> SmtpTransport | BackendTransport:
    """Return the transport the settings choose: SMTP unless EMAIL_BACKEND says otherwise."""
    backend = import_string(settings.EMAIL_BACKEND)
    if issubclass(backend, SmtpBackend):
        return SmtpTransport()  # connects on the first message
    transport = BackendTransport()
    transport.open()  # one ESP session for the whole batch
    return transport


@functools.lru_cache(maxsize=64)
def parse_address(formatted: str) -> str:
    return parseaddr(formatted)[1]


def _text(error) -> str:
    return error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
