"""The SMTP sender: builds one MIME message from a queued email and says what the server's
answer means for the job (done, retry, dead), as `delivery/send.py` does for webhooks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import aiosmtplib

from frontdesk.config import Settings
from frontdesk.core.runner import Outcome

NOT_CONFIGURED = "SMTP not configured: set FRONTDESK_SMTP_HOST to send email"
_DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send; built once per worker from the settings."""

    host: str
    port: int
    tls: str  # none | starttls | tls
    username: str
    password: str
    sender: str
    timeout_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port or _DEFAULT_PORTS[settings.smtp_tls],
            tls=settings.smtp_tls,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value(),
            sender=settings.smtp_from,
            timeout_s=settings.smtp_timeout_s,
        )


def build_message(
    payload: dict[str, Any], *, sender: str, event_id: str, created_ms: int
) -> EmailMessage:
    """The MIME message of a queued email. Message-ID and Date come from the job, so every
    attempt sends the same message and a receiver can drop a duplicate."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = payload["to"]
    if payload.get("replyTo"):
        message["Reply-To"] = payload["replyTo"]
    message["Subject"] = payload["subject"]
    message["Date"] = format_datetime(dt.datetime.fromtimestamp(created_ms / 1000, tz=dt.UTC))
    domain = sender.rpartition("@")[2] or "frontdesk.invalid"
    message["Message-ID"] = f"<{event_id}@{domain}>"
    message.set_content(payload["text"])
    if payload.get("html"):
        message.add_alternative(payload["html"], subtype="html")
    return message


async def send(config: SmtpConfig, message: EmailMessage) -> Outcome:
    """Hand `message` to the server; classify the answer for the runner."""
    if not config.host:
        return Outcome.dead(NOT_CONFIGURED)
    try:
        _refused, response = await aiosmtplib.send(
            message,
            hostname=config.host,
            port=config.port,
            username=config.username or None,
            password=config.password or None,
            use_tls=config.tls == "tls",
            start_tls=config.tls == "starttls",
            timeout=config.timeout_s,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        return _refused_outcome(exc)
    except aiosmtplib.SMTPAuthenticationError as exc:
        # Our credentials, not the message, are wrong: fixing the settings lets it through.
        return Outcome.retry(_reason("The server refused the login", exc.code, exc.message))
    except aiosmtplib.SMTPResponseException as exc:
        return _response_outcome(exc.code, exc.message)
    except TimeoutError:  # aiosmtplib's timeouts subclass it
        return Outcome.retry(f"No answer from {config.host}:{config.port} within "
                             f"{config.timeout_s:g} s")  # fmt: skip
    except (aiosmtplib.SMTPException, OSError) as exc:  # ssl.SSLError is an OSError
        # Connection refused or lost, TLS failures, STARTTLS missing: worth another try.
        return Outcome.retry(f"Connection failed: {type(exc).__name__}: {exc}"[:500])
    return Outcome.done(response_body=response[:1024])


def _refused_outcome(exc: aiosmtplib.SMTPRecipientsRefused) -> Outcome:
    # One recipient per email, so one refusal; its code decides like any other answer.
    first = exc.recipients[0]
    return _response_outcome(first.code, first.message, what="The server refused the recipient")


def _response_outcome(code: int, text: str, *, what: str = "The server answered") -> Outcome:
    """4xx is the server asking us to come back later; 5xx is a permanent rejection."""
    reason = _reason(what, code, text)
    common: dict[str, Any] = {"response_status": code, "response_body": text[:1024]}
    if 500 <= code < 600:
        return Outcome.dead(reason, **common)
    return Outcome.retry(reason, **common)


def _reason(what: str, code: int, text: str) -> str:
    return f"{what} {code} {text}".strip()[:500]
