"""The agent UI: the availability switch in the user menu, and the reason routing gave a
conversation in its header (also when it left it waiting)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.core.db import Database
from tests.routing.world import make_world, set_users
from tests.web.conftest import create_password_user, sign_in

FRAGMENT = {"X-Frontdesk-Fragment": "1"}


SignedIn = Callable[..., Awaitable[tuple[int, httpx.AsyncClient, str]]]


@pytest_asyncio.fixture
async def signed_in(app: FastAPI, db: Database, password_hash: str) -> AsyncIterator[SignedIn]:
    """A factory of signed-in users: (user id, their client, their CSRF token)."""
    clients: list[httpx.AsyncClient] = []

    async def make(*, teams: list[str] | None = None) -> tuple[int, httpx.AsyncClient, str]:
        user_id, email = await create_password_user(db, password_hash, teams=teams)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        clients.append(client)
        return user_id, client, await sign_in(client, email)

    yield make
    for client in clients:
        await client.aclose()


@pytest.mark.asyncio
async def test_the_user_menu_switches_availability(signed_in: SignedIn) -> None:
    _user_id, client, csrf = await signed_in()
    page = (await client.get("/inbox")).text
    assert 'id="availability-switch" role="switch" aria-checked="true"' in page
    assert '<span id="away-mark" hidden> · Away</span>' in page

    response = await client.patch(
        "/frontdesk/v1/users/me", json={"availability": "away"}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 200, response.text

    page = (await client.get("/inbox")).text
    assert 'aria-checked="false" data-availability="away"' in page
    assert "Away: no new conversations come to you" in page
    assert '<span id="away-mark"> · Away</span>' in page


@pytest.mark.asyncio
async def test_the_header_shows_why_routing_assigned_or_left_a_conversation(
    db: Database, settings: Settings, client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    world = await make_world(db, settings, client, agents=0)
    await world.route()
    agent_id, agent, _csrf = await signed_in(teams=[world.team])
    await set_users(db, [agent_id], capacity=1)
    await world.online(agent_id)
    routed, waiting = await world.publish(), await world.publish()

    header = (await agent.get(f"/inbox/fragments/threads/{routed}", headers=FRAGMENT)).text
    assert f"Round-robin among {world.team}: 0 open, the only one available" in header
    header = (await agent.get(f"/inbox/fragments/threads/{waiting}", headers=FRAGMENT)).text
    assert f"Waiting: everyone available among {world.team} is at capacity" in header
