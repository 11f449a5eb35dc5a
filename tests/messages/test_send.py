"""Sending replies and comments on a thread: what is written, by whom, in one transaction."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.conversations.models import Thread
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.events import Event, EventRow
from frontdesk.core.jobs import Job
from frontdesk.messages.models import Message
from tests import factories
from tests.factories import DEFAULT_CAPABILITIES, bearer
from tests.messages.thread_factories import (
    BASE_MS,
    add_message,
    counts,
    create_file,
    reply,
    setup_thread,
    url,
)


async def _job_rows(db: Database) -> list[Any]:
    async with db.read() as uow:
        return list((await uow.execute(select(Job))).all())


async def _event_rows(db: Database) -> list[Any]:
    async with db.read() as uow:
        return list((await uow.execute(select(EventRow).order_by(EventRow.id))).all())


async def _thread(db: Database, thread_id: int) -> Any:
    async with db.read() as uow:
        return (await uow.execute(select(Thread).where(Thread.id == thread_id))).one()


@pytest.mark.asyncio
async def test_reply_is_stored_pending_with_its_delivery_job(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=2)
    before = await counts(db)
    response = await client.post(url(setup), json=reply(setup), headers=bearer(setup.app_token))
    assert response.status_code == 201, response.text
    body = response.json()
    message_id = body["id"]
    assert response.headers["location"].endswith(
        f"/threads/{setup.thread_id}/messages/{message_id}"
    )
    assert body["type"] == "MESSAGE"
    assert body["direction"] == "OUTGOING"
    assert "status" not in body  # PENDING has no status object on the HubSpot surface
    assert body["client"] == {"clientType": "HUBSPOT"}
    assert body["createdBy"] == f"A-{setup.agent_id}"
    assert body["senders"] == [{"actorId": f"A-{setup.agent_id}", "name": "Grace Hopper"}]
    assert body["channelId"] == str(setup.channel_id)
    assert body["channelAccountId"] == str(setup.account_id)
    assert body["truncationStatus"] == "NOT_TRUNCATED"
    assert body["text"] == "Your order has shipped."
    assert body["attachments"] == []
    after = await counts(db)
    assert after["messages"] == before["messages"] + 1
    assert after["jobs"] == before["jobs"] + 1
    assert after["events"] == before["events"] + 1

    async with db.read() as uow:
        stored = (await uow.execute(select(Message).where(Message.id == int(message_id)))).one()
    assert stored.status == "PENDING"
    (job,) = await _job_rows(db)
    assert job.kind == "channel.outgoing_message"
    assert job.status == "queued"
    assert job.ordering_key == f"thread:{setup.thread_id}"
    assert job.message_id == int(message_id)
    assert job.channel_id == setup.channel_id
    assert job.payload == {
        "messageId": message_id,
        "threadId": str(setup.thread_id),
        "channelId": str(setup.channel_id),
    }
    (event,) = await _event_rows(db)
    assert event.name == "message.created"
    assert event.inbox_id == setup.inbox_id
    assert event.payload["messageId"] == message_id
    assert event.payload["type"] == "MESSAGE"
    assert event.payload["direction"] == "OUTGOING"
    thread = await _thread(db, setup.thread_id)
    assert thread.latest_message_at == stored.created_at
    assert thread.latest_sent_at == stored.created_at

    fetched = await client.get(f"{url(setup)}/{message_id}", headers=bearer(setup.app_token))
    assert fetched.json() == body


@pytest.mark.asyncio
async def test_reply_message_job_and_event_commit_or_roll_back_together(
    app: FastAPI, db: Database
) -> None:
    setup = await setup_thread(db, messages=1)

    async def fail(_uow: UnitOfWork, _event: Event) -> None:
        raise RuntimeError("handler failed at commit")

    app.state.bus.on("message.created", fail)
    before = await counts(db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(url(setup), json=reply(setup), headers=bearer(setup.app_token))
    assert response.status_code == 500
    assert await counts(db) == before


@pytest.mark.asyncio
async def test_reply_without_recipients_goes_to_the_contact_as_last_seen(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=1)
    body = reply(setup)
    del body["recipients"]
    response = await client.post(url(setup), json=body, headers=bearer(setup.app_token))
    assert response.status_code == 201, response.text
    assert response.json()["recipients"] == [
        {
            "actorId": f"V-{setup.contact_id}",
            "name": "Ada Lovelace",
            "deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": setup.contact_phone},
        }
    ]


@pytest.mark.asyncio
async def test_reply_without_recipients_falls_back_to_the_contacts_identity(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=0)
    response = await client.post(url(setup), json=reply(setup), headers=bearer(setup.app_token))
    assert response.status_code == 201, response.text
    assert response.json()["recipients"] == [
        {
            "actorId": f"V-{setup.contact_id}",
            "name": "Ada Lovelace",
            "deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": setup.contact_phone},
        }
    ]


@pytest.mark.asyncio
async def test_reply_recipients_use_the_legacy_plural_and_answer_singular(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=1)
    recipient = {
        "deliveryIdentifiers": [{"type": "HS_PHONE_NUMBER", "value": "+1 415 555 0123"}],
        "name": "Ada",
        "recipientField": "TO",
    }
    response = await client.post(
        url(setup), json=reply(setup, recipients=[recipient]), headers=bearer(setup.app_token)
    )
    assert response.status_code == 201, response.text
    assert response.json()["recipients"] == [
        {
            "name": "Ada",
            "deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": "+14155550123"},
            "recipientField": "TO",
        }
    ]


@pytest.mark.asyncio
async def test_reply_with_a_file_links_it_and_renders_its_url(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=1)
    file_id = await create_file(db, app_id=setup.app.app_id, name="receipt.png")
    response = await client.post(
        url(setup),
        json=reply(setup, attachments=[{"type": "FILE", "fileId": file_id}]),
        headers=bearer(setup.app_token),
    )
    assert response.status_code == 201, response.text
    (attachment,) = response.json()["attachments"]
    assert attachment["fileId"] == str(file_id)
    assert attachment["fileUsageType"] == "IMAGE"
    assert attachment["name"] == "receipt.png"
    assert attachment["url"].startswith(f"http://testserver/files/v3/files/{file_id}/content?")
    assert (await counts(db))["message_files"] == 1


@pytest.mark.asyncio
async def test_reply_may_forward_a_file_the_customer_sent(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=0)
    other_app = await factories.create_app(db)
    file_id = await create_file(db, app_id=other_app.app_id)
    await add_message(
        db,
        thread_id=setup.thread_id,
        created_at=BASE_MS,
        contact_id=setup.contact_id,
        attachments=[{"type": "FILE", "fileId": str(file_id), "fileUsageType": "IMAGE"}],
        file_ids=[file_id],
    )
    response = await client.post(
        url(setup),
        json=reply(setup, attachments=[{"type": "FILE", "fileId": str(file_id)}]),
        headers=bearer(setup.agent_token),
    )
    assert response.status_code == 201, response.text


@pytest.mark.asyncio
async def test_reply_carries_quick_replies_and_social_metadata(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=1)
    attachments = [
        {"type": "QUICK_REPLIES", "quickReplies": [{"value": "yes", "valueType": "TEXT"}]},
        {"type": "SOCIAL_MEDIA_METADATA", "socialMetadata": {"mediaType": "LINK", "id": "9"}},
    ]
    response = await client.post(
        url(setup), json=reply(setup, attachments=attachments), headers=bearer(setup.app_token)
    )
    assert response.status_code == 201, response.text
    assert response.json()["attachments"] == [
        {
            "type": "QUICK_REPLIES",
            "quickReplies": [{"value": "yes", "valueType": "TEXT"}],
            "allowMultiSelect": False,
            "allowUserInput": False,
        },
        {"type": "SOCIAL_MEDIA_METADATA", "socialMetadata": {"mediaType": "LINK", "id": "9"}},
    ]


@pytest.mark.asyncio
async def test_rich_text_is_sanitised_and_kept_when_the_channel_allows_it(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=1)  # richText: BOLD, ITALIC, HYPERLINK
    html = '<p><b>Hi</b> <a href="https://example.com/t">track</a><script>alert(1)</script></p>'
    response = await client.post(
        url(setup), json=reply(setup, richText=html), headers=bearer(setup.app_token)
    )
    assert response.status_code == 201, response.text
    rich = response.json()["richText"]
    assert "<b>Hi</b>" in rich
    assert 'href="https://example.com/t"' in rich
    assert "script" not in rich


@pytest.mark.asyncio
async def test_plain_text_channel_drops_rich_text(client: httpx.AsyncClient, db: Database) -> None:
    setup = await setup_thread(db, capabilities=DEFAULT_CAPABILITIES | {"richText": []})
    response = await client.post(
        url(setup), json=reply(setup, richText="<b>Hi</b>"), headers=bearer(setup.app_token)
    )
    assert response.status_code == 201, response.text
    assert "richText" not in response.json()


@pytest.mark.asyncio
async def test_agent_sends_as_themselves_with_a_personal_token(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=1)
    response = await client.post(url(setup), json=reply(setup), headers=bearer(setup.agent_token))
    assert response.status_code == 201, response.text
    assert response.json()["createdBy"] == f"A-{setup.agent_id}"


@pytest.mark.asyncio
async def test_personal_token_cannot_send_as_someone_else(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=1)
    colleague = await factories.create_user(db, teams=[setup.team])
    before = await counts(db)
    response = await client.post(
        url(setup),
        json=reply(setup, senderActorId=f"A-{colleague}"),
        headers=bearer(setup.agent_token),
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["in"] == "senderActorId"
    assert await counts(db) == before


@pytest.mark.asyncio
async def test_user_outside_the_inbox_cannot_find_the_thread(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=1)
    before = await counts(db)
    for body in (
        reply(setup, senderActorId=f"A-{setup.outsider_id}"),
        {"type": "COMMENT", "text": "note", "attachments": []},
    ):
        response = await client.post(url(setup), json=body, headers=bearer(setup.outsider_token))
        assert response.status_code == 404
        assert response.json()["category"] == "OBJECT_NOT_FOUND"
    assert await counts(db) == before


@pytest.mark.asyncio
async def test_reply_to_a_closed_thread_leaves_it_closed(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=1, status="CLOSED")
    response = await client.post(url(setup), json=reply(setup), headers=bearer(setup.app_token))
    assert response.status_code == 201, response.text
    assert (await _thread(db, setup.thread_id)).status == "CLOSED"


@pytest.mark.asyncio
async def test_comment_writes_no_job(client: httpx.AsyncClient, db: Database) -> None:
    # A plain-text channel that takes no files: neither limits an internal note.
    setup = await setup_thread(
        db,
        capabilities={
            "richText": [],
            "outgoingAttachmentTypes": [],
            "allowOutgoingMessages": False,
        },
    )
    file_id = await create_file(db, user_id=setup.agent_id, mime_type="application/pdf")
    thread_before = await _thread(db, setup.thread_id)
    response = await client.post(
        url(setup),
        json={
            "type": "COMMENT",
            "text": "Customer is a VIP",
            "richText": "<blockquote><u>VIP</u></blockquote><script>alert(1)</script>",
            "attachments": [{"type": "FILE", "fileId": str(file_id)}],
        },
        headers=bearer(setup.agent_token),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["type"] == "COMMENT"
    assert body["createdBy"] == f"A-{setup.agent_id}"
    assert body["client"] == {"clientType": "HUBSPOT"}
    assert body["senders"] == [{"actorId": f"A-{setup.agent_id}", "name": "Grace Hopper"}]
    assert body["richText"] == "<blockquote><u>VIP</u></blockquote>"
    assert body["attachments"][0]["fileUsageType"] == "OTHER"
    assert "direction" not in body
    assert await _job_rows(db) == []
    (event,) = await _event_rows(db)
    assert event.name == "message.created"
    assert event.payload["type"] == "COMMENT"
    thread_after = await _thread(db, setup.thread_id)
    assert thread_after.latest_message_at == thread_before.latest_message_at


@pytest.mark.asyncio
async def test_comment_by_an_app_is_created_by_the_integrator(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=1)
    response = await client.post(
        url(setup),
        json={"type": "COMMENT", "text": "synced from CRM", "attachments": []},
        headers=bearer(setup.app_token),
    )
    assert response.status_code == 201, response.text
    assert response.json()["createdBy"] == f"I-{setup.app.app_id}"
    assert response.json()["senders"][0]["actorId"] == f"I-{setup.app.app_id}"
