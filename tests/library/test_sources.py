"""The library's insert sources through /frontdesk/v1/threads/{id}/inserts: what an article,
a document and a video become on a rich channel that takes files, on one that takes links but
not these files, on a plain-text channel, and in an internal comment."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from frontdesk.core.db import Database
from frontdesk.library.models import DocumentLink, VideoLink
from frontdesk.messages.sanitize import sanitize_rich_text
from tests import factories
from tests.api.sweep_helpers import assert_error_body
from tests.factories import bearer
from tests.library.world import library_world
from tests.messages.thread_factories import ThreadSetup, create_file, setup_thread

PLAIN: dict[str, object] = {
    "deliveryIdentifierTypes": ["HS_PHONE_NUMBER"],
    "richText": [],
    "outgoingAttachmentTypes": [],
}
# Links, inline images, and files, but only images up to 1 MB: documents and videos do not fit.
LINKS_IMAGES_ONLY: dict[str, object] = {
    **factories.DEFAULT_CAPABILITIES,
    "allowInlineImages": True,
    "allowedFileAttachmentMimeTypes": ["image/*"],
    "maxFileAttachmentSizeBytes": 1_000_000,
}
LINKS_NO_IMAGES: dict[str, object] = {**LINKS_IMAGES_ONLY, "allowInlineImages": False}


async def _world(db: Database, setup: ThreadSetup) -> dict[str, str]:
    admin_id = await factories.create_user(db, role="admin")
    return await library_world(
        db, owner_id=setup.agent_id, admin_id=admin_id, thread_id=setup.thread_id
    )


async def _render(
    client: httpx.AsyncClient, setup: ThreadSetup, kind: str, item_id: str, mode: str = "reply"
) -> dict[str, Any]:
    response = await client.post(
        f"/frontdesk/v1/threads/{setup.thread_id}/inserts",
        json={"kind": kind, "id": item_id, "mode": mode},
        headers=bearer(setup.agent_token),
    )
    assert response.status_code == 200, response.text
    rendered: dict[str, Any] = response.json()
    return rendered


def _kept(html: str) -> bool:
    """Whether the send path's sanitiser keeps `html` (it only adds rel=noopener to links)."""
    cleaned = sanitize_rich_text(html) or ""
    return cleaned.replace(' rel="noopener noreferrer"', "") == html


async def _links(db: Database, model: Any) -> int:
    async with db.read() as uow:
        return int(await uow.scalar(select(func.count()).select_from(model)))


@pytest.mark.asyncio
async def test_the_menu_searches_published_articles_documents_and_videos(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=0)
    await _world(db, setup)
    admin = bearer(
        await factories.create_personal_token(
            db, user_id=await factories.create_user(db, role="admin")
        )
    )
    draft = await client.post(
        "/frontdesk/v1/kb/articles", json={"title": "Getting started (draft)"}, headers=admin
    )
    assert draft.status_code == 201
    menu = await client.get(
        f"/frontdesk/v1/threads/{setup.thread_id}/inserts",
        params={"q": ""},
        headers=bearer(setup.agent_token),
    )
    groups = {g["kind"]: g for g in menu.json()["results"]}
    assert groups["article"]["label"] == "Knowledge base"
    assert [c["title"] for c in groups["article"]["results"]] == ["Getting started"]
    assert groups["article"]["results"][0]["detail"] == "Basics"
    assert [c["title"] for c in groups["document"]["results"]] == ["Guide"]
    assert groups["document"]["results"][0]["detail"] == "PDF · 1000 B"
    assert [c["title"] for c in groups["video"]["results"]] == ["Tour"]
    assert groups["video"]["results"][0]["detail"] == "2:15 · 1000 B"


@pytest.mark.asyncio
async def test_an_article_is_a_link_where_links_go_else_title_and_address(
    client: httpx.AsyncClient, db: Database
) -> None:
    rich = await setup_thread(db, messages=0)
    plain = await setup_thread(db, messages=0, capabilities=PLAIN)
    for setup in (rich, plain):
        world = await _world(db, setup)
        rendered = await _render(client, setup, "article", world["articleId"])
        url = f"http://testserver/kb/{world['slug']}"
        assert rendered["text"] == f"Getting started: {url}"
        assert rendered["fileIds"] == []
        if setup is rich:
            assert rendered["html"] == f'<a href="{url}">Getting started</a>'
        else:
            assert rendered["html"] is None
            comment = await _render(client, setup, "article", world["articleId"], "comment")
            assert comment["html"] == f'<a href="{url}">Getting started</a>'


@pytest.mark.asyncio
async def test_a_draft_or_unknown_article_is_not_insertable(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=0)
    world = await _world(db, setup)
    admin = bearer(
        await factories.create_personal_token(
            db, user_id=await factories.create_user(db, role="admin")
        )
    )
    await client.patch(
        f"/frontdesk/v1/kb/articles/{world['articleId']}", json={"status": "DRAFT"}, headers=admin
    )
    for kind, item in (("article", world["articleId"]), ("article", "x"), ("document", "99999")):
        response = await client.post(
            f"/frontdesk/v1/threads/{setup.thread_id}/inserts",
            json={"kind": kind, "id": item},
            headers=bearer(setup.agent_token),
        )
        assert_error_body(response, 404)


@pytest.mark.asyncio
async def test_a_document_is_attached_where_it_fits_else_a_tracked_link(
    client: httpx.AsyncClient, db: Database
) -> None:
    files = await setup_thread(db, messages=0)  # PDF up to 5 MB: it fits
    links = await setup_thread(db, messages=0, capabilities=LINKS_IMAGES_ONLY)
    plain = await setup_thread(db, messages=0, capabilities=PLAIN)

    world = await _world(db, files)
    before = await _links(db, DocumentLink)
    attached = await _render(client, files, "document", world["documentId"])
    async with db.read() as uow:
        from frontdesk.library import documents as library_service

        document = await library_service.get_document(uow, document_id=int(world["documentId"]))
    assert attached == {"text": "", "html": None, "fileIds": [str(document.file_id)]}
    assert await _links(db, DocumentLink) == before  # an attachment is not a tracked link

    world = await _world(db, links)
    linked = await _render(client, links, "document", world["documentId"])
    assert linked["fileIds"] == []
    url = linked["text"].removeprefix("Guide: ")
    assert url.startswith("http://testserver/d/")
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 random bits
    assert linked["html"] == f'<a href="{url}">Guide</a>'
    assert _kept(linked["html"])

    world = await _world(db, plain)
    as_text = await _render(client, plain, "document", world["documentId"])
    assert as_text["html"] is None
    assert as_text["fileIds"] == []
    assert as_text["text"].startswith("Guide: http://testserver/d/")
    # Each insertion is its own link: opens are counted per conversation.
    again = await _render(client, plain, "document", world["documentId"])
    assert again["text"] != as_text["text"]
    # An internal comment takes any upload.
    comment = await _render(client, plain, "document", world["documentId"], "comment")
    assert len(comment["fileIds"]) == 1


@pytest.mark.asyncio
async def test_a_large_document_goes_as_a_link_even_where_files_are_allowed(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=0)  # files up to 5 MB
    big = await create_file(
        db,
        name="catalogue.pdf",
        mime_type="application/pdf",
        size=6_000_000,
        user_id=setup.agent_id,
    )
    created = await client.post(
        "/frontdesk/v1/library/documents",
        json={"name": "Catalogue", "fileId": big},
        headers=bearer(setup.agent_token),
    )
    assert created.status_code == 201, created.text
    rendered = await _render(client, setup, "document", created.json()["id"])
    assert rendered["fileIds"] == []
    assert rendered["html"].startswith('<a href="http://testserver/d/')


@pytest.mark.asyncio
async def test_a_video_is_a_link_with_name_duration_and_poster_or_an_attachment(
    client: httpx.AsyncClient, db: Database
) -> None:
    files = await setup_thread(db, messages=0)
    links = await setup_thread(db, messages=0, capabilities=LINKS_IMAGES_ONLY)
    plain = await setup_thread(db, messages=0, capabilities=PLAIN)

    world = await _world(db, files)
    attached = await _render(client, files, "video", world["videoId"])
    assert attached["html"] is None
    assert len(attached["fileIds"]) == 1

    world = await _world(db, links)
    before = await _links(db, VideoLink)
    linked = await _render(client, links, "video", world["videoId"])
    assert await _links(db, VideoLink) == before + 1
    url = linked["text"].removeprefix("Tour (2:15): ")
    assert url.startswith("http://testserver/v/")
    assert linked["html"] == (
        f'<p><a href="{url}"><img src="{url}/poster" alt="Tour"></a></p>'
        f'<p><a href="{url}">Tour (2:15)</a></p>'
    )
    assert _kept(linked["html"])  # the poster and links survive the send path

    # Where the send path would strip an image, the link comes alone.
    no_images = await setup_thread(db, messages=0, capabilities=LINKS_NO_IMAGES)
    world = await _world(db, no_images)
    bare = await _render(client, no_images, "video", world["videoId"])
    url = bare["text"].removeprefix("Tour (2:15): ")
    assert bare["html"] == f'<a href="{url}">Tour (2:15)</a>'

    world = await _world(db, plain)
    as_text = await _render(client, plain, "video", world["videoId"])
    assert as_text["html"] is None
    assert as_text["text"].startswith("Tour (2:15): http://testserver/v/")
