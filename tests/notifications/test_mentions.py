"""@mentions in internal comments: stored with the comment, a MENTION notification for each
mentioned teammate (not the author, not those who turned it off), refused for users outside
the inbox, highlighted when the conversation is shown."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from frontdesk.core.db import Database
from frontdesk.messages.mentions import comment_html
from frontdesk.messages.models import Message
from frontdesk.web.thread_views import plain_text_html
from tests.notifications.conftest import (
    THREADS,
    World,
    new_conversation,
    notification_events,
    notifications,
)

pytestmark = pytest.mark.asyncio


async def comment(
    client: httpx.AsyncClient,
    world: World,
    *,
    thread_id: int,
    author: int,
    mentions: list[Any],
    text: str = "Can you look at this?",
) -> httpx.Response:
    body = {"type": "COMMENT", "text": text, "attachments": [], "mentions": mentions}
    return await client.post(
        f"{THREADS}/{thread_id}/messages", json=body, headers=world.auth(author)
    )


async def test_the_mentioned_teammate_is_notified_and_nobody_else(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    thread_id = (await new_conversation(client, world)).thread_id
    before = {n.id for n in await notifications(db)}
    sent = await comment(
        client,
        world,
        thread_id=thread_id,
        author=world.mate,
        mentions=[str(world.assignee), world.admin_member, world.mate],
        text="@Grace can you check?",
    )
    assert sent.status_code == 201, sent.text
    message_id = int(sent.json()["id"])
    fresh = [n for n in await notifications(db, kind="MENTION") if n.id not in before]
    assert sorted(n.user_id for n in fresh) == sorted([world.assignee, world.admin_member])
    grace = next(n for n in fresh if n.user_id == world.assignee)
    assert grace.thread_id == thread_id
    assert grace.message_id == message_id
    assert grace.title.endswith("mentioned you · " + grace.title.split(" · ", 1)[1])
    assert grace.body == "@Grace can you check?"
    events = [
        e
        for e in await notification_events(db)
        if e.payload["kind"] == "MENTION" and world.assignee in e.user_ids
    ]
    assert len(events) == 1
    async with db.read() as uow:
        extra = await uow.scalar(select(Message.extra).where(Message.id == message_id))
    assert [m["userId"] for m in extra["mentions"]] == [
        str(world.assignee),
        str(world.admin_member),
        str(world.mate),
    ]
    assert extra["mentions"][0]["name"] == "Grace"


async def test_a_comment_without_mentions_notifies_nobody(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    thread_id = (await new_conversation(client, world)).thread_id
    sent = await comment(client, world, thread_id=thread_id, author=world.mate, mentions=[])
    assert sent.status_code == 201, sent.text
    assert await notifications(db, kind="MENTION") == []


async def test_the_mention_switch_is_respected(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    thread_id = (await new_conversation(client, world)).thread_id
    off = await client.put(
        "/frontdesk/v1/me/notification-settings",
        json={"mention": False},
        headers=world.auth(world.assignee),
    )
    assert off.status_code == 200
    assert off.json()["mention"] is False
    sent = await comment(
        client, world, thread_id=thread_id, author=world.mate, mentions=[str(world.assignee)]
    )
    assert sent.status_code == 201, sent.text
    assert await notifications(db, kind="MENTION", user_id=world.assignee) == []


@pytest.mark.parametrize("who", ["outsider", "inactive", "unknown", "not-an-id"])
async def test_only_active_users_who_see_the_inbox_can_be_mentioned(
    client: httpx.AsyncClient, db: Database, world: World, who: str
) -> None:
    thread_id = (await new_conversation(client, world)).thread_id
    target = {
        "outsider": str(world.outsider),
        "inactive": str(world.inactive),
        "unknown": "999999999",
        "not-an-id": "grace",
    }[who]
    async with db.read() as uow:
        comments_before = await uow.scalar(
            select(Message.id).where(Message.type == "COMMENT").order_by(Message.id.desc())
        )
    refused = await comment(
        client,
        world,
        thread_id=thread_id,
        author=world.mate,
        mentions=[str(world.assignee), target],
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["errors"][0]["in"] == "mentions"
    assert await notifications(db, kind="MENTION") == []
    async with db.read() as uow:
        latest = await uow.scalar(
            select(Message.id).where(Message.type == "COMMENT").order_by(Message.id.desc())
        )
    assert latest == comments_before


async def test_mentions_show_highlighted_and_safely() -> None:
    mentions = {"mentions": [{"userId": "7", "name": "Grace <Hopper>"}]}
    plain = comment_html(
        text="Hi @Grace <Hopper>, see https://example.com",
        rich_text=None,
        extra=mentions,
        plain=plain_text_html,
    )
    assert plain is not None
    assert '<span class="mention" data-user-id="7">@Grace &lt;Hopper&gt;</span>' in plain
    assert '<a href="https://example.com"' in plain
    rich = comment_html(
        text="",
        rich_text='<p>Hi <b>@Grace &lt;Hopper&gt;</b></p><a href="https://x.test/@Grace">x</a>',
        extra=mentions,
        plain=plain_text_html,
    )
    assert rich is not None
    assert '<b><span class="mention" data-user-id="7">@Grace &lt;Hopper&gt;</span></b>' in rich
    assert "<script" not in rich
    assert "onerror" not in rich
    assert comment_html(text="x", rich_text=None, extra={}, plain=plain_text_html) is None
