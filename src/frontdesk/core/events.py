"""Events (DESIGN 6): one global log, in-transaction handlers and after-commit listeners.

A service calls `uow.emit(SomeEvent(...))`. Before the transaction commits, the bus runs the
in-transaction handlers registered for that event (they may write rows and emit more events),
then appends every event to the log. On PostgreSQL the append takes a transaction-level
advisory lock, so event ids are handed out in commit order and a reader that advances by id
never skips an event committed a moment later (the pitfall of DESIGN 6). The lock is held only
from the append to the commit. After the commit, the after-commit listeners run (wake-ups).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import orjson
from sqlalchemy import JSON, BigInteger, Boolean, Index, String, insert, text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.db import Prepared, UnitOfWork
from frontdesk.core.models import Base, BigId, now_ms

EVENT_APPEND_LOCK = 0x46444556  # "FDEV": the advisory lock that orders event appends


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_inbox_id_id", "inbox_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    inbox_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    user_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    admins: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[int] = mapped_column(BigInteger, default=now_ms)


@dataclass(frozen=True)
class Audience:
    """Who may see an event: an inbox's members (and every admin and reader app), named users,
    all admins. The emitter names it, as Zulip's send_event does."""

    inbox_id: int | None = None
    user_ids: tuple[int, ...] = ()
    admins: bool = False


@dataclass(frozen=True)
class Event:
    """Base of every event dataclass. Subclasses set `name` and `description` and are
    registered with `@register`; their fields (besides `audience`) form the payload."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    audience: Audience = field(default_factory=Audience, kw_only=True)

    def payload(self) -> dict[str, Any]:
        return {key: _jsonable(getattr(self, name)) for name, key in _payload_keys(type(self))}


EVENT_TYPES: dict[str, type[Event]] = {}
EventT = TypeVar("EventT", bound=type[Event])


def register(cls: EventT) -> EventT:
    """Class decorator: list an event type in the registry the docs and a test read."""
    if not cls.name or cls.name in EVENT_TYPES:
        raise ValueError(f"event name missing or registered twice: {cls.name!r}")
    EVENT_TYPES[cls.name] = cls
    return cls


# (field, camelCase key) per event class, worked out once: every write appends events.
_PAYLOAD_KEYS: dict[type, tuple[tuple[str, str], ...]] = {}


def _payload_keys(cls: type[Event]) -> tuple[tuple[str, str], ...]:
    keys = _PAYLOAD_KEYS.get(cls)
    if keys is None:
        fields = dataclasses.fields(cls)
        keys = tuple((f.name, _camel(f.name)) for f in fields if f.name != "audience")
        _PAYLOAD_KEYS[cls] = keys
    return keys


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _jsonable(value: Any) -> Any:
    # Ids travel as strings in JSON, as everywhere on the HubSpot surface.
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


Handler = Callable[[UnitOfWork, Event], Awaitable[None]]
Listener = Callable[[Sequence[Event]], None]


class EventBus:
    """The two phases of DESIGN 6; wired in app.py so producers never import consumers."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._listeners: list[Listener] = []
        self._job_listeners: list[Callable[[], None]] = []

    def on(self, event_type: type[Event] | str, handler: Handler) -> None:
        """Run `handler(uow, event)` inside the transaction that emits the event."""
        name = event_type if isinstance(event_type, str) else event_type.name
        self._handlers[name].append(handler)

    def listen(self, listener: Listener) -> None:
        """Run `listener(events)` after a transaction that emitted events has committed."""
        self._listeners.append(listener)

    def listen_jobs(self, listener: Callable[[], None]) -> None:
        """Run `listener()` after a transaction that enqueued jobs has committed."""
        self._job_listeners.append(listener)

    async def before_commit(self, uow: UnitOfWork) -> None:
        handled: list[Event] = []
        while uow.pending_events:
            batch, uow.pending_events = uow.pending_events, []
            for event in batch:
                for handler in (*self._handlers.get(event.name, ()), *self._handlers["*"]):
                    await handler(uow, event)
                handled.append(event)
        if handled:
            await append_events(uow, handled)
        uow.committed_events = handled

    def after_commit(self, uow: UnitOfWork) -> None:
        if uow.enqueued_jobs:
            for job_listener in self._job_listeners:
                job_listener()
        if not uow.committed_events:
            return
        for listener in self._listeners:
            listener(uow.committed_events)


async def append_events(uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Write event rows; the last statements of their transaction (see the module doc)."""
    created = now_ms()
    rows = [
        {
            "name": e.name,
            "payload": e.payload(),
            "inbox_id": e.audience.inbox_id,
            "user_ids": list(e.audience.user_ids),
            "admins": e.audience.admins,
            "created_at": created,
        }
        for e in events
    ]
    if uow.is_postgres:
        params = {"lock": EVENT_APPEND_LOCK, "rows": orjson.dumps(rows).decode()}
        await uow.execute(_APPEND_UNDER_LOCK, params)
    else:
        await uow.run(_INSERT_EVENTS, rows)


# PostgreSQL: one statement takes the append lock, then draws the ids (its rows cannot be
# formed before the locking subquery has run), and queues the NOTIFY, which PostgreSQL
# delivers at commit and only if the transaction commits. The lock is then held for this
# round trip and the commit's: as three statements it was held for three, and every publish
# queued behind that (bench ingest: +10-44% publishes/s).
_APPEND_UNDER_LOCK = text(
    "INSERT INTO events (name, payload, inbox_id, user_ids, admins, created_at) "
    "SELECT e.doc->>'name', e.doc->'payload', CAST(e.doc->>'inbox_id' AS bigint), "
    "e.doc->'user_ids', CAST(e.doc->>'admins' AS boolean), CAST(e.doc->>'created_at' AS bigint) "
    "FROM (SELECT pg_advisory_xact_lock(:lock), pg_notify('frontdesk_events', '')) AS locked, "
    "json_array_elements(CAST(:rows AS json)) WITH ORDINALITY AS e(doc, n) ORDER BY e.n"
)


# SQLite (Prepared: every write transaction appends events).
_INSERT_EVENTS = Prepared(
    insert(EventRow),
    column_keys=("name", "payload", "inbox_id", "user_ids", "admins", "created_at"),
)
