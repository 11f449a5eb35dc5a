"""A contact's activity timeline: every item of every conversation with the contact, newest
first, cursor paged, filterable by activity type and channel.

Activity types are a registry: each has a key, a label and the query piece that produces its
items as rows of the same columns (`ITEM_COLUMNS`). The timeline is the UNION ALL of the
chosen types' pieces, so a later type (issue 7: `email`, `call`) that lives in its own table
registers a piece and needs nothing else here.

Access follows the threads: an agent sees items of threads in inboxes they see, and a contact
without such a thread is a 404 (`contact_service.get_visible_contact`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, literal, not_, select, tuple_, union_all

from frontdesk.channels.models import Channel
from frontdesk.contacts import service as contact_service
from frontdesk.conversations.models import Thread
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import validation_error
from frontdesk.messages.models import Message, is_email_message

# Every piece selects these columns, labelled so, in this order.
ITEM_COLUMNS = (
    "activity",
    "item_id",
    "thread_id",
    "channel_id",
    "at",
    "direction",
    "text",
    "senders",
    "status",
    "subject",
    "extra",
)
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class Scope:
    """What a piece must restrict its rows to."""

    contact_id: int
    inbox_ids: frozenset[int] | None
    channel_ids: frozenset[int] | None
    before: tuple[int, str, int] | None  # (at, activity, item_id) of the last item shown


Piece = Callable[[Scope], Select[Any]]


@dataclass(frozen=True)
class ActivityType:
    key: str
    label: str
    piece: Piece


_REGISTRY: dict[str, ActivityType] = {}


def register(key: str, label: str) -> Callable[[Piece], Piece]:
    """Add an activity type whose items the decorated function's SELECT produces."""

    def decorate(piece: Piece) -> Piece:
        if key in _REGISTRY:
            raise ValueError(f"activity type {key!r} registered twice")
        _REGISTRY[key] = ActivityType(key, label, piece)
        return piece

    return decorate


def activity_types() -> list[ActivityType]:
    return list(_REGISTRY.values())


def _message_piece(
    scope: Scope, *, key: str, message_type: str, email: bool | None = None
) -> Select[Any]:
    """Messages of one type in the contact's threads (the inboxes the caller sees); `email`
    keeps only email messages (True) or leaves them out (False)."""
    channel = func.coalesce(Message.channel_id, Thread.channel_id)
    statement = (
        select(
            literal(key).label("activity"),
            Message.id.label("item_id"),
            Message.thread_id.label("thread_id"),
            channel.label("channel_id"),
            Message.created_at.label("at"),
            Message.direction.label("direction"),
            Message.text.label("text"),
            Message.senders.label("senders"),
            Message.status.label("status"),
            Message.subject.label("subject"),
            Message.extra.label("extra"),
        )
        .join(Thread, Thread.id == Message.thread_id)
        .where(Thread.contact_id == scope.contact_id, Message.type == message_type)
    )
    if email is not None:
        statement = statement.where(is_email_message() if email else not_(is_email_message()))
    if scope.inbox_ids is not None:
        statement = statement.where(Thread.inbox_id.in_(scope.inbox_ids))
    if scope.channel_ids is not None:
        statement = statement.where(channel.in_(scope.channel_ids))
    if scope.before is not None:
        statement = statement.where(
            tuple_(Message.created_at, literal(key), Message.id) < tuple_(*scope.before)
        )
    return statement


@register("conversation_message", "Conversation messages")
def conversation_messages(scope: Scope) -> Select[Any]:
    return _message_piece(scope, key="conversation_message", message_type="MESSAGE", email=False)


@register("internal_comment", "Internal comments")
def internal_comments(scope: Scope) -> Select[Any]:
    return _message_piece(scope, key="internal_comment", message_type="COMMENT")


@register("email", "Emails")
def emails(scope: Scope) -> Select[Any]:
    return _message_piece(scope, key="email", message_type="MESSAGE", email=True)


@register("call", "Calls")
def calls(scope: Scope) -> Select[Any]:
    return _message_piece(scope, key="call", message_type="CALL")


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelinePage:
    items: list[Any]  # rows of ITEM_COLUMNS plus `channel_name`
    next_before: tuple[int, str, int] | None


async def contact_timeline(
    uow: UnitOfWork,
    *,
    contact_id: int,
    inbox_ids: frozenset[int] | None,
    types: Sequence[str] = (),
    channel_ids: Iterable[int] = (),
    before: tuple[int, str, int] | None = None,
    limit: int = DEFAULT_LIMIT,
) -> TimelinePage:
    """A page of the contact's activities, newest first (ties: activity key, then id, both
    descending); 404 when the caller sees no thread of the contact, 400 for an unknown type."""
    await contact_service.get_visible_contact(uow, contact_id=contact_id, inbox_ids=inbox_ids)
    chosen = _chosen(types)
    channels = frozenset(channel_ids) or None
    scope = Scope(contact_id, inbox_ids, channels, before)
    union = union_all(*(t.piece(scope) for t in chosen)).subquery("items")
    statement = (
        select(union, Channel.name.label("channel_name"))
        .outerjoin(Channel, Channel.id == union.c.channel_id)
        .order_by(union.c.at.desc(), union.c.activity.desc(), union.c.item_id.desc())
        .limit(limit + 1)
    )
    rows = list((await uow.execute(statement)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_before = (last.at, last.activity, last.item_id) if more and last is not None else None
    return TimelinePage(rows, next_before)


def _chosen(types: Sequence[str]) -> list[ActivityType]:
    unknown = sorted(set(types) - _REGISTRY.keys())
    if unknown:
        raise validation_error(
            f"Unknown activity type {unknown[0]!r}: use one of {', '.join(_REGISTRY)}",
            field_name="type",
        )
    return [t for t in _REGISTRY.values() if not types or t.key in types]


async def contact_channels(
    uow: UnitOfWork, *, contact_id: int, inbox_ids: frozenset[int] | None
) -> list[Any]:
    """(id, name) of the channels of the contact's threads the caller sees: the channel filter."""
    statement = (
        select(Channel.id, Channel.name)
        .join(Thread, Thread.channel_id == Channel.id)
        .where(Thread.contact_id == contact_id)
        .distinct()
        .order_by(Channel.name, Channel.id)
    )
    if inbox_ids is not None:
        statement = statement.where(Thread.inbox_id.in_(inbox_ids))
    return list((await uow.execute(statement)).all())
