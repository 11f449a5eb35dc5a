"""Finding a thread the caller may see: one rule for every route that takes a threadId."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from frontdesk.conversations.models import Thread
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound


async def get_visible_thread(
    uow: UnitOfWork,
    *,
    thread_id: int,
    inbox_ids: frozenset[int] | None,
    archived: bool | None = False,
) -> Any:
    """The thread row, or 404 when it does not exist, is in an inbox the caller cannot see
    (None: sees all), or its archived flag differs from `archived` (None: either)."""
    row = (await uow.execute(select(Thread).where(Thread.id == thread_id))).first()
    if (
        row is None
        or (inbox_ids is not None and row.inbox_id not in inbox_ids)
        or (archived is not None and row.archived != archived)
    ):
        raise NotFound("Thread", thread_id)
    return row
