"""/frontdesk/v1 inbox views and read marks over HTTP: shapes, paging links, errors, access."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import pytest_asyncio

from frontdesk.core.db import Database
from tests.api.sweep_helpers import assert_error_body
from tests.conversations.inbox_world import (
    InboxWorld,
    assign,
    build_world,
    new_thread,
    publish,
    send,
)
from tests.factories import bearer

VIEWS = "/frontdesk/v1/inbox/views"


def _read_url(thread_id: int) -> str:
    return f"/frontdesk/v1/threads/{thread_id}/read"


@pytest_asyncio.fixture
async def world(db: Database) -> InboxWorld:
    return await build_world(db)


async def _get(client: httpx.AsyncClient, url: str, token: str, **params: Any) -> httpx.Response:
    return await client.get(url, params=params, headers=bearer(token))


@pytest.mark.asyncio
async def test_views_answer_counts_by_view_name_and_the_channels(
    client: httpx.AsyncClient, db: Database, world: InboxWorld
) -> None:
    mine = await new_thread(client, world, account=world.chat_a, at=1)
    await new_thread(client, world, account=world.sms_a, at=2)
    await assign(db, world, thread_id=mine, user_id=world.agent_id)
    response = await _get(client, VIEWS, world.agent_token)
    assert response.status_code == 200, response.text
    chat, sms = f"channel-{world.chat_id}", f"channel-{world.sms_id}"
    assert response.json() == {
        "counts": {"mine": 1, "unassigned": 1, "open": 2, "closed": 0, chat: 1, sms: 1},
        "channels": [
            {"id": str(world.chat_id), "name": "Chat", "view": chat, "count": 1},
            {"id": str(world.sms_id), "name": "SMS", "view": sms, "count": 1},
        ],
    }
    narrowed = await _get(client, VIEWS, world.admin_token, inboxId=world.inbox_b)
    assert narrowed.json()["counts"] == {
        "mine": 0,
        "unassigned": 0,
        "open": 0,
        "closed": 0,
        chat: 0,
    }


@pytest.mark.asyncio
async def test_thread_rows_and_paging_links(
    client: httpx.AsyncClient, db: Database, world: InboxWorld
) -> None:
    threads = [await new_thread(client, world, account=world.chat_a, at=s) for s in (1, 2, 3)]
    await assign(db, world, thread_id=threads[2], user_id=world.agent_id)
    url = f"{VIEWS}/open/threads"
    first = await _get(client, url, world.agent_token, limit=2, inboxId=world.inbox_a)
    assert first.status_code == 200, first.text
    body = first.json()
    assert [r["threadId"] for r in body["results"]] == [str(threads[2]), str(threads[1])]
    row = body["results"][0]
    assert row == {
        "threadId": str(threads[2]),
        "inboxId": str(world.inbox_a),
        "status": "OPEN",
        "contactId": row["contactId"],
        "contactName": "Ada Lovelace",
        "channelId": str(world.chat_id),
        "channelName": "Chat",
        "channelAccountId": str(world.chat_a),
        "channelAccountName": "Chat A",
        "lastMessageId": row["lastMessageId"],
        "lastMessagePreview": "Hello there",
        "latestMessageTimestamp": "2026-03-01T10:00:03.000Z",
        "unread": True,
        "assigneeId": str(world.agent_id),
        "assigneeName": "Grace Hopper",
        "assigneeAvatarUrl": None,
    }
    after = body["paging"]["next"]["after"]
    link = body["paging"]["next"]["link"]
    assert f"after={after}" in link
    assert "limit=2" in link
    assert f"inboxId={world.inbox_a}" in link
    second = await client.get(link, headers=bearer(world.agent_token))
    assert [r["threadId"] for r in second.json()["results"]] == [str(threads[0])]
    assert "paging" not in second.json()


@pytest.mark.asyncio
async def test_reading_a_thread_clears_its_unread_marker(
    client: httpx.AsyncClient, world: InboxWorld
) -> None:
    first = await publish(client, world, account=world.chat_a, at=1, key="route-read")
    second = await publish(client, world, account=world.chat_a, at=2, key="route-read")
    thread_id = int(first["conversationsThreadId"])
    response = await client.post(
        _read_url(thread_id), json={"messageId": first["id"]}, headers=bearer(world.agent_token)
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "threadId": str(thread_id),
        "lastReadMessageId": first["id"],
        "unread": True,
    }
    response = await client.post(_read_url(thread_id), headers=bearer(world.agent_token))
    assert response.json() == {
        "threadId": str(thread_id),
        "lastReadMessageId": second["id"],
        "unread": False,
    }
    rows = (await _get(client, f"{VIEWS}/open/threads", world.agent_token)).json()["results"]
    assert [r["unread"] for r in rows] == [False]
    await send(
        client,
        world.colleague_token,
        thread_id=thread_id,
        user_id=world.colleague_id,
        world=world,
        account=world.chat_a,
        comment=True,
        text="Handled by phone",
    )
    rows = (await _get(client, f"{VIEWS}/open/threads", world.agent_token)).json()["results"]
    assert [(r["unread"], r["lastMessagePreview"]) for r in rows] == [(True, "Handled by phone")]


@pytest.mark.asyncio
async def test_errors_come_in_the_error_shape(client: httpx.AsyncClient, world: InboxWorld) -> None:
    thread_id = await new_thread(client, world, account=world.chat_a, at=1)
    other = await publish(client, world, account=world.chat_a, at=2)
    token = world.agent_token
    unknown = await _get(client, f"{VIEWS}/everything/threads", token)
    assert assert_error_body(unknown, 400)["errors"][0]["in"] == "view"
    bad_cursor = await _get(client, f"{VIEWS}/open/threads", token, after="nope!")
    assert assert_error_body(bad_cursor, 400)["errors"][0]["in"] == "after"
    assert_error_body(await _get(client, f"{VIEWS}/open/threads", token, limit=0), 400)
    assert_error_body(await _get(client, f"{VIEWS}/open/threads", token, limit="x"), 400)
    foreign_message = await client.post(
        _read_url(thread_id), json={"messageId": other["id"]}, headers=bearer(token)
    )
    assert assert_error_body(foreign_message, 400)["errors"][0]["in"] == "messageId"
    extra = await client.post(_read_url(thread_id), json={"upTo": 1}, headers=bearer(token))
    assert_error_body(extra, 400)


@pytest.mark.asyncio
async def test_an_agent_outside_the_team_gets_nothing_and_404s(
    client: httpx.AsyncClient, world: InboxWorld
) -> None:
    thread_id = await new_thread(client, world, account=world.chat_a, at=1)
    token = world.outsider_token
    counts = (await _get(client, VIEWS, token)).json()["counts"]
    assert (counts["open"], counts["unassigned"]) == (0, 0)
    for view in ("open", "unassigned", f"channel-{world.chat_id}"):
        listed = await _get(client, f"{VIEWS}/{view}/threads", token)
        assert listed.json() == {"results": []}
    assert_error_body(await _get(client, VIEWS, token, inboxId=world.inbox_a), 404)
    assert_error_body(
        await _get(client, f"{VIEWS}/open/threads", token, inboxId=world.inbox_a), 404
    )
    refused = await client.post(_read_url(thread_id), headers=bearer(token))
    assert_error_body(refused, 404, "OBJECT_NOT_FOUND")
