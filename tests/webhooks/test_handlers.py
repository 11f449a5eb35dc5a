"""Conversation and message events become subscription jobs in the same transaction
(DESIGN 6, reference 8): one job per app per transaction, only for what it subscribed to."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from frontdesk.apps.models import AccessToken
from frontdesk.config import Settings
from frontdesk.conversations.events import (
    ConversationAssigned,
    ConversationCreated,
    ConversationDeleted,
    ConversationUpdated,
)
from frontdesk.core.db import Database
from frontdesk.core.events import Audience, Event, EventBus
from frontdesk.messages.events import MessageCreated, MessageStatusChanged
from frontdesk.webhooks.handlers import register_handlers
from tests.webhooks.helpers import Dev, make_dev, set_target, subscribe, subscription_jobs

TARGET = "http://127.0.0.1:9/hook"


def created(thread_id: int = 7) -> ConversationCreated:
    return ConversationCreated(
        thread_id=thread_id,
        inbox_id=1,
        channel_id=1,
        channel_account_id=1,
        contact_id=1,
        audience=Audience(inbox_id=1),
    )


def message(thread_id: int = 7, message_id: int = 70, type: str = "MESSAGE") -> MessageCreated:
    return MessageCreated(
        thread_id=thread_id,
        message_id=message_id,
        inbox_id=1,
        type=type,
        direction="INCOMING",
        preview="hi",
    )


def assigned(assignee_id: int | None, thread_id: int = 7) -> ConversationAssigned:
    return ConversationAssigned(
        thread_id=thread_id, inbox_id=1, assignee_id=assignee_id, previous_assignee_id=None
    )


def updated(changes: dict[str, Any], thread_id: int = 7) -> ConversationUpdated:
    return ConversationUpdated(thread_id=thread_id, inbox_id=1, changes=changes)


async def emit(db: Database, *events: Event) -> None:
    async with db.transaction() as uow:
        for event in events:
            uow.emit(event)


@pytest.fixture
def wired(db: Database, settings: Settings) -> Database:
    assert isinstance(db.hooks, EventBus)
    register_handlers(db.hooks, settings)
    return db


async def ready_dev(db: Database, *subscriptions: tuple[str, str | None]) -> Dev:
    dev = await make_dev(db)
    await set_target(db, dev, TARGET)
    for event_type, property_name in subscriptions:
        await subscribe(db, dev, event_type, property_name=property_name)
    return dev


def sent(job: Any) -> list[tuple[str, int, str | None, str | None]]:
    return [
        (e["subscriptionType"], e["objectId"], e.get("propertyName"), e.get("propertyValue"))
        for e in job.payload["events"]
    ]


@pytest.mark.asyncio
async def test_one_transaction_makes_one_job_per_app(wired: Database, settings: Settings) -> None:
    dev = await ready_dev(wired, ("conversation.creation", None), ("conversation.newMessage", None))
    other = await ready_dev(wired, ("conversation.newMessage", None))
    await emit(wired, created(), message())
    jobs = await subscription_jobs(wired)
    assert len(jobs) == 2
    mine, theirs = sorted(jobs, key=lambda j: j.payload["appId"] != dev.app_id)
    assert mine.target == f"subscription:{dev.app_id}"
    assert theirs.target == f"subscription:{other.app_id}"
    assert sent(mine) == [
        ("conversation.creation", 7, None, None),
        ("conversation.newMessage", 7, None, None),
    ]
    assert sent(theirs) == [("conversation.newMessage", 7, None, None)]
    creation, new_message = mine.payload["events"]
    assert creation == {
        "subscriptionId": creation["subscriptionId"],
        "portalId": settings.portal_id,
        "appId": dev.app_id,
        "occurredAt": creation["occurredAt"],
        "subscriptionType": "conversation.creation",
        "attemptNumber": 0,
        "objectId": 7,
        "changeSource": "API",
    }
    assert isinstance(creation["subscriptionId"], int)
    assert isinstance(creation["occurredAt"], int)
    assert new_message["messageId"] == "70"
    assert new_message["messageType"] == "MESSAGE"
    assert new_message["changeFlag"] == "NEW_MESSAGE"


@pytest.mark.asyncio
async def test_each_transaction_gets_its_own_job(wired: Database) -> None:
    await ready_dev(wired, ("conversation.newMessage", None))
    await emit(wired, message(message_id=1))
    await emit(wired, message(message_id=2))
    jobs = await subscription_jobs(wired)
    assert [[e["messageId"] for e in j.payload["events"]] for j in jobs] == [["1"], ["2"]]
    assert jobs[0].event_id != jobs[1].event_id


@pytest.mark.asyncio
async def test_a_large_transaction_is_split_into_batches_of_100(wired: Database) -> None:
    await ready_dev(wired, ("conversation.newMessage", None))
    await emit(wired, *(message(message_id=i) for i in range(1, 251)))
    jobs = await subscription_jobs(wired)
    assert [len(j.payload["events"]) for j in jobs] == [100, 100, 50]
    ids = [e["messageId"] for j in jobs for e in j.payload["events"]]
    assert ids == [str(i) for i in range(1, 251)]


@pytest.mark.asyncio
async def test_property_changes_map_to_hubspot_property_names(wired: Database) -> None:
    await ready_dev(wired, ("conversation.propertyChange", None))
    await emit(
        wired,
        updated({"status": "CLOSED"}),
        assigned(42),
        assigned(None),
        updated({"archived": False}),
        updated({"archived": True}),  # archiving is a deletion, not a property change
        updated({"somethingElse": 1}),
    )
    [job] = await subscription_jobs(wired)
    assert sent(job) == [
        ("conversation.propertyChange", 7, "status", "CLOSED"),
        ("conversation.propertyChange", 7, "assignedTo", "A-42"),
        ("conversation.propertyChange", 7, "assignedTo", ""),
        ("conversation.propertyChange", 7, "isArchived", "false"),
    ]


@pytest.mark.asyncio
async def test_a_property_filter_is_respected(wired: Database) -> None:
    await ready_dev(wired, ("conversation.propertyChange", "status"))
    await emit(wired, assigned(42), updated({"archived": False}))
    assert await subscription_jobs(wired) == []
    await emit(wired, updated({"status": "OPEN"}))
    [job] = await subscription_jobs(wired)
    assert sent(job) == [("conversation.propertyChange", 7, "status", "OPEN")]


@pytest.mark.asyncio
async def test_deletion_and_comments(wired: Database) -> None:
    await ready_dev(wired, ("conversation.deletion", None), ("conversation.newMessage", None))
    await emit(wired, ConversationDeleted(thread_id=9, inbox_id=1), message(9, 90, "COMMENT"))
    [job] = await subscription_jobs(wired)
    assert sent(job) == [
        ("conversation.deletion", 9, None, None),
        ("conversation.newMessage", 9, None, None),
    ]
    assert job.payload["events"][1]["messageType"] == "COMMENT"


@pytest.mark.asyncio
async def test_nothing_is_queued_for_what_nobody_subscribed_to(wired: Database) -> None:
    dev = await ready_dev(wired, ("conversation.privacyDeletion", None))
    await subscribe(wired, dev, "conversation.creation", active=False)
    await emit(
        wired,
        created(),
        ConversationDeleted(thread_id=7, inbox_id=1),
        MessageStatusChanged(thread_id=7, message_id=1, inbox_id=1, status="SENT"),
    )
    assert await subscription_jobs(wired) == []


@pytest.mark.asyncio
async def test_an_app_without_settings_gets_nothing(wired: Database) -> None:
    dev = await make_dev(wired)
    await subscribe(wired, dev, "conversation.creation")
    await emit(wired, created())
    assert await subscription_jobs(wired) == []
    await set_target(wired, dev, TARGET)
    await emit(wired, created())
    assert len(await subscription_jobs(wired)) == 1


@pytest.mark.asyncio
async def test_an_app_that_lost_conversations_read_gets_nothing(wired: Database) -> None:
    dev = await ready_dev(wired, ("conversation.creation", None))
    async with wired.transaction() as uow:
        await uow.execute(
            update(AccessToken).where(AccessToken.app_id == dev.app_id).values(revoked_at=1)
        )
    await emit(wired, created())
    assert await subscription_jobs(wired) == []


@pytest.mark.asyncio
async def test_a_rolled_back_transaction_queues_nothing(wired: Database) -> None:
    await ready_dev(wired, ("conversation.creation", None))

    async def fail(_uow: Any, _event: Event) -> None:
        raise RuntimeError("a later handler failed")

    assert isinstance(wired.hooks, EventBus)
    wired.hooks.on("*", fail)  # runs after the subscription handler has enqueued
    with pytest.raises(RuntimeError):
        await emit(wired, created())
    assert await subscription_jobs(wired) == []


@pytest.mark.asyncio
async def test_registering_twice_does_not_double_deliveries(
    wired: Database, settings: Settings
) -> None:
    assert isinstance(wired.hooks, EventBus)
    register_handlers(wired.hooks, settings)
    await ready_dev(wired, ("conversation.creation", None))
    await emit(wired, created())
    [job] = await subscription_jobs(wired)
    assert len(job.payload["events"]) == 1
