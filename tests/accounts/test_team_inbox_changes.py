"""Teams (rename, members in and out) and inboxes (rename, kind, teams) through the API."""

from __future__ import annotations

import httpx
import pytest

from frontdesk.core.db import Database
from tests import factories
from tests.api.sweep_helpers import assert_error_body, count_rows
from tests.conversations.factories import events
from tests.factories import bearer


async def _admin_headers(db: Database) -> dict[str, str]:
    admin_id = await factories.create_user(db, role="admin")
    return bearer(await factories.create_personal_token(db, user_id=admin_id))


@pytest.mark.asyncio
async def test_rename_team_and_move_members(client: httpx.AsyncClient, db: Database) -> None:
    headers = await _admin_headers(db)
    team = (
        await client.post("/frontdesk/v1/teams", json={"name": "Support"}, headers=headers)
    ).json()
    other = await client.post("/frontdesk/v1/teams", json={"name": "Sales"}, headers=headers)
    agent = await factories.create_user(db)
    path = f"/frontdesk/v1/teams/{team['id']}"

    renamed = await client.patch(path, json={"name": "Care"}, headers=headers)
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Care"
    taken = await client.patch(path, json={"name": "Sales"}, headers=headers)
    assert assert_error_body(taken, 409, "CONFLICT")["errors"][0]["in"] == "name"
    assert other.status_code == 201

    added = await client.post(f"{path}/members", json={"userId": str(agent)}, headers=headers)
    assert added.json()["memberIds"] == [str(agent)]
    removed = await client.delete(f"{path}/members/{agent}", headers=headers)
    assert removed.status_code == 204
    assert (await client.get("/frontdesk/v1/teams", headers=headers)).json()["results"][0][
        "memberIds"
    ] == []
    again = await client.delete(f"{path}/members/{agent}", headers=headers)
    assert_error_body(again, 404, "OBJECT_NOT_FOUND")

    changes = [e.payload["changes"] for e in await events(db, name="team.updated")]
    assert changes == [
        {"name": "Care"},
        {"addedUserIds": [str(agent)]},
        {"removedUserIds": [str(agent)]},
    ]
    removal = (await events(db, name="team.updated"))[-1]
    assert removal.user_ids == [agent]


@pytest.mark.asyncio
async def test_removing_a_member_hides_the_team_inboxes(
    client: httpx.AsyncClient, db: Database
) -> None:
    headers = await _admin_headers(db)
    team = await factories.create_team(db)
    inbox = await factories.create_inbox(db, teams=[team])
    agent = await factories.create_user(db, teams=[team])
    token = bearer(await factories.create_personal_token(db, user_id=agent))
    seen = (await client.get("/frontdesk/v1/inboxes", headers=token)).json()["results"]
    assert [i["id"] for i in seen] == [str(inbox)]
    team_id = (await client.get("/frontdesk/v1/teams", headers=headers)).json()["results"][0]["id"]
    await client.delete(f"/frontdesk/v1/teams/{team_id}/members/{agent}", headers=headers)
    # The cached credential is dropped with the change, so the next call sees it at once.
    assert (await client.get("/frontdesk/v1/inboxes", headers=token)).json()["results"] == []


@pytest.mark.asyncio
async def test_edit_inbox_name_kind_and_teams(client: httpx.AsyncClient, db: Database) -> None:
    headers = await _admin_headers(db)
    support = await client.post("/frontdesk/v1/teams", json={"name": "Support"}, headers=headers)
    sales = await client.post("/frontdesk/v1/teams", json={"name": "Sales"}, headers=headers)
    inbox = await client.post(
        "/frontdesk/v1/inboxes", json={"name": "Main", "teams": ["Support"]}, headers=headers
    )
    path = f"/frontdesk/v1/inboxes/{inbox.json()['id']}"
    edited = await client.patch(path, json={"name": "Desk", "type": "HELP_DESK"}, headers=headers)
    assert edited.status_code == 200
    assert (edited.json()["name"], edited.json()["type"]) == ("Desk", "HELP_DESK")
    teams = await client.put(
        f"{path}/teams", json={"teamIds": [sales.json()["id"]]}, headers=headers
    )
    assert teams.json()["teamIds"] == [sales.json()["id"]]
    both = await client.put(
        f"{path}/teams",
        json={"teamIds": [int(support.json()["id"]), sales.json()["id"]]},
        headers=headers,
    )
    assert sorted(both.json()["teamIds"]) == sorted([support.json()["id"], sales.json()["id"]])


@pytest.mark.asyncio
async def test_bad_team_and_inbox_edits_write_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    headers = await _admin_headers(db)
    await factories.create_team(db, name="Support")
    inbox = await factories.create_inbox(db)
    team_id = (await client.get("/frontdesk/v1/teams", headers=headers)).json()["results"][0]["id"]
    before = await count_rows(db)
    cases = [
        ("PATCH", f"/frontdesk/v1/teams/{team_id}", {"name": "  "}, 400, "name"),
        ("PATCH", "/frontdesk/v1/teams/999999", {"name": "X"}, 404, None),
        ("PATCH", f"/frontdesk/v1/inboxes/{inbox}", {"type": "CHAT"}, 400, "type"),
        ("PATCH", f"/frontdesk/v1/inboxes/{inbox}", {"name": ""}, 400, "name"),
        ("PUT", f"/frontdesk/v1/inboxes/{inbox}/teams", {"teamIds": ["999999"]}, 404, "teamIds"),
        ("PUT", f"/frontdesk/v1/inboxes/{inbox}/teams", {"teamIds": ["abc"]}, 400, "teamIds"),
        ("PUT", "/frontdesk/v1/inboxes/999999/teams", {"teamIds": []}, 404, None),
    ]
    for method, path, body, status, field in cases:
        response = await client.request(method, path, json=body, headers=headers)
        error = assert_error_body(response, status)
        if field is not None:
            assert error["errors"][0]["in"] == field, (path, body, error)
    assert await count_rows(db) == before
