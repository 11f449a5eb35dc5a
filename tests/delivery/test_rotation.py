"""Rotating an app's secrets: new ones current at once, the old webhook secret in grace."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from frontdesk.apps import service as app_service
from frontdesk.apps.models import App
from frontdesk.core.db import Database
from frontdesk.core.models import datetime_to_ms, now_ms
from tests import factories
from tests.delivery.test_log import admin_headers
from tests.factories import bearer


def rotate_url(app_id: int) -> str:
    return f"/frontdesk/v1/apps/{app_id}/secrets/rotate"


async def app_row(db: Database, app_id: int) -> Any:
    async with db.read() as uow:
        return (await uow.execute(select(App).where(App.id == app_id))).one()


async def secrets_at(db: Database, app_id: int, now: int) -> app_service.SigningSecrets:
    async with db.read() as uow:
        return await app_service.signing_secrets(uow, app_id=app_id, now=now)


def iso_ms(value: str) -> int:
    return datetime_to_ms(datetime.fromisoformat(value.replace("Z", "+00:00")))


@pytest.mark.asyncio
async def test_rotation_returns_new_secrets_and_keeps_the_old_one_signing_for_the_grace(
    client: httpx.AsyncClient, db: Database
) -> None:
    created = await factories.create_app(db)
    old = await app_row(db, created.app_id)
    started = now_ms()

    response = await client.post(
        rotate_url(created.app_id),
        json={"gracePeriodSeconds": 3600},
        headers=await admin_headers(db),
    )

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["clientSecret"] not in (old.client_secret, created.client_secret)
    assert body["webhookSecret"].startswith("whsec_")
    assert body["webhookSecret"] != old.webhook_secret
    valid_until = iso_ms(body["previousSecretsValidUntil"])
    assert started + 3_600_000 <= valid_until <= now_ms() + 3_600_000

    during = await secrets_at(db, created.app_id, valid_until - 1)
    assert during.client_secret == body["clientSecret"]  # HubSpot headers: the new one only
    assert during.webhook_secrets == (body["webhookSecret"], old.webhook_secret)
    after = await secrets_at(db, created.app_id, valid_until)
    assert after.client_secret == body["clientSecret"]
    assert after.webhook_secrets == (body["webhookSecret"],)


@pytest.mark.asyncio
async def test_default_grace_is_a_day(client: httpx.AsyncClient, db: Database) -> None:
    created = await factories.create_app(db)
    started = now_ms()
    response = await client.post(rotate_url(created.app_id), headers=await admin_headers(db))
    assert response.status_code == 200, response.text
    valid_until = iso_ms(response.json()["previousSecretsValidUntil"])
    assert started + 86_400_000 <= valid_until <= now_ms() + 86_400_000


@pytest.mark.asyncio
async def test_zero_grace_retires_the_old_secrets_at_once(
    client: httpx.AsyncClient, db: Database
) -> None:
    created = await factories.create_app(db)
    response = await client.post(
        rotate_url(created.app_id),
        json={"gracePeriodSeconds": 0},
        headers=await admin_headers(db),
    )
    body = response.json()
    assert body["previousSecretsValidUntil"] is None
    current = await secrets_at(db, created.app_id, now_ms())
    assert current.webhook_secrets == (body["webhookSecret"],)
    assert current.client_secret == body["clientSecret"]


@pytest.mark.asyncio
@pytest.mark.parametrize("grace", [-1, 2_592_001, "a day", 1.5, True])
async def test_bad_grace_is_400_and_changes_nothing(
    client: httpx.AsyncClient, db: Database, grace: object
) -> None:
    created = await factories.create_app(db)
    before = await app_row(db, created.app_id)
    response = await client.post(
        rotate_url(created.app_id),
        json={"gracePeriodSeconds": grace},
        headers=await admin_headers(db),
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["in"] == "gracePeriodSeconds"
    assert await app_row(db, created.app_id) == before


@pytest.mark.asyncio
async def test_only_admins_rotate(client: httpx.AsyncClient, db: Database) -> None:
    created = await factories.create_app(db)
    before = await app_row(db, created.app_id)
    agent = await factories.create_user(db)
    agent_token = await factories.create_personal_token(db, user_id=agent)
    url = rotate_url(created.app_id)
    assert (await client.post(url)).status_code == 401
    assert (await client.post(url, headers=bearer(agent_token))).status_code == 403
    assert (await client.post(url, headers=bearer(created.access_token))).status_code == 403
    assert await app_row(db, created.app_id) == before
    unknown = await client.post(rotate_url(999_999), headers=await admin_headers(db))
    assert unknown.status_code == 404


@pytest.mark.asyncio
async def test_get_app_shows_the_grace_but_never_a_secret(
    client: httpx.AsyncClient, db: Database
) -> None:
    created = await factories.create_app(db, name="Bridge")
    headers = await admin_headers(db)
    url = f"/frontdesk/v1/apps/{created.app_id}"

    fresh = await client.get(url, headers=headers)
    assert fresh.status_code == 200
    assert fresh.json() == {
        "id": str(created.app_id),
        "name": "Bridge",
        "description": "",
        "logoUrl": None,
        "createdAt": fresh.json()["createdAt"],
        "previousSecretsInGrace": False,
        "previousSecretsValidUntil": None,
    }
    rotated = await client.post(
        rotate_url(created.app_id), json={"gracePeriodSeconds": 60}, headers=headers
    )
    body = (await client.get(url, headers=headers)).json()
    assert body["previousSecretsInGrace"] is True
    assert body["previousSecretsValidUntil"] == rotated.json()["previousSecretsValidUntil"]
    old = await app_row(db, created.app_id)
    text = (await client.get(url, headers=headers)).text
    for secret in (
        created.client_secret,
        rotated.json()["clientSecret"],
        rotated.json()["webhookSecret"],
        old.previous_secrets[0]["webhookSecret"],
    ):
        assert secret not in text
    agent = await factories.create_user(db)
    agent_token = await factories.create_personal_token(db, user_id=agent)
    assert (await client.get(url, headers=bearer(agent_token))).status_code == 403
    assert (await client.get(url)).status_code == 401
    assert (await client.get("/frontdesk/v1/apps/999999", headers=headers)).status_code == 404
