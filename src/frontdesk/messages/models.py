"""Messages: customer messages, agent replies, internal comments and system entries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, IdMixin, TimestampMixin

# HubSpot's channel id for email messages in a thread: an agent's email reply (issue 7) is a
# MESSAGE of the thread with this channelId, as HubSpot shows email in a conversation. Such a
# message has no channel account, unlike every message of a custom channel, so a custom
# channel that happens to get id 1002 is never taken for email (`is_email_message`).
EMAIL_CHANNEL_ID = 1002


class Message(IdMixin, TimestampMixin, Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "idempotency_key"),
        Index("ix_messages_thread_id_id", "thread_id", "id"),
    )

    thread_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("threads.id"))
    # MESSAGE | COMMENT | ASSIGNMENT | THREAD_STATUS_CHANGE | CALL (a logged call: Frontdesk's
    # extension, extra = {outcome, durationSeconds}, text = the notes)
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


def is_email_message() -> ColumnElement[bool]:
    """The condition on `messages` of an email reply (never NULL, so it can be negated)."""
    return and_(
        func.coalesce(Message.channel_id, 0) == EMAIL_CHANNEL_ID,
        Message.channel_account_id.is_(None),
    )
