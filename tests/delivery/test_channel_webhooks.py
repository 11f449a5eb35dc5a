"""Agent replies and account changes reach the bridge: signed, retried, in order, visible.

A real receiver on 127.0.0.1 verifies every signature with its own code; the runner runs with
an injected clock, so retry timings are checked without sleeping.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select, update

from frontdesk.app import job_kinds
from frontdesk.apps import service as app_service
from frontdesk.apps.models import App
from frontdesk.channels.models import Channel
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from frontdesk.core.jobs import Job, JobAttempt
from frontdesk.core.runner import JobRunner, RunnerConfig
from frontdesk.delivery.send import WebhookClient
from frontdesk.messages.models import Message
from tests.factories import bearer
from tests.messages.thread_factories import ThreadSetup, reply, setup_thread, url
from tests.receiver import Behaviour, Receiver


class FakeClock:
    """Starts at the wall clock (jobs are stamped with it when enqueued), then only moves when
    a test moves it."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def world(db: Database, receiver: Receiver) -> ThreadSetup:
    setup = await setup_thread(db, messages=1)
    async with db.transaction() as uow:
        await uow.execute(
            update(Channel).where(Channel.id == setup.channel_id).values(webhook_url=receiver.url)
        )
        secrets = await app_service.signing_secrets(uow, app_id=setup.app.app_id, now=0)
    receiver.client_secret = secrets.client_secret
    receiver.webhook_secret = secrets.webhook_secrets[0]
    return setup


MakeRunner = Callable[..., JobRunner]


@pytest_asyncio.fixture
async def make_runner(settings: Settings, db: Database) -> AsyncIterator[MakeRunner]:
    """Runners over the test's database with an injected clock; stopped at teardown."""
    made: list[JobRunner] = []

    def make(clock: FakeClock, *, timeout_s: float = 5) -> JobRunner:
        client = WebhookClient(timeout_s=timeout_s, allow_private=True)
        runner = JobRunner(
            db,
            job_kinds(settings, db, client),
            RunnerConfig(retry_base_s=10, max_attempts=5),
            clock=clock,
            rng=random.Random(3),
            on_stop=[client.close],
        )
        made.append(runner)
        return runner

    yield make
    for runner in made:
        await runner.stop()


async def send_reply(client: httpx.AsyncClient, setup: ThreadSetup, text: str) -> dict[str, Any]:
    response = await client.post(
        url(setup), json=reply(setup, text=text), headers=bearer(setup.app.access_token)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def job_for(db: Database, message_id: str) -> Any:
    async with db.read() as uow:
        return (await uow.execute(select(Job).where(Job.message_id == int(message_id)))).one()


async def attempt_statuses(db: Database, job_id: int) -> list[int | None]:
    async with db.read() as uow:
        rows = await uow.execute(
            select(JobAttempt.response_status)
            .where(JobAttempt.job_id == job_id)
            .order_by(JobAttempt.id)
        )
        return [r[0] for r in rows]


@pytest.mark.asyncio
async def test_a_reply_reaches_the_bridge_signed_and_the_bridge_marks_it_sent(
    client: httpx.AsyncClient,
    settings: Settings,
    db: Database,
    world: ThreadSetup,
    receiver: Receiver,
    make_runner: MakeRunner,
) -> None:
    sent = await send_reply(client, world, "Your parcel left the warehouse.")
    runner = make_runner(FakeClock())
    assert await runner.run_due() == 1
    [delivery] = await receiver.wait_for(1)
    assert (delivery.v3_ok, delivery.v1_ok, delivery.standard_ok) == (True, True, True)
    body = delivery.body
    job = await job_for(db, sent["id"])
    assert body["type"] == "OUTGOING_CHANNEL_MESSAGE_CREATED"
    assert body["portalId"] == str(settings.portal_id)
    assert body["channelId"] == str(world.channel_id)
    assert body["eventId"] == job.event_id == delivery.headers["webhook-id"]
    assert isinstance(body["channelIntegrationThreadIds"], list)
    assert body["message"]["id"] == sent["id"]
    assert body["message"]["direction"] == "OUTGOING"
    assert body["message"]["text"] == "Your parcel left the warehouse."
    assert body["message"]["senders"][0]["actorId"] == f"A-{world.agent_id}"
    assert body["message"]["recipients"][0]["deliveryIdentifier"]["value"] == world.contact_phone
    assert job.status == "done"

    patch = await client.patch(
        f"/conversations/v3/custom-channels/{world.channel_id}/messages/{sent['id']}",
        json={"statusType": "SENT"},
        headers=bearer(world.app.access_token),
    )
    assert patch.status_code == 200
    assert patch.json()["status"]["statusType"] == "SENT"


@pytest.mark.asyncio
async def test_failures_are_retried_until_exactly_one_success(
    client: httpx.AsyncClient,
    settings: Settings,
    db: Database,
    world: ThreadSetup,
    receiver: Receiver,
    make_runner: MakeRunner,
) -> None:
    sent = await send_reply(client, world, "Retry me")
    receiver.script = [
        Behaviour(status=503),
        Behaviour(delay_s=1.0),  # slower than the client's timeout below
        Behaviour(status=429, headers={"Retry-After": "600"}),
    ]
    clock = FakeClock()
    runner = make_runner(clock, timeout_s=0.3)
    for _ in range(3):
        await runner.run_due()
        job = await job_for(db, sent["id"])
        assert job.status == "queued"
        clock.now = job.run_at / 1000  # exactly when the retry is due
    assert job.run_at >= (clock.now - 1) * 1000  # sanity
    attempts_so_far = await attempt_statuses(db, job.id)
    assert attempts_so_far == [503, None, 429]
    # Retry-After (600 s) outweighs the jittered backoff bound of the third attempt (90 s).
    async with db.read() as uow:
        third = (
            await uow.execute(
                select(JobAttempt.started_at)
                .where(JobAttempt.job_id == job.id)
                .order_by(JobAttempt.id.desc())
                .limit(1)
            )
        ).scalar_one()
    assert job.run_at - third >= 600_000
    await runner.run_due()
    await receiver.wait_for(4)
    job = await job_for(db, sent["id"])
    assert (job.status, job.attempts) == ("done", 4)
    assert await attempt_statuses(db, job.id) == [503, None, 429, 200]
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert ids == {job.event_id}  # one event id across attempts: receivers de-duplicate by it


@pytest.mark.asyncio
async def test_a_permanent_failure_marks_the_reply_failed_with_the_reason(
    client: httpx.AsyncClient,
    settings: Settings,
    db: Database,
    world: ThreadSetup,
    receiver: Receiver,
    make_runner: MakeRunner,
) -> None:
    sent = await send_reply(client, world, "Nobody home")
    receiver.script = [Behaviour(status=404, body="unknown conversation")]
    runner = make_runner(FakeClock())
    await runner.run_due()
    job = await job_for(db, sent["id"])
    assert job.status == "dead"
    history = await client.get(url(world), headers=bearer(world.agent_token))
    [message] = [m for m in history.json()["results"] if m["id"] == sent["id"]]
    assert message["status"]["statusType"] == "FAILED"
    reason = message["status"]["failureDetails"]["errorMessage"]
    assert "HTTP 404" in reason
    async with db.read() as uow:
        events = (
            await uow.execute(select(EventRow).where(EventRow.name == "message.status_changed"))
        ).all()
    assert [e.payload["status"] for e in events] == ["FAILED"]


@pytest.mark.asyncio
async def test_replies_reach_the_bridge_in_the_order_they_were_sent(
    client: httpx.AsyncClient,
    settings: Settings,
    db: Database,
    world: ThreadSetup,
    receiver: Receiver,
    make_runner: MakeRunner,
) -> None:
    first = await send_reply(client, world, "first")
    second = await send_reply(client, world, "second")
    receiver.script = [Behaviour(status=500)]  # the first attempt of the first reply fails
    clock = FakeClock()
    runner = make_runner(clock)
    await runner.run_due()
    assert [r.body["message"]["text"] for r in receiver.received] == ["first"]
    assert (await job_for(db, second["id"])).status == "queued"  # waits behind the first
    clock.now += 60
    await runner.run_due()
    await receiver.wait_for(3)
    assert [r.body["message"]["text"] for r in receiver.received] == ["first", "first", "second"]
    assert first["id"] != second["id"]


@pytest.mark.asyncio
async def test_rotated_secrets_sign_with_both_webhook_secrets_during_the_grace_period(
    client: httpx.AsyncClient,
    settings: Settings,
    db: Database,
    world: ThreadSetup,
    receiver: Receiver,
    make_runner: MakeRunner,
) -> None:
    old_webhook_secret = receiver.webhook_secret
    async with db.transaction() as uow:
        new_client, new_webhook = await app_service.rotate_secrets(
            uow, app_id=world.app.app_id, grace_s=3600
        )
    await send_reply(client, world, "after rotation")
    clock = FakeClock()
    runner = make_runner(clock)
    await runner.run_due()
    [delivery] = await receiver.wait_for(1)
    assert len(delivery.headers["webhook-signature"].split(" ")) == 2
    assert delivery.standard_ok  # the receiver still holds the old secret
    assert not delivery.v3_ok  # HubSpot's headers carry one value: the new client secret
    receiver.client_secret, receiver.webhook_secret = new_client, new_webhook
    await send_reply(client, world, "again")
    clock.now = time.time()  # the new job was stamped with the wall clock
    await runner.run_due()
    latest = (await receiver.wait_for(2))[1]
    assert latest.v3_ok
    assert latest.standard_ok
    assert old_webhook_secret != new_webhook


@pytest.mark.asyncio
async def test_a_new_channel_account_is_announced_to_the_bridge(
    client: httpx.AsyncClient,
    settings: Settings,
    db: Database,
    world: ThreadSetup,
    receiver: Receiver,
    make_runner: MakeRunner,
) -> None:
    response = await client.post(
        f"/conversations/v3/custom-channels/{world.channel_id}/channel-accounts",
        json={"inboxId": str(world.inbox_id), "name": "Second number", "authorized": True},
        headers=bearer(world.app.access_token),
    )
    assert response.status_code == 201
    runner = make_runner(FakeClock())
    await runner.run_due()
    [delivery] = await receiver.wait_for(1)
    assert delivery.v3_ok
    body = delivery.body
    assert body["type"] == "CHANNEL_ACCOUNT_CREATED"
    assert body["channelAccountId"] == response.json()["id"]
    assert body["channelAccount"]["name"] == "Second number"
    assert body["inboxId"] == str(world.inbox_id)
    async with db.read() as uow:
        row = (await uow.execute(select(App).where(App.id == world.app.app_id))).one()
        assert row.previous_secrets == []
        assert (await uow.scalar(select(Message.id).limit(1))) is not None
