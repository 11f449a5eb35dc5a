"""Events about contacts (DESIGN 6). Audience: the inboxes of the contact's threads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from frontdesk.core.events import Event, register


@register
@dataclass(frozen=True)
class ContactUpdated(Event):
    name = "contact.updated"
    description = "A contact's owner, name, email or phone changed; `changes` holds the new values."
    contact_id: int
    changes: dict[str, Any] = field(default_factory=dict)
