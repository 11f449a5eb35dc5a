"""What an admin sees of channels in the settings pages: the channels one can connect, the
connected accounts with their counts, and connections in progress (reference 4.3).

Changes to an account (routing, deactivate, move, archive) live in `manage.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import case, func, select

from frontdesk.accounts.models import Inbox
from frontdesk.apps.models import App
from frontdesk.channels.models import Channel, ChannelAccount, StagingToken
from frontdesk.channels.service.accounts import check_inbox, insert_account
from frontdesk.channels.service.staging_tokens import connection_id, create_staging_token
from frontdesk.contacts.identifiers import normalise_identifier
from frontdesk.conversations.models import Thread
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound, validation_error
from frontdesk.core.models import now_ms
from frontdesk.messages.models import Message

# How long a connection the admin started stays findable by its status poll: the staging
# token's own lifetime, plus a margin so "expired" can still be told apart from "unknown".
CONNECTION_TTL_S = 3600
_STATUS_LOOKBACK_MS = 2 * CONNECTION_TTL_S * 1000


@dataclass(frozen=True)
class ConnectableChannel:
    """A custom channel as the "Connect a channel" picker shows it."""

    id: int
    name: str
    app_id: int
    app_name: str
    description: str
    logo_url: str | None
    connection_url: str | None
    identifier_types: tuple[str, ...]


def _connectable(row: Any) -> ConnectableChannel:
    return ConnectableChannel(
        id=row.id,
        name=row.name,
        app_id=row.app_id,
        app_name=row.app_name,
        description=row.description or row.app_description or "",
        logo_url=row.logo_url or row.app_logo_url,
        connection_url=row.connection_url,
        identifier_types=tuple((row.capabilities or {}).get("deliveryIdentifierTypes") or ()),
    )


_CHANNELS = select(
    Channel.id,
    Channel.name,
    Channel.app_id,
    Channel.description,
    Channel.logo_url,
    Channel.connection_url,
    Channel.capabilities,
    App.name.label("app_name"),
    App.description.label("app_description"),
    App.logo_url.label("app_logo_url"),
).join(App, App.id == Channel.app_id)


async def list_connectable_channels(
    uow: UnitOfWork, *, app_id: int | None = None
) -> list[ConnectableChannel]:
    """Every custom channel that is not archived (of one app when `app_id` is given)."""
    statement = _CHANNELS.where(Channel.archived.is_(False))
    if app_id is not None:
        statement = statement.where(Channel.app_id == app_id)
    rows = (await uow.execute(statement.order_by(App.name, Channel.name, Channel.id))).all()
    return [_connectable(row) for row in rows]


async def get_connectable_channel(uow: UnitOfWork, *, channel_id: int) -> ConnectableChannel:
    """One custom channel that is not archived; 404 otherwise."""
    row = (
        await uow.execute(_CHANNELS.where(Channel.id == channel_id, Channel.archived.is_(False)))
    ).first()
    if row is None:
        raise NotFound("Channel", channel_id, field_name="channelId")
    return _connectable(row)


@dataclass(frozen=True)
class StartedConnection:
    """A connection in progress: the URL of the bridge's pop-up (carrying the staging token,
    which the bridge needs) and the public id the admin's page waits on."""

    connection_id: str
    popup_url: str


def popup_url(connection_url: str, params: dict[str, str]) -> str:
    """The channel's connection URL with the flow's parameters added to its own query."""
    parts = urlsplit(connection_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode([*query, *params.items()])))


async def start_connection(
    uow: UnitOfWork, *, channel_id: int, inbox_id: int, user_id: int, portal_id: int
) -> StartedConnection:
    """An admin chose a channel with a connection URL: a staging token bound to the inbox and
    the admin, and where to send the pop-up (query names: reference 4.3, recommended)."""
    channel = await get_connectable_channel(uow, channel_id=channel_id)
    if not channel.connection_url:
        raise validation_error(
            "This channel has no connection page: create its account with the form",
            field_name="channelId",
        )
    token = await create_staging_token(
        uow, channel_id=channel_id, inbox_id=inbox_id, user_id=user_id, ttl_s=CONNECTION_TTL_S
    )
    params = {
        "accountToken": token,
        "portalId": str(portal_id),
        "channelId": str(channel_id),
        "inboxId": str(inbox_id),
    }
    return StartedConnection(connection_id(token), popup_url(channel.connection_url, params))


@dataclass(frozen=True)
class ConnectionStatus:
    """Where a connection the admin started stands: `pending`, `completed` or `expired`."""

    state: str
    channel_id: int
    inbox_id: int
    channel_account_id: int | None


async def connection_status(
    uow: UnitOfWork, *, user_id: int, connection_id_: str
) -> ConnectionStatus:
    """The state of one of the user's recent connections, named by its public id; 404 for
    any other (another admin's connection does not exist for this one)."""
    rows = (
        await uow.execute(
            select(StagingToken).where(
                StagingToken.user_id == user_id,
                StagingToken.created_at > now_ms() - _STATUS_LOOKBACK_MS,
            )
        )
    ).all()
    # The id is a digest of the token, so it is matched in Python over the user's few recent
    # tokens instead of storing a second lookup column.
    row = next((r for r in rows if connection_id(r.token) == connection_id_), None)
    if row is None:
        raise NotFound("Connection")
    if row.used_at is not None:
        state = "completed"
    elif row.expires_at <= now_ms():
        state = "expired"
    else:
        state = "pending"
    return ConnectionStatus(state, row.channel_id, row.inbox_id, row.channel_account_id)


async def create_direct_account(
    uow: UnitOfWork,
    *,
    channel_id: int,
    inbox_id: int,
    name: str,
    identifier_type: str | None,
    identifier_value: str | None,
) -> int:
    """An account of a channel without a connection page, made from the admin's form."""
    channel = await get_connectable_channel(uow, channel_id=channel_id)
    name = name.strip()
    if not name:
        raise validation_error("Give the account a name", field_name="name")
    if len(name) > 200:
        raise validation_error("The name is at most 200 characters", field_name="name")
    await check_inbox(uow, inbox_id=inbox_id)
    identifier: tuple[str | None, str | None] = (None, None)
    if identifier_value and identifier_value.strip():
        if not identifier_type:
            raise validation_error("Choose the identifier's type", field_name="deliveryType")
        if channel.identifier_types and identifier_type not in channel.identifier_types:
            raise validation_error(
                "This channel does not use that identifier type", field_name="deliveryType"
            )
        value = normalise_identifier(
            identifier_type, identifier_value.strip(), field_prefix="delivery"
        )
        identifier = (identifier_type, value)
    return await insert_account(
        uow,
        channel_id=channel_id,
        inbox_id=inbox_id,
        name=name,
        authorized=True,
        identifier=identifier,
    )


@dataclass(frozen=True)
class ManagedAccount:
    """A connected channel account as the admin's "Connected channels" list shows it."""

    id: int
    name: str
    channel_id: int
    channel_name: str
    app_id: int
    app_name: str
    inbox_id: int
    inbox_name: str
    inbox_kind: str
    home_inbox_id: int | None
    delivery_type: str | None
    delivery_value: str | None
    active: bool
    archived: bool
    open_count: int
    total_count: int
    default_properties: dict[str, Any]
    assignment_mode: str
    assignment_targets: dict[str, Any]
    closed_thread_policy: str

    @property
    def status(self) -> str:
        if self.archived:
            return "archived"
        return "active" if self.active else "deactivated"


def _counts() -> Any:
    return (
        select(
            Thread.channel_account_id.label("account_id"),
            func.count().label("total"),
            func.sum(case((Thread.status == "OPEN", 1), else_=0)).label("open"),
        )
        .where(Thread.archived.is_(False))
        .group_by(Thread.channel_account_id)
        .subquery()
    )


def _accounts_statement() -> Any:
    counts = _counts()
    return (
        select(
            ChannelAccount,
            Channel.name.label("channel_name"),
            Channel.app_id,
            App.name.label("app_name"),
            Inbox.name.label("inbox_name"),
            Inbox.kind.label("inbox_kind"),
            func.coalesce(counts.c.open, 0).label("open_count"),
            func.coalesce(counts.c.total, 0).label("total_count"),
        )
        .join(Channel, Channel.id == ChannelAccount.channel_id)
        .join(App, App.id == Channel.app_id)
        .join(Inbox, Inbox.id == ChannelAccount.inbox_id)
        .outerjoin(counts, counts.c.account_id == ChannelAccount.id)
    )


def _managed(row: Any) -> ManagedAccount:
    account = row  # Core rows: the account's columns sit beside the joined ones
    return ManagedAccount(
        id=account.id,
        name=account.name,
        channel_id=account.channel_id,
        channel_name=row.channel_name,
        app_id=row.app_id,
        app_name=row.app_name,
        inbox_id=account.inbox_id,
        inbox_name=row.inbox_name,
        inbox_kind=row.inbox_kind,
        home_inbox_id=account.home_inbox_id,
        delivery_type=account.delivery_type,
        delivery_value=account.delivery_value,
        active=account.active,
        archived=account.archived,
        open_count=int(row.open_count),
        total_count=int(row.total_count),
        default_properties=dict(account.default_properties or {}),
        assignment_mode=account.assignment_mode,
        assignment_targets=dict(account.assignment_targets or {}),
        closed_thread_policy=account.closed_thread_policy,
    )


async def list_managed_accounts(
    uow: UnitOfWork, *, channel_id: int | None = None, archived: bool | None = None
) -> list[ManagedAccount]:
    """Connected accounts, newest first (of one channel; archived or not when given)."""
    statement = _accounts_statement()
    if channel_id is not None:
        statement = statement.where(ChannelAccount.channel_id == channel_id)
    if archived is not None:
        statement = statement.where(ChannelAccount.archived.is_(archived))
    rows = (await uow.execute(statement.order_by(ChannelAccount.id.desc()))).all()
    return [_managed(row) for row in rows]


async def get_managed_account(uow: UnitOfWork, *, account_id: int) -> ManagedAccount:
    """One connected account (archived ones too); 404 when unknown."""
    row = (await uow.execute(_accounts_statement().where(ChannelAccount.id == account_id))).first()
    if row is None:
        raise NotFound("Channel account", account_id, field_name="channelAccountId")
    return _managed(row)


async def threads_of_messages(uow: UnitOfWork, *, message_ids: list[int]) -> dict[int, int]:
    """The thread of each message a channel's delivery log names (to link to it)."""
    if not message_ids:
        return {}
    rows = await uow.execute(
        select(Message.id, Message.thread_id).where(Message.id.in_(message_ids))
    )
    return {row.id: row.thread_id for row in rows}
