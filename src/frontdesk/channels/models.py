"""Custom channels, their accounts, and connection staging tokens (DESIGN 3, reference 3-4)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, IdMixin, TimestampMixin


class Channel(IdMixin, TimestampMixin, Base):
    __tablename__ = "channels"

    app_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("apps.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    capabilities: Mapped[dict[str, Any]] = mapped_column(JSON)
    webhook_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    connection_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    description: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    logo_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ChannelAccount(IdMixin, TimestampMixin, Base):
    __tablename__ = "channel_accounts"
    __table_args__ = (
        Index("ix_channel_accounts_delivery", "channel_id", "delivery_type", "delivery_value"),
    )

    channel_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("channels.id"), index=True)
    inbox_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("inboxes.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    delivery_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    delivery_value: Mapped[str | None] = mapped_column(String(512), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    authorized: Mapped[bool] = mapped_column(Boolean, default=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Routing (DESIGN 7): REOPEN the closed thread, or start a NEW_THREAD that takes the key.
    closed_thread_policy: Mapped[str] = mapped_column(String(16), default="REOPEN")
    default_properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    assignment_mode: Mapped[str] = mapped_column(String(16), default="OFF")
    assignment_targets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # While moved to the help desk: the inbox "back to inbox" returns the account to.
    home_inbox_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("inboxes.id"), nullable=True
    )


class StagingToken(TimestampMixin, Base):
    """An in-progress connection: created when an admin picks a channel, filled by the bridge."""

    __tablename__ = "staging_tokens"

    token: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("channels.id"), index=True)
    inbox_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("inboxes.id"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    account_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    delivery_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    delivery_value: Mapped[str | None] = mapped_column(String(512), nullable=True)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    channel_account_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
