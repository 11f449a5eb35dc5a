"""The `email.send` job: a thin wrapper around the SMTP sender, retried by the runner."""

from __future__ import annotations

from frontdesk.config import Settings
from frontdesk.core.runner import ClaimedJob, JobKind, Outcome
from frontdesk.email import smtp
from frontdesk.email.service import JOB_KIND


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

    return JobKind(JOB_KIND, run)
