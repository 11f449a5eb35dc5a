"""Apps (bridges) and the access tokens of apps and users (DESIGN 3, 8)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, IdMixin, TimestampMixin


class App(IdMixin, TimestampMixin, Base):
    __tablename__ = "apps"

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    logo_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    developer_key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # Raw, because HubSpot's signatures are HMACs keyed with it.
    client_secret: Mapped[str] = mapped_column(String(128))
    webhook_secret: Mapped[str] = mapped_column(String(128))
    # Secrets replaced by a rotation, still valid for signing until their grace period ends:
    # [{"clientSecret": ..., "webhookSecret": ..., "expiresAt": ms}]
    previous_secrets: Mapped[list[Any]] = mapped_column(JSON, default=list)


class AccessToken(IdMixin, TimestampMixin, Base):
    """A bearer token: an app's installation token or a user's personal token."""

    __tablename__ = "access_tokens"

    digest: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # app | personal
    app_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("apps.id", ondelete="CASCADE"), nullable=True, index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    scopes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    name: Mapped[str] = mapped_column(String(200), default="")
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
