"""Every route of the app, every path alias included, refuses a missing credential, a wrong one,
a token without the route's scope and the wrong kind of caller, each in HubSpot's error body
and writing nothing (issue 2; DESIGN 8, "Who may call what").

`RULES` (tests/api/sweep_helpers.py) classifies each (method, path) the app serves; a route
added without a rule, or a rule left after its route is gone, fails
`test_every_route_is_classified`, so the sweep stays whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.apps import service as app_service
from frontdesk.core.db import Database
from tests import factories
from tests.api.sweep_helpers import (
    BEARER_KINDS,
    RULES,
    UNAUTHENTICATED,
    World,
    assert_error_body,
    build_world,
    count_rows,
    credential_for,
    protected,
    routes,
    token_with,
)
from tests.factories import bearer
from tests.web.conftest import create_password_user, sign_in


@dataclass
class Sweep:
    """Calls routes and collects every failed expectation, so one run reports them all."""

    client: httpx.AsyncClient
    world: World
    failures: list[str] = field(default_factory=list)

    async def call(
        self,
        method: str,
        template: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        kwargs: dict[str, Any] = {"headers": headers or {}, "params": params or {}}
        if method in ("POST", "PUT", "PATCH"):
            kwargs["json"] = {}
        return await self.client.request(method, self.world.fill(template), **kwargs)

    def check(self, label: str, response: httpx.Response, status: int, **expect: Any) -> None:
        try:
            body = assert_error_body(response, status, expect.get("category"))
            if "scopes" in expect:
                required = body.get("context", {}).get("requiredGranularScopes")
                assert set(required or ()) == set(expect["scopes"]), body
        except AssertionError as exc:
            self.failures.append(f"{label}: {exc}")

    def report(self) -> str:
        return f"{len(self.failures)} failed expectations:\n" + "\n".join(self.failures)


async def _sweep(db: Database, client: httpx.AsyncClient) -> Sweep:
    return Sweep(client, await build_world(db, client))


def _other_scopes(scopes: Iterable[str]) -> list[str]:
    """Every scope an app can hold except `scopes`: the strictest token that still lacks them."""
    return [scope for scope in app_service.APP_SCOPES if scope not in set(scopes)]


# --- the table is complete ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_every_route_is_classified(app: FastAPI) -> None:
    served = set(routes(app))
    unclassified = sorted(served - RULES.keys())
    assert not unclassified, f"routes without a rule in RULES (classify them): {unclassified}"
    stale = sorted(RULES.keys() - served)
    assert not stale, f"rules for routes the app no longer serves: {stale}"


# --- public routes -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_public_routes_answer_without_credentials(
    db: Database, client: httpx.AsyncClient
) -> None:
    world = await build_world(db, client)  # public pages name things too (/kb/{slug} ...)
    for (method, path), rule in RULES.items():
        if rule.credential == "public":
            response = await client.request(method, world.fill(path))
            # 200, or a redirect (`/` sends to the inbox, which sends a stranger to sign in;
            # a shared document's link to its signed download).
            assert response.status_code in (200, 303), f"{method} {path}: {response.status_code}"


@pytest.mark.asyncio
async def test_web_routes_take_only_a_session(db: Database, client: httpx.AsyncClient) -> None:
    """Pages and fragments send a stranger to sign in (fragments: 401), even one holding a
    valid personal token: a page is never driven by a bearer token."""
    sweep = await _sweep(db, client)
    user_id = await factories.create_user(db, role="admin")
    token = bearer(await factories.create_personal_token(db, user_id=user_id))
    before = await count_rows(db)
    for method, path, _rule in protected("web", "web_admin"):
        for label, headers in (("no credential", {}), ("bearer token", token)):
            page = await sweep.call(method, path, headers=headers)
            where = page.headers.get("location", "")
            if page.status_code != 303 or not where.startswith("/login"):
                sweep.failures.append(f"{method} {path} page, {label}: {page.status_code} {where}")
            fragment = await sweep.call(
                method, path, headers={**headers, "X-Frontdesk-Fragment": "1"}
            )
            sweep.check(
                f"{method} {path} fragment, {label}", fragment, 401, category=UNAUTHENTICATED
            )
    assert not sweep.failures, sweep.report()
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_admin_pages_refuse_agents(
    app: FastAPI, db: Database, client: httpx.AsyncClient, password_hash: str
) -> None:
    """Workspace settings answer a signed-in agent 403 (a page, or the error body for a
    fragment), before reading a form, and write nothing."""
    sweep = await _sweep(db, client)
    _user_id, email = await create_password_user(db, password_hash, role="agent")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as agent:
        csrf = await sign_in(agent, email)
        before = await count_rows(db)
        for method, path, _rule in protected("web_admin"):
            url = sweep.world.fill(path)
            page = await agent.request(method, url, headers={"X-CSRF-Token": csrf})
            if page.status_code != 403 or "text/html" not in page.headers["content-type"]:
                sweep.failures.append(f"{method} {path} page: {page.status_code}")
            fragment = await agent.request(
                method, url, headers={"X-CSRF-Token": csrf, "X-Frontdesk-Fragment": "1"}
            )
            sweep.check(f"{method} {path} fragment", fragment, 403, category="FORBIDDEN")
        assert await count_rows(db) == before
    assert not sweep.failures, sweep.report()


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_every_route_refuses_a_missing_credential(
    db: Database, client: httpx.AsyncClient
) -> None:
    sweep = await _sweep(db, client)
    before = await count_rows(db)
    for method, path, _rule in protected("developer", *BEARER_KINDS):
        response = await sweep.call(method, path)
        sweep.check(f"{method} {path} without credential", response, 401, category=UNAUTHENTICATED)
    assert not sweep.failures, sweep.report()
    assert await count_rows(db) == before


async def _wrong_bearers(db: Database, world: World) -> dict[str, dict[str, str]]:
    """Bearer headers that name no valid token: unknown, revoked, or in another scheme."""
    revoked = await token_with(db, scopes=list(app_service.APP_SCOPES), app_id=world.app.app_id)
    async with db.transaction() as uow:
        await app_service.revoke_token(uow, token_id=await _token_id(uow, revoked))
    return {
        "unknown token": bearer("fda_" + "x" * 43),
        "revoked token": bearer(revoked),
        "basic scheme": {"Authorization": f"Basic {world.app.access_token}"},
        "empty bearer": {"Authorization": "Bearer "},
    }


async def _token_id(uow: Any, token: str) -> int:
    owner = await app_service.resolve_token(uow, token=token)
    assert owner is not None
    return owner.token_id


def _wrong_developer_keys(world: World) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """(query, headers) that do not authenticate the world's app as its developer."""
    app_id = str(world.app.app_id)
    return {
        "wrong hapikey": ({"hapikey": "fdk_wrong", "appId": app_id}, {}),
        "another app's hapikey": (
            {"hapikey": world.other_app.developer_api_key, "appId": app_id},
            {},
        ),
        "bearer token instead of hapikey": ({}, bearer(world.app.access_token)),
        "empty hapikey": ({"hapikey": "", "appId": app_id}, {}),
    }


@pytest.mark.asyncio
async def test_every_route_refuses_a_wrong_credential(
    db: Database, client: httpx.AsyncClient
) -> None:
    sweep = await _sweep(db, client)
    wrong_bearers = await _wrong_bearers(db, sweep.world)
    before = await count_rows(db)
    for method, path, _rule in protected(*BEARER_KINDS):
        for label, headers in wrong_bearers.items():
            response = await sweep.call(method, path, headers=headers)
            sweep.check(f"{method} {path} with {label}", response, 401, category=UNAUTHENTICATED)
    for method, path, _rule in protected("developer"):
        for label, (query, headers) in _wrong_developer_keys(sweep.world).items():
            response = await sweep.call(method, path, params=query, headers=headers)
            sweep.check(f"{method} {path} with {label}", response, 401, category=UNAUTHENTICATED)
    assert not sweep.failures, sweep.report()
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_custom_channel_collection_needs_the_app_id_with_the_key(
    db: Database, client: httpx.AsyncClient
) -> None:
    sweep = await _sweep(db, client)
    query = {"hapikey": sweep.world.app.developer_api_key}
    before = await count_rows(db)
    for method, path, _rule in protected("developer"):
        if path.startswith("/webhooks/"):
            continue  # the webhooks API names its app in the path
        response = await sweep.call(method, path, params=query)
        sweep.check(f"{method} {path} without appId", response, 401, category=UNAUTHENTICATED)
    assert not sweep.failures, sweep.report()
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_every_route_refuses_a_token_without_its_scope(
    db: Database, client: httpx.AsyncClient
) -> None:
    sweep = await _sweep(db, client)
    world = sweep.world
    tokens: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for _m, _p, rule in protected("app", "scoped", "events", "signed"):
        if rule.scopes in tokens:
            continue
        others = _other_scopes(rule.scopes)
        tokens[rule.scopes] = [
            ("app token", await token_with(db, scopes=others, app_id=world.app.app_id)),
        ]
        if rule.credential in ("scoped", "signed"):
            personal = await token_with(db, scopes=others, user_id=world.setup.agent_id)
            tokens[rule.scopes].append(("personal token", personal))
    before = await count_rows(db)
    for method, path, rule in protected("app", "scoped", "events", "signed"):
        for label, token in tokens[rule.scopes]:
            response = await sweep.call(method, path, headers=bearer(token))
            sweep.check(
                f"{method} {path} with {label} lacking {rule.scopes}",
                response,
                403,
                category="MISSING_SCOPES",
                scopes=rule.scopes,
            )
    assert not sweep.failures, sweep.report()
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_every_route_refuses_the_wrong_kind_of_caller(
    db: Database, client: httpx.AsyncClient
) -> None:
    """Custom-channel routes speak for a bridge (app tokens only); /frontdesk/v1 routes for a
    person (apps only on events and their own deliveries); admin routes for admins."""
    sweep = await _sweep(db, client)
    world = sweep.world
    admin_with_every_scope = bearer(world.admin_token)
    app_with_every_scope = bearer(world.app.access_token)
    agent = bearer(world.setup.agent_token)
    wrong_callers: dict[str, list[tuple[str, dict[str, str]]]] = {
        "app": [("an admin's personal token", admin_with_every_scope)],
        "user": [("an app token", app_with_every_scope)],
        "admin": [("an app token", app_with_every_scope), ("an agent's token", agent)],
        "deliveries": [("an agent's token", agent)],
    }
    before = await count_rows(db)
    for method, path, rule in protected(*wrong_callers):
        for label, headers in wrong_callers[rule.credential]:
            response = await sweep.call(method, path, headers=headers)
            sweep.check(f"{method} {path} with {label}", response, 403)
    assert not sweep.failures, sweep.report()
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_a_download_with_a_bad_signature_is_forbidden(
    db: Database, client: httpx.AsyncClient
) -> None:
    sweep = await _sweep(db, client)
    before = await count_rows(db)
    for method, path, _rule in protected("signed"):
        for label, query in {
            "forged signature": {"expires": str(2**40), "signature": "forged"},
            "expired signature": {"expires": "1", "signature": "forged"},
        }.items():
            response = await sweep.call(method, path, params=query)
            sweep.check(f"{method} {path} with {label}", response, 403)
    assert not sweep.failures, sweep.report()
    assert await count_rows(db) == before


# --- the positive control: the same ids do find things with the right credential ----------


@pytest.mark.asyncio
async def test_the_right_credential_gets_through(db: Database, client: httpx.AsyncClient) -> None:
    """Proves the refusals above come from the credential check: with the right credential
    the same requests find what their paths name (GET: 200) or are judged on their body."""
    sweep = await _sweep(db, client)
    # Events stream forever: their authorised path is tested in tests/realtime.
    kinds = ("developer", "signed", "app", "scoped", "user", "admin", "deliveries")
    for method, path, rule in protected(*kinds):
        query, headers = await credential_for(db, sweep.world, rule)
        response = await sweep.call(method, path, params=query, headers=headers)
        label = f"{method} {path} ({rule.credential}): {response.status_code} {response.text}"
        if method == "GET":
            ok = response.status_code == 200
        else:
            ok = response.status_code not in (401, 403) and response.status_code < 500
        if not ok:
            sweep.failures.append(label)
        elif response.status_code >= 400:
            sweep.check(label, response, response.status_code)
    assert not sweep.failures, sweep.report()


@pytest.mark.asyncio
async def test_a_signed_url_downloads_without_a_token(
    db: Database, client: httpx.AsyncClient
) -> None:
    world = (await _sweep(db, client)).world
    token = await token_with(db, scopes=["files"], app_id=world.app.app_id)
    signed = await client.get(
        world.fill("/files/v3/files/{fileId}/signed-url"), headers=bearer(token)
    )
    assert signed.status_code == 200, signed.text
    parts = urlsplit(signed.json()["url"])
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    response = await client.get(parts.path, params=query)
    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG")
