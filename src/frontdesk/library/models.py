"""Knowledge-base articles, the document and video libraries, and the tracked links an
insertion creates (one per insertion: opens are counted per conversation)."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, IdMixin, TimestampMixin, now_ms


class Article(IdMixin, TimestampMixin, Base):
    __tablename__ = "kb_articles"

    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    body: Mapped[str] = mapped_column(Text, default="")  # sanitised rich text
    category: Mapped[str] = mapped_column(String(100), default="", index=True)
    status: Mapped[str] = mapped_column(String(16), default="DRAFT", index=True)
    author_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    published_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Document(IdMixin, TimestampMixin, Base):
    __tablename__ = "library_documents"

    name: Mapped[str] = mapped_column(String(300))
    file_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("files.id"), index=True)
    uploaded_by_user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), index=True)


class Video(IdMixin, TimestampMixin, Base):
    __tablename__ = "library_videos"

    name: Mapped[str] = mapped_column(String(300))
    file_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("files.id"), index=True)
    poster_file_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("files.id"), nullable=True
    )
    duration_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uploaded_by_user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), index=True)


class DocumentLink(IdMixin, Base):
    """A document inserted into a conversation as a link: `/d/{token}` counts its opens."""

    __tablename__ = "library_document_links"

    token: Mapped[str] = mapped_column(String(64), unique=True)
    document_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("library_documents.id", ondelete="CASCADE"), index=True
    )
    thread_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("threads.id", ondelete="CASCADE"), index=True
    )
    created_by_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    opens: Mapped[int] = mapped_column(Integer, default=0)
    last_opened_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class VideoLink(IdMixin, Base):
    """A video inserted into a conversation as a link to its public page `/v/{token}`."""

    __tablename__ = "library_video_links"

    token: Mapped[str] = mapped_column(String(64), unique=True)
    video_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("library_videos.id", ondelete="CASCADE"), index=True
    )
    thread_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("threads.id", ondelete="CASCADE"), index=True
    )
    created_by_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    opens: Mapped[int] = mapped_column(Integer, default=0)
    last_opened_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=now_ms)
