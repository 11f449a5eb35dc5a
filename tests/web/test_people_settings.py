"""Settings > Users, Teams, Inboxes and help desks, Conversation properties: admin-only pages
whose forms post with CSRF, re-render with the error next to the field, and redirect after a
change (Post/Redirect/Get)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.accounts import service as account_service
from frontdesk.core.db import Database
from frontdesk.properties import service as property_service
from tests import factories
from tests.api.sweep_helpers import count_rows
from tests.conversations.factories import create_setup, create_thread, thread_row
from tests.web.conftest import SignIn, WebUser, sign_in

PAGES = ("/settings/users", "/settings/teams", "/settings/inboxes", "/settings/properties")


async def _post(user: WebUser, path: str, data: dict[str, Any]) -> httpx.Response:
    return await user.client.post(path, data={"csrf_token": user.csrf, **data})


def _error_next_to(page: str, field_name: str) -> str:
    """The message shown under a field, by the id the field's aria-describedby names."""
    match = re.search(rf'id="error-{field_name}" role="alert">([^<]+)<', page)
    assert match, page
    return match.group(1)


async def _users(db: Database) -> list[Any]:
    async with db.read() as uow:
        return await account_service.list_users(uow)


@pytest.mark.asyncio
async def test_admins_open_every_page_and_agents_get_403(web_user: SignIn, db: Database) -> None:
    admin = await web_user(role="admin")
    agent = await web_user()
    inbox = await factories.create_inbox(db)
    for path in (*PAGES, f"/settings/users/{agent.user_id}", f"/settings/inboxes/{inbox}"):
        page = await admin.client.get(path)
        assert page.status_code == 200, (path, page.text)
        assert 'aria-current="page"' in page.text
        denied = await agent.client.get(path)
        assert denied.status_code == 403
        assert "Only admins may open workspace settings" in denied.text


@pytest.mark.asyncio
async def test_create_user_with_a_password_then_sign_in(
    app: FastAPI, web_user: SignIn, db: Database
) -> None:
    admin = await web_user(role="admin")
    await factories.create_team(db, name="Support")
    response = await _post(
        admin,
        "/settings/users",
        {
            "name": "Bea",
            "email": "Bea@Example.com",
            "role": "agent",
            "password": factories.PASSWORD,
            "teams": "Support",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/settings/users?saved=user-created"
    listed = await admin.client.get(response.headers["location"])
    assert "User created." in listed.text
    assert "bea@example.com" in listed.text
    row = re.search(r'<tr data-user-id="\d+">\s*<th scope="row">Bea.*?</tr>', listed.text, re.S)
    assert row is not None
    assert "Support" in row.group(0)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as browser:
        await sign_in(browser, "bea@example.com")


@pytest.mark.asyncio
async def test_a_generated_password_is_shown_once_and_works(app: FastAPI, web_user: SignIn) -> None:
    admin = await web_user(role="admin")
    response = await _post(
        admin, "/settings/users", {"name": "Cy", "email": "cy@example.com", "role": "admin"}
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    match = re.search(r'<code id="generated-password">([^<]+)</code>', response.text)
    assert match
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as browser:
        await sign_in(browser, "cy@example.com", match.group(1))
        assert (await browser.get("/settings/users")).status_code == 200  # an admin
    assert match.group(1) not in (await admin.client.get("/settings/users")).text


@pytest.mark.asyncio
async def test_bad_user_forms_show_the_error_inline_and_write_nothing(
    web_user: SignIn, db: Database
) -> None:
    admin = await web_user(role="admin")
    before = await count_rows(db)
    cases = [
        ({"email": "nope", "role": "agent", "password": "longenough"}, 400, "email"),
        ({"email": "x@example.com", "role": "agent", "password": "short"}, 400, "password"),
        ({"email": "x@example.com", "role": "boss", "password": "longenough"}, 400, "role"),
        ({"email": admin.email, "role": "agent", "password": "longenough"}, 409, "email"),
        (
            {"email": "x@example.com", "role": "agent", "password": "longenough", "teams": "Nope"},
            404,
            "teams",
        ),
    ]
    for data, status, field_name in cases:
        page = await _post(admin, "/settings/users", {"name": "Xavier", **data})
        assert page.status_code == status, (data, page.text)
        assert _error_next_to(page.text, field_name)
        assert 'value="Xavier"' in page.text  # what was typed is kept
        assert "longenough" not in page.text  # passwords are never echoed
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_forms_without_the_csrf_token_are_refused(web_user: SignIn, db: Database) -> None:
    admin = await web_user(role="admin")
    before = await count_rows(db)
    forms = {
        "/settings/users": {"email": "x@example.com", "role": "agent", "password": "longenough"},
        "/settings/teams": {"name": "Support"},
        "/settings/inboxes": {"name": "Main", "type": "INBOX"},
        "/settings/properties": {"name": "x", "label": "X", "type": "string"},
        f"/settings/users/{admin.user_id}/active": {"active": "false"},
    }
    for path, data in forms.items():
        for token in (None, "wrong"):
            body = data if token is None else {**data, "csrf_token": token}
            response = await admin.client.post(path, data=body)
            assert response.status_code == 403, path
            assert response.json()["category"] == "CSRF_FAILED"
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_edit_a_user(web_user: SignIn, db: Database) -> None:
    admin = await web_user(role="admin")
    agent = await web_user(name="Ada")
    path = f"/settings/users/{agent.user_id}"
    form = {"name": "Ada L.", "role": "agent", "availability": "away"}
    bad = await _post(admin, path, {**form, "capacity": "lots"})
    assert bad.status_code == 400
    assert "whole number" in _error_next_to(bad.text, "capacity")
    assert 'value="lots"' in bad.text
    saved = await _post(admin, path, {**form, "capacity": "3"})
    assert saved.status_code == 303
    assert saved.headers["location"] == "/settings/users?saved=user-saved"
    async with db.read() as uow:
        user = await account_service.get_user(uow, user_id=agent.user_id)
    assert (user.name, user.capacity, user.availability) == ("Ada L.", 3, "away")
    cleared = await _post(admin, path, {**form, "capacity": ""})
    assert cleared.status_code == 303
    async with db.read() as uow:
        assert (await account_service.get_user(uow, user_id=agent.user_id)).capacity is None


@pytest.mark.asyncio
async def test_deactivate_and_reactivate_through_the_page(web_user: SignIn, db: Database) -> None:
    admin = await web_user(role="admin")
    setup = await create_setup(db)
    agent = await web_user(teams=[setup.team], name="Ada")
    thread = await create_thread(db, setup, assignee_id=agent.user_id)
    page = await admin.client.get(f"/settings/users/{agent.user_id}")
    assert 'data-confirm="Deactivate Ada?' in page.text
    assert 'id="confirm-dialog"' in page.text
    path = f"/settings/users/{agent.user_id}/active"
    off = await _post(admin, path, {"active": "false"})
    assert off.headers["location"] == "/settings/users?saved=user-deactivated"
    assert (await agent.client.get("/inbox")).status_code == 303  # signed out
    assert (await thread_row(db, thread)).assignee_id is None
    listed = await admin.client.get("/settings/users")
    assert "Deactivated" in listed.text
    on = await _post(admin, path, {"active": "true"})
    assert on.headers["location"] == "/settings/users?saved=user-reactivated"


@pytest.mark.asyncio
async def test_the_last_admin_cannot_deactivate_themself(web_user: SignIn, db: Database) -> None:
    admin = await web_user(role="admin")
    before = await count_rows(db)
    page = await _post(admin, f"/settings/users/{admin.user_id}/active", {"active": "false"})
    assert page.status_code == 409
    assert "last active admin" in _error_next_to(page.text, "active")
    demote = await _post(
        admin,
        f"/settings/users/{admin.user_id}",
        {"name": "Me", "role": "agent", "capacity": "", "availability": "available"},
    )
    assert demote.status_code == 409
    assert "last active admin" in _error_next_to(demote.text, "role")
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_teams_create_rename_and_members(web_user: SignIn, db: Database) -> None:
    admin = await web_user(role="admin")
    agent = await web_user(name="Ada")
    created = await _post(admin, "/settings/teams", {"name": "Support"})
    assert created.headers["location"] == "/settings/teams?saved=team-created"
    async with db.read() as uow:
        team_id = await account_service.get_team_id(uow, name="Support")
    duplicate = await _post(admin, "/settings/teams", {"name": "Support"})
    assert duplicate.status_code == 409
    assert "exists" in _error_next_to(duplicate.text, "name")
    renamed = await _post(admin, f"/settings/teams/{team_id}", {"name": "Care"})
    assert renamed.headers["location"] == "/settings/teams?saved=team-renamed"
    empty = await _post(admin, f"/settings/teams/{team_id}/members", {"userId": ""})
    assert empty.status_code == 400
    assert _error_next_to(empty.text, "userId") == "Choose a user to add"
    added = await _post(admin, f"/settings/teams/{team_id}/members", {"userId": agent.user_id})
    assert added.status_code == 303
    page = await admin.client.get("/settings/teams")
    assert "Care" in page.text
    assert f"/settings/teams/{team_id}/members/{agent.user_id}/remove" in page.text
    async with db.read() as uow:
        assert (await account_service.get_team(uow, team_id=team_id))[1] == [agent.user_id]
    removed = await _post(admin, f"/settings/teams/{team_id}/members/{agent.user_id}/remove", {})
    assert removed.headers["location"] == "/settings/teams?saved=member-removed"
    async with db.read() as uow:
        assert (await account_service.get_team(uow, team_id=team_id))[1] == []


@pytest.mark.asyncio
async def test_inboxes_create_with_kind_and_teams_then_edit(web_user: SignIn, db: Database) -> None:
    admin = await web_user(role="admin")
    await factories.create_team(db, name="Support")
    await factories.create_team(db, name="Sales")
    async with db.read() as uow:
        support = await account_service.get_team_id(uow, name="Support")
        sales = await account_service.get_team_id(uow, name="Sales")
    before = await count_rows(db)
    bad = await _post(admin, "/settings/inboxes", {"name": "", "type": "INBOX"})
    assert bad.status_code == 400
    assert _error_next_to(bad.text, "name")
    wrong_kind = await _post(admin, "/settings/inboxes", {"name": "Desk", "type": "CHAT"})
    assert _error_next_to(wrong_kind.text, "type") == "Choose Inbox or Help desk"
    assert await count_rows(db) == before
    created = await admin.client.post(
        "/settings/inboxes",
        data={"csrf_token": admin.csrf, "name": "Desk", "type": "HELP_DESK", "teamIds": [support]},
    )
    assert created.headers["location"] == "/settings/inboxes?saved=inbox-created"
    async with db.read() as uow:
        [(inbox, team_ids)] = await account_service.list_inboxes(uow, inbox_ids=None)
    assert (inbox.name, inbox.kind, team_ids) == ("Desk", "HELP_DESK", [support])
    edited = await admin.client.post(
        f"/settings/inboxes/{inbox.id}",
        data={
            "csrf_token": admin.csrf,
            "name": "Main",
            "type": "INBOX",
            "teamIds": [support, sales],
        },
    )
    assert edited.headers["location"] == "/settings/inboxes?saved=inbox-saved"
    async with db.read() as uow:
        inbox, team_ids = await account_service.get_inbox(uow, inbox_id=inbox.id)
    assert (inbox.name, inbox.kind, team_ids) == ("Main", "INBOX", sorted([support, sales]))
    page = await admin.client.get("/settings/inboxes")
    assert "Support, Sales" in page.text or "Sales, Support" in page.text


@pytest.mark.asyncio
async def test_properties_define_edit_and_archive(web_user: SignIn, db: Database) -> None:
    admin = await web_user(role="admin")
    page = await admin.client.get("/settings/properties")
    assert "Priority" in page.text
    assert "Urgent" in page.text
    before = await count_rows(db)
    bad = await _post(
        admin, "/settings/properties", {"name": "Plan Tier", "label": "Plan", "type": "string"}
    )
    assert bad.status_code == 400
    assert "lower_snake_case" in _error_next_to(bad.text, "name")
    no_options = await _post(
        admin, "/settings/properties", {"name": "plan", "label": "Plan", "type": "enumeration"}
    )
    assert "at least one option" in _error_next_to(no_options.text, "options")
    assert await count_rows(db) == before
    created = await _post(
        admin,
        "/settings/properties",
        {"name": "plan", "label": "Plan", "type": "enumeration", "options": "gold | Gold\nfree\n"},
    )
    assert created.headers["location"] == "/settings/properties?saved=property-created"
    category = await _post(admin, "/settings/properties/category", {"options": "RETURNS | Returns"})
    assert category.status_code == 303
    relabeled = await _post(
        admin, "/settings/properties/plan", {"label": "Plan tier", "options": "gold | Gold"}
    )
    assert relabeled.status_code == 303
    async with db.read() as uow:
        definitions = {d.name: d for d in await property_service.list_definitions(uow)}
    assert definitions["category"].option_values == ("RETURNS",)
    assert definitions["plan"].label == "Plan tier"
    assert definitions["plan"].option_values == ("gold",)
    archived = await _post(admin, "/settings/properties/plan/archive", {})
    assert archived.headers["location"] == "/settings/properties?saved=property-archived"
    page = await admin.client.get(archived.headers["location"])
    assert "Archived properties (1)" in page.text
