"""Appending events on PostgreSQL (core/events.py): ids are drawn in commit order.

A reader advances by event id. If a transaction could draw ids while another that drew
smaller ones had not yet committed, the reader could pass the smaller ids before they appear
and never see them. So an append takes the append lock before it draws ids, and holds it to
its commit. SQLite has one writer, which orders appends by itself.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from frontdesk.conversations.events import ConversationUpdated
from frontdesk.core.db import Database
from frontdesk.core.events import Audience, append_events

pytestmark = pytest.mark.postgres_only


def an_event(n: int) -> ConversationUpdated:
    return ConversationUpdated(
        thread_id=n, inbox_id=1, changes={"n": n}, audience=Audience(inbox_id=1)
    )


async def last_drawn_id(db: Database) -> int:
    """The events sequence's last value: drawn ids show here before their commit."""
    async with db.read() as uow:
        return int(
            await uow.scalar(
                text("SELECT last_value FROM pg_sequences WHERE sequencename = 'events_id_seq'")
            )
            or 0
        )


async def an_append_waits_for_the_lock(db: Database) -> None:
    """Return once another backend waits for an advisory lock (the append lock)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' "
        "AND datname = current_database()"
    )
    async with asyncio.timeout(10):
        while True:
            async with db.read() as uow:
                if await uow.scalar(query):
                    return
            await asyncio.sleep(0.01)  # polling a condition, not timing a race


@pytest.mark.asyncio
async def test_an_append_draws_no_id_before_the_previous_append_commits(db: Database) -> None:
    first_appended = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> None:
        async with db.transaction() as uow:
            await append_events(uow, [an_event(1), an_event(2)])
            first_appended.set()
            await release_first.wait()

    async def second() -> None:
        async with db.transaction() as uow:
            await append_events(uow, [an_event(3)])

    first_task = asyncio.create_task(first())
    await first_appended.wait()
    drawn_by_first = await last_drawn_id(db)
    second_task = asyncio.create_task(second())
    await an_append_waits_for_the_lock(db)

    assert await last_drawn_id(db) == drawn_by_first  # the second append has drawn nothing yet
    release_first.set()
    await asyncio.gather(first_task, second_task)
    assert await last_drawn_id(db) == drawn_by_first + 1
    async with db.read() as uow:
        rows = (await uow.execute(text("SELECT id, payload FROM events ORDER BY id"))).all()
    assert [row.payload["threadId"] for row in rows[-3:]] == ["1", "2", "3"]
    assert [row.id for row in rows[-3:]] == [drawn_by_first - 1, drawn_by_first, drawn_by_first + 1]
