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
        # The agents' inbox views (conversations/inbox_views.py). Each view lists newest
        # activity first straight off one of these (equality columns, then latest_message_at,
        # id), stopping after a page instead of sorting. The trailing columns let the other
        # filters (inbox, assignee, channel) be checked on index entries without reading the
        # row, so a view is fast whichever index SQLite picks (it has no statistics).
        Index(
            "ix_threads_view_status",
            "status",
            "archived",
            "latest_message_at",
            "id",
            "inbox_id",
            "assignee_id",
            "channel_id",
        ),
        Index(
            "ix_threads_view_assignee",
            "assignee_id",
            "status",
            "archived",
            "latest_message_at",
            "id",
            "inbox_id",
        ),
        Index(
            "ix_threads_view_channel",
            "channel_id",
            "status",
            "archived",
            "latest_message_at",
            "id",
            "inbox_id",
        ),
        Index(
            "ix_threads_view_inbox",
            "inbox_id",
            "status",
            "archived",
            "latest_message_at",
            "id",
            "assignee_id",
            "channel_id",
        ),
        # Covers the views' counts (no row read). Without latest_message_at, so publishing a
        # message leaves its entries alone.
        Index(
            "ix_threads_view_counts", "archived", "status", "inbox_id", "channel_id", "assignee_id"
        ),
    )

    inbox_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("inboxes.id"))
    channel_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("channels.id"))
    channel_account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("channel_accounts.id"), index=True
    )
    contact_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("contacts.id"))
    assignee_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id"), nullable=True
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
    # The newest MESSAGE or COMMENT (system entries do not count), kept by every path that
    # adds one: the inbox list shows its preview and compares its id with read states.
    last_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_message_preview: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # Help desk: when the first agent reply (an outgoing MESSAGE) was written; set once, in the
    # reply's transaction (helpdesk/service.py). Response time = first_response_at - created_at.
    first_response_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


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
