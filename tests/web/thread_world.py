"""A conversation built through the public APIs, as a bridge builds one: a channel with chosen
capabilities, an account in an inbox of one team, and a thread whose customer messages (with
media) are published over HTTP. Shared by the pane tests and the browser tests."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from frontdesk.apps.service import CreatedApp
from frontdesk.core.db import Database
from frontdesk.demo import media, video
from tests import factories
from tests.factories import bearer

V3 = "/conversations/v3/custom-channels"
THREADS = "/conversations/v3/conversations/threads"
BUSINESS_PHONE = "+14155550100"
_phones = itertools.count(3000)

CAPABILITIES: dict[str, Any] = {
    "deliveryIdentifierTypes": ["HS_PHONE_NUMBER"],
    "richText": ["BOLD", "ITALIC", "HYPERLINK"],
    "allowInlineImages": False,
    "allowOutgoingMessages": True,
    "outgoingAttachmentTypes": ["FILE"],
    "allowedFileAttachmentMimeTypes": ["image/png", "image/jpeg", "application/pdf"],
    "maxFileAttachmentCount": 2,
    "maxFileAttachmentSizeBytes": 1_000_000,
}


@dataclass
class ThreadWorld:
    app: CreatedApp
    team: str
    inbox_id: int
    channel_id: int
    account_id: int
    contact_phone: str
    contact_name: str
    integration_thread_id: str
    thread_id: int = 0
    message_ids: list[int] = field(default_factory=list)

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.app.access_token)


def new_phone() -> str:
    return f"+1415556{next(_phones) % 10000:04d}"


async def build_world(
    db: Database,
    *,
    capabilities: dict[str, Any] | None = None,
    webhook_url: str | None = "http://127.0.0.1:9/webhook",
    channel_name: str = "Chatterbox",
    account_name: str = "Support line",
    contact_name: str = "Marie Curie",
) -> ThreadWorld:
    """The channel, account, inbox and team; no thread until the first publish."""
    team = await factories.create_team(db)
    inbox_id = await factories.create_inbox(db, teams=[team])
    app = await factories.create_app(db)
    channel_id = await factories.create_channel_row(
        db,
        app_id=app.app_id,
        name=channel_name,
        capabilities=capabilities or CAPABILITIES,
        webhook_url=webhook_url,
    )
    account_id = await factories.create_channel_account_row(
        db,
        channel_id=channel_id,
        inbox_id=inbox_id,
        name=account_name,
        delivery_value=BUSINESS_PHONE,
    )
    return ThreadWorld(
        app=app,
        team=team,
        inbox_id=inbox_id,
        channel_id=channel_id,
        account_id=account_id,
        contact_phone=new_phone(),
        contact_name=contact_name,
        integration_thread_id=f"chat-{uuid.uuid4().hex[:8]}",
    )


async def upload_file(
    client: httpx.AsyncClient, world: ThreadWorld, data: bytes, filename: str
) -> str:
    response = await client.post(
        "/files/v3/files", files={"file": (filename, data)}, headers=world.auth
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def publish(
    client: httpx.AsyncClient,
    world: ThreadWorld,
    text: str = "Hello!",
    *,
    attachments: list[dict[str, Any]] | None = None,
    timestamp: str | None = None,
    rich_text: str | None = None,
) -> int:
    """A customer message on the world's thread; returns its id (and remembers the thread)."""
    body: dict[str, Any] = {
        "text": text,
        "messageDirection": "INCOMING",
        "channelAccountId": str(world.account_id),
        "integrationThreadId": world.integration_thread_id,
        "integrationIdempotencyId": uuid.uuid4().hex,
        "senders": [
            {
                "deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": world.contact_phone},
                "name": world.contact_name,
            }
        ],
        "recipients": [
            {"deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": BUSINESS_PHONE}}
        ],
        "attachments": attachments or [],
    }
    body["timestamp"] = timestamp or datetime.now(UTC).isoformat()
    if rich_text is not None:
        body["richText"] = rich_text
    response = await client.post(f"{V3}/{world.channel_id}/messages", json=body, headers=world.auth)
    assert response.status_code == 201, response.text
    message = response.json()
    world.thread_id = int(message["conversationsThreadId"])
    world.message_ids.append(int(message["id"]))
    return int(message["id"])


async def publish_media(client: httpx.AsyncClient, world: ThreadWorld) -> dict[str, int]:
    """One message per kind of media; returns the message id of each kind."""
    kinds = {
        "image": ("sunset.png", media.sunset_png(), "IMAGE"),
        "sticker": ("sticker.png", media.sticker_png(), "STICKER"),
        "voice": ("voice.wav", media.voice_note_wav(), "VOICE_RECORDING"),
        "audio": ("jingle.wav", media.jingle_wav(), "AUDIO"),
        "video": ("ball.mp4", video.ball_mp4(), None),
        "file": ("invoice.pdf", media.invoice_pdf(), None),
    }
    ids: dict[str, int] = {}
    for kind, (name, data, usage) in kinds.items():
        file_id = await upload_file(client, world, data, name)
        attachment: dict[str, Any] = {"type": "FILE", "fileId": file_id}
        if usage is not None:
            attachment["fileUsageType"] = usage
        ids[kind] = await publish(client, world, "", attachments=[attachment])
    return ids
