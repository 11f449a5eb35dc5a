"""Users, teams and inboxes (DESIGN 3). A user sees the inboxes of their teams; admins all."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, IdMixin, TimestampMixin


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16), default="agent")  # agent | admin
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    availability: Mapped[str] = mapped_column(String(16), default="available")
    # Presence (DESIGN 7): renewed while a browser of the user holds the event stream.
    last_seen_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Automatic assignment: at most this many open assigned conversations (None: no limit),
    # and ties between equally loaded agents go to the one assigned longest ago.
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_assigned_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    avatar_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    # The user's booking page (http/https), offered by the composer's insert menu.
    meeting_link: Mapped[str | None] = mapped_column(String(2048), nullable=True)


class Team(IdMixin, TimestampMixin, Base):
    __tablename__ = "teams"

    name: Mapped[str] = mapped_column(String(200), unique=True)


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Inbox(IdMixin, TimestampMixin, Base):
    __tablename__ = "inboxes"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="INBOX")  # INBOX | HELP_DESK
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class InboxTeam(Base):
    __tablename__ = "inbox_teams"

    inbox_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("inboxes.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class WebSession(IdMixin, Base):
    """A signed-in browser. The cookie holds a random token; we keep only its digest."""

    __tablename__ = "web_sessions"

    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Sent back by the page in a header or form field on every change (synchronizer token).
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
