"""Uploaded files: metadata here, bytes in the storage backend (a directory for now)."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, IdMixin, TimestampMixin


class File(IdMixin, TimestampMixin, Base):
    __tablename__ = "files"

    name: Mapped[str] = mapped_column(String(500))
    extension: Mapped[str] = mapped_column(String(32), default="")
    mime_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    access: Mapped[str] = mapped_column(String(64), default="PRIVATE")
    folder_path: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    uploaded_by_app_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("apps.id"), nullable=True, index=True
    )
    uploaded_by_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id"), nullable=True, index=True
    )
