"""In-transaction handlers (DESIGN 6): conversation and message events become subscription
events for every app that subscribed (reference 8), written as jobs in the same transaction.

Batching: all events of one transaction for one app travel in one delivery (a JSON array, at
most 100 events). The first event enqueues the job; later ones in the same transaction
rewrite that job's payload. The bus has no "end of handlers" hook, and this costs one UPDATE
per extra event without touching core. Apps see every inbox, as on the HubSpot surface.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update

from frontdesk.config import Settings
from frontdesk.conversations.events import (
    ConversationAssigned,
    ConversationCreated,
    ConversationDeleted,
    ConversationUpdated,
)
from frontdesk.core.db import UnitOfWork
from frontdesk.core.events import Event, EventBus
from frontdesk.core.jobs import Job, enqueue
from frontdesk.core.models import now_ms
from frontdesk.messages.events import MessageCreated
from frontdesk.webhooks import service as webhook_service

JOB_KIND = "webhooks.subscription"
MAX_EVENTS_PER_DELIVERY = 100  # reference 8 (UNCONFIRMED number); also bounds eventId maths
CHANGE_SOURCE = "API"  # HubSpot's values are only seen third-hand (reference 8, UNCONFIRMED)
MESSAGE_TYPES = ("MESSAGE", "COMMENT", "WELCOME_MESSAGE")


@dataclass(frozen=True)
class Change:
    """One thing an app may hear about: its subscription type, the thread, extra fields."""

    subscription_type: str
    object_id: int
    fields: dict[str, Any] = field(default_factory=dict)
    property_name: str | None = None


def _property_change(thread_id: int, name: str, value: str) -> Change:
    fields = {"propertyName": name, "propertyValue": value}
    return Change("conversation.propertyChange", thread_id, fields, property_name=name)


def changes_for(event: Event) -> list[Change]:
    """What `event` means in the Webhooks API's terms (empty: nothing to send)."""
    if isinstance(event, ConversationCreated):
        return [Change("conversation.creation", event.thread_id)]
    if isinstance(event, ConversationDeleted):
        return [Change("conversation.deletion", event.thread_id)]
    if isinstance(event, ConversationAssigned):
        value = f"A-{event.assignee_id}" if event.assignee_id is not None else ""
        return [_property_change(event.thread_id, "assignedTo", value)]
    if isinstance(event, ConversationUpdated):
        out = []
        if "status" in event.changes:
            out.append(_property_change(event.thread_id, "status", str(event.changes["status"])))
        if event.changes.get("archived") is False:  # a restore; archiving is a deletion
            out.append(_property_change(event.thread_id, "isArchived", "false"))
        for name, value in (event.changes.get("properties") or {}).items():
            text = "" if value is None else str(value)
            out.append(_property_change(event.thread_id, name, text))
        return out
    if isinstance(event, MessageCreated) and event.type in MESSAGE_TYPES:
        fields = {
            "messageId": str(event.message_id),
            "messageType": event.type,
            "changeFlag": "NEW_MESSAGE",
        }
        return [Change("conversation.newMessage", event.thread_id, fields)]
    return []


def matches(subscription: Any, change: Change) -> bool:
    if subscription.event_type != change.subscription_type:
        return False
    return not subscription.property_name or subscription.property_name == change.property_name


@dataclass
class _Batch:
    job_event_id: str
    events: list[dict[str, Any]]


@dataclass
class _Pending:
    """What one transaction has collected so far."""

    subscriptions: list[Any]
    batches: dict[int, _Batch] = field(default_factory=dict)


class SubscriptionFeed:
    """Turns events into subscription deliveries, one job per app per transaction."""

    def __init__(self, *, portal_id: int) -> None:
        self.portal_id = portal_id
        # Keyed by the unit of work: an entry lives exactly as long as its transaction.
        self._pending: weakref.WeakKeyDictionary[UnitOfWork, _Pending] = weakref.WeakKeyDictionary()

    async def handle(self, uow: UnitOfWork, event: Event) -> None:
        changes = changes_for(event)
        if not changes:
            return
        pending = self._pending.get(uow)
        if pending is None:
            # Loaded once per transaction: one query when nobody subscribes.
            pending = _Pending(await webhook_service.deliverable_subscriptions(uow))
            self._pending[uow] = pending
        occurred_at = now_ms()
        for change in changes:
            by_app: dict[int, list[dict[str, Any]]] = {}
            for subscription in pending.subscriptions:
                if matches(subscription, change):
                    body = self._event_json(subscription, change, occurred_at=occurred_at)
                    by_app.setdefault(subscription.app_id, []).append(body)
            for app_id, events in by_app.items():
                await self._add(uow, pending, app_id=app_id, events=events)

    def _event_json(self, subscription: Any, change: Change, *, occurred_at: int) -> dict[str, Any]:
        # eventId is stamped by the task from the job id (stable across attempts).
        return {
            "subscriptionId": subscription.id,
            "portalId": self.portal_id,
            "appId": subscription.app_id,
            "occurredAt": occurred_at,
            "subscriptionType": change.subscription_type,
            "attemptNumber": 0,
            "objectId": change.object_id,
            "changeSource": CHANGE_SOURCE,
            **change.fields,
        }

    async def _add(
        self, uow: UnitOfWork, pending: _Pending, *, app_id: int, events: list[dict[str, Any]]
    ) -> None:
        batch = pending.batches.get(app_id)
        if batch is None or len(batch.events) + len(events) > MAX_EVENTS_PER_DELIVERY:
            job_event_id = await enqueue(
                uow,
                kind=JOB_KIND,
                payload=_payload(app_id, events),
                target=f"subscription:{app_id}",
            )
            pending.batches[app_id] = _Batch(job_event_id, list(events))
            return
        batch.events.extend(events)
        await uow.execute(
            update(Job)
            .where(Job.event_id == batch.job_event_id)
            .values(payload=_payload(app_id, batch.events))
        )


def _payload(app_id: int, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"appId": app_id, "events": list(events)}


_EVENT_TYPES: tuple[type[Event], ...] = (
    ConversationCreated,
    ConversationDeleted,
    ConversationUpdated,
    ConversationAssigned,
    MessageCreated,
)
_wired: weakref.WeakSet[EventBus] = weakref.WeakSet()


def register_handlers(bus: EventBus, settings: Settings) -> None:
    """Feed app subscriptions from `bus`. Registering twice on one bus is a no-op, so tests
    may wire a bus that app.py already wired without doubling deliveries."""
    if bus in _wired:
        return
    _wired.add(bus)
    feed = SubscriptionFeed(portal_id=settings.portal_id)
    for event_type in _EVENT_TYPES:
        bus.on(event_type, feed.handle)
