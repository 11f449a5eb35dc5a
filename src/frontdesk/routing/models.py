"""The routing queue: conversations waiting for an agent who qualifies (DESIGN 7)."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base


class RoutingQueueEntry(Base):
    """A conversation that automatic assignment could not place yet. It is assigned, oldest
    first, as soon as a member of its account's targets qualifies, and leaves the queue when
    it is assigned by anyone, closed or archived."""

    __tablename__ = "routing_queue"
    __table_args__ = (Index("ix_routing_queue_order", "queued_at", "thread_id"),)

    thread_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    channel_account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("channel_accounts.id", ondelete="CASCADE"), index=True
    )
    queued_at: Mapped[int] = mapped_column(BigInteger)
