"""The `email.send` job: a thin wrapper around the SMTP sender, retried by the runner."""

from __future__ import annotations

from typing import Any

from frontdesk.config import Settings
from frontdesk.core.db import UnitOfWork
from frontdesk.core.runner import ClaimedJob, JobKind, Outcome
from frontdesk.email import smtp
from frontdesk.email.service import JOB_KIND
from frontdesk.messages import service as message_service


def job_kind(settings: Settings) -> JobKind:
    """The `email.send` kind. Without a configured server each email ends dead with the
    reason at its first attempt: a workspace without email keeps no pile of retries."""
    config = smtp.SmtpConfig.from_settings(settings)

    async def run(job: ClaimedJob) -> Outcome:
        try:
            message = smtp.build_message(
                job.payload, sender=config.sender, event_id=job.event_id, created_ms=job.created_at
            )
        except ValueError as exc:  # a header the email package refuses: no retry can fix it
            return Outcome.dead(f"Malformed email: {exc}"[:500])
        return await smtp.send(config, message)

    return JobKind(JOB_KIND, run, on_dead=mark_message_failed, on_done=mark_message_sent)


async def mark_message_sent(uow: UnitOfWork, job: ClaimedJob) -> None:
    """The server accepted an email that is a thread's message: it is SENT, also after it
    had FAILED (an admin replayed its dead job: DESIGN 3 allows FAILED -> SENT)."""
    row = await _message(uow, job, states=("PENDING", "FAILED", None))
    if row is not None:
        await message_service.write_delivery_status(
            uow, row=row, status="SENT", failure_message=None
        )


async def mark_message_failed(uow: UnitOfWork, job: ClaimedJob, reason: str) -> None:
    """An email that is a thread's message and whose job died: FAILED with the reason."""
    row = await _message(uow, job, states=("PENDING", None))
    if row is not None:
        await message_service.write_delivery_status(
            uow, row=row, status="FAILED", failure_message=f"Email not sent: {reason}"
        )


async def _message(uow: UnitOfWork, job: ClaimedJob, *, states: tuple[str | None, ...]) -> Any:
    """The job's message when its status is one of `states`; None for a notification email
    (no message) or a message already past them."""
    if job.message_id is None:
        return None
    row = await message_service.get_delivery_row(uow, message_id=job.message_id)
    if row is None or row.status not in states:
        return None
    return row
