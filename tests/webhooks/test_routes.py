"""The Webhooks API endpoints: settings and subscriptions over the developer key
(reference 1.5, 8)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import update

from frontdesk.app import create_app
from frontdesk.apps.models import AccessToken
from frontdesk.config import Settings
from frontdesk.core.db import Database
from tests.webhooks.helpers import Dev, count_rows, make_dev

SETTINGS_BODY: dict[str, Any] = {
    "targetUrl": "https://bridge.example.com/hubspot/events",
    "throttling": {"maxConcurrentRequests": 10, "period": "SECONDLY"},
}


def error_ins(response: httpx.Response) -> list[str]:
    body = response.json()
    assert set(body) >= {"status", "message", "correlationId", "category"}
    return [e.get("in") for e in body.get("errors", [])]


async def create(
    client: httpx.AsyncClient, dev: Dev, body: dict[str, Any], *, version: str = "v3"
) -> dict[str, Any]:
    response = await client.post(
        dev.url("/subscriptions", version=version), params=dev.key, json=body
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest_asyncio.fixture
async def dev(db: Database) -> Dev:
    return await make_dev(db)


# --- settings ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_settings_are_set_read_replaced_and_cleared(
    client: httpx.AsyncClient, dev: Dev
) -> None:
    url = dev.url("/settings")
    missing = await client.get(url, params=dev.key)
    assert missing.status_code == 404
    assert missing.json()["category"] == "OBJECT_NOT_FOUND"

    put = await client.put(url, params=dev.key, json=SETTINGS_BODY)
    assert put.status_code == 200, put.text
    first = put.json()
    assert first["targetUrl"] == SETTINGS_BODY["targetUrl"]
    assert first["throttling"] == {"maxConcurrentRequests": 10, "period": "SECONDLY"}
    assert first["createdAt"].endswith("Z")
    assert (await client.get(url, params=dev.key)).json() == first

    changed = {
        "targetUrl": "https://bridge.example.com/v2",
        "throttling": {"maxConcurrentRequests": 5},
    }
    second = (await client.put(url, params=dev.key, json=changed)).json()
    assert second["targetUrl"] == "https://bridge.example.com/v2"
    assert second["throttling"] == {"maxConcurrentRequests": 5, "period": "SECONDLY"}
    assert second["createdAt"] == first["createdAt"]

    assert (await client.delete(url, params=dev.key)).status_code == 204
    assert (await client.get(url, params=dev.key)).status_code == 404
    assert (await client.delete(url, params=dev.key)).status_code == 204


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"throttling": {"maxConcurrentRequests": 10}}, "targetUrl"),
        ({"targetUrl": "https://example.com/h"}, "throttling"),
        (
            {"targetUrl": "https://example.com/h", "throttling": {}},
            "throttling.maxConcurrentRequests",
        ),
        (
            {"targetUrl": "https://example.com/h", "throttling": {"maxConcurrentRequests": 0}},
            "throttling.maxConcurrentRequests",
        ),
        (
            {
                "targetUrl": "https://example.com/h",
                "throttling": {"maxConcurrentRequests": 5, "period": "HOURLY"},
            },
            "throttling.period",
        ),
        ({**SETTINGS_BODY, "targetUrl": "ftp://example.com/h"}, "targetUrl"),
        ({**SETTINGS_BODY, "targetUrl": "https://user:pw@example.com/h"}, "targetUrl"),
        ({**SETTINGS_BODY, "targetUrl": "/relative"}, "targetUrl"),
    ],
)
async def test_bad_settings_are_refused_naming_the_field(
    client: httpx.AsyncClient, db: Database, dev: Dev, body: dict[str, Any], where: str
) -> None:
    response = await client.put(dev.url("/settings"), params=dev.key, json=body)
    assert response.status_code == 400, response.text
    assert where in error_ins(response)
    assert (await count_rows(db))["webhook_settings"] == 0


@pytest_asyncio.fixture
async def strict_client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app that refuses private-network targets (the production default)."""
    strict = create_app(settings.model_copy(update={"webhook_allow_private": False}), db=db)
    transport = httpx.ASGITransport(app=strict)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://metadata.google.internal/hook",
    ],
)
async def test_private_targets_are_refused_unless_allowed(
    strict_client: httpx.AsyncClient, client: httpx.AsyncClient, db: Database, dev: Dev, target: str
) -> None:
    body = {**SETTINGS_BODY, "targetUrl": target}
    refused = await strict_client.put(dev.url("/settings"), params=dev.key, json=body)
    assert refused.status_code == 400, refused.text
    assert error_ins(refused) == ["targetUrl"]
    assert (await count_rows(db))["webhook_settings"] == 0
    # The test settings allow private networks (FRONTDESK_WEBHOOK_ALLOW_PRIVATE).
    allowed = await client.put(dev.url("/settings"), params=dev.key, json=body)
    assert allowed.status_code == 200, allowed.text


@pytest.mark.asyncio
async def test_a_public_target_passes_the_strict_check(
    strict_client: httpx.AsyncClient, dev: Dev
) -> None:
    body = {**SETTINGS_BODY, "targetUrl": "http://93.184.216.34/hook"}
    response = await strict_client.put(dev.url("/settings"), params=dev.key, json=body)
    assert response.status_code == 200, response.text


# --- authentication ------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", "/settings"),
        ("PUT", "/settings"),
        ("DELETE", "/settings"),
        ("GET", "/subscriptions"),
        ("POST", "/subscriptions"),
        ("POST", "/subscriptions/batch/update"),
        ("GET", "/subscriptions/1"),
        ("PATCH", "/subscriptions/1"),
        ("DELETE", "/subscriptions/1"),
    ],
)
async def test_every_endpoint_needs_the_apps_developer_key(
    client: httpx.AsyncClient, db: Database, dev: Dev, method: str, suffix: str
) -> None:
    other = await make_dev(db)
    url = dev.url(suffix)
    json = {"active": True} if method == "PATCH" else None
    cases = [
        ({}, 401),
        ({"hapikey": "fdk_wrong"}, 401),
        (other.key, 401),  # another app's key for this app's path
        ({**other.key, "appId": str(other.app_id)}, 403),  # valid key, another app's path
        ({**dev.key, "appId": str(other.app_id)}, 401),  # query names another app
    ]
    for params, status in cases:
        response = await client.request(method, url, params=params, json=json)
        assert response.status_code == status, (params, response.text)
        assert response.json()["category"] in ("INVALID_AUTHENTICATION", "FORBIDDEN")
    assert await count_rows(db) == {"webhook_settings": 0, "webhook_subscriptions": 0}


@pytest.mark.asyncio
async def test_the_query_app_id_may_repeat_the_paths(client: httpx.AsyncClient, dev: Dev) -> None:
    params = {**dev.key, "appId": str(dev.app_id)}
    response = await client.get(dev.url("/subscriptions"), params=params)
    assert response.status_code == 200
    assert response.json() == {"results": []}


@pytest.mark.asyncio
async def test_a_bad_app_id_in_the_path_is_a_400(client: httpx.AsyncClient, dev: Dev) -> None:
    response = await client.get("/webhooks/v3/abc/settings", params=dev.key)
    assert response.status_code == 400
    assert "appId" in error_ins(response)


# --- subscriptions -------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("version", ["v3", "2026-03"])
async def test_subscription_lifecycle(client: httpx.AsyncClient, dev: Dev, version: str) -> None:
    created = await client.post(
        dev.url("/subscriptions", version=version),
        params=dev.key,
        json={"eventType": "conversation.propertyChange", "propertyName": "status"},
    )
    assert created.status_code == 201, created.text
    subscription = created.json()
    assert subscription["eventType"] == "conversation.propertyChange"
    assert subscription["propertyName"] == "status"
    assert subscription["active"] is False  # HubSpot's default
    assert isinstance(subscription["id"], str)
    item = dev.url(f"/subscriptions/{subscription['id']}", version=version)
    assert created.headers["location"].endswith(item)

    assert (await client.get(item, params=dev.key)).json() == subscription
    listed = await client.get(dev.url("/subscriptions", version=version), params=dev.key)
    assert listed.json() == {"results": [subscription]}

    patched = await client.patch(item, params=dev.key, json={"active": True})
    assert patched.status_code == 200
    assert patched.json()["active"] is True
    assert patched.json()["createdAt"] == subscription["createdAt"]

    assert (await client.delete(item, params=dev.key)).status_code == 204
    assert (await client.get(item, params=dev.key)).status_code == 404
    assert (await client.delete(item, params=dev.key)).status_code == 404


@pytest.mark.asyncio
async def test_every_conversation_event_type_is_accepted(
    client: httpx.AsyncClient, dev: Dev
) -> None:
    types = [
        "conversation.creation",
        "conversation.deletion",
        "conversation.privacyDeletion",
        "conversation.propertyChange",
        "conversation.newMessage",
    ]
    for event_type in types:
        body = await create(client, dev, {"eventType": event_type, "active": True})
        assert body["eventType"] == event_type
        assert "propertyName" not in body
    listed = (await client.get(dev.url("/subscriptions"), params=dev.key)).json()["results"]
    assert [s["eventType"] for s in listed] == types


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({}, "eventType"),
        ({"eventType": "contact.creation"}, "eventType"),
        ({"eventType": "conversation.creation", "active": "maybe"}, "active"),
        ({"eventType": "conversation.propertyChange", "propertyName": "subject"}, "propertyName"),
        ({"eventType": "conversation.newMessage", "propertyName": "status"}, "propertyName"),
    ],
)
async def test_bad_subscriptions_are_refused_naming_the_field(
    client: httpx.AsyncClient, db: Database, dev: Dev, body: dict[str, Any], where: str
) -> None:
    response = await client.post(dev.url("/subscriptions"), params=dev.key, json=body)
    assert response.status_code == 400, response.text
    assert where in error_ins(response)
    assert (await count_rows(db))["webhook_subscriptions"] == 0


@pytest.mark.asyncio
async def test_the_same_subscription_twice_is_a_conflict(
    client: httpx.AsyncClient, db: Database, dev: Dev
) -> None:
    body = {"eventType": "conversation.propertyChange", "propertyName": "assignedTo"}
    await create(client, dev, body)
    again = await client.post(dev.url("/subscriptions"), params=dev.key, json=body)
    assert again.status_code == 409
    assert error_ins(again) == ["eventType"]
    # Another property, or none, is a different subscription.
    await create(client, dev, {**body, "propertyName": "status"})
    await create(client, dev, {"eventType": "conversation.propertyChange"})
    assert (await count_rows(db))["webhook_subscriptions"] == 3


@pytest.mark.asyncio
async def test_subscribing_needs_a_token_with_conversations_read(
    client: httpx.AsyncClient, db: Database
) -> None:
    dev = await make_dev(db, scopes=["conversations.custom_channels.write"])
    response = await client.post(
        dev.url("/subscriptions"), params=dev.key, json={"eventType": "conversation.creation"}
    )
    assert response.status_code == 403
    body = response.json()
    assert body["category"] == "MISSING_SCOPES"
    assert "conversations.read" in body["message"]
    assert body["context"]["missingScopes"] == ["conversations.read"]
    assert (await count_rows(db))["webhook_subscriptions"] == 0


@pytest.mark.asyncio
async def test_activating_needs_the_scope_pausing_does_not(
    client: httpx.AsyncClient, db: Database, dev: Dev
) -> None:
    first = await create(client, dev, {"eventType": "conversation.creation", "active": True})
    second = await create(client, dev, {"eventType": "conversation.deletion"})
    async with db.transaction() as uow:  # the installation token is revoked
        await uow.execute(
            update(AccessToken).where(AccessToken.app_id == dev.app_id).values(revoked_at=1)
        )
    item = dev.url(f"/subscriptions/{second['id']}")
    refused = await client.patch(item, params=dev.key, json={"active": True})
    assert refused.status_code == 403
    batch = {"inputs": [{"id": second["id"], "active": True}]}
    refused = await client.post(dev.url("/subscriptions/batch/update"), params=dev.key, json=batch)
    assert refused.status_code == 403
    assert (await client.get(item, params=dev.key)).json()["active"] is False

    paused = await client.patch(
        dev.url(f"/subscriptions/{first['id']}"), params=dev.key, json={"active": False}
    )
    assert paused.status_code == 200
    assert paused.json()["active"] is False


@pytest.mark.asyncio
async def test_batch_update_sets_active_on_each(client: httpx.AsyncClient, dev: Dev) -> None:
    a = await create(client, dev, {"eventType": "conversation.creation"})
    b = await create(client, dev, {"eventType": "conversation.newMessage", "active": True})
    response = await client.post(
        dev.url("/subscriptions/batch/update"),
        params=dev.key,
        json={"inputs": [{"id": b["id"], "active": False}, {"id": a["id"], "active": True}]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert [(r["id"], r["active"]) for r in body["results"]] == [(b["id"], False), (a["id"], True)]
    assert body["startedAt"] <= body["completedAt"]
    listed = (await client.get(dev.url("/subscriptions"), params=dev.key)).json()["results"]
    assert [(r["id"], r["active"]) for r in listed] == [(a["id"], True), (b["id"], False)]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("inputs", "status", "where"),
    [
        ([], 400, "inputs"),
        ([{"id": "0", "active": True}], 400, "inputs[0].id"),
        ([{"id": "A", "active": True}], 400, "inputs[0].active"),
        ([{"id": "A", "active": True}, {"id": "A", "active": False}], 400, "inputs[1].id"),
        ([{"id": "A", "active": True}, {"id": "999999", "active": True}], 404, "inputs[1].id"),
        ([{"id": "A", "active": True}, {"id": "OTHER", "active": True}], 404, "inputs[1].id"),
    ],
)
async def test_a_bad_batch_changes_nothing(
    client: httpx.AsyncClient,
    db: Database,
    dev: Dev,
    inputs: list[dict[str, Any]],
    status: int,
    where: str,
) -> None:
    mine = await create(client, dev, {"eventType": "conversation.creation"})
    other = await make_dev(db)
    theirs = await create(client, other, {"eventType": "conversation.creation"})
    ids = {"A": mine["id"], "OTHER": theirs["id"]}
    for item in inputs:
        item["id"] = ids.get(item["id"], item["id"])
    if where == "inputs[0].active":
        inputs[0]["active"] = "perhaps"
    response = await client.post(
        dev.url("/subscriptions/batch/update"), params=dev.key, json={"inputs": inputs}
    )
    assert response.status_code == status, response.text
    assert where in error_ins(response)
    assert (await client.get(dev.url(f"/subscriptions/{mine['id']}"), params=dev.key)).json()[
        "active"
    ] is False


@pytest.mark.asyncio
async def test_another_apps_subscription_is_not_found(
    client: httpx.AsyncClient, db: Database, dev: Dev
) -> None:
    other = await make_dev(db)
    theirs = await create(client, other, {"eventType": "conversation.creation"})
    item = dev.url(f"/subscriptions/{theirs['id']}")
    assert (await client.get(item, params=dev.key)).status_code == 404
    assert (await client.patch(item, params=dev.key, json={"active": True})).status_code == 404
    assert (await client.delete(item, params=dev.key)).status_code == 404
    assert (await client.get(dev.url("/subscriptions"), params=dev.key)).json() == {"results": []}
    mine = await client.get(other.url(f"/subscriptions/{theirs['id']}"), params=other.key)
    assert mine.status_code == 200


@pytest.mark.asyncio
@pytest.mark.parametrize("subscription_id", ["0", "x", str(2**63)])
async def test_a_bad_subscription_id_is_a_400(
    client: httpx.AsyncClient, dev: Dev, subscription_id: str
) -> None:
    response = await client.get(dev.url(f"/subscriptions/{subscription_id}"), params=dev.key)
    assert response.status_code == 400
    assert error_ins(response) == ["subscriptionId"]


@pytest.mark.asyncio
async def test_patch_needs_active(client: httpx.AsyncClient, dev: Dev) -> None:
    created = await create(client, dev, {"eventType": "conversation.creation"})
    response = await client.patch(
        dev.url(f"/subscriptions/{created['id']}"), params=dev.key, json={}
    )
    assert response.status_code == 400
    assert error_ins(response) == ["active"]


@pytest.mark.asyncio
async def test_openapi_documents_the_v3_paths_only(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/webhooks/v3/{appId}/settings" in paths
    assert "/webhooks/v3/{appId}/subscriptions/batch/update" in paths
    assert not any(p.startswith("/webhooks/2026-03") for p in paths)
