"""Users-and-teams routing of new conversations (DESIGN 7): who qualifies, who is chosen,
and the reason recorded with the assignment."""

from __future__ import annotations

import httpx
import pytest

from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.routing.candidates import Targets
from frontdesk.routing.clock import ManualClock
from tests import factories
from tests.messages.publish_setup import event_rows
from tests.routing.world import (
    assignees,
    make_world,
    queued,
    set_users,
    thread,
    user,
)


@pytest.mark.asyncio
async def test_least_loaded_then_assigned_longest_ago_with_the_reason(
    db: Database, settings: Settings, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    world = await make_world(db, settings, client, agents=2)
    first, second = world.agents
    await world.route()
    await world.online()

    threads = []
    for _ in range(4):
        threads.append(await world.publish())
        clock.advance(1)

    # Both free: the lower id; then the other (least loaded); then a tie on load goes to the
    # one assigned longest ago, each time.
    assert await assignees(db, threads) == [first, second, first, second]
    row = await thread(db, threads[1])
    assert row.assignment_reason == f"Round-robin among {world.team}: 0 open, least loaded"
    tie = await thread(db, threads[2])
    assert tie.assignment_reason == (
        f"Round-robin among {world.team}: 1 open, least loaded, assigned longest ago"
    )
    assert (await user(db, second)).last_assigned_at == clock.now_ms() - 1000
    events = await event_rows(db, "conversation.assigned")
    assert [e.payload["assigneeId"] for e in events] == [str(a) for a in (first, second) * 2]
    assert events[0].payload["reason"].startswith("Round-robin among")
    assert await queued(db) == []
    # Each assignee hears of their conversation with its reason; nobody gets the "new
    # unassigned conversation" one.
    notes = await event_rows(db, "notification.created")
    assert [(n.user_ids, n.payload["kind"]) for n in notes] == [
        ([a], "CONVERSATION_ASSIGNED") for a in (first, second) * 2
    ]
    assert notes[1].payload["body"] == row.assignment_reason


@pytest.mark.asyncio
async def test_away_offline_inactive_and_full_agents_are_skipped(
    db: Database, settings: Settings, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    world = await make_world(db, settings, client, agents=5)
    away, _offline, inactive, full, free = world.agents
    await world.route()
    await world.online()
    await set_users(db, [away], availability="away")
    await set_users(db, [inactive], active=False)
    await set_users(db, [full], capacity=0)
    clock.advance(settings.presence_grace_s + 1)
    await world.online(away, inactive, full, free)  # `offline` was seen too long ago

    thread_id = await world.publish()

    assert await assignees(db, [thread_id]) == [free]
    assert (await thread(db, thread_id)).assignment_reason == (
        f"Round-robin among {world.team}: 0 open, the only one with room"  # `full` is available
    )


@pytest.mark.asyncio
async def test_presence_expires_after_the_grace_period(
    db: Database, settings: Settings, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    world = await make_world(db, settings, client, agents=1)
    await world.route()
    await world.online()
    clock.advance(settings.presence_grace_s)
    at_the_limit = await world.publish()
    clock.advance(0.001)
    too_late = await world.publish()

    assert await assignees(db, [at_the_limit, too_late]) == [world.agents[0], None]
    assert await queued(db) == [too_late]
    assert (await thread(db, too_late)).assignment_reason == (
        f"Waiting: nobody among {world.team} is available"
    )


@pytest.mark.asyncio
async def test_capacity_counts_open_live_threads(
    db: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    world = await make_world(db, settings, client, agents=1, capacity=2)
    (agent,) = world.agents
    await world.route()
    await world.online()

    threads = [await world.publish() for _ in range(3)]
    assert await assignees(db, threads) == [agent, agent, None]
    assert (await thread(db, threads[2])).assignment_reason == (
        f"Waiting: everyone available among {world.team} is at capacity"
    )


@pytest.mark.asyncio
async def test_targets_must_see_the_inbox_unless_admin(
    db: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    world = await make_world(db, settings, client, agents=0)
    outsider = await factories.create_user(db, name="Outsider")  # in no team of the inbox
    admin = await factories.create_user(db, role="admin", name="Grace")
    await world.route(userIds=[outsider, str(admin)])  # ints or strings
    await world.online(outsider, admin)

    first, second = await world.publish(), await world.publish()

    assert await assignees(db, [first, second]) == [admin, admin]
    assert (await thread(db, first)).assignment_reason == (
        "Round-robin among Outsider, Grace: 0 open, the only one available"
    )


@pytest.mark.asyncio
async def test_routing_off_leaves_new_conversations_alone(
    db: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    world = await make_world(db, settings, client, agents=1)
    await world.online()
    thread_id = await world.publish()

    row = await thread(db, thread_id)
    assert (row.assignee_id, row.assignment_reason) == (None, None)
    assert await queued(db) == []
    assert await event_rows(db, "conversation.assigned") == []


def test_targets_accept_ints_and_digit_strings_only() -> None:
    raw = {"userIds": ["3", 1, "x", True, 3, None], "teamIds": "7"}
    assert Targets.parse(raw) == Targets(user_ids=(1, 3), team_ids=())
    assert not Targets.parse(None)
