"""SQLite: new messages reach the full-text index after their own transaction, in batches.

The insert trigger queues each new message's id (migration 0003); `index_pending` moves queued
messages into `messages_fts`, many in one transaction. `MessageIndexer` does so in the
background of the web process, a moment after commits (so one pass takes a whole burst) and
every few seconds for what other processes wrote; `catch_up` runs before every search, so a
search finds every committed message. PostgreSQL needs none of this: its index is kept with
the row.
"""

# ruff: noqa: S608 (fixed statements; the one value is bound)

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from frontdesk.core.db import Database, UnitOfWork

log = logging.getLogger(__name__)

# Messages per indexing transaction: holds the write lock for a few milliseconds at most.
BATCH = 500
# After a commit, wait this long before indexing, so one pass takes the messages of a burst.
DELAY_S = 0.2
# And look this often for messages that other processes queued.
POLL_S = 5.0
STOP_TIMEOUT_S = 5.0

_QUEUED = "SELECT message_id FROM search_pending_messages ORDER BY message_id LIMIT :n"
_INDEX = text(
    "INSERT INTO messages_fts(rowid, subject, text) SELECT id, subject, text FROM messages "
    f"WHERE id IN ({_QUEUED})"
)
_DEQUEUE = text(f"DELETE FROM search_pending_messages WHERE message_id IN ({_QUEUED})")
_ANY_QUEUED = text("SELECT EXISTS (SELECT 1 FROM search_pending_messages)")


async def index_pending(uow: UnitOfWork, *, limit: int = BATCH) -> int:
    """Index up to `limit` queued messages (oldest first) in this write transaction; how many
    left the queue."""
    await uow.execute(_INDEX, {"n": limit})
    result = await uow.execute(_DEQUEUE, {"n": limit})
    return max(int(result.rowcount), 0)  # type: ignore[attr-defined]


async def has_pending(uow: UnitOfWork) -> bool:
    return bool(await uow.scalar(_ANY_QUEUED))


async def catch_up(db: Database) -> int:
    """Index everything queued now (SQLite; nothing to do on PostgreSQL); how many."""
    if not db.is_sqlite:
        return 0
    async with db.read() as uow:
        if not await has_pending(uow):
            return 0
    total = 0
    while True:
        async with db.transaction() as uow:
            done = await index_pending(uow)
        total += done
        if done < BATCH:
            return total


class MessageIndexer:
    """The background half: woken after commits (an EventBus listener), it indexes what is
    queued a moment later, and looks every few seconds anyway."""

    def __init__(self, db: Database, *, delay_s: float = DELAY_S, poll_s: float = POLL_S):
        self.db = db
        self.delay_s = delay_s
        self.poll_s = poll_s
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self, _events: Sequence[Any] = ()) -> None:
        self._wakeup.set()

    async def start(self) -> None:
        if self.db.is_sqlite and self._task is None:
            self._task = asyncio.create_task(self._run(), name="message indexer")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, STOP_TIMEOUT_S)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.poll_s)
                await asyncio.sleep(self.delay_s)  # let the burst that woke us go on
            self._wakeup.clear()
            try:
                await catch_up(self.db)
            except Exception:
                log.exception("indexing new messages failed; trying again at the next wake")
