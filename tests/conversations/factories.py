"""Threads for the conversations tests, inserted directly (the publish path has its own tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from frontdesk.contacts.models import Contact
from frontdesk.conversations.models import Thread, ThreadKey
from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from frontdesk.core.models import now_ms
from frontdesk.messages.models import Message
from tests.factories import (
    create_app,
    create_channel_account_row,
    create_channel_row,
    create_inbox,
    create_team,
    unique,
)


@dataclass(frozen=True)
class Setup:
    """An app with its token, a channel, a team, an inbox of that team and an account in it."""

    app_id: int
    app_token: str
    channel_id: int
    team: str
    inbox_id: int
    account_id: int


async def create_setup(db: Database, *, scopes: list[str] | None = None) -> Setup:
    created = await create_app(db, scopes=scopes)
    channel_id = await create_channel_row(db, app_id=created.app_id)
    team = await create_team(db)
    inbox_id = await create_inbox(db, teams=[team])
    account_id = await create_channel_account_row(db, channel_id=channel_id, inbox_id=inbox_id)
    return Setup(created.app_id, created.access_token, channel_id, team, inbox_id, account_id)


async def add_inbox(
    db: Database, setup: Setup, *, teams: list[str] | None = None
) -> tuple[int, int]:
    """Another inbox (of `teams`) with a channel account of the setup's channel in it."""
    inbox_id = await create_inbox(db, teams=teams)
    account_id = await create_channel_account_row(
        db, channel_id=setup.channel_id, inbox_id=inbox_id
    )
    return inbox_id, account_id


async def create_contact(db: Database, *, name: str | None = None) -> int:
    now = now_ms()
    async with db.transaction() as uow:
        contact_id: int = await uow.scalar(
            insert(Contact)
            .values(name=name or unique("contact"), properties={}, created_at=now, updated_at=now)
            .returning(Contact.id)
        )
    return contact_id


async def create_thread(
    db: Database,
    setup: Setup,
    *,
    inbox_id: int | None = None,
    account_id: int | None = None,
    contact_id: int | None = None,
    status: str = "OPEN",
    archived: bool = False,
    latest_message_at: int | None = None,
    assignee_id: int | None = None,
) -> int:
    """A thread (with a new contact unless given) and the ThreadKey that routes to it."""
    if contact_id is None:
        contact_id = await create_contact(db)
    now = now_ms()
    account_id = account_id or setup.account_id
    async with db.transaction() as uow:
        thread_id: int = await uow.scalar(
            insert(Thread)
            .values(
                inbox_id=inbox_id or setup.inbox_id,
                channel_id=setup.channel_id,
                channel_account_id=account_id,
                contact_id=contact_id,
                assignee_id=assignee_id,
                status=status,
                closed_at=now if status == "CLOSED" else None,
                properties={},
                latest_message_at=latest_message_at,
                latest_received_at=latest_message_at,
                spam=False,
                archived=archived,
                archived_at=now if archived else None,
                created_at=now,
                updated_at=now,
            )
            .returning(Thread.id)
        )
        await uow.execute(
            insert(ThreadKey).values(
                channel_account_id=account_id,
                key_kind="INTEGRATION_THREAD_ID",
                key=unique("key"),
                thread_id=thread_id,
            )
        )
    return thread_id


@dataclass(frozen=True)
class LoggedEvent:
    name: str
    payload: dict[str, Any]
    inbox_id: int | None
    user_ids: list[int]


async def events(db: Database, *, name: str | None = None) -> list[LoggedEvent]:
    """Rows of the event log, oldest first."""
    statement = select(
        EventRow.name, EventRow.payload, EventRow.inbox_id, EventRow.user_ids
    ).order_by(EventRow.id)
    if name is not None:
        statement = statement.where(EventRow.name == name)
    async with db.read() as uow:
        return [
            LoggedEvent(row.name, row.payload, row.inbox_id, list(row.user_ids))
            for row in await uow.execute(statement)
        ]


async def system_messages(db: Database, *, thread_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    """A thread's system entries as (type, created_by, extra), oldest first."""
    statement = (
        select(Message.type, Message.created_by, Message.extra)
        .where(Message.thread_id == thread_id, Message.client_type == "SYSTEM")
        .order_by(Message.id)
    )
    async with db.read() as uow:
        return [(r.type, r.created_by, r.extra) for r in await uow.execute(statement)]


async def thread_row(db: Database, thread_id: int) -> Any:
    async with db.read() as uow:
        return (await uow.execute(select(Thread).where(Thread.id == thread_id))).one()
