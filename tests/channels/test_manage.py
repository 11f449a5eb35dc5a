"""An admin's changes to a connected account (issue 5): routing, deactivate/reactivate, move to
the help desk and back (its conversations follow), delete (archive)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from frontdesk.accounts import service as account_service
from frontdesk.accounts.models import Inbox, User
from frontdesk.channels.service import admin as channel_admin
from frontdesk.channels.service import manage as channel_manage
from frontdesk.conversations.models import Thread
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError, Conflict
from tests import factories
from tests.channels.conftest import event_rows
from tests.web.thread_world import V3, ThreadWorld, build_world, publish

pytestmark = pytest.mark.asyncio


async def account(db: Database, world: ThreadWorld) -> channel_admin.ManagedAccount:
    async with db.read() as uow:
        return await channel_admin.get_managed_account(uow, account_id=world.account_id)


async def thread_inboxes(db: Database, world: ThreadWorld) -> set[int]:
    async with db.read() as uow:
        rows = await uow.execute(
            select(Thread.inbox_id).where(Thread.channel_account_id == world.account_id)
        )
        return {r.inbox_id for r in rows}


async def apply(db: Database, change: Any, **kwargs: Any) -> Any:
    async with db.transaction() as uow:
        return await change(uow, **kwargs)


async def test_routing_is_validated_and_stored_in_the_engine_shape(db: Database) -> None:
    world = await build_world(db)
    team = await factories.create_team(db)
    user_id = await factories.create_user(db)
    async with db.read() as uow:
        team_id = await account_service.get_team_id(uow, name=team)
    routing = channel_manage.Routing(
        default_properties={"priority": "HIGH", "category": ""},
        assignment_mode="USERS_AND_TEAMS",
        user_ids=(user_id, user_id),
        team_ids=(team_id,),
        closed_thread_policy="NEW_THREAD",
    )
    await apply(
        db,
        channel_manage.update_account_settings,
        account_id=world.account_id,
        routing=routing,
        name=" Sales ",
    )
    stored = await account(db, world)
    assert stored.name == "Sales"
    assert stored.default_properties == {"priority": "HIGH"}
    assert stored.assignment_mode == "USERS_AND_TEAMS"
    assert stored.assignment_targets == {"userIds": [user_id], "teamIds": [team_id]}
    assert stored.closed_thread_policy == "NEW_THREAD"
    updated = await event_rows(db, "channel_account.updated")
    assert [e.payload["channelAccountId"] for e in updated] == [str(world.account_id)]


async def test_bad_routing_names_every_field_and_writes_nothing(db: Database) -> None:
    world = await build_world(db)
    inactive = await factories.create_user(db)
    async with db.transaction() as uow:
        await uow.execute(update(User).where(User.id == inactive).values(active=False))
    routing = channel_manage.Routing(
        default_properties={"priority": "SOMEDAY", "nope": "x"},
        assignment_mode="USERS_AND_TEAMS",
        user_ids=(inactive, 987654321),
        team_ids=(987654321,),
        closed_thread_policy="SOMETIMES",
    )
    with pytest.raises(AppError) as refused:
        await apply(
            db,
            channel_manage.update_account_settings,
            account_id=world.account_id,
            routing=routing,
        )
    fields = {e.in_ for e in refused.value.errors}
    assert fields == {
        "defaultProperties.priority",
        "defaultProperties.nope",
        "userIds",
        "teamIds",
        "closedThreadPolicy",
    }
    assert refused.value.status == 400
    stored = await account(db, world)
    assert stored.assignment_mode == "OFF"
    assert stored.default_properties == {}
    assert await event_rows(db, "channel_account.updated") == []


async def test_users_and_teams_mode_needs_someone(db: Database) -> None:
    world = await build_world(db)
    with pytest.raises(AppError) as refused:
        await apply(
            db,
            channel_manage.update_account_settings,
            account_id=world.account_id,
            routing=channel_manage.Routing(assignment_mode="USERS_AND_TEAMS"),
        )
    assert [e.in_ for e in refused.value.errors] == ["userIds"]


async def test_deactivated_account_refuses_publishes_until_reactivated(
    db: Database, client: httpx.AsyncClient
) -> None:
    world = await build_world(db)
    await publish(client, world, "before")
    await apply(db, channel_manage.set_account_active, account_id=world.account_id, active=False)
    assert (await account(db, world)).status == "deactivated"
    refused = await client.post(
        f"{V3}/{world.channel_id}/messages",
        json=_message(world),
        headers=world.auth,
    )
    assert refused.status_code == 400
    assert refused.json()["message"] == f"Channel account {world.account_id} is not active"
    assert refused.json()["errors"][0]["in"] == "channelAccountId"
    await apply(db, channel_manage.set_account_active, account_id=world.account_id, active=True)
    await publish(client, world, "after")
    assert len(world.message_ids) == 2
    # Two changes, two events (repeating a state is no change, no event).
    await apply(db, channel_manage.set_account_active, account_id=world.account_id, active=True)
    assert len(await event_rows(db, "channel_account.updated")) == 2


def _message(world: ThreadWorld) -> dict[str, Any]:
    return {
        "text": "hello?",
        "messageDirection": "INCOMING",
        "channelAccountId": str(world.account_id),
        "integrationThreadId": world.integration_thread_id,
        "integrationIdempotencyId": uuid.uuid4().hex,
        "senders": [
            {"deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": world.contact_phone}}
        ],
        "recipients": [],
        "attachments": [],
        "timestamp": datetime.now(UTC).isoformat(),
    }


async def test_deleting_archives_the_account_and_keeps_its_conversations(
    db: Database, client: httpx.AsyncClient
) -> None:
    world = await build_world(db)
    await publish(client, world, "hi")
    await apply(db, channel_manage.archive_account, account_id=world.account_id)
    stored = await account(db, world)
    assert stored.archived
    assert stored.status == "archived"
    assert stored.total_count == 1
    refused = await client.post(
        f"{V3}/{world.channel_id}/messages", json=_message(world), headers=world.auth
    )
    assert refused.status_code == 400
    assert "is archived" in refused.json()["message"]
    readable = await client.get(
        f"/conversations/v3/conversations/threads/{world.thread_id}/messages", headers=world.auth
    )
    assert readable.status_code == 200
    with pytest.raises(AppError) as again:
        await apply(db, channel_manage.archive_account, account_id=world.account_id)
    assert again.value.status == 404


async def test_move_to_help_desk_and_back_moves_existing_and_new_conversations(
    db: Database, client: httpx.AsyncClient
) -> None:
    world = await build_world(db)
    await publish(client, world, "first")
    help_desk = await apply(db, channel_manage.move_to_help_desk, account_id=world.account_id)
    moved = await account(db, world)
    assert (moved.inbox_id, moved.home_inbox_id, moved.inbox_kind) == (
        help_desk,
        world.inbox_id,
        "HELP_DESK",
    )
    assert await thread_inboxes(db, world) == {help_desk}
    world.integration_thread_id += "-2"
    await publish(client, world, "a new conversation")
    assert await thread_inboxes(db, world) == {help_desk}
    with pytest.raises(Conflict):
        await apply(db, channel_manage.move_to_help_desk, account_id=world.account_id)

    back = await apply(db, channel_manage.move_back_to_inbox, account_id=world.account_id)
    assert back == world.inbox_id
    returned = await account(db, world)
    assert (returned.inbox_id, returned.home_inbox_id) == (world.inbox_id, None)
    assert await thread_inboxes(db, world) == {world.inbox_id}
    with pytest.raises(Conflict):
        await apply(db, channel_manage.move_back_to_inbox, account_id=world.account_id)
    updated = await event_rows(db, "channel_account.updated")
    assert [e.payload["inboxId"] for e in updated] == [str(help_desk), str(world.inbox_id)]


async def test_the_help_desk_is_created_once_and_reused(db: Database) -> None:
    first, second = await build_world(db), await build_world(db)
    a = await apply(db, channel_manage.move_to_help_desk, account_id=first.account_id)
    b = await apply(db, channel_manage.move_to_help_desk, account_id=second.account_id)
    assert a == b
    async with db.read() as uow:
        kinds = (await uow.execute(select(Inbox.kind).where(Inbox.id == a))).scalar_one()
    assert kinds == "HELP_DESK"
