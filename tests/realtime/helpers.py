"""Producing events the way services do (uow.emit of real event classes) and reading the log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from frontdesk.channels.events import ChannelAccountUpdated
from frontdesk.conversations.events import ConversationAssigned, ConversationUpdated
from frontdesk.core.db import Database
from frontdesk.core.events import Audience, EventRow


async def emit_inbox_events(
    db: Database, *, inbox_id: int, commits: int = 1, per_commit: int = 1
) -> None:
    """`commits` transactions of `per_commit` conversation.updated events for one inbox."""
    for c in range(commits):
        async with db.transaction() as uow:
            for e in range(per_commit):
                uow.emit(
                    ConversationUpdated(
                        thread_id=c * per_commit + e + 1,
                        inbox_id=inbox_id,
                        changes={"status": "CLOSED"},
                        audience=Audience(inbox_id=inbox_id),
                    )
                )


async def emit_admin_event(db: Database) -> None:
    async with db.transaction() as uow:
        uow.emit(
            ChannelAccountUpdated(
                channel_id=1, channel_account_id=2, inbox_id=3, audience=Audience(admins=True)
            )
        )


async def emit_user_event(db: Database, *, user_id: int) -> None:
    """An event for one user only (no inbox audience), e.g. a notification."""
    async with db.transaction() as uow:
        uow.emit(
            ConversationAssigned(
                thread_id=1,
                inbox_id=1,
                assignee_id=user_id,
                previous_assignee_id=None,
                audience=Audience(user_ids=(user_id,)),
            )
        )


async def logged_events(db: Database, *, after_id: int = 0) -> list[Any]:
    """The event log's rows after `after_id`, oldest first."""
    async with db.read() as uow:
        result = await uow.execute(
            select(EventRow.id, EventRow.name, EventRow.payload, EventRow.inbox_id)
            .where(EventRow.id > after_id)
            .order_by(EventRow.id)
        )
        return list(result)
