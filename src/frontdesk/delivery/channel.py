"""Webhooks to a custom channel's `webhookUrl` (reference 6): agent replies and account events.

Jobs are written in the transaction of the change (`enqueue`); the runner calls `run` outside
any transaction. A reply whose job dies is marked FAILED with the reason agents see.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select

from frontdesk.apps import service as app_service
from frontdesk.channels import service as channel_service
from frontdesk.channels.events import ChannelAccountCreated, ChannelAccountUpdated
from frontdesk.channels.models import Channel, ChannelAccount
from frontdesk.channels.schemas import channel_account_json
from frontdesk.config import Settings
from frontdesk.conversations.models import ThreadIntegrationId
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.events import Event, EventBus
from frontdesk.core.jobs import enqueue
from frontdesk.core.models import ms_to_iso, now_ms
from frontdesk.core.runner import ClaimedJob, JobKind, Outcome
from frontdesk.delivery.send import WebhookClient
from frontdesk.files.signing import file_url_factory
from frontdesk.messages import service as message_service
from frontdesk.messages.models import Message
from frontdesk.messages.schemas import message_json
from frontdesk.messages.sending import OUTGOING_JOB_KIND

ACCOUNT_EVENT = "channel.account_event"


# Built once: the delivery path runs them for every job.
_CHANNEL = select(Channel.id, Channel.app_id, Channel.webhook_url).where(
    Channel.id == bindparam("channel_id")
)
_MESSAGES = select(Message).where(Message.id.in_(bindparam("message_ids", expanding=True)))
_INTEGRATION_THREAD_IDS = (
    select(ThreadIntegrationId.thread_id, ThreadIntegrationId.integration_thread_id)
    .where(ThreadIntegrationId.thread_id.in_(bindparam("thread_ids", expanding=True)))
    .order_by(ThreadIntegrationId.thread_id, ThreadIntegrationId.integration_thread_id)
)
_ACCOUNT = select(ChannelAccount).where(ChannelAccount.id == bindparam("account_id"))
# How long a channel's webhook URL and signing secrets are reused between jobs: a backlog
# drains without re-reading them per delivery; a changed URL or rotated secret applies
# within this time (plus the moments a claimed job waits for a free slot of its endpoint).
ENDPOINT_TTL_S = 1.0


@dataclass(frozen=True)
class Endpoint:
    channel_id: int
    url: str | None
    secrets: app_service.SigningSecrets
    read_at: float


@dataclass(frozen=True)
class _Reply:
    """What the webhook of one agent reply needs from the database."""

    message: Any
    integration_thread_ids: list[str]
    endpoint: Endpoint


def _envelope(settings: Settings, job: ClaimedJob, kind: str, channel_id: int) -> dict[str, Any]:
    return {
        "type": kind,
        "portalId": str(settings.portal_id),
        "channelId": str(channel_id),
        "eventId": job.event_id,
        "eventTimestamp": ms_to_iso(job.created_at),
    }


class ChannelDeliveries:
    """Builds and sends the payloads; one per worker process."""

    def __init__(self, db: Database, settings: Settings, client: WebhookClient) -> None:
        self.db = db
        self.settings = settings
        self.client = client
        self._file_url: Callable[[str], str] | None = None
        self._endpoints: dict[int, Endpoint] = {}

    async def endpoint(self, uow: UnitOfWork, channel_id: int) -> Endpoint:
        """The channel's webhook URL and signing secrets, cached for ENDPOINT_TTL_S."""
        cached = self._endpoints.get(channel_id)
        now = time.monotonic()
        if cached is not None and now - cached.read_at < ENDPOINT_TTL_S:
            return cached
        channel = (await uow.execute(_CHANNEL, {"channel_id": channel_id})).one()
        secrets = await app_service.signing_secrets(uow, app_id=channel.app_id, now=now_ms())
        endpoint = Endpoint(channel_id, channel.webhook_url, secrets, now)
        self._endpoints[channel_id] = endpoint
        return endpoint

    def file_url(self, file_id: str) -> str:
        if self._file_url is None:
            self._file_url = file_url_factory(self.settings, self.settings.resolved_public_url())
        return self._file_url(file_id)

    async def prefetch_replies(self, uow: UnitOfWork, jobs: list[ClaimedJob]) -> dict[int, _Reply]:
        """The replies of a claimed batch, read in the claim's transaction: two queries for
        the batch instead of a transaction per delivery."""
        message_ids = sorted({job.message_id for job in jobs if job.message_id is not None})
        messages = (await uow.execute(_MESSAGES, {"message_ids": message_ids})).all()
        thread_ids = sorted({m.thread_id for m in messages})
        integration_ids: dict[int, list[str]] = {t: [] for t in thread_ids}
        if thread_ids:
            rows = await uow.execute(_INTEGRATION_THREAD_IDS, {"thread_ids": thread_ids})
            for row in rows:
                integration_ids[row.thread_id].append(row.integration_thread_id)
        replies = {}
        for message in messages:
            endpoint = await self.endpoint(uow, message.channel_id)
            replies[message.id] = _Reply(message, integration_ids[message.thread_id], endpoint)
        return {
            job.id: replies[job.message_id]
            for job in jobs
            if job.message_id is not None and job.message_id in replies
        }

    async def run_outgoing_message(self, job: ClaimedJob) -> Outcome:
        reply: _Reply | None = job.context
        if reply is None:
            return Outcome.dead("The message no longer exists")
        if not reply.endpoint.url:
            return Outcome.dead("The channel has no webhook URL")
        message = reply.message
        payload = {
            **_envelope(self.settings, job, "OUTGOING_CHANNEL_MESSAGE_CREATED", message.channel_id),
            "channelIntegrationThreadIds": reply.integration_thread_ids,
            "message": message_json(
                message,
                file_url=self.file_url,
                truncate_at=self.settings.message_truncate_chars,
            ),
        }
        return await self.client.post(
            url=reply.endpoint.url,
            payload=payload,
            secrets=reply.endpoint.secrets,
            event_id=job.event_id,
        )

    async def run_account_event(self, job: ClaimedJob) -> Outcome:
        account_id = int(job.payload["channelAccountId"])
        async with self.db.read() as uow:
            account = (await uow.execute(_ACCOUNT, {"account_id": account_id})).first()
            if account is None:
                return Outcome.dead("The channel account no longer exists")
            endpoint = await self.endpoint(uow, account.channel_id)
        if not endpoint.url:
            return Outcome.dead("The channel has no webhook URL")
        account_body = channel_account_json(account)
        payload = {
            **_envelope(self.settings, job, job.payload["type"], account.channel_id),
            "channelAccountId": str(account.id),
            "channelAccount": account_body,
            "inboxId": account_body["inboxId"],
            "name": account_body["name"],
            "authorized": account_body["authorized"],
            "deliveryIdentifier": account_body.get("deliveryIdentifier"),
        }
        return await self.client.post(
            url=endpoint.url, payload=payload, secrets=endpoint.secrets, event_id=job.event_id
        )

    def job_kinds(self) -> list[JobKind]:
        return [
            JobKind(
                OUTGOING_JOB_KIND,
                self.run_outgoing_message,
                on_dead=mark_message_failed,
                prefetch=self.prefetch_replies,
            ),
            JobKind(ACCOUNT_EVENT, self.run_account_event),
        ]


async def mark_message_failed(uow: UnitOfWork, job: ClaimedJob, reason: str) -> None:
    """A dead reply: FAILED with the reason, unless the bridge already reported it sent."""
    row = await message_service.get_delivery_row(uow, message_id=job.message_id or 0)
    if row is None or row.status not in ("PENDING", None):
        return
    await message_service.write_delivery_status(
        uow, row=row, status="FAILED", failure_message=f"Not delivered to the channel: {reason}"
    )


async def _enqueue_account_event(uow: UnitOfWork, event: Event) -> None:
    assert isinstance(event, ChannelAccountCreated | ChannelAccountUpdated)
    kind = (
        "CHANNEL_ACCOUNT_CREATED"
        if isinstance(event, ChannelAccountCreated)
        else "CHANNEL_ACCOUNT_UPDATED"
    )
    await enqueue(
        uow,
        kind=ACCOUNT_EVENT,
        payload={"type": kind, "channelAccountId": str(event.channel_account_id)},
        target=channel_service.webhook_target(event.channel_id),
        channel_id=event.channel_id,
    )


def register_handlers(bus: EventBus) -> None:
    """Account changes become CHANNEL_ACCOUNT_* webhooks, in the transaction of the change."""
    bus.on(ChannelAccountCreated, _enqueue_account_event)
    bus.on(ChannelAccountUpdated, _enqueue_account_event)
