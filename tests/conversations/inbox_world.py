"""A small workspace for the inbox-view tests, built through the real services and the API.

Two inboxes: A (team A: the agent and a colleague) and B (team B: the outsider). Channel
"Chat" has an account in each inbox, channel "SMS" one in inbox A; an admin sees everything.
Threads are made by publishing customer messages as a bridge does, at chosen times.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx

from frontdesk.apps.service import CreatedApp
from frontdesk.conversations import service as conversation_service
from frontdesk.core.db import Database
from tests import factories
from tests.factories import bearer

V3 = "/conversations/v3/custom-channels"
THREADS = "/conversations/v3/conversations/threads"
_keys = itertools.count(1)
_phones = itertools.count(3000)


@dataclass
class InboxWorld:
    app: CreatedApp
    inbox_a: int
    inbox_b: int
    chat_id: int
    chat_a: int  # the Chat account in inbox A
    chat_b: int  # the Chat account in inbox B
    sms_id: int
    sms_a: int  # the SMS account in inbox A
    agent_id: int
    agent_token: str
    colleague_id: int
    colleague_token: str
    outsider_id: int
    outsider_token: str
    admin_id: int
    admin_token: str

    def visible(self, user_id: int) -> frozenset[int] | None:
        """The inboxes a user of this world sees (None: all, the admin)."""
        if user_id == self.admin_id:
            return None
        return frozenset({self.inbox_b if user_id == self.outsider_id else self.inbox_a})

    def channel_of(self, account_id: int) -> int:
        return self.sms_id if account_id == self.sms_a else self.chat_id


async def build_world(db: Database) -> InboxWorld:
    team_a, team_b = await factories.create_team(db), await factories.create_team(db)
    inbox_a = await factories.create_inbox(db, teams=[team_a])
    inbox_b = await factories.create_inbox(db, teams=[team_b])
    app = await factories.create_app(db)
    chat_id = await factories.create_channel_row(db, app_id=app.app_id, name="Chat")
    sms_id = await factories.create_channel_row(db, app_id=app.app_id, name="SMS")
    agent = await factories.create_user(db, teams=[team_a], name="Grace Hopper")
    colleague = await factories.create_user(db, teams=[team_a], name="Linus")
    outsider = await factories.create_user(db, teams=[team_b], name="Outsider")
    admin = await factories.create_user(db, role="admin", name="Admin")
    return InboxWorld(
        app=app,
        inbox_a=inbox_a,
        inbox_b=inbox_b,
        chat_id=chat_id,
        chat_a=await _account(db, chat_id, inbox_a, "Chat A"),
        chat_b=await _account(db, chat_id, inbox_b, "Chat B"),
        sms_id=sms_id,
        sms_a=await _account(db, sms_id, inbox_a, "SMS A"),
        agent_id=agent,
        agent_token=await factories.create_personal_token(db, user_id=agent),
        colleague_id=colleague,
        colleague_token=await factories.create_personal_token(db, user_id=colleague),
        outsider_id=outsider,
        outsider_token=await factories.create_personal_token(db, user_id=outsider),
        admin_id=admin,
        admin_token=await factories.create_personal_token(db, user_id=admin),
    )


async def _account(db: Database, channel_id: int, inbox_id: int, name: str) -> int:
    return await factories.create_channel_account_row(
        db, channel_id=channel_id, inbox_id=inbox_id, name=name
    )


def new_key() -> str:
    return f"conversation-{next(_keys)}"


def new_phone() -> str:
    return f"+1415556{next(_phones) % 10000:04d}"


async def publish(
    client: httpx.AsyncClient,
    world: InboxWorld,
    *,
    account: int,
    at: int,
    key: str | None = None,
    text: str = "Hello there",
    phone: str | None = None,
    name: str | None = "Ada Lovelace",
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An INCOMING customer message on `account` at second `at` of 2026-03-01 10:00 (a new
    conversation unless `key` names an earlier one); the stored message."""
    sender: dict[str, Any] = {
        "deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": phone or new_phone()}
    }
    if name is not None:
        sender["name"] = name
    body = {
        "text": text,
        "messageDirection": "INCOMING",
        "channelAccountId": str(account),
        "integrationThreadId": key or new_key(),
        "integrationIdempotencyId": new_key(),
        "senders": [sender],
        "recipients": [{"deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": "+15550100"}}],
        "attachments": attachments or [],
        "timestamp": f"2026-03-01T10:{at // 60:02d}:{at % 60:02d}Z",
    }
    response = await client.post(
        f"{V3}/{world.channel_of(account)}/messages",
        json=body,
        headers=bearer(world.app.access_token),
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def new_thread(
    client: httpx.AsyncClient, world: InboxWorld, *, account: int, at: int, **fields: Any
) -> int:
    """A conversation whose first message arrives at second `at`; its thread id."""
    message = await publish(client, world, account=account, at=at, **fields)
    return int(message["conversationsThreadId"])


async def send(
    client: httpx.AsyncClient,
    token: str,
    *,
    thread_id: int,
    user_id: int,
    world: InboxWorld,
    account: int,
    comment: bool = False,
    text: str = "On it.",
) -> dict[str, Any]:
    """An agent's reply (or internal comment) through the Conversations API."""
    body: dict[str, Any] = {"type": "COMMENT", "text": text, "attachments": []}
    if not comment:
        body = {
            "type": "MESSAGE",
            "text": text,
            "senderActorId": f"A-{user_id}",
            "channelId": str(world.channel_of(account)),
            "channelAccountId": str(account),
            "recipients": [],
            "attachments": [],
        }
    response = await client.post(
        f"{THREADS}/{thread_id}/messages", json=body, headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _admin(world: InboxWorld) -> conversation_service.Acting:
    return conversation_service.Acting(actor_id=f"A-{world.admin_id}", inbox_ids=None)


async def assign(db: Database, world: InboxWorld, *, thread_id: int, user_id: int) -> None:
    async with db.transaction() as uow:
        await conversation_service.assign_thread(
            uow, thread_id=thread_id, assignee=f"A-{user_id}", by=_admin(world)
        )


async def set_status(db: Database, world: InboxWorld, *, thread_id: int, status: str) -> None:
    async with db.transaction() as uow:
        await conversation_service.update_thread(
            uow,
            thread_id=thread_id,
            status=status,
            archived=None,
            find_archived=False,
            by=_admin(world),
        )


async def archive(db: Database, world: InboxWorld, *, thread_id: int) -> None:
    async with db.transaction() as uow:
        await conversation_service.archive_thread(uow, thread_id=thread_id, by=_admin(world))
