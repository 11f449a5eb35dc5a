"""Bodies of the /frontdesk/v1 users, teams and inboxes endpoints."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from frontdesk.core.models import ms_to_iso


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


def user_json(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "actorId": f"A-{row.id}",
        "email": row.email,
        "name": row.name,
        "role": row.role,
        "active": row.active,
        "availability": row.availability,
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
