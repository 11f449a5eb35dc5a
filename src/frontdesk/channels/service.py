"""Custom channels, channel accounts and staging tokens (reference 3, 4, 7.2, 7.3).

A channel belongs to one app; another app's channel, or an archived one, does not exist as far
as the custom-channel API is concerned (404). Channel accounts are reached through their channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from frontdesk.accounts.models import Inbox
from frontdesk.channels.capabilities import parse_capabilities
from frontdesk.channels.events import ChannelAccountCreated, ChannelAccountUpdated
from frontdesk.channels.models import Channel, ChannelAccount, StagingToken
from frontdesk.channels.schemas import (
    CHANNEL_COLUMNS,
    MAX_ID,
    ChannelAccountCreate,
    ChannelCreate,
    DeliveryIdentifier,
)
from frontdesk.contacts.identifiers import normalise_identifier
from frontdesk.core import http
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import AppError, Conflict, NotFound, validation_error
from frontdesk.core.events import Audience
from frontdesk.core.models import now_ms
from frontdesk.core.pagination import check_limit, decode_cursor
from frontdesk.core.security import new_token

SORTS = ("id", "-id", "createdAt", "-createdAt")
ADMINS = Audience(admins=True)


# --- paging -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of rows, the total of all matching rows, and the cursor of the next page."""

    rows: list[Any]
    total: int
    next_cursor: list[int] | None


def page_size(limit: int | None, default_page_length: int | None) -> int:
    """`limit`, else `defaultPageLength` (its name says what it is), else the default."""
    if limit is None and default_page_length is not None:
        try:
            return check_limit(default_page_length)
        except AppError as exc:
            raise validation_error(
                "defaultPageLength is out of range", field_name="defaultPageLength"
            ) from exc
    return check_limit(limit)


def _sort_key(sort: Sequence[str] | None) -> tuple[str, bool]:
    chosen = list(sort or ["id"])
    if len(chosen) != 1 or chosen[0] not in SORTS:
        raise validation_error(f"sort must be one of {', '.join(SORTS)}", field_name="sort")
    return chosen[0].lstrip("-"), chosen[0].startswith("-")


def _cursor(after: str | None) -> tuple[int, int] | None:
    value = decode_cursor(after)
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(
            isinstance(v, int) and not isinstance(v, bool) and abs(v) <= MAX_ID for v in value
        )
    ):
        raise validation_error("Invalid paging cursor", field_name="after")
    return value[0], value[1]


async def _keyset_page(
    uow: UnitOfWork,
    model: type[Channel] | type[ChannelAccount],
    conditions: Sequence[ColumnElement[bool]],
    *,
    sort: Sequence[str] | None,
    after: str | None,
    limit: int,
) -> Page:
    # Keyset paging on (sort column, id): stable while rows are added or archived.
    field, descending = _sort_key(sort)
    column = model.created_at if field == "createdAt" else model.id
    total = int(await uow.scalar(select(func.count()).select_from(model).where(*conditions)))
    stmt = select(model).where(*conditions)
    cursor = _cursor(after)
    if cursor is not None:
        value, last_id = cursor
        if descending:
            stmt = stmt.where(or_(column < value, and_(column == value, model.id < last_id)))
        else:
            stmt = stmt.where(or_(column > value, and_(column == value, model.id > last_id)))
    order = (column.desc(), model.id.desc()) if descending else (column.asc(), model.id.asc())
    rows = list((await uow.execute(stmt.order_by(*order).limit(limit + 1))).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = [last.created_at if field == "createdAt" else last.id, last.id]
    return Page(rows, total, next_cursor)


# --- channels -----------------------------------------------------------------------------


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
    row = (
        await uow.execute(
            select(Channel).where(
                Channel.id == channel_id, Channel.app_id == app_id, Channel.archived.is_(False)
            )
        )
    ).first()
    if row is None:
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
    return await _keyset_page(uow, Channel, conditions, sort=sort, after=after, limit=limit)


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
        uow.emit(
            ChannelAccountUpdated(
                channel_id=channel_id,
                channel_account_id=account.id,
                inbox_id=account.inbox_id,
                audience=ADMINS,
            )
        )


# --- channel accounts ---------------------------------------------------------------------


async def _check_inbox(uow: UnitOfWork, *, inbox_id: int) -> None:
    archived = await uow.scalar(select(Inbox.archived).where(Inbox.id == inbox_id))
    if archived is None or archived:
        raise NotFound("Inbox", inbox_id, field_name="inboxId")


def _identifier(identifier: DeliveryIdentifier | None) -> tuple[str | None, str | None]:
    if identifier is None:
        return None, None
    return identifier.type, normalise_identifier(identifier.type, identifier.value)


async def _insert_account(
    uow: UnitOfWork,
    *,
    channel_id: int,
    inbox_id: int,
    name: str,
    authorized: bool,
    identifier: tuple[str | None, str | None],
) -> int:
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


async def create_channel_account(
    uow: UnitOfWork, *, app_id: int, channel_id: int, data: ChannelAccountCreate
) -> Any:
    """Connect an account of the app's channel to an inbox."""
    await get_channel(uow, app_id=app_id, channel_id=channel_id)
    identifier = _identifier(data.deliveryIdentifier)
    await _check_inbox(uow, inbox_id=data.inboxId)
    account_id = await _insert_account(
        uow,
        channel_id=channel_id,
        inbox_id=data.inboxId,
        name=data.name,
        authorized=data.authorized,
        identifier=identifier,
    )
    return await _get_account_row(uow, account_id=account_id)


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
    return await _keyset_page(uow, ChannelAccount, conditions, sort=sort, after=after, limit=limit)


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
    uow.emit(
        ChannelAccountUpdated(
            channel_id=channel_id,
            channel_account_id=account_id,
            inbox_id=row.inbox_id,
            audience=ADMINS,
        )
    )
    return await _get_account_row(uow, account_id=account_id)


# --- staging tokens (reference 4.3) -------------------------------------------------------


async def create_staging_token(
    uow: UnitOfWork, *, channel_id: int, inbox_id: int, user_id: int, ttl_s: int = 3600
) -> str:
    """Start connecting a channel to an inbox: a single-use token the bridge completes."""
    found = await uow.scalar(
        select(Channel.id).where(Channel.id == channel_id, Channel.archived.is_(False))
    )
    if found is None:
        raise NotFound("Channel", channel_id, field_name="channelId")
    await _check_inbox(uow, inbox_id=inbox_id)
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
    identifier = _identifier(delivery_identifier)
    await _check_inbox(uow, inbox_id=staged.inbox_id)
    name = account_name or channel.name
    account_id = await _insert_account(
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
    return (await uow.execute(select(StagingToken).where(StagingToken.token == token))).one()


async def get_staging_token(uow: UnitOfWork, *, token: str) -> Any:
    """A staging token row (the admin UI polls it to learn when the bridge has finished)."""
    row = (await uow.execute(select(StagingToken).where(StagingToken.token == token))).first()
    if row is None:
        raise NotFound("Staging token")
    return row


# --- Conversations API views (reference 7.2, 7.3) -----------------------------------------


async def list_public_channels(
    uow: UnitOfWork,
    *,
    after: str | None = None,
    limit: int = 100,
    sort: Sequence[str] | None = None,
) -> Page:
    """Every custom channel that is not archived, of every app."""
    conditions = [Channel.archived.is_(False)]
    return await _keyset_page(uow, Channel, conditions, sort=sort, after=after, limit=limit)


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
    return await _keyset_page(uow, ChannelAccount, conditions, sort=sort, after=after, limit=limit)


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
