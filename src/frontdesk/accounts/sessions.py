"""Browser sessions (DESIGN 8, "Web UI"): a random token in an HttpOnly cookie, its digest in
the database, and a per-session CSRF token the page sends back on every change."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from frontdesk.accounts.models import User, WebSession
from frontdesk.core.db import UnitOfWork
from frontdesk.core.models import now_ms
from frontdesk.core.security import new_token, token_digest

SESSION_COOKIE = "frontdesk_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class SessionOwner:
    user_id: int
    csrf_token: str
    expires_at: int


async def create_session(
    uow: UnitOfWork, *, user_id: int, ttl_s: int, user_agent: str = ""
) -> tuple[str, SessionOwner]:
    """Open a session for `user_id`; returns the cookie's token (shown once) and the session."""
    token = new_token()
    created = now_ms()
    owner = SessionOwner(user_id, secrets.token_urlsafe(32), created + ttl_s * 1000)
    await uow.execute(
        insert(WebSession).values(
            digest=token_digest(token),
            user_id=user_id,
            csrf_token=owner.csrf_token,
            created_at=created,
            expires_at=owner.expires_at,
            user_agent=user_agent[:300],
        )
    )
    return token, owner


async def resolve_session(uow: UnitOfWork, *, token: str) -> SessionOwner | None:
    """The live session of a cookie token: None when unknown, expired or the user is inactive."""
    row = (
        await uow.execute(
            select(WebSession.user_id, WebSession.csrf_token, WebSession.expires_at)
            .join(User, User.id == WebSession.user_id)
            .where(
                WebSession.digest == token_digest(token),
                WebSession.expires_at > now_ms(),
                User.active.is_(True),
            )
        )
    ).first()
    return None if row is None else SessionOwner(row.user_id, row.csrf_token, row.expires_at)


async def end_session(uow: UnitOfWork, *, token: str) -> None:
    """Sign out: the token stops working at once (cached credentials are dropped too)."""
    await uow.execute(delete(WebSession).where(WebSession.digest == token_digest(token)))
    # Expired rows of anyone go with it, so the table doesn't grow without bound.
    await uow.execute(delete(WebSession).where(WebSession.expires_at <= now_ms()))
