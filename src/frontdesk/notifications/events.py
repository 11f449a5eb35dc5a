"""Events about notifications (DESIGN 6). Audience: the one user they are for."""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.core.events import Event, register


@register
@dataclass(frozen=True)
class NotificationCreated(Event):
    name = "notification.created"
    description = (
        "A notification for one user (a new message assigned to them, a new conversation, "
        "an assignment, an @mention in an internal comment)."
    )
    notification_id: int
    kind: str
    thread_id: int
    message_id: int | None
    inbox_id: int
    title: str
    body: str
    created_at: str


@register
@dataclass(frozen=True)
class NotificationsRead(Event):
    name = "notification.read"
    description = "Some of a user's notifications were marked read (`all`: every one of them)."
    notification_ids: tuple[int, ...]
    all: bool = False
