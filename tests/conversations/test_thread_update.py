from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database
from tests.conversations.factories import (
    create_setup,
    create_thread,
    events,
    system_messages,
    thread_row,
)
from tests.factories import bearer, create_personal_token, create_user

BASE = "/conversations/v3/conversations/threads"


@pytest.mark.asyncio
async def test_get_thread_and_the_archived_flag(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    live = await create_thread(db, setup)
    gone = await create_thread(db, setup, archived=True)
    headers = bearer(setup.app_token)
    body = (await client.get(f"{BASE}/{live}", headers=headers)).json()
    assert body["id"] == str(live)
    assert body["archived"] is False
    assert (await client.get(f"{BASE}/{gone}", headers=headers)).status_code == 404
    found = await client.get(f"{BASE}/{gone}", params={"archived": "true"}, headers=headers)
    assert found.status_code == 200
    assert found.json()["archived"] is True
    wrong = await client.get(f"{BASE}/{live}", params={"archived": "true"}, headers=headers)
    assert wrong.status_code == 404
    missing = await client.get(f"{BASE}/987654", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["category"] == "OBJECT_NOT_FOUND"


@pytest.mark.asyncio
async def test_close_and_reopen(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    thread = await create_thread(db, setup)
    headers = bearer(setup.app_token)
    actor = f"I-{setup.app_id}"

    closed = await client.patch(f"{BASE}/{thread}", json={"status": "CLOSED"}, headers=headers)
    assert closed.status_code == 200
    assert closed.json()["status"] == "CLOSED"
    assert closed.json()["closedAt"].endswith("Z")
    assert (await thread_row(db, thread)).closed_at is not None

    reopened = await client.patch(f"{BASE}/{thread}", json={"status": "OPEN"}, headers=headers)
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "OPEN"
    assert "closedAt" not in reopened.json()
    assert (await thread_row(db, thread)).closed_at is None

    logged = await events(db)
    assert [(e.name, e.payload) for e in logged] == [
        (
            "conversation.updated",
            {"threadId": str(thread), "inboxId": str(setup.inbox_id), "changes": {"status": s}},
        )
        for s in ("CLOSED", "OPEN")
    ]
    assert all(e.inbox_id == setup.inbox_id for e in logged)
    assert await system_messages(db, thread_id=thread) == [
        ("THREAD_STATUS_CHANGE", actor, {"newStatus": "CLOSED"}),
        ("THREAD_STATUS_CHANGE", actor, {"newStatus": "OPEN"}),
    ]


@pytest.mark.asyncio
async def test_same_status_again_changes_nothing(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    thread = await create_thread(db, setup, status="CLOSED")
    before = await thread_row(db, thread)
    response = await client.patch(
        f"{BASE}/{thread}", json={"status": "CLOSED"}, headers=bearer(setup.app_token)
    )
    assert response.status_code == 200
    assert response.json()["status"] == "CLOSED"
    assert await events(db) == []
    assert await system_messages(db, thread_id=thread) == []
    assert (await thread_row(db, thread)).closed_at == before.closed_at


@pytest.mark.asyncio
async def test_status_change_by_user_names_the_agent(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    thread = await create_thread(db, setup)
    user = await create_user(db, teams=[setup.team])
    token = await create_personal_token(db, user_id=user)
    response = await client.patch(
        f"{BASE}/{thread}", json={"status": "CLOSED", "archived": None}, headers=bearer(token)
    )
    assert response.status_code == 200
    assert await system_messages(db, thread_id=thread) == [
        ("THREAD_STATUS_CHANGE", f"A-{user}", {"newStatus": "CLOSED"})
    ]


@pytest.mark.asyncio
@pytest.mark.parametrize("query", [{}, {"archived": "true"}])
async def test_status_of_archived_thread_cannot_change(
    client: httpx.AsyncClient, db: Database, query: dict[str, str]
) -> None:
    setup = await create_setup(db)
    thread = await create_thread(db, setup, archived=True)
    response = await client.patch(
        f"{BASE}/{thread}",
        params=query,
        json={"status": "CLOSED"},
        headers=bearer(setup.app_token),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["in"] == "status"
    assert (await thread_row(db, thread)).status == "OPEN"
    assert await events(db) == []
    assert await system_messages(db, thread_id=thread) == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "CLOSED", "archived": False}, "archived"),
        ({}, "body"),
        ({"status": None}, "body"),
        ({"archived": True}, "archived"),
        ({"archived": "false"}, "archived"),
        ({"status": "PENDING"}, "status"),
        ({"status": "CLOSED", "assignedTo": "A-1"}, "assignedTo"),
        (None, "body"),
        ([], "body"),
    ],
)
async def test_patch_rejects_bad_bodies(
    client: httpx.AsyncClient, db: Database, body: Any, field: str
) -> None:
    setup = await create_setup(db)
    thread = await create_thread(db, setup)
    kwargs: dict[str, Any] = {} if body is None else {"json": body}
    response = await client.patch(
        f"{BASE}/{thread}",
        params={"archived": "true"},
        headers=bearer(setup.app_token),
        **kwargs,
    )
    assert response.status_code == 400, response.text
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert [e["in"] for e in response.json()["errors"]] == [field]
    row = await thread_row(db, thread)
    assert (row.status, row.archived) == ("OPEN", False)
    assert await events(db) == []


@pytest.mark.asyncio
async def test_delete_archives_and_restore_brings_back(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    thread = await create_thread(db, setup)
    headers = bearer(setup.app_token)

    deleted = await client.delete(f"{BASE}/{thread}", headers=headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    row = await thread_row(db, thread)
    assert row.archived is True
    assert row.archived_at is not None
    assert (await client.get(f"{BASE}/{thread}", headers=headers)).status_code == 404

    # Without ?archived=true the archived thread is not found (reference 7.4).
    hidden = await client.patch(f"{BASE}/{thread}", json={"archived": False}, headers=headers)
    assert hidden.status_code == 404

    restored = await client.patch(
        f"{BASE}/{thread}", params={"archived": "true"}, json={"archived": False}, headers=headers
    )
    assert restored.status_code == 200
    assert restored.json()["archived"] is False
    row = await thread_row(db, thread)
    assert (row.archived, row.archived_at) == (False, None)

    thread_ref = {"threadId": str(thread), "inboxId": str(setup.inbox_id)}
    assert [(e.name, e.payload) for e in await events(db)] == [
        ("conversation.deleted", thread_ref),
        ("conversation.updated", {**thread_ref, "changes": {"archived": False}}),
    ]
    assert await system_messages(db, thread_id=thread) == []


@pytest.mark.asyncio
async def test_archive_and_restore_repeated_change_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    gone = await create_thread(db, setup, archived=True)
    live = await create_thread(db, setup)
    headers = bearer(setup.app_token)
    assert (await client.delete(f"{BASE}/{gone}", headers=headers)).status_code == 204
    for query in ({"archived": "true"}, {}):
        response = await client.patch(
            f"{BASE}/{live}", params=query, json={"archived": False}, headers=headers
        )
        assert response.status_code == 200
        assert response.json()["archived"] is False
    assert await events(db) == []


@pytest.mark.asyncio
async def test_unknown_thread_is_404_for_every_change(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    headers = bearer(setup.app_token)
    url = f"{BASE}/424242"
    assert (await client.patch(url, json={"status": "OPEN"}, headers=headers)).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404
    assert (
        await client.put(f"{url}/assignee", json={"actorId": "A-1"}, headers=headers)
    ).status_code == 404
    assert (await client.delete(f"{url}/assignee", headers=headers)).status_code == 404


@pytest.mark.asyncio
@pytest.mark.parametrize("thread_id", ["abc", "0", str(2**63)])
async def test_bad_thread_ids_are_400(
    client: httpx.AsyncClient, db: Database, thread_id: str
) -> None:
    setup = await create_setup(db)
    response = await client.get(f"{BASE}/{thread_id}", headers=bearer(setup.app_token))
    assert response.status_code == 400
    assert response.json()["errors"][0]["in"] == "threadId"
