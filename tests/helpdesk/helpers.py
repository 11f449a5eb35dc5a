"""A help-desk world: an account whose inbox is a HELP_DESK, an agent of its team with a
personal token, conversations published over HTTP as a bridge does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select, update

from frontdesk.accounts.models import Inbox
from frontdesk.conversations.models import Thread
from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from tests import factories
from tests.factories import bearer
from tests.web.thread_world import THREADS, ThreadWorld, build_world, publish

TICKETS = "/frontdesk/v1/helpdesk/tickets"


@dataclass
class Desk:
    world: ThreadWorld
    agent_id: int
    agent: dict[str, str]  # the agent's bearer header


async def build_desk(db: Database, *, help_desk: bool = True, **kwargs: Any) -> Desk:
    world = await build_world(db, **kwargs)
    if help_desk:
        async with db.transaction() as uow:
            await uow.execute(
                update(Inbox).where(Inbox.id == world.inbox_id).values(kind="HELP_DESK")
            )
    agent_id = await factories.create_user(db, teams=[world.team], name="Ada Agent")
    token = await factories.create_personal_token(db, user_id=agent_id)
    return Desk(world, agent_id, bearer(token))


async def new_conversation(client: httpx.AsyncClient, desk: Desk, text: str = "Help!") -> int:
    """A new thread of the desk's account (its own integration thread id); its id."""
    desk.world.integration_thread_id = f"chat-{uuid.uuid4().hex[:8]}"
    await publish(client, desk.world, text)
    return desk.world.thread_id


async def agent_reply(
    client: httpx.AsyncClient, desk: Desk, thread_id: int, text: str = "On it."
) -> dict[str, Any]:
    body = {
        "type": "MESSAGE",
        "text": text,
        "senderActorId": f"A-{desk.agent_id}",
        "channelId": str(desk.world.channel_id),
        "channelAccountId": str(desk.world.account_id),
        "recipients": [],
        "attachments": [],
    }
    response = await client.post(f"{THREADS}/{thread_id}/messages", json=body, headers=desk.agent)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def patch_thread(
    client: httpx.AsyncClient, desk: Desk, thread_id: int, body: dict[str, Any]
) -> httpx.Response:
    return await client.patch(f"{THREADS}/{thread_id}", json=body, headers=desk.agent)


async def thread_row(db: Database, thread_id: int) -> Any:
    async with db.read() as uow:
        return (await uow.execute(select(Thread).where(Thread.id == thread_id))).one()


async def ticket_status(db: Database, thread_id: int) -> str | None:
    row = await thread_row(db, thread_id)
    value = (row.properties or {}).get("ticket_status")
    return None if value is None else str(value)


async def events_named(db: Database, name: str, *, after: int = 0) -> list[Any]:
    async with db.read() as uow:
        rows = await uow.execute(
            select(EventRow).where(EventRow.name == name, EventRow.id > after).order_by(EventRow.id)
        )
        return list(rows.all())


async def last_event_id(db: Database) -> int:
    async with db.read() as uow:
        rows = await uow.execute(select(EventRow.id).order_by(EventRow.id.desc()).limit(1))
        found = rows.scalar()
        return int(found or 0)
