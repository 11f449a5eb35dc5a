"""Sign-in, sessions, CSRF and throttling of the web UI (issue 4)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from frontdesk.accounts import sessions
from frontdesk.accounts.models import User
from frontdesk.apps.service import credential_cache
from frontdesk.core.db import Database
from tests.web.conftest import CSRF_INPUT, PASSWORD, SignIn, create_password_user

pytestmark = pytest.mark.asyncio


def _cookie(token: str) -> dict[str, str]:
    return {"Cookie": f"{sessions.SESSION_COOKIE}={token}"}


async def _form_token(client: httpx.AsyncClient) -> str:
    match = CSRF_INPUT.search((await client.get("/login")).text)
    assert match
    return match.group(1)


async def test_pages_send_a_stranger_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/inbox?view=mine")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/inbox%3Fview%3Dmine"
    fragment = await client.get("/inbox/fragments/list", headers={"X-Frontdesk-Fragment": "1"})
    assert fragment.status_code == 401
    assert fragment.json()["category"] == "INVALID_AUTHENTICATION"


async def test_sign_in_sets_an_httponly_session_that_authenticates_the_api(
    client: httpx.AsyncClient, db: Database, password_hash: str
) -> None:
    user_id, email = await create_password_user(db, password_hash)
    token = await _form_token(client)
    response = await client.post(
        "/login",
        data={
            "email": email.upper(),
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/inbox?view=closed",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/inbox?view=closed"
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("frontdesk_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    me = await client.get("/frontdesk/v1/me")
    assert me.status_code == 200
    assert me.json()["id"] == str(user_id)


async def test_wrong_password_is_refused_without_a_session(
    client: httpx.AsyncClient, db: Database, password_hash: str
) -> None:
    _user_id, email = await create_password_user(db, password_hash)
    token = await _form_token(client)
    response = await client.post(
        "/login", data={"email": email, "password": "nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "wrong" in response.text
    assert sessions.SESSION_COOKIE not in client.cookies
    assert (await client.get("/frontdesk/v1/me")).status_code == 401


async def test_sign_in_form_needs_its_csrf_cookie(
    client: httpx.AsyncClient, db: Database, password_hash: str
) -> None:
    _user_id, email = await create_password_user(db, password_hash)
    response = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert sessions.SESSION_COOKIE not in client.cookies


async def test_next_never_leaves_the_site(
    client: httpx.AsyncClient, db: Database, password_hash: str
) -> None:
    _user_id, email = await create_password_user(db, password_hash)
    token = await _form_token(client)
    response = await client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "//evil.example"},
    )
    assert response.headers["location"] == "/inbox"


async def test_failed_sign_ins_are_throttled(
    client: httpx.AsyncClient, db: Database, password_hash: str, app: FastAPI
) -> None:
    _user_id, email = await create_password_user(db, password_hash)
    limit = app.state.settings.login_max_failures
    token = await _form_token(client)
    for _ in range(limit):
        response = await client.post(
            "/login", data={"email": email, "password": "wrong", "csrf_token": token}
        )
        assert response.status_code == 401
    # Even the right password waits now: the attacker can't learn it was right.
    response = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert sessions.SESSION_COOKIE not in client.cookies


async def test_changes_through_the_session_need_the_csrf_header(web_user: SignIn) -> None:
    user = await web_user()
    body = {"browser": False}
    refused = await user.client.put("/frontdesk/v1/me/notification-settings", json=body)
    assert refused.status_code == 403
    assert refused.json()["category"] == "CSRF_FAILED"
    wrong = await user.client.put(
        "/frontdesk/v1/me/notification-settings", json=body, headers={"X-CSRF-Token": "x"}
    )
    assert wrong.status_code == 403
    ok = await user.client.put(
        "/frontdesk/v1/me/notification-settings", json=body, headers=user.headers()
    )
    assert ok.status_code == 200
    assert ok.json()["browser"] is False


async def test_sign_out_ends_the_session_everywhere(web_user: SignIn) -> None:
    user = await web_user()
    cookie = user.client.cookies[sessions.SESSION_COOKIE]
    refused = await user.client.post("/logout", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    response = await user.client.post("/logout", data={"csrf_token": user.csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    replay = await user.client.get("/frontdesk/v1/me", headers=_cookie(cookie))
    assert replay.status_code == 401


async def test_expired_sessions_and_deactivated_users_are_signed_out(
    client: httpx.AsyncClient, db: Database, password_hash: str
) -> None:
    user_id, _email = await create_password_user(db, password_hash)
    async with db.transaction() as uow:
        expired, _ = await sessions.create_session(uow, user_id=user_id, ttl_s=-1)
        live, _ = await sessions.create_session(uow, user_id=user_id, ttl_s=60)
    me = "/frontdesk/v1/me"
    assert (await client.get(me, headers=_cookie(expired))).status_code == 401
    assert (await client.get(me, headers=_cookie(live))).status_code == 200
    async with db.transaction() as uow:
        await uow.execute(update(User).where(User.id == user_id).values(active=False))
    credential_cache.clear()  # what deactivation does after its commit
    assert (await client.get(me, headers=_cookie(live))).status_code == 401


async def test_signed_in_pages_carry_a_strict_content_security_policy(web_user: SignIn) -> None:
    user = await web_user()
    page = await user.client.get("/settings/notifications")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


async def test_notification_settings_form_saves_switches(web_user: SignIn) -> None:
    user = await web_user()
    response = await user.client.post(
        "/settings/notifications",
        data={"csrf_token": user.csrf, "enabled": "on", "new_message_assigned": "on"},
    )
    assert response.status_code == 200
    assert "Saved." in response.text
    stored = (await user.client.get("/frontdesk/v1/me/notification-settings")).json()
    assert stored["enabled"] is True
    assert stored["newMessageAssigned"] is True
    assert stored["newUnassignedConversation"] is False
    assert stored["browser"] is False
    forged = await user.client.post("/settings/notifications", data={"csrf_token": "x"})
    assert forged.status_code == 403
