"""The stream and the hub without HTTP: audience rule, replay from the middle, buffers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import pytest

from frontdesk.api.deps import Principal
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.realtime.hub import EventHub, Subscription, listen_url
from frontdesk.realtime.queries import EventRecord
from frontdesk.realtime.stream import READY, EventStream, can_see
from tests.realtime.helpers import emit_inbox_events, logged_events
from tests.server import Frame, parse_frame

AGENT = Principal(kind="user", user_id=7, role="agent", inbox_ids=frozenset({1}))
ADMIN = Principal(kind="user", user_id=8, role="admin", inbox_ids=None)
READER_APP = Principal(kind="app", app_id=3, scopes=frozenset({"conversations.read"}))


def record(
    *, inbox_id: int | None = None, user_ids: tuple[int, ...] = (), admins: bool = False
) -> EventRecord:
    return EventRecord(
        id=1,
        name="x.happened",
        inbox_id=inbox_id,
        user_ids=frozenset(user_ids),
        admins=admins,
        frame=b"",
    )


@pytest.mark.parametrize(
    ("principal", "event", "visible"),
    [
        (AGENT, record(inbox_id=1), True),
        (AGENT, record(inbox_id=2), False),
        (AGENT, record(admins=True), False),
        (AGENT, record(user_ids=(7,)), True),
        (AGENT, record(inbox_id=2, user_ids=(7,)), True),  # e.g. assigned, outside the inbox
        (AGENT, record(user_ids=(8,)), False),
        (ADMIN, record(inbox_id=2), True),
        (ADMIN, record(admins=True), True),
        (ADMIN, record(user_ids=(7,)), False),  # another user's notification
        (READER_APP, record(inbox_id=2), True),
        (READER_APP, record(admins=True), False),
        (READER_APP, record(user_ids=(7,)), False),
        (READER_APP, record(), False),
    ],
)
def test_audience_rule(principal: Principal, event: EventRecord, visible: bool) -> None:
    assert can_see(principal, event) is visible


async def read_events(frames: AsyncGenerator[bytes, None], count: int) -> list[Frame]:
    """`count` event frames (comments skipped) from a stream's chunks."""
    found: list[Frame] = []
    async with asyncio.timeout(10):
        while len(found) < count:
            chunk = await anext(frames)
            for raw in chunk.split(b"\n\n")[:-1]:
                frame = parse_frame(raw + b"\n\n")
                if frame.comment is None:
                    found.append(frame)
    return found


@pytest.mark.asyncio
async def test_stream_from_mid_log_equals_the_log_after_that_id_filtered(
    settings: Settings, db: Database
) -> None:
    for _ in range(10):
        await emit_inbox_events(db, inbox_id=1)
        await emit_inbox_events(db, inbox_id=2)
    hub = EventHub(db, settings)
    await hub.start()
    middle = (await logged_events(db))[7].id
    stream = EventStream(hub, principal=AGENT, after_id=middle, heartbeat_s=60, max_backlog=100)
    frames = stream.frames()
    try:
        assert await anext(frames) == READY
        await emit_inbox_events(db, inbox_id=2, commits=2)  # live, with nothing visible
        await emit_inbox_events(db, inbox_id=1, commits=3)  # live
        expected = [row for row in await logged_events(db, after_id=middle) if row.inbox_id == 1]
        received = await read_events(frames, len(expected))
    finally:
        await frames.aclose()
        await hub.stop()
    assert [(f.id, f.event, f.json()) for f in received] == [
        (row.id, row.name, row.payload) for row in expected
    ]
    assert hub.subscriber_count == 0


@pytest.mark.asyncio
async def test_subscription_overflow_ends_it_and_drops_the_buffer() -> None:
    subscription = Subscription(limit=2)
    subscription.push([record()])
    subscription.push([record(), record()])
    assert subscription.overflowed
    subscription.push([record()])
    assert await subscription.next_batch(wait_s=0) == []


@pytest.mark.asyncio
async def test_tailer_fans_out_every_new_row_in_order_in_batches(
    settings: Settings, db: Database
) -> None:
    hub = EventHub(db, settings)
    hub.batch_size = 3
    await emit_inbox_events(db, inbox_id=1)  # before start: not the tailer's to send
    await hub.start()
    subscription = hub.subscribe()
    await emit_inbox_events(db, inbox_id=1, per_commit=10)
    received: list[int] = []
    try:
        async with asyncio.timeout(5):
            while len(received) < 10:
                received += [r.id for r in await subscription.next_batch(wait_s=5)]
    finally:
        await hub.stop()
    assert received == [row.id for row in await logged_events(db)][1:]


@pytest.mark.asyncio
async def test_stop_ends_subscriptions_and_refuses_new_ones(
    settings: Settings, db: Database
) -> None:
    hub = EventHub(db, settings)
    await hub.start()
    subscription = hub.subscribe()
    waiting = asyncio.create_task(subscription.next_batch(wait_s=60))
    await hub.stop()
    assert await asyncio.wait_for(waiting, 5) == []
    assert subscription.closed
    assert hub.subscribe().closed
    await hub.stop()  # twice is fine: the server and the lifespan both call it


def test_listen_url_is_plain_postgresql() -> None:
    url = listen_url("postgresql+asyncpg://fd:secret@db.example:5433/frontdesk")
    assert url == "postgresql://fd:secret@db.example:5433/frontdesk"
