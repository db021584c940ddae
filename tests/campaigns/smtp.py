"""A real SMTP server on loopback (aiosmtpd) that records what it receives.

It can be told to answer a given recipient with a refusal (`421`, `451`, `550`) or to
hang (`timeout`) the first N times, so that tests see what a real server would do.
"""

import asyncio
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes
    at: float = field(default_factory=time.time)

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class Recorder:
    messages: list[Received] = field(default_factory=list)
    # recipient → [answer, times]: "421", "451", "550", "554" at RCPT, "timeout" after DATA
    faults: dict[str, list] = field(default_factory=dict)
    hang_seconds: float = 3.0
    delay_seconds: float = 0.0  # how long each message takes to be accepted
    refuse_sender: str = ""  # an answer to MAIL FROM, such as "553 5.7.1 not yours"
    pipelining: bool = True  # announce RFC 2920 PIPELINING, as Postfix does
    on_message: object = None  # called (in the server's thread) with each message received
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _fault(self, address: str) -> str | None:
        with self.lock:
            fault = self.faults.get(address.lower())
            if fault and fault[1] > 0:
                fault[1] -= 1
                return fault[0]
        return None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_sender:
            return self.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = {"421": "421 4.7.0 Try again later, closing",
                  "451": "451 4.3.0 Temporary local problem",
                  "550": "550 5.1.1 No such user here",
                  "554": "554 5.7.1 Relay access denied"}  # fmt: skip
        fault = self._fault(address)
        if fault in answer:
            return answer[fault]
        if fault == "timeout":
            envelope.hang = True
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay_seconds)
        if getattr(envelope, "hang", False):
            await asyncio.sleep(self.hang_seconds)  # the client gives up first
            return "451 too late"
        received = Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        with self.lock:
            self.messages.append(received)
        if self.on_message:
            await asyncio.to_thread(_in_own_connection, self.on_message, received)
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.recipients]


def _in_own_connection(callback, received) -> None:
    from django.db import connection

    try:
        callback(received)
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_smtp() -> tuple[Controller, Recorder]:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, recorder
