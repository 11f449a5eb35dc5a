"""Reads of the event log (core.events.EventRow) shared by the tailer and the stream replay."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import func, select

from frontdesk.core.db import UnitOfWork
from frontdesk.core.events import EventRow


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One logged event with its audience and its SSE frame, encoded once for every client."""

    id: int
    name: str
    inbox_id: int | None
    user_ids: frozenset[int]
    admins: bool
    frame: bytes


def sse_frame(event_id: int, name: str, payload: Any) -> bytes:
    # orjson escapes newlines inside strings, so the data field is always one line.
    data = orjson.dumps(payload).decode()
    return f"id: {event_id}\nevent: {name}\ndata: {data}\n\n".encode()


def _record(row: Any) -> EventRecord:
    return EventRecord(
        id=row.id,
        name=row.name,
        inbox_id=row.inbox_id,
        user_ids=frozenset(int(u) for u in row.user_ids or ()),
        admins=bool(row.admins),
        frame=sse_frame(row.id, row.name, row.payload),
    )


async def read_events_after(uow: UnitOfWork, *, after_id: int, limit: int) -> list[EventRecord]:
    """Up to `limit` events with an id above `after_id`, oldest first."""
    result = await uow.execute(
        select(
            EventRow.id,
            EventRow.name,
            EventRow.payload,
            EventRow.inbox_id,
            EventRow.user_ids,
            EventRow.admins,
        )
        .where(EventRow.id > after_id)
        .order_by(EventRow.id)
        .limit(limit)
    )
    return [_record(row) for row in result]


async def last_event_id(uow: UnitOfWork) -> int:
    """The id of the newest event, 0 when the log is empty: the current end of the log."""
    return int(await uow.scalar(select(func.coalesce(func.max(EventRow.id), 0))))


async def count_events_after(uow: UnitOfWork, *, after_id: int, cap: int) -> int:
    """How many events follow `after_id`, counting no further than `cap` (a bounded scan)."""
    ids = select(EventRow.id).where(EventRow.id > after_id).order_by(EventRow.id).limit(cap)
    return int(await uow.scalar(select(func.count()).select_from(ids.subquery())))
