from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update

from frontdesk.accounts.models import User
from frontdesk.core.db import Database
from tests.conversations.factories import (
    create_setup,
    create_thread,
    events,
    system_messages,
    thread_row,
)
from tests.factories import bearer, create_personal_token, create_team, create_user

V3 = "/conversations/v3/conversations/threads"
SPEC = "/conversations/conversations/v3/threads"  # the spelling of HubSpot's spec file
DATED = "/conversations/conversations/2026-09/threads"


@pytest.mark.asyncio
@pytest.mark.parametrize("base", [SPEC, V3, DATED])
async def test_assign_reassign_unassign(client: httpx.AsyncClient, db: Database, base: str) -> None:
    setup = await create_setup(db)
    thread = await create_thread(db, setup)
    first = await create_user(db, teams=[setup.team])
    admin = await create_user(db, role="admin")
    admin_token = await create_personal_token(db, user_id=admin)
    url = f"{base}/{thread}/assignee"

    response = await client.put(
        url, json={"actorId": f"A-{first}"}, headers=bearer(setup.app_token)
    )
    assert response.status_code == 200
    assert response.json()["id"] == str(thread)
    assert response.json()["assignedTo"] == f"A-{first}"
    row = await thread_row(db, thread)
    assert row.assignee_id == first
    assert row.assigned_at is not None
    assert row.assignment_reason == f"assigned through the API by I-{setup.app_id}"

    response = await client.put(url, json={"actorId": f"A-{admin}"}, headers=bearer(admin_token))
    assert response.status_code == 200
    assert response.json()["assignedTo"] == f"A-{admin}"
    assert (await thread_row(db, thread)).assignment_reason == f"assigned by A-{admin}"

    response = await client.delete(url, headers=bearer(admin_token))
    assert response.status_code == 204
    row = await thread_row(db, thread)
    assert (row.assignee_id, row.assigned_at, row.assignment_reason) == (None, None, None)
    got = await client.get(f"{V3}/{thread}", headers=bearer(admin_token))
    assert "assignedTo" not in got.json()

    assert await system_messages(db, thread_id=thread) == [
        ("ASSIGNMENT", f"I-{setup.app_id}", {"assignedTo": f"A-{first}", "assignedFrom": None}),
        ("ASSIGNMENT", f"A-{admin}", {"assignedTo": f"A-{admin}", "assignedFrom": f"A-{first}"}),
        ("ASSIGNMENT", f"A-{admin}", {"assignedTo": None, "assignedFrom": f"A-{admin}"}),
    ]
    logged = await events(db, name="conversation.assigned")
    ref = {"threadId": str(thread), "inboxId": str(setup.inbox_id)}
    assert [e.payload for e in logged] == [
        {
            **ref,
            "assigneeId": str(first),
            "previousAssigneeId": None,
            "reason": f"assigned through the API by I-{setup.app_id}",
            "actorId": f"I-{setup.app_id}",
        },
        {
            **ref,
            "assigneeId": str(admin),
            "previousAssigneeId": str(first),
            "reason": f"assigned by A-{admin}",
            "actorId": f"A-{admin}",
        },
        {
            **ref,
            "assigneeId": None,
            "previousAssigneeId": str(admin),
            "reason": None,
            "actorId": f"A-{admin}",
        },
    ]
    assert [e.user_ids for e in logged] == [[first], [first, admin], [admin]]
    assert all(e.inbox_id == setup.inbox_id for e in logged)
    # Besides them, only the notification of the one who was given the conversation by the
    # app (the admin took it himself).
    others = [e for e in await events(db) if e.name != "conversation.assigned"]
    assert [(e.name, e.user_ids) for e in others] == [("notification.created", [first])]


@pytest.mark.asyncio
async def test_same_assignee_again_and_unassign_twice_change_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    user = await create_user(db, teams=[setup.team])
    thread = await create_thread(db, setup, assignee_id=user)
    unassigned = await create_thread(db, setup)
    headers = bearer(setup.app_token)
    response = await client.put(
        f"{SPEC}/{thread}/assignee", json={"actorId": f"A-{user}"}, headers=headers
    )
    assert response.status_code == 200
    assert response.json()["assignedTo"] == f"A-{user}"
    assert (
        await client.delete(f"{SPEC}/{unassigned}/assignee", headers=headers)
    ).status_code == 204
    assert await events(db) == []
    assert await system_messages(db, thread_id=thread) == []
    assert await system_messages(db, thread_id=unassigned) == []


async def _deactivated_user(db: Database, team: str) -> int:
    user = await create_user(db, teams=[team])
    async with db.transaction() as uow:
        await uow.execute(update(User).where(User.id == user).values(active=False))
    return user


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "actor",
    [
        "V-1",
        "I-1",
        "B-1",
        "1",
        "A-",
        "A-abc",
        "A-0",
        "A-99999999",
        "outsider",
        "inactive",
        "other-team",
    ],
)
async def test_assignee_must_be_an_active_agent_who_sees_the_inbox(
    client: httpx.AsyncClient, db: Database, actor: str
) -> None:
    setup = await create_setup(db)
    thread = await create_thread(db, setup)
    if actor == "outsider":
        actor = f"A-{await create_user(db)}"
    elif actor == "inactive":
        actor = f"A-{await _deactivated_user(db, setup.team)}"
    elif actor == "other-team":
        actor = f"A-{await create_user(db, teams=[await create_team(db)])}"
    response = await client.put(
        f"{SPEC}/{thread}/assignee", json={"actorId": actor}, headers=bearer(setup.app_token)
    )
    assert response.status_code == 400, response.text
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert [e["in"] for e in response.json()["errors"]] == ["actorId"]
    assert (await thread_row(db, thread)).assignee_id is None
    assert await events(db) == []
    assert await system_messages(db, thread_id=thread) == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "actorId"), ({"actorId": 5}, "actorId"), ({"actorId": "A-1", "x": 1}, "x")],
)
async def test_assignee_body_is_validated(
    client: httpx.AsyncClient, db: Database, body: Any, field: str
) -> None:
    setup = await create_setup(db)
    thread = await create_thread(db, setup)
    response = await client.put(
        f"{V3}/{thread}/assignee", json=body, headers=bearer(setup.app_token)
    )
    assert response.status_code == 400
    assert [e["in"] for e in response.json()["errors"]] == [field]


@pytest.mark.asyncio
async def test_archived_thread_cannot_be_assigned(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    user = await create_user(db, teams=[setup.team])
    thread = await create_thread(db, setup, archived=True, assignee_id=user)
    headers = bearer(setup.app_token)
    url = f"{SPEC}/{thread}/assignee"
    assert (
        await client.put(url, json={"actorId": f"A-{user}"}, headers=headers)
    ).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404
    assert await events(db) == []
