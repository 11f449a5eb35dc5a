"""Help-desk tickets (DESIGN 3): the threads of HELP_DESK inboxes, with a ticket status.

The ticket status is the built-in thread property `ticket_status` (one store with `priority`
and `category`); threads of an ordinary INBOX carry none. Every rule that moves it lives here,
in `apply_ticket_rule`, called by the write paths inside their transactions:

| What happened (`happened`)                    | Ticket status becomes                      |
| --------------------------------------------- | ------------------------------------------ |
| `created`: a new thread (routing, publish)    | NEW                                        |
| `incoming`: a contact's message               | WAITING_ON_US (a NEW ticket stays NEW)     |
| `outgoing`: an agent's reply (send or mirror) | WAITING_ON_CONTACT (a CLOSED one stays)    |
| `closed`: the thread was closed               | CLOSED                                     |
| `reopened`: the thread was reopened           | WAITING_ON_US                              |

A contact writing to a closed ticket reopens the thread first (the closed-thread policy,
conversations/threading.py), which makes it WAITING_ON_US. Replying to a closed thread leaves
it closed (messages/sending.py), so the ticket stays CLOSED. An agent setting the status
explicitly goes through conversations/service.py `update_properties` (CLOSED closes the thread).

The first agent reply (an outgoing MESSAGE) also stamps `first_response_at`, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import bindparam, select, update

from frontdesk.accounts.models import Inbox
from frontdesk.conversations.events import ConversationUpdated
from frontdesk.conversations.models import Thread
from frontdesk.core.db import Prepared, UnitOfWork
from frontdesk.core.errors import validation_error
from frontdesk.core.events import Audience
from frontdesk.core.models import now_ms
from frontdesk.core.pagination import check_limit, decode_cursor
from frontdesk.helpdesk import queries
from frontdesk.helpdesk.events import TicketsMoved
from frontdesk.properties import service as property_service

TICKET_STATUS = "ticket_status"
NEW = "NEW"
WAITING_ON_CONTACT = "WAITING_ON_CONTACT"
WAITING_ON_US = "WAITING_ON_US"
CLOSED = "CLOSED"
TICKET_STATUSES = (NEW, WAITING_ON_CONTACT, WAITING_ON_US, CLOSED)
HELP_DESK = "HELP_DESK"

Happened = Literal["created", "incoming", "outgoing", "closed", "reopened"]

# What a ticket rule reads of a thread. A write path that has just updated the thread may
# read the same with `RETURNING *TICKET_COLUMNS` and hand the row to `apply_ticket_rule`.
TICKET_COLUMNS = (
    Thread.id,
    Thread.inbox_id,
    Thread.status,
    Thread.properties,
    Thread.first_response_at,
    select(Inbox.kind).where(Inbox.id == Thread.inbox_id).scalar_subquery().label("kind"),
)
_TICKET = Prepared(select(*TICKET_COLUMNS).where(Thread.id == bindparam("thread_id")))


def next_ticket_status(current: str | None, happened: Happened, *, thread_status: str) -> str:
    """The ticket status after `happened` (the table in this module's docstring)."""
    if happened == "created":
        return NEW
    if happened == "closed":
        return CLOSED
    if happened == "reopened":
        return WAITING_ON_US
    if thread_status == "CLOSED":
        return CLOSED
    if happened == "incoming":
        return NEW if current == NEW else WAITING_ON_US
    return WAITING_ON_CONTACT


async def apply_ticket_rule(
    uow: UnitOfWork,
    *,
    thread_id: int,
    happened: Happened,
    at: int | None = None,
    ticket: Any = None,
) -> str | None:
    """Move a help-desk thread's ticket status after `happened` (and stamp the first response
    of an `outgoing` reply at `at`); the new status, or None outside a help desk. Called by
    the write paths after they changed the thread (its row is then locked); `ticket` is the
    thread's TICKET_COLUMNS when the caller read them in that change."""
    row = ticket
    if row is None:
        row = await uow.fetch_first(_TICKET, {"thread_id": thread_id})
    if row is None or row.kind != HELP_DESK:
        return None
    current = (row.properties or {}).get(TICKET_STATUS)
    status = next_ticket_status(current, happened, thread_status=row.status)
    values: dict[str, Any] = {}
    if happened == "outgoing" and row.first_response_at is None:
        values["first_response_at"] = at if at is not None else now_ms()
    if status != current:
        values["properties"] = {**(row.properties or {}), TICKET_STATUS: status}
    if values:
        await uow.execute(update(Thread).where(Thread.id == thread_id).values(**values))
    if status != current:
        emit_ticket_changed(uow, thread_id=thread_id, inbox_id=row.inbox_id, status=status)
    return status


async def set_ticket_status(uow: UnitOfWork, *, thread_id: int, status: str) -> None:
    """Store an agent's explicit choice (the caller validated it and opened or closed the
    thread to match); nothing outside a help desk."""
    row = await uow.fetch_first(_TICKET, {"thread_id": thread_id})
    if row is None or row.kind != HELP_DESK:
        return
    if (row.properties or {}).get(TICKET_STATUS) == status:
        return
    properties = {**(row.properties or {}), TICKET_STATUS: status}
    await uow.execute(
        update(Thread)
        .where(Thread.id == thread_id)
        .values(properties=properties, updated_at=now_ms())
    )
    emit_ticket_changed(uow, thread_id=thread_id, inbox_id=row.inbox_id, status=status)


async def is_help_desk(uow: UnitOfWork, *, inbox_id: int) -> bool:
    kind = await uow.scalar(select(Inbox.kind).where(Inbox.id == inbox_id))
    return bool(kind == HELP_DESK)


def emit_ticket_changed(uow: UnitOfWork, *, thread_id: int, inbox_id: int, status: str) -> None:
    """The thread update event that carries property changes (live help-desk view, sidebar,
    `conversation.propertyChange` webhooks)."""
    uow.emit(
        ConversationUpdated(
            thread_id=thread_id,
            inbox_id=inbox_id,
            changes={"properties": {TICKET_STATUS: status}},
            audience=Audience(inbox_id=inbox_id),
        )
    )


def status_of_moved(*, thread_status: str, sent_at: int | None, received_at: int | None) -> str:
    """The ticket status of a conversation that moves into a help desk: CLOSED when closed,
    else waiting on whoever did not write last."""
    if thread_status == "CLOSED":
        return CLOSED
    if received_at is not None and (sent_at is None or received_at >= sent_at):
        return WAITING_ON_US
    return WAITING_ON_CONTACT


async def make_tickets(uow: UnitOfWork, *, channel_account_id: int, inbox_id: int) -> int:
    """Give every thread of a channel account just moved into help desk `inbox_id` its ticket
    status (in the move's transaction) and emit one `helpdesk.tickets_moved`; how many."""
    rows = (
        await uow.execute(
            select(
                Thread.id,
                Thread.status,
                Thread.properties,
                Thread.latest_sent_at,
                Thread.latest_received_at,
            ).where(Thread.channel_account_id == channel_account_id)
        )
    ).all()
    changes = []
    for row in rows:
        status = status_of_moved(
            thread_status=row.status,
            sent_at=row.latest_sent_at,
            received_at=row.latest_received_at,
        )
        changes.append(
            {"b_id": row.id, "b_properties": {**(row.properties or {}), TICKET_STATUS: status}}
        )
    await _write_properties(uow, changes)
    _emit_moved(uow, inbox_id=inbox_id, channel_account_id=channel_account_id, count=len(rows))
    return len(rows)


async def clear_tickets(uow: UnitOfWork, *, channel_account_id: int, help_desk_id: int) -> int:
    """Take the ticket status off a channel account's threads leaving help desk
    `help_desk_id` (an ordinary inbox keeps none); how many."""
    rows = (
        await uow.execute(
            select(Thread.id, Thread.properties).where(
                Thread.channel_account_id == channel_account_id
            )
        )
    ).all()
    changes = [
        {
            "b_id": row.id,
            "b_properties": {k: v for k, v in row.properties.items() if k != TICKET_STATUS},
        }
        for row in rows
        if TICKET_STATUS in (row.properties or {})
    ]
    await _write_properties(uow, changes)
    _emit_moved(uow, inbox_id=help_desk_id, channel_account_id=channel_account_id, count=len(rows))
    return len(rows)


async def _write_properties(uow: UnitOfWork, changes: list[dict[str, Any]]) -> None:
    if not changes:
        return
    await uow.execute(
        update(Thread)
        .where(Thread.id == bindparam("b_id"))
        .values(properties=bindparam("b_properties"), updated_at=now_ms()),
        changes,
    )


def _emit_moved(uow: UnitOfWork, *, inbox_id: int, channel_account_id: int, count: int) -> None:
    uow.emit(
        TicketsMoved(
            inbox_id=inbox_id,
            channel_account_id=channel_account_id,
            count=count,
            audience=Audience(inbox_id=inbox_id),
        )
    )


# ---- the ticket list ------------------------------------------------------------------------

DEFAULT_SORT = "-latestMessageTimestamp"
SORTS = tuple(queries.SORT_EXPRESSIONS)


def parse_sort(sort: str | None) -> queries.TicketSort:
    """`name` or `-name` (descending) of a column of the view; 400 for anything else."""
    spelling = (sort or DEFAULT_SORT).strip() or DEFAULT_SORT
    name = spelling.removeprefix("-")
    if name not in queries.SORT_EXPRESSIONS:
        allowed = ", ".join(f"{s}, -{s}" for s in SORTS)
        raise validation_error(f"sort must be one of {allowed}", field_name="sort")
    return queries.TicketSort(name, spelling.startswith("-"))


def _choices(values: Sequence[str], *, allowed: Sequence[str], field_name: str) -> tuple[str, ...]:
    picked = tuple(dict.fromkeys(v.strip() for v in values if v.strip()))
    wrong = [v for v in picked if v not in allowed]
    if wrong:
        raise validation_error(
            f"{field_name} {wrong[0]!r} is not one of {', '.join(allowed)}", field_name=field_name
        )
    return picked


def _owners(values: Sequence[str], *, user_id: int | None) -> tuple[tuple[int, ...], bool]:
    ids: list[int] = []
    unassigned = False
    for value in (v.strip() for v in values if v.strip()):
        if value == "unassigned":
            unassigned = True
        elif value == "me":
            if user_id is None:
                raise validation_error("owner=me needs a signed-in user", field_name="owner")
            ids.append(user_id)
        elif value.isdigit() and 0 < int(value) < 2**63:
            ids.append(int(value))
        else:
            raise validation_error(
                f"owner {value!r} is not a user id, me or unassigned", field_name="owner"
            )
    return tuple(dict.fromkeys(ids)), unassigned


async def list_tickets(
    uow: UnitOfWork,
    *,
    visible_inbox_ids: frozenset[int] | None,
    user_id: int | None,
    statuses: Sequence[str] = (),
    priorities: Sequence[str] = (),
    categories: Sequence[str] = (),
    owners: Sequence[str] = (),
    sort: str | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> tuple[list[Any], dict[str, Any] | None]:
    """One page of the tickets of the help-desk inboxes the caller sees, filtered and sorted
    as asked; the rows and the cursor value of the next page (None: the last page)."""
    order = parse_sort(sort)
    definitions = {d.name: d for d in await property_service.list_definitions(uow)}
    owner_ids, unassigned = _owners(owners, user_id=user_id)
    filters = queries.TicketFilter(
        inbox_ids=await queries.help_desk_inbox_ids(uow, visible=visible_inbox_ids),
        statuses=_choices(statuses, allowed=TICKET_STATUSES, field_name="status"),
        priorities=_choices(
            priorities, allowed=definitions["priority"].option_values, field_name="priority"
        ),
        categories=_choices(
            categories, allowed=definitions["category"].option_values, field_name="category"
        ),
        owner_ids=owner_ids,
        unassigned=unassigned,
    )
    page = await queries.list_tickets(
        uow,
        filters=filters,
        sort=order,
        after_key=_after_key(after, order),
        limit=check_limit(limit),
    )
    next_cursor = None if page.next_key is None else {"s": order.spelling, "k": page.next_key}
    return page.rows, next_cursor


def _after_key(after: str | None, order: queries.TicketSort) -> list[Any] | None:
    cursor = decode_cursor(after)
    if cursor is None:
        return None
    key = cursor.get("k") if isinstance(cursor, dict) else None
    if (
        not isinstance(cursor, dict)
        or cursor.get("s") != order.spelling
        or not isinstance(key, list)
        or len(key) != 2
        or type(key[0]) is not order.value_type
        or type(key[1]) is not int
    ):
        raise validation_error("The after cursor belongs to another sort", field_name="after")
    return key


async def sees_help_desk(uow: UnitOfWork, *, visible_inbox_ids: frozenset[int] | None) -> bool:
    """Whether the caller sees any help-desk inbox (the top bar's Help desk link)."""
    return bool(await queries.help_desk_inbox_ids(uow, visible=visible_inbox_ids))


async def view_choices(
    uow: UnitOfWork, *, visible_inbox_ids: frozenset[int] | None
) -> dict[str, Any]:
    """What the help-desk view's filters offer: statuses, priorities, categories (value,
    label) and the owners who see a help desk."""
    definitions = {d.name: d for d in await property_service.list_definitions(uow)}
    inbox_ids = await queries.help_desk_inbox_ids(uow, visible=visible_inbox_ids)
    return {
        "statuses": definitions[TICKET_STATUS].options,
        "priorities": definitions["priority"].options,
        "categories": definitions["category"].options,
        "owners": await queries.owner_choices(uow, inbox_ids=inbox_ids),
        "help_desk_ids": inbox_ids,
    }


TICKET_FIELDS = (TICKET_STATUS, "priority", "category")


async def ticket_card(uow: UnitOfWork, *, thread: Any) -> dict[str, Any] | None:
    """The sidebar's ticket fields of a help-desk thread (None elsewhere): each editable
    field with its options and value, and the first response."""
    if not await is_help_desk(uow, inbox_id=thread.inbox_id):
        return None
    definitions = {d.name: d for d in await property_service.list_definitions(uow)}
    properties = thread.properties or {}
    response_ms = (
        None
        if thread.first_response_at is None
        else max(0, int(thread.first_response_at) - int(thread.created_at))
    )
    return {
        "thread_id": thread.id,
        "fields": [
            {
                "name": name,
                "label": "Status" if name == TICKET_STATUS else definitions[name].label,
                "options": definitions[name].options,
                "value": str(properties.get(name) or ""),
                "required": name == TICKET_STATUS,
            }
            for name in TICKET_FIELDS
        ],
        "first_response_at": thread.first_response_at,
        "response_ms": response_ms,
    }
