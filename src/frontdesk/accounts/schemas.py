"""Bodies of the /frontdesk/v1 users, teams and inboxes endpoints."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.core.errors import validation_error
from frontdesk.core.models import INT64_MAX, ms_to_iso


class UserCreate(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(min_length=8, max_length=1024)
    name: str = Field(default="", max_length=200)
    role: Literal["agent", "admin"] = "agent"
    teams: list[str] = Field(default_factory=list)


class TeamCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class TeamMemberAdd(BaseModel):
    userId: str


class InboxCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    type: Literal["INBOX", "HELP_DESK"] = "INBOX"
    teams: list[str] = Field(default_factory=list)


class MeUpdate(BaseModel):
    """What every user may change about themself."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    availability: Literal["available", "away"] | None = None
    meetingLink: str | None = Field(
        default=None, max_length=2048, description="Your booking page (http/https); null clears"
    )


class UserUpdate(BaseModel):
    """What admins change about a user; `active: false` deactivates, `capacity: null` lifts
    the limit. Fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    role: Literal["agent", "admin"] | None = None
    capacity: int | None = Field(default=None, ge=0, le=100_000)
    active: bool | None = None
    availability: Literal["available", "away"] | None = None


class TeamUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)


class InboxUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    type: Literal["INBOX", "HELP_DESK"] | None = None


class InboxTeamsSet(BaseModel):
    teamIds: list[str | int] = Field(max_length=1000)


def parse_ids(values: list[str | int], *, field_name: str) -> list[int]:
    """Ids as the API spells them (strings, ints accepted) -> ints; 400 naming the field."""
    ids = []
    for value in values:
        text = str(value).strip()
        if not re.fullmatch(r"[0-9]{1,19}", text) or not 0 < int(text) <= INT64_MAX:
            raise validation_error(f"{value!r} is not an id", field_name=field_name)
        ids.append(int(text))
    return ids


def user_json(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "actorId": f"A-{row.id}",
        "email": row.email,
        "name": row.name,
        "role": row.role,
        "active": row.active,
        "availability": row.availability,
        "capacity": row.capacity,
        "meetingLink": row.meeting_link,
        "createdAt": ms_to_iso(row.created_at),
    }


def team_json(row: Any, member_ids: list[int]) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "memberIds": [str(m) for m in member_ids],
        "createdAt": ms_to_iso(row.created_at),
    }


def inbox_json(row: Any, team_ids: list[int]) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "type": row.kind,
        "teamIds": [str(t) for t in team_ids],
        "archived": row.archived,
        "createdAt": ms_to_iso(row.created_at),
    }
