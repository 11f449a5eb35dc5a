"""The document and video libraries (/frontdesk/v1/library/...): uploads through the files
upload (its size limit), who may change what, and the public links: `/d/{token}` counts opens
and sends the file, `/v/{token}` shows the video; the conversation's sidebar shows opens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.core.db import Database
from tests import factories
from tests.api.sweep_helpers import assert_error_body
from tests.factories import bearer
from tests.files import media
from tests.files.helpers import count_files, upload
from tests.messages.thread_factories import reply, setup_thread, url

DOCUMENTS = "/frontdesk/v1/library/documents"
VIDEOS = "/frontdesk/v1/library/videos"
PLAIN: dict[str, object] = {
    "deliveryIdentifierTypes": ["HS_PHONE_NUMBER"],
    "richText": [],
    "outgoingAttachmentTypes": [],
}


async def _uploaded(client: httpx.AsyncClient, token: str, data: bytes, filename: str) -> int:
    response = await upload(client, token, data, filename=filename)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.mark.asyncio
async def test_users_add_their_uploads_and_change_only_their_own(
    client: httpx.AsyncClient, db: Database
) -> None:
    owner_id = await factories.create_user(db, name="Olive Owner")
    owner = await factories.create_personal_token(db, user_id=owner_id)
    other = await factories.create_personal_token(db, user_id=await factories.create_user(db))
    admin = await factories.create_personal_token(
        db, user_id=await factories.create_user(db, role="admin")
    )
    file_id = await _uploaded(client, owner, b"%PDF-1.4 price list", "prices.pdf")

    # Another user cannot name someone else's upload as theirs.
    stolen = await client.post(
        DOCUMENTS, json={"name": "Mine now", "fileId": file_id}, headers=bearer(other)
    )
    assert assert_error_body(stolen, 404)["errors"][0]["in"] == "fileId"
    created = await client.post(
        DOCUMENTS, json={"name": " Price list ", "fileId": file_id}, headers=bearer(owner)
    )
    assert created.status_code == 201, created.text
    document = created.json()
    assert document["name"] == "Price list"
    assert document["mimeType"] == "application/pdf"
    assert document["uploadedBy"] == f"A-{owner_id}"
    assert document["opens"] == 0

    path = f"{DOCUMENTS}/{document['id']}"
    listed = await client.get(DOCUMENTS, params={"q": "PRICE"}, headers=bearer(other))
    assert [d["name"] for d in listed.json()["results"]] == ["Price list"]
    assert_error_body(await client.patch(path, json={"name": "X"}, headers=bearer(other)), 403)
    assert_error_body(await client.delete(path, headers=bearer(other)), 403)
    renamed = await client.patch(path, json={"name": "Prices 2026"}, headers=bearer(owner))
    assert renamed.json()["name"] == "Prices 2026"
    blank = await client.patch(path, json={"name": "  "}, headers=bearer(owner))
    assert assert_error_body(blank, 400)["errors"][0]["in"] == "name"
    assert (await client.delete(path, headers=bearer(admin))).status_code == 204
    assert_error_body(await client.get(path, headers=bearer(owner)), 404)
    assert await count_files(db) == 1  # the file stays: messages may carry it


@pytest.mark.asyncio
async def test_videos_need_a_video_file_and_an_image_poster(
    client: httpx.AsyncClient, db: Database
) -> None:
    token = await factories.create_personal_token(db, user_id=await factories.create_user(db))
    video = await _uploaded(client, token, media.mp4(), "tour.mp4")
    poster = await _uploaded(client, token, media.png(), "tour.png")

    not_video = await client.post(
        VIDEOS, json={"name": "Tour", "fileId": poster}, headers=bearer(token)
    )
    assert assert_error_body(not_video, 400)["errors"][0]["in"] == "fileId"
    bad_poster = await client.post(
        VIDEOS, json={"name": "Tour", "fileId": video, "posterFileId": video}, headers=bearer(token)
    )
    assert assert_error_body(bad_poster, 400)["errors"][0]["in"] == "posterFileId"
    too_long = await client.post(
        VIDEOS,
        json={"name": "Tour", "fileId": video, "durationSeconds": 90_000},
        headers=bearer(token),
    )
    assert assert_error_body(too_long, 400)["errors"][0]["in"] == "durationSeconds"
    created = await client.post(
        VIDEOS,
        json={"name": "Tour", "fileId": video, "posterFileId": poster, "durationSeconds": 135},
        headers=bearer(token),
    )
    assert created.status_code == 201, created.text
    assert created.json()["mimeType"] == "video/mp4"
    assert created.json()["durationSeconds"] == 135
    path = f"{VIDEOS}/{created.json()['id']}"
    patched = await client.patch(path, json={"durationSeconds": 140}, headers=bearer(token))
    assert patched.json()["durationSeconds"] == 140


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
async def test_the_upload_limit_is_the_file_uploads(
    small_client: httpx.AsyncClient, db: Database
) -> None:
    token = await factories.create_personal_token(db, user_id=await factories.create_user(db))
    too_big = await upload(small_client, token, b"a" * 4097, filename="big.pdf")
    assert assert_error_body(too_big, 413)["category"] == "PAYLOAD_TOO_LARGE"
    assert await count_files(db) == 0
    page = await small_client.get("/settings/library/documents")  # not signed in
    assert page.status_code == 303


@pytest.mark.asyncio
async def test_a_tracked_link_counts_opens_and_sends_the_file(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=0, capabilities=PLAIN)
    file_id = await _uploaded(client, setup.agent_token, b"%PDF-1.4 guide", "guide.pdf")
    created = await client.post(
        DOCUMENTS, json={"name": "Guide", "fileId": file_id}, headers=bearer(setup.agent_token)
    )
    rendered = await client.post(
        f"/frontdesk/v1/threads/{setup.thread_id}/inserts",
        json={"kind": "document", "id": created.json()["id"]},
        headers=bearer(setup.agent_token),
    )
    link = urlsplit(rendered.json()["text"].removeprefix("Guide: ")).path
    assert link.startswith("/d/")

    for _ in range(2):
        opened = await client.get(link)  # no credential: the contact opens it
        assert opened.status_code == 303
        assert opened.headers["cache-control"] == "no-store"
        download = await client.get(opened.headers["location"])
        assert download.status_code == 200
        assert download.content == b"%PDF-1.4 guide"
    listed = await client.get(
        f"{DOCUMENTS}/{created.json()['id']}", headers=bearer(setup.agent_token)
    )
    assert listed.json()["opens"] == 2
    assert (await client.get("/d/not-a-token")).status_code == 404
    assert (await client.get(link + "x")).status_code == 404

    # Deleting the document ends its links.
    await client.delete(f"{DOCUMENTS}/{created.json()['id']}", headers=bearer(setup.agent_token))
    assert (await client.get(link)).status_code == 404


@pytest.mark.asyncio
async def test_a_video_link_shows_a_public_page_with_poster_name_and_duration(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=0, capabilities=PLAIN)
    token = setup.agent_token
    video = await _uploaded(client, token, media.mp4(), "tour.mp4")
    poster = await _uploaded(client, token, media.png(), "tour.png")
    created = await client.post(
        VIDEOS,
        json={
            "name": "Product tour",
            "fileId": video,
            "posterFileId": poster,
            "durationSeconds": 135,
        },
        headers=bearer(token),
    )
    rendered = await client.post(
        f"/frontdesk/v1/threads/{setup.thread_id}/inserts",
        json={"kind": "video", "id": created.json()["id"]},
        headers=bearer(token),
    )
    link = urlsplit(rendered.json()["text"].removeprefix("Product tour (2:15): ")).path
    page = await client.get(link)
    assert page.status_code == 200
    assert "<h1>Product tour</h1>" in page.text
    assert "2:15" in page.text
    assert f'src="{link}/file"' in page.text
    assert f'poster="{link}/poster"' in page.text
    poster_redirect = await client.get(f"{link}/poster")
    assert poster_redirect.status_code == 303
    image = await client.get(poster_redirect.headers["location"])
    assert image.content == media.png()
    file_redirect = await client.get(f"{link}/file")
    assert (await client.get(file_redirect.headers["location"])).content == media.mp4()
    views = await client.get(f"{VIDEOS}/{created.json()['id']}", headers=bearer(token))
    assert views.json()["opens"] == 1  # the page counts; its file and poster do not
    assert (await client.get("/v/unknown")).status_code == 404


@pytest.mark.asyncio
async def test_any_user_may_send_a_library_file_apps_may_not_read_it(
    client: httpx.AsyncClient, db: Database
) -> None:
    """An insertion of someone else's document attaches their file: the sender must be able
    to use it (library files are visible to every person, not to apps)."""
    setup = await setup_thread(db, messages=0)
    owner = await factories.create_personal_token(db, user_id=await factories.create_user(db))
    file_id = await _uploaded(client, owner, b"%PDF-1.4 terms", "terms.pdf")
    before = await client.get(f"/files/v3/files/{file_id}", headers=bearer(setup.agent_token))
    assert_error_body(before, 404)
    created = await client.post(
        DOCUMENTS, json={"name": "Terms", "fileId": file_id}, headers=bearer(owner)
    )
    other_app = await factories.create_app(db)
    app_view = await client.get(
        f"/files/v3/files/{file_id}", headers=bearer(other_app.access_token)
    )
    assert_error_body(app_view, 404)
    rendered = await client.post(
        f"/frontdesk/v1/threads/{setup.thread_id}/inserts",
        json={"kind": "document", "id": created.json()["id"]},
        headers=bearer(setup.agent_token),
    )
    assert rendered.json()["fileIds"] == [str(file_id)]
    seen = await client.get(f"/files/v3/files/{file_id}", headers=bearer(setup.agent_token))
    assert seen.status_code == 200
    sent = await client.post(
        url(setup),
        json=reply(setup, attachments=[{"type": "FILE", "fileId": str(file_id)}]),
        headers=bearer(setup.agent_token),
    )
    assert sent.status_code == 201, sent.text
