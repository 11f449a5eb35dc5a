"""Keyset paging shared by the lists of channels and of channel accounts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from frontdesk.channels.models import Channel, ChannelAccount
from frontdesk.channels.schemas import MAX_ID
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import AppError, validation_error
from frontdesk.core.pagination import check_limit, decode_cursor

SORTS = ("id", "-id", "createdAt", "-createdAt")


@dataclass(frozen=True)
class Page:
    """One page of rows, the total of all matching rows, and the cursor of the next page."""

    rows: list[Any]
    total: int
    next_cursor: list[int] | None


def page_size(limit: int | None, default_page_length: int | None) -> int:
    """`limit`, else `defaultPageLength` (its name says what it is), else the default."""
    if limit is None and default_page_length is not None:
        try:
            return check_limit(default_page_length)
        except AppError as exc:
            raise validation_error(
                "defaultPageLength is out of range", field_name="defaultPageLength"
            ) from exc
    return check_limit(limit)


async def keyset_page(
    uow: UnitOfWork,
    model: type[Channel] | type[ChannelAccount],
    conditions: Sequence[ColumnElement[bool]],
    *,
    sort: Sequence[str] | None,
    after: str | None,
    limit: int,
) -> Page:
    """The rows of `model` matching `conditions` after the cursor, in the one sort asked for."""
    # Keyset paging on (sort column, id): stable while rows are added or archived.
    field, descending = _sort_key(sort)
    column = model.created_at if field == "createdAt" else model.id
    total = int(await uow.scalar(select(func.count()).select_from(model).where(*conditions)))
    stmt = select(model).where(*conditions)
    cursor = _cursor(after)
    if cursor is not None:
        value, last_id = cursor
        if descending:
            stmt = stmt.where(or_(column < value, and_(column == value, model.id < last_id)))
        else:
            stmt = stmt.where(or_(column > value, and_(column == value, model.id > last_id)))
    order = (column.desc(), model.id.desc()) if descending else (column.asc(), model.id.asc())
    rows = list((await uow.execute(stmt.order_by(*order).limit(limit + 1))).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = [last.created_at if field == "createdAt" else last.id, last.id]
    return Page(rows, total, next_cursor)


def _sort_key(sort: Sequence[str] | None) -> tuple[str, bool]:
    chosen = list(sort or ["id"])
    if len(chosen) != 1 or chosen[0] not in SORTS:
        raise validation_error(f"sort must be one of {', '.join(SORTS)}", field_name="sort")
    return chosen[0].lstrip("-"), chosen[0].startswith("-")


def _cursor(after: str | None) -> tuple[int, int] | None:
    value = decode_cursor(after)
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(
            isinstance(v, int) and not isinstance(v, bool) and abs(v) <= MAX_ID for v in value
        )
    ):
        raise validation_error("Invalid paging cursor", field_name="after")
    return value[0], value[1]
