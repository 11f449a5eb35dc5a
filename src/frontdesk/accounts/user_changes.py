"""Changing a user: name, role, capacity, availability, and (de)activation.

Deactivation happens in the transaction that flips `active`: the user's browser sessions go,
their personal tokens are revoked, cached credentials are dropped after commit, and their open
conversations are unassigned through the conversations service (so `conversation.assigned`
fires with the reason). Nothing else is deleted: reactivating restores sign-in with the same
password (tokens stay revoked: a new one is a deliberate act).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, delete, func, or_, select, update

from frontdesk.accounts.events import UserUpdated
from frontdesk.accounts.models import User, WebSession
from frontdesk.accounts.service import ROLES
from frontdesk.apps import service as app_service
from frontdesk.apps.models import AccessToken
from frontdesk.conversations import service as conversation_service
from frontdesk.conversations.models import Thread
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, NotFound, validation_error
from frontdesk.core.events import Audience
from frontdesk.core.models import now_ms

AVAILABILITIES = ("available", "away")
ADMIN_FIELDS = ("name", "role", "capacity", "active", "availability")
SELF_FIELDS = ("name", "availability", "meeting_link")
MAX_CAPACITY = 100_000
EVENT_NAMES = {"meeting_link": "meetingLink"}  # `user.updated` speaks the API's names


def _clean(field: str, value: Any) -> Any:
    """One field's value as stored; 400 naming the field when it is wrong."""
    if field == "name":
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > 200:
            raise validation_error("name must be 1 to 200 characters", field_name="name")
        return value.strip()
    if field == "role":
        if value not in ROLES:
            raise validation_error(f"role must be one of {', '.join(ROLES)}", field_name="role")
        return value
    if field == "availability":
        if value not in AVAILABILITIES:
            raise validation_error(
                "availability must be available or away", field_name="availability"
            )
        return value
    if field == "active":
        if not isinstance(value, bool):
            raise validation_error("active must be true or false", field_name="active")
        return value
    if field == "capacity":
        return _capacity(value)
    if field == "meeting_link":
        return meeting_link(value)
    raise validation_error(f"{field} cannot be changed here", field_name=field)


def _capacity(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CAPACITY:
        raise validation_error(
            f"capacity must be a whole number from 0 to {MAX_CAPACITY}, or null (no limit)",
            field_name="capacity",
        )
    return value


def meeting_link(value: Any) -> str | None:
    """A booking page's address: absolute http(s), or None (empty clears it)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = value.strip() if isinstance(value, str) else ""
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or len(text) > 2048:
        raise validation_error(
            "The meeting link must be an http or https address, e.g. https://cal.example/you",
            field_name="meetingLink",
        )
    return text


async def _locked_user(uow: UnitOfWork, user_id: int, *, with_admins: bool) -> Any:
    # One statement, in id order, so it cannot deadlock with others that lock users in id
    # order (routing's candidates). With the active admins locked too, two admins demoting
    # each other at once are serialised: the second sees the first's change.
    condition = User.id == user_id
    if with_admins:
        condition = or_(condition, and_(User.role == "admin", User.active.is_(True)))
    await uow.execute(select(User.id).where(condition).order_by(User.id).with_for_update())
    row = (await uow.execute(select(User).where(User.id == user_id))).first()
    if row is None:
        raise NotFound("User", user_id)
    return row


async def update_user(
    uow: UnitOfWork,
    *,
    user_id: int,
    changes: dict[str, Any],
    by_user_id: int,
    allowed: tuple[str, ...] = ADMIN_FIELDS,
) -> Any:
    """Apply `changes` (only the fields in `allowed`) to a user; returns the fresh row."""
    for field in changes:
        if field not in allowed:
            raise validation_error(f"{field} cannot be changed here", field_name=field)
    cleaned = {field: _clean(field, value) for field, value in changes.items()}
    user = await _locked_user(uow, user_id, with_admins=bool({"role", "active"} & cleaned.keys()))
    diff = {f: v for f, v in cleaned.items() if getattr(user, f) != v}
    if not diff:
        return user
    loses_admin = (
        user.role == "admin"
        and user.active
        and (diff.get("role") == "agent" or diff.get("active") is False)
    )
    if loses_admin:
        field = "active" if diff.get("active") is False else "role"
        await _ensure_another_admin(uow, user_id=user_id, field_name=field)
    await uow.execute(update(User).where(User.id == user_id).values(**diff, updated_at=now_ms()))
    if diff.get("active") is False:
        await _deactivate(uow, user=user, by_user_id=by_user_id)
    if {"role", "active"} & diff.keys():
        app_service.forget_credentials(uow)
    uow.emit(
        UserUpdated(
            user_id=user_id,
            changes={EVENT_NAMES.get(f, f): v for f, v in diff.items()},
            audience=Audience(user_ids=(user_id,), admins=True),
        )
    )
    return (await uow.execute(select(User).where(User.id == user_id))).first()


async def _ensure_another_admin(uow: UnitOfWork, *, user_id: int, field_name: str) -> None:
    # The active admins are locked (`_locked_user`): this count is not raced.
    others = await uow.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == "admin", User.active.is_(True), User.id != user_id)
    )
    if not others:
        raise Conflict(
            "This is the last active admin: make another user admin first",
            field_name=field_name,
        )


async def _deactivate(uow: UnitOfWork, *, user: Any, by_user_id: int) -> None:
    await uow.execute(delete(WebSession).where(WebSession.user_id == user.id))
    await uow.execute(
        update(AccessToken)
        .where(
            AccessToken.user_id == user.id,
            AccessToken.kind == "personal",
            AccessToken.revoked_at.is_(None),
        )
        .values(revoked_at=now_ms())
    )
    open_threads = await uow.execute(
        select(Thread.id)
        .where(
            Thread.assignee_id == user.id,
            Thread.status == "OPEN",
            Thread.archived.is_(False),
        )
        .order_by(Thread.id)
    )
    by = conversation_service.Acting(actor_id=f"A-{by_user_id}", inbox_ids=None)
    reason = f"Unassigned: {user.name or user.email} was deactivated"
    for row in open_threads.all():
        await conversation_service.unassign_thread(uow, thread_id=row.id, by=by, reason=reason)
