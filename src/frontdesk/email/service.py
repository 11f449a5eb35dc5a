"""Queue an email: one job row in the caller's transaction, sent after commit by the runner.

The row carries everything the message needs, so a rolled-back transaction sends nothing and
a retry sends the same message (same Message-ID, derived from the job's event id).
"""

from __future__ import annotations

from typing import Any

from frontdesk.core import jobs
from frontdesk.core.db import UnitOfWork

JOB_KIND = "email.send"
# Every email goes to the one configured server: the runner's per-target limit caps the
# connections open to it, and its circuit breaker pauses sending while the server is down.
JOB_TARGET = "smtp"


async def enqueue_email(
    uow: UnitOfWork,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    reply_to: str | None = None,
    message_id: int | None = None,
) -> str:
    """Queue an email to `to` (text, and optionally an HTML alternative); returns the job's
    event id. With `message_id` (an email reply stored in a thread), the message's delivery
    status follows the job: SENT once the server accepts it, FAILED when the job dies."""
    for address in (to, reply_to or ""):
        if "\r" in address or "\n" in address:
            raise ValueError(f"line break in an email address: {address!r}")
    # A subject built from customer text may hold line breaks; a header may not.
    payload: dict[str, Any] = {"to": to, "subject": " ".join(subject.split()), "text": text}
    if html is not None:
        payload["html"] = html
    if reply_to is not None:
        payload["replyTo"] = reply_to
    return await jobs.enqueue(
        uow, kind=JOB_KIND, payload=payload, target=JOB_TARGET, message_id=message_id
    )
