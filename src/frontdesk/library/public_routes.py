"""Public pages, no sign-in: the knowledge base (`/kb`, `/kb/{slug}`), tracked document links
(`/d/{token}`: counts an open, then the file) and video pages (`/v/{token}`)."""

from __future__ import annotations

from itertools import groupby
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontdesk.api.deps import DbDep, SettingsDep
from frontdesk.config import Settings
from frontdesk.core.errors import AppError, NotFound
from frontdesk.core.humanize import clock_duration
from frontdesk.files import signing
from frontdesk.library import articles as article_service
from frontdesk.library import links as link_service
from frontdesk.web.templating import render

router = APIRouter(include_in_schema=False)

Slug = Annotated[str, Path(max_length=200)]
DocumentToken = Annotated[str, Path(alias="documentToken", max_length=64)]
VideoToken = Annotated[str, Path(alias="videoToken", max_length=64)]
# Links live in replies for long: each visit gets a fresh short-lived signed download URL.
DOWNLOAD_TTL_S = 600


def _not_found(request: Request) -> Response:
    return render(request, "kb_not_found.html", {}, status_code=404)


def _download(settings: Settings, file_id: int) -> RedirectResponse:
    path = signing.signed_url_path(
        signing.require_secret_key(settings), file_id, signing.expiry_ms(DOWNLOAD_TTL_S)
    )
    return RedirectResponse(path, status_code=303, headers={"Cache-Control": "no-store"})


@router.get("/kb")
async def kb_index(
    request: Request, db: DbDep, q: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """The published articles by category, or those whose title matches `q`."""
    async with db.read() as uow:
        rows = await article_service.list_articles(uow, query=q, status="PUBLISHED")
    ordered = sorted(rows, key=lambda r: (r.category == "", r.category.lower()))
    groups = [
        (category, list(items)) for category, items in groupby(ordered, key=lambda r: r.category)
    ]
    return render(request, "kb_index.html", {"groups": groups, "q": q, "count": len(rows)})


@router.get("/kb/{slug}")
async def kb_article(request: Request, slug: Slug, db: DbDep) -> Response:
    """A published article (drafts and unknown slugs: 404)."""
    try:
        async with db.read() as uow:
            row = await article_service.get_published_article(uow, slug=slug)
    except NotFound:
        return _not_found(request)
    return render(request, "kb_article.html", {"article": row})


@router.get("/d/{documentToken}")
async def open_document(
    request: Request, token: DocumentToken, db: DbDep, settings: SettingsDep
) -> Response:
    """Count an open of a shared document, then send the file."""
    try:
        async with db.transaction() as uow:
            row = await link_service.open_document_link(uow, token=token)
    except NotFound:
        return _not_found(request)
    return _download(settings, row.file_id)


async def _video(db: DbDep, token: str, *, count: bool) -> Any:
    if count:
        async with db.transaction() as uow:
            return await link_service.open_video_link(uow, token=token)
    async with db.read() as uow:
        return await link_service.find_video_link(uow, token=token)


@router.get("/v/{videoToken}")
async def video_page(request: Request, token: VideoToken, db: DbDep) -> Response:
    """A shared video's page: the player with its poster, name and duration (counts a view)."""
    try:
        row = await _video(db, token, count=True)
    except NotFound:
        return _not_found(request)
    context = {
        "video": row,
        "token": token,
        "duration": clock_duration(row.duration_s),
    }
    return render(request, "video_page.html", context)


@router.get("/v/{videoToken}/file")
async def video_file(token: VideoToken, db: DbDep, settings: SettingsDep) -> Response:
    """The video's bytes (through a short-lived signed URL)."""
    row = await _video(db, token, count=False)
    return _download(settings, row.file_id)


@router.get("/v/{videoToken}/poster")
async def video_poster(token: VideoToken, db: DbDep, settings: SettingsDep) -> Response:
    """The video's poster image; 404 when it has none."""
    row = await _video(db, token, count=False)
    if row.poster_file_id is None:
        raise AppError("This video has no poster", "OBJECT_NOT_FOUND", 404)
    return _download(settings, row.poster_file_id)
