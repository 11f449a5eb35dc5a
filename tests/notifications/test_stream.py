"""A notification travels the event stream to its user and to nobody else (real server)."""

from __future__ import annotations

import pytest

from frontdesk.core.db import Database
from tests.messages.publish_setup import new_key
from tests.notifications.conftest import World, assign, new_conversation
from tests.realtime.helpers import emit_inbox_events
from tests.server import http_client, open_events


@pytest.mark.asyncio
async def test_notification_reaches_its_user_only(server: str, db: Database, world: World) -> None:
    async with http_client(server) as client:
        conversation = await new_conversation(client, world)
        await assign(db, thread_id=conversation.thread_id, user_id=world.assignee)
        async with (
            open_events(server, world.tokens[world.assignee]) as assignee,
            open_events(server, world.tokens[world.mate]) as mate,
        ):
            body = {**conversation.body, "integrationIdempotencyId": new_key("msg")}
            body["text"] = "Any news?"
            published = await client.post(world.bridge.url, json=body, headers=world.bridge.auth)
            assert published.status_code == 201, published.text
            # A later event: had the mate been sent the notification, it would come first.
            await emit_inbox_events(db, inbox_id=world.bridge.inbox_id)
            assignee_frames = await assignee.events(3)
            mate_frames = await mate.events(2)
    assert [f.event for f in assignee_frames] == [
        "message.created",
        "notification.created",
        "conversation.updated",
    ]
    notification = assignee_frames[1].json()
    assert notification["kind"] == "NEW_MESSAGE_ASSIGNED"
    assert notification["messageId"] == published.json()["id"]
    assert notification["body"] == "Any news?"
    assert [f.event for f in mate_frames] == ["message.created", "conversation.updated"]
