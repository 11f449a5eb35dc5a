"""Bad requests across every endpoint family: each gets a 4xx (never a 5xx) in HubSpot's error
body, `errors[].in` names the field at fault, and no table gains or loses a row (issue 2, "Bad
input"; DESIGN 9; STYLE, the error-shape standing test after Datasette's).

Each case is a valid request (`VALID`, proven to succeed by `test_the_valid_requests_succeed`)
with one thing broken, so the refusal is about that one thing.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.core.db import Database
from tests.api.sweep_helpers import (
    Rule,
    World,
    assert_error_body,
    build_world,
    count_rows,
    credential_for,
    error_fields,
    protected,
)
from tests.factories import DEFAULT_CAPABILITIES, bearer, unique
from tests.files import media
from tests.files.helpers import stored_files
from tests.messages.thread_factories import new_phone, reply

CC = "/conversations/v3/custom-channels"
CV = "/conversations/v3/conversations"
SMALL_BODY = 2048  # max_body_bytes of the app with small limits
SMALL_UPLOAD = 1024  # max_upload_bytes of the app with small limits
Query = dict[str, str]
Headers = dict[str, str]


@dataclass(frozen=True)
class Request:
    """One HTTP request as httpx takes it."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    content: Any = None
    files: Any = None
    data: Any = None

    def with_json(self, change: Callable[[dict[str, Any]], Any]) -> Request:
        return replace(self, json=change(dict(self.json)))

    async def send(self, client: httpx.AsyncClient) -> httpx.Response:
        kwargs: dict[str, Any] = {"headers": self.headers, "params": self.params}
        for name in ("json", "content", "files", "data"):
            if getattr(self, name) is not None:
                kwargs[name] = getattr(self, name)
        return await client.request(self.method, self.path, **kwargs)


# --- valid requests, one per family --------------------------------------------------------


def publish(world: World) -> Request:
    setup = world.setup
    body = {
        "text": "Is my order shipped?",
        "messageDirection": "INCOMING",
        "channelAccountId": str(setup.account_id),
        "integrationThreadId": unique("thread"),
        "integrationIdempotencyId": unique("msg"),
        "senders": [{"deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": new_phone()}}],
        "recipients": [
            {"deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": "+15557654321"}}
        ],
        "attachments": [],
        "timestamp": "2026-03-01T10:00:00Z",
    }
    path = f"{CC}/{setup.channel_id}/messages"
    return Request("POST", path, headers=bearer(setup.app_token), json=body)


def create_channel(world: World) -> Request:
    body = {
        "name": unique("channel"),
        "capabilities": DEFAULT_CAPABILITIES,
        "webhookUrl": "http://127.0.0.1:9/webhook",
    }
    return Request("POST", CC, params=world.developer, json=body)


def create_account(world: World) -> Request:
    setup = world.setup
    body = {
        "inboxId": str(setup.inbox_id),
        "name": unique("account"),
        "authorized": True,
        "deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": new_phone()},
    }
    path = f"{CC}/{setup.channel_id}/channel-accounts"
    return Request("POST", path, headers=bearer(setup.app_token), json=body)


def list_threads(world: World, **params: str) -> Request:
    query = {"inboxId": str(world.setup.inbox_id), "sort": "id", **params}
    return Request("GET", f"{CV}/threads", headers=bearer(world.setup.app_token), params=query)


def close_thread(world: World) -> Request:
    path = f"{CV}/threads/{world.setup.thread_id}"
    return Request("PATCH", path, headers=bearer(world.setup.app_token), json={"status": "CLOSED"})


def send_reply(world: World) -> Request:
    path = f"{CV}/threads/{world.setup.thread_id}/messages"
    return Request("POST", path, headers=bearer(world.setup.app_token), json=reply(world.setup))


def assign(world: World) -> Request:
    path = f"{CV}/threads/{world.setup.thread_id}/assignee"
    body = {"actorId": f"A-{world.setup.agent_id}"}
    return Request("PUT", path, headers=bearer(world.setup.app_token), json=body)


def upload(world: World, data: bytes | None = None) -> Request:
    return Request(
        "POST",
        "/files/v3/files",
        headers=bearer(world.setup.app_token),
        files={"file": ("cat.png", data or media.png(), "image/png")},
        data={"options": '{"access": "PRIVATE"}'},
    )


def webhook_settings(world: World) -> Request:
    body = {"targetUrl": "http://127.0.0.1:9/hooks", "throttling": {"maxConcurrentRequests": 5}}
    path = f"/webhooks/v3/{world.app.app_id}/settings"
    return Request("PUT", path, params={"hapikey": world.app.developer_api_key}, json=body)


def create_user(world: World) -> Request:
    body = {"email": f"{unique('new')}@example.com", "password": "correct horse battery"}
    return Request("POST", "/frontdesk/v1/users", headers=bearer(world.admin_token), json=body)


VALID: dict[str, Callable[[World], Request]] = {
    "publish": publish,
    "channel create": create_channel,
    "channel account create": create_account,
    "thread list": list_threads,
    "thread update": close_thread,
    "send": send_reply,
    "assignee": assign,
    "file upload": upload,
    "webhook settings": webhook_settings,
    "user create": create_user,
}


# --- one thing broken ----------------------------------------------------------------------


def without(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda body: {k: v for k, v in body.items() if k != key}


def with_(**over: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda body: {**body, **over}


def raw(request: Request, content: Any, content_type: str = "application/json") -> Request:
    headers = {**request.headers, "Content-Type": content_type}
    return replace(request, json=None, content=content, headers=headers)


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    # No Content-Length: the limit must hold while the body streams in.
    for start in range(0, len(data), 512):
        yield data[start : start + 512]


def _big_text(world: World) -> Request:
    return publish(world).with_json(with_(text="x" * (2 * SMALL_BODY)))


def _multipart_without_file(world: World) -> Request:
    return replace(upload(world), files={"fileName": (None, "cat")}, data=None)


@dataclass(frozen=True)
class Case:
    """A broken request; `where` is the field `errors[].in` must name (None: no field is at
    fault, e.g. an unknown path); `small` runs it on the app with small size limits."""

    name: str
    build: Callable[[World], Request]
    status: int
    where: str | None
    small: bool = False


CASES: list[Case] = [
    # publish (reference 5.1)
    Case("publish: missing text", lambda w: publish(w).with_json(without("text")), 400, "text"),
    Case(
        "publish: bad direction enum",
        lambda w: publish(w).with_json(with_(messageDirection="SIDEWAYS")),
        400,
        "messageDirection",
    ),
    Case(
        "publish: bad timestamp",
        lambda w: publish(w).with_json(with_(timestamp="yesterday")),
        400,
        "timestamp",
    ),
    Case(
        "publish: foreign channelAccountId",
        lambda w: publish(w).with_json(with_(channelAccountId=str(w.foreign_account_id))),
        404,
        "channelAccountId",
    ),
    # custom channels (reference 3)
    Case(
        "channel create: missing name",
        lambda w: create_channel(w).with_json(without("name")),
        400,
        "name",
    ),
    Case(
        "channel create: capabilities not an object",
        lambda w: create_channel(w).with_json(with_(capabilities=["BOLD"])),
        400,
        "capabilities",
    ),
    Case(
        "channel create: bad threading model",
        lambda w: create_channel(w).with_json(
            with_(capabilities={**DEFAULT_CAPABILITIES, "threadingModel": "BY_MOOD"})
        ),
        400,
        "capabilities.threadingModel",
    ),
    Case(
        "channel create: bad webhook URL",
        lambda w: create_channel(w).with_json(with_(webhookUrl="ftp://bridge.example.com")),
        400,
        "webhookUrl",
    ),
    # channel accounts (reference 4)
    Case(
        "channel account: unknown inbox",
        lambda w: create_account(w).with_json(with_(inboxId="987654321")),
        404,
        "inboxId",
    ),
    Case(
        "channel account: missing authorized",
        lambda w: create_account(w).with_json(without("authorized")),
        400,
        "authorized",
    ),
    # threads (reference 7.4)
    Case("threads: bad sort", lambda w: list_threads(w, sort="mood"), 400, "sort"),
    Case("threads: bad cursor", lambda w: list_threads(w, after="not-a-cursor"), 400, "after"),
    Case(
        "threads: bad status filter",
        lambda w: list_threads(w, threadStatus="SNOOZED"),
        400,
        "threadStatus",
    ),
    Case("threads: limit out of range", lambda w: list_threads(w, limit="100000"), 400, "limit"),
    Case(
        "thread PATCH: status and archived together",
        lambda w: close_thread(w).with_json(with_(archived=False)),
        400,
        "archived",
    ),
    Case(
        "thread PATCH: bad status",
        lambda w: close_thread(w).with_json(with_(status="SNOOZED")),
        400,
        "status",
    ),
    # send (reference 7.5)
    Case(
        "send: missing senderActorId",
        lambda w: send_reply(w).with_json(without("senderActorId")),
        400,
        "senderActorId",
    ),
    Case(
        "send: unknown message type",
        lambda w: send_reply(w).with_json(with_(type="FAX")),
        400,
        "type",
    ),
    # assignee
    Case(
        "assignee: not an agent actor id",
        lambda w: assign(w).with_json(with_(actorId="V-1")),
        400,
        "actorId",
    ),
    Case(
        "assignee: missing actorId",
        lambda w: assign(w).with_json(without("actorId")),
        400,
        "actorId",
    ),
    # files (HubSpot Files API v3)
    Case(
        "files: not multipart",
        lambda w: raw(upload(w), b'{"file": "cat.png"}'),
        415,
        "Content-Type",
    ),
    Case("files: no file part", _multipart_without_file, 400, "file"),
    Case(
        "files: bad options JSON",
        lambda w: replace(upload(w), data={"options": "{access"}),
        400,
        "options",
    ),
    Case(
        "files: oversize",
        lambda w: upload(w, b"\x00" * (4 * SMALL_UPLOAD)),
        413,
        "file",
        small=True,
    ),
    # webhooks API (reference 8)
    Case(
        "webhooks: bad targetUrl",
        lambda w: webhook_settings(w).with_json(with_(targetUrl="not a url")),
        400,
        "targetUrl",
    ),
    Case(
        "webhooks: missing throttling",
        lambda w: webhook_settings(w).with_json(without("throttling")),
        400,
        "throttling",
    ),
    # /frontdesk/v1
    Case(
        "users: missing password",
        lambda w: create_user(w).with_json(without("password")),
        400,
        "password",
    ),
    Case(
        "users: bad role",
        lambda w: create_user(w).with_json(with_(role="overlord")),
        400,
        "role",
    ),
    # anything
    Case("body: not JSON", lambda w: raw(publish(w), b'{"text": "hi",'), 400, "body"),
    Case("body: a JSON array", lambda w: raw(publish(w), b"[]"), 400, "body"),
    Case("body: a JSON string", lambda w: raw(send_reply(w), b'"hello"'), 400, "body"),
    Case("body: empty", lambda w: raw(create_user(w), b""), 400, "body"),
    Case(
        "path: unknown",
        lambda w: replace(list_threads(w), path=f"{CV}/threadz"),
        404,
        None,
    ),
    Case(
        "path: id not a number",
        lambda w: replace(close_thread(w), path=f"{CV}/threads/abc"),
        400,
        "threadId",
    ),
    Case("method: not allowed", lambda w: replace(list_threads(w), method="DELETE"), 405, None),
    Case("body: over max_body_bytes", _big_text, 413, None, small=True),
    Case(
        "body: over max_body_bytes, streamed without Content-Length",
        lambda w: raw(publish(w), _chunks(b'{"text": "' + b"x" * (2 * SMALL_BODY) + b'"}')),
        413,
        None,
        small=True,
    ),
]


@pytest_asyncio.fixture
async def small_client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a second app on the same database with small body and upload limits."""
    small = settings.model_copy(
        update={"max_body_bytes": SMALL_BODY, "max_upload_bytes": SMALL_UPLOAD}
    )
    app: FastAPI = create_app(small, db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.mark.asyncio
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_bad_request_gets_the_error_body_and_writes_nothing(
    db: Database,
    settings: Settings,
    client: httpx.AsyncClient,
    small_client: httpx.AsyncClient,
    case: Case,
) -> None:
    world = await build_world(db, client)
    request = case.build(world)
    files_before = stored_files(settings)
    rows_before = await count_rows(db)

    response = await request.send(small_client if case.small else client)

    body = assert_error_body(response, case.status)
    if case.where is not None:
        assert case.where in error_fields(body), body
    assert await count_rows(db) == rows_before
    assert stored_files(settings) == files_before


@pytest.mark.asyncio
@pytest.mark.parametrize("family", list(VALID))
async def test_the_valid_requests_succeed(
    db: Database, client: httpx.AsyncClient, small_client: httpx.AsyncClient, family: str
) -> None:
    """Each case above breaks one of these, which succeed as they are, on both apps (so the
    small limits are what the `small` cases run into)."""
    world = await build_world(db, client)
    for target in (client, small_client):
        response = await VALID[family](world).send(target)
        assert response.status_code < 300, response.text


# --- every route, not only the table above --------------------------------------------------

BAD_IDS = ("abc", "0", "-1", "99999999", str(2**63), "1" * 40, "1.5")
NOT_OBJECTS = {"not JSON": b'{"text": ', "a JSON array": b"[]", "a JSON number": b"7"}
# Events stream forever once authorised (tests/realtime covers them).
SWEPT = ("developer", "signed", "app", "scoped", "user", "admin", "deliveries")


def _with_bad(template: str, name: str, value: str, world: World) -> str:
    values = world.path_values() | {name: value}
    return template.format(**values)


async def _credentials(db: Database, world: World) -> dict[Rule, tuple[Query, Headers]]:
    """The right credential of every swept rule, made before rows are counted."""
    rules = {rule for _m, _p, rule in protected(*SWEPT)}
    return {rule: await credential_for(db, world, rule) for rule in rules}


async def _refusal(client: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> str | None:
    """Why the answer is not a 4xx in the error body (None when it is)."""
    try:
        assert_error_body(await client.request(method, path, **kwargs))
    except AssertionError as exc:
        return str(exc)
    except Exception as exc:  # the ASGI transport re-raises what the app answered 500 for
        return f"500: {exc!r}"
    return None


@pytest.mark.asyncio
async def test_every_route_refuses_bad_path_ids_in_the_error_body(
    db: Database, client: httpx.AsyncClient
) -> None:
    """Each path id in turn is malformed, out of range or unknown: a 4xx, never a 5xx (an id
    past BIGINT must not reach the driver), and nothing written."""
    world = await build_world(db, client)
    credentials = await _credentials(db, world)
    failures: list[str] = []
    before = await count_rows(db)
    for method, template, rule in protected(*SWEPT):
        query, headers = credentials[rule]
        body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
        for name in re.findall(r"{(\w+)}", template):
            for value in BAD_IDS:
                path = _with_bad(template, name, value, world)
                why = await _refusal(client, method, path, params=query, headers=headers, json=body)
                if why is not None:
                    failures.append(f"{method} {template} with {name}={value}: {why}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_every_write_route_refuses_a_body_that_is_not_an_object(
    db: Database, client: httpx.AsyncClient
) -> None:
    world = await build_world(db, client)
    credentials = await _credentials(db, world)
    failures: list[str] = []
    before = await count_rows(db)
    for method, template, rule in protected(*SWEPT):
        if method not in ("POST", "PUT", "PATCH"):
            continue
        query, headers = credentials[rule]
        headers = {**headers, "Content-Type": "application/json"}
        for label, content in NOT_OBJECTS.items():
            path = world.fill(template)
            why = await _refusal(
                client, method, path, params=query, headers=headers, content=content
            )
            if why is not None:
                failures.append(f"{method} {template} with {label}: {why}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
    assert await count_rows(db) == before
