"""The help-desk ticket list: filters and keyset pages in any of the view's sort orders.

Each order is one SQL expression (ranks for ticket status and priority, so URGENT sorts above
LOW) followed by the thread id; a cursor holds the expression's value and the id of the last
row, and the next page starts strictly after them, so no page is ever loaded whole and rows
inserted meanwhile never shift one. The help-desk inboxes bound every query first
(`ix_threads_view_inbox` starts with the inbox); the JSON properties are read per row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, false, func, or_, select

from frontdesk.accounts.models import Inbox, InboxTeam, TeamMember, User
from frontdesk.contacts.models import Contact
from frontdesk.conversations.models import Thread

NO_RESPONSE = 2**53  # sorts tickets nobody answered after every answered one
STATUS_RANK = ("NEW", "WAITING_ON_US", "WAITING_ON_CONTACT", "CLOSED")
PRIORITY_RANK = ("LOW", "MEDIUM", "HIGH", "URGENT")


def _prop(name: str) -> ColumnElement[Any]:
    value: ColumnElement[Any] = Thread.properties[name].as_string()
    return value


def _rank(name: str, values: Sequence[str]) -> ColumnElement[Any]:
    return case(*((_prop(name) == v, i + 1) for i, v in enumerate(values)), else_=0)


SORT_EXPRESSIONS: dict[str, tuple[Callable[[], ColumnElement[Any]], type]] = {
    "createdAt": (lambda: Thread.created_at.expression, int),
    "latestMessageTimestamp": (
        lambda: func.coalesce(Thread.latest_message_at, Thread.created_at),
        int,
    ),
    "ticketStatus": (lambda: _rank("ticket_status", STATUS_RANK), int),
    "priority": (lambda: _rank("priority", PRIORITY_RANK), int),
    "category": (lambda: func.coalesce(_prop("category"), ""), str),
    "owner": (lambda: func.coalesce(User.name, ""), str),
    "contact": (
        lambda: func.coalesce(Contact.name, Contact.email, Contact.phone, ""),
        str,
    ),
    "firstResponse": (
        lambda: func.coalesce(Thread.first_response_at - Thread.created_at, NO_RESPONSE),
        int,
    ),
}


@dataclass(frozen=True)
class TicketSort:
    name: str  # as in SORT_EXPRESSIONS
    descending: bool

    @property
    def spelling(self) -> str:
        return f"-{self.name}" if self.descending else self.name

    @property
    def value_type(self) -> type:
        return SORT_EXPRESSIONS[self.name][1]

    def expression(self) -> ColumnElement[Any]:
        return SORT_EXPRESSIONS[self.name][0]()


@dataclass(frozen=True)
class TicketFilter:
    """Validated filters; `inbox_ids` are the help-desk inboxes the caller sees."""

    inbox_ids: frozenset[int]
    statuses: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    owner_ids: tuple[int, ...] = ()
    unassigned: bool = False

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [
            Thread.inbox_id.in_(self.inbox_ids) if self.inbox_ids else false(),
            Thread.archived.is_(False),
        ]
        if self.statuses:
            conditions.append(_prop("ticket_status").in_(self.statuses))
        if self.priorities:
            conditions.append(_prop("priority").in_(self.priorities))
        if self.categories:
            conditions.append(_prop("category").in_(self.categories))
        owners: list[ColumnElement[bool]] = []
        if self.owner_ids:
            owners.append(Thread.assignee_id.in_(self.owner_ids))
        if self.unassigned:
            owners.append(Thread.assignee_id.is_(None))
        if owners:
            conditions.append(or_(*owners))
        return conditions


@dataclass
class TicketPage:
    rows: list[Any]
    next_key: list[Any] | None = None


async def list_tickets(
    uow: Any,
    *,
    filters: TicketFilter,
    sort: TicketSort,
    after_key: Sequence[Any] | None,
    limit: int,
) -> TicketPage:
    """One keyset page of tickets with what the table shows (contact, owner, inbox)."""
    key = sort.expression()
    statement = (
        select(
            Thread.id,
            Thread.inbox_id,
            Thread.status,
            Thread.properties,
            Thread.assignee_id,
            Thread.created_at,
            Thread.latest_message_at,
            Thread.first_response_at,
            Thread.last_message_preview,
            Thread.contact_id,
            Contact.name.label("contact_name"),
            Contact.email.label("contact_email"),
            Contact.phone.label("contact_phone"),
            User.name.label("owner_name"),
            Inbox.name.label("inbox_name"),
            key.label("sort_value"),
        )
        .join(Contact, Contact.id == Thread.contact_id)
        .join(Inbox, Inbox.id == Thread.inbox_id)
        .outerjoin(User, User.id == Thread.assignee_id)
        .where(*filters.conditions())
    )
    if after_key is not None:
        value, last_id = after_key
        if sort.descending:
            statement = statement.where(or_(key < value, and_(key == value, Thread.id < last_id)))
        else:
            statement = statement.where(or_(key > value, and_(key == value, Thread.id > last_id)))
    order = [key.desc(), Thread.id.desc()] if sort.descending else [key.asc(), Thread.id.asc()]
    rows = list((await uow.execute(statement.order_by(*order).limit(limit + 1))).all())
    if len(rows) <= limit:
        return TicketPage(rows=rows)
    rows = rows[:limit]
    return TicketPage(rows=rows, next_key=[rows[-1].sort_value, rows[-1].id])


async def help_desk_inbox_ids(uow: Any, *, visible: frozenset[int] | None) -> frozenset[int]:
    """The live help-desk inboxes among those the caller sees (None: all)."""
    statement = select(Inbox.id).where(Inbox.kind == "HELP_DESK", Inbox.archived.is_(False))
    if visible is not None:
        if not visible:
            return frozenset()
        statement = statement.where(Inbox.id.in_(visible))
    return frozenset(int(i) for i in (await uow.execute(statement)).scalars())


async def owner_choices(uow: Any, *, inbox_ids: frozenset[int]) -> list[Any]:
    """Active users who see one of `inbox_ids` (admins and members of their teams), by name:
    the help-desk view's owner filter."""
    if not inbox_ids:
        return []
    in_team = exists(
        select(TeamMember.user_id)
        .join(InboxTeam, InboxTeam.team_id == TeamMember.team_id)
        .where(TeamMember.user_id == User.id, InboxTeam.inbox_id.in_(inbox_ids))
    )
    statement = (
        select(User.id, User.name, User.email)
        .where(User.active.is_(True), or_(User.role == "admin", in_team))
        .order_by(func.lower(User.name), User.id)
    )
    return list((await uow.execute(statement)).all())
