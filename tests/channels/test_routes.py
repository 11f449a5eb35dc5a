"""Custom channels over the developer key (reference 1.1, 1.2, 3)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.api.router import CUSTOM_CHANNEL_PREFIXES
from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.core.db import Database
from tests import factories
from tests.channels.conftest import (
    CAPABILITIES,
    V3,
    Bridge,
    count_rows,
    error_fields,
    make_bridge,
)


def channel_body(**over: Any) -> dict[str, Any]:
    return {"name": factories.unique("channel"), "capabilities": CAPABILITIES, **over}


@pytest.mark.asyncio
@pytest.mark.parametrize("prefix", [*CUSTOM_CHANNEL_PREFIXES, V3 + "/"])
async def test_every_path_alias_answers(
    client: httpx.AsyncClient, bridge: Bridge, prefix: str
) -> None:
    created = await client.post(prefix, params=bridge.dev, json=channel_body(name="Alias"))
    assert created.status_code == 201, created.text
    channel_id = created.json()["id"]
    item = f"{prefix.rstrip('/')}/{channel_id}"
    assert created.headers["location"].endswith(item)

    listed = await client.get(prefix, params=bridge.dev)
    assert listed.status_code == 200
    assert channel_id in [c["id"] for c in listed.json()["results"]]
    assert (await client.get(item, params=bridge.dev)).json()["name"] == "Alias"
    patched = await client.patch(item, params=bridge.dev, json={"name": "Renamed"})
    assert patched.json()["name"] == "Renamed"
    assert (await client.delete(item, params=bridge.dev)).status_code == 204
    assert (await client.get(item, params=bridge.dev)).status_code == 404


@pytest.mark.asyncio
async def test_create_answers_the_stored_channel(client: httpx.AsyncClient, bridge: Bridge) -> None:
    body = channel_body(
        name="  WhatsApp bridge ",
        capabilities={**CAPABILITIES, "futureKey": 1},
        webhookUrl="https://bridge.example.com/hook?token=a",
        channelLogoUrl="http://bridge.example.com/logo.png",
        channelDescription=None,
    )
    response = await client.post(V3, params=bridge.dev, json=body)
    assert response.status_code == 201
    channel = response.json()
    assert channel["name"] == "WhatsApp bridge"
    assert channel["capabilities"] == CAPABILITIES  # unknown keys ignored, the rest as given
    assert channel["webhookUrl"] == "https://bridge.example.com/hook?token=a"
    assert channel["channelLogoUrl"] == "http://bridge.example.com/logo.png"
    assert "channelDescription" not in channel
    assert "channelAccountConnectionRedirectUrl" not in channel
    assert channel["createdAt"].endswith("Z")
    assert isinstance(channel["id"], str)
    assert response.headers["location"] == f"http://testserver{V3}/{channel['id']}"


@pytest.mark.asyncio
async def test_list_shows_only_the_apps_channels_not_archived(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    other = await make_bridge(db, client)
    archived = (await client.post(V3, params=bridge.dev, json=channel_body())).json()["id"]
    await client.delete(f"{V3}/{archived}", params=bridge.dev)

    body = (await client.get(V3, params=bridge.dev)).json()
    assert [c["id"] for c in body["results"]] == [str(bridge.channel_id)]
    assert body["total"] == 1
    assert "paging" not in body
    other_body = (await client.get(V3, params=other.dev)).json()
    assert [c["id"] for c in other_body["results"]] == [str(other.channel_id)]


@pytest.mark.asyncio
async def test_list_pages_through_three_pages(client: httpx.AsyncClient, bridge: Bridge) -> None:
    for _ in range(4):
        assert (await client.post(V3, params=bridge.dev, json=channel_body())).status_code == 201
    seen: list[str] = []
    pages = 0
    params: dict[str, str] = {**bridge.dev, "limit": "2"}
    while True:
        body = (await client.get(V3, params=params)).json()
        pages += 1
        assert body["total"] == 5
        seen += [c["id"] for c in body["results"]]
        if "paging" not in body:
            break
        nxt = body["paging"]["next"]
        assert "hapikey" not in nxt["link"]
        assert "limit=2" in nxt["link"]
        params = {**bridge.dev, "limit": "2", "after": nxt["after"]}
    assert pages == 3
    assert seen == sorted(seen, key=int)
    assert len(set(seen)) == 5

    newest_first = (await client.get(V3, params={**bridge.dev, "sort": "-id"})).json()
    assert [c["id"] for c in newest_first["results"]] == sorted(seen, key=int, reverse=True)
    by_default_page_length = await client.get(V3, params={**bridge.dev, "defaultPageLength": 4})
    assert len(by_default_page_length.json()["results"]) == 4


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("params", "field"),
    [({"after": "!!not-a-cursor"}, "after"), ({"limit": "0"}, "limit"), ({"sort": "name"}, "sort")],
)
async def test_bad_paging_parameters(
    client: httpx.AsyncClient, bridge: Bridge, params: dict[str, str], field: str
) -> None:
    response = await client.get(V3, params={**bridge.dev, **params})
    assert response.status_code == 400
    assert field in error_fields(response)


@pytest.mark.asyncio
async def test_patch_is_partial_and_null_clears(client: httpx.AsyncClient, bridge: Bridge) -> None:
    item = f"{V3}/{bridge.channel_id}"
    await client.patch(
        item,
        params=bridge.dev,
        json={"webhookUrl": "https://a.example/hook", "channelDescription": "Old"},
    )
    response = await client.patch(
        item,
        params=bridge.dev,
        json={"webhookUrl": None, "capabilities": {"threadingModel": "DELIVERY_IDENTIFIER"}},
    )
    assert response.status_code == 200
    channel = response.json()
    assert "webhookUrl" not in channel
    assert channel["channelDescription"] == "Old"
    # Replaced whole, not merged with the old keys.
    assert channel["capabilities"] == {"threadingModel": "DELIVERY_IDENTIFIER"}
    assert (await client.get(item, params=bridge.dev)).json() == channel


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"name": "  "}, "name"),
        ({"capabilities": None}, "capabilities"),
        ({"capabilities": {"richText": ["SPARKLES"]}}, "capabilities.richText.0"),
        ({"webhookUrl": "javascript:alert(1)"}, "webhookUrl"),
    ],
)
async def test_patch_refuses_bad_fields_and_changes_nothing(
    client: httpx.AsyncClient, bridge: Bridge, body: dict[str, Any], field: str
) -> None:
    item = f"{V3}/{bridge.channel_id}"
    before = (await client.get(item, params=bridge.dev)).json()
    response = await client.patch(item, params=bridge.dev, json=body)
    assert response.status_code == 400
    assert field in error_fields(response)
    assert (await client.get(item, params=bridge.dev)).json() == before


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"capabilities": CAPABILITIES}, "name"),
        ({"name": "", "capabilities": CAPABILITIES}, "name"),
        ({"name": 7, "capabilities": CAPABILITIES}, "name"),
        ({"name": "x" * 201, "capabilities": CAPABILITIES}, "name"),
        ({"name": "A"}, "capabilities"),
        ({"name": "A", "capabilities": ["HYPERLINK"]}, "capabilities"),
        ({"name": "A", "capabilities": {"threadingModel": "X"}}, "capabilities.threadingModel"),
        (channel_body(webhookUrl="ftp://bridge.example/hook"), "webhookUrl"),
        (channel_body(webhookUrl="/relative/hook"), "webhookUrl"),
        (channel_body(webhookUrl="https://e.example/" + "a" * 2048), "webhookUrl"),
        (
            channel_body(channelAccountConnectionRedirectUrl="https:///nohost"),
            "channelAccountConnectionRedirectUrl",
        ),
        (channel_body(channelLogoUrl="logo.png"), "channelLogoUrl"),
        (channel_body(channelDescription="d" * 2001), "channelDescription"),
    ],
)
async def test_create_refuses_bad_bodies_and_writes_nothing(
    db: Database, client: httpx.AsyncClient, bridge: Bridge, body: dict[str, Any], field: str
) -> None:
    before = await count_rows(db)
    response = await client.post(V3, params=bridge.dev, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert field in error_fields(response)
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_create_refuses_a_body_that_is_not_json(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    before = await count_rows(db)
    response = await client.post(
        V3, params=bridge.dev, content=b"{nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert await count_rows(db) == before


@pytest.mark.asyncio
@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
async def test_developer_key_is_required_and_must_match_the_app(
    db: Database, client: httpx.AsyncClient, bridge: Bridge, method: str
) -> None:
    other = await factories.create_app(db)
    url = V3 if method in ("GET", "POST") else f"{V3}/{bridge.channel_id}"
    body = channel_body() if method != "GET" else None
    wrong_pairs = [
        {},
        {"hapikey": bridge.app.developer_api_key},
        {"hapikey": "nope", "appId": str(bridge.app.app_id)},
        # A real key, but of another app.
        {"hapikey": other.developer_api_key, "appId": str(bridge.app.app_id)},
    ]
    for params in wrong_pairs:
        response = await client.request(method, url, params=params, json=body)
        assert response.status_code == 401, (params, response.text)
        assert response.json()["category"] == "INVALID_AUTHENTICATION"
    # A bearer token is not a developer key.
    response = await client.request(method, url, json=body, headers=bridge.auth)
    assert response.status_code == 401


@pytest.mark.asyncio
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_another_apps_channel_is_not_found(
    db: Database, client: httpx.AsyncClient, bridge: Bridge, method: str
) -> None:
    other = await make_bridge(db, client)
    body = {"name": "Stolen"} if method == "PATCH" else None
    url = f"{V3}/{bridge.channel_id}"
    response = await client.request(method, url, params=other.dev, json=body)
    assert response.status_code == 404
    assert response.json()["category"] == "OBJECT_NOT_FOUND"
    assert (await client.get(url, params=bridge.dev)).json()["name"] != "Stolen"


@pytest.mark.asyncio
async def test_unknown_and_malformed_channel_ids(client: httpx.AsyncClient, bridge: Bridge) -> None:
    assert (await client.get(f"{V3}/999999", params=bridge.dev)).status_code == 404
    response = await client.get(f"{V3}/abc", params=bridge.dev)
    assert response.status_code == 400
    assert "channelId" in error_fields(response)


@pytest.mark.asyncio
async def test_archive_deactivates_accounts_and_hides_the_channel(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    account = await client.post(
        bridge.accounts_url,
        headers=bridge.auth,
        json={"inboxId": str(bridge.inbox_id), "name": "Main", "authorized": True},
    )
    account_id = account.json()["id"]
    assert account.json()["active"] is True

    assert (await client.delete(f"{V3}/{bridge.channel_id}", params=bridge.dev)).status_code == 204
    assert (await client.delete(f"{V3}/{bridge.channel_id}", params=bridge.dev)).status_code == 404
    assert (
        await client.patch(f"{V3}/{bridge.channel_id}", params=bridge.dev, json={})
    ).status_code == 404
    # The account API goes through the channel, now gone.
    response = await client.get(f"{bridge.accounts_url}/{account_id}", headers=bridge.auth)
    assert response.status_code == 404
    # The account itself stays readable, inactive, through the Conversations API.
    view = await client.get(
        f"/conversations/v3/conversations/channel-accounts/{account_id}", headers=bridge.auth
    )
    assert view.status_code == 200
    assert view.json()["active"] is False


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://metadata.google.internal/hook",
    ],
)
async def test_private_network_webhook_urls_are_refused(
    settings: Settings, db: Database, url: str
) -> None:
    strict = create_app(settings.model_copy(update={"webhook_allow_private": False}), db=db)
    app = await factories.create_app(db)
    query = {"hapikey": app.developer_api_key, "appId": str(app.app_id)}
    transport = httpx.ASGITransport(app=strict)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            "/conversations/v3/custom-channels",
            params=query,
            json={"name": "Chat", "capabilities": {}, "webhookUrl": url},
        )
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["in"] == "webhookUrl"
        listed = await client.get("/conversations/v3/custom-channels", params=query)
        assert listed.json()["total"] == 0
