"""Events about messages (DESIGN 6). Audience: the thread's inbox."""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.core.events import Event, register


@register
@dataclass(frozen=True)
class MessageCreated(Event):
    name = "message.created"
    description = "A message or internal comment was added to a thread."
    thread_id: int
    message_id: int
    inbox_id: int
    type: str
    direction: str | None
    preview: str
    # The thread's assignee when the message was stored (lets consumers skip a lookup).
    assignee_id: int | None = None


@register
@dataclass(frozen=True)
class MessageStatusChanged(Event):
    name = "message.status_changed"
    description = "An outgoing message's delivery status changed (PENDING/SENT/FAILED/READ)."
    thread_id: int
    message_id: int
    inbox_id: int
    status: str
    error_message: str | None = None
