"""The agents' inbox views (issue 4): their counts, list pages, one list row, and read state.

Views: `mine` (open, assigned to the user), `unassigned` (open, nobody), `open`, `closed`, and
`channel-<id>` (open threads of a channel). Each holds the non-archived threads of the inboxes
the user sees (optionally one of them), newest activity first. A list page is one statement
(threads driven by one of the `ix_threads_view_*` indexes, joined to contact, channel, account,
assignee and read state) and the counts are one statement over a covering index.

Only threads with activity are listed (`latest_message_at` set: every thread the product makes
has it); keyset cursors cannot order NULLs the same way on SQLite and PostgreSQL.

Read state (DESIGN 3): a thread is unread for a user while its last message (MESSAGE or COMMENT,
`threads.last_message_id`) is newer than the user's `last_read_message_id`; a thread the user
never opened is unread once it has a message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from frontdesk.conversations import inbox_queries
from frontdesk.conversations.access import get_visible_thread
from frontdesk.conversations.models import Thread, ThreadReadState
from frontdesk.core.db import UnitOfWork, insert_or_ignore
from frontdesk.core.errors import NotFound, validation_error
from frontdesk.core.pagination import decode_cursor, encode_cursor
from frontdesk.messages.models import Message

MINE, UNASSIGNED, OPEN, CLOSED = "mine", "unassigned", "open", "closed"
FIXED_VIEWS = (MINE, UNASSIGNED, OPEN, CLOSED)
CHANNEL_PREFIX = "channel-"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_CHANNEL_VIEW = re.compile(r"^channel-([1-9][0-9]{0,17})$")


@dataclass(frozen=True)
class View:
    """A parsed view name: one of FIXED_VIEWS, or `channel` with its channel id."""

    name: str
    channel_id: int | None = None


@dataclass(frozen=True)
class ChannelView:
    """A channel's view in the left pane: its open threads in the visible inboxes."""

    id: int
    name: str
    count: int

    @property
    def view(self) -> str:
        return f"{CHANNEL_PREFIX}{self.id}"


@dataclass(frozen=True)
class ViewCounts:
    mine: int
    unassigned: int
    open: int
    closed: int  # counted up to CLOSED_COUNT_CAP + 1: that value means "more than the cap"
    channels: tuple[ChannelView, ...]

    def count(self, view: str) -> int:
        """The count of a view by name (0 for a channel not shown)."""
        parsed = parse_view(view)
        if parsed.channel_id is None:
            value: int = getattr(self, parsed.name)
            return value
        return next((c.count for c in self.channels if c.id == parsed.channel_id), 0)


@dataclass(frozen=True)
class InboxRow:
    """One line of the conversation list."""

    thread_id: int
    inbox_id: int
    status: str
    contact_id: int
    contact_name: str
    channel_id: int
    channel_name: str
    channel_account_id: int
    channel_account_name: str
    last_message_id: int | None
    last_message_preview: str | None
    latest_message_at: int | None  # epoch milliseconds
    unread: bool
    assignee_id: int | None
    assignee_name: str | None
    assignee_avatar_url: str | None


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    next_after: str | None  # the opaque cursor of the next page; None on the last page


@dataclass(frozen=True)
class ReadState:
    thread_id: int
    last_read_message_id: int | None
    unread: bool


def parse_view(view: str) -> View:
    """The view a name means; 400 for an unknown name."""
    if view in FIXED_VIEWS:
        return View(view)
    match = _CHANNEL_VIEW.match(view)
    if match is None:
        names = ", ".join((*FIXED_VIEWS, "channel-<channelId>"))
        raise validation_error(f"Unknown view {view!r}: one of {names}", field_name="view")
    return View("channel", int(match.group(1)))


def row_in_view(row: InboxRow, *, view: str, user_id: int) -> bool:
    """Whether a (visible, non-archived) row belongs in a view, for a live update that
    refreshed it with `list_rows`."""
    parsed = parse_view(view)
    if parsed.name == CLOSED:
        return row.status == "CLOSED"
    if row.status != "OPEN":
        return False
    if parsed.name == MINE:
        return row.assignee_id == user_id
    if parsed.name == UNASSIGNED:
        return row.assignee_id is None
    return parsed.channel_id is None or row.channel_id == parsed.channel_id


# --- scope: which threads the user sees ------------------------------------------------------

NONE = "none"


@dataclass(frozen=True)
class _Scope:
    """Which inboxes a query covers: ALL (admins), SOME (:inbox_ids), ONE (:inbox_id) or NONE
    (a user in no inbox's team), with the parameters that say which."""

    kind: str
    params: dict[str, Any]


def _scope(*, inbox_ids: frozenset[int] | None, inbox_id: int | None) -> _Scope:
    """The visible inboxes (None: all), narrowed to `inbox_id`; 404 when the user cannot see
    `inbox_id`."""
    if inbox_id is not None:
        if inbox_ids is not None and inbox_id not in inbox_ids:
            raise NotFound("Inbox", inbox_id, field_name="inboxId")
        return _Scope(inbox_queries.ONE, {"inbox_id": inbox_id})
    if inbox_ids is None:
        return _Scope(inbox_queries.ALL, {})
    if not inbox_ids:
        return _Scope(NONE, {})
    return _Scope(inbox_queries.SOME, {"inbox_ids": sorted(inbox_ids)})


def _view_filter(view: View) -> tuple[str, dict[str, Any]]:
    """The statement shape of a view and its parameters."""
    if view.name in (OPEN, CLOSED):
        return inbox_queries.STATUS, {"status": view.name.upper()}
    if view.name == "channel":
        return inbox_queries.CHANNEL, {"channel_id": view.channel_id}
    return (inbox_queries.MINE if view.name == MINE else inbox_queries.UNASSIGNED), {}


# --- counts ----------------------------------------------------------------------------------


async def view_counts(
    uow: UnitOfWork, *, user_id: int, inbox_ids: frozenset[int] | None, inbox_id: int | None = None
) -> ViewCounts:
    """Every view's count and the channels to show (those with live accounts in the visible
    inboxes, or with open threads there): one counting statement and one for the channels."""
    scope = _scope(inbox_ids=inbox_ids, inbox_id=inbox_id)
    if scope.kind == NONE:
        return ViewCounts(0, 0, 0, 0, ())
    rows = (await uow.execute(inbox_queries.counts_statement(scope.kind), scope.params)).all()
    mine = unassigned = total_open = total_closed = 0
    per_channel: dict[int, int] = {}
    for row in rows:
        n = int(row.n)
        if row.channel_id is None:
            total_closed += n
            continue
        total_open += n
        per_channel[row.channel_id] = per_channel.get(row.channel_id, 0) + n
        mine += n if row.assignee_id == user_id else 0
        unassigned += n if row.assignee_id is None else 0
    params = {**scope.params, "counted": sorted(per_channel)}
    channel_rows = (await uow.execute(inbox_queries.channels_statement(scope.kind), params)).all()
    channels = tuple(ChannelView(r.id, r.name, per_channel.get(r.id, 0)) for r in channel_rows)
    return ViewCounts(mine, unassigned, total_open, total_closed, channels)


# --- list pages and rows -----------------------------------------------------------------------


def contact_display_name(
    *, firstname: str | None, lastname: str | None, name: str | None, identifier: str | None
) -> str:
    """First and last name from the contact's properties, else its name, else its first
    identifier (a phone number, an email address, an opaque id)."""
    full = " ".join(part.strip() for part in (firstname, lastname) if part and part.strip())
    return full or (name or "").strip() or (identifier or "") or "Unknown contact"


def _is_unread(last_message_id: int | None, last_read_message_id: int | None) -> bool:
    if last_message_id is None:
        return False
    return last_read_message_id is None or last_read_message_id < last_message_id


def _inbox_row(row: Any) -> InboxRow:
    # Unpacked by position, in inbox_queries.row_select's column order: attribute access by
    # name costs about as much as the query itself on a 50-row page.
    (
        thread_id,
        inbox_id,
        status,
        contact_id,
        channel_id,
        channel_account_id,
        last_message_id,
        preview,
        latest_message_at,
        assignee_id,
        contact_name,
        firstname,
        lastname,
        identifier,
        channel_name,
        channel_account_name,
        assignee_name,
        assignee_avatar_url,
        last_read_message_id,
    ) = row
    return InboxRow(
        thread_id,
        inbox_id,
        status,
        contact_id,
        contact_display_name(
            firstname=firstname, lastname=lastname, name=contact_name, identifier=identifier
        ),
        channel_id,
        channel_name,
        channel_account_id,
        channel_account_name,
        last_message_id,
        preview,
        latest_message_at,
        _is_unread(last_message_id, last_read_message_id),
        assignee_id,
        assignee_name,
        assignee_avatar_url,
    )


def _after_key(after: str | None) -> tuple[int, int] | None:
    cursor = decode_cursor(after)
    if cursor is None:
        return None
    key = cursor.get("k") if isinstance(cursor, dict) else None
    if not (isinstance(key, list) and len(key) == 2 and all(type(v) is int for v in key)):
        raise validation_error("Invalid paging cursor", field_name="after")
    return key[0], key[1]


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise validation_error(f"limit must be between 1 and {MAX_LIMIT}", field_name="limit")
    return limit


async def list_view(
    uow: UnitOfWork,
    *,
    view: str,
    user_id: int,
    inbox_ids: frozenset[int] | None,
    inbox_id: int | None = None,
    after: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> InboxPage:
    """One page of a view, newest activity first (latest_message_at desc, id desc)."""
    shape, params = _view_filter(parse_view(view))
    limit = _check_limit(limit)
    key = _after_key(after)
    scope = _scope(inbox_ids=inbox_ids, inbox_id=inbox_id)
    if scope.kind == NONE:
        return InboxPage([], None)
    params.update(scope.params, user_id=user_id, limit=limit + 1)
    if key is not None:
        params.update(at=key[0], last_id=key[1])
    statement = inbox_queries.page_statement(shape, scope.kind, key is not None)
    rows = [_inbox_row(r) for r in (await uow.execute(statement, params)).all()]
    if len(rows) <= limit:
        return InboxPage(rows, None)
    last = rows[limit - 1]
    return InboxPage(rows[:limit], row_cursor(last))


def row_cursor(row: InboxRow) -> str:
    """The cursor of the page that starts after `row` (the list trims itself to a length and
    hands this to its "Load more")."""
    return encode_cursor({"k": [row.latest_message_at, row.thread_id]})


async def list_rows(
    uow: UnitOfWork, *, thread_ids: Sequence[int], user_id: int, inbox_ids: frozenset[int] | None
) -> list[InboxRow]:
    """The list rows of some threads (whatever view they are in), newest activity first, in
    one query; a thread the user cannot see, archived or without activity is left out."""
    scope = _scope(inbox_ids=inbox_ids, inbox_id=None)
    if scope.kind == NONE or not thread_ids:
        return []
    params = {**scope.params, "thread_ids": list(thread_ids), "user_id": user_id}
    rows = (await uow.execute(inbox_queries.rows_statement(scope.kind), params)).all()
    return [_inbox_row(row) for row in rows]


async def list_row(
    uow: UnitOfWork, *, thread_id: int, user_id: int, inbox_ids: frozenset[int] | None
) -> InboxRow | None:
    """The list row of one thread, None when `list_rows` would leave it out."""
    rows = await list_rows(uow, thread_ids=[thread_id], user_id=user_id, inbox_ids=inbox_ids)
    return rows[0] if rows else None


# --- read state --------------------------------------------------------------------------------


async def mark_read(
    uow: UnitOfWork, *, user_id: int, thread_id: int, message_id: int | None = None
) -> None:
    """Record that the user has read the thread up to `message_id` (default: its last message);
    never moves backwards. The caller has checked that the user may see the thread."""
    if message_id is None:
        message_id = await uow.scalar(select(Thread.last_message_id).where(Thread.id == thread_id))
        if message_id is None:
            return
    values = {"user_id": user_id, "thread_id": thread_id, "last_read_message_id": message_id}
    insert = insert_or_ignore(uow.dialect, ThreadReadState, conflict=("user_id", "thread_id"))
    if (await uow.execute(insert.values(values).returning(ThreadReadState.user_id))).first():
        return
    # The row exists (on PostgreSQL the insert waited for a concurrent one to commit).
    await uow.execute(
        update(ThreadReadState)
        .where(
            ThreadReadState.user_id == user_id,
            ThreadReadState.thread_id == thread_id,
            ThreadReadState.last_read_message_id < message_id,
        )
        .values(last_read_message_id=message_id)
    )


async def mark_thread_read(
    uow: UnitOfWork,
    *,
    user_id: int,
    inbox_ids: frozenset[int] | None,
    thread_id: int,
    message_id: int | None = None,
) -> ReadState:
    """`mark_read` for a thread the user may see (404 otherwise); `message_id` must be one of
    the thread's messages. Returns the read state after the change."""
    thread = await get_visible_thread(uow, thread_id=thread_id, inbox_ids=inbox_ids, archived=None)
    if message_id is not None:
        found = await uow.scalar(
            select(Message.id).where(Message.id == message_id, Message.thread_id == thread.id)
        )
        if found is None:
            raise validation_error(
                f"Message {message_id} is not in thread {thread_id}", field_name="messageId"
            )
    target = message_id if message_id is not None else thread.last_message_id
    if target is not None:
        await mark_read(uow, user_id=user_id, thread_id=thread.id, message_id=target)
    last_read = await uow.scalar(
        select(ThreadReadState.last_read_message_id).where(
            ThreadReadState.user_id == user_id, ThreadReadState.thread_id == thread.id
        )
    )
    return ReadState(thread.id, last_read, _is_unread(thread.last_message_id, last_read))
