"""Accounts of an app's channel: connect one to an inbox, find, filter, rename, (de)authorize.

Channel accounts are reached through their channel: another app's channel answers 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from frontdesk.accounts.models import Inbox
from frontdesk.channels.events import ChannelAccountCreated
from frontdesk.channels.models import ChannelAccount
from frontdesk.channels.schemas import ChannelAccountCreate, DeliveryIdentifier
from frontdesk.channels.service.custom_channels import ADMINS, emit_account_updated, get_channel
from frontdesk.channels.service.paging import Page, keyset_page
from frontdesk.contacts.identifiers import normalise_identifier
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import AppError, NotFound, validation_error
from frontdesk.core.models import now_ms

Identifier = tuple[str | None, str | None]


async def create_channel_account(
    uow: UnitOfWork, *, app_id: int, channel_id: int, data: ChannelAccountCreate
) -> Any:
    """Connect an account of the app's channel to an inbox."""
    await get_channel(uow, app_id=app_id, channel_id=channel_id)
    identifier = normalised_identifier(data.deliveryIdentifier)
    await check_inbox(uow, inbox_id=data.inboxId)
    account_id = await insert_account(
        uow,
        channel_id=channel_id,
        inbox_id=data.inboxId,
        name=data.name,
        authorized=data.authorized,
        identifier=identifier,
    )
    return await _get_account_row(uow, account_id=account_id)


async def check_inbox(uow: UnitOfWork, *, inbox_id: int) -> None:
    """404 unless the inbox exists and is not archived."""
    archived = await uow.scalar(select(Inbox.archived).where(Inbox.id == inbox_id))
    if archived is None or archived:
        raise NotFound("Inbox", inbox_id, field_name="inboxId")


def normalised_identifier(identifier: DeliveryIdentifier | None) -> Identifier:
    """(type, value) as stored: the value normalised for its type; (None, None) when absent."""
    if identifier is None:
        return None, None
    return identifier.type, normalise_identifier(identifier.type, identifier.value)


async def insert_account(
    uow: UnitOfWork,
    *,
    channel_id: int,
    inbox_id: int,
    name: str,
    authorized: bool,
    identifier: Identifier,
) -> int:
    """Store a new active account and tell admins; its id."""
    now = now_ms()
    account_id: int = await uow.scalar(
        insert(ChannelAccount)
        .values(
            channel_id=channel_id,
            inbox_id=inbox_id,
            name=name,
            delivery_type=identifier[0],
            delivery_value=identifier[1],
            active=True,
            authorized=authorized,
            archived=False,
            closed_thread_policy="REOPEN",
            default_properties={},
            assignment_mode="OFF",
            assignment_targets={},
            created_at=now,
            updated_at=now,
        )
        .returning(ChannelAccount.id)
    )
    uow.emit(
        ChannelAccountCreated(
            channel_id=channel_id, channel_account_id=account_id, inbox_id=inbox_id, audience=ADMINS
        )
    )
    return account_id


async def _get_account_row(uow: UnitOfWork, *, account_id: int) -> Any:
    return (await uow.execute(select(ChannelAccount).where(ChannelAccount.id == account_id))).one()


async def get_channel_account(
    uow: UnitOfWork, *, app_id: int, channel_id: int, account_id: int, archived: bool = False
) -> Any:
    """An account of the app's channel whose archived flag equals `archived`; else 404."""
    await get_channel(uow, app_id=app_id, channel_id=channel_id)
    row = (
        await uow.execute(
            select(ChannelAccount).where(
                ChannelAccount.id == account_id,
                ChannelAccount.channel_id == channel_id,
                ChannelAccount.archived.is_(archived),
            )
        )
    ).first()
    if row is None:
        raise NotFound("Channel account", account_id, field_name="channelAccountId")
    return row


def _value_matches(value: str, types: Sequence[str]) -> ColumnElement[bool]:
    # A filter value matches itself verbatim, or the stored (normalised) form of a type it is
    # valid for, on identifiers of that type only.
    matches: list[ColumnElement[bool]] = [ChannelAccount.delivery_value == value]
    for type_ in types or ("HS_EMAIL_ADDRESS", "HS_PHONE_NUMBER"):
        try:
            normalised = normalise_identifier(type_, value)
        except AppError:
            continue  # a value invalid for this type cannot match an identifier of it
        if normalised != value:
            matches.append(
                and_(
                    ChannelAccount.delivery_type == type_,
                    ChannelAccount.delivery_value == normalised,
                )
            )
    return or_(*matches)


def identifier_conditions(types: Sequence[str], values: Sequence[str]) -> list[ColumnElement[bool]]:
    """The delivery-identifier filters: pairwise (type[i], value[i]) when both lists are given
    and equally long, else any of the types and any of the values."""
    if types and values and len(types) == len(values):
        pairs = [
            and_(ChannelAccount.delivery_type == t, _value_matches(v, [t]))
            for t, v in zip(types, values, strict=True)
        ]
        return [or_(*pairs)]
    conditions: list[ColumnElement[bool]] = []
    if types:
        conditions.append(ChannelAccount.delivery_type.in_(types))
    if values:
        conditions.append(or_(*(_value_matches(v, types) for v in values)))
    return conditions


async def list_channel_accounts(
    uow: UnitOfWork,
    *,
    app_id: int,
    channel_id: int,
    delivery_types: Sequence[str] = (),
    delivery_values: Sequence[str] = (),
    archived: bool = False,
    after: str | None = None,
    limit: int = 100,
    sort: Sequence[str] | None = None,
) -> Page:
    """The accounts of the app's channel, filtered by delivery identifier and archived flag."""
    await get_channel(uow, app_id=app_id, channel_id=channel_id)
    conditions = [
        ChannelAccount.channel_id == channel_id,
        ChannelAccount.archived.is_(archived),
        *identifier_conditions(delivery_types, delivery_values),
    ]
    return await keyset_page(uow, ChannelAccount, conditions, sort=sort, after=after, limit=limit)


async def update_channel_account(
    uow: UnitOfWork,
    *,
    app_id: int,
    channel_id: int,
    account_id: int,
    changes: dict[str, Any],
) -> Any:
    """Rename or (de)authorize an account; an event only when something changed."""
    row = await get_channel_account(
        uow, app_id=app_id, channel_id=channel_id, account_id=account_id
    )
    values: dict[str, Any] = {}
    for field_name in ("name", "authorized"):
        if field_name not in changes:
            continue
        if changes[field_name] is None:
            raise validation_error(f"{field_name} cannot be null", field_name=field_name)
        if changes[field_name] != getattr(row, field_name):
            values[field_name] = changes[field_name]
    if not values:
        return row
    await uow.execute(
        update(ChannelAccount)
        .where(ChannelAccount.id == account_id)
        .values(**values, updated_at=now_ms())
    )
    emit_account_updated(uow, channel_id=channel_id, account_id=account_id, inbox_id=row.inbox_id)
    return await _get_account_row(uow, account_id=account_id)
