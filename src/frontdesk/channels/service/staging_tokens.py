"""Staging tokens (reference 4.3): an admin starts connecting a channel to an inbox, the
channel's bridge completes it and the authorized account is created."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import insert, select, update

from frontdesk.channels.events import StagingTokenCompleted
from frontdesk.channels.models import StagingToken
from frontdesk.channels.schemas import DeliveryIdentifier
from frontdesk.channels.service.accounts import check_inbox, insert_account, normalised_identifier
from frontdesk.channels.service.conversations_views import get_public_channel
from frontdesk.channels.service.custom_channels import get_channel
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, NotFound
from frontdesk.core.events import Audience
from frontdesk.core.models import now_ms
from frontdesk.core.security import new_token


async def create_staging_token(
    uow: UnitOfWork, *, channel_id: int, inbox_id: int, user_id: int, ttl_s: int = 3600
) -> str:
    """Start connecting a channel to an inbox: a single-use token the bridge completes."""
    await get_public_channel(uow, channel_id=channel_id)
    await check_inbox(uow, inbox_id=inbox_id)
    token = new_token("fdst_")
    now = now_ms()
    await uow.execute(
        insert(StagingToken).values(
            token=token,
            channel_id=channel_id,
            inbox_id=inbox_id,
            user_id=user_id,
            expires_at=now + ttl_s * 1000,
            created_at=now,
            updated_at=now,
        )
    )
    return token


async def _open_staging_token(uow: UnitOfWork, *, channel_id: int, token: str) -> Any:
    row = (
        await uow.execute(
            select(StagingToken).where(
                StagingToken.token == token, StagingToken.channel_id == channel_id
            )
        )
    ).first()
    if row is None:
        raise NotFound("Staging token", field_name="accountToken")
    # A used token answers 409 even once expired: bridges read 409 as "already connected".
    if row.used_at is not None:
        raise Conflict("This staging token was already used", field_name="accountToken")
    if row.expires_at <= now_ms():
        raise NotFound("Staging token (expired)", field_name="accountToken")
    return row


async def complete_staging_token(
    uow: UnitOfWork,
    *,
    app_id: int,
    channel_id: int,
    token: str,
    account_name: str | None,
    delivery_identifier: DeliveryIdentifier | None,
) -> Any:
    """The bridge finished the connection: create the authorized account, use up the token."""
    channel = await get_channel(uow, app_id=app_id, channel_id=channel_id)
    staged = await _open_staging_token(uow, channel_id=channel_id, token=token)
    identifier = normalised_identifier(delivery_identifier)
    await check_inbox(uow, inbox_id=staged.inbox_id)
    name = account_name or channel.name
    account_id = await insert_account(
        uow,
        channel_id=channel_id,
        inbox_id=staged.inbox_id,
        name=name,
        authorized=True,
        identifier=identifier,
    )
    # Claimed only if still unused: of two concurrent completions, one rolls back here.
    now = now_ms()
    claimed = (
        await uow.execute(
            update(StagingToken)
            .where(StagingToken.token == token, StagingToken.used_at.is_(None))
            .values(
                used_at=now,
                updated_at=now,
                channel_account_id=account_id,
                account_name=name,
                delivery_type=identifier[0],
                delivery_value=identifier[1],
            )
            .returning(StagingToken.token)
        )
    ).first()
    if claimed is None:
        raise Conflict("This staging token was already used", field_name="accountToken")
    uow.emit(
        StagingTokenCompleted(
            channel_id=channel_id,
            channel_account_id=account_id,
            inbox_id=staged.inbox_id,
            connection_id=connection_id(token),
            audience=Audience(user_ids=(staged.user_id,)),
        )
    )
    return await get_staging_token(uow, token=token)


def connection_id(token: str) -> str:
    """A public name of a connection in progress: a digest of its staging token, so the admin's
    page and its event can name it without the secret travelling in events or URLs."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


async def get_staging_token(uow: UnitOfWork, *, token: str) -> Any:
    """A staging token row (the admin UI polls it to learn when the bridge has finished)."""
    row = (await uow.execute(select(StagingToken).where(StagingToken.token == token))).first()
    if row is None:
        raise NotFound("Staging token")
    return row
