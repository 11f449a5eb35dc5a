"""Concurrent identical changes of one thread give one system message and one event."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from frontdesk.core.db import Database
from tests.conversations.factories import create_setup, create_thread, events, system_messages
from tests.factories import bearer, create_user

BASE = "/conversations/v3/conversations/threads"


@pytest.mark.asyncio
async def test_concurrent_closes_change_the_thread_once(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    thread = await create_thread(db, setup)
    headers = bearer(setup.app_token)
    responses = await asyncio.gather(
        *(
            client.patch(f"{BASE}/{thread}", json={"status": "CLOSED"}, headers=headers)
            for _ in range(8)
        )
    )
    assert {r.status_code for r in responses} == {200}
    assert len(await events(db, name="conversation.updated")) == 1
    assert len(await system_messages(db, thread_id=thread)) == 1


@pytest.mark.asyncio
async def test_concurrent_assignments_of_one_agent_assign_once(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    thread = await create_thread(db, setup)
    user = await create_user(db, teams=[setup.team])
    headers = bearer(setup.app_token)
    responses = await asyncio.gather(
        *(
            client.put(f"{BASE}/{thread}/assignee", json={"actorId": f"A-{user}"}, headers=headers)
            for _ in range(8)
        )
    )
    assert {r.status_code for r in responses} == {200}
    assert len(await events(db, name="conversation.assigned")) == 1
    assert len(await system_messages(db, thread_id=thread)) == 1
