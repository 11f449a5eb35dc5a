"""`GET/PUT /frontdesk/v1/channel-accounts/{id}/routing` (issue 5): the routing step's settings
for admins over the API."""

from __future__ import annotations

import httpx
import pytest

from frontdesk.core.db import Database
from tests import factories
from tests.api.sweep_helpers import assert_error_body, count_rows
from tests.web.thread_world import build_world

pytestmark = pytest.mark.asyncio


async def test_admins_read_and_replace_an_accounts_routing(
    db: Database, client: httpx.AsyncClient
) -> None:
    world = await build_world(db)
    admin = factories.bearer(
        await factories.create_personal_token(
            db, user_id=await factories.create_user(db, role="admin")
        )
    )
    agent_id = await factories.create_user(db, teams=[world.team])
    url = f"/frontdesk/v1/channel-accounts/{world.account_id}/routing"
    initial = await client.get(url, headers=admin)
    assert initial.status_code == 200
    assert initial.json() == {
        "channelAccountId": str(world.account_id),
        "defaultProperties": {},
        "assignmentMode": "OFF",
        "assignmentTargets": {"userIds": [], "teamIds": []},
        "closedThreadPolicy": "REOPEN",
    }
    body = {
        "defaultProperties": {"priority": "HIGH"},
        "assignmentMode": "USERS_AND_TEAMS",
        "assignmentTargets": {"userIds": [agent_id], "teamIds": []},
        "closedThreadPolicy": "NEW_THREAD",
    }
    replaced = await client.put(url, json=body, headers=admin)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["assignmentTargets"] == {"userIds": [str(agent_id)], "teamIds": []}
    assert (await client.get(url, headers=admin)).json() == replaced.json()

    before = await count_rows(db)
    bad = {**body, "assignmentTargets": {"userIds": [agent_id], "teamIds": [424242]}}
    refused = await client.put(url, json=bad, headers=admin)
    assert_error_body(refused, 400)
    assert [e["in"] for e in refused.json()["errors"]] == ["teamIds"]
    unknown_mode = await client.put(url, json={**body, "assignmentMode": "ROUND"}, headers=admin)
    assert_error_body(unknown_mode, 400)
    assert await count_rows(db) == before
    missing = "/frontdesk/v1/channel-accounts/987654321/routing"
    assert_error_body(await client.get(missing, headers=admin), 404)
