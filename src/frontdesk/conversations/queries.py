"""List queries of the Conversations API: inboxes and threads with keyset paging.

Pages are keyset pages: a cursor holds the sort key and the id of the last row returned, and
the next page starts strictly after it, so rows inserted between two fetches never shift a
page (no duplicates, no gaps), unlike OFFSET paging.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import QueryableAttribute

from frontdesk.accounts.models import Inbox, InboxTeam, TeamMember, User
from frontdesk.conversations.models import Thread
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import validation_error


@dataclass(frozen=True)
class SortKey:
    """A keyset order named as the API spells it (`id`, `-name`, ...): an optional leading
    column, always followed by the id as tiebreaker."""

    name: str
    column: QueryableAttribute[Any] | None
    id_column: QueryableAttribute[Any]
    descending: bool = False

    @property
    def columns(self) -> list[QueryableAttribute[Any]]:
        return [c for c in (self.column, self.id_column) if c is not None]

    def order_by(self) -> list[ColumnElement[Any]]:
        return [c.desc() if self.descending else c.asc() for c in self.columns]

    def cursor_of(self, row: Any) -> dict[str, Any]:
        """The cursor after `row`: this order's name and the row's values of its columns."""
        return {"s": self.name, "k": [getattr(row, c.key) for c in self.columns]}

    def key_from_cursor(self, cursor: Any, *, types: Sequence[type]) -> list[Any]:
        """The key inside a decoded cursor; 400 when it was issued for another order."""
        key = cursor.get("k") if isinstance(cursor, dict) else None
        if (
            not isinstance(cursor, dict)
            or cursor.get("s") != self.name
            or not isinstance(key, list)
            or len(key) != len(types)
            or not all(type(v) is t for v, t in zip(key, types, strict=True))
        ):
            raise validation_error("The after cursor belongs to another sort", field_name="after")
        return key

    def after(self, key: Sequence[Any]) -> ColumnElement[bool]:
        """Rows strictly after `key` in this order."""
        if self.column is None:
            (last_id,) = key
            condition: ColumnElement[bool] = (
                self.id_column < last_id if self.descending else self.id_column > last_id
            )
            return condition
        value, last_id = key
        if self.descending:
            return or_(self.column < value, and_(self.column == value, self.id_column < last_id))
        return or_(self.column > value, and_(self.column == value, self.id_column > last_id))


@dataclass
class Page:
    """One page of rows, the cursor after the last one if more follow, the total if counted."""

    rows: list[Any]
    next_cursor: dict[str, Any] | None = None
    total: int | None = None


async def fetch_page(
    uow: UnitOfWork,
    *,
    statement: Any,
    sort: SortKey,
    after_key: Sequence[Any] | None,
    limit: int,
) -> Page:
    """Run `statement` ordered by `sort`, starting after `after_key`, one page of `limit`."""
    if after_key is not None:
        statement = statement.where(sort.after(after_key))
    statement = statement.order_by(*sort.order_by()).limit(limit + 1)
    rows = list((await uow.execute(statement)).all())
    if len(rows) <= limit:
        return Page(rows=rows)
    rows = rows[:limit]
    return Page(rows=rows, next_cursor=sort.cursor_of(rows[-1]))


def inbox_conditions(
    *, inbox_ids: frozenset[int] | None, archived: bool
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Inbox.archived == archived]
    if inbox_ids is not None:
        conditions.append(Inbox.id.in_(inbox_ids) if inbox_ids else false())
    return conditions


async def list_inboxes(
    uow: UnitOfWork,
    *,
    inbox_ids: frozenset[int] | None,
    archived: bool,
    sort: SortKey,
    after_key: Sequence[Any] | None,
    limit: int,
) -> Page:
    """Inboxes the caller sees (None: all), one page, with the total of every page."""
    conditions = inbox_conditions(inbox_ids=inbox_ids, archived=archived)
    total = await uow.scalar(select(func.count()).select_from(Inbox).where(*conditions))
    page = await fetch_page(
        uow,
        statement=select(Inbox).where(*conditions),
        sort=sort,
        after_key=after_key,
        limit=limit,
    )
    page.total = int(total)
    return page


async def get_inbox(uow: UnitOfWork, *, inbox_id: int) -> Any:
    return (await uow.execute(select(Inbox).where(Inbox.id == inbox_id))).first()


@dataclass(frozen=True)
class ThreadFilter:
    """The filters of GET /threads, already validated."""

    visible_inbox_ids: frozenset[int] | None
    inbox_ids: tuple[int, ...] = ()
    contact_id: int | None = None
    status: str | None = None
    archived: bool = False
    latest_after_ms: int | None = None
    ticket_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [Thread.archived == self.archived]
        if self.visible_inbox_ids is not None:
            visible = self.visible_inbox_ids
            conditions.append(Thread.inbox_id.in_(visible) if visible else false())
        if self.inbox_ids:
            conditions.append(Thread.inbox_id.in_(self.inbox_ids))
        if self.contact_id is not None:
            conditions.append(Thread.contact_id == self.contact_id)
        if self.status is not None:
            conditions.append(Thread.status == self.status)
        if self.latest_after_ms is not None:
            conditions.append(Thread.latest_message_at > self.latest_after_ms)
        if self.ticket_id is not None:
            # No thread is linked to a ticket yet (help desk tickets come later).
            conditions.append(false())
        return conditions


async def list_threads(
    uow: UnitOfWork,
    *,
    filters: ThreadFilter,
    sort: SortKey,
    after_key: Sequence[Any] | None,
    limit: int,
) -> Page:
    """Threads matching `filters`, one keyset page (no total: HubSpot's list has none)."""
    return await fetch_page(
        uow,
        statement=select(Thread).where(*filters.conditions()),
        sort=sort,
        after_key=after_key,
        limit=limit,
    )


async def get_assignable_user(uow: UnitOfWork, *, user_id: int, inbox_id: int) -> Any:
    """The user if active and able to see the inbox (admin, or in one of its teams)."""
    in_inbox_team = (
        select(TeamMember.user_id)
        .join(InboxTeam, InboxTeam.team_id == TeamMember.team_id)
        .where(TeamMember.user_id == User.id, InboxTeam.inbox_id == inbox_id)
        .exists()
    )
    statement = select(User.id, User.role).where(
        User.id == user_id,
        User.active.is_(True),
        or_(User.role == "admin", in_inbox_team),
    )
    return (await uow.execute(statement)).first()
