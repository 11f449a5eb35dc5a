"""Snippets: short reusable texts an agent inserts from the composer (issue 7).

`owner_id` NULL is a shared snippet (admins manage it, everyone uses it); otherwise it is the
personal snippet of that user, whom alone it concerns. A shortcut is unique within its owner
scope: `owner_scope` is the owner's id, 0 for shared ones (a NULL would never collide in a
unique index).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, IdMixin, TimestampMixin


class Snippet(IdMixin, TimestampMixin, Base):
    __tablename__ = "snippets"
    __table_args__ = (UniqueConstraint("owner_scope", "shortcut"),)

    name: Mapped[str] = mapped_column(String(200))
    shortcut: Mapped[str] = mapped_column(String(64))
    body_html: Mapped[str] = mapped_column(Text)  # sanitised on save
    body_text: Mapped[str] = mapped_column(Text)  # derived from the html
    owner_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    owner_scope: Mapped[int] = mapped_column(BigInteger, default=0)
