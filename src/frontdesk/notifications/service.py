"""Notifications: create them (with their event), list them, mark them read; each user's
settings (no row: every switch on)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update

from frontdesk.core.db import UnitOfWork, insert_or_ignore
from frontdesk.core.events import Audience
from frontdesk.core.models import ms_to_iso, now_ms
from frontdesk.notifications.events import NotificationCreated, NotificationsRead
from frontdesk.notifications.models import Notification, NotificationSettings

TITLE_CHARS = 300
BODY_CHARS = 300
SETTING_NAMES = (
    "enabled",
    "new_message_assigned",
    "new_unassigned_conversation",
    "conversation_assigned",
    "mention",
    "browser",
)


@dataclass(frozen=True)
class Preferences:
    enabled: bool = True
    new_message_assigned: bool = True
    new_unassigned_conversation: bool = True
    conversation_assigned: bool = True
    mention: bool = True
    browser: bool = True


@dataclass(frozen=True)
class NewNotification:
    """What a notification says, the same for every user it goes to."""

    kind: str
    thread_id: int
    message_id: int | None
    inbox_id: int
    title: str
    body: str


_SETTINGS = select(*(getattr(NotificationSettings, n) for n in SETTING_NAMES)).where(
    NotificationSettings.user_id == bindparam("user_id")
)
_UNREAD_COUNT = (
    select(func.count())
    .select_from(Notification)
    .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
)


async def get_settings(uow: UnitOfWork, *, user_id: int) -> Preferences:
    """The user's notification settings (the defaults when never changed)."""
    row = (await uow.execute(_SETTINGS, {"user_id": user_id})).first()
    return Preferences() if row is None else Preferences(**row._mapping)


async def update_settings(
    uow: UnitOfWork, *, user_id: int, changes: dict[str, bool]
) -> Preferences:
    """Change some of the user's switches (names as in SETTING_NAMES); the rest stay."""
    unknown = set(changes) - set(SETTING_NAMES)
    if unknown:
        raise ValueError(f"unknown notification settings: {sorted(unknown)}")
    # Insert the defaults first: a concurrent first change then updates the same row.
    await uow.execute(
        insert_or_ignore(uow.dialect, NotificationSettings, conflict=("user_id",)),
        {"user_id": user_id, **asdict(Preferences()), "updated_at": now_ms()},
    )
    if changes:
        await uow.execute(
            update(NotificationSettings)
            .where(NotificationSettings.user_id == user_id)
            .values(**changes, updated_at=now_ms())
        )
    return await get_settings(uow, user_id=user_id)


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def create_notifications(
    uow: UnitOfWork, *, user_ids: Sequence[int], notification: NewNotification
) -> list[int]:
    """One notification per user, each announced to that user alone (`notification.created`).
    The caller has checked that each user wants it."""
    created = now_ms()
    title = clip(notification.title, TITLE_CHARS)
    body = clip(notification.body, BODY_CHARS)
    values = {
        "kind": notification.kind,
        "thread_id": notification.thread_id,
        "message_id": notification.message_id,
        "inbox_id": notification.inbox_id,
        "title": title,
        "body": body,
        "created_at": created,
    }
    if not user_ids:
        return []
    # One statement for every recipient (a new conversation may notify a whole team).
    rows = [{**values, "user_id": user_id, "read_at": None} for user_id in user_ids]
    result = await uow.execute(_INSERT, rows)
    ids = [int(row[0]) for row in result.all()]
    for user_id, notification_id in zip(user_ids, ids, strict=True):
        uow.emit(
            NotificationCreated(
                notification_id=notification_id,
                kind=notification.kind,
                thread_id=notification.thread_id,
                message_id=notification.message_id,
                inbox_id=notification.inbox_id,
                title=title,
                body=body,
                created_at=ms_to_iso(created) or "",
                audience=Audience(user_ids=(user_id,)),
            )
        )
    return ids


_INSERT = insert(Notification).returning(Notification.id, sort_by_parameter_order=True)


@dataclass(frozen=True)
class NotificationPage:
    rows: list[Any]
    next_after_id: int | None
    unread_count: int


async def list_notifications(
    uow: UnitOfWork, *, user_id: int, unread_only: bool, after_id: int | None, limit: int
) -> NotificationPage:
    """The user's notifications, newest first, after the id a previous page ended at."""
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if after_id is not None:
        query = query.where(Notification.id < after_id)
    rows = list((await uow.execute(query.order_by(Notification.id.desc()).limit(limit + 1))).all())
    next_after = rows[limit - 1].id if len(rows) > limit else None
    return NotificationPage(rows[:limit], next_after, await count_unread(uow, user_id=user_id))


async def count_unread(uow: UnitOfWork, *, user_id: int) -> int:
    """How many of the user's notifications are unread (the in-app counter)."""
    return int(await uow.scalar(_UNREAD_COUNT, {"user_id": user_id}))


async def mark_read(
    uow: UnitOfWork,
    *,
    user_id: int,
    ids: Sequence[int] | None = None,
    thread_id: int | None = None,
    everything: bool = False,
) -> int:
    """Mark the user's unread notifications read: those of `ids`, those of `thread_id`, or
    all of them. Other users' ids are ignored. Emits `notification.read` when any changed."""
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    elif thread_id is not None:
        query = query.where(Notification.thread_id == thread_id)
    elif not everything:
        raise ValueError("name ids, a thread_id, or everything")
    marked = [
        r.id for r in await uow.execute(query.values(read_at=now_ms()).returning(Notification.id))
    ]
    if marked:
        uow.emit(
            NotificationsRead(
                notification_ids=() if everything else tuple(sorted(marked)),
                all=everything,
                audience=Audience(user_ids=(user_id,)),
            )
        )
    return len(marked)


async def mark_thread_notifications_read(uow: UnitOfWork, *, user_id: int, thread_id: int) -> int:
    """The user opened the conversation: its notifications for them are read now."""
    return await mark_read(uow, user_id=user_id, thread_id=thread_id)
