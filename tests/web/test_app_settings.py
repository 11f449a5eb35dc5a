"""Settings > Apps (issue 5): register an app, its secrets shown once or when asked, rotation
with a grace period, installation tokens, its channels and their delivery logs with replay."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select, update

from frontdesk.apps import service as app_service
from frontdesk.core.db import Database
from frontdesk.core.jobs import Job
from tests import factories
from tests.api.sweep_helpers import count_rows
from tests.web.conftest import SignIn, WebUser
from tests.web.thread_world import build_world, publish

pytestmark = pytest.mark.asyncio


def code(html: str, element_id: str) -> str:
    match = re.search(rf'<code id="{element_id}">([^<]+)</code>', html)
    assert match, f"{element_id} not shown"
    return match.group(1)


async def register(admin: WebUser, **fields: str) -> httpx.Response:
    data = {
        "csrf_token": admin.csrf,
        "name": "Chatterbox bridge",
        "description": "",
        "logo_url": "",
    }
    return await admin.client.post("/settings/apps", data={**data, **fields})


async def test_registering_shows_the_credentials_once_and_they_work(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    admin = await web_user(role="admin")
    page = await register(admin, description="Chats", logo_url="/static/favicon.svg")
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    app_id = int(code(page.text, "app-id"))
    key = code(page.text, "developer-key")
    token = code(page.text, "new-token")
    assert code(page.text, "webhook-secret").startswith("whsec_")
    listed = await client.get(
        "/conversations/v3/custom-channels", params={"hapikey": key, "appId": str(app_id)}
    )
    assert listed.status_code == 200
    async with db.read() as uow:
        assert await app_service.resolve_token(uow, token=token) is not None
    again = await admin.client.get(f"/settings/apps/{app_id}")
    assert key not in again.text
    assert token not in again.text
    assert 'id="client-secret"' not in again.text
    apps = await admin.client.get("/settings/apps")
    assert f'href="/settings/apps/{app_id}">Chatterbox bridge</a>' in apps.text
    assert '<img class="channel-logo" src="/static/favicon.svg"' in apps.text


async def test_a_foreign_logo_is_not_loaded_and_a_bad_one_refused(
    db: Database, web_user: SignIn
) -> None:
    admin = await web_user(role="admin")
    before = await count_rows(db)
    refused = await register(admin, logo_url="javascript:alert(1)")
    assert refused.status_code == 400
    assert 'id="error-logo_url"' in refused.text
    empty = await register(admin, name="  ")
    assert empty.status_code == 400
    assert 'id="error-name"' in empty.text
    assert await count_rows(db) == before
    page = await register(admin, logo_url="https://cdn.example.com/logo.png")
    assert page.status_code == 200
    assert (
        "cdn.example.com"
        not in (await admin.client.get("/settings/apps")).text.split("<form", 1)[0]
    )


async def test_secrets_shown_when_asked_and_rotated_with_grace(
    db: Database, web_user: SignIn
) -> None:
    admin = await web_user(role="admin")
    app = await factories.create_app(db)
    shown = await admin.client.post(
        f"/settings/apps/{app.app_id}/secrets", data={"csrf_token": admin.csrf}
    )
    assert shown.headers["cache-control"] == "no-store"
    assert code(shown.text, "client-secret") == app.client_secret
    old_webhook = code(shown.text, "webhook-secret")
    bad = await admin.client.post(
        f"/settings/apps/{app.app_id}/secrets/rotate",
        data={"csrf_token": admin.csrf, "grace_hours": "soon"},
    )
    assert bad.status_code == 400
    assert 'id="error-grace_hours"' in bad.text
    rotated = await admin.client.post(
        f"/settings/apps/{app.app_id}/secrets/rotate",
        data={"csrf_token": admin.csrf, "grace_hours": "2"},
    )
    assert rotated.status_code == 200
    new_client = code(rotated.text, "client-secret")
    assert new_client != app.client_secret
    assert "still signs until" in rotated.text
    async with db.read() as uow:
        secrets = await app_service.signing_secrets(uow, app_id=app.app_id, now=0)
    assert secrets.client_secret == new_client
    assert secrets.webhook_secrets[1] == old_webhook


async def test_tokens_are_created_with_scopes_shown_once_and_revoked(
    db: Database, web_user: SignIn
) -> None:
    admin = await web_user(role="admin")
    app = await factories.create_app(db)
    url = f"/settings/apps/{app.app_id}/tokens"
    none = await admin.client.post(url, data={"csrf_token": admin.csrf, "token_name": "x"})
    assert none.status_code == 400
    assert 'id="error-scopes"' in none.text
    unknown = await admin.client.post(
        url, data={"csrf_token": admin.csrf, "scopes": ["everything"]}
    )
    assert unknown.status_code == 400
    created = await admin.client.post(
        url,
        data={"csrf_token": admin.csrf, "token_name": "Bridge prod", "scopes": ["files"]},
    )
    token = code(created.text, "new-token")
    async with db.read() as uow:
        owner = await app_service.resolve_token(uow, token=token)
    assert owner is not None
    assert owner.scopes == frozenset({"files"})
    assert "Bridge prod" in created.text
    other_app = await factories.create_app(db)
    foreign = await admin.client.post(
        f"/settings/apps/{other_app.app_id}/tokens/revoke",
        data={"csrf_token": admin.csrf, "token_id": str(owner.token_id)},
    )
    assert foreign.status_code == 404
    revoked = await admin.client.post(
        f"/settings/apps/{app.app_id}/tokens/revoke",
        data={"csrf_token": admin.csrf, "token_id": str(owner.token_id)},
    )
    assert revoked.status_code == 303
    async with db.read() as uow:
        assert await app_service.resolve_token(uow, token=token) is None


async def test_the_delivery_log_shows_attempts_and_replays_a_dead_job(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    admin = await web_user(role="admin")
    world = await build_world(db)
    await publish(client, world, "hello")
    reply = await client.post(
        f"/conversations/v3/conversations/threads/{world.thread_id}/messages",
        json={
            "type": "MESSAGE",
            "text": "On it",
            "senderActorId": f"A-{admin.user_id}",
            "channelId": str(world.channel_id),
            "channelAccountId": str(world.account_id),
            "attachments": [],
        },
        headers=factories.bearer(await factories.create_personal_token(db, user_id=admin.user_id)),
    )
    assert reply.status_code == 201, reply.text
    async with db.transaction() as uow:
        job_id = await uow.scalar(select(Job.id).where(Job.channel_id == world.channel_id))
        await uow.execute(
            update(Job).where(Job.id == job_id).values(status="dead", last_error="HTTP 500")
        )
    app_page = await admin.client.get(f"/settings/apps/{world.app.app_id}")
    assert f'data-channel-id="{world.channel_id}"' in app_page.text
    assert "Support line" in app_page.text
    url = f"/settings/apps/{world.app.app_id}/channels/{world.channel_id}/deliveries"
    log = await admin.client.get(url)
    assert log.status_code == 200
    row = re.search(rf'<tr data-job-id="{job_id}">(.*?)</tr>', log.text, re.S)
    assert row, log.text
    assert "dead" in row.group(1)
    assert "HTTP 500" in row.group(1)
    assert f'href="/inbox/threads/{world.thread_id}"' in row.group(1)
    replayed = await admin.client.post(f"{url}/{job_id}/replay", data={"csrf_token": admin.csrf})
    assert replayed.status_code == 303
    async with db.read() as uow:
        assert await uow.scalar(select(Job.status).where(Job.id == job_id)) == "queued"
    twice = await admin.client.post(f"{url}/{job_id}/replay", data={"csrf_token": admin.csrf})
    assert twice.status_code == 409
    other = await factories.create_app(db)
    assert (
        await admin.client.get(
            f"/settings/apps/{other.app_id}/channels/{world.channel_id}/deliveries"
        )
    ).status_code == 404
