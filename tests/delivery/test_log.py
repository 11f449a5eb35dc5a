"""The delivery log: filters, paging, access, attempts, and what a queued job waits for."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from frontdesk.core.db import Database
from frontdesk.core.jobs import Job, JobAttempt
from frontdesk.core.models import now_ms
from frontdesk.messages.models import Message
from tests import factories
from tests.conversations.factories import Setup, create_setup
from tests.factories import bearer

URL = "/frontdesk/v1/deliveries"
OUTGOING = "channel.outgoing_message"


async def insert_job(
    db: Database,
    *,
    kind: str = OUTGOING,
    status: str = "queued",
    channel_id: int | None = None,
    message_id: int | None = None,
    ordering_key: str | None = None,
    target: str | None = None,
    attempts: int = 0,
    last_error: str | None = None,
    run_at: int | None = None,
    created_at: int | None = None,
) -> int:
    """A job row written directly (the runner and the producers have their own tests)."""
    now = now_ms()
    async with db.transaction() as uow:
        job_id: int = await uow.scalar(
            insert(Job)
            .values(
                kind=kind,
                event_id=str(uuid.uuid4()),
                payload={"messageId": str(message_id)} if message_id else {},
                status=status,
                ordering_key=ordering_key,
                target=target,
                message_id=message_id,
                channel_id=channel_id,
                attempts=attempts,
                run_at=run_at if run_at is not None else now,
                locked_until=now + 60_000 if status == "running" else None,
                last_error=last_error,
                created_at=created_at if created_at is not None else now,
                updated_at=now,
            )
            .returning(Job.id)
        )
    return job_id


async def insert_attempt(
    db: Database,
    job_id: int,
    *,
    started_at: int,
    duration_ms: int = 12,
    response_status: int | None = 503,
    response_body: str | None = "unavailable",
    error: str | None = "The endpoint answered HTTP 503",
) -> None:
    async with db.transaction() as uow:
        await uow.execute(
            insert(JobAttempt).values(
                job_id=job_id,
                started_at=started_at,
                duration_ms=duration_ms,
                response_status=response_status,
                response_body=response_body,
                error=error,
            )
        )


async def insert_outgoing_message(
    db: Database, setup: Setup, *, thread_id: int, status: str = "PENDING"
) -> int:
    """An agent's reply on a thread of the setup's channel."""
    now = now_ms()
    async with db.transaction() as uow:
        message_id: int = await uow.scalar(
            insert(Message)
            .values(
                thread_id=thread_id,
                type="MESSAGE",
                direction="OUTGOING",
                channel_id=setup.channel_id,
                channel_account_id=setup.account_id,
                senders=[],
                recipients=[],
                text="Hello",
                attachments=[],
                has_attachments=False,
                status=status,
                failure_message="The endpoint answered HTTP 410" if status == "FAILED" else None,
                client_type="HUBSPOT",
                created_by="A-1",
                extra={},
                archived=False,
                created_at=now,
                updated_at=now,
            )
            .returning(Message.id)
        )
    return message_id


async def admin_headers(db: Database) -> dict[str, str]:
    admin_id = await factories.create_user(db, role="admin")
    return bearer(await factories.create_personal_token(db, user_id=admin_id))


def ids(body: dict[str, Any]) -> list[int]:
    return [int(job["id"]) for job in body["results"]]


@pytest.mark.asyncio
async def test_filters_by_channel_status_message_and_kind(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    other = await factories.create_channel_row(db, app_id=setup.app_id)
    queued = await insert_job(db, channel_id=setup.channel_id, message_id=11)
    dead = await insert_job(db, channel_id=setup.channel_id, message_id=12, status="dead")
    done = await insert_job(db, channel_id=other, message_id=13, status="done")
    account = await insert_job(db, kind="channel.account_event", channel_id=setup.channel_id)
    headers = await admin_headers(db)

    async def query(params: Any) -> list[int]:
        response = await client.get(URL, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return ids(response.json())

    assert await query({}) == [account, done, dead, queued]
    assert await query({"channelId": setup.channel_id}) == [account, dead, queued]
    assert await query({"status": ["queued", "dead"]}) == [account, dead, queued]
    assert await query({"status": "done"}) == [done]
    assert await query({"messageId": 12}) == [dead]
    assert await query({"kind": "channel.account_event"}) == [account]
    assert await query({"channelId": setup.channel_id, "kind": OUTGOING}) == [dead, queued]


@pytest.mark.asyncio
async def test_job_fields(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    run_at = 1_900_000_000_000
    queued = await insert_job(
        db,
        channel_id=setup.channel_id,
        message_id=7,
        attempts=3,
        last_error="No answer within 10 s",
        run_at=run_at,
    )
    done = await insert_job(db, channel_id=setup.channel_id, status="done", run_at=run_at)
    body = (await client.get(URL, headers=await admin_headers(db))).json()
    by_id = {int(job["id"]): job for job in body["results"]}
    job = by_id[queued]
    assert job["kind"] == OUTGOING
    assert job["status"] == "queued"
    assert job["attempts"] == 3
    assert job["nextAttemptAt"] == "2030-03-17T17:46:40.000Z"
    assert job["lastError"] == "No answer within 10 s"
    assert job["channelId"] == str(setup.channel_id)
    assert job["messageId"] == "7"
    assert job["waitingFor"] is None
    assert uuid.UUID(job["eventId"])
    assert job["createdAt"].endswith("Z")
    assert job["updatedAt"].endswith("Z")
    assert by_id[done]["nextAttemptAt"] is None


@pytest.mark.asyncio
async def test_paging_newest_first(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    jobs = [await insert_job(db, channel_id=setup.channel_id) for _ in range(5)]
    headers = await admin_headers(db)
    first = (await client.get(URL, params={"limit": 2}, headers=headers)).json()
    assert ids(first) == [jobs[4], jobs[3]]
    after = first["paging"]["next"]["after"]
    assert "limit=2" in first["paging"]["next"]["link"]
    second = (await client.get(URL, params={"limit": 2, "after": after}, headers=headers)).json()
    assert ids(second) == [jobs[2], jobs[1]]
    after = second["paging"]["next"]["after"]
    third = (await client.get(URL, params={"limit": 2, "after": after}, headers=headers)).json()
    assert ids(third) == [jobs[0]]
    assert "paging" not in third


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status[0]"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"after": "!!"}, "after"),
        ({"after": "ImEi"}, "after"),  # a cursor holding the string "a"
        ({"channelId": "x"}, "channelId"),
        ({"messageId": 0}, "messageId"),
    ],
)
async def test_bad_filters_are_400(
    client: httpx.AsyncClient, db: Database, params: dict[str, Any], field: str
) -> None:
    response = await client.get(URL, params=params, headers=await admin_headers(db))
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["in"] == field


@pytest.mark.asyncio
async def test_app_sees_only_its_own_deliveries(client: httpx.AsyncClient, db: Database) -> None:
    mine = await create_setup(db)
    theirs = await create_setup(db)
    own_job = await insert_job(db, channel_id=mine.channel_id, message_id=1)
    own_subscription = await insert_job(
        db, kind="webhooks.subscription", target=f"subscription:{mine.app_id}"
    )
    other_job = await insert_job(db, channel_id=theirs.channel_id, message_id=2)
    await insert_job(db, kind="webhooks.subscription", target=f"subscription:{theirs.app_id}")
    headers = bearer(mine.app_token)

    listed = await client.get(URL, headers=headers)
    assert listed.status_code == 200
    assert ids(listed.json()) == [own_subscription, own_job]
    filtered = await client.get(URL, params={"channelId": theirs.channel_id}, headers=headers)
    assert ids(filtered.json()) == []
    assert (await client.get(f"{URL}/{own_job}", headers=headers)).status_code == 200
    hidden = await client.get(f"{URL}/{other_job}", headers=headers)
    assert hidden.status_code == 404
    assert hidden.json()["category"] == "OBJECT_NOT_FOUND"


@pytest.mark.asyncio
async def test_agents_are_forbidden_and_anonymous_callers_unauthenticated(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    job = await insert_job(db, channel_id=setup.channel_id)
    agent = await factories.create_user(db, role="agent", teams=[setup.team])
    agent_headers = bearer(await factories.create_personal_token(db, user_id=agent))
    for path in (URL, f"{URL}/{job}"):
        forbidden = await client.get(path, headers=agent_headers)
        assert forbidden.status_code == 403
        assert forbidden.json()["category"] == "FORBIDDEN"
        assert (await client.get(path)).status_code == 401
        assert (await client.get(path, headers=bearer("nope"))).status_code == 401


@pytest.mark.asyncio
async def test_detail_lists_attempts_oldest_first(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    job = await insert_job(db, channel_id=setup.channel_id, status="done", attempts=2)
    await insert_attempt(db, job, started_at=1_800_000_000_000, duration_ms=10_001)
    await insert_attempt(
        db,
        job,
        started_at=1_800_000_030_000,
        duration_ms=8,
        response_status=200,
        response_body="x" * 1024,
        error=None,
    )
    response = await client.get(f"{URL}/{job}", headers=await admin_headers(db))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(job)
    assert body["status"] == "done"
    assert body["attemptCount"] == 2
    assert body["attempts"] == [
        {
            "startedAt": "2027-01-15T08:00:00.000Z",
            "durationMs": 10_001,
            "responseStatus": 503,
            "responseBody": "unavailable",
            "error": "The endpoint answered HTTP 503",
        },
        {
            "startedAt": "2027-01-15T08:00:30.000Z",
            "durationMs": 8,
            "responseStatus": 200,
            "responseBody": "x" * 1024,
            "error": None,
        },
    ]


@pytest.mark.asyncio
async def test_unknown_delivery_is_404(client: httpx.AsyncClient, db: Database) -> None:
    headers = await admin_headers(db)
    assert (await client.get(f"{URL}/999999", headers=headers)).status_code == 404
    assert (await client.get(f"{URL}/{2**63}", headers=headers)).status_code == 400


@pytest.mark.asyncio
async def test_later_reply_says_which_earlier_one_it_waits_for(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    key = "thread:1"
    first = await insert_job(db, channel_id=setup.channel_id, ordering_key=key, attempts=4)
    second = await insert_job(db, channel_id=setup.channel_id, ordering_key=key)
    third = await insert_job(db, channel_id=setup.channel_id, ordering_key=key)
    elsewhere = await insert_job(db, channel_id=setup.channel_id, ordering_key="thread:2")
    headers = await admin_headers(db)

    async def waiting() -> dict[int, str | None]:
        body = (await client.get(URL, headers=headers)).json()
        return {int(job["id"]): job["waitingFor"] for job in body["results"]}

    assert await waiting() == {first: None, second: str(first), third: str(first), elsewhere: None}
    detail = (await client.get(f"{URL}/{third}", headers=headers)).json()
    assert detail["waitingFor"] == str(first)


@pytest.mark.asyncio
async def test_nothing_waits_for_finished_jobs_or_past_the_order_bound(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    headers = await admin_headers(db)
    await insert_job(db, channel_id=setup.channel_id, ordering_key="a", status="done")
    await insert_job(db, channel_id=setup.channel_id, ordering_key="a", status="dead")
    after_finished = await insert_job(db, channel_id=setup.channel_id, ordering_key="a")
    # Past the order-wait bound (default 900 s) the runner sends a job anyway.
    await insert_job(db, channel_id=setup.channel_id, ordering_key="b", status="running")
    overdue = await insert_job(
        db, channel_id=setup.channel_id, ordering_key="b", created_at=now_ms() - 901_000
    )
    body = (await client.get(URL, headers=headers)).json()
    waiting = {int(job["id"]): job["waitingFor"] for job in body["results"]}
    assert waiting[after_finished] is None
    assert waiting[overdue] is None
