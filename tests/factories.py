"""Typed factories that set up data through the real services (Zulip style)."""

from __future__ import annotations

import uuid

from frontdesk.accounts import service as account_service
from frontdesk.apps import service as app_service
from frontdesk.core.db import Database


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def create_user(
    db: Database,
    *,
    email: str | None = None,
    role: str = "agent",
    teams: list[str] | None = None,
    name: str = "",
) -> int:
    """A user without a password (tests authenticate with personal tokens)."""
    async with db.transaction() as uow:
        return await account_service.create_user(
            uow,
            email=email or f"{unique('user')}@example.com",
            password_hash=None,
            name=name,
            role=role,
            team_names=teams,
        )


async def create_team(db: Database, *, name: str | None = None) -> str:
    name = name or unique("team")
    async with db.transaction() as uow:
        await account_service.create_team(uow, name=name)
    return name


async def create_inbox(
    db: Database, *, name: str | None = None, teams: list[str] | None = None
) -> int:
    async with db.transaction() as uow:
        return await account_service.create_inbox(
            uow, name=name or unique("inbox"), team_names=teams
        )


async def create_app(
    db: Database, *, name: str | None = None, scopes: list[str] | None = None
) -> app_service.CreatedApp:
    async with db.transaction() as uow:
        return await app_service.create_app(uow, name=name or unique("app"), scopes=scopes)


async def create_personal_token(
    db: Database, *, user_id: int, scopes: list[str] | None = None
) -> str:
    async with db.transaction() as uow:
        return await app_service.create_token(
            uow,
            kind="personal",
            user_id=user_id,
            scopes=list(scopes or app_service.PERSONAL_SCOPES),
        )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
