"""The demo workspace: seeded once on an empty database, found again on later starts, never
written into a workspace the demo did not make."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from frontdesk.accounts.models import Inbox, Team, User
from frontdesk.accounts.passwords import verify_password
from frontdesk.apps import service as app_service
from frontdesk.apps.models import App
from frontdesk.channels.models import Channel, ChannelAccount
from frontdesk.config import Settings
from frontdesk.contacts.models import Contact
from frontdesk.conversations.models import Thread
from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from frontdesk.core.jobs import Job
from frontdesk.demo import script
from frontdesk.demo.seed import ForeignWorkspace, prepare_workspace
from frontdesk.files import storage as file_storage
from frontdesk.files.models import File
from frontdesk.messages.models import Message
from tests import factories

WEBHOOK = "http://127.0.0.1:9/webhook"


async def count(db: Database, model: Any, *where: Any) -> int:
    async with db.read() as uow:
        return int(await uow.scalar(select(func.count()).select_from(model).where(*where)))


async def snapshot(db: Database) -> dict[str, int]:
    return {
        "users": await count(db, User),
        "teams": await count(db, Team),
        "inboxes": await count(db, Inbox),
        "apps": await count(db, App),
        "channels": await count(db, Channel),
        "accounts": await count(db, ChannelAccount),
        "contacts": await count(db, Contact),
        "threads": await count(db, Thread),
        "closed": await count(db, Thread, Thread.status == "CLOSED"),
        "assigned": await count(db, Thread, Thread.assignee_id.is_not(None)),
        "messages": await count(db, Message),
        "files": await count(db, File),
    }


@pytest.mark.asyncio
async def test_an_empty_workspace_is_seeded_once(db: Database, settings: Settings) -> None:
    first = await prepare_workspace(db, settings, webhook_url=WEBHOOK)
    assert first.seeded
    seeded = await snapshot(db)
    messages = seeded.pop("messages")
    assert messages > 30
    assert seeded == {
        "users": 4,
        "teams": 2,
        "inboxes": 2,
        "apps": 1,
        "channels": 1,
        "accounts": 2,
        "contacts": len(script.CUSTOMERS),
        "threads": len(script.CONVERSATIONS),
        "closed": sum(c.closed for c in script.CONVERSATIONS),
        "assigned": sum(c.assignee is not None for c in script.CONVERSATIONS),
        "files": len(script.MEDIA),
    }

    second = await prepare_workspace(db, settings, webhook_url="http://127.0.0.1:10/webhook")
    assert not second.seeded
    assert await snapshot(db) == {**seeded, "messages": messages}
    assert (second.app_id, second.channel_id) == (first.app_id, first.channel_id)
    async with db.read() as uow:
        assert await app_service.resolve_token(uow, token=first.access_token) is None
        owner = await app_service.resolve_token(uow, token=second.access_token)
        url = await uow.scalar(select(Channel.webhook_url).where(Channel.id == second.channel_id))
    assert owner is not None
    assert owner.app_id == second.app_id
    assert url == "http://127.0.0.1:10/webhook"


@pytest.mark.asyncio
async def test_the_seeded_conversations_carry_history_media_and_a_reply_to_deliver(
    db: Database, settings: Settings
) -> None:
    workspace = await prepare_workspace(db, settings, webhook_url=WEBHOOK)
    async with db.read() as uow:
        messages = (await uow.execute(select(Message).where(Message.type == "MESSAGE"))).all()
        comments = await uow.scalar(
            select(func.count()).select_from(Message).where(Message.type == "COMMENT")
        )
        files = (await uow.execute(select(File.storage_key, File.mime_type))).all()
        jobs = (await uow.execute(select(Job.kind, Job.message_id))).all()
        events = Counter((await uow.execute(select(EventRow.name))).scalars())
        admin = (await uow.execute(select(User).where(User.email == "admin@example.com"))).one()
        previews = (await uow.execute(select(Thread.last_message_preview))).scalars().all()

    usages = {a["fileUsageType"] for m in messages for a in m.attachments}
    assert usages == {"IMAGE", "STICKER", "VOICE_RECORDING", "AUDIO", "VIDEO", "OTHER"}
    assert {m.mime_type for m in files} == {
        "image/png", "audio/wav", "video/mp4", "application/pdf",
    }  # fmt: skip
    storage = file_storage.from_settings(settings)
    stored = {storage.path(f.storage_key).read_bytes() for f in files}  # type: ignore[union-attr]
    assert stored == {item.make() for item in script.MEDIA.values()}

    statuses = Counter((m.direction, m.status) for m in messages)
    assert statuses[("OUTGOING", "READ")] > 5  # answered replies were read
    assert statuses[("OUTGOING", "SENT")] >= 1  # the last word of an open conversation
    assert statuses[("OUTGOING", "PENDING")] == 1  # sent through the send path, to deliver
    assert comments == 1
    pending = next(m for m in messages if m.status == "PENDING")
    assert ("channel.outgoing_message", pending.id) in {(j.kind, j.message_id) for j in jobs}
    assert [j.kind for j in jobs].count("channel.account_event") == 2
    # Past messages keep their times: the conversations span the last five days.
    times = sorted(m.created_at for m in messages)
    assert times[-1] - times[0] > 4 * 24 * 3600 * 1000
    assert events["message.created"] == len(messages) + comments
    assert events["conversation.created"] == len(script.CONVERSATIONS)
    assert all(previews)
    assert await verify_password(admin.password_hash, script.PASSWORD)
    assert {a.line for a in workspace.accounts} == {"sales", "support"}


@pytest.mark.asyncio
async def test_a_workspace_the_demo_did_not_make_is_left_alone(
    db: Database, settings: Settings
) -> None:
    await factories.create_user(db, email="someone@example.com")
    before = await snapshot(db)
    with pytest.raises(ForeignWorkspace, match="empty data directory"):
        await prepare_workspace(db, settings, webhook_url=WEBHOOK)
    assert await snapshot(db) == before
