"""The Conversations API's read-only views (reference 7.2, 7.3): every app's channels, and the
channel accounts of the inboxes the caller sees."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from frontdesk.channels.models import Channel, ChannelAccount
from frontdesk.channels.service.paging import Page, keyset_page
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound


async def list_public_channels(
    uow: UnitOfWork,
    *,
    after: str | None = None,
    limit: int = 100,
    sort: Sequence[str] | None = None,
) -> Page:
    """Every custom channel that is not archived, of every app."""
    conditions = [Channel.archived.is_(False)]
    return await keyset_page(uow, Channel, conditions, sort=sort, after=after, limit=limit)


async def get_public_channel(uow: UnitOfWork, *, channel_id: int) -> Any:
    """A custom channel of any app that is not archived."""
    row = (
        await uow.execute(
            select(Channel).where(Channel.id == channel_id, Channel.archived.is_(False))
        )
    ).first()
    if row is None:
        raise NotFound("Channel", channel_id, field_name="channelId")
    return row


async def list_visible_channel_accounts(
    uow: UnitOfWork,
    *,
    visible_inbox_ids: frozenset[int] | None,
    channel_ids: Sequence[int] = (),
    inbox_ids: Sequence[int] = (),
    archived: bool = False,
    after: str | None = None,
    limit: int = 100,
    sort: Sequence[str] | None = None,
) -> Page:
    """Channel accounts of every channel, limited to the inboxes the caller sees (None: all)."""
    conditions = [ChannelAccount.archived.is_(archived)]
    if channel_ids:
        conditions.append(ChannelAccount.channel_id.in_(channel_ids))
    if inbox_ids:
        conditions.append(ChannelAccount.inbox_id.in_(inbox_ids))
    if visible_inbox_ids is not None:
        conditions.append(ChannelAccount.inbox_id.in_(visible_inbox_ids))
    return await keyset_page(uow, ChannelAccount, conditions, sort=sort, after=after, limit=limit)


async def get_visible_channel_account(
    uow: UnitOfWork,
    *,
    account_id: int,
    visible_inbox_ids: frozenset[int] | None,
    archived: bool = False,
) -> Any:
    """One channel account of any channel, if its inbox is visible to the caller."""
    row = (
        await uow.execute(
            select(ChannelAccount).where(
                ChannelAccount.id == account_id, ChannelAccount.archived.is_(archived)
            )
        )
    ).first()
    if row is None or (visible_inbox_ids is not None and row.inbox_id not in visible_inbox_ids):
        raise NotFound("Channel account", account_id, field_name="channelAccountId")
    return row
