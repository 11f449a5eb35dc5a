"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the email tests: it records what it
receives and answers from a script of replies, so a test can make it refuse or defer."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPProtocol
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


@dataclass(frozen=True)
class ReceivedEmail:
    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage


class SmtpServer:
    """Records accepted messages. `data_replies` / `rcpt_replies` answer the next DATA or RCPT
    commands in order (e.g. "451 4.3.0 Try later", "550 5.1.1 No such user"), then accept."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.received: list[ReceivedEmail] = []
        self.data_replies: list[str] = []
        self.rcpt_replies: list[str] = []
        self.logins: list[tuple[str, str]] = []
        self._loop = loop
        self._arrived = asyncio.Event()

    # aiosmtpd calls these from its own thread and event loop.

    async def handle_RCPT(
        self,
        server: SMTPProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPProtocol, session: Session, envelope: Envelope) -> str:
        if self.data_replies:
            return self.data_replies.pop(0)
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        record = ReceivedEmail(str(envelope.mail_from), list(envelope.rcpt_tos), parsed)
        self.received.append(record)
        self._loop.call_soon_threadsafe(self._arrived.set)
        return "250 2.0.0 Queued"

    def authenticate(
        self, server: SMTPProtocol, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login = (data.login.decode(), data.password.decode())
        self.logins.append(login)
        # handled=False: aiosmtpd answers the client (535 on failure) itself.
        return AuthResult(success=login == ("mailer", "s3cret"), handled=False)

    # The test's side.

    async def wait_for(self, count: int, *, timeout_s: float = 10.0) -> list[ReceivedEmail]:
        """Wait until `count` messages have arrived; return them all."""
        async with asyncio.timeout(timeout_s):
            while len(self.received) < count:
                # Cleared before waiting: an arrival after the check sets it again.
                self._arrived.clear()
                if len(self.received) >= count:
                    break
                await self._arrived.wait()
        return list(self.received)


def free_port() -> int:
    """A port nothing listens on (aiosmtpd's readiness probe needs the real port up front)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_smtp_server(loop: asyncio.AbstractEventLoop) -> Iterator[SmtpServer]:
    """An SMTP server on 127.0.0.1 accepting AUTH (mailer / s3cret) without TLS."""
    server = SmtpServer(loop)
    server.port = free_port()
    controller = Controller(
        server,
        hostname=server.host,
        port=server.port,
        authenticator=server.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
