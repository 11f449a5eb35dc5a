"""Who sees a file (its uploader, or whoever may see a conversation carrying it) and how its
bytes are fetched: a signed URL without a token, or a bearer token that may see the file."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.core.models import now_ms
from frontdesk.files import signing
from tests import factories
from tests.factories import bearer
from tests.files import media
from tests.files.helpers import attach_to_message, storage_key, upload


async def _app_token(db: Database, scopes: list[str] | None = None) -> str:
    return (await factories.create_app(db, scopes=scopes)).access_token


async def _user_token(db: Database, *, teams: list[str] | None = None, role: str = "agent") -> str:
    user_id = await factories.create_user(db, teams=teams, role=role)
    return await factories.create_personal_token(db, user_id=user_id)


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "error"
    assert body["message"]
    return body


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.mark.asyncio
async def test_the_uploading_app_sees_its_file(client: httpx.AsyncClient, db: Database) -> None:
    token = await _app_token(db)
    uploaded = (await upload(client, token, media.png(), filename="cat.png")).json()
    response = await client.get(f"/files/v3/files/{uploaded['id']}", headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    for field in ("id", "name", "extension", "type", "size", "path", "access", "mimeType"):
        assert body[field] == uploaded[field]
    assert body["url"].startswith(f"http://testserver/files/v3/files/{uploaded['id']}/content?")


@pytest.mark.asyncio
async def test_other_callers_see_a_file_only_through_a_conversation(
    client: httpx.AsyncClient, db: Database
) -> None:
    uploader = await _app_token(db)
    file_id = (await upload(client, uploader, media.ogg_opus())).json()["id"]
    other_app = await _app_token(db)
    team = await factories.create_team(db)
    member = await _user_token(db, teams=[team])
    outsider = await _user_token(db)
    admin = await _user_token(db, role="admin")

    async def status(token: str) -> int:
        return (await client.get(f"/files/v3/files/{file_id}", headers=bearer(token))).status_code

    assert [await status(t) for t in (other_app, member, outsider, admin)] == [404] * 4
    inbox_id = await factories.create_inbox(db, teams=[team])
    await attach_to_message(db, file_id=file_id, inbox_id=inbox_id)
    # An app token sees every inbox (HubSpot's semantics); a user sees their teams' inboxes.
    assert [await status(t) for t in (other_app, member, outsider, admin)] == [200, 200, 404, 200]


@pytest.mark.asyncio
async def test_a_users_upload_is_theirs_alone(client: httpx.AsyncClient, db: Database) -> None:
    owner = await _user_token(db)
    file_id = (await upload(client, owner, media.text())).json()["id"]
    assert (
        await client.get(f"/files/v3/files/{file_id}", headers=bearer(owner))
    ).status_code == 200
    other = await _user_token(db)
    missing = await client.get(f"/files/v3/files/{file_id}", headers=bearer(other))
    assert _error(missing, 404)["category"] == "OBJECT_NOT_FOUND"


@pytest.mark.parametrize("file_id", ["999999", "abc", "-1", "1" * 30])
@pytest.mark.asyncio
async def test_unknown_ids_are_404(client: httpx.AsyncClient, db: Database, file_id: str) -> None:
    response = await client.get(f"/files/v3/files/{file_id}", headers=bearer(await _app_token(db)))
    _error(response, 404)


@pytest.mark.asyncio
async def test_metadata_routes_need_the_files_scope(
    client: httpx.AsyncClient, db: Database
) -> None:
    file_id = (await upload(client, await _app_token(db), media.png())).json()["id"]
    no_scope = bearer(await _app_token(db, ["conversations.read"]))
    for path in (f"/files/v3/files/{file_id}", f"/files/v3/files/{file_id}/signed-url"):
        assert _error(await client.get(path), 401)["category"] == "INVALID_AUTHENTICATION"
        assert _error(await client.get(path, headers=no_scope), 403)["category"] == (
            "MISSING_SCOPES"
        )


@pytest.mark.asyncio
async def test_a_signed_url_downloads_without_a_token(
    client: httpx.AsyncClient, db: Database
) -> None:
    data = media.png()
    uploaded = (await upload(client, await _app_token(db), data, filename="cat.png")).json()
    response = await client.get(_path(uploaded["url"]))
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == 'inline; filename="cat.png"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["cache-control"].startswith("private, max-age=")


@pytest.mark.asyncio
async def test_documents_download_as_attachments_with_a_safe_name(
    client: httpx.AsyncClient, db: Database
) -> None:
    fields = {"fileName": 'Résumé "final".txt'}
    uploaded = (await upload(client, await _app_token(db), media.text(), fields=fields)).json()
    response = await client.get(_path(uploaded["url"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="R_sum_ _final_.txt"; '
        "filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.txt"
    )


@pytest.mark.asyncio
async def test_tampered_or_expired_signatures_are_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    token = await _app_token(db)
    uploaded = (await upload(client, token, media.png())).json()
    file_id = uploaded["id"]
    query = parse_qs(urlsplit(uploaded["url"]).query)
    expires, signature = query["expires"][0], query["signature"][0]
    base = f"/files/v3/files/{file_id}/content"
    flipped = signature[:-1] + ("B" if signature.endswith("A") else "A")
    tampered = f"{base}?expires={expires}&signature={flipped}"
    longer = f"{base}?expires={int(expires) + 1}&signature={signature}"
    past = now_ms() - 1000
    expired = signing.signed_url_path(settings.secret_key, file_id, past)
    other_file = (await upload(client, token, media.text())).json()["id"]
    wrong_file = f"/files/v3/files/{other_file}/content?expires={expires}&signature={signature}"
    for path in (tampered, longer, expired, wrong_file):
        assert _error(await client.get(path), 403)["category"] == "FORBIDDEN"
    # A token that may see the file still works alongside a bad signature.
    with_token = await client.get(tampered, headers=bearer(token))
    assert with_token.status_code == 200
    assert with_token.headers["cache-control"] == "private, no-cache"


@pytest.mark.asyncio
async def test_content_with_a_bearer_token(client: httpx.AsyncClient, db: Database) -> None:
    token = await _app_token(db)
    data = media.mp4()
    file_id = (await upload(client, token, data)).json()["id"]
    path = f"/files/v3/files/{file_id}/content"
    response = await client.get(path, headers=bearer(token))
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "video/mp4"
    assert _error(await client.get(path), 401)["category"] == "INVALID_AUTHENTICATION"
    no_scope = bearer(await _app_token(db, ["conversations.read"]))
    assert _error(await client.get(path, headers=no_scope), 403)["category"] == "MISSING_SCOPES"
    _error(await client.get(path, headers=bearer(await _app_token(db))), 404)


@pytest.mark.asyncio
async def test_video_supports_range_requests(client: httpx.AsyncClient, db: Database) -> None:
    # Browsers (Safari above all) play video and audio only from servers answering ranges.
    data = media.mp4()
    url = (await upload(client, await _app_token(db), data)).json()["url"]
    response = await client.get(_path(url), headers={"Range": "bytes=0-7"})
    assert response.status_code == 206
    assert response.content == data[:8]


@pytest.mark.asyncio
async def test_signed_url_endpoint(client: httpx.AsyncClient, db: Database) -> None:
    token = await _app_token(db)
    data = media.webp()
    file_id = (await upload(client, token, data, filename="sticker.webp")).json()["id"]
    path = f"/files/v3/files/{file_id}/signed-url"
    response = await client.get(path, params={"expirationSeconds": 60}, headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["extension"], body["type"], body["size"]) == (
        "sticker",
        "webp",
        "IMG",
        len(data),
    )
    assert body["expiresAt"].endswith("Z")
    expires = int(parse_qs(urlsplit(body["url"]).query)["expires"][0])
    assert now_ms() + 60_000 <= expires <= now_ms() + 60_000 + 5 * 60_000
    assert (await client.get(_path(body["url"]))).content == data
    bad = await client.get(path, params={"expirationSeconds": 0}, headers=bearer(token))
    assert [e["in"] for e in _error(bad, 400)["errors"]] == ["expirationSeconds"]
    hidden = await client.get(path, headers=bearer(await _app_token(db)))
    _error(hidden, 404)


@pytest.mark.asyncio
async def test_missing_bytes_are_404_not_500(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    token = await _app_token(db)
    uploaded = (await upload(client, token, media.png())).json()
    key = await storage_key(db, uploaded["id"])
    next(settings.files_dir.rglob(key)).unlink()
    _error(await client.get(_path(uploaded["url"])), 404)
