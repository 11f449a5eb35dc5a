"""Events about users and teams (DESIGN 6). Audience: the user concerned (or the team's
members) and every admin. Routing listens to them to serve its queue when someone may now
take work."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from frontdesk.core.events import Event, register


@register
@dataclass(frozen=True)
class UserUpdated(Event):
    name = "user.updated"
    description = (
        "A user's name, availability, capacity, role, active flag or meeting link changed; "
        "`changes` holds the new values (ids as strings)."
    )
    user_id: int
    changes: dict[str, Any] = field(default_factory=dict)


@register
@dataclass(frozen=True)
class TeamUpdated(Event):
    name = "team.updated"
    description = (
        "A team was renamed, or members were added or removed; `changes` holds `name`, "
        "`addedUserIds` or `removedUserIds` (ids as strings). Creating a team or a user "
        "emits none: nobody new can take work yet."
    )
    team_id: int
    changes: dict[str, Any] = field(default_factory=dict)
