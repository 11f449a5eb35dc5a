"""GET /frontdesk/v1/events over a real server: frames, audience, resume, resync, heartbeat,
disconnect and shutdown."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import text

from frontdesk.app import build_database, create_app
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.realtime.hub import EventHub
from tests import factories
from tests.realtime.helpers import (
    emit_admin_event,
    emit_inbox_events,
    emit_user_event,
    logged_events,
)
from tests.server import LiveServer, http_client, open_events, serve

EVENTS = "/frontdesk/v1/events"


@dataclass
class World:
    admin_id: int
    admin: str
    agent_id: int
    agent: str
    inbox_a: int  # the agent's team's inbox
    inbox_b: int  # an inbox of no team of the agent


@pytest_asyncio.fixture
async def world(db: Database) -> World:
    team = await factories.create_team(db)
    admin_id = await factories.create_user(db, role="admin")
    agent_id = await factories.create_user(db, teams=[team])
    inbox_a = await factories.create_inbox(db, teams=[team])
    inbox_b = await factories.create_inbox(db)
    return World(
        admin_id=admin_id,
        admin=await factories.create_personal_token(db, user_id=admin_id),
        agent_id=agent_id,
        agent=await factories.create_personal_token(db, user_id=agent_id),
        inbox_a=inbox_a,
        inbox_b=inbox_b,
    )


def app_with(settings: Settings, db: Database, **changes: object) -> FastAPI:
    return create_app(settings.model_copy(update=changes), db=db)


async def wait_until(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


@pytest.mark.asyncio
async def test_frame_is_id_event_and_json_data(server: str, db: Database, world: World) -> None:
    async with open_events(server, world.admin) as stream:
        assert stream.response.headers["content-type"].startswith("text/event-stream")
        assert stream.response.headers["cache-control"] == "no-store"
        assert stream.response.headers["x-accel-buffering"] == "no"
        await emit_inbox_events(db, inbox_id=world.inbox_a)
        frame = await stream.next_event()
    (row,) = await logged_events(db)
    data = json.dumps(row.payload, separators=(",", ":"))
    assert frame.raw == f"id: {row.id}\nevent: conversation.updated\ndata: {data}\n\n".encode()
    assert frame.json() == {
        "threadId": "1",
        "inboxId": str(world.inbox_a),
        "changes": {"status": "CLOSED"},
    }


@pytest.mark.asyncio
async def test_without_last_event_id_only_new_events(
    server: str, db: Database, world: World
) -> None:
    await emit_inbox_events(db, inbox_id=world.inbox_a, commits=3)
    async with open_events(server, world.admin) as stream:
        await emit_inbox_events(db, inbox_id=world.inbox_a)
        frame = await stream.next_event()
    assert frame.id == (await logged_events(db))[-1].id


@pytest.mark.asyncio
async def test_user_outside_inbox_teams_gets_none_of_its_events(
    server: str, db: Database, world: World
) -> None:
    async with open_events(server, world.agent) as stream:
        await emit_inbox_events(db, inbox_id=world.inbox_b, commits=2)
        await emit_inbox_events(db, inbox_id=world.inbox_a)
        frame = await stream.next_event()
    # Ids are in commit order: had the inbox B events been sent, they would come first.
    assert frame.json()["inboxId"] == str(world.inbox_a)


@pytest.mark.asyncio
async def test_admin_events_reach_admin_users_only(server: str, db: Database, world: World) -> None:
    async with (
        open_events(server, world.admin) as admin,
        open_events(server, world.agent) as agent,
    ):
        await emit_admin_event(db)
        await emit_inbox_events(db, inbox_id=world.inbox_a)
        admin_frames = await admin.events(2)
        agent_frame = await agent.next_event()
    assert [f.event for f in admin_frames] == ["channel_account.updated", "conversation.updated"]
    assert agent_frame.event == "conversation.updated"


@pytest.mark.asyncio
async def test_user_targeted_events_reach_that_user_only(
    server: str, db: Database, world: World
) -> None:
    async with (
        open_events(server, world.admin) as admin,
        open_events(server, world.agent) as agent,
    ):
        await emit_user_event(db, user_id=world.agent_id)
        await emit_inbox_events(db, inbox_id=world.inbox_a)
        agent_frames = await agent.events(2)
        admin_frame = await admin.next_event()
    assert [f.event for f in agent_frames] == ["conversation.assigned", "conversation.updated"]
    assert admin_frame.event == "conversation.updated"


@pytest.mark.asyncio
async def test_app_with_conversations_read_sees_every_inbox_and_nothing_else(
    server: str, db: Database, world: World
) -> None:
    app = await factories.create_app(db, scopes=["conversations.read"])
    async with open_events(server, app.access_token) as stream:
        await emit_admin_event(db)
        await emit_user_event(db, user_id=world.agent_id)
        await emit_inbox_events(db, inbox_id=world.inbox_b)
        frame = await stream.next_event()
    assert frame.event == "conversation.updated"
    assert frame.json()["inboxId"] == str(world.inbox_b)


@pytest.mark.asyncio
async def test_app_without_conversations_read_is_refused(server: str, db: Database) -> None:
    app = await factories.create_app(db, scopes=["conversations.custom_channels.read"])
    async with http_client(server) as client:
        response = await client.get(EVENTS, headers=factories.bearer(app.access_token))
    assert response.status_code == 403
    assert response.json()["category"] == "MISSING_SCOPES"


@pytest.mark.asyncio
@pytest.mark.parametrize("token", [None, "not-a-token"])
async def test_missing_or_wrong_token_is_401(server: str, token: str | None) -> None:
    headers = factories.bearer(token) if token else {}
    async with http_client(server) as client:
        response = await client.get(EVENTS, headers=headers)
    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("headers", "query", "field"),
    [
        ({"Last-Event-ID": "abc"}, "", "Last-Event-ID"),
        ({"Last-Event-ID": "-1"}, "", "Last-Event-ID"),
        ({}, "?lastEventId=1.5", "lastEventId"),
    ],
)
async def test_bad_last_event_id_is_400_naming_it(
    server: str, world: World, headers: dict[str, str], query: str, field: str
) -> None:
    async with http_client(server) as client:
        response = await client.get(
            EVENTS + query, headers={**factories.bearer(world.admin), **headers}
        )
    assert response.status_code == 400
    assert response.json()["errors"][0]["in"] == field


@pytest.mark.asyncio
async def test_resume_after_disconnect_has_no_gap_and_no_duplicate(
    server: str, db: Database, world: World
) -> None:
    async with open_events(server, world.admin) as stream:
        await emit_inbox_events(db, inbox_id=world.inbox_a, commits=3)
        first = await stream.events(3)
    # Missed while disconnected, then more while the client replays and goes live.
    await emit_inbox_events(db, inbox_id=world.inbox_a, commits=4)
    writer = asyncio.create_task(emit_inbox_events(db, inbox_id=world.inbox_a, commits=30))
    async with open_events(server, world.admin, last_event_id=first[-1].id) as stream:
        await writer
        second = await stream.events(34)
    received = [f.id for f in first + second]
    assert received == [row.id for row in await logged_events(db)]


@pytest.mark.asyncio
async def test_resume_from_query_parameter(server: str, db: Database, world: World) -> None:
    await emit_inbox_events(db, inbox_id=world.inbox_a, commits=3)
    rows = await logged_events(db)
    async with open_events(server, world.admin, query=f"?lastEventId={rows[0].id}") as stream:
        frames = await stream.events(2)
    assert [f.id for f in frames] == [row.id for row in rows[1:]]


@pytest.mark.asyncio
async def test_header_wins_over_query(server: str, db: Database, world: World) -> None:
    await emit_inbox_events(db, inbox_id=world.inbox_a, commits=3)
    rows = await logged_events(db)
    async with open_events(
        server, world.admin, last_event_id=rows[1].id, query=f"?lastEventId={rows[0].id}"
    ) as stream:
        frame = await stream.next_event()
    assert frame.id == rows[2].id


@pytest.mark.asyncio
async def test_backlog_up_to_the_limit_is_replayed(
    settings: Settings, db: Database, world: World
) -> None:
    await emit_inbox_events(db, inbox_id=world.inbox_a, commits=5)
    rows = await logged_events(db)
    async with (
        serve(app_with(settings, db, sse_max_backlog=5)) as live,
        open_events(live.url, world.admin, last_event_id=0) as stream,
    ):
        frames = await stream.events(5)
    assert [f.id for f in frames] == [row.id for row in rows]


@pytest.mark.asyncio
async def test_backlog_beyond_the_limit_gets_resync_then_new_events(
    settings: Settings, db: Database, world: World
) -> None:
    await emit_inbox_events(db, inbox_id=world.inbox_a, commits=6)
    end = (await logged_events(db))[-1].id
    async with (
        serve(app_with(settings, db, sse_max_backlog=5)) as live,
        open_events(live.url, world.admin, last_event_id=0) as stream,
    ):
        resync = await stream.next_event()
        await emit_inbox_events(db, inbox_id=world.inbox_a)
        after = await stream.next_event()
    assert resync.raw == f'id: {end}\nevent: resync\ndata: {{"lastEventId":"{end}"}}\n\n'.encode()
    assert after.id == (await logged_events(db))[-1].id


@pytest.mark.asyncio
async def test_last_event_id_beyond_the_log_gets_resync(
    server: str, db: Database, world: World
) -> None:
    await emit_inbox_events(db, inbox_id=world.inbox_a)
    end = (await logged_events(db))[-1].id
    async with open_events(server, world.admin, last_event_id=end + 100) as stream:
        resync = await stream.next_event()
    assert resync.event == "resync"
    assert resync.json() == {"lastEventId": str(end)}


@pytest.mark.asyncio
async def test_heartbeat_comment_when_idle(settings: Settings, db: Database, world: World) -> None:
    async with (
        serve(app_with(settings, db, sse_heartbeat_s=0.05)) as live,
        open_events(live.url, world.admin) as stream,
    ):
        frame = await stream.next_frame()
    assert frame is not None
    assert frame.raw == b": ping\n\n"


@pytest.mark.asyncio
async def test_heartbeat_while_only_invisible_events_flow(
    settings: Settings, db: Database, world: World
) -> None:
    async with (
        serve(app_with(settings, db, sse_heartbeat_s=0.2)) as live,
        open_events(live.url, world.agent) as stream,
    ):
        pinged = asyncio.create_task(stream.next_frame())
        # Keep the log busy with events the agent may not see until the heartbeat comes.
        while not pinged.done():
            await emit_inbox_events(db, inbox_id=world.inbox_b)
            await asyncio.sleep(0.01)
        frame = pinged.result()
    assert frame is not None
    assert frame.raw == b": ping\n\n"


@pytest.mark.asyncio
async def test_client_disconnect_drops_its_subscription(
    app: FastAPI, live_server: LiveServer, world: World
) -> None:
    hub: EventHub = app.state.hub
    async with open_events(live_server.url, world.admin):
        assert hub.subscriber_count == 1
    await wait_until(lambda: hub.subscriber_count == 0)


@pytest.mark.asyncio
async def test_server_shutdown_ends_open_streams_promptly(
    live_server: LiveServer, world: World
) -> None:
    async with open_events(live_server.url, world.admin) as stream:
        started = time.monotonic()
        stopping = asyncio.create_task(live_server.stop(within=5.0))
        assert await stream.next_frame() is None  # the server ended the stream
        await stopping
    assert time.monotonic() - started < 2.0


@pytest.mark.asyncio
async def test_slow_stream_catches_up_from_the_log_when_its_buffer_overflows(
    app: FastAPI,
    live_server: LiveServer,
    db: Database,
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub: EventHub = app.state.hub
    hub.queue_limit = 1
    async with open_events(live_server.url, world.admin) as stream:
        with caplog.at_level(logging.INFO, logger="frontdesk.realtime.hub"):
            await emit_inbox_events(db, inbox_id=world.inbox_a, per_commit=50)
            frames = await stream.events(50)
            # And the stream goes on live after catching up.
            await emit_inbox_events(db, inbox_id=world.inbox_a)
            frames.append(await stream.next_event())
    assert "fell behind" in caplog.text
    assert [f.id for f in frames] == [row.id for row in await logged_events(db)]


@pytest.mark.asyncio
async def test_commit_wakes_the_stream_without_waiting_for_the_poll(
    settings: Settings, db: Database, world: World
) -> None:
    async with (
        serve(app_with(settings, db, event_poll_s=60)) as live,
        open_events(live.url, world.admin) as stream,
    ):
        await emit_inbox_events(db, inbox_id=world.inbox_a)
        frame = await stream.next_event()
    assert frame.event == "conversation.updated"


@pytest.mark.asyncio
async def test_events_written_by_another_process_arrive(
    settings: Settings, db: Database, world: World
) -> None:
    """Another process's commits do not call this process's listeners: on SQLite the poll
    finds them, on PostgreSQL LISTEN/NOTIFY (the poll interval here is longer than the
    deadline when on PostgreSQL, so only the notification can deliver in time)."""
    poll_s = 60 if not db.is_sqlite else 0.2
    other, _bus = build_database(settings)
    try:
        async with (
            serve(app_with(settings, db, event_poll_s=poll_s)) as live,
            open_events(live.url, world.admin) as stream,
        ):
            await emit_inbox_events(other, inbox_id=world.inbox_a)
            frame = await stream.next_event()
    finally:
        await other.dispose()
    assert frame.event == "conversation.updated"


@pytest.mark.asyncio
@pytest.mark.postgres_only
async def test_lost_listen_connection_is_reopened(
    settings: Settings, db: Database, world: World
) -> None:
    listeners = text(
        "SELECT pid FROM pg_stat_activity"
        " WHERE datname = current_database() AND query = 'LISTEN \"frontdesk_events\"'"
    )

    async def listener_pids() -> list[int]:
        async with db.read() as uow:
            return [row.pid for row in await uow.execute(listeners)]

    other, _bus = build_database(settings)
    try:
        async with serve(app_with(settings, db, event_poll_s=60)) as live:
            (pid,) = await listener_pids()
            async with db.read() as uow:
                await uow.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 5
            while (pids := await listener_pids()) in ([], [pid]):
                assert time.monotonic() < deadline, "LISTEN connection not reopened"
                await asyncio.sleep(0.01)
            assert len(pids) == 1
            async with open_events(live.url, world.admin) as stream:
                await emit_inbox_events(other, inbox_id=world.inbox_a)
                frame = await stream.next_event()
    finally:
        await other.dispose()
    assert frame.event == "conversation.updated"
