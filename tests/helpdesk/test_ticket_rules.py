"""The ticket status rules (helpdesk/service.py), each transition through the real write paths:
publish, send, the thread PATCH (status and properties), and first-response time."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from frontdesk.conversations.events import ConversationUpdated
from frontdesk.core.db import Database
from frontdesk.core.models import datetime_to_ms
from frontdesk.helpdesk.service import next_ticket_status, status_of_moved
from frontdesk.webhooks.handlers import changes_for
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
from tests.web.thread_world import THREADS, publish

pytestmark = pytest.mark.asyncio


async def test_a_ticket_goes_new_waiting_on_contact_waiting_on_us_closed(
    client: httpx.AsyncClient, db: Database
) -> None:
    desk = await build_desk(db)
    thread_id = await new_conversation(client, desk)
    assert await ticket_status(db, thread_id) == "NEW"
    await publish(client, desk.world, "anyone there?")
    assert await ticket_status(db, thread_id) == "NEW"  # nobody answered yet

    await agent_reply(client, desk, thread_id)
    assert await ticket_status(db, thread_id) == "WAITING_ON_CONTACT"
    await publish(client, desk.world, "thanks, one more thing")
    assert await ticket_status(db, thread_id) == "WAITING_ON_US"

    closed = await patch_thread(client, desk, thread_id, {"status": "CLOSED"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["properties"]["ticket_status"] == "CLOSED"
    assert await ticket_status(db, thread_id) == "CLOSED"

    reopened = await patch_thread(client, desk, thread_id, {"status": "OPEN"})
    assert reopened.json()["properties"]["ticket_status"] == "WAITING_ON_US"


async def test_a_contact_writing_to_a_closed_ticket_reopens_it_waiting_on_us(
    client: httpx.AsyncClient, db: Database
) -> None:
    desk = await build_desk(db)
    thread_id = await new_conversation(client, desk)
    await patch_thread(client, desk, thread_id, {"status": "CLOSED"})
    await publish(client, desk.world, "it broke again")
    row = await thread_row(db, thread_id)
    assert (row.status, row.properties["ticket_status"]) == ("OPEN", "WAITING_ON_US")


async def test_replying_to_a_closed_ticket_leaves_it_closed(
    client: httpx.AsyncClient, db: Database
) -> None:
    desk = await build_desk(db)
    thread_id = await new_conversation(client, desk)
    await patch_thread(client, desk, thread_id, {"status": "CLOSED"})
    await agent_reply(client, desk, thread_id, "One last note.")
    row = await thread_row(db, thread_id)
    assert (row.status, row.properties["ticket_status"]) == ("CLOSED", "CLOSED")


async def test_setting_the_ticket_status_closes_and_reopens_the_thread(
    client: httpx.AsyncClient, db: Database
) -> None:
    desk = await build_desk(db)
    thread_id = await new_conversation(client, desk)
    closed = await patch_thread(
        client, desk, thread_id, {"properties": {"ticket_status": "CLOSED"}}
    )
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["properties"]["ticket_status"]) == (
        "CLOSED",
        "CLOSED",
    )
    body = {"properties": {"ticket_status": "WAITING_ON_CONTACT", "priority": "HIGH"}}
    waiting = await patch_thread(client, desk, thread_id, body)
    assert waiting.status_code == 200, waiting.text
    assert waiting.json()["status"] == "OPEN"
    assert waiting.json()["properties"] == {
        "ticket_status": "WAITING_ON_CONTACT",
        "priority": "HIGH",
    }
    got = await client.get(f"{THREADS}/{thread_id}", headers=desk.agent)
    assert got.json()["properties"]["ticket_status"] == "WAITING_ON_CONTACT"


async def test_ticket_changes_are_thread_update_events(
    client: httpx.AsyncClient, db: Database
) -> None:
    desk = await build_desk(db)
    thread_id = await new_conversation(client, desk)
    mark = await last_event_id(db)
    await agent_reply(client, desk, thread_id)
    await patch_thread(client, desk, thread_id, {"properties": {"priority": "URGENT"}})
    updates = await events_named(db, "conversation.updated", after=mark)
    assert [(e.payload["threadId"], e.payload["changes"]) for e in updates] == [
        (str(thread_id), {"properties": {"ticket_status": "WAITING_ON_CONTACT"}}),
        (str(thread_id), {"properties": {"priority": "URGENT"}}),
    ]
    assert {e.inbox_id for e in updates} == {desk.world.inbox_id}


async def test_first_response_is_the_first_agent_reply_and_set_once(
    client: httpx.AsyncClient, db: Database
) -> None:
    desk = await build_desk(db)
    thread_id = await new_conversation(client, desk)
    assert (await thread_row(db, thread_id)).first_response_at is None
    first = await agent_reply(client, desk, thread_id, "First.")
    await agent_reply(client, desk, thread_id, "Second.")
    row = await thread_row(db, thread_id)
    assert row.first_response_at == datetime_to_ms_iso(first["createdAt"])
    assert row.first_response_at >= row.created_at
    got = await client.get(f"{THREADS}/{thread_id}", headers=desk.agent)
    assert got.json()["firstResponseAt"] == first["createdAt"]


async def test_a_comment_is_no_response(client: httpx.AsyncClient, db: Database) -> None:
    desk = await build_desk(db)
    thread_id = await new_conversation(client, desk)
    response = await client.post(
        f"{THREADS}/{thread_id}/messages",
        json={"type": "COMMENT", "text": "internal", "attachments": []},
        headers=desk.agent,
    )
    assert response.status_code in (200, 201), response.text
    row = await thread_row(db, thread_id)
    assert (row.first_response_at, row.properties["ticket_status"]) == (None, "NEW")


async def test_an_ordinary_inbox_keeps_no_ticket_status(
    client: httpx.AsyncClient, db: Database
) -> None:
    desk = await build_desk(db, help_desk=False)
    thread_id = await new_conversation(client, desk)
    await agent_reply(client, desk, thread_id)
    await patch_thread(client, desk, thread_id, {"status": "CLOSED"})
    row = await thread_row(db, thread_id)
    assert "ticket_status" not in (row.properties or {})
    assert row.first_response_at is None
    refused = await patch_thread(client, desk, thread_id, {"properties": {"ticket_status": "NEW"}})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["in"] == "ticket_status"


@pytest.mark.parametrize(
    ("properties", "field"),
    [
        ({"ticket_status": "SOLVED"}, "ticket_status"),
        ({"ticket_status": None}, "ticket_status"),
        ({"priority": "SOMEDAY"}, "priority"),
        ({"no_such_property": "x"}, "no_such_property"),
    ],
)
async def test_bad_properties_are_refused_and_change_nothing(
    client: httpx.AsyncClient, db: Database, properties: dict[str, object], field: str
) -> None:
    desk = await build_desk(db)
    thread_id = await new_conversation(client, desk)
    mark = await last_event_id(db)
    refused = await patch_thread(client, desk, thread_id, {"properties": properties})
    assert refused.status_code == 400, refused.text
    assert refused.json()["errors"][0]["in"] == field
    assert await ticket_status(db, thread_id) == "NEW"
    assert await events_named(db, "conversation.updated", after=mark) == []


def datetime_to_ms_iso(value: str) -> int:
    return datetime_to_ms(datetime.fromisoformat(value.replace("Z", "+00:00")))


async def test_ticket_changes_feed_property_change_webhooks() -> None:
    event = ConversationUpdated(
        thread_id=5,
        inbox_id=1,
        changes={"properties": {"ticket_status": "CLOSED", "priority": None}},
    )
    assert [(c.subscription_type, c.fields) for c in changes_for(event)] == [
        (
            "conversation.propertyChange",
            {"propertyName": "ticket_status", "propertyValue": "CLOSED"},
        ),
        ("conversation.propertyChange", {"propertyName": "priority", "propertyValue": ""}),
    ]


async def test_the_rules_table() -> None:
    assert next_ticket_status(None, "created", thread_status="OPEN") == "NEW"
    assert next_ticket_status("NEW", "incoming", thread_status="OPEN") == "NEW"
    assert next_ticket_status("WAITING_ON_CONTACT", "incoming", thread_status="OPEN") == (
        "WAITING_ON_US"
    )
    assert next_ticket_status("NEW", "outgoing", thread_status="OPEN") == "WAITING_ON_CONTACT"
    assert next_ticket_status("CLOSED", "outgoing", thread_status="CLOSED") == "CLOSED"
    assert next_ticket_status("NEW", "closed", thread_status="CLOSED") == "CLOSED"
    assert next_ticket_status("CLOSED", "reopened", thread_status="OPEN") == "WAITING_ON_US"
    assert status_of_moved(thread_status="CLOSED", sent_at=1, received_at=2) == "CLOSED"
    assert status_of_moved(thread_status="OPEN", sent_at=1, received_at=2) == "WAITING_ON_US"
    assert status_of_moved(thread_status="OPEN", sent_at=3, received_at=2) == ("WAITING_ON_CONTACT")
    assert status_of_moved(thread_status="OPEN", sent_at=None, received_at=None) == (
        "WAITING_ON_CONTACT"
    )
