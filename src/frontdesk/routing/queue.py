"""The routing queue's rows: conversations waiting for someone who qualifies, oldest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, exists, insert, select, update

from frontdesk.conversations.models import Thread
from frontdesk.core.db import UnitOfWork
from frontdesk.routing.models import RoutingQueueEntry


async def enqueue(
    uow: UnitOfWork, *, thread_id: int, channel_account_id: int, at: int, reason: str
) -> None:
    """Put a thread in the queue; its reason says why it waits."""
    await uow.execute(
        insert(RoutingQueueEntry).values(
            thread_id=thread_id, channel_account_id=channel_account_id, queued_at=at
        )
    )
    await uow.execute(update(Thread).where(Thread.id == thread_id).values(assignment_reason=reason))


async def waiting(uow: UnitOfWork) -> list[Any]:
    """Every queued thread, oldest first (`thread_id`, `channel_account_id`, `inbox_id`)."""
    rows = await uow.execute(
        select(RoutingQueueEntry.thread_id, RoutingQueueEntry.channel_account_id, Thread.inbox_id)
        .join(Thread, Thread.id == RoutingQueueEntry.thread_id)
        .order_by(RoutingQueueEntry.queued_at, RoutingQueueEntry.thread_id)
    )
    return list(rows)


async def is_empty(uow: UnitOfWork) -> bool:
    return not await uow.scalar(select(exists().where(RoutingQueueEntry.thread_id.is_not(None))))


async def remove(uow: UnitOfWork, *, thread_id: int) -> bool:
    """Take a thread out of the queue; True if it was waiting."""
    result = await uow.execute(
        delete(RoutingQueueEntry)
        .where(RoutingQueueEntry.thread_id == thread_id)
        .returning(RoutingQueueEntry.thread_id)
    )
    return result.first() is not None


async def leave_unrouted(uow: UnitOfWork, *, thread_id: int) -> None:
    """Out of the queue without an assignee (closed, archived, routing turned off): its
    "Waiting: ..." reason no longer holds."""
    if await remove(uow, thread_id=thread_id):
        await uow.execute(
            update(Thread)
            .where(Thread.id == thread_id, Thread.assignee_id.is_(None))
            .values(assignment_reason=None)
        )
