"""Bodies of /frontdesk/v1/me/notification-settings and /frontdesk/v1/notifications."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from frontdesk.core.models import INT64_MAX, ms_to_iso

MAX_IDS = 500


class NotificationSettingsRead(BaseModel):
    """Every switch; `enabled` is the master switch, `browser` false means in-app only."""

    enabled: bool
    newMessageAssigned: bool
    newUnassignedConversation: bool
    conversationAssigned: bool
    mention: bool
    browser: bool


class NotificationSettingsUpdate(BaseModel):
    """A partial update: only the switches given change (booleans only, no other keys)."""

    model_config = ConfigDict(extra="forbid")

    enabled: StrictBool = True
    newMessageAssigned: StrictBool = True
    newUnassignedConversation: StrictBool = True
    conversationAssigned: StrictBool = True
    mention: StrictBool = True
    browser: StrictBool = True

    def changes(self) -> dict[str, bool]:
        """The given switches under their column names."""
        return {_SNAKE[name]: getattr(self, name) for name in self.model_fields_set}


_SNAKE = {
    "enabled": "enabled",
    "newMessageAssigned": "new_message_assigned",
    "newUnassignedConversation": "new_unassigned_conversation",
    "conversationAssigned": "conversation_assigned",
    "mention": "mention",
    "browser": "browser",
}


def settings_json(preferences: Any) -> dict[str, bool]:
    return {camel: bool(getattr(preferences, snake)) for camel, snake in _SNAKE.items()}


class MarkRead(BaseModel):
    """Exactly one of: `ids` (of the caller's notifications), `threadId`, `all: true`."""

    model_config = ConfigDict(extra="forbid")

    ids: list[str] | None = Field(default=None, max_length=MAX_IDS)
    threadId: str | None = None
    all: StrictBool | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> MarkRead:
        given = [name for name in ("ids", "threadId", "all") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("send exactly one of ids, threadId or all")
        if self.all is False:
            raise ValueError("all must be true")
        for value in (*(self.ids or ()), *([self.threadId] if self.threadId else [])):
            if not value.isascii() or not value.isdigit() or not 0 < int(value) <= INT64_MAX:
                raise ValueError(f"{value!r} is not an id")
        return self


def notification_json(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "kind": row.kind,
        "threadId": str(row.thread_id),
        "messageId": None if row.message_id is None else str(row.message_id),
        "inboxId": str(row.inbox_id),
        "title": row.title,
        "body": row.body,
        "createdAt": ms_to_iso(row.created_at),
        "readAt": ms_to_iso(row.read_at),
    }
