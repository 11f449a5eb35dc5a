"""Web UI fixtures: users with a password, and HTTP clients signed in through the form."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest_asyncio
from fastapi import FastAPI

from frontdesk.accounts import service as account_service
from frontdesk.core.db import Database
from tests.factories import PASSWORD, unique

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@dataclass
class WebUser:
    user_id: int
    email: str
    client: httpx.AsyncClient
    csrf: str

    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}


async def create_password_user(
    db: Database,
    password_hash: str,
    *,
    role: str = "agent",
    teams: list[str] | None = None,
    name: str = "Ada Agent",
) -> tuple[int, str]:
    email = f"{unique('agent')}@example.com"
    async with db.transaction() as uow:
        user_id = await account_service.create_user(
            uow, email=email, password_hash=password_hash, name=name, role=role, team_names=teams
        )
    return user_id, email


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the form like a browser; returns the session's CSRF token."""
    form = await client.get("/login")
    match = CSRF_INPUT.search(form.text)
    assert match, form.text
    response = await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": match.group(1)}
    )
    assert response.status_code == 303, response.text
    page = await client.get("/settings/notifications")
    meta = CSRF_META.search(page.text)
    assert meta, page.text
    return meta.group(1)


SignIn = Callable[..., Awaitable[WebUser]]


@pytest_asyncio.fixture
async def web_user(app: FastAPI, db: Database, password_hash: str) -> AsyncIterator[SignIn]:
    """A factory: `await web_user(role=..., teams=[...])` gives a signed-in user with its own
    client (cookies are per client, so several users can act at once)."""
    clients: list[httpx.AsyncClient] = []

    async def make(
        *, role: str = "agent", teams: list[str] | None = None, name: str = "Ada Agent"
    ) -> WebUser:
        user_id, email = await create_password_user(
            db, password_hash, role=role, teams=teams, name=name
        )
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        clients.append(client)
        csrf = await sign_in(client, email)
        return WebUser(user_id, email, client, csrf)

    yield make
    for client in clients:
        await client.aclose()
