"""A direct route (api/direct.py), seen through publish: it authorises before it looks at the
request, names every bad part of it in one error body, and is documented like any route."""

from __future__ import annotations

import httpx
import pytest

from frontdesk.core.db import Database
from tests.messages.publish_setup import V3, count_rows, error_fields, make_bridge, message_body


@pytest.mark.asyncio
async def test_a_caller_without_a_token_learns_nothing_of_its_body(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    for content in (b'{"text": ', b"{}", b"[]"):
        response = await client.post(
            bridge.url, content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code == 401, response.text
        assert response.json()["category"] == "INVALID_AUTHENTICATION"


@pytest.mark.asyncio
async def test_a_bad_path_id_and_a_bad_body_are_named_together(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    before = await count_rows(db)
    body = {k: v for k, v in message_body(bridge).items() if k != "text"}
    response = await client.post(f"{V3}/0/messages", json=body, headers=bridge.auth)
    assert response.status_code == 400, response.text
    assert error_fields(response) == ["channelId", "text"]
    assert await count_rows(db) == before


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("text/plain", 400),
        ("application/x-www-form-urlencoded", 400),
        ("application/json; charset=utf-8", 201),
        ("application/vnd.bridge+json", 201),
    ],
)
@pytest.mark.asyncio
async def test_only_a_json_content_type_is_read_as_json(
    db: Database, client: httpx.AsyncClient, content_type: str, status: int
) -> None:
    bridge = await make_bridge(db)
    response = await client.post(
        bridge.url,
        content=httpx.Request("POST", "/", json=message_body(bridge)).content,
        headers={**bridge.auth, "content-type": content_type},
    )
    assert response.status_code == status, response.text
    if status == 400:
        assert error_fields(response) == ["body"]


@pytest.mark.asyncio
async def test_the_document_describes_the_path_id_and_the_body(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"][f"{V3}/{{channelId}}/messages"]["post"]
    (parameter,) = operation["parameters"]
    assert parameter["name"] == "channelId"
    assert parameter["in"] == "path"
    assert parameter["schema"]["type"] == "integer"
    assert operation["requestBody"]["required"] is True
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/PublishRequest"}
    components = document["components"]["schemas"]
    publish = components["PublishRequest"]
    assert {"text", "messageDirection", "channelAccountId", "senders"} <= set(publish["required"])
    # The models it uses are there too: no reference points nowhere.
    refs = _refs(document)
    assert refs, "the document refers to components"
    assert {ref.removeprefix("#/components/schemas/") for ref in refs} <= set(components)


def _refs(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node)) if node else set()
    return set()
