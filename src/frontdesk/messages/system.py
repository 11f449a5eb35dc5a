"""System entries in a thread's history (assignment, status change), as HubSpot lists them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from frontdesk.core.db import UnitOfWork
from frontdesk.core.models import now_ms
from frontdesk.messages.models import Message

SYSTEM_TYPES = ("ASSIGNMENT", "THREAD_STATUS_CHANGE", "THREAD_INBOX_CHANGE")


async def add_system_message(
    uow: UnitOfWork, *, thread_id: int, type: str, extra: dict[str, Any], created_by: str
) -> int:
    """Record a system entry; `extra` holds its type's fields (e.g. `newStatus`)."""
    assert type in SYSTEM_TYPES, type
    now = now_ms()
    message_id: int = await uow.scalar(
        insert(Message)
        .values(
            thread_id=thread_id,
            type=type,
            text="",
            senders=[],
            recipients=[],
            attachments=[],
            has_attachments=False,
            client_type="SYSTEM",
            created_by=created_by,
            extra=extra,
            archived=False,
            created_at=now,
            updated_at=now,
        )
        .returning(Message.id)
    )
    return message_id
