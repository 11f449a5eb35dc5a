"""Channel accounts over the app token (reference 4.1, 4.2)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update

from frontdesk.accounts.models import Inbox
from frontdesk.api.router import CUSTOM_CHANNEL_PREFIXES
from frontdesk.channels.models import ChannelAccount
from frontdesk.core.db import Database
from tests import factories
from tests.channels.conftest import (
    V3,
    Bridge,
    count_rows,
    error_fields,
    event_rows,
    make_bridge,
)


def account_body(bridge: Bridge, **over: Any) -> dict[str, Any]:
    return {"inboxId": str(bridge.inbox_id), "name": "Main line", "authorized": True, **over}


async def create_account(client: httpx.AsyncClient, bridge: Bridge, **over: Any) -> dict[str, Any]:
    response = await client.post(
        bridge.accounts_url, headers=bridge.auth, json=account_body(bridge, **over)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def archive_account(db: Database, account_id: str) -> None:
    async with db.transaction() as uow:
        await uow.execute(
            update(ChannelAccount)
            .where(ChannelAccount.id == int(account_id))
            .values(archived=True, archived_at=1_700_000_000_000)
        )


@pytest.mark.asyncio
@pytest.mark.parametrize("prefix", CUSTOM_CHANNEL_PREFIXES)
async def test_every_path_alias_answers(
    client: httpx.AsyncClient, bridge: Bridge, prefix: str
) -> None:
    base = f"{prefix}/{bridge.channel_id}/channel-accounts"
    created = await client.post(base, headers=bridge.auth, json=account_body(bridge))
    assert created.status_code == 201
    item = f"{base}/{created.json()['id']}"
    assert created.headers["location"] == f"http://testserver{item}"
    assert (await client.get(base, headers=bridge.auth)).json()["total"] == 1
    assert (await client.get(item, headers=bridge.auth)).status_code == 200
    patched = await client.patch(item, headers=bridge.auth, json={"name": "Renamed"})
    assert patched.json()["name"] == "Renamed"


@pytest.mark.asyncio
async def test_create_answers_the_account_and_emits_an_event(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    account = await create_account(
        client,
        bridge,
        inboxId=bridge.inbox_id,  # a number is accepted as well as a string
        authorized=False,
        deliveryIdentifier={"type": "HS_PHONE_NUMBER", "value": "+44 20 7946 0958"},
    )
    assert account == {
        "id": account["id"],
        "channelId": str(bridge.channel_id),
        "inboxId": str(bridge.inbox_id),
        "name": "Main line",
        "active": True,
        "authorized": False,
        "archived": False,
        "createdAt": account["createdAt"],
        "deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": "+442079460958"},
    }
    events = await event_rows(db, "channel_account.created")
    assert len(events) == 1
    assert events[0].admins is True
    assert events[0].payload == {
        "channelId": str(bridge.channel_id),
        "channelAccountId": account["id"],
        "inboxId": str(bridge.inbox_id),
    }


@pytest.mark.asyncio
async def test_delivery_identifier_is_optional_and_emails_are_lower_cased(
    client: httpx.AsyncClient, bridge: Bridge
) -> None:
    plain = await create_account(client, bridge)
    assert "deliveryIdentifier" not in plain
    assert "archivedAt" not in plain
    email = await create_account(
        client,
        bridge,
        deliveryIdentifier={"type": "HS_EMAIL_ADDRESS", "value": " Desk@Example.COM"},
    )
    assert email["deliveryIdentifier"]["value"] == "desk@example.com"
    opaque = await create_account(
        client,
        bridge,
        deliveryIdentifier={"type": "CHANNEL_SPECIFIC_OPAQUE_ID", "value": " Page-42 "},
    )
    assert opaque["deliveryIdentifier"]["value"] == " Page-42 "


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"inboxId": None}, "inboxId"),
        ({"inboxId": "abc"}, "inboxId"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"authorized": None}, "authorized"),
        ({"deliveryIdentifier": {"type": "FAX", "value": "1"}}, "deliveryIdentifier.type"),
        ({"deliveryIdentifier": {"type": "HS_PHONE_NUMBER"}}, "deliveryIdentifier.value"),
        (
            {"deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": "+1 555 0000"}},
            "deliveryIdentifier.value",
        ),
        (
            {"deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": "call me"}},
            "deliveryIdentifier.value",
        ),
        (
            {"deliveryIdentifier": {"type": "HS_EMAIL_ADDRESS", "value": "not-an-email"}},
            "deliveryIdentifier.value",
        ),
        (
            {"deliveryIdentifier": {"type": "CHANNEL_SPECIFIC_OPAQUE_ID", "value": ""}},
            "deliveryIdentifier.value",
        ),
        (
            {"deliveryIdentifier": {"type": "CHANNEL_SPECIFIC_OPAQUE_ID", "value": "x" * 513}},
            "deliveryIdentifier.value",
        ),
    ],
)
async def test_create_refuses_bad_bodies_and_writes_nothing(
    db: Database, client: httpx.AsyncClient, bridge: Bridge, over: dict[str, Any], field: str
) -> None:
    body = {k: v for k, v in account_body(bridge, **over).items() if v is not None or k in over}
    before = await count_rows(db)
    response = await client.post(bridge.accounts_url, headers=bridge.auth, json=body)
    assert response.status_code == 400, response.text
    assert field in error_fields(response)
    assert await count_rows(db) == before


@pytest.mark.asyncio
@pytest.mark.parametrize("missing", ["inboxId", "name", "authorized"])
async def test_create_requires_its_fields(
    db: Database, client: httpx.AsyncClient, bridge: Bridge, missing: str
) -> None:
    body = account_body(bridge)
    del body[missing]
    before = await count_rows(db)
    response = await client.post(bridge.accounts_url, headers=bridge.auth, json=body)
    assert response.status_code == 400
    assert missing in error_fields(response)
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_create_needs_an_inbox_that_exists_and_is_not_archived(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    archived_inbox = await factories.create_inbox(db)
    async with db.transaction() as uow:
        await uow.execute(update(Inbox).where(Inbox.id == archived_inbox).values(archived=True))
    before = await count_rows(db)
    for inbox_id in ("999999", str(archived_inbox)):
        response = await client.post(
            bridge.accounts_url, headers=bridge.auth, json=account_body(bridge, inboxId=inbox_id)
        )
        assert response.status_code == 404
        assert error_fields(response) == ["inboxId"]
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_bearer_token_and_scopes_are_checked(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    account = await create_account(client, bridge)
    urls = [
        ("GET", bridge.accounts_url, None),
        ("POST", bridge.accounts_url, account_body(bridge)),
        ("GET", f"{bridge.accounts_url}/{account['id']}", None),
        ("PATCH", f"{bridge.accounts_url}/{account['id']}", {"name": "x"}),
        ("PATCH", f"{V3}/{bridge.channel_id}/channel-account-staging-tokens/tok", {}),
    ]
    reader = await factories.create_app(db, scopes=["conversations.read"])
    user_id = await factories.create_user(db, role="admin")
    personal = await factories.create_personal_token(db, user_id=user_id)
    before = await count_rows(db)
    for method, url, body in urls:
        missing = await client.request(method, url, json=body)
        assert missing.status_code == 401
        assert missing.json()["category"] == "INVALID_AUTHENTICATION"
        wrong = await client.request(method, url, json=body, headers=factories.bearer("nope"))
        assert wrong.status_code == 401
        # The developer key does not open the account endpoints.
        assert (await client.request(method, url, json=body, params=bridge.dev)).status_code == 401
        scoped = await client.request(
            method, url, json=body, headers=factories.bearer(reader.access_token)
        )
        assert scoped.status_code == 403
        assert scoped.json()["category"] == "MISSING_SCOPES"
        assert "conversations.custom_channels.write" in scoped.json()["context"]["missingScopes"]
        as_user = await client.request(method, url, json=body, headers=factories.bearer(personal))
        assert as_user.status_code == 403
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_either_custom_channel_scope_is_enough(
    db: Database, client: httpx.AsyncClient
) -> None:
    for scope in ("conversations.custom_channels.read", "conversations.custom_channels.write"):
        app = await factories.create_app(db, scopes=[scope])
        params = {"hapikey": app.developer_api_key, "appId": str(app.app_id)}
        channel = await client.post(V3, params=params, json={"name": "C", "capabilities": {}})
        url = f"{V3}/{channel.json()['id']}/channel-accounts"
        response = await client.get(url, headers=factories.bearer(app.access_token))
        assert response.status_code == 200


@pytest.mark.asyncio
async def test_another_apps_or_an_archived_channel_is_not_found(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    account = await create_account(client, bridge)
    other = await make_bridge(db, client)
    item = f"{bridge.accounts_url}/{account['id']}"
    for method, url, body in [
        ("GET", bridge.accounts_url, None),
        ("POST", bridge.accounts_url, account_body(bridge)),
        ("GET", item, None),
        ("PATCH", item, {"name": "Stolen"}),
    ]:
        response = await client.request(method, url, json=body, headers=other.auth)
        assert response.status_code == 404, (method, url)
    # An account of another channel is not found through this one.
    moved = f"{other.accounts_url}/{account['id']}"
    assert (await client.get(moved, headers=other.auth)).status_code == 404

    await client.delete(f"{V3}/{bridge.channel_id}", params=bridge.dev)
    response = await client.post(
        bridge.accounts_url, headers=bridge.auth, json=account_body(bridge)
    )
    assert response.status_code == 404
    assert (await client.get(bridge.accounts_url, headers=bridge.auth)).status_code == 404


@pytest.mark.asyncio
async def test_list_filters_by_delivery_identifier(
    client: httpx.AsyncClient, bridge: Bridge
) -> None:
    phone = await create_account(
        client, bridge, deliveryIdentifier={"type": "HS_PHONE_NUMBER", "value": "+442079460958"}
    )
    email = await create_account(
        client, bridge, deliveryIdentifier={"type": "HS_EMAIL_ADDRESS", "value": "a@example.com"}
    )
    opaque = await create_account(
        client,
        bridge,
        deliveryIdentifier={"type": "CHANNEL_SPECIFIC_OPAQUE_ID", "value": "a@example.com"},
    )
    await create_account(client, bridge)

    async def ids(**params: Any) -> list[str]:
        response = await client.get(bridge.accounts_url, headers=bridge.auth, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["results"])
        return [a["id"] for a in body["results"]]

    assert await ids(deliveryIdentifierType="HS_PHONE_NUMBER") == [phone["id"]]
    assert await ids(deliveryIdentifierType=["HS_PHONE_NUMBER", "HS_EMAIL_ADDRESS"]) == [
        phone["id"],
        email["id"],
    ]
    # A value matches in its normalised form too.
    assert await ids(deliveryIdentifierValue="+44 20 7946 0958") == [phone["id"]]
    assert await ids(deliveryIdentifierValue="A@Example.com") == [email["id"]]
    assert await ids(deliveryIdentifierValue="a@example.com") == [email["id"], opaque["id"]]
    # Pairwise when both lists are equally long...
    assert await ids(
        deliveryIdentifierType=["CHANNEL_SPECIFIC_OPAQUE_ID", "HS_PHONE_NUMBER"],
        deliveryIdentifierValue=["a@example.com", "+442079460958"],
    ) == [phone["id"], opaque["id"]]
    # ... else any of the types and any of the values.
    assert await ids(
        deliveryIdentifierType=["CHANNEL_SPECIFIC_OPAQUE_ID", "HS_PHONE_NUMBER"],
        deliveryIdentifierValue=["+442079460958"],
    ) == [phone["id"]]
    bad = await client.get(
        bridge.accounts_url, headers=bridge.auth, params={"deliveryIdentifierType": "FAX"}
    )
    assert bad.status_code == 400
    assert "deliveryIdentifierType[0]" in error_fields(bad)


@pytest.mark.asyncio
async def test_list_archived_flag_and_paging(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    accounts = [await create_account(client, bridge, name=f"A{i}") for i in range(6)]
    await archive_account(db, accounts[0]["id"])
    archived = (
        await client.get(bridge.accounts_url, headers=bridge.auth, params={"archived": "true"})
    ).json()
    assert [a["id"] for a in archived["results"]] == [accounts[0]["id"]]
    assert archived["results"][0]["archived"] is True
    assert archived["results"][0]["archivedAt"].endswith("Z")

    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2, "sort": "-id"}
    for page in range(3):
        body = (await client.get(bridge.accounts_url, headers=bridge.auth, params=params)).json()
        assert body["total"] == 5
        seen += [a["id"] for a in body["results"]]
        if page < 2:
            params = {**params, "after": body["paging"]["next"]["after"]}
        else:
            assert "paging" not in body
    assert seen == [a["id"] for a in reversed(accounts[1:])]
    by_creation = (
        await client.get(
            bridge.accounts_url, headers=bridge.auth, params={"sort": "createdAt", "limit": 3}
        )
    ).json()
    assert [a["id"] for a in by_creation["results"]] == [a["id"] for a in accounts[1:4]]


@pytest.mark.asyncio
async def test_get_one_respects_the_archived_flag(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    account = await create_account(client, bridge)
    item = f"{bridge.accounts_url}/{account['id']}"
    assert (await client.get(item, headers=bridge.auth)).json() == account
    assert (
        await client.get(f"{bridge.accounts_url}/999999", headers=bridge.auth)
    ).status_code == 404
    await archive_account(db, account["id"])
    assert (await client.get(item, headers=bridge.auth)).status_code == 404
    response = await client.get(item, headers=bridge.auth, params={"archived": "true"})
    assert response.json()["archived"] is True
    # An archived account cannot be changed.
    assert (await client.patch(item, headers=bridge.auth, json={"name": "x"})).status_code == 404


@pytest.mark.asyncio
async def test_patch_renames_and_deauthorizes_only(
    db: Database, client: httpx.AsyncClient, bridge: Bridge
) -> None:
    account = await create_account(
        client, bridge, deliveryIdentifier={"type": "HS_PHONE_NUMBER", "value": "+442079460958"}
    )
    other_inbox = await factories.create_inbox(db)
    item = f"{bridge.accounts_url}/{account['id']}"
    response = await client.patch(
        item,
        headers=bridge.auth,
        json={
            "name": "Support line",
            "authorized": False,
            "inboxId": str(other_inbox),
            "deliveryIdentifier": {"type": "HS_EMAIL_ADDRESS", "value": "x@example.com"},
        },
    )
    assert response.status_code == 200
    assert response.json() == {**account, "name": "Support line", "authorized": False}
    assert (await client.get(item, headers=bridge.auth)).json() == response.json()
    updated = await event_rows(db, "channel_account.updated")
    assert [e.payload["channelAccountId"] for e in updated] == [account["id"]]
    assert updated[0].admins is True

    # Nothing changed: no event.
    same = await client.patch(item, headers=bridge.auth, json={"name": "Support line"})
    assert same.status_code == 200
    assert len(await event_rows(db, "channel_account.updated")) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": None}, "name"), ({"name": ""}, "name"), ({"authorized": "maybe"}, "authorized")],
)
async def test_patch_refuses_bad_fields(
    db: Database, client: httpx.AsyncClient, bridge: Bridge, body: dict[str, Any], field: str
) -> None:
    account = await create_account(client, bridge)
    item = f"{bridge.accounts_url}/{account['id']}"
    before = await count_rows(db)
    response = await client.patch(item, headers=bridge.auth, json=body)
    assert response.status_code == 400
    assert field in error_fields(response)
    assert await count_rows(db) == before
    assert (await client.get(item, headers=bridge.auth)).json() == account
