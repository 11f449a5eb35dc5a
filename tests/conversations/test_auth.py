"""Every endpoint of this part: 401 without or with a wrong token, 403 without its scope."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database
from tests.conversations.factories import create_setup, create_thread
from tests.factories import bearer, create_app, create_personal_token, create_user

V3 = "/conversations/v3/conversations"
SPEC = "/conversations/conversations/v3"

# (method, path template, JSON body, scope it needs)
ENDPOINTS: list[tuple[str, str, Any, str]] = [
    ("GET", V3 + "/inboxes", None, "conversations.read"),
    ("GET", V3 + "/inboxes/{inbox}", None, "conversations.read"),
    ("GET", V3 + "/threads", None, "conversations.read"),
    ("GET", V3 + "/threads/{thread}", None, "conversations.read"),
    ("PATCH", V3 + "/threads/{thread}", {"status": "CLOSED"}, "conversations.write"),
    ("DELETE", V3 + "/threads/{thread}", None, "conversations.write"),
    ("PUT", SPEC + "/threads/{thread}/assignee", {"actorId": "A-1"}, "conversations.write"),
    ("DELETE", SPEC + "/threads/{thread}/assignee", None, "conversations.write"),
    ("PUT", V3 + "/threads/{thread}/assignee", {"actorId": "A-1"}, "conversations.write"),
    ("DELETE", V3 + "/threads/{thread}/assignee", None, "conversations.write"),
]
OTHER_SCOPE = {
    "conversations.read": "conversations.write",
    "conversations.write": "conversations.read",
}


async def _call(
    client: httpx.AsyncClient,
    endpoint: tuple[str, str, Any, str],
    ids: dict[str, int],
    headers: dict[str, str],
) -> httpx.Response:
    method, template, body, _scope = endpoint
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
    return await client.request(method, template.format(**ids), **kwargs)


@pytest.mark.asyncio
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e[0]} {e[1]}")
async def test_endpoint_rejects_missing_wrong_token_and_missing_scope(
    client: httpx.AsyncClient, db: Database, endpoint: tuple[str, str, Any, str]
) -> None:
    setup = await create_setup(db)
    ids = {"inbox": setup.inbox_id, "thread": await create_thread(db, setup)}

    missing = await _call(client, endpoint, ids, {})
    assert missing.status_code == 401
    assert missing.json()["category"] == "INVALID_AUTHENTICATION"
    wrong = await _call(client, endpoint, ids, bearer("not-a-token"))
    assert wrong.status_code == 401
    assert wrong.json()["category"] == "INVALID_AUTHENTICATION"

    scope = endpoint[3]
    app = await create_app(db, scopes=[OTHER_SCOPE[scope], "files"])
    admin = await create_user(db, role="admin")
    personal = await create_personal_token(db, user_id=admin, scopes=[OTHER_SCOPE[scope]])
    for token in (app.access_token, personal):
        response = await _call(client, endpoint, ids, bearer(token))
        assert response.status_code == 403
        body = response.json()
        assert body["category"] == "MISSING_SCOPES"
        assert body["context"]["missingScopes"] == [scope]
