"""/frontdesk/v1/me/notification-settings and /frontdesk/v1/notifications."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database
from frontdesk.notifications import service as notification_service
from frontdesk.notifications.models import NEW_MESSAGE_ASSIGNED
from tests.api.sweep_helpers import assert_error_body, error_fields
from tests.notifications.conftest import (
    World,
    new_conversation,
    notification_events,
    notifications,
)

SETTINGS = "/frontdesk/v1/me/notification-settings"
LIST = "/frontdesk/v1/notifications"
READ = "/frontdesk/v1/notifications/read"
ALL_ON = {
    "enabled": True,
    "newMessageAssigned": True,
    "newUnassignedConversation": True,
    "conversationAssigned": True,
    "mention": True,
    "browser": True,
}


@pytest.mark.asyncio
async def test_settings_default_on_and_change_partially(
    client: httpx.AsyncClient, world: World
) -> None:
    me = world.auth(world.mate)
    assert (await client.get(SETTINGS, headers=me)).json() == ALL_ON
    changed = await client.put(SETTINGS, json={"browser": False}, headers=me)
    assert changed.status_code == 200, changed.text
    assert changed.json() == {**ALL_ON, "browser": False}
    changed = await client.put(SETTINGS, json={"newMessageAssigned": False}, headers=me)
    assert changed.json() == {**ALL_ON, "browser": False, "newMessageAssigned": False}
    assert (await client.put(SETTINGS, json={}, headers=me)).json() == changed.json()
    assert (await client.get(SETTINGS, headers=me)).json() == changed.json()
    # Another user's settings are their own.
    assert (await client.get(SETTINGS, headers=world.auth(world.assignee))).json() == ALL_ON


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sound": True}, "sound"),
        ({"enabled": "false"}, "enabled"),
        ({"enabled": 0}, "enabled"),
        ({"browser": None}, "browser"),
        ([True], "body"),
    ],
)
async def test_settings_refuse_unknown_keys_and_non_booleans(
    client: httpx.AsyncClient, db: Database, world: World, body: Any, field: str
) -> None:
    me = world.auth(world.mate)
    response = await client.put(SETTINGS, json=body, headers=me)
    assert field in error_fields(assert_error_body(response, 400, "VALIDATION_ERROR"))
    assert (await client.get(SETTINGS, headers=me)).json() == ALL_ON


async def _notify(
    db: Database, world: World, *, user_id: int, thread_id: int, count: int
) -> list[int]:
    ids = []
    for n in range(count):
        async with db.transaction() as uow:
            ids += await notification_service.create_notifications(
                uow,
                user_ids=[user_id],
                notification=notification_service.NewNotification(
                    kind=NEW_MESSAGE_ASSIGNED,
                    thread_id=thread_id,
                    message_id=None,
                    inbox_id=world.bridge.inbox_id,
                    title="Ada · Chat",
                    body=f"message {n}",
                ),
            )
    return ids


@pytest.mark.asyncio
async def test_list_is_newest_first_in_keyset_pages_with_the_unread_count(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    conversation = await new_conversation(client, world)  # one for each member
    (first,) = await notifications(db, user_id=world.mate)
    ids = [first.id] + await _notify(
        db, world, user_id=world.mate, thread_id=conversation.thread_id, count=4
    )
    me = world.auth(world.mate)
    seen: list[str] = []
    after: str | None = None
    while True:
        params = {"limit": "2"} | ({"after": after} if after else {})
        page = (await client.get(LIST, params=params, headers=me)).json()
        assert page["unreadCount"] == 5
        seen += [n["id"] for n in page["results"]]
        if "paging" not in page:
            break
        after = page["paging"]["next"]["after"]
        assert page["paging"]["next"]["link"].endswith(f"after={after}")
    assert seen == [str(i) for i in reversed(ids)]
    newest = (await client.get(LIST, params={"limit": "1"}, headers=me)).json()["results"][0]
    assert newest == {
        "id": str(ids[-1]),
        "kind": NEW_MESSAGE_ASSIGNED,
        "threadId": str(conversation.thread_id),
        "messageId": None,
        "inboxId": str(world.bridge.inbox_id),
        "title": "Ada · Chat",
        "body": "message 3",
        "createdAt": newest["createdAt"],
        "readAt": None,
    }


@pytest.mark.asyncio
async def test_unread_only_and_marking_by_ids(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    conversation = await new_conversation(client, world)
    mine = await _notify(db, world, user_id=world.mate, thread_id=conversation.thread_id, count=3)
    (conversation_notification,) = await notifications(
        db, user_id=world.mate, thread_id=conversation.thread_id, message_id=conversation.message_id
    )
    (theirs,) = await notifications(db, user_id=world.assignee)
    me = world.auth(world.mate)
    body = {"ids": [str(mine[0]), str(mine[1]), str(theirs.id)]}
    marked = await client.post(READ, json=body, headers=me)
    assert marked.status_code == 200, marked.text
    assert marked.json() == {"updated": 2, "unreadCount": 2}  # theirs is not mine to mark
    again = await client.post(READ, json=body, headers=me)
    assert again.json() == {"updated": 0, "unreadCount": 2}
    unread = (await client.get(LIST, params={"unreadOnly": "true"}, headers=me)).json()
    assert [n["id"] for n in unread["results"]] == [str(mine[2]), str(conversation_notification.id)]
    everything = (await client.get(LIST, headers=me)).json()["results"]
    assert [n["readAt"] is not None for n in everything][:3] == [False, True, True]
    assert (await notifications(db, id=theirs.id))[0].read_at is None
    (event,) = await notification_events(db, "notification.read")
    assert event.user_ids == [world.mate]
    assert event.inbox_id is None
    assert event.payload == {"notificationIds": [str(mine[0]), str(mine[1])], "all": False}


@pytest.mark.asyncio
async def test_marking_a_thread_and_all(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    one = await new_conversation(client, world)
    two = await new_conversation(client, world)
    await _notify(db, world, user_id=world.mate, thread_id=one.thread_id, count=2)
    me = world.auth(world.mate)
    marked = await client.post(READ, json={"threadId": str(one.thread_id)}, headers=me)
    assert marked.json() == {"updated": 3, "unreadCount": 1}
    left = (await client.get(LIST, params={"unreadOnly": "1"}, headers=me)).json()["results"]
    assert [n["threadId"] for n in left] == [str(two.thread_id)]
    assert (await client.post(READ, json={"all": True}, headers=me)).json() == {
        "updated": 1,
        "unreadCount": 0,
    }
    # The teammates' notifications of both threads are untouched.
    assert len(await notifications(db, user_id=world.assignee, read_at=None)) == 2
    events = await notification_events(db, "notification.read")
    assert [e.payload["all"] for e in events] == [False, True]
    assert events[1].payload["notificationIds"] == []


@pytest.mark.asyncio
async def test_opening_a_conversation_marks_its_notifications_read(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    one = await new_conversation(client, world)
    await new_conversation(client, world)
    async with db.transaction() as uow:
        marked = await notification_service.mark_thread_notifications_read(
            uow, user_id=world.mate, thread_id=one.thread_id
        )
    assert marked == 1
    async with db.transaction() as uow:
        again = await notification_service.mark_thread_notifications_read(
            uow, user_id=world.mate, thread_id=one.thread_id
        )
    assert again == 0
    assert len(await notification_events(db, "notification.read")) == 1  # none for a no-op
    async with db.read() as uow:
        assert await notification_service.count_unread(uow, user_id=world.mate) == 1
        assert await notification_service.count_unread(uow, user_id=world.assignee) == 2


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"all": False},
        {"all": True, "threadId": "1"},
        {"ids": ["1"], "all": True},
        {"ids": ["abc"]},
        {"ids": ["99999999999999999999"]},
        {"threadId": "-1"},
        {"ids": [1]},
        {"everything": True},
    ],
)
async def test_mark_read_refuses_bad_bodies(
    client: httpx.AsyncClient, db: Database, world: World, body: dict[str, Any]
) -> None:
    await new_conversation(client, world)
    response = await client.post(READ, json=body, headers=world.auth(world.mate))
    assert_error_body(response, 400, "VALIDATION_ERROR")
    assert len(await notifications(db, read_at=None)) == len(world.members)


@pytest.mark.asyncio
@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "501"}, {"after": "bm9wZQ"}])
async def test_list_refuses_bad_paging(
    client: httpx.AsyncClient, world: World, params: dict[str, str]
) -> None:
    response = await client.get(LIST, params=params, headers=world.auth(world.mate))
    assert_error_body(response, 400, "VALIDATION_ERROR")


@pytest.mark.asyncio
async def test_apps_have_no_notifications(client: httpx.AsyncClient, world: World) -> None:
    for method, path in (("GET", LIST), ("GET", SETTINGS)):
        response = await client.request(method, path, headers=world.bridge.auth)
        assert_error_body(response, 403, "FORBIDDEN")
