"""The knowledge base: /frontdesk/v1/kb/articles (admins write, users read) and the public
pages /kb and /kb/{slug} (published articles only, no sign-in)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database
from tests import factories
from tests.api.sweep_helpers import assert_error_body
from tests.factories import bearer

ARTICLES = "/frontdesk/v1/kb/articles"


async def _tokens(db: Database) -> tuple[dict[str, str], dict[str, str]]:
    admin = await factories.create_personal_token(
        db, user_id=await factories.create_user(db, role="admin")
    )
    agent = await factories.create_personal_token(db, user_id=await factories.create_user(db))
    return bearer(admin), bearer(agent)


async def _create(client: httpx.AsyncClient, admin: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(ARTICLES, json=body, headers=admin)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.mark.asyncio
async def test_admins_write_articles_with_sanitised_bodies_agents_only_read(
    client: httpx.AsyncClient, db: Database
) -> None:
    admin, agent = await _tokens(db)
    article = await _create(
        client,
        admin,
        title="Réinitialiser: your password!",
        category="Account",
        body='<p onclick="steal()">Click <a href="javascript:alert(1)">here</a> or '
        '<a href="https://example.com/reset">there</a></p><script>alert(1)</script>',
    )
    assert article["slug"] == "reinitialiser-your-password"
    assert article["status"] == "DRAFT"
    assert article["publicUrl"] is None
    assert "script" not in article["body"]
    assert "onclick" not in article["body"]
    assert "javascript:" not in article["body"]
    assert '<a href="https://example.com/reset"' in article["body"]

    refused = await client.post(ARTICLES, json={"title": "Nope"}, headers=agent)
    assert_error_body(refused, 403)
    path = f"{ARTICLES}/{article['id']}"
    assert_error_body(await client.patch(path, json={"title": "X"}, headers=agent), 403)
    assert_error_body(await client.delete(path, headers=agent), 403)
    read = await client.get(path, headers=agent)
    assert read.status_code == 200
    assert read.json()["title"] == "Réinitialiser: your password!"

    patched = await client.patch(
        path, json={"body": "<b>ok</b><img src=x onerror=alert(1)>"}, headers=admin
    )
    assert patched.status_code == 200, patched.text
    assert "onerror" not in patched.json()["body"]
    assert patched.json()["body"].startswith("<b>ok</b>")


@pytest.mark.asyncio
async def test_slugs_are_unique_and_well_formed(client: httpx.AsyncClient, db: Database) -> None:
    admin, _agent = await _tokens(db)
    first = await _create(client, admin, title="Shipping times")
    clash = await client.post(ARTICLES, json={"title": "Shipping times"}, headers=admin)
    assert assert_error_body(clash, 409)["errors"][0]["in"] == "slug"
    second = await _create(client, admin, title="Shipping times", slug="shipping-times-eu")
    taken = await client.patch(
        f"{ARTICLES}/{second['id']}", json={"slug": first["slug"]}, headers=admin
    )
    assert_error_body(taken, 409)
    bad = await client.post(ARTICLES, json={"title": "X", "slug": "No Spaces"}, headers=admin)
    assert assert_error_body(bad, 400)["errors"][0]["in"] == "slug"
    empty = await client.post(ARTICLES, json={"title": "  "}, headers=admin)
    assert assert_error_body(empty, 400)["errors"][0]["in"] == "title"
    unknown = await client.post(ARTICLES, json={"title": "X", "owner": 1}, headers=admin)
    assert_error_body(unknown, 400)


@pytest.mark.asyncio
async def test_drafts_are_not_public_published_articles_are(
    client: httpx.AsyncClient, db: Database
) -> None:
    admin, agent = await _tokens(db)
    article = await _create(
        client, admin, title="Returns policy", category="Orders", body="<p>30 days</p>"
    )
    draft_page = await client.get("/kb/returns-policy")
    assert draft_page.status_code == 404
    assert "Returns policy" not in (await client.get("/kb")).text

    path = f"{ARTICLES}/{article['id']}"
    published = await client.patch(path, json={"status": "PUBLISHED"}, headers=admin)
    assert published.json()["publicUrl"].endswith("/kb/returns-policy")
    assert published.json()["publishedAt"] is not None
    page = await client.get("/kb/returns-policy")
    assert page.status_code == 200
    assert "<p>30 days</p>" in page.text
    assert "Content-Security-Policy" in page.headers
    index = await client.get("/kb")
    assert "Orders" in index.text
    assert 'href="/kb/returns-policy"' in index.text
    assert "Returns policy" in (await client.get("/kb", params={"q": "RETURN"})).text
    assert "Returns policy" not in (await client.get("/kb", params={"q": "zzz"})).text

    await client.patch(path, json={"status": "DRAFT"}, headers=admin)
    assert (await client.get("/kb/returns-policy")).status_code == 404
    listed = await client.get(ARTICLES, params={"status": "DRAFT"}, headers=agent)
    assert [a["title"] for a in listed.json()["results"]] == ["Returns policy"]
    assert (await client.delete(path, headers=admin)).status_code == 204
    assert_error_body(await client.get(path, headers=agent), 404)


@pytest.mark.asyncio
async def test_the_list_searches_titles_and_filters_by_category(
    client: httpx.AsyncClient, db: Database
) -> None:
    admin, agent = await _tokens(db)
    await _create(client, admin, title="Billing FAQ", category="Billing")
    await _create(client, admin, title="Invoices 100%", category="Billing")
    await _create(client, admin, title="Set up your phone", category="Devices")

    async def titles(**params: str) -> list[str]:
        response = await client.get(ARTICLES, params=params, headers=agent)
        assert response.status_code == 200, response.text
        return [a["title"] for a in response.json()["results"]]

    assert await titles() == ["Billing FAQ", "Invoices 100%", "Set up your phone"]
    assert await titles(category="Billing") == ["Billing FAQ", "Invoices 100%"]
    assert await titles(q="phone") == ["Set up your phone"]
    assert await titles(q="%") == ["Invoices 100%"]  # a literal percent, not a wildcard
