"""Replying by email in a thread: stored PENDING in the same thread (channelId 1002), queued
for SMTP in the same transaction, never sent to the channel's bridge; its status follows the
job. The SMTP server is a real aiosmtpd on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import select, update

from frontdesk.accounts.models import Inbox
from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.conversations.models import Thread
from frontdesk.core.db import Database
from frontdesk.delivery import service as delivery_service
from tests import factories
from tests.email.smtp_server import SmtpServer
from tests.factories import bearer
from tests.messages.thread_factories import PREFIX, counts, setup_thread
from tests.outreach.helpers import (
    ADDRESS,
    OTHER_ADDRESS,
    email_body,
    email_thread,
    emails_url,
    events,
    jobs,
    message,
    runner,
)
from tests.webhooks.helpers import FakeClock

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def clock() -> AsyncIterator[FakeClock]:
    yield FakeClock()


async def test_email_is_a_pending_message_of_the_thread_with_its_email_job(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await email_thread(db)

    response = await client.post(
        emails_url(setup), json=email_body(), headers=bearer(setup.agent_token)
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["type"] == "MESSAGE"
    assert body["direction"] == "OUTGOING"
    assert body["channelId"] == "1002"
    assert body["channelAccountId"] is None
    assert body["conversationsThreadId"] == str(setup.thread_id)
    assert body["subject"] == "Your order"
    assert body["createdBy"] == f"A-{setup.agent_id}"
    assert body["senders"] == [{"actorId": f"A-{setup.agent_id}", "name": "Grace Hopper"}]
    assert body["recipients"] == [
        {
            "actorId": f"V-{setup.contact_id}",
            "deliveryIdentifier": {"type": "HS_EMAIL_ADDRESS", "value": ADDRESS},
            "recipientField": "TO",
        }
    ]
    assert "status" not in body  # PENDING, as HubSpot shows it
    assert response.headers["location"].endswith(
        f"/threads/{setup.thread_id}/messages/{body['id']}"
    )
    stored = await message(db, body["id"])
    assert (stored.status, stored.thread_id) == ("PENDING", setup.thread_id)
    [job] = await jobs(db)  # the email, and no channel webhook
    assert (job.kind, job.message_id, job.status) == ("email.send", int(body["id"]), "queued")
    assert job.payload["to"] == ADDRESS
    assert job.payload["subject"] == "Your order"
    assert job.payload["text"] == "It ships today."
    assert job.payload["html"] == "<p>It ships <b>today</b>.</p>"
    [created] = await events(db, "message.created")
    assert created.payload["messageId"] == body["id"]
    assert created.payload["threadId"] == str(setup.thread_id)


async def test_accepted_email_becomes_sent_and_the_pane_is_told(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    smtp_server: SmtpServer,
    clock: FakeClock,
) -> None:
    setup = await email_thread(db)
    sent = await client.post(
        emails_url(setup), json=email_body(), headers=bearer(setup.agent_token)
    )
    message_id = sent.json()["id"]

    assert await runner(db, settings, clock).run_due() == 1

    [received] = await smtp_server.wait_for(1)
    assert received.envelope_to == [ADDRESS]
    assert received.message["Subject"] == "Your order"
    text_part = received.message.get_body(preferencelist=("plain",))
    html_part = received.message.get_body(preferencelist=("html",))
    assert text_part is not None
    assert html_part is not None
    assert text_part.get_content().strip() == "It ships today."
    assert "<b>today</b>" in html_part.get_content()
    assert (await message(db, message_id)).status == "SENT"
    [changed] = await events(db, "message.status_changed")
    assert changed.payload["messageId"] == message_id
    assert changed.payload["status"] == "SENT"
    listed = await client.get(
        f"{PREFIX}/threads/{setup.thread_id}/messages/{message_id}",
        headers=bearer(setup.agent_token),
    )
    assert listed.json()["channelId"] == "1002"
    assert listed.json()["status"] == {"statusType": "SENT"}


async def test_refused_email_fails_with_the_reason_once_its_job_dies(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    smtp_server: SmtpServer,
    clock: FakeClock,
) -> None:
    setup = await email_thread(db)
    sent = await client.post(
        emails_url(setup), json=email_body(), headers=bearer(setup.agent_token)
    )
    message_id = sent.json()["id"]
    smtp_server.data_replies = ["451 4.3.0 Try again later", "554 5.7.1 Rejected as spam"]
    email_runner = runner(db, settings, clock)

    await email_runner.run_due()
    assert (await message(db, message_id)).status == "PENDING"  # a retry is still due
    clock.advance(3600)
    await email_runner.run_due()

    [job] = await jobs(db)
    assert job.status == "dead"
    stored = await message(db, message_id)
    assert stored.status == "FAILED"
    assert stored.failure_message == (
        "Email not sent: The server answered 554 5.7.1 Rejected as spam"
    )
    [changed] = await events(db, "message.status_changed")
    assert changed.payload["status"] == "FAILED"
    assert smtp_server.received == []


async def test_rich_text_is_sanitised_and_the_text_derived_from_it(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await email_thread(db)
    rich = '<p>Hello <b>Ada</b></p><script>alert(1)</script><ul><li>one</li></ul><a href="https://example.test/t">track</a>'

    response = await client.post(
        emails_url(setup),
        json=email_body(text=None, richText=rich),
        headers=bearer(setup.agent_token),
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert "<script" not in body["richText"]
    assert "<b>Ada</b>" in body["richText"]
    assert body["text"] == "Hello Ada\n\n- one\ntrack (https://example.test/t)"
    [job] = await jobs(db)
    assert "<script" not in job.payload["html"]


async def test_the_address_may_be_any_of_the_contacts_own(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await email_thread(db, addresses=(ADDRESS, OTHER_ADDRESS))

    response = await client.post(
        emails_url(setup),
        json=email_body(to=OTHER_ADDRESS.upper()),
        headers=bearer(setup.agent_token),
    )

    assert response.status_code == 201, response.text
    assert response.json()["recipients"][0]["deliveryIdentifier"]["value"] == OTHER_ADDRESS


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"to": "stranger@example.test"}, "to"),
        ({"subject": "   "}, "subject"),
        ({"text": " ", "richText": "<p> </p>"}, "text"),
        ({"subject": "x" * 1001}, "subject"),
        ({"cc": "someone@example.test"}, "cc"),
        ({"to": None}, "to"),
    ],
)
async def test_bad_input_is_400_and_writes_nothing(
    client: httpx.AsyncClient, db: Database, over: dict[str, object], field: str
) -> None:
    setup = await email_thread(db)
    before = await counts(db)

    response = await client.post(
        emails_url(setup), json=email_body(**over), headers=bearer(setup.agent_token)
    )

    assert response.status_code == 400, response.text
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert field in response.text
    assert await counts(db) == before


async def test_contact_without_an_address_is_400(client: httpx.AsyncClient, db: Database) -> None:
    setup = await email_thread(db, addresses=())

    response = await client.post(
        emails_url(setup), json=email_body(), headers=bearer(setup.agent_token)
    )

    assert response.status_code == 400
    assert response.json()["message"] == "This contact has no email address"
    assert await jobs(db) == []


async def test_without_smtp_it_is_409_and_nothing_is_stored(
    db: Database, settings: Settings
) -> None:
    setup = await email_thread(db)
    before = await counts(db)
    app: FastAPI = create_app(settings.model_copy(update={"smtp_host": ""}), db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            emails_url(setup), json=email_body(), headers=bearer(setup.agent_token)
        )

    assert response.status_code == 409, response.text
    assert response.json()["category"] == "CONFLICT"
    assert "Email is not configured" in response.json()["message"]
    assert await counts(db) == before


async def test_access_follows_the_threads_inbox(client: httpx.AsyncClient, db: Database) -> None:
    setup = await email_thread(db)
    reader = await factories.create_personal_token(
        db, user_id=setup.agent_id, scopes=["conversations.read"]
    )

    outsider = await client.post(
        emails_url(setup), json=email_body(), headers=bearer(setup.outsider_token)
    )
    read_only = await client.post(emails_url(setup), json=email_body(), headers=bearer(reader))
    anonymous = await client.post(emails_url(setup), json=email_body())
    missing = await client.post(
        "/frontdesk/v1/threads/999999999/emails",
        json=email_body(),
        headers=bearer(setup.agent_token),
    )

    assert outsider.status_code == 404
    assert read_only.status_code == 403
    assert anonymous.status_code == 401
    assert missing.status_code == 404
    assert await jobs(db) == []


async def test_an_app_sends_as_the_agent_it_names(client: httpx.AsyncClient, db: Database) -> None:
    setup = await email_thread(db)

    unnamed = await client.post(
        emails_url(setup), json=email_body(), headers=bearer(setup.app_token)
    )
    named = await client.post(
        emails_url(setup),
        json=email_body(senderActorId=f"A-{setup.agent_id}"),
        headers=bearer(setup.app_token),
    )
    outsider = await client.post(
        emails_url(setup),
        json=email_body(senderActorId=f"A-{setup.outsider_id}"),
        headers=bearer(setup.app_token),
    )

    assert unnamed.status_code == 400
    assert "senderActorId" in unnamed.text
    assert named.status_code == 201, named.text
    assert named.json()["createdBy"] == f"A-{setup.agent_id}"
    assert outsider.status_code == 400


async def test_archived_thread_takes_no_email(client: httpx.AsyncClient, db: Database) -> None:
    setup = await setup_thread(db, messages=0, archived=True)

    response = await client.post(
        emails_url(setup), json=email_body(), headers=bearer(setup.agent_token)
    )

    assert response.status_code == 400
    assert "archived" in response.json()["message"]


async def test_a_replayed_failed_email_becomes_sent(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    smtp_server: SmtpServer,
    clock: FakeClock,
) -> None:
    setup = await email_thread(db)
    sent = await client.post(
        emails_url(setup), json=email_body(), headers=bearer(setup.agent_token)
    )
    message_id = sent.json()["id"]
    smtp_server.data_replies = ["554 5.7.1 Rejected as spam"]
    email_runner = runner(db, settings, clock)
    await email_runner.run_due()
    assert (await message(db, message_id)).status == "FAILED"
    [job] = await jobs(db)

    async with db.transaction() as uow:
        await delivery_service.replay_delivery(uow, app_id=None, job_id=job.id, order_wait_s=1)
    await email_runner.run_due()

    await smtp_server.wait_for(1)
    stored = await message(db, message_id)
    assert (stored.status, stored.failure_message) == ("SENT", None)


async def test_an_email_answers_a_help_desk_ticket(client: httpx.AsyncClient, db: Database) -> None:
    """The first email to the contact is the ticket's first response, and the ticket then
    waits on the contact, as after any reply."""
    setup = await email_thread(db)
    async with db.transaction() as uow:
        inbox_id = await uow.scalar(select(Thread.inbox_id).where(Thread.id == setup.thread_id))
        await uow.execute(update(Inbox).where(Inbox.id == inbox_id).values(kind="HELP_DESK"))
        await uow.execute(
            update(Thread)
            .where(Thread.id == setup.thread_id)
            .values(properties={"ticket_status": "NEW"})
        )

    response = await client.post(
        emails_url(setup), json=email_body(), headers=bearer(setup.agent_token)
    )

    assert response.status_code == 201
    async with db.read() as uow:
        found = await uow.execute(select(Thread.__table__).where(Thread.id == setup.thread_id))
        thread = found.one()
    assert thread.properties["ticket_status"] == "WAITING_ON_CONTACT"
    assert thread.first_response_at == (await message(db, response.json()["id"])).created_at
