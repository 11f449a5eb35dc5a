"""Moving a channel account to the help desk makes its conversations tickets in the same
transaction (one event for the help-desk view); moving it back takes the ticket status off."""

from __future__ import annotations

import httpx
import pytest

from frontdesk.channels.service import manage as channel_manage
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError
from tests.helpdesk.helpers import (
    agent_reply,
    build_desk,
    events_named,
    last_event_id,
    new_conversation,
    patch_thread,
    thread_row,
    ticket_status,
)

pytestmark = pytest.mark.asyncio


async def test_moving_an_account_makes_its_conversations_tickets(
    client: httpx.AsyncClient, db: Database
) -> None:
    desk = await build_desk(db, help_desk=False)
    waiting_on_us = await new_conversation(client, desk)
    waiting_on_contact = await new_conversation(client, desk)
    await agent_reply(client, desk, waiting_on_contact)
    closed = await new_conversation(client, desk)
    await patch_thread(client, desk, closed, {"status": "CLOSED"})
    mark = await last_event_id(db)

    async with db.transaction() as uow:
        help_desk = await channel_manage.move_to_help_desk(uow, account_id=desk.world.account_id)

    assert await ticket_status(db, waiting_on_us) == "WAITING_ON_US"
    assert await ticket_status(db, waiting_on_contact) == "WAITING_ON_CONTACT"
    assert await ticket_status(db, closed) == "CLOSED"
    assert (await thread_row(db, closed)).status == "CLOSED"
    moved = await events_named(db, "helpdesk.tickets_moved", after=mark)
    assert [(e.inbox_id, e.payload["count"]) for e in moved] == [(help_desk, "3")]
    assert moved[0].payload["channelAccountId"] == str(desk.world.account_id)

    # New conversations of the account start as NEW tickets.
    fresh = await new_conversation(client, desk)
    assert await ticket_status(db, fresh) == "NEW"

    async with db.transaction() as uow:
        await channel_manage.move_back_to_inbox(uow, account_id=desk.world.account_id)
    for thread_id in (waiting_on_us, waiting_on_contact, closed, fresh):
        assert await ticket_status(db, thread_id) is None
    back = await events_named(db, "helpdesk.tickets_moved", after=mark)
    assert [(e.inbox_id, e.payload["count"]) for e in back] == [(help_desk, "3"), (help_desk, "4")]


async def test_a_failed_move_leaves_no_ticket_status(
    client: httpx.AsyncClient, db: Database
) -> None:
    desk = await build_desk(db, help_desk=False)
    thread_id = await new_conversation(client, desk)
    mark = await last_event_id(db)

    async def move_then_fail() -> None:
        async with db.transaction() as uow:
            await channel_manage.move_to_help_desk(uow, account_id=desk.world.account_id)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await move_then_fail()
    assert await ticket_status(db, thread_id) is None
    assert await events_named(db, "helpdesk.tickets_moved", after=mark) == []


async def test_a_channel_account_cannot_default_the_ticket_status(db: Database) -> None:
    routing = channel_manage.Routing(default_properties={"ticket_status": "CLOSED"})

    async def check() -> None:
        async with db.read() as uow:
            await channel_manage.check_routing(uow, routing)

    with pytest.raises(AppError) as refused:
        await check()
    assert [e.in_ for e in refused.value.errors] == ["defaultProperties.ticket_status"]
