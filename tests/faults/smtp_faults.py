"""An SMTP server on loopback that fails as real ones do: slowly, by hanging up, by refusing.

It extends the campaigns' recorder (tests/campaigns/smtp.py): each recipient can be given a
fault and how many times it happens, after which it is served normally.

- "421" (then the connection is closed), "451" (temporary), "550" (no such user) or
  "554" (relay denied) answers its RCPT;
- "data421", "data451", "data550": the whole message is read, then refused;
- "drop-rcpt": the connection is closed instead of answering RCPT (no data sent yet);
- "drop-354": the connection is closed instead of answering DATA (no data sent yet);
- "drop-data": the connection is closed in the middle of the message's data, no answer;
- "slow": the message is accepted after `slow_seconds` (less than the client waits);
- "late": the message is taken (recorded: it will be delivered) but answered after
  `late_seconds`, once the client has given up waiting.
"""

import asyncio

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from tests.campaigns.smtp import Recorder, free_port

AT_RCPT = {"421": "421 4.7.0 Try again later, closing",
           "451": "451 4.3.0 Temporary local problem",
           "550": "550 5.1.1 No such user here",
           "554": "554 5.7.1 Relay access denied"}  # fmt: skip
AT_DATA = {"data421": "421 4.3.2 System shutting down, closing",
           "data451": "451 4.3.0 Queue file write error, try again",
           "data550": "550 5.7.1 Message content rejected"}  # fmt: skip


CLIENT_TIMEOUT = 3  # EMAIL_TIMEOUT, in seconds, for whoever sends to this server


class FaultyRecorder(Recorder):
    slow_seconds: float = 1.0  # seconds of margin either way on a busy machine
    late_seconds: float = CLIENT_TIMEOUT + 2

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        fault = self._fault(address)
        if fault in AT_RCPT:
            return _answer(server, AT_RCPT[fault])
        if fault == "drop-rcpt":
            server.transport.close()
            return "421 4.4.2 gone"  # never read: the connection is closed
        envelope.fault = fault
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        fault = getattr(envelope, "fault", None)
        if fault in AT_DATA:
            return _answer(server, AT_DATA[fault])
        if fault == "slow":
            await asyncio.sleep(self.slow_seconds)
        answer = await super().handle_DATA(server, session, envelope)  # recorded: it arrived
        if fault == "late":
            await asyncio.sleep(self.late_seconds)
        return answer


def _answer(server, answer: str) -> str:
    """Return the answer; after a 421 the server closes the connection, as Postfix does."""
    if answer.startswith("421"):
        asyncio.get_running_loop().call_later(0.05, server.transport.close)
    return answer


class _HangingUpSMTP(SMTP):
    async def smtp_DATA(self, arg: str) -> None:
        fault = getattr(self.envelope, "fault", None)
        if fault == "drop-354":
            self.transport.close()
            return None
        if fault != "drop-data":
            return await super().smtp_DATA(arg)
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        await self._reader.readuntil(b"\r\n")  # the message's first line, then gone
        self.transport.close()
        return None


class _Controller(Controller):
    def factory(self):
        return _HangingUpSMTP(self.handler, **self.SMTP_kwargs)


@pytest.fixture
def smtp(settings):
    """The faulty server on 127.0.0.1, under the name the campaigns' `processes` expects."""
    recorder = FaultyRecorder()
    controller = _Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    recorder.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", recorder.port
    settings.EMAIL_TIMEOUT = CLIENT_TIMEOUT
    yield recorder
    controller.stop()
