"""The job that delivers subscription events (reference 8): one signed POST of a JSON array
to the app's current target URL, retried by the runner like every webhook (DESIGN 5).

Not done yet: the app's `throttling.maxConcurrentRequests` is stored but deliveries follow
the runner's per-target limit (`FRONTDESK_ENDPOINT_CONCURRENCY`) instead.
"""

from __future__ import annotations

from typing import Any

from frontdesk.apps import service as app_service
from frontdesk.apps.service import SigningSecrets
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.models import now_ms
from frontdesk.core.runner import ClaimedJob, JobKind, Outcome
from frontdesk.delivery.send import WebhookClient
from frontdesk.webhooks import service as webhook_service
from frontdesk.webhooks.handlers import JOB_KIND, MAX_EVENTS_PER_DELIVERY


def job_kind(db: Database, client: WebhookClient) -> JobKind:
    """The `webhooks.subscription` kind, sending through `client`."""

    async def run(job: ClaimedJob) -> Outcome:
        async with db.read() as uow:
            prepared = await _prepare(uow, app_id=int(job.payload["appId"]))
        if prepared is None:
            return Outcome.dead("no target URL: the app's webhook settings were deleted")
        url, secrets = prepared
        return await client.post(
            url=url, payload=events_for_attempt(job), secrets=secrets, event_id=job.event_id
        )

    return JobKind(JOB_KIND, run)


async def _prepare(uow: UnitOfWork, *, app_id: int) -> tuple[str, SigningSecrets] | None:
    """The app's target URL and signing secrets as they are now (both may have changed since
    the events were queued), or None when it has no target URL any more."""
    url = await webhook_service.target_url(uow, app_id=app_id)
    if url is None:
        return None
    return url, await app_service.signing_secrets(uow, app_id=app_id, now=now_ms())


def events_for_attempt(job: ClaimedJob) -> list[dict[str, Any]]:
    """The queued events with their `eventId` (from the job id and position: unique, and the
    same on every attempt) and this attempt's `attemptNumber` (0 for the first)."""
    return [
        {
            "eventId": job.id * MAX_EVENTS_PER_DELIVERY + index,
            **event,
            "attemptNumber": job.attempts - 1,
        }
        for index, event in enumerate(job.payload["events"])
    ]
