"""Inboxes and threads of the Conversations API: list, get, status, archive, restore, assignee.

Writes lock the thread row before reading it (PostgreSQL; SQLite has one writer anyway), so
two concurrent identical changes yield one system message and one event, not two. Every
thread lookup goes through `access.get_visible_thread`: an invisible thread is a 404.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from frontdesk.accounts.models import Inbox
from frontdesk.conversations import queries
from frontdesk.conversations.access import get_visible_thread
from frontdesk.conversations.events import (
    ConversationAssigned,
    ConversationDeleted,
    ConversationUpdated,
)
from frontdesk.conversations.models import Thread
from frontdesk.conversations.queries import Page, SortKey, ThreadFilter
from frontdesk.conversations.schemas import agent_actor_id
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound, validation_error
from frontdesk.core.events import Audience
from frontdesk.core.models import datetime_to_ms, now_ms
from frontdesk.core.pagination import MAX_LIMIT, check_limit, decode_cursor
from frontdesk.helpdesk import service as helpdesk_service
from frontdesk.helpdesk.service import TICKET_STATUS
from frontdesk.messages.system import add_system_message
from frontdesk.properties import service as property_service

THREAD_STATUSES = ("OPEN", "CLOSED")
_AGENT_ACTOR = re.compile(r"^A-([1-9][0-9]{0,17})$")

INBOX_SORTS = {
    "id": SortKey("id", None, Inbox.id),
    "-id": SortKey("-id", None, Inbox.id, descending=True),
    "name": SortKey("name", Inbox.name, Inbox.id),
    "-name": SortKey("-name", Inbox.name, Inbox.id, descending=True),
}
THREAD_SORTS = {
    "id": SortKey("id", None, Thread.id),
    "-id": SortKey("-id", None, Thread.id, descending=True),
    "latestMessageTimestamp": SortKey(
        "latestMessageTimestamp", Thread.latest_message_at, Thread.id
    ),
    "-latestMessageTimestamp": SortKey(
        "-latestMessageTimestamp", Thread.latest_message_at, Thread.id, descending=True
    ),
}


@dataclass(frozen=True)
class Acting:
    """Who makes a change: their actor id (`A-<user>` or `I-<app>`) and the inboxes they see
    (None: every inbox)."""

    actor_id: str
    inbox_ids: frozenset[int] | None


def _one_sort(sort: Sequence[str] | None, *, allowed: dict[str, SortKey], default: str) -> SortKey:
    values = list(dict.fromkeys(s.strip() for s in sort or () if s.strip()))
    if len(values) > 1:
        raise validation_error("Only one sort value is supported", field_name="sort")
    name = values[0] if values else default
    if name not in allowed:
        raise validation_error(f"sort must be one of {', '.join(allowed)}", field_name="sort")
    return allowed[name]


def _after_key(after: str | None, sort: SortKey, *, types: Sequence[type]) -> list[Any] | None:
    cursor = decode_cursor(after)
    return None if cursor is None else sort.key_from_cursor(cursor, types=types)


async def list_inboxes(
    uow: UnitOfWork,
    *,
    inbox_ids: frozenset[int] | None,
    archived: bool = False,
    sort: Sequence[str] | None = None,
    after: str | None = None,
    limit: int | None = None,
    default_page_length: int | None = None,
) -> Page:
    """One page of the inboxes the caller sees, with their total."""
    order = _one_sort(sort, allowed=INBOX_SORTS, default="id")
    types = (str, int) if order.column is not None else (int,)
    # `defaultPageLength` is undocumented by HubSpot: we take it as the page size when no
    # `limit` is given.
    if limit is None and default_page_length is not None:
        if not 1 <= default_page_length <= MAX_LIMIT:
            raise validation_error(
                f"defaultPageLength must be between 1 and {MAX_LIMIT}",
                field_name="defaultPageLength",
            )
        limit = default_page_length
    return await queries.list_inboxes(
        uow,
        inbox_ids=inbox_ids,
        archived=archived,
        sort=order,
        after_key=_after_key(after, order, types=types),
        limit=check_limit(limit),
    )


async def get_inbox(
    uow: UnitOfWork, *, inbox_id: int, inbox_ids: frozenset[int] | None, archived: bool = False
) -> Any:
    """One inbox the caller sees; 404 when invisible or its archived flag differs."""
    row = await queries.get_inbox(uow, inbox_id=inbox_id)
    if (
        row is None
        or (inbox_ids is not None and row.id not in inbox_ids)
        or row.archived != archived
    ):
        raise NotFound("Inbox", inbox_id)
    return row


def _thread_sort(
    sort: Sequence[str] | None, *, contact_id: int | None, latest_after: datetime | None
) -> SortKey:
    order = _one_sort(sort, allowed=THREAD_SORTS, default="id")
    if order.descending and contact_id is None:
        raise validation_error(
            "Descending sort is only allowed when filtering by associatedContactId",
            field_name="sort",
        )
    if order.column is not None and latest_after is None:
        raise validation_error(
            "latestMessageTimestampAfter is required when sorting by latestMessageTimestamp",
            field_name="latestMessageTimestampAfter",
        )
    return order


async def list_threads(
    uow: UnitOfWork,
    *,
    visible_inbox_ids: frozenset[int] | None,
    inbox_ids: Sequence[int] = (),
    contact_id: int | None = None,
    thread_status: str | None = None,
    ticket_id: int | None = None,
    archived: bool = False,
    sort: Sequence[str] | None = None,
    latest_after: datetime | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> Page:
    """One keyset page of threads under the list rules of reference 7.4."""
    if contact_id is not None and thread_status is None:
        raise validation_error(
            "threadStatus is required with associatedContactId", field_name="threadStatus"
        )
    order = _thread_sort(sort, contact_id=contact_id, latest_after=latest_after)
    filters = ThreadFilter(
        visible_inbox_ids=visible_inbox_ids,
        inbox_ids=tuple(inbox_ids),
        contact_id=contact_id,
        status=thread_status,
        archived=archived,
        latest_after_ms=datetime_to_ms(latest_after) if latest_after is not None else None,
        ticket_id=ticket_id,
    )
    types = (int, int) if order.column is not None else (int,)
    return await queries.list_threads(
        uow,
        filters=filters,
        sort=order,
        after_key=_after_key(after, order, types=types),
        limit=check_limit(limit),
    )


async def get_thread(
    uow: UnitOfWork, *, thread_id: int, inbox_ids: frozenset[int] | None, archived: bool = False
) -> Any:
    """One thread the caller sees (archived ones only with `archived=True`)."""
    return await get_visible_thread(
        uow, thread_id=thread_id, inbox_ids=inbox_ids, archived=archived
    )


async def _locked_thread(
    uow: UnitOfWork, *, thread_id: int, by: Acting, archived: bool | None
) -> Any:
    # Lock first, then read: the read then sees what a concurrent writer committed.
    await uow.execute(select(Thread.id).where(Thread.id == thread_id).with_for_update())
    return await get_visible_thread(
        uow, thread_id=thread_id, inbox_ids=by.inbox_ids, archived=archived
    )


async def _reload(uow: UnitOfWork, thread_id: int) -> Any:
    return await get_visible_thread(uow, thread_id=thread_id, inbox_ids=None, archived=None)


async def update_thread(
    uow: UnitOfWork,
    *,
    thread_id: int,
    status: str | None,
    archived: bool | None,
    find_archived: bool,
    by: Acting,
    properties: dict[str, Any] | None = None,
) -> Any:
    """PATCH a thread: change its status and/or properties, or restore it (`archived:
    false`) alone."""
    if (status is not None or properties) and archived is not None:
        raise validation_error(
            "Change status or properties, or restore (archived: false), not both in one request",
            field_name="archived",
        )
    if properties:
        row = await update_properties(uow, thread_id=thread_id, values=properties, by=by)
        if status is None:
            return row
    if status is not None:
        return await change_status(uow, thread_id=thread_id, status=status, by=by)
    if archived is None:
        raise validation_error("Send status, or archived: false to restore", field_name="body")
    if archived:
        raise validation_error("Archive a thread with DELETE", field_name="archived")
    if not find_archived:
        # HubSpot finds an archived thread only with ?archived=true (reference 7.4); without
        # it only a live thread is found, and restoring it changes nothing.
        return await get_visible_thread(
            uow, thread_id=thread_id, inbox_ids=by.inbox_ids, archived=False
        )
    return await restore_thread(uow, thread_id=thread_id, by=by)


async def change_status(uow: UnitOfWork, *, thread_id: int, status: str, by: Acting) -> Any:
    """Open or close a thread; its current status again changes nothing."""
    if status not in THREAD_STATUSES:
        raise validation_error("status must be OPEN or CLOSED", field_name="status")
    thread = await _locked_thread(uow, thread_id=thread_id, by=by, archived=None)
    if thread.archived:
        raise validation_error(
            "The status of an archived thread cannot change; restore it first",
            field_name="status",
        )
    if thread.status == status:
        return thread
    now = now_ms()
    await uow.execute(
        update(Thread)
        .where(Thread.id == thread_id)
        .values(status=status, closed_at=now if status == "CLOSED" else None, updated_at=now)
    )
    await add_system_message(
        uow,
        thread_id=thread_id,
        type="THREAD_STATUS_CHANGE",
        extra={"newStatus": status},
        created_by=by.actor_id,
    )
    _emit_updated(uow, thread, {"status": status})
    # A help-desk ticket follows: closed is CLOSED, reopened waits on us.
    await helpdesk_service.apply_ticket_rule(
        uow, thread_id=thread_id, happened="closed" if status == "CLOSED" else "reopened"
    )
    return await _reload(uow, thread_id)


async def update_properties(
    uow: UnitOfWork, *, thread_id: int, values: dict[str, Any], by: Acting
) -> Any:
    """Set (or clear, with null or "") some of a thread's properties, validated against the
    definitions; one `conversation.updated` with the changed ones. `ticket_status` only on a
    help-desk thread and never cleared; CLOSED closes the thread, any other status of a closed
    ticket reopens it (helpdesk/service.py)."""
    thread = await _locked_thread(uow, thread_id=thread_id, by=by, archived=False)
    definitions = await property_service.list_definitions(uow)
    checked = property_service.validate_properties(definitions, values)
    cleared = {name for name in values if name not in checked}
    ticket = checked.pop(TICKET_STATUS, None)
    if TICKET_STATUS in values:
        if not await helpdesk_service.is_help_desk(uow, inbox_id=thread.inbox_id):
            raise validation_error(
                "ticket_status is only for threads in a help-desk inbox",
                field_name=TICKET_STATUS,
            )
        if ticket is None:
            raise validation_error("A ticket always has a status", field_name=TICKET_STATUS)
        cleared.discard(TICKET_STATUS)
    current = dict(thread.properties or {})
    merged = {k: v for k, v in {**current, **checked}.items() if k not in cleared}
    changed = {
        name: merged.get(name)
        for name in [*checked, *cleared]
        if current.get(name) != merged.get(name)
    }
    if changed:
        await uow.execute(
            update(Thread)
            .where(Thread.id == thread_id)
            .values(properties=merged, updated_at=now_ms())
        )
        _emit_updated(uow, thread, {"properties": changed})
    if ticket is not None:
        if ticket == helpdesk_service.CLOSED:
            await change_status(uow, thread_id=thread_id, status="CLOSED", by=by)
        else:
            if thread.status == "CLOSED":
                await change_status(uow, thread_id=thread_id, status="OPEN", by=by)
            await helpdesk_service.set_ticket_status(uow, thread_id=thread_id, status=ticket)
    return await _reload(uow, thread_id)


async def archive_thread(uow: UnitOfWork, *, thread_id: int, by: Acting) -> None:
    """Archive (soft-delete) a thread; an archived one stays as it is."""
    thread = await _locked_thread(uow, thread_id=thread_id, by=by, archived=None)
    if thread.archived:
        return
    now = now_ms()
    await uow.execute(
        update(Thread)
        .where(Thread.id == thread_id)
        .values(archived=True, archived_at=now, updated_at=now)
    )
    uow.emit(
        ConversationDeleted(
            thread_id=thread_id,
            inbox_id=thread.inbox_id,
            audience=Audience(inbox_id=thread.inbox_id),
        )
    )


async def restore_thread(uow: UnitOfWork, *, thread_id: int, by: Acting) -> Any:
    """Bring an archived thread back; a live one stays as it is."""
    thread = await _locked_thread(uow, thread_id=thread_id, by=by, archived=None)
    if not thread.archived:
        return thread
    await uow.execute(
        update(Thread)
        .where(Thread.id == thread_id)
        .values(archived=False, archived_at=None, updated_at=now_ms())
    )
    _emit_updated(uow, thread, {"archived": False})
    return await _reload(uow, thread_id)


def _emit_updated(uow: UnitOfWork, thread: Any, changes: dict[str, Any]) -> None:
    uow.emit(
        ConversationUpdated(
            thread_id=thread.id,
            inbox_id=thread.inbox_id,
            changes=changes,
            audience=Audience(inbox_id=thread.inbox_id),
        )
    )


def parse_agent_actor(actor_id: str, *, field_name: str = "actorId") -> int:
    """The user id inside an agent actor id `A-<userId>`; 400 for any other actor."""
    match = _AGENT_ACTOR.match(actor_id.strip())
    if match is None:
        raise validation_error(
            f"{actor_id!r} is not an agent actor id (A-<userId>)", field_name=field_name
        )
    return int(match.group(1))


def assignment_reason(actor_id: str) -> str:
    """Why a thread has its assignee, as the UI shows it."""
    if actor_id.startswith("I-"):
        return f"assigned through the API by {actor_id}"
    return f"assigned by {actor_id}"


async def assign_thread(uow: UnitOfWork, *, thread_id: int, assignee: str, by: Acting) -> Any:
    """Assign a thread to an agent (`A-<userId>`) who is active and sees its inbox."""
    user_id = parse_agent_actor(assignee)
    thread = await _locked_thread(uow, thread_id=thread_id, by=by, archived=False)
    user = await queries.get_assignable_user(uow, user_id=user_id, inbox_id=thread.inbox_id)
    if user is None:
        raise validation_error(
            f"{assignee} is not an active user who can see this thread's inbox",
            field_name="actorId",
        )
    if thread.assignee_id == user_id:
        return thread
    await set_assignee(uow, thread=thread, user_id=user_id, by=by)
    return await _reload(uow, thread_id)


async def unassign_thread(
    uow: UnitOfWork, *, thread_id: int, by: Acting, reason: str | None = None
) -> None:
    """Leave a thread without assignee (`reason` says why, e.g. a deactivation); an unassigned
    one stays as it is."""
    thread = await _locked_thread(uow, thread_id=thread_id, by=by, archived=False)
    if thread.assignee_id is not None:
        await set_assignee(uow, thread=thread, user_id=None, by=by, reason=reason)


async def set_assignee(
    uow: UnitOfWork, *, thread: Any, user_id: int | None, by: Acting, reason: str | None = None
) -> None:
    """Give a locked, visible `thread` (a row with id, inbox_id, assignee_id) a new assignee or
    none, with its reason (default: who did it), a history entry and `conversation.assigned`.
    The one way every assignment is written: by an agent, the API, or routing."""
    if reason is None and user_id is not None:
        reason = assignment_reason(by.actor_id)
    now = now_ms()
    await uow.execute(
        update(Thread)
        .where(Thread.id == thread.id)
        .values(
            assignee_id=user_id,
            assigned_at=now if user_id is not None else None,
            assignment_reason=reason,
            updated_at=now,
        )
    )
    await add_system_message(
        uow,
        thread_id=thread.id,
        type="ASSIGNMENT",
        extra={
            "assignedTo": agent_actor_id(user_id),
            "assignedFrom": agent_actor_id(thread.assignee_id),
        },
        created_by=by.actor_id,
    )
    previous = thread.assignee_id
    uow.emit(
        ConversationAssigned(
            thread_id=thread.id,
            inbox_id=thread.inbox_id,
            assignee_id=user_id,
            previous_assignee_id=previous,
            reason=reason,
            actor_id=by.actor_id,
            audience=Audience(
                inbox_id=thread.inbox_id,
                user_ids=tuple(u for u in (previous, user_id) if u is not None),
            ),
        )
    )
