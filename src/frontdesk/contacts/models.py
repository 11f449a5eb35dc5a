"""Contacts and the identities that find them (DESIGN 3).

Email and phone identities are global; a CHANNEL_SPECIFIC_OPAQUE_ID means nothing outside its
channel, so its `channel_scope` is the channel id (0 for global identities: a NULL would never
collide in a unique index).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, IdMixin, TimestampMixin


class Contact(IdMixin, TimestampMixin, Base):
    __tablename__ = "contacts"

    name: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str | None] = mapped_column(String(320), nullable=True, index=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    owner_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ContactIdentity(IdMixin, Base):
    __tablename__ = "contact_identities"
    __table_args__ = (UniqueConstraint("type", "value", "channel_scope"),)

    contact_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(512))
    channel_scope: Mapped[int] = mapped_column(BigInteger, default=0)
