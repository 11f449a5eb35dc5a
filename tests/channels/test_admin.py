"""The admin side of connecting a channel (issue 5): the picker's channels, starting a
connection (staging token + pop-up URL), its completion event, its status, and the form that
creates an account of a channel without a connection page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import update

from frontdesk.channels import service as channel_service
from frontdesk.channels.models import Channel, StagingToken
from frontdesk.channels.service import admin as channel_admin
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError, NotFound
from tests import factories
from tests.channels.conftest import V3, Bridge, event_rows

pytestmark = pytest.mark.asyncio


async def with_connection_url(db: Database, bridge: Bridge, url: str) -> None:
    async with db.transaction() as uow:
        await uow.execute(
            update(Channel).where(Channel.id == bridge.channel_id).values(connection_url=url)
        )


async def start(db: Database, bridge: Bridge, user_id: int) -> channel_admin.StartedConnection:
    async with db.transaction() as uow:
        return await channel_admin.start_connection(
            uow,
            channel_id=bridge.channel_id,
            inbox_id=bridge.inbox_id,
            user_id=user_id,
            portal_id=77,
        )


def token_of(started: channel_admin.StartedConnection) -> str:
    return parse_qs(urlsplit(started.popup_url).query)["accountToken"][0]


async def test_the_picker_lists_live_channels_with_their_app(db: Database, bridge: Bridge) -> None:
    archived = await factories.create_channel_row(db, app_id=bridge.app.app_id)
    async with db.transaction() as uow:
        await uow.execute(update(Channel).where(Channel.id == archived).values(archived=True))
    async with db.read() as uow:
        channels = await channel_admin.list_connectable_channels(uow)
    ids = [c.id for c in channels]
    assert bridge.channel_id in ids
    assert archived not in ids
    mine = next(c for c in channels if c.id == bridge.channel_id)
    assert mine.app_id == bridge.app.app_id
    assert mine.app_name.startswith("app-")
    assert mine.identifier_types == ("HS_PHONE_NUMBER",)


async def test_starting_a_connection_binds_a_token_and_builds_the_popup_url(
    db: Database, bridge: Bridge
) -> None:
    await with_connection_url(db, bridge, "https://bridge.example.com/connect?lang=en&portalId=9")
    admin_id = await factories.create_user(db, role="admin")
    started = await start(db, bridge, admin_id)
    parts = urlsplit(started.popup_url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "bridge.example.com", "/connect")
    query = parse_qs(parts.query)
    assert query["lang"] == ["en"]
    assert query["portalId"] == ["77"]  # ours replaces a stale one
    assert query["channelId"] == [str(bridge.channel_id)]
    assert query["inboxId"] == [str(bridge.inbox_id)]
    token = query["accountToken"][0]
    assert started.connection_id == channel_service.staging_tokens.connection_id(token)
    assert token not in started.connection_id
    async with db.read() as uow:
        row = await channel_service.get_staging_token(uow, token=token)
    assert (row.user_id, row.inbox_id, row.channel_id) == (
        admin_id,
        bridge.inbox_id,
        bridge.channel_id,
    )


async def test_a_channel_without_connection_page_cannot_start_one(
    db: Database, bridge: Bridge
) -> None:
    admin_id = await factories.create_user(db, role="admin")
    with pytest.raises(AppError) as refused:
        await start(db, bridge, admin_id)
    assert refused.value.status == 400
    assert refused.value.errors[0].in_ == "channelId"


async def test_completion_emits_one_token_free_event_for_the_admin(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    await with_connection_url(db, bridge, "https://bridge.example.com/connect")
    admin_id = await factories.create_user(db, role="admin")
    started = await start(db, bridge, admin_id)
    token = token_of(started)
    url = f"{V3}/{bridge.channel_id}/channel-account-staging-tokens/{token}"
    body = {
        "accountName": "Sales",
        "deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": "+14155550123"},
    }
    assert (await client.patch(url, json=body, headers=bridge.auth)).status_code == 200
    again = await client.patch(url, json=body, headers=bridge.auth)
    assert again.status_code == 409
    events = await event_rows(db, "staging_token.completed")
    assert len(events) == 1
    event = events[0]
    account_id = (await event_rows(db, "channel_account.created"))[0].payload["channelAccountId"]
    assert event.payload == {
        "channelId": str(bridge.channel_id),
        "channelAccountId": account_id,
        "inboxId": str(bridge.inbox_id),
        "connectionId": started.connection_id,
    }
    assert token not in str(event.payload)
    assert event.user_ids == [admin_id]
    assert not event.admins
    assert event.inbox_id is None


async def test_connection_status_pending_completed_expired_and_private(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    await with_connection_url(db, bridge, "https://bridge.example.com/connect")
    admin_id = await factories.create_user(db, role="admin")
    other_admin = await factories.create_user(db, role="admin")
    started = await start(db, bridge, admin_id)

    async def status(user_id: int, cid: str) -> channel_admin.ConnectionStatus:
        async with db.read() as uow:
            return await channel_admin.connection_status(uow, user_id=user_id, connection_id_=cid)

    assert (await status(admin_id, started.connection_id)).state == "pending"
    with pytest.raises(NotFound):
        await status(other_admin, started.connection_id)
    url = f"{V3}/{bridge.channel_id}/channel-account-staging-tokens/{token_of(started)}"
    assert (await client.patch(url, json={}, headers=bridge.auth)).status_code == 200
    done = await status(admin_id, started.connection_id)
    assert done.state == "completed"
    assert done.channel_account_id is not None

    stale = await start(db, bridge, admin_id)
    async with db.transaction() as uow:
        await uow.execute(
            update(StagingToken).where(StagingToken.token == token_of(stale)).values(expires_at=1)
        )
    assert (await status(admin_id, stale.connection_id)).state == "expired"
    stale_url = f"{V3}/{bridge.channel_id}/channel-account-staging-tokens/{token_of(stale)}"
    assert (await client.patch(stale_url, json={}, headers=bridge.auth)).status_code == 404


async def test_a_direct_account_is_created_with_a_normalised_identifier(
    db: Database, bridge: Bridge
) -> None:
    async with db.transaction() as uow:
        account_id = await channel_admin.create_direct_account(
            uow,
            channel_id=bridge.channel_id,
            inbox_id=bridge.inbox_id,
            name="  Front line ",
            identifier_type="HS_PHONE_NUMBER",
            identifier_value="+1 (415) 555-0199",
        )
    async with db.read() as uow:
        account = await channel_admin.get_managed_account(uow, account_id=account_id)
    assert account.name == "Front line"
    assert (account.delivery_type, account.delivery_value) == ("HS_PHONE_NUMBER", "+14155550199")
    assert account.active
    assert not account.archived
    assert (account.open_count, account.total_count) == (0, 0)
    assert [
        e.payload["channelAccountId"] for e in await event_rows(db, "channel_account.created")
    ] == [str(account_id)]


@pytest.mark.parametrize(
    ("name", "kind", "value", "field"),
    [
        ("", None, None, "name"),
        ("Line", "HS_EMAIL_ADDRESS", "a@example.com", "deliveryType"),  # not the channel's type
        ("Line", "HS_PHONE_NUMBER", "not a phone", "delivery.value"),
        ("Line", None, "+14155550199", "deliveryType"),
    ],
)
async def test_a_bad_direct_account_names_its_field_and_writes_nothing(
    db: Database, bridge: Bridge, name: str, kind: str | None, value: str | None, field: str
) -> None:
    with pytest.raises(AppError) as refused:
        async with db.transaction() as uow:
            await channel_admin.create_direct_account(
                uow,
                channel_id=bridge.channel_id,
                inbox_id=bridge.inbox_id,
                name=name,
                identifier_type=kind,
                identifier_value=value,
            )
    assert refused.value.errors[0].in_ == field
    async with db.read() as uow:
        assert await channel_admin.list_managed_accounts(uow, channel_id=bridge.channel_id) == []
