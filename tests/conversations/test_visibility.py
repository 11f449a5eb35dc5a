"""A user sees the threads of their teams' inboxes only; admins and app tokens see all."""

from __future__ import annotations

import httpx
import pytest

from frontdesk.core.db import Database
from tests.conversations.factories import (
    add_inbox,
    create_contact,
    create_setup,
    create_thread,
    events,
    system_messages,
    thread_row,
)
from tests.factories import bearer, create_personal_token, create_team, create_user

BASE = "/conversations/v3/conversations/threads"
SPEC = "/conversations/conversations/v3/threads"


@pytest.mark.asyncio
async def test_user_outside_an_inbox_sees_none_of_its_threads(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    other_team = await create_team(db)
    hidden_inbox, hidden_account = await add_inbox(db, setup, teams=[other_team])
    contact = await create_contact(db)
    mine = await create_thread(db, setup, contact_id=contact)
    hidden = await create_thread(
        db, setup, inbox_id=hidden_inbox, account_id=hidden_account, contact_id=contact
    )
    hidden_archived = await create_thread(
        db, setup, inbox_id=hidden_inbox, account_id=hidden_account, archived=True
    )
    user = await create_user(db, teams=[setup.team])
    colleague = await create_user(db, teams=[other_team])
    headers = bearer(await create_personal_token(db, user_id=user))

    async def listed(params: dict[str, object]) -> list[str]:
        response = await client.get(BASE, params=params, headers=headers)  # type: ignore[arg-type]
        assert response.status_code == 200
        return [r["id"] for r in response.json()["results"]]

    assert await listed({}) == [str(mine)]
    assert await listed({"inboxId": hidden_inbox}) == []
    assert await listed({"archived": "true"}) == []
    assert await listed({"associatedContactId": contact, "threadStatus": "OPEN"}) == [str(mine)]

    url = f"{BASE}/{hidden}"
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.patch(url, json={"status": "CLOSED"}, headers=headers)).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404
    restore = await client.patch(
        f"{BASE}/{hidden_archived}",
        params={"archived": "true"},
        json={"archived": False},
        headers=headers,
    )
    assert restore.status_code == 404
    for assignee_url in (f"{SPEC}/{hidden}/assignee", f"{url}/assignee"):
        put = await client.put(assignee_url, json={"actorId": f"A-{colleague}"}, headers=headers)
        assert put.status_code == 404
        assert (await client.delete(assignee_url, headers=headers)).status_code == 404

    row = await thread_row(db, hidden)
    assert (row.status, row.archived, row.assignee_id) == ("OPEN", False, None)
    assert (await thread_row(db, hidden_archived)).archived is True
    assert await events(db) == []
    assert await system_messages(db, thread_id=hidden) == []


@pytest.mark.asyncio
async def test_user_cannot_assign_a_visible_thread_to_themselves_outside_its_inbox(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    thread = await create_thread(db, setup)
    outsider = await create_user(db)
    response = await client.put(
        f"{SPEC}/{thread}/assignee",
        json={"actorId": f"A-{outsider}"},
        headers=bearer(setup.app_token),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["in"] == "actorId"


@pytest.mark.asyncio
@pytest.mark.parametrize("who", ["admin", "app"])
async def test_admin_and_app_see_every_thread(
    client: httpx.AsyncClient, db: Database, who: str
) -> None:
    setup = await create_setup(db)
    no_team_inbox, account = await add_inbox(db, setup)
    first = await create_thread(db, setup)
    second = await create_thread(db, setup, inbox_id=no_team_inbox, account_id=account)
    if who == "admin":
        token = await create_personal_token(db, user_id=await create_user(db, role="admin"))
    else:
        token = setup.app_token
    headers = bearer(token)
    body = (await client.get(BASE, headers=headers)).json()
    assert [r["id"] for r in body["results"]] == [str(first), str(second)]
    assert (await client.get(f"{BASE}/{second}", headers=headers)).status_code == 200
    closed = await client.patch(f"{BASE}/{second}", json={"status": "CLOSED"}, headers=headers)
    assert closed.status_code == 200
