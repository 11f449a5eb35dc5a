"""An app's own custom channels: register, read, list, update and archive them.

A channel belongs to one app; another app's channel, or an archived one, does not exist as far
as the custom-channel API is concerned (404).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, update

from frontdesk.channels.capabilities import parse_capabilities
from frontdesk.channels.events import ChannelAccountUpdated
from frontdesk.channels.models import Channel, ChannelAccount
from frontdesk.channels.schemas import CHANNEL_COLUMNS, ChannelCreate
from frontdesk.channels.service.conversations_views import get_public_channel
from frontdesk.channels.service.paging import Page, keyset_page
from frontdesk.core import http
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound, validation_error
from frontdesk.core.events import Audience
from frontdesk.core.models import now_ms

ADMINS = Audience(admins=True)


async def create_channel(uow: UnitOfWork, *, app_id: int, data: ChannelCreate) -> Any:
    """Register a custom channel for an app."""
    capabilities = parse_capabilities(data.capabilities)
    now = now_ms()
    channel_id = await uow.scalar(
        insert(Channel)
        .values(
            app_id=app_id,
            name=data.name,
            capabilities=capabilities,
            webhook_url=data.webhookUrl,
            connection_url=data.channelAccountConnectionRedirectUrl,
            description=data.channelDescription,
            logo_url=data.channelLogoUrl,
            archived=False,
            created_at=now,
            updated_at=now,
        )
        .returning(Channel.id)
    )
    return await get_channel(uow, app_id=app_id, channel_id=channel_id)


async def get_channel(uow: UnitOfWork, *, app_id: int, channel_id: int) -> Any:
    """The app's channel; 404 when it is another app's, archived or unknown."""
    row = await get_public_channel(uow, channel_id=channel_id)
    if row.app_id != app_id:
        raise NotFound("Channel", channel_id, field_name="channelId")
    return row


async def list_channels(
    uow: UnitOfWork,
    *,
    app_id: int,
    after: str | None = None,
    limit: int = 100,
    sort: Sequence[str] | None = None,
) -> Page:
    """The app's channels that are not archived."""
    conditions = [Channel.app_id == app_id, Channel.archived.is_(False)]
    return await keyset_page(uow, Channel, conditions, sort=sort, after=after, limit=limit)


async def update_channel(
    uow: UnitOfWork, *, app_id: int, channel_id: int, changes: dict[str, Any]
) -> Any:
    """Apply a partial update: the fields present in `changes` (API names), capabilities whole."""
    await get_channel(uow, app_id=app_id, channel_id=channel_id)
    values: dict[str, Any] = {}
    for field_name, value in changes.items():
        if field_name not in CHANNEL_COLUMNS:
            continue
        if value is None and field_name in ("name", "capabilities"):
            raise validation_error(f"{field_name} cannot be null", field_name=field_name)
        if field_name == "capabilities":
            value = parse_capabilities(value)
        values[CHANNEL_COLUMNS[field_name]] = value
    if values:
        values["updated_at"] = now_ms()
        await uow.execute(update(Channel).where(Channel.id == channel_id).values(**values))
    return await get_channel(uow, app_id=app_id, channel_id=channel_id)


async def archive_channel(uow: UnitOfWork, *, app_id: int, channel_id: int) -> None:
    """Archive a channel; its accounts become inactive, their threads stay readable."""
    await get_channel(uow, app_id=app_id, channel_id=channel_id)
    now = now_ms()
    await uow.execute(
        update(Channel)
        .where(Channel.id == channel_id)
        .values(archived=True, archived_at=now, updated_at=now)
    )
    accounts = (
        await uow.execute(
            update(ChannelAccount)
            .where(ChannelAccount.channel_id == channel_id, ChannelAccount.active.is_(True))
            .values(active=False, updated_at=now)
            .returning(ChannelAccount.id, ChannelAccount.inbox_id)
        )
    ).all()
    for account in accounts:
        emit_account_updated(
            uow, channel_id=channel_id, account_id=account.id, inbox_id=account.inbox_id
        )


def emit_account_updated(
    uow: UnitOfWork, *, channel_id: int, account_id: int, inbox_id: int
) -> None:
    """Tell admins a channel account changed (renamed, (de)authorized, deactivated)."""
    uow.emit(
        ChannelAccountUpdated(
            channel_id=channel_id,
            channel_account_id=account_id,
            inbox_id=inbox_id,
            audience=ADMINS,
        )
    )


async def check_webhook_url(url: str | None, *, allow_private: bool) -> None:
    """Refuse a webhook URL on a loopback, private, link-local or metadata address (SSRF),
    unless allowed by configuration; deliveries check again at connect time."""
    if url is None:
        return
    problem = await http.check_target(url, allow_private=allow_private)
    if problem:
        raise validation_error(f"webhookUrl {problem}", field_name="webhookUrl")


def webhook_target(channel_id: int) -> str:
    """The job runner's endpoint key for a channel's webhook: concurrency limits and the
    circuit breaker apply per channel."""
    return f"channel:{channel_id}"
