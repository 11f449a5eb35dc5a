"""Replaying a dead delivery: queued again with the same event id; its message back to PENDING."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from frontdesk.core.db import Database
from frontdesk.core.jobs import Job
from frontdesk.core.models import now_ms
from frontdesk.core.runner import ClaimedJob, JobKind, JobRunner, Outcome, RunnerConfig
from frontdesk.messages.models import Message
from tests import factories
from tests.conversations.factories import create_setup, create_thread, events, thread_row
from tests.delivery.test_log import (
    OUTGOING,
    URL,
    admin_headers,
    insert_attempt,
    insert_job,
    insert_outgoing_message,
)
from tests.factories import bearer


async def job_row(db: Database, job_id: int) -> Any:
    async with db.read() as uow:
        return (await uow.execute(select(Job).where(Job.id == job_id))).one()


async def message_row(db: Database, message_id: int) -> Any:
    async with db.read() as uow:
        return (await uow.execute(select(Message).where(Message.id == message_id))).one()


async def dead_reply(db: Database) -> tuple[Any, int, int, int]:
    """A FAILED reply on a thread and its dead delivery job (with one attempt logged)."""
    setup = await create_setup(db)
    thread_id = await create_thread(db, setup)
    message_id = await insert_outgoing_message(db, setup, thread_id=thread_id, status="FAILED")
    job_id = await insert_job(
        db,
        channel_id=setup.channel_id,
        message_id=message_id,
        ordering_key=f"thread:{thread_id}",
        status="dead",
        attempts=10,
        last_error="The endpoint answered HTTP 410",
        run_at=now_ms() - 3_600_000,
    )
    await insert_attempt(db, job_id, started_at=now_ms() - 60_000, response_status=410)
    return setup, thread_id, message_id, job_id


@pytest.mark.asyncio
async def test_replay_requeues_with_same_event_id_and_reopens_the_message(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup, thread_id, message_id, job_id = await dead_reply(db)
    before = await job_row(db, job_id)
    woken: list[int] = []
    db.hooks.listen_jobs(lambda: woken.append(1))  # type: ignore[attr-defined]
    started = now_ms()

    response = await client.post(f"{URL}/{job_id}/replay", headers=await admin_headers(db))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "queued"
    assert body["eventId"] == before.event_id
    assert body["attemptCount"] == 0
    assert body["lastError"] == "The endpoint answered HTTP 410"
    assert len(body["attempts"]) == 1
    after = await job_row(db, job_id)
    assert after.status == "queued"
    assert after.event_id == before.event_id
    assert after.attempts == 0
    assert after.locked_until is None
    assert started <= after.run_at <= now_ms()
    assert after.last_error == "The endpoint answered HTTP 410"
    message = await message_row(db, message_id)
    assert message.status == "PENDING"
    assert message.failure_message is None
    changed = await events(db, name="message.status_changed")
    thread = await thread_row(db, thread_id)
    assert [(e.payload, e.inbox_id) for e in changed] == [
        (
            {
                "threadId": str(thread_id),
                "messageId": str(message_id),
                "inboxId": str(setup.inbox_id),
                "status": "PENDING",
                "errorMessage": None,
            },
            thread.inbox_id,
        )
    ]
    assert woken == [1]


@pytest.mark.asyncio
@pytest.mark.parametrize("status", ["queued", "running", "done"])
async def test_replay_of_a_job_that_is_not_dead_is_409_and_changes_nothing(
    client: httpx.AsyncClient, db: Database, status: str
) -> None:
    setup = await create_setup(db)
    thread_id = await create_thread(db, setup)
    message_id = await insert_outgoing_message(db, setup, thread_id=thread_id, status="FAILED")
    job_id = await insert_job(
        db, channel_id=setup.channel_id, message_id=message_id, status=status, attempts=3
    )
    before = await job_row(db, job_id)

    response = await client.post(f"{URL}/{job_id}/replay", headers=await admin_headers(db))

    assert response.status_code == 409
    assert response.json()["category"] == "CONFLICT"
    assert await job_row(db, job_id) == before
    assert (await message_row(db, message_id)).status == "FAILED"
    assert await events(db, name="message.status_changed") == []


@pytest.mark.asyncio
async def test_replay_keeps_a_status_the_bridge_reported_meanwhile(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    thread_id = await create_thread(db, setup)
    message_id = await insert_outgoing_message(db, setup, thread_id=thread_id, status="SENT")
    job_id = await insert_job(db, channel_id=setup.channel_id, message_id=message_id, status="dead")
    response = await client.post(f"{URL}/{job_id}/replay", headers=await admin_headers(db))
    assert response.status_code == 200
    assert (await message_row(db, message_id)).status == "SENT"
    assert await events(db, name="message.status_changed") == []


@pytest.mark.asyncio
async def test_replay_of_other_kinds_touches_no_message(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup, _thread_id, message_id, _job_id = await dead_reply(db)
    job_id = await insert_job(
        db, kind="channel.account_event", channel_id=setup.channel_id, status="dead"
    )
    response = await client.post(f"{URL}/{job_id}/replay", headers=await admin_headers(db))
    assert response.status_code == 200
    assert response.json()["kind"] == "channel.account_event"
    assert (await message_row(db, message_id)).status == "FAILED"


@pytest.mark.asyncio
async def test_the_owning_app_may_replay_others_may_not(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup, _thread_id, message_id, job_id = await dead_reply(db)
    stranger = await create_setup(db)
    agent = await factories.create_user(db, teams=[setup.team])
    agent_token = await factories.create_personal_token(db, user_id=agent)
    path = f"{URL}/{job_id}/replay"

    assert (await client.post(path)).status_code == 401
    assert (await client.post(path, headers=bearer(agent_token))).status_code == 403
    assert (await client.post(path, headers=bearer(stranger.app_token))).status_code == 404
    assert (await job_row(db, job_id)).status == "dead"
    assert (await message_row(db, message_id)).status == "FAILED"

    response = await client.post(path, headers=bearer(setup.app_token))
    assert response.status_code == 200
    assert response.json()["kind"] == OUTGOING
    assert (await job_row(db, job_id)).status == "queued"
    assert (await message_row(db, message_id)).status == "PENDING"


@pytest.mark.asyncio
async def test_replay_of_an_unknown_job_is_404(client: httpx.AsyncClient, db: Database) -> None:
    response = await client.post(f"{URL}/424242/replay", headers=await admin_headers(db))
    assert response.status_code == 404


@pytest.mark.asyncio
async def test_the_runner_retries_a_replayed_job_with_a_fresh_round_of_attempts(
    client: httpx.AsyncClient, db: Database
) -> None:
    _setup, _thread_id, _message_id, job_id = await dead_reply(db)
    event_id = (await job_row(db, job_id)).event_id
    seen: list[tuple[str, int]] = []

    async def run(job: ClaimedJob) -> Outcome:
        seen.append((job.event_id, job.attempts))
        return Outcome.retry("The endpoint answered HTTP 503")

    # A seeded jitter over an hour-long first backoff: the retry is not due again at once.
    config = RunnerConfig(max_attempts=10, retry_base_s=3600)
    runner = JobRunner(db, [JobKind(OUTGOING, run)], config, rng=random.Random(7))
    assert await runner.run_due() == 0  # dead: nothing to claim

    await client.post(f"{URL}/{job_id}/replay", headers=await admin_headers(db))

    assert await runner.run_due() == 1
    assert seen == [(event_id, 1)]
    after = await job_row(db, job_id)
    assert (after.status, after.attempts) == ("queued", 1)
    assert after.last_error == "The endpoint answered HTTP 503"
