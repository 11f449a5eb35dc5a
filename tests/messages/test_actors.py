"""Actors: one by id, and batches with partial failure (207)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from frontdesk.accounts.models import User
from frontdesk.core.db import Database
from tests import factories
from tests.factories import bearer
from tests.messages.thread_factories import PREFIX, create_contact

ACTORS = f"{PREFIX}/actors"


async def _reader(db: Database) -> str:
    app = await factories.create_app(db, scopes=["conversations.read"])
    return app.access_token


@pytest.mark.asyncio
async def test_agent_visitor_integrator_and_system_actors(
    client: httpx.AsyncClient, db: Database
) -> None:
    token = await _reader(db)
    user_id = await factories.create_user(db, email="grace@example.com", name="Grace Hopper")
    async with db.transaction() as uow:
        await uow.execute(
            update(User).where(User.id == user_id).values(avatar_url="https://example.com/g.png")
        )
    contact_id = await create_contact(db, name="Ada Lovelace", email="ada@example.com")
    app = await factories.create_app(db, name="Telegram bridge")
    expected = {
        f"A-{user_id}": {
            "type": "AGENT",
            "id": f"A-{user_id}",
            "name": "Grace Hopper",
            "email": "grace@example.com",
            "avatar": "https://example.com/g.png",
        },
        f"V-{contact_id}": {
            "type": "VISITOR",
            "id": f"V-{contact_id}",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
        },
        f"I-{app.app_id}": {
            "type": "INTEGRATOR",
            "id": f"I-{app.app_id}",
            "name": "Telegram bridge",
        },
        "S-hubspot": {"type": "SYSTEM", "id": "S-hubspot"},
    }
    for actor_id, actor in expected.items():
        response = await client.get(f"{ACTORS}/{actor_id}", headers=bearer(token))
        assert response.status_code == 200, actor_id
        assert response.json() == actor


@pytest.mark.asyncio
async def test_deactivated_agent_still_resolves(client: httpx.AsyncClient, db: Database) -> None:
    token = await _reader(db)
    user_id = await factories.create_user(db, name="Former")
    async with db.transaction() as uow:
        await uow.execute(update(User).where(User.id == user_id).values(active=False))
    response = await client.get(f"{ACTORS}/A-{user_id}", headers=bearer(token))
    assert response.json()["name"] == "Former"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "actor_id",
    [
        "A-999999",
        "V-999999",
        "I-999999",
        "A-abc",
        "A-",
        "X-1",
        "B-1",
        "E-a@b.c",
        "S-",
        "123",
        "A-99999999999999999999",
    ],
)
async def test_unknown_or_malformed_actor_is_404(
    client: httpx.AsyncClient, db: Database, actor_id: str
) -> None:
    token = await _reader(db)
    response = await client.get(f"{ACTORS}/{actor_id}", headers=bearer(token))
    assert response.status_code == 404
    assert response.json()["category"] == "OBJECT_NOT_FOUND"


@pytest.mark.asyncio
async def test_user_token_resolves_actors_of_any_inbox(
    client: httpx.AsyncClient, db: Database
) -> None:
    # HubSpot semantics: an actor is a name and an address, visible to every reader.
    lonely = await factories.create_user(db)
    token = await factories.create_personal_token(db, user_id=lonely)
    contact_id = await create_contact(db)
    response = await client.get(f"{ACTORS}/V-{contact_id}", headers=bearer(token))
    assert response.status_code == 200


@pytest.mark.asyncio
async def test_batch_read_all_found(client: httpx.AsyncClient, db: Database) -> None:
    token = await _reader(db)
    user_id = await factories.create_user(db)
    response = await client.post(
        f"{ACTORS}/batch/read",
        json={"inputs": [f"A-{user_id}", "S-hubspot", f"A-{user_id}"]},
        headers=bearer(token),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert [a["id"] for a in body["results"]] == [f"A-{user_id}", "S-hubspot"]
    assert body["links"] == {}
    assert {"requestedAt", "startedAt", "completedAt"} <= set(body)
    assert "errors" not in body
    assert "numErrors" not in body


@pytest.mark.asyncio
async def test_batch_read_with_failures_is_207(client: httpx.AsyncClient, db: Database) -> None:
    token = await _reader(db)
    user_id = await factories.create_user(db)
    response = await client.post(
        f"{ACTORS}/batch/read",
        json={"inputs": [f"A-{user_id}", "A-999999", "nonsense"]},
        headers=bearer(token),
    )
    assert response.status_code == 207
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert [a["id"] for a in body["results"]] == [f"A-{user_id}"]
    assert body["numErrors"] == 2
    assert [e["context"] for e in body["errors"]] == [
        {"actorId": ["A-999999"]},
        {"actorId": ["nonsense"]},
    ]
    for error in body["errors"]:
        assert error["status"] == "404"
        assert error["category"] == "OBJECT_NOT_FOUND"
        assert error["message"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "payload", [{"inputs": []}, {}, {"inputs": "A-1"}, {"inputs": ["A-1"] * 101}]
)
async def test_batch_read_rejects_bad_input(
    client: httpx.AsyncClient, db: Database, payload: object
) -> None:
    token = await _reader(db)
    response = await client.post(f"{ACTORS}/batch/read", json=payload, headers=bearer(token))
    assert response.status_code == 400
    assert response.json()["errors"][0]["in"] == "inputs"
