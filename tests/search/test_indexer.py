"""SQLite indexes new messages after their transaction (search/indexer.py, migration 0003)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from alembic import command
from sqlalchemy import text

from frontdesk.core.db import Database
from frontdesk.migrations import alembic_config, migrate
from frontdesk.search import indexer
from tests.conversations.inbox_world import InboxWorld, build_world, publish

WAIT_S = 30.0  # a hang bound: the indexer wakes within DELAY_S of a commit


# PostgreSQL's index is kept with the row: nothing is queued there.
pytestmark = pytest.mark.sqlite_only


@pytest_asyncio.fixture
async def world(db: Database) -> InboxWorld:
    return await build_world(db)


async def _queued(db: Database) -> list[int]:
    async with db.read() as uow:
        rows = await uow.execute(text("SELECT message_id FROM search_pending_messages"))
        return sorted(int(row[0]) for row in rows)


async def _indexed(db: Database, word: str) -> list[int]:
    async with db.read() as uow:
        rows = await uow.execute(
            text("SELECT rowid FROM messages_fts WHERE messages_fts MATCH :w"), {"w": word}
        )
        return sorted(int(row[0]) for row in rows)


async def _index_is_sound(db: Database) -> None:
    async with db.transaction() as uow:  # raises "database disk image is malformed" if not
        await uow.execute(text("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')"))


@pytest.mark.asyncio
async def test_a_published_message_is_queued_then_indexed_by_catch_up(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    first = int((await publish(client, world, account=world.chat_a, at=1, text="kiwi"))["id"])
    second = int((await publish(client, world, account=world.chat_a, at=2, text="kiwi"))["id"])
    assert await _queued(db) == [first, second]
    assert await _indexed(db, "kiwi") == []
    assert await indexer.catch_up(db) == 2
    assert await _queued(db) == []
    assert await _indexed(db, "kiwi") == [first, second]
    assert await indexer.catch_up(db) == 0
    await _index_is_sound(db)


@pytest.mark.asyncio
async def test_index_pending_takes_the_oldest_first_in_batches(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    ids = [
        int((await publish(client, world, account=world.chat_a, at=n, text="plum"))["id"])
        for n in range(3)
    ]
    async with db.transaction() as uow:
        assert await indexer.index_pending(uow, limit=2) == 2
    assert await _indexed(db, "plum") == ids[:2]
    assert await _queued(db) == ids[2:]
    async with db.transaction() as uow:
        assert await indexer.index_pending(uow, limit=2) == 1
    assert await _indexed(db, "plum") == ids


@pytest.mark.asyncio
async def test_deleting_a_queued_message_leaves_the_index_sound(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    indexed = await publish(client, world, account=world.chat_a, at=1, text="fig")
    await indexer.catch_up(db)
    queued = await publish(client, world, account=world.chat_a, at=2, text="fig")
    async with db.transaction() as uow:
        for message in (queued, indexed):
            await uow.execute(
                text("UPDATE threads SET last_message_id = NULL WHERE last_message_id = :m"),
                {"m": int(message["id"])},
            )
            await uow.execute(text("DELETE FROM messages WHERE id = :m"), {"m": int(message["id"])})
    assert await _queued(db) == []
    assert await _indexed(db, "fig") == []
    await _index_is_sound(db)


@pytest.mark.asyncio
async def test_an_edit_reaches_the_index_whether_queued_or_indexed(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    message_id = int((await publish(client, world, account=world.chat_a, at=1, text="pear"))["id"])
    edit = text("UPDATE messages SET text = :t WHERE id = :m")
    async with db.transaction() as uow:
        await uow.execute(edit, {"t": "quince", "m": message_id})  # still queued
    await indexer.catch_up(db)
    assert (await _indexed(db, "pear"), await _indexed(db, "quince")) == ([], [message_id])
    async with db.transaction() as uow:
        await uow.execute(edit, {"t": "medlar", "m": message_id})  # indexed
    assert (await _indexed(db, "quince"), await _indexed(db, "medlar")) == ([], [message_id])
    await _index_is_sound(db)


@pytest.mark.asyncio
async def test_the_background_indexer_indexes_after_a_commit(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    background = indexer.MessageIndexer(db, delay_s=0.0, poll_s=WAIT_S * 2)
    db.hooks.listen(background.wake)  # type: ignore[attr-defined]
    await background.start()
    try:
        message_id = int(
            (await publish(client, world, account=world.chat_a, at=1, text="lime"))["id"]
        )
        deadline = time.monotonic() + WAIT_S
        while await _indexed(db, "lime") != [message_id]:
            assert time.monotonic() < deadline, "not indexed in time"
            await asyncio.sleep(0.01)
        assert await _queued(db) == []
    finally:
        await background.stop()


def _insert_damson(connection: sqlite3.Connection, message_id: int) -> None:
    # A bare message row (no thread behind it): only its text matters to the index.
    connection.execute("PRAGMA foreign_keys=OFF")
    connection.execute(
        "INSERT INTO messages (id, thread_id, type, senders, recipients, text, attachments,"
        " has_attachments, client_type, created_by, extra, archived, created_at, updated_at)"
        " VALUES (:id, 1, 'MESSAGE', '[]', '[]', 'damson', '[]', 0, 'INTEGRATION', 'I-1',"
        " '{}', 0, 1, 1)",
        {"id": message_id},
    )


def _damsons(connection: sqlite3.Connection) -> list[tuple[int]]:
    return connection.execute(
        "SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'damson'"
    ).fetchall()


def test_downgrading_indexes_what_is_queued(tmp_path: Path) -> None:
    path = tmp_path / "down.db"
    url = f"sqlite:///{path}"
    migrate(url)
    with sqlite3.connect(path) as connection:
        _insert_damson(connection, 7)
        assert connection.execute("SELECT message_id FROM search_pending_messages").fetchall() == [
            (7,)
        ]
    connection.close()
    command.downgrade(alembic_config(url), "0002")
    with sqlite3.connect(path) as connection:
        found = _damsons(connection)
        _insert_damson(connection, 8)  # and indexing is back in the transaction
        after = _damsons(connection)
    connection.close()
    assert found == [(7,)]
    assert after == [(7,), (8,)]
    migrate(url)  # and up again
