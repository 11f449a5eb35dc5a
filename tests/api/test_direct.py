"""A direct route (api/direct.py), seen through publish: it authorises before it looks at the
request, names every bad part of it in one error body, and is documented like any route. And
DirectRoutes, which serves direct routes ahead of the framework."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message

from frontdesk.api import direct
from frontdesk.api.errors import render
from frontdesk.api.router import CUSTOM_CHANNEL_PREFIXES
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError, NotFound
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


@pytest.mark.asyncio
async def test_publish_is_served_directly_under_every_alias(app: FastAPI) -> None:
    served = {(route.path, route.endpoint.__name__) for route in app.state.direct_routes}
    assert served == {
        (f"{prefix}/{{channelId}}/messages", "publish_message")
        for prefix in CUSTOM_CHANNEL_PREFIXES
    }


# DirectRoutes alone, in front of an app that notes what reaches it.

_router = APIRouter()


@_router.post("/things/{thingId}")
@direct.route
async def _thing(request: Request) -> Response:
    thing = request.path_params["thingId"]
    if thing == "missing":
        raise NotFound("Thing", thing)
    if thing == "broken":
        raise RuntimeError("a bug")
    return PlainTextResponse(f"thing {thing}", status_code=201)


@_router.get("/plain")
async def _plain() -> str:  # not direct
    return "plain"


class _Framework:
    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.paths.append(scope["path"])
        await PlainTextResponse("framework")(scope, receive, send)


async def _app_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, AppError)
    return render(error)


async def _call(app: Any, method: str, path: str, root_path: str = "") -> tuple[int, bytes]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": root_path,
        "query_string": b"",
        "headers": [],
    }
    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


def _lane(framework: _Framework) -> direct.DirectRoutes:
    routes = direct.routes_of(_router, "/v1") + direct.routes_of(_router, "/v2")
    return direct.DirectRoutes(framework, routes=routes, handlers={AppError: _app_error})


@pytest.mark.asyncio
async def test_direct_routes_answer_before_the_framework() -> None:
    framework = _Framework()
    lane = _lane(framework)
    assert [r.path for r in lane.routes] == ["/v1/things/{thingId}", "/v2/things/{thingId}"]
    assert await _call(lane, "POST", "/v1/things/7") == (201, b"thing 7")
    assert await _call(lane, "POST", "/v2/things/8") == (201, b"thing 8")
    assert await _call(lane, "POST", "/app/v1/things/9", root_path="/app") == (201, b"thing 9")
    assert framework.paths == []
    # Another method, path or route: the framework's (its 405s, 404s and routes).
    for method, path in (("GET", "/v1/things/7"), ("POST", "/v1/things/7/x"), ("GET", "/plain")):
        assert await _call(lane, method, path) == (200, b"framework")
    assert framework.paths == ["/v1/things/7", "/v1/things/7/x", "/plain"]


@pytest.mark.asyncio
async def test_direct_routes_errors_get_the_apps_handlers() -> None:
    lane = _lane(_Framework())
    status, body = await _call(lane, "POST", "/v1/things/missing")
    assert status == 404
    assert b"OBJECT_NOT_FOUND" in body
    # No handler of its own: on up to the server-error middleware, as from any route.
    with pytest.raises(RuntimeError, match="a bug"):
        await _call(lane, "POST", "/v1/things/broken")
