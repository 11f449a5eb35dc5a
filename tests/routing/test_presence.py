"""Presence from the event stream (DESIGN 7): a user's open stream renews `last_seen_at` on
connect and then at most every third of the grace period, on a real server."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from frontdesk.accounts.models import User
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.routing.clock import ManualClock
from tests import factories
from tests.realtime.helpers import emit_user_event
from tests.routing.world import assignees, make_world, queued, user
from tests.server import open_events


@pytest.mark.asyncio
async def test_an_open_stream_renews_presence_when_due(
    db: Database, settings: Settings, server: str, clock: ManualClock
) -> None:
    agent = await factories.create_user(db)
    token = await factories.create_personal_token(db, user_id=agent)
    assert (await user(db, agent)).last_seen_at is None
    connected_at = clock.now_ms()

    async with open_events(server, token) as events:
        assert (await user(db, agent)).last_seen_at == connected_at
        clock.advance(settings.presence_grace_s / 3 - 1)  # not due yet: a frame renews nothing
        await emit_user_event(db, user_id=agent)
        await events.next_event()
        assert (await user(db, agent)).last_seen_at == connected_at

        clock.advance(1)  # due: the next frame renews
        await emit_user_event(db, user_id=agent)
        await events.next_event()
        assert (await user(db, agent)).last_seen_at == clock.now_ms()


@pytest.mark.asyncio
async def test_an_app_stream_is_nobody_s_presence(db: Database, server: str) -> None:
    app = await factories.create_app(db, scopes=["conversations.read"])
    async with open_events(server, app.access_token):
        pass
    async with db.read() as uow:
        seen = await uow.scalar(select(func.count()).where(User.last_seen_at.is_not(None)))
    assert seen == 0


@pytest.mark.asyncio
async def test_opening_the_stream_brings_an_agent_online_and_serves_the_queue(
    db: Database, settings: Settings, client: httpx.AsyncClient, server: str
) -> None:
    world = await make_world(db, settings, client, agents=1)
    (agent,) = world.agents
    await world.route()
    waiting = await world.publish()
    assert await queued(db) == [waiting]
    token = await factories.create_personal_token(db, user_id=agent)

    async with open_events(server, token):
        assert await assignees(db, [waiting]) == [agent]
        assert await queued(db) == []
