"""Set-up shared by the publish and message-status tests: a bridge with a channel and an
account, message bodies, and row counts that prove a refused request wrote nothing."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, insert, select, update

from frontdesk.apps.service import CreatedApp
from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.conversations.models import Thread, ThreadIntegrationId, ThreadKey
from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from frontdesk.core.models import now_ms
from frontdesk.files.models import File
from frontdesk.messages.models import Message, MessageFile
from tests import factories

V3 = "/conversations/v3/custom-channels"
BUSINESS_PHONE = "+14155550100"
_phones = itertools.count(200)
_keys = itertools.count(1)


@dataclass(frozen=True)
class Bridge:
    app: CreatedApp
    channel_id: int
    account_id: int
    inbox_id: int

    @property
    def auth(self) -> dict[str, str]:
        return factories.bearer(self.app.access_token)

    @property
    def url(self) -> str:
        return f"{V3}/{self.channel_id}/messages"


def new_phone() -> str:
    """A valid E.164 number not used before in this run."""
    return f"+1415555{next(_phones) % 10000:04d}"


def new_key(prefix: str = "key") -> str:
    return f"{prefix}-{next(_keys)}"


async def make_bridge(
    db: Database,
    *,
    threading_model: str = "INTEGRATION_THREAD_ID",
    closed_thread_policy: str = "REOPEN",
    app: CreatedApp | None = None,
    inbox_id: int | None = None,
) -> Bridge:
    app = app or await factories.create_app(db)
    inbox_id = inbox_id or await factories.create_inbox(db)
    capabilities = {**factories.DEFAULT_CAPABILITIES, "threadingModel": threading_model}
    channel_id = await factories.create_channel_row(
        db, app_id=app.app_id, capabilities=capabilities
    )
    account_id = await factories.create_channel_account_row(
        db,
        channel_id=channel_id,
        inbox_id=inbox_id,
        delivery_value=BUSINESS_PHONE,
        closed_thread_policy=closed_thread_policy,
    )
    return Bridge(app, channel_id, account_id, inbox_id)


def participant(value: str, *, kind: str = "HS_PHONE_NUMBER", name: str | None = None) -> Any:
    body: dict[str, Any] = {"deliveryIdentifier": {"type": kind, "value": value}}
    if name is not None:
        body["name"] = name
    return body


def message_body(bridge: Bridge, **over: Any) -> dict[str, Any]:
    """An INCOMING text message from a new phone number on a new integration thread."""
    body: dict[str, Any] = {
        "text": "Hi, is my order shipped?",
        "messageDirection": "INCOMING",
        "channelAccountId": str(bridge.account_id),
        "integrationThreadId": new_key("thread"),
        "integrationIdempotencyId": new_key("msg"),
        "senders": [participant(new_phone(), name="Ada")],
        "recipients": [participant(BUSINESS_PHONE, name="Acme Support")],
        "attachments": [],
        "timestamp": "2026-03-01T10:00:00Z",
    }
    body.update(over)
    return body


async def publish(
    client: httpx.AsyncClient, bridge: Bridge, body: dict[str, Any] | None = None, **over: Any
) -> httpx.Response:
    return await client.post(
        bridge.url, json=body or message_body(bridge, **over), headers=bridge.auth
    )


async def published(
    client: httpx.AsyncClient, bridge: Bridge, body: dict[str, Any] | None = None, **over: Any
) -> dict[str, Any]:
    response = await publish(client, bridge, body, **over)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


COUNTED = (
    Message,
    MessageFile,
    Thread,
    ThreadKey,
    ThreadIntegrationId,
    Contact,
    ContactIdentity,
    EventRow,
)


async def count_rows(db: Database) -> dict[str, int]:
    async with db.read() as uow:
        return {
            model.__tablename__: int(await uow.scalar(select(func.count()).select_from(model)))
            for model in COUNTED
        }


async def event_rows(db: Database, name: str) -> list[Any]:
    async with db.read() as uow:
        result = await uow.execute(
            select(EventRow).where(EventRow.name == name).order_by(EventRow.id)
        )
        return list(result.all())


async def thread_row(db: Database, thread_id: int | str) -> Any:
    async with db.read() as uow:
        return (await uow.execute(select(Thread).where(Thread.id == int(thread_id)))).one()


async def set_thread(db: Database, thread_id: int | str, **values: Any) -> None:
    async with db.transaction() as uow:
        await uow.execute(update(Thread).where(Thread.id == int(thread_id)).values(**values))


async def create_file_row(
    db: Database, *, app_id: int | None, mime_type: str = "image/png", name: str = "photo"
) -> int:
    """A file as an upload records it (the bytes do not matter to the publish path)."""
    now = now_ms()
    async with db.transaction() as uow:
        file_id: int = await uow.scalar(
            insert(File)
            .values(
                name=name,
                extension=mime_type.rsplit("/", 1)[-1],
                mime_type=mime_type,
                size=123,
                sha256="0" * 64,
                storage_key=factories.unique("key"),
                access="PRIVATE",
                uploaded_by_app_id=app_id,
                created_at=now,
                updated_at=now,
            )
            .returning(File.id)
        )
    return file_id


def error_fields(response: httpx.Response) -> list[str | None]:
    body = response.json()
    assert body["status"] == "error", body
    assert body["correlationId"]
    return [e.get("in") for e in body.get("errors", [])]
