"""Every messages and actors endpoint: 401 without a valid token, 403 without its scope."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database
from tests import factories
from tests.factories import bearer
from tests.messages.thread_factories import PREFIX, reply, setup_thread

# (method, path template, scope it needs); {t} thread, {m} message, {a} agent id.
ENDPOINTS = [
    ("GET", "/threads/{t}/messages", "conversations.read"),
    ("GET", "/threads/{t}/messages/{m}", "conversations.read"),
    ("GET", "/threads/{t}/messages/{m}/original-content", "conversations.read"),
    ("POST", "/threads/{t}/messages", "conversations.write"),
    ("GET", "/actors/A-{a}", "conversations.read"),
    ("POST", "/actors/batch/read", "conversations.read"),
]
OTHER_SCOPE = {
    "conversations.read": "conversations.write",
    "conversations.write": "conversations.read",
}


async def _call(
    client: httpx.AsyncClient, db: Database, method: str, path: str, headers: dict[str, str]
) -> tuple[httpx.Response, Any]:
    setup = await setup_thread(db, messages=1)
    target = PREFIX + path.format(t=setup.thread_id, m=setup.message_ids[0], a=setup.agent_id)
    payload: Any = None
    if method == "POST":
        payload = reply(setup) if "threads" in path else {"inputs": [f"A-{setup.agent_id}"]}
    response = await client.request(method, target, json=payload, headers=headers)
    return response, setup


@pytest.mark.asyncio
@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
@pytest.mark.parametrize("headers", [{}, bearer("not-a-token"), {"Authorization": "Basic eA=="}])
async def test_missing_or_wrong_token_is_401(
    client: httpx.AsyncClient,
    db: Database,
    method: str,
    path: str,
    scope: str,
    headers: dict[str, str],
) -> None:
    response, _ = await _call(client, db, method, path, headers)
    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"


@pytest.mark.asyncio
@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
@pytest.mark.parametrize("kind", ["app", "personal"])
async def test_missing_scope_is_403(
    client: httpx.AsyncClient, db: Database, method: str, path: str, scope: str, kind: str
) -> None:
    scopes = [OTHER_SCOPE[scope], "files"]
    if kind == "app":
        token = (await factories.create_app(db, scopes=scopes)).access_token
    else:
        user_id = await factories.create_user(db, role="admin")
        token = await factories.create_personal_token(db, user_id=user_id, scopes=scopes)
    response, _ = await _call(client, db, method, path, bearer(token))
    assert response.status_code == 403
    body = response.json()
    assert body["category"] == "MISSING_SCOPES"
    assert scope in body["context"]["missingScopes"]


@pytest.mark.asyncio
@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
async def test_the_scope_alone_is_enough(
    client: httpx.AsyncClient, db: Database, method: str, path: str, scope: str
) -> None:
    token = (await factories.create_app(db, scopes=[scope])).access_token
    response, _ = await _call(client, db, method, path, bearer(token))
    assert response.status_code in (200, 201), response.text
