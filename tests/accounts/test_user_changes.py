"""PATCH /frontdesk/v1/users/{me,userId}: edits, deactivation and its effects, the last-admin
guard, and the `user.updated` event."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.accounts import service as account_service
from frontdesk.accounts import user_changes
from frontdesk.core.db import Database
from frontdesk.core.errors import Conflict
from tests import factories
from tests.api.sweep_helpers import assert_error_body, count_rows
from tests.conversations.factories import create_setup, create_thread, events, thread_row
from tests.factories import PASSWORD, bearer
from tests.web.conftest import CSRF_INPUT, SignIn


async def _admin(db: Database) -> tuple[int, dict[str, str]]:
    admin_id = await factories.create_user(db, role="admin", name="Grace Admin")
    return admin_id, bearer(await factories.create_personal_token(db, user_id=admin_id))


@pytest.mark.asyncio
async def test_me_changes_own_name_and_availability(
    client: httpx.AsyncClient, db: Database
) -> None:
    agent = await factories.create_user(db, name="Ada")
    headers = bearer(await factories.create_personal_token(db, user_id=agent))
    response = await client.patch(
        "/frontdesk/v1/users/me", json={"availability": "away", "name": "Ada L."}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["availability"] == "away"
    assert response.json()["name"] == "Ada L."
    again = await client.get("/frontdesk/v1/users/me", headers=headers)
    assert again.json() == response.json()
    assert (await client.get("/frontdesk/v1/me", headers=headers)).json() == response.json()
    [event] = await events(db, name="user.updated")
    assert event.payload == {
        "userId": str(agent),
        "changes": {"availability": "away", "name": "Ada L."},
    }
    assert event.user_ids == [agent]


@pytest.mark.asyncio
async def test_me_cannot_change_role_or_capacity(client: httpx.AsyncClient, db: Database) -> None:
    agent = await factories.create_user(db)
    headers = bearer(await factories.create_personal_token(db, user_id=agent))
    before = await count_rows(db)
    for body in ({"role": "admin"}, {"capacity": 3}, {"availability": "busy"}, {"name": " "}):
        response = await client.patch("/frontdesk/v1/users/me", json=body, headers=headers)
        assert_error_body(response, 400)
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_web_session_changes_availability_with_csrf(web_user: SignIn) -> None:
    user = await web_user()
    refused = await user.client.patch("/frontdesk/v1/users/me", json={"availability": "away"})
    assert_error_body(refused, 403, "CSRF_FAILED")
    response = await user.client.patch(
        "/frontdesk/v1/users/me", json={"availability": "away"}, headers=user.headers()
    )
    assert response.status_code == 200
    assert response.json()["availability"] == "away"


@pytest.mark.asyncio
async def test_admin_edits_a_user_and_unchanged_fields_emit_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    _admin_id, headers = await _admin(db)
    agent = await factories.create_user(db, name="Ada")
    path = f"/frontdesk/v1/users/{agent}"
    response = await client.patch(
        path, json={"capacity": 5, "role": "admin", "name": "Ada"}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["capacity"] == 5
    assert response.json()["role"] == "admin"
    [event] = await events(db, name="user.updated")
    assert event.payload["changes"] == {"capacity": 5, "role": "admin"}
    lifted = await client.patch(path, json={"capacity": None}, headers=headers)
    assert lifted.json()["capacity"] is None
    await client.patch(path, json={"capacity": None}, headers=headers)
    assert len(await events(db, name="user.updated")) == 2
    assert (await client.get(path, headers=headers)).json() == lifted.json()


@pytest.mark.asyncio
async def test_bad_user_edits_are_400_and_write_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    _admin_id, headers = await _admin(db)
    agent = await factories.create_user(db)
    before = await count_rows(db)
    cases = [
        ({"capacity": -1}, "capacity"),
        ({"capacity": "many"}, "capacity"),
        ({"role": "owner"}, "role"),
        ({"active": None}, "active"),
        ({"email": "x@example.com"}, "email"),
    ]
    for body, field in cases:
        response = await client.patch(f"/frontdesk/v1/users/{agent}", json=body, headers=headers)
        assert assert_error_body(response, 400)["errors"][0]["in"] == field, body
    missing = await client.patch("/frontdesk/v1/users/999999", json={}, headers=headers)
    assert_error_body(missing, 404, "OBJECT_NOT_FOUND")
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_deactivation_ends_sessions_tokens_and_assignments(
    app: FastAPI, client: httpx.AsyncClient, db: Database, web_user: SignIn
) -> None:
    _admin_id, headers = await _admin(db)
    setup = await create_setup(db)
    agent = await web_user(teams=[setup.team], name="Ada Agent")
    token = bearer(await factories.create_personal_token(db, user_id=agent.user_id))
    assert (await client.get("/frontdesk/v1/me", headers=token)).status_code == 200
    assert (await agent.client.get("/inbox")).status_code == 200
    open_thread = await create_thread(db, setup, assignee_id=agent.user_id)
    closed_thread = await create_thread(db, setup, assignee_id=agent.user_id, status="CLOSED")

    response = await client.patch(
        f"/frontdesk/v1/users/{agent.user_id}", json={"active": False}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False

    assert_error_body(await client.get("/frontdesk/v1/me", headers=token), 401)
    page = await agent.client.get("/inbox")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
    assert (await thread_row(db, open_thread)).assignee_id is None
    assert (await thread_row(db, open_thread)).assignment_reason == (
        "Unassigned: Ada Agent was deactivated"
    )
    assert (await thread_row(db, closed_thread)).assignee_id == agent.user_id
    [assigned] = await events(db, name="conversation.assigned")
    assert assigned.payload["threadId"] == str(open_thread)
    assert assigned.payload["assigneeId"] is None
    assert assigned.payload["previousAssigneeId"] == str(agent.user_id)
    assert assigned.payload["reason"] == "Unassigned: Ada Agent was deactivated"
    [updated] = await events(db, name="user.updated")
    assert updated.payload["changes"] == {"active": False}


async def _sign_in_status(app: FastAPI, email: str) -> int:
    """The sign-in form's answer for the tests' password in a fresh browser (303: signed in)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as browser:
        form = await browser.get("/login")
        csrf = CSRF_INPUT.search(form.text)
        assert csrf is not None
        response = await browser.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf.group(1)}
        )
        return response.status_code


@pytest.mark.asyncio
async def test_reactivation_restores_sign_in_with_the_same_password(
    app: FastAPI, client: httpx.AsyncClient, db: Database, web_user: SignIn
) -> None:
    _admin_id, headers = await _admin(db)
    agent = await web_user()
    path = f"/frontdesk/v1/users/{agent.user_id}"
    await client.patch(path, json={"active": False}, headers=headers)
    assert await _sign_in_status(app, agent.email) != 303
    back = await client.patch(path, json={"active": True}, headers=headers)
    assert back.json()["active"] is True
    assert await _sign_in_status(app, agent.email) == 303


@pytest.mark.asyncio
async def test_the_last_active_admin_cannot_leave(client: httpx.AsyncClient, db: Database) -> None:
    admin_id, headers = await _admin(db)
    path = f"/frontdesk/v1/users/{admin_id}"
    before = await count_rows(db)
    for body in ({"active": False}, {"role": "agent"}):
        response = await client.patch(path, json=body, headers=headers)
        assert_error_body(response, 409, "CONFLICT")
    assert await count_rows(db) == before
    # A deactivated admin does not count; an active one does.
    deactivated = await factories.create_user(db, role="admin")
    off = await client.patch(
        f"/frontdesk/v1/users/{deactivated}", json={"active": False}, headers=headers
    )
    assert off.status_code == 200
    assert_error_body(await client.patch(path, json={"role": "agent"}, headers=headers), 409)
    await factories.create_user(db, role="admin")
    assert (await client.patch(path, json={"role": "agent"}, headers=headers)).status_code == 200


@pytest.mark.asyncio
async def test_two_admins_demoting_each_other_at_once_leave_one_admin(db: Database) -> None:
    first = await factories.create_user(db, role="admin")
    second = await factories.create_user(db, role="admin")

    async def demote(user_id: int, by: int) -> str:
        try:
            async with db.transaction() as uow:
                await user_changes.update_user(
                    uow, user_id=user_id, changes={"role": "agent"}, by_user_id=by
                )
        except Conflict:
            return "refused"
        return "demoted"

    outcomes = await asyncio.gather(demote(first, second), demote(second, first))
    assert sorted(outcomes) == ["demoted", "refused"]
    async with db.read() as uow:
        roles = [u.role for u in await account_service.list_users(uow)]
    assert roles.count("admin") == 1
