"""Emails and calls on the contact's timeline (issue 7): their own activity types in the
registry, left out of "Conversation messages", shown with subject/status and outcome/duration
on the contact record."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import update

from frontdesk.contacts import timeline
from frontdesk.core.db import Database
from frontdesk.messages.models import EMAIL_CHANNEL_ID, Message
from tests.factories import bearer
from tests.messages.thread_factories import ThreadSetup
from tests.outreach.helpers import calls_url, email_body, email_thread, emails_url
from tests.web.conftest import SignIn

pytestmark = pytest.mark.asyncio


async def _world(client: httpx.AsyncClient, db: Database) -> tuple[ThreadSetup, str, str]:
    setup = await email_thread(db)
    headers = bearer(setup.agent_token)
    email = await client.post(emails_url(setup), json=email_body(), headers=headers)
    call = await client.post(
        calls_url(setup),
        json={"outcome": "LEFT_VOICEMAIL", "durationSeconds": 95, "notes": "Call back at 5"},
        headers=headers,
    )
    assert email.status_code == call.status_code == 201
    return setup, email.json()["id"], call.json()["id"]


async def _keys(db: Database, contact_id: int, types: list[str]) -> list[tuple[str, int]]:
    async with db.read() as uow:
        page = await timeline.contact_timeline(
            uow, contact_id=contact_id, inbox_ids=None, types=types
        )
    return [(item.activity, item.item_id) for item in page.items]


async def test_emails_and_calls_are_activity_types_of_their_own(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup, email_id, call_id = await _world(client, db)
    contact_id = setup.contact_id
    first_message = setup.message_ids[0]

    assert await _keys(db, contact_id, ["email"]) == [("email", int(email_id))]
    assert await _keys(db, contact_id, ["call"]) == [("call", int(call_id))]
    assert await _keys(db, contact_id, ["conversation_message"]) == [
        ("conversation_message", first_message)
    ]
    assert await _keys(db, contact_id, []) == [
        ("call", int(call_id)),
        ("email", int(email_id)),
        ("conversation_message", first_message),
    ]
    labels = {t.key: t.label for t in timeline.activity_types()}
    assert labels["email"] == "Emails"
    assert labels["call"] == "Calls"


async def test_a_custom_channel_with_the_email_channel_id_is_not_email(
    client: httpx.AsyncClient, db: Database
) -> None:
    """Channel ids count from 1, so a custom channel may get 1002 too: its messages have a
    channel account, an email reply has none."""
    setup, email_id, _ = await _world(client, db)
    first_message = setup.message_ids[0]
    async with db.transaction() as uow:
        await uow.execute(
            update(Message).where(Message.id == first_message).values(channel_id=EMAIL_CHANNEL_ID)
        )
    assert await _keys(db, setup.contact_id, ["email"]) == [("email", int(email_id))]
    assert await _keys(db, setup.contact_id, ["conversation_message"]) == [
        ("conversation_message", first_message)
    ]


async def test_the_contact_record_filters_and_shows_them(
    client: httpx.AsyncClient, db: Database, web_user: SignIn
) -> None:
    setup, email_id, call_id = await _world(client, db)
    contact_id = setup.contact_id
    web = await web_user(teams=[setup.team])

    page = await web.client.get(f"/contacts/{contact_id}")
    calls = await web.client.get(f"/contacts/{contact_id}", params={"type": "call"})
    emails = await web.client.get(f"/contacts/{contact_id}", params={"type": "email"})

    assert '<option value="email">Emails</option>' in page.text
    assert '<option value="call">Calls</option>' in page.text
    assert re.findall(r'data-item-id="(\d+)"', calls.text) == [call_id]
    assert "Left voicemail" in calls.text
    assert "1:35" in calls.text
    assert "Call back at 5" in calls.text
    assert re.findall(r'data-item-id="(\d+)"', emails.text) == [email_id]
    assert "Your order" in emails.text
    assert 'data-status="PENDING"' in emails.text
