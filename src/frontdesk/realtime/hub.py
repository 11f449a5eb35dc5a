"""The per-process event tailer and fan-out (DESIGN 6).

One tailer per process reads the event log by increasing id and hands each batch to the
subscriptions of this process's streams. It is woken after every local commit that wrote
events (`wake`, an after-commit listener), on PostgreSQL also by LISTEN/NOTIFY from other
processes, and it polls every `event_poll_s`, so a lost wake-up costs a moment, not an event.
Appends are ordered by commit (core.events), so reading by increasing id never skips a row
that commits a moment later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.realtime import queries
from frontdesk.realtime.queries import EventRecord

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "frontdesk_events"  # the channel core.events notifies at each append
STOP_TIMEOUT_S = 5.0


class Subscription:
    """One stream's bounded buffer of live events. It ends when the hub stops (`closed`) or
    when the stream falls more than `limit` events behind (`overflowed`: the stream then
    catches up from the log instead of the tailer holding events for it)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.closed = False
        self.overflowed = False
        self._items: deque[EventRecord] = deque()
        self._ready = asyncio.Event()

    @property
    def ended(self) -> bool:
        return self.closed or self.overflowed

    def push(self, records: Sequence[EventRecord]) -> None:
        if self.ended:
            return
        if len(self._items) + len(records) > self.limit:
            self.overflowed = True
            self._items.clear()
        else:
            self._items.extend(records)
        self._ready.set()

    def close(self) -> None:
        self.closed = True
        self._items.clear()
        self._ready.set()

    async def next_batch(self, wait_s: float) -> list[EventRecord]:
        """The buffered events, waiting up to `wait_s` for one (TimeoutError if none
        came). Empty only once the subscription has ended."""
        if not self._items and not self.ended:
            self._ready.clear()
            await asyncio.wait_for(self._ready.wait(), wait_s)
        batch = list(self._items)
        self._items.clear()
        return batch


def listen_url(database_url: str) -> str:
    """The SQLAlchemy asyncpg URL as a plain URL that asyncpg.connect accepts."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class EventHub:
    """Tails the event log once per process and fans events out to its streams."""

    batch_size = 500
    queue_limit = 1000  # per subscription; beyond it the stream re-reads the log

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.running = False
        self.last_id = 0
        self._subscribers: set[Subscription] = set()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncpg.Connection | None = None  # PostgreSQL only

    async def start(self) -> None:
        """Begin tailing at the current end of the log (streams replay older events)."""
        self._wakeup = asyncio.Event()
        async with self.db.read() as uow:
            self.last_id = await queries.last_event_id(uow)
        self.running = True
        await self._ensure_listener()
        self._task = asyncio.create_task(self._run(), name="frontdesk-event-tailer")

    async def stop(self) -> None:
        """End every stream, then the tailer. Safe to call twice: the server calls it when
        shutdown begins (streams must not hold it), the lifespan again at the end."""
        self.running = False
        for subscription in self._subscribers:
            subscription.close()
        self._subscribers.clear()
        self._wakeup.set()
        if self._task is not None:
            task, self._task = self._task, None
            try:
                await asyncio.wait_for(task, STOP_TIMEOUT_S)
            except TimeoutError:
                log.warning("event tailer did not stop within %s s; cancelled", STOP_TIMEOUT_S)
        await self._close_listener()

    def wake(self, events: Sequence[Any] = ()) -> None:
        """Read the log now (after a commit that wrote events)."""
        if self.running:
            self._wakeup.set()

    def subscribe(self) -> Subscription:
        """A buffer that receives every event the tailer reads from now on."""
        subscription = Subscription(self.queue_limit)
        if self.running:
            self._subscribers.add(subscription)
        else:
            subscription.close()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def _run(self) -> None:
        while self.running:
            self._wakeup.clear()
            try:
                await self._ensure_listener()
                await self._drain()
            except Exception:
                log.exception("event tailer failed; trying again at the next poll")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.settings.event_poll_s)

    async def _drain(self) -> None:
        while self.running:
            async with self.db.read() as uow:
                records = await queries.read_events_after(
                    uow, after_id=self.last_id, limit=self.batch_size
                )
            if not records:
                return
            self.last_id = records[-1].id
            self._fan_out(records)
            if len(records) < self.batch_size:
                return

    def _fan_out(self, records: Sequence[EventRecord]) -> None:
        for subscription in list(self._subscribers):
            subscription.push(records)
            if subscription.overflowed:
                log.info(
                    "a stream fell behind by over %s events; it re-reads the log", self.queue_limit
                )
                self._subscribers.discard(subscription)

    async def _ensure_listener(self) -> None:
        """On PostgreSQL, (re)open the LISTEN connection; without it the hub still polls."""
        if self.db.is_sqlite or not self.running:
            return
        if self._listener is not None and not self._listener.is_closed():
            return
        connection = None
        try:
            connection = await asyncpg.connect(listen_url(self.db.url))
            await connection.add_listener(NOTIFY_CHANNEL, self._on_notify)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("LISTEN %s failed, polling only for now: %s", NOTIFY_CHANNEL, exc)
            if connection is not None:
                connection.terminate()
            return
        # A lost connection wakes the tailer, which reconnects, then reads the log.
        connection.add_termination_listener(self._on_notify)
        self._listener = connection

    def _on_notify(self, *_args: object) -> None:
        self.wake()

    async def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        try:
            await listener.close(timeout=STOP_TIMEOUT_S)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            listener.terminate()
