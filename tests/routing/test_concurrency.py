"""Routing under concurrent transactions (PostgreSQL: many connections at once; SQLite has a
single writer, so there is nothing to race there)."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.core.runner import JobRunner
from frontdesk.routing import engine
from frontdesk.routing import handlers as routing_handlers
from frontdesk.routing import tasks as routing_tasks
from frontdesk.routing.engine import DRAIN_JOB
from tests import factories
from tests.messages.publish_setup import message_body
from tests.routing.world import assignees, jobs, make_world, queued


@pytest.mark.postgres_only
@pytest.mark.asyncio
async def test_a_hundred_conversations_at_once_never_overfill_an_agent(
    db: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    world = await make_world(db, settings, client, agents=5, capacity=10)
    admin = await factories.create_user(db, role="admin")
    await world.route()
    await world.online()
    bodies = [message_body(world.bridge) for _ in range(100)]

    responses = await asyncio.gather(
        *(client.post(world.bridge.url, json=b, headers=world.bridge.auth) for b in bodies)
    )

    assert [r.status_code for r in responses] == [201] * 100
    threads = [int(r.json()["conversationsThreadId"]) for r in responses]
    owners = await assignees(db, threads)
    assert Counter(owners) == {**dict.fromkeys(world.agents, 10), None: 50}
    waiting = await queued(db)
    assert sorted(waiting) == sorted(t for t, o in zip(threads, owners, strict=True) if o is None)

    # Three of the first agent's threads close: the three oldest waiting go to that agent.
    first = world.agents[0]
    mine = [t for t, o in zip(threads, owners, strict=True) if o == first]
    for thread_id in mine[:3]:
        await world.close(thread_id, by=first)
    assert await assignees(db, waiting[:4]) == [first, first, first, None]

    # Everyone may take two more: the next ten oldest are served, the rest keep their order.
    for agent in world.agents:
        response = await client.patch(
            f"/frontdesk/v1/users/{agent}", json={"capacity": 12}, headers=await world.token(admin)
        )
        assert response.status_code == 200, response.text
    assert None not in await assignees(db, waiting[:13])
    assert await queued(db) == waiting[13:]
    still_open = [t for t in threads if t not in mine[:3]]
    assert Counter(await assignees(db, still_open)) == {
        **dict.fromkeys(world.agents, 12),
        None: 37,
    }


@pytest.mark.postgres_only
@pytest.mark.asyncio
async def test_a_trigger_that_finds_routing_busy_leaves_the_drain_to_a_job(
    db: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    world = await make_world(db, settings, client, agents=1, capacity=1)
    (agent,) = world.agents
    await world.route()
    await world.online()
    busy, waiting = await world.publish(), await world.publish()

    async with db.transaction() as router:  # another transaction is routing right now
        await engine.lock_routing(router)
        await world.close(busy, by=agent)  # does not wait for it (that could deadlock)
    assert await queued(db) == [waiting]
    assert len(await jobs(db, DRAIN_JOB)) == 1

    config = routing_handlers.config_of(db.hooks, settings)
    assert await JobRunner(db, [routing_tasks.job_kind(db, config)]).run_due() == 1
    assert await assignees(db, [waiting]) == [agent]
    assert await queued(db) == []
