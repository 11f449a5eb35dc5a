"""A thread's message history (reference 7.5): list, get one, and the untruncated content.

Every lookup goes through `get_visible_thread`, so a thread in an inbox the caller cannot see
is a 404, like one that does not exist. `archived` selects the thread by its archived flag, as
the thread endpoints do: an archived thread's history is read with `archived=true`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select

from frontdesk.conversations.access import get_visible_thread
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound, validation_error
from frontdesk.core.pagination import check_limit, decode_cursor
from frontdesk.messages.models import Message

SORTS = ("createdAt", "-createdAt")
DEFAULT_SORT = "-createdAt"  # HubSpot lists a thread's messages newest first


@dataclass(frozen=True)
class MessagePage:
    rows: list[Any]
    next_cursor: list[int] | None


def parse_sort(sort: list[str] | None) -> str:
    """The one sort in force; `sort` is repeatable on the wire but takes a single key here."""
    values = [s for s in sort or [] if s]
    if not values:
        return DEFAULT_SORT
    if len(values) > 1 or values[0] not in SORTS:
        raise validation_error(f"sort must be one of {', '.join(SORTS)}", field_name="sort")
    return values[0]


def _cursor_position(after: str | None) -> tuple[int, int] | None:
    value = decode_cursor(after)
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise validation_error("Invalid paging cursor", field_name="after")
    return value[0], value[1]


async def list_thread_messages(
    uow: UnitOfWork,
    *,
    thread_id: int,
    inbox_ids: frozenset[int] | None,
    archived: bool = False,
    after: str | None = None,
    limit: int | None = None,
    sort: list[str] | None = None,
) -> MessagePage:
    """One page of a thread's messages ordered by (createdAt, id), newest first by default."""
    descending = parse_sort(sort) == "-createdAt"
    page_size = check_limit(limit)
    position = _cursor_position(after)
    await get_visible_thread(uow, thread_id=thread_id, inbox_ids=inbox_ids, archived=archived)
    query = select(Message).where(Message.thread_id == thread_id)
    if position is not None:
        created_at, message_id = position
        if descending:
            beyond = or_(
                Message.created_at < created_at,
                and_(Message.created_at == created_at, Message.id < message_id),
            )
        else:
            beyond = or_(
                Message.created_at > created_at,
                and_(Message.created_at == created_at, Message.id > message_id),
            )
        query = query.where(beyond)
    order = (
        (Message.created_at.desc(), Message.id.desc())
        if descending
        else (Message.created_at.asc(), Message.id.asc())
    )
    rows = list((await uow.execute(query.order_by(*order).limit(page_size + 1))).all())
    if len(rows) <= page_size:
        return MessagePage(rows, None)
    last = rows[page_size - 1]
    return MessagePage(rows[:page_size], [last.created_at, last.id])


async def get_thread_message(
    uow: UnitOfWork,
    *,
    thread_id: int,
    message_id: int,
    inbox_ids: frozenset[int] | None,
    archived: bool = False,
) -> Any:
    """One message of a visible thread; 404 when the message is not on that thread."""
    await get_visible_thread(uow, thread_id=thread_id, inbox_ids=inbox_ids, archived=archived)
    row = (
        await uow.execute(
            select(Message).where(Message.id == message_id, Message.thread_id == thread_id)
        )
    ).first()
    if row is None:
        raise NotFound("Message", message_id)
    return row


def original_content_json(row: Any) -> dict[str, Any]:
    """The full bodies, never truncated; `richText` falls back to the text, as HubSpot does
    for messages without HTML."""
    return {"text": row.text, "richText": row.rich_text if row.rich_text is not None else row.text}
