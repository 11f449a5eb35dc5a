"""Logging a call in a thread: a CALL message (outcome, duration, notes) by the agent, seen
live by the others (`message.created`), with no job of any kind."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from frontdesk.conversations.models import Thread
from frontdesk.core.db import Database
from tests.factories import bearer
from tests.messages.thread_factories import PREFIX, counts
from tests.outreach.helpers import calls_url, email_thread, events, jobs, message

pytestmark = pytest.mark.asyncio


async def test_call_is_a_call_message_of_the_thread(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await email_thread(db)
    call = {"outcome": "CONNECTED", "durationSeconds": 725, "notes": "Agreed a refund."}

    response = await client.post(calls_url(setup), json=call, headers=bearer(setup.agent_token))

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["type"] == "CALL"
    assert body["outcome"] == "CONNECTED"
    assert body["durationSeconds"] == 725
    assert body["text"] == "Agreed a refund."
    assert body["createdBy"] == f"A-{setup.agent_id}"
    assert "direction" not in body
    stored = await message(db, body["id"])
    assert (stored.type, stored.direction, stored.status) == ("CALL", None, None)
    assert stored.extra == {"outcome": "CONNECTED", "durationSeconds": 725}
    assert await jobs(db) == []
    [created] = await events(db, "message.created")
    assert created.payload["messageId"] == body["id"]
    assert created.payload["type"] == "CALL"
    async with db.read() as uow:
        thread = (await uow.execute(select(Thread).where(Thread.id == setup.thread_id))).one()
    assert thread.last_message_id == int(body["id"])
    assert thread.last_message_preview == "Call: Connected, 12:05"
    listed = await client.get(
        f"{PREFIX}/threads/{setup.thread_id}/messages", headers=bearer(setup.agent_token)
    )
    assert listed.json()["results"][0]["type"] == "CALL"


async def test_a_call_needs_only_its_outcome(client: httpx.AsyncClient, db: Database) -> None:
    setup = await email_thread(db, addresses=())  # no email address: calls still work

    response = await client.post(
        calls_url(setup), json={"outcome": "NO_ANSWER"}, headers=bearer(setup.agent_token)
    )

    assert response.status_code == 201, response.text
    assert response.json()["durationSeconds"] == 0
    assert response.json()["text"] == ""


@pytest.mark.parametrize(
    "call",
    [
        {"outcome": "HUNG_UP"},
        {},
        {"outcome": "BUSY", "durationSeconds": -1},
        {"outcome": "BUSY", "durationSeconds": 86_401},
        {"outcome": "BUSY", "durationSeconds": "ten"},
        {"outcome": "BUSY", "notes": "x" * 10_001},
        {"outcome": "BUSY", "rating": 5},
    ],
)
async def test_bad_call_is_400_and_writes_nothing(
    client: httpx.AsyncClient, db: Database, call: dict[str, object]
) -> None:
    setup = await email_thread(db)
    before = await counts(db)

    response = await client.post(calls_url(setup), json=call, headers=bearer(setup.agent_token))

    assert response.status_code == 400, response.text
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert await counts(db) == before


async def test_only_members_of_the_inbox_log_calls(client: httpx.AsyncClient, db: Database) -> None:
    setup = await email_thread(db)

    response = await client.post(
        calls_url(setup), json={"outcome": "BUSY"}, headers=bearer(setup.outsider_token)
    )

    assert response.status_code == 404
    assert await events(db, "message.created") == []
