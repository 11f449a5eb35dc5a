"""Set-up shared by the files tests: uploads, counting what is stored, attaching to messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

from frontdesk.config import Settings
from frontdesk.contacts.models import Contact
from frontdesk.conversations.models import Thread
from frontdesk.core.db import Database
from frontdesk.core.models import now_ms
from frontdesk.files.models import File
from frontdesk.messages.models import Message, MessageFile
from tests import factories
from tests.factories import bearer

UPLOAD = "/files/v3/files"


async def upload(
    client: httpx.AsyncClient,
    token: str,
    data: bytes,
    *,
    filename: str = "upload.bin",
    content_type: str = "application/octet-stream",
    fields: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(
        UPLOAD,
        files={"file": (filename, data, content_type)},
        data=fields or {},
        headers=bearer(token),
    )


async def count_files(db: Database) -> int:
    async with db.read() as uow:
        return int(await uow.scalar(select(func.count()).select_from(File)))


def stored_files(settings: Settings) -> list[Path]:
    """Every file under the files directory, temporary ones included."""
    return [path for path in settings.files_dir.rglob("*") if path.is_file()]


async def storage_key(db: Database, file_id: str) -> Any:
    async with db.read() as uow:
        return await uow.scalar(select(File.storage_key).where(File.id == int(file_id)))


async def attach_to_message(db: Database, *, file_id: str, inbox_id: int) -> int:
    """A thread in `inbox_id` with one message carrying the file; returns the thread id."""
    created = await factories.create_app(db)
    channel_id = await factories.create_channel_row(db, app_id=created.app_id)
    account_id = await factories.create_channel_account_row(
        db, channel_id=channel_id, inbox_id=inbox_id
    )
    now = now_ms()
    async with db.transaction() as uow:
        contact_id = await uow.scalar(
            insert(Contact).values(created_at=now, updated_at=now).returning(Contact.id)
        )
        thread_id = await uow.scalar(
            insert(Thread)
            .values(
                inbox_id=inbox_id,
                channel_id=channel_id,
                channel_account_id=account_id,
                contact_id=contact_id,
                created_at=now,
                updated_at=now,
            )
            .returning(Thread.id)
        )
        message_id = await uow.scalar(
            insert(Message)
            .values(
                thread_id=thread_id,
                created_by=f"V-{contact_id}",
                attachments=[{"type": "FILE", "fileId": file_id}],
                created_at=now,
                updated_at=now,
            )
            .returning(Message.id)
        )
        await uow.execute(insert(MessageFile).values(message_id=message_id, file_id=int(file_id)))
    return int(thread_id)
