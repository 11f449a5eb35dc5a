"""Messages: customer messages, agent replies, internal comments and system entries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, IdMixin, TimestampMixin


class Message(IdMixin, TimestampMixin, Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "idempotency_key"),
        Index("ix_messages_thread_id_id", "thread_id", "id"),
    )

    thread_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("threads.id"))
    # MESSAGE | COMMENT | ASSIGNMENT | THREAD_STATUS_CHANGE
    type: Mapped[str] = mapped_column(String(32), default="MESSAGE")
    direction: Mapped[str | None] = mapped_column(String(8), nullable=True)
    channel_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    channel_account_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    senders: Mapped[list[Any]] = mapped_column(JSON, default=list)
    recipients: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    rich_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    subject: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    has_attachments: Mapped[bool] = mapped_column(Boolean, default=False)
    # RECEIVED (incoming) | PENDING | SENT | FAILED | READ (outgoing); NULL for comments
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    failure_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    client_type: Mapped[str] = mapped_column(String(16), default="HUBSPOT")
    integration_app_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    in_reply_to_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class MessageFile(Base):
    """Which files a message carries: lets file access follow thread visibility."""

    __tablename__ = "message_files"

    message_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    file_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("files.id"), primary_key=True)
