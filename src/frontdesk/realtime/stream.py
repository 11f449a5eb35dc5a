"""One client's Server-Sent Events stream (DESIGN 6): replay from the log, then live events,
filtered to what the client may see, with heartbeats; ends on disconnect and on shutdown."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import aclosing

import orjson
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from frontdesk.api.deps import Principal
from frontdesk.core.errors import validation_error
from frontdesk.realtime import queries
from frontdesk.realtime.hub import EventHub, Subscription
from frontdesk.realtime.queries import EventRecord

READ_SCOPE = "conversations.read"
READY = b": ready\n\n"  # sent once the stream's start is fixed: later commits will reach it
PING = b": ping\n\n"
REPLAY_BATCH = 500

# Awaited on connect and before each frame: renews the user's presence when due (routing
# provides it; the stream knows nothing of presence but that it is kept while it runs).
KeepAlive = Callable[[], Awaitable[None]]


def can_see(principal: Principal, record: EventRecord) -> bool:
    """The audience rule (DESIGN 6, 8): inbox events go to its members, admins and reader
    apps; admin events to admin users; user-targeted events to those users only."""
    if principal.kind == "app":
        return record.inbox_id is not None
    if record.inbox_id is not None and principal.sees_inbox(record.inbox_id):
        return True
    if record.admins and principal.is_admin:
        return True
    return principal.user_id is not None and principal.user_id in record.user_ids


def resync_frame(end_id: int) -> bytes:
    data = orjson.dumps({"lastEventId": str(end_id)}).decode()
    # The id lets a browser that reconnects after this frame resume at the new end.
    return f"id: {end_id}\nevent: resync\ndata: {data}\n\n".encode()


def parse_last_event_id(header: str | None, query: str | None) -> int | None:
    """The id to resume after: the Last-Event-ID header, else the lastEventId query."""
    for value, field_name in ((header, "Last-Event-ID"), (query, "lastEventId")):
        if value is None:
            continue
        value = value.strip()
        if not value.isascii() or not value.isdigit():
            raise validation_error(
                f"{field_name} must be an event id (a non-negative integer)",
                field_name=field_name,
            )
        return int(value)
    return None


class EventStream:
    """The frames of one client. `cursor` is the last log id it has passed (sent or not
    visible): live events at or below it were already replayed and are skipped."""

    def __init__(
        self,
        hub: EventHub,
        *,
        principal: Principal,
        after_id: int | None,
        heartbeat_s: float,
        max_backlog: int,
        keep_alive: KeepAlive | None = None,
    ) -> None:
        self.hub = hub
        self.principal = principal
        self.after_id = after_id
        self.heartbeat_s = heartbeat_s
        self.max_backlog = max_backlog
        self.keep_alive = keep_alive
        self.cursor = 0
        self._last_write = time.monotonic()

    async def frames(self) -> AsyncGenerator[bytes, None]:
        """READY, the missed events from the log, then live ones; subscribing before the
        replay leaves no gap between the two."""
        subscription = self.hub.subscribe()
        try:
            await self._keep_alive()
            self.cursor = await self._start_id()
            yield self._sent(READY)
            while not subscription.closed:
                async with aclosing(self._catch_up(subscription)) as chunks:
                    async for chunk in chunks:
                        await self._keep_alive()
                        yield self._sent(chunk)
                async with aclosing(self._follow(subscription)) as chunks:
                    async for chunk in chunks:
                        await self._keep_alive()
                        yield self._sent(chunk)
                if subscription.overflowed:
                    self.hub.unsubscribe(subscription)
                    subscription = self.hub.subscribe()
        finally:
            self.hub.unsubscribe(subscription)

    async def _start_id(self) -> int:
        if self.after_id is not None:
            return self.after_id
        async with self.hub.db.read() as uow:
            return await queries.last_event_id(uow)

    async def _catch_up(self, subscription: Subscription) -> AsyncGenerator[bytes, None]:
        """Replay the log after the cursor, or a resync when the client is too far behind
        (counted over all events: that is the work a replay would cost)."""
        async with self.hub.db.read() as uow:
            end = await queries.last_event_id(uow)
            behind = await queries.count_events_after(
                uow, after_id=self.cursor, cap=self.max_backlog + 1
            )
        if self.cursor > end or behind > self.max_backlog:
            self.cursor = end
            yield resync_frame(end)
            return
        while not subscription.closed:
            async with self.hub.db.read() as uow:
                records = await queries.read_events_after(
                    uow, after_id=self.cursor, limit=REPLAY_BATCH
                )
            chunk = self._visible(records)
            if chunk:
                yield chunk
            if len(records) < REPLAY_BATCH:
                return

    async def _follow(self, subscription: Subscription) -> AsyncGenerator[bytes, None]:
        """Live events until the subscription ends, a heartbeat when the line is idle."""
        while True:
            try:
                records = await subscription.next_batch(max(self._until_ping(), 0.0))
            except TimeoutError:
                yield PING
                continue
            if not records:
                return
            chunk = self._visible(records)
            if chunk:
                yield chunk
            elif self._until_ping() <= 0:
                yield PING

    def _visible(self, records: Sequence[EventRecord]) -> bytes:
        frames = []
        for record in records:
            if record.id <= self.cursor:
                continue
            self.cursor = record.id
            if can_see(self.principal, record):
                frames.append(record.frame)
        return b"".join(frames)

    async def _keep_alive(self) -> None:
        if self.keep_alive is not None:
            await self.keep_alive()

    def _until_ping(self) -> float:
        return self.heartbeat_s - (time.monotonic() - self._last_write)

    def _sent(self, chunk: bytes) -> bytes:
        self._last_write = time.monotonic()
        return chunk


class EventStreamResponse(StreamingResponse):
    """`text/event-stream`, never cached or buffered by a proxy; closes its frame generator
    however the response ends, so the client's subscription is dropped at once."""

    media_type = "text/event-stream"

    def __init__(self, frames: AsyncGenerator[bytes, None], status_code: int = 200) -> None:
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        super().__init__(frames, status_code=status_code, headers=headers)
        self._frames = frames

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._frames.aclose()


def open_stream(
    hub: EventHub,
    *,
    principal: Principal,
    after_id: int | None,
    keep_alive: KeepAlive | None = None,
) -> EventStreamResponse:
    """The SSE response of one client, with the hub's heartbeat and backlog settings."""
    settings = hub.settings
    stream = EventStream(
        hub,
        principal=principal,
        after_id=after_id,
        heartbeat_s=settings.sse_heartbeat_s,
        max_backlog=settings.sse_max_backlog,
        keep_alive=keep_alive,
    )
    return EventStreamResponse(stream.frames())
