"""POST /files/v3/files: HubSpot's upload form, the type sniffed from the bytes, limits."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.core.errors import Conflict
from frontdesk.files import service as file_service
from tests import factories
from tests.factories import bearer
from tests.files import media
from tests.files.helpers import UPLOAD, count_files, storage_key, stored_files, upload


async def _app_token(db: Database, scopes: list[str] | None = None) -> str:
    return (await factories.create_app(db, scopes=scopes)).access_token


def _assert_error(response: httpx.Response, status: int, where: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "error"
    assert body["correlationId"]
    if where is not None:
        assert [error["in"] for error in body["errors"]] == [where]
    return body


@pytest.mark.asyncio
async def test_upload_answers_hubspots_file_object(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    token = await _app_token(db)
    data = media.png()
    response = await upload(
        client,
        token,
        data,
        filename="cat.png",
        content_type="image/png",
        fields={
            "folderPath": "/library/cat_archive",
            "options": '{"access": "PUBLIC_NOT_INDEXABLE"}',
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"].isdigit()
    assert body["name"] == "cat"
    assert body["extension"] == "png"
    assert body["type"] == "IMG"
    assert body["mimeType"] == "image/png"
    assert body["size"] == len(data)
    assert body["access"] == "PUBLIC_NOT_INDEXABLE"
    assert body["path"] == "/library/cat_archive/cat.png"
    assert body["archived"] is False
    assert body["encoding"] is None
    assert body["isUsableInContent"] is True
    assert "parentFolderId" not in body
    assert body["createdAt"].endswith("Z")
    assert body["updatedAt"] == body["createdAt"]
    prefix = f"http://testserver/files/v3/files/{body['id']}/content?expires="
    assert body["url"].startswith(prefix)
    assert body["defaultHostingUrl"] == body["url"]
    key = await storage_key(db, body["id"])
    assert key not in ("cat", "cat.png")
    on_disk = stored_files(settings)
    assert [path.name for path in on_disk] == [key]
    assert on_disk[0].read_bytes() == data
    assert hashlib.sha256(data).hexdigest() == await _sha256(db, body["id"])


async def _sha256(db: Database, file_id: str) -> str:
    from sqlalchemy import select

    from frontdesk.files.models import File

    async with db.read() as uow:
        return str(await uow.scalar(select(File.sha256).where(File.id == int(file_id))))


@pytest.mark.parametrize(
    ("filename", "data", "mime", "coarse", "extension"),
    [
        ("voice.ogg", media.ogg_opus(), "audio/ogg", "AUDIO", "ogg"),
        ("clip.mp4", media.mp4(), "video/mp4", "MOVIE", "mp4"),
        ("memo.m4a", media.m4a(), "audio/mp4", "AUDIO", "m4a"),
        ("recording.webm", media.webm(video=False), "audio/webm", "AUDIO", "webm"),
        ("video.webm", media.webm(video=True), "video/webm", "MOVIE", "webm"),
        ("song.mp3", media.mp3(), "audio/mpeg", "AUDIO", "mp3"),
        ("call.wav", media.wav(), "audio/wav", "AUDIO", "wav"),
        ("sticker.webp", media.webp(), "image/webp", "IMG", "webp"),
        ("notes.txt", media.text(), "text/plain", "TEXT", "txt"),
        ("blob.bin", media.random_bytes(), "application/octet-stream", "OTHER", "bin"),
    ],
)
@pytest.mark.asyncio
async def test_upload_media_of_every_kind(
    client: httpx.AsyncClient,
    db: Database,
    filename: str,
    data: bytes,
    mime: str,
    coarse: str,
    extension: str,
) -> None:
    response = await upload(client, await _app_token(db), data, filename=filename)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["mimeType"], body["type"], body["extension"]) == (mime, coarse, extension)


@pytest.mark.asyncio
async def test_the_sniffed_type_wins_over_the_clients_claim(
    client: httpx.AsyncClient, db: Database
) -> None:
    response = await upload(
        client, await _app_token(db), media.png(), filename="x", content_type="text/html"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["mimeType"], body["type"]) == ("image/png", "IMG")
    assert (body["name"], body["extension"]) == ("x", "png")  # extension from the bytes


@pytest.mark.asyncio
async def test_file_name_field_and_unsafe_names(client: httpx.AsyncClient, db: Database) -> None:
    token = await _app_token(db)
    named = await upload(client, token, media.text(), fields={"fileName": "Report 2026.TXT"})
    assert (named.json()["name"], named.json()["extension"]) == ("Report 2026", "txt")
    traversal = await upload(client, token, media.text(), filename="../../etc/passwd")
    assert traversal.status_code == 201
    assert traversal.json()["name"] == "passwd"
    assert traversal.json()["path"] == "/passwd.txt"  # extension from the sniffed type
    control = await upload(client, token, media.text(), fields={"fileName": "a\\b\x07c\x00.txt"})
    assert (control.json()["name"], control.json()["extension"]) == ("bc", "txt")


@pytest.mark.asyncio
async def test_folder_id_becomes_parent_folder_id(client: httpx.AsyncClient, db: Database) -> None:
    token = await _app_token(db)
    response = await upload(client, token, media.png(), filename="a.png", fields={"folderId": "77"})
    assert response.status_code == 201
    assert response.json()["parentFolderId"] == "77"
    both = await upload(client, token, media.png(), fields={"folderId": "77", "folderPath": "/x"})
    _assert_error(both, 400, "folderId")
    not_numeric = await upload(client, token, media.png(), fields={"folderId": "abc"})
    _assert_error(not_numeric, 400, "folderId")


@pytest.mark.parametrize(
    ("options", "where"),
    [
        ("{not json", "options"),
        ("[1, 2]", "options"),
        ('{"access": "EVERYONE"}', "options.access"),
        ("{}", "options.access"),
        (
            '{"access": "PRIVATE", "duplicateValidationStrategy": "MAYBE"}',
            "options.duplicateValidationStrategy",
        ),
        ('{"access": "PRIVATE", "overwrite": "sometimes"}', "options.overwrite"),
    ],
)
@pytest.mark.asyncio
async def test_bad_options_write_nothing(
    client: httpx.AsyncClient, db: Database, settings: Settings, options: str, where: str
) -> None:
    response = await upload(client, await _app_token(db), media.png(), fields={"options": options})
    _assert_error(response, 400, where)
    assert await count_files(db) == 0
    assert stored_files(settings) == []


@pytest.mark.asyncio
async def test_unknown_options_are_ignored(client: httpx.AsyncClient, db: Database) -> None:
    options = '{"access": "HIDDEN_PRIVATE", "ttl": "P1D", "someFutureOption": true}'
    response = await upload(client, await _app_token(db), media.png(), fields={"options": options})
    assert response.status_code == 201
    assert response.json()["access"] == "HIDDEN_PRIVATE"


@pytest.mark.asyncio
async def test_malformed_requests(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    headers = bearer(await _app_token(db))
    as_json = await client.post(UPLOAD, json={"file": "x"}, headers=headers)
    assert _assert_error(as_json, 415, "Content-Type")["category"] == "UNSUPPORTED_MEDIA_TYPE"
    no_file = await client.post(
        UPLOAD, data={"fileName": "a.txt"}, files={"other": ("a.txt", b"x")}, headers=headers
    )
    _assert_error(no_file, 400, "other")
    only_fields = await client.post(
        UPLOAD,
        content=b'--b\r\nContent-Disposition: form-data; name="fileName"\r\n\r\nx\r\n--b--\r\n',
        headers={**headers, "Content-Type": "multipart/form-data; boundary=b"},
    )
    _assert_error(only_fields, 400, "file")
    empty = await upload(client, headers["Authorization"][7:], b"")
    _assert_error(empty, 400, "file")
    two = await client.post(
        UPLOAD, files=[("file", ("a", b"1")), ("file", ("b", b"2"))], headers=headers
    )
    _assert_error(two, 400, "file")
    no_boundary = await client.post(
        UPLOAD, content=b"x", headers={**headers, "Content-Type": "multipart/form-data"}
    )
    _assert_error(no_boundary, 400, "Content-Type")
    cut = await client.post(
        UPLOAD,
        content=b'--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc',
        headers={**headers, "Content-Type": "multipart/form-data; boundary=b"},
    )
    _assert_error(cut, 400, "body")
    assert await count_files(db) == 0
    assert stored_files(settings) == []


@pytest.fixture
def small_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_upload_bytes": 4096})


@pytest_asyncio.fixture
async def small_client(small_settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(small_settings, db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.mark.asyncio
async def test_a_file_of_exactly_the_limit_is_accepted(
    small_client: httpx.AsyncClient, db: Database
) -> None:
    response = await upload(small_client, await _app_token(db), b"a" * 4096)
    assert response.status_code == 201
    assert response.json()["size"] == 4096


@pytest.mark.parametrize(
    "size",
    [
        4097,  # inside the middleware's multipart allowance: our own count stops it
        200_000,  # over the Content-Length limit: the body limit middleware stops it
    ],
)
@pytest.mark.asyncio
async def test_oversize_uploads_keep_nothing(
    small_client: httpx.AsyncClient, db: Database, small_settings: Settings, size: int
) -> None:
    response = await upload(small_client, await _app_token(db), b"a" * size)
    assert _assert_error(response, 413, None)["category"] == "PAYLOAD_TOO_LARGE"
    assert await count_files(db) == 0
    assert stored_files(small_settings) == []


@pytest.mark.parametrize("size", [4097, 200_000])
@pytest.mark.asyncio
async def test_oversize_chunked_uploads_keep_nothing(
    small_client: httpx.AsyncClient, db: Database, small_settings: Settings, size: int
) -> None:
    # No Content-Length: the limit is found while the body streams in.
    boundary = b"xyz"
    head = (
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
    )

    async def body() -> AsyncIterator[bytes]:
        yield head
        for start in range(0, size, 1000):
            yield b"a" * min(1000, size - start)
        yield b"\r\n--" + boundary + b"--\r\n"

    response = await small_client.post(
        UPLOAD,
        content=body(),
        headers={
            **bearer(await _app_token(db)),
            "Content-Type": "multipart/form-data; boundary=xyz",
        },
    )
    assert _assert_error(response, 413, None)["category"] == "PAYLOAD_TOO_LARGE"
    assert await count_files(db) == 0
    assert stored_files(small_settings) == []


@pytest.mark.asyncio
async def test_a_failed_transaction_deletes_the_stored_bytes(
    client: httpx.AsyncClient, db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_create = file_service.create_file

    async def create_then_fail(*args: Any, **kwargs: Any) -> Any:
        await real_create(*args, **kwargs)  # the row is written, then the transaction fails
        raise Conflict("injected failure")

    monkeypatch.setattr(file_service, "create_file", create_then_fail)
    response = await upload(client, await _app_token(db), media.png())
    _assert_error(response, 409, None)
    assert await count_files(db) == 0
    assert stored_files(settings) == []


@pytest.mark.asyncio
async def test_duplicate_strategies(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    token = await _app_token(db)
    first = (await upload(client, token, media.png(), fields={"folderPath": "/a"})).json()

    def options(strategy: str, scope: str = "ENTIRE_PORTAL") -> str:
        return (
            f'{{"access": "PRIVATE", "duplicateValidationStrategy": "{strategy}",'
            f' "duplicateValidationScope": "{scope}"}}'
        )

    again = await upload(client, token, media.png(), fields={"options": options("RETURN_EXISTING")})
    assert again.status_code == 201
    assert again.json()["id"] == first["id"]
    rejected = await upload(client, token, media.png(), fields={"options": options("REJECT")})
    _assert_error(rejected, 409, "file")
    assert await count_files(db) == 1
    assert len(stored_files(settings)) == 1
    elsewhere = await upload(
        client,
        token,
        media.png(),
        fields={"options": options("RETURN_EXISTING", "EXACT_FOLDER"), "folderPath": "/b"},
    )
    assert elsewhere.json()["id"] != first["id"]
    # Another uploader's copy is never revealed as a duplicate.
    other = await upload(
        client, await _app_token(db), media.png(), fields={"options": options("REJECT")}
    )
    assert other.status_code == 201


@pytest.mark.asyncio
async def test_a_user_token_uploads_too(client: httpx.AsyncClient, db: Database) -> None:
    user_id = await factories.create_user(db)
    token = await factories.create_personal_token(db, user_id=user_id)
    response = await upload(client, token, media.text())
    assert response.status_code == 201


@pytest.mark.asyncio
async def test_upload_needs_a_token_with_the_files_scope(
    client: httpx.AsyncClient, db: Database
) -> None:
    no_token = await client.post(UPLOAD, files={"file": ("a.txt", b"x")})
    assert _assert_error(no_token, 401, None)["category"] == "INVALID_AUTHENTICATION"
    bad_token = await upload(client, "fda_nope", b"x")
    _assert_error(bad_token, 401, None)
    no_scope = await upload(client, await _app_token(db, ["conversations.read"]), b"x")
    body = _assert_error(no_scope, 403, None)
    assert body["category"] == "MISSING_SCOPES"
    assert body["context"]["requiredGranularScopes"] == ["files"]
