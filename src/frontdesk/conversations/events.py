"""Events about threads (DESIGN 6). Audience: the thread's inbox (plus assignees)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from frontdesk.core.events import Event, register


@register
@dataclass(frozen=True)
class ConversationCreated(Event):
    name = "conversation.created"
    description = "A new thread was created (first message of a conversation)."
    thread_id: int
    inbox_id: int
    channel_id: int
    channel_account_id: int
    contact_id: int


@register
@dataclass(frozen=True)
class ConversationUpdated(Event):
    name = "conversation.updated"
    description = "A thread's status, properties or archived flag changed; `changes` holds them."
    thread_id: int
    inbox_id: int
    changes: dict[str, Any] = field(default_factory=dict)


@register
@dataclass(frozen=True)
class ConversationAssigned(Event):
    name = "conversation.assigned"
    description = "A thread got a new assignee (or none); audience adds old and new assignee."
    thread_id: int
    inbox_id: int
    assignee_id: int | None
    previous_assignee_id: int | None
    reason: str | None = None
    actor_id: str | None = None  # who assigned: "A-<userId>", "S-routing", "I-<appId>"


@register
@dataclass(frozen=True)
class ConversationDeleted(Event):
    name = "conversation.deleted"
    description = "A thread was archived (soft-deleted)."
    thread_id: int
    inbox_id: int
