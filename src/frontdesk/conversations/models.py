"""Threads, the keys that route messages to them, and per-user read state (DESIGN 3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, IdMixin, TimestampMixin


class Thread(IdMixin, TimestampMixin, Base):
    __tablename__ = "threads"
    __table_args__ = (
        Index("ix_threads_inbox_id_id", "inbox_id", "id"),
        Index("ix_threads_latest", "latest_message_at", "id"),
        Index("ix_threads_contact_status", "contact_id", "status", "id"),
    )

    inbox_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("inboxes.id"))
    channel_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("channels.id"), index=True)
    channel_account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("channel_accounts.id"), index=True
    )
    contact_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("contacts.id"))
    assignee_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id"), nullable=True, index=True
    )
    assignment_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    assigned_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    status: Mapped[str] = mapped_column(String(8), default="OPEN")
    closed_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    latest_message_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    latest_sent_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    latest_received_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    spam: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ThreadKey(IdMixin, Base):
    """The thread currently answering to a key; unique, so concurrent first messages share one
    thread, and re-pointed when a new thread takes over the key."""

    __tablename__ = "thread_keys"
    __table_args__ = (UniqueConstraint("channel_account_id", "key_kind", "key"),)

    channel_account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("channel_accounts.id"))
    key_kind: Mapped[str] = mapped_column(String(32))  # INTEGRATION_THREAD_ID | DELIVERY_IDENTIFIER
    key: Mapped[str] = mapped_column(String(600))
    thread_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("threads.id"), index=True)


class ThreadIntegrationId(Base):
    """Every integration thread id a thread has answered to (`channelIntegrationThreadIds`)."""

    __tablename__ = "thread_integration_ids"

    thread_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    integration_thread_id: Mapped[str] = mapped_column(String(512), primary_key=True)


class ThreadReadState(Base):
    __tablename__ = "thread_read_states"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    last_read_message_id: Mapped[int] = mapped_column(BigInteger)
