"""Which events become notifications, for whom, and what they and their events say."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select, update

from frontdesk.accounts.models import InboxTeam, User
from frontdesk.channels.models import Channel
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.events import Event
from frontdesk.messages.events import MessageCreated
from frontdesk.notifications import handlers
from frontdesk.notifications import service as notification_service
from frontdesk.notifications.models import (
    CONVERSATION_ASSIGNED,
    NEW_MESSAGE_ASSIGNED,
    NEW_UNASSIGNED_CONVERSATION,
)
from tests.messages.publish_setup import BUSINESS_PHONE, participant
from tests.notifications.conftest import (
    THREADS,
    World,
    assign,
    follow_up,
    new_conversation,
    notification_events,
    notifications,
)


async def _channel_name(db: Database, world: World) -> str:
    async with db.read() as uow:
        name: str = await uow.scalar(
            select(Channel.name).where(Channel.id == world.bridge.channel_id)
        )
    return name


async def _set_prefs(db: Database, user_id: int, **changes: bool) -> None:
    async with db.transaction() as uow:
        await notification_service.update_settings(uow, user_id=user_id, changes=changes)


@pytest.mark.asyncio
async def test_new_conversation_notifies_the_inbox_team_members_only(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    conversation = await new_conversation(client, world, text="Where is my parcel?")

    rows = await notifications(db)
    assert sorted(r.user_id for r in rows) == world.members  # no admin, outsider, inactive
    channel = await _channel_name(db, world)
    for row in rows:
        assert row.kind == NEW_UNASSIGNED_CONVERSATION
        assert row.thread_id == conversation.thread_id
        assert row.message_id == conversation.message_id
        assert row.inbox_id == world.bridge.inbox_id
        assert row.title == f"Ada · {channel}"
        assert row.body == "Where is my parcel?"
        assert row.read_at is None
    events = await notification_events(db)
    assert [(e.user_ids, e.inbox_id, e.admins) for e in events] == [
        ([r.user_id], None, False) for r in rows
    ]
    assert events[0].payload == {
        "notificationId": str(rows[0].id),
        "kind": NEW_UNASSIGNED_CONVERSATION,
        "threadId": str(conversation.thread_id),
        "messageId": str(conversation.message_id),
        "inboxId": str(world.bridge.inbox_id),
        "title": f"Ada · {channel}",
        "body": "Where is my parcel?",
        "createdAt": events[0].payload["createdAt"],
    }
    assert events[0].payload["createdAt"].endswith("Z")


@pytest.mark.asyncio
async def test_first_message_of_a_new_conversation_brings_one_notification_each(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    await new_conversation(client, world)
    rows = await notifications(db)
    assert [r.kind for r in rows] == [NEW_UNASSIGNED_CONVERSATION] * len(world.members)
    assert sorted(r.user_id for r in rows) == world.members


@pytest.mark.asyncio
async def test_a_conversation_that_gets_an_assignee_notifies_only_the_assignee(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    conversation = await new_conversation(client, world)
    await assign(db, thread_id=conversation.thread_id, user_id=world.assignee)
    before = await notifications(db)

    message = await follow_up(client, world, conversation, text="Any news?")

    new = (await notifications(db))[len(before) :]
    assert [(r.user_id, r.kind) for r in new] == [(world.assignee, NEW_MESSAGE_ASSIGNED)]
    assert new[0].message_id == int(message["id"])
    assert new[0].thread_id == conversation.thread_id
    assert new[0].body == "Any news?"
    (event,) = (await notification_events(db))[len(before) :]
    assert event.user_ids == [world.assignee]
    assert event.inbox_id is None
    assert event.payload["kind"] == NEW_MESSAGE_ASSIGNED
    assert event.payload["messageId"] == message["id"]
    (created,) = [
        e
        for e in await notification_events(db, "message.created")
        if e.payload["messageId"] == message["id"]
    ]
    assert created.payload["assigneeId"] == str(world.assignee)


@pytest.mark.asyncio
async def test_a_conversation_given_by_someone_else_notifies_the_new_assignee(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    conversation = await new_conversation(client, world, text="Where is my parcel?")
    before = await notifications(db)

    await assign(db, thread_id=conversation.thread_id, user_id=world.assignee, by="I-1")
    await assign(
        db, thread_id=conversation.thread_id, user_id=world.mate, by=f"A-{world.admin_member}"
    )
    await assign(db, thread_id=conversation.thread_id, user_id=world.mate)  # again, herself

    new = (await notifications(db))[len(before) :]
    assert [(r.user_id, r.kind) for r in new] == [
        (world.assignee, CONVERSATION_ASSIGNED),
        (world.mate, CONVERSATION_ASSIGNED),
    ]
    assert {r.thread_id for r in new} == {conversation.thread_id}
    assert new[0].message_id == int(conversation.message["id"])
    assert new[0].body == "assigned through the API by I-1"
    async with db.read() as uow:
        admin_name = await uow.scalar(select(User.name).where(User.id == world.admin_member))
    assert new[1].body == f"{admin_name} assigned this conversation to you"
    events = (await notification_events(db))[-2:]
    assert [e.payload["kind"] for e in events] == [CONVERSATION_ASSIGNED] * 2


@pytest.mark.asyncio
async def test_assignment_notifications_have_their_own_switch(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    await _set_prefs(db, world.assignee, conversation_assigned=False)
    conversation = await new_conversation(client, world)
    before = await notifications(db)
    await assign(db, thread_id=conversation.thread_id, user_id=world.assignee, by="I-1")
    await assign(db, thread_id=conversation.thread_id, user_id=world.mate, by="I-1")
    new = (await notifications(db))[len(before) :]
    assert [(r.user_id, r.kind) for r in new] == [(world.mate, CONVERSATION_ASSIGNED)]


@pytest.mark.asyncio
async def test_admin_assignee_outside_the_teams_is_notified(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    # Admins see every inbox, so a thread may be assigned to one who is in none of its teams.
    conversation = await new_conversation(client, world)
    await assign(db, thread_id=conversation.thread_id, user_id=world.admin)
    await follow_up(client, world, conversation)
    assert [r.kind for r in await notifications(db, user_id=world.admin)] == [NEW_MESSAGE_ASSIGNED]


@pytest.mark.asyncio
async def test_outgoing_messages_comments_and_replies_notify_nobody(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    conversation = await new_conversation(client, world)
    await assign(db, thread_id=conversation.thread_id, user_id=world.assignee)
    before = len(await notifications(db))
    customer = conversation.body["senders"][0]["deliveryIdentifier"]["value"]
    await follow_up(
        client,
        world,
        conversation,
        messageDirection="OUTGOING",
        senders=[participant(BUSINESS_PHONE)],
        recipients=[participant(customer)],
    )
    url = f"{THREADS}/{conversation.thread_id}/messages"
    mate = world.auth(world.mate)
    comment = await client.post(
        url, json={"type": "COMMENT", "text": "VIP", "attachments": []}, headers=mate
    )
    assert comment.status_code == 201, comment.text
    reply = {
        "type": "MESSAGE",
        "text": "On its way",
        "senderActorId": f"A-{world.mate}",
        "channelId": str(world.bridge.channel_id),
        "channelAccountId": str(world.bridge.account_id),
        "recipients": [],
        "attachments": [],
    }
    sent = await client.post(url, json=reply, headers=mate)
    assert sent.status_code == 201, sent.text
    assert len(await notifications(db)) == before


@pytest.mark.asyncio
async def test_deactivated_assignee_is_not_notified(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    conversation = await new_conversation(client, world)
    await assign(db, thread_id=conversation.thread_id, user_id=world.assignee)
    async with db.transaction() as uow:
        await uow.execute(update(User).where(User.id == world.assignee).values(active=False))
    await follow_up(client, world, conversation)
    assert await notifications(db, kind=NEW_MESSAGE_ASSIGNED) == []


@pytest.mark.asyncio
async def test_assignee_who_no_longer_sees_the_inbox_is_not_notified(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    conversation = await new_conversation(client, world)
    await assign(db, thread_id=conversation.thread_id, user_id=world.assignee)
    async with db.transaction() as uow:
        await uow.execute(delete(InboxTeam).where(InboxTeam.inbox_id == world.bridge.inbox_id))
    await follow_up(client, world, conversation)
    assert await notifications(db, kind=NEW_MESSAGE_ASSIGNED) == []


@pytest.mark.asyncio
async def test_master_switch_off_means_no_notification_and_no_event(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    await _set_prefs(db, world.assignee, enabled=False)
    conversation = await new_conversation(client, world)
    await assign(db, thread_id=conversation.thread_id, user_id=world.assignee)
    await follow_up(client, world, conversation)
    assert await notifications(db, user_id=world.assignee) == []
    assert all(e.user_ids != [world.assignee] for e in await notification_events(db))
    # The others still hear of the conversation.
    assert len(await notifications(db)) == len(world.members) - 1


@pytest.mark.asyncio
async def test_each_kind_has_its_own_switch(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    await _set_prefs(db, world.assignee, new_unassigned_conversation=False)
    await _set_prefs(db, world.mate, new_message_assigned=False)
    first = await new_conversation(client, world)
    second = await new_conversation(client, world)
    await assign(db, thread_id=first.thread_id, user_id=world.assignee)
    await assign(db, thread_id=second.thread_id, user_id=world.mate)
    await follow_up(client, world, first)
    await follow_up(client, world, second)

    def kinds(user_id: int, rows: list[Any]) -> list[str]:
        return [r.kind for r in rows if r.user_id == user_id]

    rows = await notifications(db)
    assert kinds(world.assignee, rows) == [NEW_MESSAGE_ASSIGNED]
    assert kinds(world.mate, rows) == [NEW_UNASSIGNED_CONVERSATION] * 2
    events = await notification_events(db)
    assert len(events) == len(rows)


@pytest.mark.asyncio
async def test_conversation_title_falls_back_when_the_contact_has_no_name(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    phone = "+14155559876"
    await new_conversation(client, world, senders=[participant(phone)], text="")
    row = (await notifications(db))[0]
    assert row.title.startswith(f"{phone} · ")
    assert row.body == handlers.NO_TEXT_CONVERSATION


class _CountingUow(UnitOfWork):
    """A unit of work that counts the statements a handler runs through it."""

    def __init__(self, inner: UnitOfWork) -> None:
        super().__init__(writable=True, database_key=inner.database_key)
        self.inner = inner
        self.dialect = inner.dialect
        self.statements = 0

    async def execute(self, statement: Any, params: Any = None) -> Any:
        self.statements += 1
        return await self.inner.execute(statement, params)


def _message_event(conversation: Any, world: World, **over: Any) -> Event:
    fields: dict[str, Any] = {
        "thread_id": conversation.thread_id,
        "message_id": conversation.message_id,
        "inbox_id": world.bridge.inbox_id,
        "type": "MESSAGE",
        "direction": "INCOMING",
        "preview": "hi",
        "assignee_id": None,
    }
    return MessageCreated(**(fields | over))


@pytest.mark.asyncio
async def test_message_handler_costs_no_query_without_assignee_and_one_when_none_is_due(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    conversation = await new_conversation(client, world)
    await _set_prefs(db, world.assignee, new_message_assigned=False)
    cases = [
        ({}, 0),
        ({"direction": "OUTGOING", "assignee_id": world.assignee}, 0),
        ({"type": "COMMENT", "direction": None, "assignee_id": world.assignee}, 0),
        ({"assignee_id": world.assignee}, 1),  # switched off
        ({"assignee_id": world.inactive}, 1),
        ({"assignee_id": world.outsider}, 1),
    ]
    for over, statements in cases:
        async with db.transaction() as uow:
            counting = _CountingUow(uow)
            await handlers.on_message_created(counting, _message_event(conversation, world, **over))
            assert (counting.statements, counting.pending_events) == (statements, []), over
