"""Typed factories that set up data through the real services (Zulip style)."""

from __future__ import annotations

import uuid

from frontdesk.accounts import service as account_service
from frontdesk.apps import service as app_service
from frontdesk.core.db import Database

PASSWORD = "correct-horse-battery-staple"  # of users who sign in to the web UI in tests


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


DEFAULT_CAPABILITIES: dict[str, object] = {
    "deliveryIdentifierTypes": ["HS_PHONE_NUMBER", "CHANNEL_SPECIFIC_OPAQUE_ID"],
    "threadingModel": "INTEGRATION_THREAD_ID",
    "richText": ["BOLD", "ITALIC", "HYPERLINK"],
    "allowInlineImages": False,
    "allowOutgoingMessages": True,
    "outgoingAttachmentTypes": ["FILE"],
    "maxFileAttachmentCount": 3,
    "maxFileAttachmentSizeBytes": 5_000_000,
}


async def create_channel_row(
    db: Database,
    *,
    app_id: int,
    name: str | None = None,
    capabilities: dict[str, object] | None = None,
    webhook_url: str | None = "http://127.0.0.1:9/webhook",
) -> int:
    """A custom channel row (inserted directly; the channels API has its own tests)."""
    from sqlalchemy import insert

    from frontdesk.channels.models import Channel
    from frontdesk.core.models import now_ms

    now = now_ms()
    async with db.transaction() as uow:
        channel_id: int = await uow.scalar(
            insert(Channel)
            .values(
                app_id=app_id,
                name=name or unique("channel"),
                capabilities=capabilities or DEFAULT_CAPABILITIES,
                webhook_url=webhook_url,
                archived=False,
                created_at=now,
                updated_at=now,
            )
            .returning(Channel.id)
        )
    return channel_id


async def create_channel_account_row(
    db: Database,
    *,
    channel_id: int,
    inbox_id: int,
    name: str | None = None,
    delivery_type: str | None = "HS_PHONE_NUMBER",
    delivery_value: str | None = "+15557654321",
    closed_thread_policy: str = "REOPEN",
) -> int:
    """A channel account row (inserted directly)."""
    from sqlalchemy import insert

    from frontdesk.channels.models import ChannelAccount
    from frontdesk.core.models import now_ms

    now = now_ms()
    async with db.transaction() as uow:
        account_id: int = await uow.scalar(
            insert(ChannelAccount)
            .values(
                channel_id=channel_id,
                inbox_id=inbox_id,
                name=name or unique("account"),
                delivery_type=delivery_type,
                delivery_value=delivery_value,
                active=True,
                authorized=True,
                archived=False,
                closed_thread_policy=closed_thread_policy,
                default_properties={},
                assignment_mode="OFF",
                assignment_targets={},
                created_at=now,
                updated_at=now,
            )
            .returning(ChannelAccount.id)
        )
    return account_id
