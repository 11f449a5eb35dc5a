"""Threads with history for the Conversations API tests, inserted with Core statements.

The inbound publish path has its own tests; here a thread only needs to exist with a contact,
its key and a few messages at known times.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select

from frontdesk.apps.service import CreatedApp
from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.conversations.models import Thread, ThreadKey
from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from frontdesk.core.jobs import Job
from frontdesk.files.models import File
from frontdesk.files.schemas import split_extension
from frontdesk.messages.models import Message, MessageFile
from tests import factories

BASE_MS = 1_780_000_000_000  # 2026-05-28: fixed times make the order of messages known
_phones = itertools.count(1000)
PREFIX = "/conversations/v3/conversations"


@dataclass
class ThreadSetup:
    """One app with a channel and account in an inbox of one team, an agent of that team, an
    agent outside it, and a thread of a contact with `message_ids` (oldest first)."""

    app: CreatedApp
    channel_id: int
    account_id: int
    inbox_id: int
    team: str
    agent_id: int
    agent_token: str
    outsider_id: int
    outsider_token: str
    contact_id: int
    contact_phone: str
    thread_id: int
    message_ids: list[int] = field(default_factory=list)

    @property
    def app_token(self) -> str:
        return self.app.access_token


def new_phone() -> str:
    """A valid E.164 number not used before in this run (identities are unique)."""
    return f"+1415555{next(_phones) % 10000:04d}"


async def create_contact(
    db: Database,
    *,
    name: str = "Ada Lovelace",
    email: str | None = None,
    phone: str | None = None,
    identities: list[tuple[str, str, int]] | None = None,
) -> int:
    """A contact with identities (type, value, channel scope; 0 for global ones)."""
    async with db.transaction() as uow:
        contact_id: int = await uow.scalar(
            insert(Contact)
            .values(
                name=name,
                email=email,
                phone=phone,
                properties={},
                created_at=BASE_MS,
                updated_at=BASE_MS,
            )
            .returning(Contact.id)
        )
        for type_, value, scope in identities or []:
            await uow.execute(
                insert(ContactIdentity).values(
                    contact_id=contact_id, type=type_, value=value, channel_scope=scope
                )
            )
    return contact_id


async def create_thread(
    db: Database,
    *,
    inbox_id: int,
    channel_id: int,
    channel_account_id: int,
    contact_id: int,
    status: str = "OPEN",
    archived: bool = False,
    key: str | None = None,
) -> int:
    """A thread and the INTEGRATION_THREAD_ID key pointing at it."""
    async with db.transaction() as uow:
        thread_id: int = await uow.scalar(
            insert(Thread)
            .values(
                inbox_id=inbox_id,
                channel_id=channel_id,
                channel_account_id=channel_account_id,
                contact_id=contact_id,
                status=status,
                closed_at=BASE_MS if status == "CLOSED" else None,
                properties={},
                spam=False,
                archived=archived,
                archived_at=BASE_MS if archived else None,
                created_at=BASE_MS,
                updated_at=BASE_MS,
            )
            .returning(Thread.id)
        )
        await uow.execute(
            insert(ThreadKey).values(
                channel_account_id=channel_account_id,
                key_kind="INTEGRATION_THREAD_ID",
                key=key or f"chat-{uuid.uuid4().hex[:8]}",
                thread_id=thread_id,
            )
        )
    return thread_id


async def add_message(
    db: Database,
    *,
    thread_id: int,
    created_at: int,
    text: str = "hello",
    rich_text: str | None = None,
    type: str = "MESSAGE",
    direction: str | None = "INCOMING",
    channel_id: int | None = None,
    channel_account_id: int | None = None,
    contact_id: int | None = None,
    contact_phone: str = "+14155550000",
    attachments: list[dict[str, Any]] | None = None,
    file_ids: list[int] | None = None,
    extra: dict[str, Any] | None = None,
    created_by: str | None = None,
) -> int:
    """One message row; an incoming MESSAGE gets the contact as its sender."""
    sender = {
        "actorId": f"V-{contact_id}",
        "name": "Ada Lovelace",
        "deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": contact_phone},
    }
    incoming = type == "MESSAGE" and direction == "INCOMING"
    async with db.transaction() as uow:
        message_id: int = await uow.scalar(
            insert(Message)
            .values(
                thread_id=thread_id,
                type=type,
                direction=direction if type == "MESSAGE" else None,
                channel_id=channel_id,
                channel_account_id=channel_account_id,
                senders=[sender] if incoming else [],
                recipients=[],
                text=text,
                rich_text=rich_text,
                attachments=attachments or [],
                has_attachments=bool(attachments),
                status="RECEIVED" if incoming else None,
                client_type="INTEGRATION" if incoming else "SYSTEM",
                created_by=created_by or (f"V-{contact_id}" if incoming else "S-hubspot"),
                extra=extra or {},
                archived=False,
                created_at=created_at,
                updated_at=created_at,
            )
            .returning(Message.id)
        )
        for file_id in file_ids or []:
            await uow.execute(insert(MessageFile).values(message_id=message_id, file_id=file_id))
    return message_id


async def create_file(
    db: Database,
    *,
    name: str = "photo.png",
    mime_type: str = "image/png",
    size: int = 1000,
    app_id: int | None = None,
    user_id: int | None = None,
) -> int:
    """A file row (no bytes: sending only reads the metadata), named as an upload of `name`
    is: "photo" with extension "png"."""
    stem, extension = split_extension(name)
    key = uuid.uuid4().hex
    async with db.transaction() as uow:
        file_id: int = await uow.scalar(
            insert(File)
            .values(
                name=stem,
                extension=extension,
                mime_type=mime_type,
                size=size,
                sha256=hashlib.sha256(key.encode()).hexdigest(),
                storage_key=key,
                access="PRIVATE",
                uploaded_by_app_id=app_id,
                uploaded_by_user_id=user_id,
                created_at=BASE_MS,
                updated_at=BASE_MS,
            )
            .returning(File.id)
        )
    return file_id


async def setup_thread(
    db: Database,
    *,
    capabilities: dict[str, object] | None = None,
    messages: int = 3,
    status: str = "OPEN",
    archived: bool = False,
) -> ThreadSetup:
    """The world of `ThreadSetup`; message i is created at BASE_MS + i seconds."""
    team = await factories.create_team(db)
    other_team = await factories.create_team(db)
    inbox_id = await factories.create_inbox(db, teams=[team])
    agent_id = await factories.create_user(db, teams=[team], name="Grace Hopper")
    outsider_id = await factories.create_user(db, teams=[other_team], name="Outsider")
    app = await factories.create_app(db)
    channel_id = await factories.create_channel_row(
        db, app_id=app.app_id, capabilities=capabilities
    )
    account_id = await factories.create_channel_account_row(
        db, channel_id=channel_id, inbox_id=inbox_id
    )
    phone = new_phone()
    contact_id = await create_contact(db, phone=phone, identities=[("HS_PHONE_NUMBER", phone, 0)])
    thread_id = await create_thread(
        db,
        inbox_id=inbox_id,
        channel_id=channel_id,
        channel_account_id=account_id,
        contact_id=contact_id,
        status=status,
        archived=archived,
    )
    setup = ThreadSetup(
        app=app,
        channel_id=channel_id,
        account_id=account_id,
        inbox_id=inbox_id,
        team=team,
        agent_id=agent_id,
        agent_token=await factories.create_personal_token(db, user_id=agent_id),
        outsider_id=outsider_id,
        outsider_token=await factories.create_personal_token(db, user_id=outsider_id),
        contact_id=contact_id,
        contact_phone=phone,
        thread_id=thread_id,
    )
    for index in range(messages):
        setup.message_ids.append(
            await add_message(
                db,
                thread_id=thread_id,
                created_at=BASE_MS + index * 1000,
                text=f"message {index}",
                channel_id=channel_id,
                channel_account_id=account_id,
                contact_id=contact_id,
                contact_phone=phone,
            )
        )
    return setup


def reply(setup: ThreadSetup, **fields: Any) -> dict[str, Any]:
    """A valid MESSAGE body from the thread's agent; `fields` override."""
    body: dict[str, Any] = {
        "type": "MESSAGE",
        "text": "Your order has shipped.",
        "senderActorId": f"A-{setup.agent_id}",
        "channelId": str(setup.channel_id),
        "channelAccountId": str(setup.account_id),
        "recipients": [],
        "attachments": [],
    }
    return body | fields


def url(setup: ThreadSetup) -> str:
    return f"{PREFIX}/threads/{setup.thread_id}/messages"


async def counts(db: Database) -> dict[str, int]:
    """Rows that a send writes, to prove a rejected one wrote nothing."""
    async with db.read() as uow:
        return {
            model.__tablename__: int(await uow.scalar(select(func.count()).select_from(model)))
            for model in (Message, MessageFile, Job, EventRow)
        }
