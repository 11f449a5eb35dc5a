"""The in-app connection flow: staging tokens (reference 4.3)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import update

from frontdesk.channels import service as channel_service
from frontdesk.channels.models import StagingToken
from frontdesk.core.db import Database
from frontdesk.core.errors import NotFound
from tests import factories
from tests.channels.conftest import V3, Bridge, count_rows, error_fields, event_rows, make_bridge


async def start_connection(db: Database, bridge: Bridge, *, ttl_s: int = 3600) -> tuple[str, int]:
    user_id = await factories.create_user(db, role="admin")
    async with db.transaction() as uow:
        token = await channel_service.create_staging_token(
            uow,
            channel_id=bridge.channel_id,
            inbox_id=bridge.inbox_id,
            user_id=user_id,
            ttl_s=ttl_s,
        )
    return token, user_id


def token_url(bridge: Bridge, token: str) -> str:
    return f"{V3}/{bridge.channel_id}/channel-account-staging-tokens/{token}"


@pytest.mark.asyncio
async def test_completing_a_token_creates_the_authorized_account(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    token, user_id = await start_connection(db, bridge)
    response = await client.patch(
        token_url(bridge, token),
        headers=bridge.auth,
        json={
            "accountName": "Sales line",
            "deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": "+44 20 7946 0958"},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "accountToken": token,
        "createdAt": body["createdAt"],
        "genericChannelId": bridge.channel_id,
        "inboxId": bridge.inbox_id,
        "userId": user_id,
        "accountName": "Sales line",
        "deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": "+442079460958"},
    }
    accounts = (await client.get(bridge.accounts_url, headers=bridge.auth)).json()["results"]
    assert len(accounts) == 1
    assert accounts[0]["name"] == "Sales line"
    assert accounts[0]["authorized"] is True
    assert accounts[0]["inboxId"] == str(bridge.inbox_id)
    assert accounts[0]["deliveryIdentifier"]["value"] == "+442079460958"
    created = await event_rows(db, "channel_account.created")
    assert [e.payload["channelAccountId"] for e in created] == [accounts[0]["id"]]
    async with db.read() as uow:
        row = await channel_service.get_staging_token(uow, token=token)
    assert row.used_at is not None
    assert row.channel_account_id == int(accounts[0]["id"])


@pytest.mark.asyncio
async def test_the_account_is_named_after_the_channel_without_a_name(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    token, _ = await start_connection(db, bridge)
    channel_name = (await client.get(f"{V3}/{bridge.channel_id}", params=bridge.dev)).json()["name"]
    response = await client.patch(token_url(bridge, token), headers=bridge.auth)
    assert response.status_code == 200
    assert response.json()["accountName"] == channel_name
    assert "deliveryIdentifier" not in response.json()
    accounts = (await client.get(bridge.accounts_url, headers=bridge.auth)).json()["results"]
    assert [a["name"] for a in accounts] == [channel_name]


@pytest.mark.asyncio
async def test_a_used_token_answers_conflict(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    token, _ = await start_connection(db, bridge)
    first = await client.patch(token_url(bridge, token), headers=bridge.auth, json={})
    assert first.status_code == 200
    before = await count_rows(db)
    again = await client.patch(token_url(bridge, token), headers=bridge.auth, json={})
    assert again.status_code == 409
    assert again.json()["category"] == "CONFLICT"
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_expired_unknown_or_foreign_tokens_are_not_found(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    expired, _ = await start_connection(db, bridge, ttl_s=-1)
    later, _ = await start_connection(db, bridge)
    async with db.transaction() as uow:
        await uow.execute(
            update(StagingToken).where(StagingToken.token == later).values(expires_at=0)
        )
    other = await make_bridge(db, client)
    foreign, _ = await start_connection(db, other)
    before = await count_rows(db)
    for url in (
        token_url(bridge, expired),
        token_url(bridge, later),
        token_url(bridge, "fdst_unknown"),
        # Another channel's token, through this channel (its own app's token).
        token_url(bridge, foreign),
    ):
        response = await client.patch(url, headers=bridge.auth, json={})
        assert response.status_code == 404, url
        assert error_fields(response) == ["accountToken"]
    # The right token through another app's credentials.
    response = await client.patch(token_url(bridge, later), headers=other.auth, json={})
    assert response.status_code == 404
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_bad_bodies_write_nothing_and_leave_the_token_usable(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    token, _ = await start_connection(db, bridge)
    before = await count_rows(db)
    for body, field in [
        (
            {"deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": "12"}},
            "deliveryIdentifier.value",
        ),
        ({"deliveryIdentifier": {"type": "SMOKE", "value": "12"}}, "deliveryIdentifier.type"),
        ({"accountName": ""}, "accountName"),
    ]:
        response = await client.patch(token_url(bridge, token), headers=bridge.auth, json=body)
        assert response.status_code == 400
        assert field in error_fields(response)
    assert await count_rows(db) == before
    response = await client.patch(token_url(bridge, token), headers=bridge.auth, json={})
    assert response.status_code == 200


@pytest.mark.asyncio
async def test_create_staging_token_checks_channel_and_inbox(db: Database, bridge: Bridge) -> None:
    user_id = await factories.create_user(db)
    for channel_id, inbox_id, field in [
        (999999, bridge.inbox_id, "channelId"),
        (bridge.channel_id, 999999, "inboxId"),
    ]:
        with pytest.raises(NotFound) as caught:
            async with db.transaction() as uow:
                await channel_service.create_staging_token(
                    uow, channel_id=channel_id, inbox_id=inbox_id, user_id=user_id
                )
        assert caught.value.errors[0].in_ == field


@pytest.mark.asyncio
async def test_concurrent_completions_create_one_account(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    token, _ = await start_connection(db, bridge)
    responses = await asyncio.gather(
        *(client.patch(token_url(bridge, token), headers=bridge.auth, json={}) for _ in range(5))
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409, 409]
    accounts = (await client.get(bridge.accounts_url, headers=bridge.auth)).json()
    assert accounts["total"] == 1
    assert len(await event_rows(db, "channel_account.created")) == 1
