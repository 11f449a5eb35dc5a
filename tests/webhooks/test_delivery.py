"""End to end: real changes through the API and services, the runner with the subscription
job kind, and a real receiver on 127.0.0.1 that checks the signatures (reference 6.4, 8)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio

from frontdesk.config import Settings
from frontdesk.conversations import service as conversation_service
from frontdesk.core.db import Database
from frontdesk.core.events import EventBus
from frontdesk.core.runner import JobRunner, RunnerConfig
from frontdesk.delivery.send import WebhookClient
from frontdesk.webhooks.handlers import register_handlers
from frontdesk.webhooks.tasks import job_kind
from tests.messages.publish_setup import make_bridge, published
from tests.webhooks.helpers import (
    Dev,
    FakeClock,
    Receiver,
    job_attempts,
    make_dev,
    running_receiver,
    subscription_jobs,
    webhook_secret,
)


@dataclass
class World:
    dev: Dev
    receiver: Receiver
    runner: JobRunner
    clock: FakeClock
    subscriptions: dict[str, int]


async def configure(client: httpx.AsyncClient, dev: Dev, receiver: Receiver) -> dict[str, int]:
    """Set the target URL and subscribe, through the Webhooks API as a developer would."""
    settings = {"targetUrl": receiver.url, "throttling": {"maxConcurrentRequests": 4}}
    put = await client.put(dev.url("/settings"), params=dev.key, json=settings)
    assert put.status_code == 200, put.text
    ids = {}
    for event_type, property_name in [
        ("conversation.creation", None),
        ("conversation.newMessage", None),
        ("conversation.propertyChange", "status"),
    ]:
        body = {"eventType": event_type, "propertyName": property_name, "active": True}
        response = await client.post(dev.url("/subscriptions"), params=dev.key, json=body)
        assert response.status_code == 201, response.text
        ids[event_type] = int(response.json()["id"])
    return ids


@pytest_asyncio.fixture
async def world(
    db: Database, settings: Settings, client: httpx.AsyncClient
) -> AsyncIterator[World]:
    assert isinstance(db.hooks, EventBus)
    register_handlers(db.hooks, settings)
    dev = await make_dev(db)
    secret = await webhook_secret(db, dev.app_id)
    webhook_client = WebhookClient(timeout_s=5, allow_private=True)
    clock = FakeClock()
    runner = JobRunner(
        db,
        [job_kind(db, webhook_client)],
        RunnerConfig(retry_base_s=10),
        clock=clock,
        rng=random.Random(7),  # a first backoff well above zero: "not due yet" is checkable
    )
    async with running_receiver(dev.app.client_secret, secret) as receiver:
        subscriptions = await configure(client, dev, receiver)
        yield World(dev, receiver, runner, clock, subscriptions)
    await webhook_client.close()


@pytest.mark.asyncio
async def test_changes_arrive_as_signed_json_arrays(
    db: Database, settings: Settings, client: httpx.AsyncClient, world: World
) -> None:
    bridge = await make_bridge(db, app=world.dev.app)
    message = await published(client, bridge)
    thread_id = int(message["conversationsThreadId"])

    assert await world.runner.run_due() == 1
    [request] = world.receiver.received
    assert request.signed, (request.v1_ok, request.v3_ok, request.standard_ok)
    assert request.headers["content-type"] == "application/json"
    [job] = await subscription_jobs(db)
    assert request.headers["webhook-id"] == job.event_id
    creation, new_message = request.events  # one transaction, one delivery
    assert creation == {
        "eventId": creation["eventId"],
        "subscriptionId": world.subscriptions["conversation.creation"],
        "portalId": settings.portal_id,
        "appId": world.dev.app_id,
        "occurredAt": creation["occurredAt"],
        "subscriptionType": "conversation.creation",
        "attemptNumber": 0,
        "objectId": thread_id,
        "changeSource": "API",
    }
    assert new_message["subscriptionType"] == "conversation.newMessage"
    assert new_message["subscriptionId"] == world.subscriptions["conversation.newMessage"]
    assert new_message["objectId"] == thread_id
    assert new_message["messageId"] == message["id"]
    assert new_message["messageType"] == "MESSAGE"
    assert isinstance(creation["eventId"], int)
    assert creation["eventId"] != new_message["eventId"]

    async with db.transaction() as uow:
        await conversation_service.change_status(
            uow,
            thread_id=thread_id,
            status="CLOSED",
            by=conversation_service.Acting(f"I-{world.dev.app_id}", None),
        )
    assert await world.runner.run_due() == 1
    [change] = world.receiver.received[1].events
    assert world.receiver.received[1].signed
    assert change["subscriptionType"] == "conversation.propertyChange"
    assert change["subscriptionId"] == world.subscriptions["conversation.propertyChange"]
    assert (change["objectId"], change["propertyName"], change["propertyValue"]) == (
        thread_id,
        "status",
        "CLOSED",
    )
    assert change["eventId"] not in {creation["eventId"], new_message["eventId"]}


@pytest.mark.asyncio
async def test_a_failing_receiver_is_retried_then_succeeds_once(
    db: Database, client: httpx.AsyncClient, world: World
) -> None:
    world.receiver.statuses = [500]
    bridge = await make_bridge(db, app=world.dev.app)
    await published(client, bridge)

    assert await world.runner.run_due() == 1
    [job] = await subscription_jobs(db)
    assert (job.status, job.attempts) == ("queued", 1)
    assert job.last_error == "The endpoint answered HTTP 500"
    assert 0 < job.run_at / 1000 - world.clock() <= 10  # full jitter under the first bound
    assert await world.runner.run_due() == 0  # backoff: not due yet
    world.clock.advance(11)  # past the first backoff bound (retry_base_s = 10)
    assert await world.runner.run_due() == 1
    assert await world.runner.run_due() == 0

    first, second = world.receiver.received
    assert first.signed
    assert second.signed
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == job.event_id
    assert [e["attemptNumber"] for e in first.events] == [0, 0]
    assert [e["attemptNumber"] for e in second.events] == [1, 1]
    assert [e["eventId"] for e in first.events] == [e["eventId"] for e in second.events]
    [job] = await subscription_jobs(db)
    assert job.status == "done"
    assert [a.response_status for a in await job_attempts(db, job.id)] == [500, 200]


@pytest.mark.asyncio
async def test_a_job_whose_settings_were_deleted_dies_unsent(
    db: Database, client: httpx.AsyncClient, world: World
) -> None:
    bridge = await make_bridge(db, app=world.dev.app)
    await published(client, bridge)
    deleted = await client.delete(world.dev.url("/settings"), params=world.dev.key)
    assert deleted.status_code == 204

    assert await world.runner.run_due() == 1
    [job] = await subscription_jobs(db)
    assert job.status == "dead"
    assert job.last_error.startswith("no target URL")
    assert world.receiver.received == []


@pytest.mark.asyncio
async def test_the_target_url_in_force_at_send_time_is_used(
    db: Database, client: httpx.AsyncClient, world: World
) -> None:
    bridge = await make_bridge(db, app=world.dev.app)
    await published(client, bridge)
    async with running_receiver(world.dev.app.client_secret, world.receiver.webhook_secret) as new:
        body = {"targetUrl": new.url, "throttling": {"maxConcurrentRequests": 4}}
        moved = await client.put(world.dev.url("/settings"), params=world.dev.key, json=body)
        assert moved.status_code == 200
        assert await world.runner.run_due() == 1
        assert len(new.received) == 1
        assert new.received[0].signed
    assert world.receiver.received == []
