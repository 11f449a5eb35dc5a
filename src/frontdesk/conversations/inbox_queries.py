"""Statements behind the inbox views (conversations/inbox_views.py), built once per shape.

Each takes bound parameters (as publish.py's statements do): building and cache-keying a
statement this size on every request costs more than running it. Shapes: the scope of inboxes
(ALL, SOME: `:inbox_ids`, ONE: `:inbox_id`) and the view's filter (`status`: `:status`;
`mine`: `:user_id`; `unassigned`; `channel`: `:channel_id`).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from frontdesk.accounts.models import User
from frontdesk.channels.models import Channel, ChannelAccount
from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.conversations.models import Thread, ThreadReadState

ALL, SOME, ONE = "all", "some", "one"
STATUS, MINE, UNASSIGNED, CHANNEL = "status", "mine", "unassigned", "channel"


def in_scope(kind: str, column: Any) -> list[ColumnElement[bool]]:
    if kind == ONE:
        return [column == bindparam("inbox_id")]
    if kind == SOME:
        return [column.in_(bindparam("inbox_ids", expanding=True))]
    return []


def view_conditions(shape: str) -> list[ColumnElement[bool]]:
    if shape == STATUS:
        return [Thread.status == bindparam("status")]
    conditions: list[ColumnElement[bool]] = [Thread.status == "OPEN"]
    if shape == MINE:
        conditions.append(Thread.assignee_id == bindparam("user_id"))
    elif shape == UNASSIGNED:
        conditions.append(Thread.assignee_id.is_(None))
    else:
        conditions.append(Thread.channel_id == bindparam("channel_id"))
    return conditions


CLOSED_COUNT_CAP = 999


@functools.cache
def counts_statement(scope: str) -> Any:
    where = [Thread.archived == false(), *in_scope(scope, Thread.inbox_id)]
    # Open threads grouped in ix_threads_view_counts order (inbox, channel, assignee): the
    # index covers the scan and hands rows over grouped, so neither a table row is read nor a
    # sort made. Closed threads are only counted.
    open_groups = (
        select(Thread.channel_id, Thread.assignee_id, func.count().label("n"))
        .where(*where, Thread.status == "OPEN")
        .group_by(Thread.inbox_id, Thread.channel_id, Thread.assignee_id)
    )
    # Closed threads pile up forever (91% of the bench corpus): counting them all cost more
    # than the rest of the page, so the count stops one past CLOSED_COUNT_CAP ("999+").
    closed_rows = (
        select(literal(1).label("one"))
        .where(*where, Thread.status == "CLOSED")
        .limit(CLOSED_COUNT_CAP + 1)
        .subquery()
    )
    closed = select(
        null().label("channel_id"), literal(-1).label("assignee_id"), func.count().label("n")
    ).select_from(closed_rows)
    return union_all(open_groups, closed)


@functools.cache
def channels_statement(scope: str) -> Any:
    """Live channels with a live account in scope, plus those with open threads in scope
    (:counted; an archived account's threads still need a way in), by name."""
    live_account = (
        select(ChannelAccount.id)
        .where(
            ChannelAccount.channel_id == Channel.id,
            ChannelAccount.archived == false(),
            *in_scope(scope, ChannelAccount.inbox_id),
        )
        .exists()
    )
    return (
        select(Channel.id, Channel.name)
        .where(
            or_(
                and_(Channel.archived == false(), live_account),
                Channel.id.in_(bindparam("counted", expanding=True)),
            )
        )
        .order_by(Channel.name, Channel.id)
    )


def row_select() -> Any:
    """Threads joined to what a list row shows (:user_id's read state); callers add the
    conditions, and the order and limit."""
    first_identifier = (
        select(ContactIdentity.value)
        .where(ContactIdentity.contact_id == Contact.id)
        .order_by(ContactIdentity.id)
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            Thread.id,
            Thread.inbox_id,
            Thread.status,
            Thread.contact_id,
            Thread.channel_id,
            Thread.channel_account_id,
            Thread.last_message_id,
            Thread.last_message_preview,
            Thread.latest_message_at,
            Thread.assignee_id,
            Contact.name.label("contact_name"),
            Contact.properties["firstname"].as_string().label("firstname"),
            Contact.properties["lastname"].as_string().label("lastname"),
            case((Contact.name == "", first_identifier), else_=None).label("identifier"),
            Channel.name.label("channel_name"),
            ChannelAccount.name.label("channel_account_name"),
            User.name.label("assignee_name"),
            User.avatar_url.label("assignee_avatar_url"),
            ThreadReadState.last_read_message_id,
        )
        .select_from(Thread)
        .join(Contact, Contact.id == Thread.contact_id)
        .join(Channel, Channel.id == Thread.channel_id)
        .join(ChannelAccount, ChannelAccount.id == Thread.channel_account_id)
        .outerjoin(User, User.id == Thread.assignee_id)
        .outerjoin(
            ThreadReadState,
            and_(
                ThreadReadState.thread_id == Thread.id,
                ThreadReadState.user_id == bindparam("user_id"),
            ),
        )
    )


@functools.cache
def page_statement(shape: str, scope: str, paged: bool) -> Any:
    conditions = [
        Thread.archived == false(),
        Thread.latest_message_at.is_not(None),
        *in_scope(scope, Thread.inbox_id),
        *view_conditions(shape),
    ]
    if paged:
        at = bindparam("at", type_=BigInteger)
        # The redundant `<=` bounds the index range; the OR alone would scan from the top.
        conditions.append(Thread.latest_message_at <= at)
        conditions.append(or_(Thread.latest_message_at < at, Thread.id < bindparam("last_id")))
    return (
        row_select()
        .where(*conditions)
        .order_by(Thread.latest_message_at.desc(), Thread.id.desc())
        # Inlined when run: a prepared statement's generic plan with LIMIT $n on PostgreSQL
        # may sort the whole view instead of walking the index.
        .limit(bindparam("limit", type_=Integer, literal_execute=True))
    )


@functools.cache
def rows_statement(scope: str) -> Any:
    """The rows of named threads (`thread_ids`, expanding), newest activity first."""
    return (
        row_select()
        .where(
            Thread.id.in_(bindparam("thread_ids", expanding=True)),
            Thread.archived == false(),
            Thread.latest_message_at.is_not(None),
            *in_scope(scope, Thread.inbox_id),
        )
        .order_by(Thread.latest_message_at.desc(), Thread.id.desc())
    )
