"""The world of the notification tests: a bridge publishing into an inbox of one team, the
people around it, and helpers to read notifications and their events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy import select, update

from frontdesk.accounts.models import User
from frontdesk.conversations import service as conversation_service
from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from frontdesk.notifications.models import Notification
from tests import factories
from tests.messages.publish_setup import Bridge, make_bridge, message_body, new_key, published

THREADS = "/conversations/v3/conversations/threads"


@dataclass
class World:
    """Team members of the bridge's inbox (`assignee`, `mate`, `admin_member`, `inactive`,
    deactivated), an admin of no team, and an agent of another team and inbox."""

    bridge: Bridge
    assignee: int
    mate: int
    admin_member: int
    inactive: int
    admin: int
    outsider: int
    tokens: dict[int, str]

    def auth(self, user_id: int) -> dict[str, str]:
        return factories.bearer(self.tokens[user_id])

    @property
    def members(self) -> list[int]:
        """Who hears of a new unassigned conversation in the bridge's inbox."""
        return sorted([self.assignee, self.mate, self.admin_member])


@pytest_asyncio.fixture
async def world(db: Database) -> World:
    team = await factories.create_team(db)
    other_team = await factories.create_team(db)
    inbox_id = await factories.create_inbox(db, teams=[team])
    await factories.create_inbox(db, teams=[other_team])
    bridge = await make_bridge(db, inbox_id=inbox_id)
    users = {
        "assignee": await factories.create_user(db, teams=[team], name="Grace"),
        "mate": await factories.create_user(db, teams=[team]),
        "admin_member": await factories.create_user(db, teams=[team], role="admin"),
        "inactive": await factories.create_user(db, teams=[team]),
        "admin": await factories.create_user(db, role="admin"),
        "outsider": await factories.create_user(db, teams=[other_team]),
    }
    tokens = {u: await factories.create_personal_token(db, user_id=u) for u in users.values()}
    async with db.transaction() as uow:
        await uow.execute(update(User).where(User.id == users["inactive"]).values(active=False))
    return World(bridge=bridge, tokens=tokens, **users)


@dataclass(frozen=True)
class Conversation:
    """A conversation a bridge started: the body of its first message and what came back."""

    body: dict[str, Any]
    message: dict[str, Any]

    @property
    def thread_id(self) -> int:
        return int(self.message["conversationsThreadId"])

    @property
    def message_id(self) -> int:
        return int(self.message["id"])


async def new_conversation(client: httpx.AsyncClient, world: World, **over: Any) -> Conversation:
    """Publish the first message of a new conversation (its own integration thread)."""
    body = message_body(world.bridge, **over)
    return Conversation(body, await published(client, world.bridge, body))


async def follow_up(
    client: httpx.AsyncClient, world: World, first: Conversation, **over: Any
) -> dict[str, Any]:
    """Publish another message (INCOMING unless `over` says otherwise) into `first`."""
    body = {**first.body, "integrationIdempotencyId": new_key("msg"), **over}
    return await published(client, world.bridge, body)


async def assign(
    db: Database, *, thread_id: int | str, user_id: int, by: str | None = None
) -> None:
    """Assign the thread to `user_id`, by `by` (an actor id; default: the user takes it)."""
    async with db.transaction() as uow:
        await conversation_service.assign_thread(
            uow,
            thread_id=int(thread_id),
            assignee=f"A-{user_id}",
            by=conversation_service.Acting(actor_id=by or f"A-{user_id}", inbox_ids=None),
        )


async def notifications(db: Database, **where: Any) -> list[Any]:
    """Notification rows (filtered by column values), oldest first."""
    query = select(Notification).order_by(Notification.id)
    for column, value in where.items():
        query = query.where(getattr(Notification, column) == value)
    async with db.read() as uow:
        return list((await uow.execute(query)).all())


async def notification_events(db: Database, name: str = "notification.created") -> list[Any]:
    async with db.read() as uow:
        query = select(EventRow).where(EventRow.name == name).order_by(EventRow.id)
        return list((await uow.execute(query)).all())
