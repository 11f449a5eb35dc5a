"""Many concurrent writers while clients stream: every event exactly once, in id order, none
missing (DESIGN 6, the pitfall of sequence ids that are not handed out in commit order)."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from frontdesk.app import build_database
from frontdesk.config import Settings
from frontdesk.conversations.events import ConversationUpdated
from frontdesk.core.db import Database
from frontdesk.core.events import Audience, Event
from frontdesk.messages.events import MessageStatusChanged
from tests import factories
from tests.realtime.helpers import logged_events
from tests.server import EventStreamReader, open_events, serve

WRITERS = 20
COMMITS = 25


def events_of(writer: int, commit: int) -> list[Event]:
    """1 to 3 events per commit, of two real event types, over two inboxes."""
    inbox = 1 + (writer + commit) % 2
    made_up = writer * 1000 + commit
    status = MessageStatusChanged(
        thread_id=made_up,
        message_id=made_up,
        inbox_id=inbox,
        status="SENT",
        audience=Audience(inbox_id=inbox),
    )
    update = ConversationUpdated(
        thread_id=made_up, inbox_id=inbox, changes={"n": commit}, audience=Audience(inbox_id=inbox)
    )
    return [status, update, status][: 1 + (writer + commit) % 3]


TOTAL = sum(len(events_of(w, c)) for w in range(WRITERS) for c in range(COMMITS))


async def write(db: Database, writer: int) -> None:
    for commit in range(COMMITS):
        async with db.transaction() as uow:
            # Some work inside the transaction, so that transactions overlap.
            await uow.execute(text("SELECT 1"))
            for event in events_of(writer, commit):
                uow.emit(event)


async def collect(stream: EventStreamReader, count: int) -> list[int]:
    return [frame.id for frame in await stream.events(count, within=30)]


@pytest.mark.asyncio
async def test_concurrent_writers_reach_streams_exactly_once_in_order(
    app: FastAPI, settings: Settings, db: Database
) -> None:
    admin_id = await factories.create_user(db, role="admin")
    token = await factories.create_personal_token(db, user_id=admin_id)
    before = await logged_events(db)
    # On PostgreSQL the writers are "another process": their own pool, no in-process wake-up.
    # SQLite has one writer per process, so there they share the server's database.
    writers_db = db
    if not db.is_sqlite:
        writers_db, _bus = build_database(settings.model_copy(update={"db_pool_size": WRITERS}))
    try:
        async with serve(app) as live, open_events(live.url, token) as first:
            tasks = [asyncio.create_task(write(writers_db, w)) for w in range(WRITERS)]
            early = await collect(first, TOTAL // 3)
            # A second client joins mid-way, resuming after what the first one has seen.
            async with open_events(live.url, token, last_event_id=early[-1]) as second:
                rest = await collect(first, TOTAL - len(early))
                late = await collect(second, TOTAL - len(early))
            await asyncio.gather(*tasks)
    finally:
        if writers_db is not db:
            await writers_db.dispose()
    start = before[-1].id if before else 0
    logged = [row.id for row in await logged_events(db, after_id=start)]
    assert len(logged) == TOTAL
    assert early + rest == logged
    assert late == logged[len(early) :]
