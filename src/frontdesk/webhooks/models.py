"""An app's webhook settings (target URL, throttling) and its event subscriptions
(reference 1.5, 8)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, IdMixin, TimestampMixin


class WebhookSettings(IdMixin, TimestampMixin, Base):
    """Where an app's subscription events go; at most one row per app."""

    __tablename__ = "webhook_settings"

    app_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("apps.id", ondelete="CASCADE"), unique=True
    )
    target_url: Mapped[str] = mapped_column(String(2048))
    max_concurrent_requests: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(32))


class WebhookSubscription(IdMixin, TimestampMixin, Base):
    """One `eventType` (and, for property changes, optionally one `propertyName`) an app
    wants; `property_name` is "" when none is set, so the unique key also covers that case."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (UniqueConstraint("app_id", "event_type", "property_name"),)

    app_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("apps.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(64))
    property_name: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=False)
