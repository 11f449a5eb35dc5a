"""Channels and channel accounts as the Conversations API shows them (reference 7.2, 7.3)."""

from __future__ import annotations

import httpx
import pytest

from frontdesk.api.router import CONVERSATIONS_PREFIXES
from frontdesk.core.db import Database
from tests import factories
from tests.channels.conftest import V3, Bridge, error_fields, make_bridge

BASE = "/conversations/v3/conversations"


async def connect(client: httpx.AsyncClient, bridge: Bridge, inbox_id: int) -> str:
    response = await client.post(
        bridge.accounts_url,
        headers=bridge.auth,
        json={"inboxId": inbox_id, "name": "Account", "authorized": True},
    )
    assert response.status_code == 201
    account_id: str = response.json()["id"]
    return account_id


@pytest.mark.asyncio
@pytest.mark.parametrize("prefix", CONVERSATIONS_PREFIXES)
async def test_every_path_alias_answers(
    client: httpx.AsyncClient, bridge: Bridge, prefix: str
) -> None:
    account_id = await connect(client, bridge, bridge.inbox_id)
    channels = await client.get(f"{prefix}/channels", headers=bridge.auth)
    assert channels.status_code == 200
    channel = await client.get(f"{prefix}/channels/{bridge.channel_id}", headers=bridge.auth)
    assert channel.json()["id"] == str(bridge.channel_id)
    accounts = await client.get(f"{prefix}/channel-accounts", headers=bridge.auth)
    assert [a["id"] for a in accounts.json()["results"]] == [account_id]
    one = await client.get(f"{prefix}/channel-accounts/{account_id}", headers=bridge.auth)
    assert one.status_code == 200


@pytest.mark.asyncio
async def test_channels_of_every_app_without_archived_ones(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    other = await make_bridge(db, client)
    gone = await make_bridge(db, client)
    await client.delete(f"{V3}/{gone.channel_id}", params=gone.dev)
    body = (await client.get(f"{BASE}/channels", headers=bridge.auth)).json()
    assert body["total"] == 2
    assert [c["id"] for c in body["results"]] == [str(bridge.channel_id), str(other.channel_id)]
    assert set(body["results"][0]) == {"id", "name"}
    one = await client.get(f"{BASE}/channels/{other.channel_id}", headers=bridge.auth)
    assert one.json() == body["results"][1]
    missing = await client.get(f"{BASE}/channels/{gone.channel_id}", headers=bridge.auth)
    assert missing.status_code == 404
    paged = (await client.get(f"{BASE}/channels", headers=bridge.auth, params={"limit": 1})).json()
    assert len(paged["results"]) == 1
    assert "after" in paged["paging"]["next"]


@pytest.mark.asyncio
async def test_channel_accounts_filters_and_visibility(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    team = await factories.create_team(db)
    seen_inbox = await factories.create_inbox(db, teams=[team])
    other = await make_bridge(db, client)
    hidden = await connect(client, bridge, bridge.inbox_id)
    visible = await connect(client, bridge, seen_inbox)
    other_visible = await connect(client, other, seen_inbox)

    async def ids(headers: dict[str, str], **params: object) -> list[str]:
        response = await client.get(f"{BASE}/channel-accounts", headers=headers, params=params)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["results"]]

    assert await ids(bridge.auth) == [hidden, visible, other_visible]
    assert await ids(bridge.auth, channelId=other.channel_id) == [other_visible]
    assert await ids(bridge.auth, inboxId=[seen_inbox]) == [visible, other_visible]
    assert await ids(bridge.auth, inboxId=seen_inbox, channelId=bridge.channel_id) == [visible]
    assert await ids(bridge.auth, archived="true") == []

    agent = await factories.create_user(db, teams=[team])
    agent_auth = factories.bearer(await factories.create_personal_token(db, user_id=agent))
    assert await ids(agent_auth) == [visible, other_visible]
    assert await ids(agent_auth, inboxId=bridge.inbox_id) == []
    response = await client.get(f"{BASE}/channel-accounts/{hidden}", headers=agent_auth)
    assert response.status_code == 404
    response = await client.get(f"{BASE}/channel-accounts/{visible}", headers=agent_auth)
    assert response.json()["inboxId"] == str(seen_inbox)

    admin = await factories.create_user(db, role="admin")
    admin_auth = factories.bearer(await factories.create_personal_token(db, user_id=admin))
    assert await ids(admin_auth) == [hidden, visible, other_visible]


@pytest.mark.asyncio
async def test_views_need_conversations_read(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    writer = await factories.create_app(db, scopes=["conversations.custom_channels.write"])
    for path in ("/channels", f"/channels/{bridge.channel_id}", "/channel-accounts"):
        assert (await client.get(BASE + path)).status_code == 401
        bad = await client.get(BASE + path, headers=factories.bearer("nope"))
        assert bad.status_code == 401
        scoped = await client.get(BASE + path, headers=factories.bearer(writer.access_token))
        assert scoped.status_code == 403
        assert scoped.json()["category"] == "MISSING_SCOPES"


@pytest.mark.asyncio
async def test_bad_filters_are_refused(client: httpx.AsyncClient, bridge: Bridge) -> None:
    response = await client.get(
        f"{BASE}/channel-accounts", headers=bridge.auth, params={"channelId": "x"}
    )
    assert response.status_code == 400
    assert "channelId[0]" in error_fields(response)
