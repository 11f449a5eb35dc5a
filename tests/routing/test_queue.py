"""The routing queue (DESIGN 7): conversations nobody could take wait, and are assigned oldest
first as soon as someone qualifies; they leave it when assigned by anyone, closed or archived."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from frontdesk.channels.models import ChannelAccount
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.routing.clock import ManualClock
from tests import factories
from tests.messages.publish_setup import event_rows
from tests.routing.world import THREADS, assignees, make_world, queued, thread


@pytest.mark.asyncio
async def test_queue_drains_oldest_first_when_an_agent_becomes_available(
    db: Database, settings: Settings, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    world = await make_world(db, settings, client, agents=1, capacity=2)
    (agent,) = world.agents
    await world.route()
    await world.online()
    await world.set_me(agent, availability="away")
    threads = []
    for _ in range(3):
        threads.append(await world.publish())
        clock.advance(1)
    assert await queued(db) == threads

    await world.set_me(agent, availability="available")

    assert await assignees(db, threads) == [agent, agent, None]
    assert await queued(db) == [threads[2]]
    reason = (await thread(db, threads[0])).assignment_reason
    assert reason == f"Round-robin among {world.team}: 0 open, the only one available"


@pytest.mark.asyncio
async def test_queue_drains_when_an_agent_comes_online(
    db: Database, settings: Settings, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    world = await make_world(db, settings, client, agents=2)
    await world.route()
    waiting = [await world.publish(), await world.publish()]  # nobody online yet
    assert await queued(db) == waiting

    await world.online(world.agents[1])

    assert await assignees(db, waiting) == [world.agents[1]] * 2
    assert await queued(db) == []
    # Online again within the grace period: nothing to serve, nothing changes.
    clock.advance(1)
    await world.online(world.agents[1])
    assert len(await event_rows(db, "conversation.assigned")) == 2


@pytest.mark.asyncio
async def test_closing_an_assigned_thread_frees_a_slot_for_the_oldest_waiting(
    db: Database, settings: Settings, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    world = await make_world(db, settings, client, agents=1, capacity=1)
    (agent,) = world.agents
    await world.route()
    await world.online()
    busy = await world.publish()
    clock.advance(1)
    older = await world.publish()
    clock.advance(1)
    newer = await world.publish()
    assert await queued(db) == [older, newer]

    await world.close(busy, by=agent)

    assert await assignees(db, [older, newer]) == [agent, None]
    assert await queued(db) == [newer]


@pytest.mark.asyncio
async def test_more_capacity_or_a_new_team_member_serves_the_queue(
    db: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    world = await make_world(db, settings, client, agents=1, capacity=0)
    (agent,) = world.agents
    admin = await factories.create_user(db, role="admin")
    await world.route()
    await world.online()
    waiting = [await world.publish(), await world.publish()]

    response = await client.patch(
        f"/frontdesk/v1/users/{agent}", json={"capacity": 1}, headers=await world.token(admin)
    )
    assert response.status_code == 200, response.text
    assert await assignees(db, waiting) == [agent, None]

    newcomer = await factories.create_user(db)
    await world.online(newcomer)
    response = await client.post(
        f"/frontdesk/v1/teams/{world.team_id}/members",
        json={"userId": str(newcomer)},
        headers=await world.token(admin),
    )
    assert response.status_code in (200, 201), response.text
    assert await assignees(db, waiting) == [agent, newcomer]


@pytest.mark.asyncio
async def test_a_queued_thread_leaves_the_queue_when_assigned_closed_or_archived(
    db: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    world = await make_world(db, settings, client, agents=1)
    (agent,) = world.agents
    await world.route()
    assigned, closed, archived = [await world.publish() for _ in range(3)]  # nobody online
    auth = await world.token(agent)

    response = await client.put(
        f"{THREADS}/{assigned}/assignee", json={"actorId": f"A-{agent}"}, headers=auth
    )
    assert response.status_code == 200, response.text
    await world.close(closed, by=agent)
    response = await client.delete(f"{THREADS}/{archived}", headers=auth)
    assert response.status_code == 204, response.text

    assert await queued(db) == []
    assert (await thread(db, assigned)).assignment_reason == f"assigned by A-{agent}"
    assert (await thread(db, closed)).assignment_reason is None  # no longer waiting
    assert (await thread(db, archived)).assignment_reason is None
    # Nothing is left to hand out when the agent comes online.
    await world.online()
    assert await assignees(db, [closed, archived]) == [None, None]


@pytest.mark.parametrize("change", ["routing off", "account deleted"])
@pytest.mark.asyncio
async def test_an_account_switched_off_or_deleted_drops_its_waiting_threads(
    db: Database, settings: Settings, client: httpx.AsyncClient, change: str
) -> None:
    world = await make_world(db, settings, client, agents=1)
    await world.route()
    waiting = await world.publish()
    if change == "routing off":
        await world.route(mode="OFF")
    else:
        async with db.transaction() as uow:
            await uow.execute(
                update(ChannelAccount)
                .where(ChannelAccount.id == world.bridge.account_id)
                .values(archived=True)
            )

    await world.online()

    assert await assignees(db, [waiting]) == [None]
    assert await queued(db) == []
