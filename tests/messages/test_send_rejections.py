"""Every reason a send is refused: 4xx, `errors[].in` naming the field, nothing written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from frontdesk.channels.models import Channel, ChannelAccount
from frontdesk.config import Settings
from frontdesk.conversations.models import Thread
from frontdesk.core.db import Database
from tests import factories
from tests.factories import DEFAULT_CAPABILITIES, bearer
from tests.messages.thread_factories import (
    ThreadSetup,
    counts,
    create_file,
    reply,
    setup_thread,
    url,
)

Body = dict[str, Any]
BodyMaker = Callable[[Database, ThreadSetup], Awaitable[Body]]


@dataclass
class Case:
    make: BodyMaker
    where: str
    capabilities: dict[str, object] = field(default_factory=dict)
    status: int = 400
    says: str = ""


def body(**fields: Any) -> BodyMaker:
    async def make(_db: Database, setup: ThreadSetup) -> Body:
        return reply(setup, **fields)

    return make


def with_files(*specs: dict[str, Any], **fields: Any) -> BodyMaker:
    """A reply carrying new files of the app, one per spec (name, mime_type, size)."""

    async def make(db: Database, setup: ThreadSetup) -> Body:
        ids = [await create_file(db, app_id=setup.app.app_id, **spec) for spec in specs]
        attachments = [{"type": "FILE", "fileId": str(i)} for i in ids]
        return reply(setup, attachments=attachments, **fields)

    return make


def changed(model: Any, row_id: str, values: dict[str, Any]) -> BodyMaker:
    """A valid reply, after changing a row of the setup (`row_id` names the attribute)."""

    async def make(db: Database, setup: ThreadSetup) -> Body:
        async with db.transaction() as uow:
            await uow.execute(
                update(model).where(model.id == getattr(setup, row_id)).values(**values)
            )
        return reply(setup)

    return make


async def _foreign_file(db: Database, setup: ThreadSetup) -> Body:
    other = await factories.create_app(db)
    file_id = await create_file(db, app_id=other.app_id)
    return reply(setup, attachments=[{"type": "FILE", "fileId": str(file_id)}])


async def _outsider_sender(_db: Database, setup: ThreadSetup) -> Body:
    return reply(setup, senderActorId=f"A-{setup.outsider_id}")


async def _inactive_sender(db: Database, setup: ThreadSetup) -> Body:
    from frontdesk.accounts.models import User

    async with db.transaction() as uow:
        await uow.execute(update(User).where(User.id == setup.agent_id).values(active=False))
    return reply(setup)


def _without(name: str) -> BodyMaker:
    async def make(_db: Database, setup: ThreadSetup) -> Body:
        full = reply(setup)
        del full[name]
        return full

    return make


PHONE = {"type": "HS_PHONE_NUMBER", "value": "+14155550123"}
EMAIL = {"type": "HS_EMAIL_ADDRESS", "value": "ada@example.com"}
PNG = {"name": "a.png", "mime_type": "image/png", "size": 1000}
PDF = {"name": "a.pdf", "mime_type": "application/pdf", "size": 1000}

CASES = {
    "replies off": Case(
        body(), "channelId", {"allowOutgoingMessages": False}, says="only receives messages"
    ),
    "bold not allowed": Case(
        body(richText="<p><b>Hi</b></p>"), "richText", {"richText": ["HYPERLINK"]}, says="bold"
    ),
    "links not allowed": Case(
        body(richText='<a href="https://example.com">x</a>'),
        "richText",
        {"richText": ["BOLD"]},
        says="links (HYPERLINK)",
    ),
    "inline images not allowed": Case(
        body(richText='<img src="https://example.com/a.png">'),
        "richText",
        {"richText": ["BOLD"], "allowInlineImages": False},
        says="inline images",
    ),
    "colour not allowed": Case(
        body(richText='<span style="color: red">x</span>'), "richText", {"richText": ["BOLD"]}
    ),
    "files not allowed": Case(
        with_files(PNG), "attachments[0]", {"outgoingAttachmentTypes": []}, says="files"
    ),
    "too many files": Case(
        with_files(PNG, PNG), "attachments[1]", {"maxFileAttachmentCount": 1}, says="at most 1"
    ),
    "file too large": Case(
        with_files(PNG), "attachments[0].fileId", {"maxFileAttachmentSizeBytes": 999}
    ),
    "files too large together": Case(
        with_files(PNG, PNG), "attachments[1].fileId", {"maxTotalFileAttachmentSizeBytes": 1500}
    ),
    "mime type not allowed": Case(
        with_files(PDF),
        "attachments[0].fileId",
        {"allowedFileAttachmentMimeTypes": ["image/*"]},
        says="application/pdf",
    ),
    "unknown file": Case(
        body(attachments=[{"type": "FILE", "fileId": "987654"}]), "attachments[0].fileId"
    ),
    "someone else's file": Case(_foreign_file, "attachments[0].fileId"),
    "too many attachments": Case(
        body(
            attachments=[
                {"type": "QUICK_REPLIES", "quickReplies": [{"value": "y", "valueType": "TEXT"}]}
            ]
            * 3
        ),
        "attachments",
    ),
    "several recipients": Case(
        body(recipients=[{"deliveryIdentifiers": [PHONE]}, {"deliveryIdentifiers": [PHONE]}]),
        "recipients",
        {"allowMultipleRecipients": False},
    ),
    "recipient type the channel lacks": Case(
        body(recipients=[{"deliveryIdentifiers": [EMAIL]}]),
        "recipients[0].deliveryIdentifiers[0].type",
        {"deliveryIdentifierTypes": ["HS_PHONE_NUMBER"]},
    ),
    "recipient phone invalid": Case(
        body(recipients=[{"deliveryIdentifiers": [{"type": "HS_PHONE_NUMBER", "value": "12"}]}]),
        "recipients[0].deliveryIdentifiers[0].value",
    ),
    "recipient without identifiers": Case(
        body(recipients=[{"deliveryIdentifiers": []}]), "recipients[0].deliveryIdentifiers"
    ),
    "recipient missing the plural": Case(
        body(recipients=[{"deliveryIdentifier": PHONE}]), "recipients[0].deliveryIdentifiers"
    ),
    "another channel": Case(body(channelId="424242"), "channelId"),
    "another channel account": Case(body(channelAccountId="424242"), "channelAccountId"),
    "account inactive": Case(
        changed(ChannelAccount, "account_id", {"active": False}), "channelAccountId"
    ),
    "account not authorized": Case(
        changed(ChannelAccount, "account_id", {"authorized": False}), "channelAccountId"
    ),
    "account archived": Case(
        changed(ChannelAccount, "account_id", {"archived": True}), "channelAccountId"
    ),
    "channel archived": Case(changed(Channel, "channel_id", {"archived": True}), "channelId"),
    "thread archived": Case(changed(Thread, "thread_id", {"archived": True}), "threadId"),
    "sender not an agent": Case(body(senderActorId="V-1"), "senderActorId"),
    "sender unknown": Case(body(senderActorId="A-987654"), "senderActorId"),
    "sender outside the inbox": Case(_outsider_sender, "senderActorId"),
    "sender deactivated": Case(_inactive_sender, "senderActorId"),
    "empty text": Case(body(text="  "), "text"),
    "text missing": Case(_without("text"), "text"),
    "sender missing": Case(_without("senderActorId"), "senderActorId"),
    "attachments missing": Case(_without("attachments"), "attachments"),
    "type missing": Case(_without("type"), "type"),
    "type unknown": Case(body(type="WELCOME_MESSAGE"), "type"),
    "file id missing": Case(body(attachments=[{"type": "FILE"}]), "attachments[0].fileId"),
    "attachment type unknown": Case(
        body(attachments=[{"type": "LOCATION", "latitude": 1, "longitude": 2}]),
        "attachments[0].type",
    ),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("name", list(CASES))
async def test_refused_send_writes_nothing(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    case = CASES[name]
    monkeypatch.setattr(settings, "max_message_attachments", 2)
    setup = await setup_thread(db, capabilities=DEFAULT_CAPABILITIES | case.capabilities)
    payload = await case.make(db, setup)
    before = await counts(db)
    response = await client.post(url(setup), json=payload, headers=bearer(setup.app_token))
    assert response.status_code == case.status, response.text
    error = response.json()
    assert error["category"] == "VALIDATION_ERROR"
    assert [e["in"] for e in error["errors"]] == [case.where]
    assert case.says in error["message"]
    assert await counts(db) == before


@pytest.mark.asyncio
async def test_comment_is_checked_too(client: httpx.AsyncClient, db: Database) -> None:
    setup = await setup_thread(db)
    before = await counts(db)
    for payload, where in (
        ({"type": "COMMENT", "text": "", "attachments": []}, "text"),
        ({"type": "COMMENT", "text": "x"}, "attachments"),
        (
            {"type": "COMMENT", "text": "x", "attachments": [{"type": "FILE", "fileId": "1"}]},
            "attachments[0].fileId",
        ),
    ):
        response = await client.post(url(setup), json=payload, headers=bearer(setup.app_token))
        assert response.status_code == 400, response.text
        assert [e["in"] for e in response.json()["errors"]] == [where]
    assert await counts(db) == before
