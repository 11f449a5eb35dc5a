from __future__ import annotations

import httpx
import pytest

from frontdesk.core.db import Database
from tests import factories
from tests.factories import bearer


async def _admin_token(db: Database) -> str:
    admin_id = await factories.create_user(db, role="admin")
    return await factories.create_personal_token(db, user_id=admin_id)


@pytest.mark.asyncio
async def test_admin_builds_team_inbox_and_agent(client: httpx.AsyncClient, db: Database) -> None:
    headers = bearer(await _admin_token(db))
    team = await client.post("/frontdesk/v1/teams", json={"name": "Support"}, headers=headers)
    assert team.status_code == 201
    inbox = await client.post(
        "/frontdesk/v1/inboxes", json={"name": "Main", "teams": ["Support"]}, headers=headers
    )
    assert inbox.status_code == 201
    assert inbox.json()["teamIds"] == [team.json()["id"]]
    user = await client.post(
        "/frontdesk/v1/users",
        json={"email": "Ada@Example.com", "password": "correct horse", "teams": ["Support"]},
        headers=headers,
    )
    assert user.status_code == 201
    assert user.json()["email"] == "ada@example.com"
    assert user.json()["role"] == "agent"
    teams = (await client.get("/frontdesk/v1/teams", headers=headers)).json()["results"]
    assert teams[0]["memberIds"] == [user.json()["id"]]


@pytest.mark.asyncio
async def test_agent_sees_only_inboxes_of_their_teams(
    client: httpx.AsyncClient, db: Database
) -> None:
    team = await factories.create_team(db)
    mine = await factories.create_inbox(db, teams=[team])
    await factories.create_inbox(db)
    agent = await factories.create_user(db, teams=[team])
    token = await factories.create_personal_token(db, user_id=agent)
    inboxes = (await client.get("/frontdesk/v1/inboxes", headers=bearer(token))).json()
    assert [i["id"] for i in inboxes["results"]] == [str(mine)]
    admin = bearer(await _admin_token(db))
    assert len((await client.get("/frontdesk/v1/inboxes", headers=admin)).json()["results"]) == 2


@pytest.mark.asyncio
async def test_agents_and_apps_cannot_administer(client: httpx.AsyncClient, db: Database) -> None:
    agent = await factories.create_user(db)
    agent_token = await factories.create_personal_token(db, user_id=agent)
    app = await factories.create_app(db)
    for token in (agent_token, app.access_token):
        response = await client.post(
            "/frontdesk/v1/teams", json={"name": "X"}, headers=bearer(token)
        )
        assert response.status_code == 403
        assert response.json()["category"] == "FORBIDDEN"
    assert (await client.get("/frontdesk/v1/me")).status_code == 401


@pytest.mark.asyncio
async def test_bad_input_is_rejected_and_writes_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    headers = bearer(await _admin_token(db))
    cases = [
        ("/frontdesk/v1/users", {"email": "not-an-email", "password": "longenough"}, "email"),
        ("/frontdesk/v1/users", {"email": "a@b.co", "password": "short"}, "password"),
        ("/frontdesk/v1/users", {"email": "a@b.co", "password": "longenough", "role": "x"}, "role"),
        (
            "/frontdesk/v1/users",
            {"email": "a@b.co", "password": "longenough", "teams": ["nope"]},
            "team",
        ),
        ("/frontdesk/v1/inboxes", {"name": "I", "teams": ["nope"]}, "team"),
        ("/frontdesk/v1/inboxes", {"name": "I", "type": "CHAT"}, "type"),
        ("/frontdesk/v1/teams", {"name": ""}, "name"),
    ]
    before = (await client.get("/frontdesk/v1/users", headers=headers)).json()["results"]
    for path, body, field in cases:
        response = await client.post(path, json=body, headers=headers)
        assert 400 <= response.status_code < 500, (path, body)
        assert response.json()["errors"][0]["in"] == field, response.json()
    after = (await client.get("/frontdesk/v1/users", headers=headers)).json()["results"]
    assert before == after
    assert (await client.get("/frontdesk/v1/inboxes", headers=headers)).json()["results"] == []


@pytest.mark.asyncio
async def test_duplicate_email_and_member_are_conflicts(
    client: httpx.AsyncClient, db: Database
) -> None:
    headers = bearer(await _admin_token(db))
    body = {"email": "dup@example.com", "password": "longenough"}
    assert (await client.post("/frontdesk/v1/users", json=body, headers=headers)).status_code == 201
    again = await client.post("/frontdesk/v1/users", json=body, headers=headers)
    assert again.status_code == 409
    assert again.json()["category"] == "CONFLICT"
    team = await client.post("/frontdesk/v1/teams", json={"name": "T"}, headers=headers)
    user_id = (await client.get("/frontdesk/v1/users", headers=headers)).json()["results"][-1]["id"]
    path = f"/frontdesk/v1/teams/{team.json()['id']}/members"
    assert (await client.post(path, json={"userId": user_id}, headers=headers)).status_code == 200
    assert (await client.post(path, json={"userId": user_id}, headers=headers)).status_code == 409
