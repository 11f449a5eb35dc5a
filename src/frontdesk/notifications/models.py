"""Notifications and each user's notification settings (DESIGN 3)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, IdMixin, now_ms

NEW_MESSAGE_ASSIGNED = "NEW_MESSAGE_ASSIGNED"
NEW_UNASSIGNED_CONVERSATION = "NEW_UNASSIGNED_CONVERSATION"
CONVERSATION_ASSIGNED = "CONVERSATION_ASSIGNED"
MENTION = "MENTION"


class NotificationSettings(Base):
    """A user's switches; no row means every switch on (the defaults)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    new_message_assigned: Mapped[bool] = mapped_column(Boolean, default=True)
    new_unassigned_conversation: Mapped[bool] = mapped_column(Boolean, default=True)
    conversation_assigned: Mapped[bool] = mapped_column(Boolean, default=True)
    mention: Mapped[bool] = mapped_column(Boolean, default=True)
    browser: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now_ms, onupdate=now_ms)


class Notification(IdMixin, Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # A user's unread ones (the counter, "mark all read", unreadOnly pages) and all of them
        # newest first; the thread index serves "opened a conversation" and the FK cascade.
        Index("ix_notifications_user_unread", "user_id", "read_at", "id"),
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index("ix_notifications_thread_user", "thread_id", "user_id"),
    )

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    thread_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("threads.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("messages.id", ondelete="SET NULL"), nullable=True
    )
    inbox_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("inboxes.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    read_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
