"""/frontdesk/v1/kb/articles and /frontdesk/v1/library/{documents,videos}: admins write
articles, everyone signed in reads them; every user adds documents and videos and changes
their own (admins any)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from frontdesk.api.deps import AdminDep, DbDep, Principal, SettingsDep, UserDep
from frontdesk.api.responses import JsonResponse, created, no_content
from frontdesk.core.models import INT64_MAX
from frontdesk.library import articles as article_service
from frontdesk.library import documents as library_service
from frontdesk.library.schemas import (
    ArticleCreate,
    ArticleUpdate,
    DocumentCreate,
    DocumentUpdate,
    VideoCreate,
    VideoUpdate,
    article_json,
    document_json,
    video_json,
)

router = APIRouter(prefix="/frontdesk/v1")

ArticleId = Annotated[int, Path(alias="articleId", ge=1, le=INT64_MAX)]
DocumentId = Annotated[int, Path(alias="documentId", ge=1, le=INT64_MAX)]
VideoId = Annotated[int, Path(alias="videoId", ge=1, le=INT64_MAX)]
Search = Annotated[str, Query(max_length=200, description="Part of the title or name")]


def _me(principal: Principal) -> int:
    assert principal.user_id is not None
    return principal.user_id


@router.get("/kb/articles")
async def list_articles(
    _principal: UserDep,
    db: DbDep,
    settings: SettingsDep,
    q: Search = "",
    category: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query(pattern="^(DRAFT|PUBLISHED)$")] = None,
) -> JsonResponse:
    """Knowledge-base articles, drafts included, by title; filter by text, category, status."""
    async with db.read() as uow:
        rows = await article_service.list_articles(uow, query=q, category=category, status=status)
    base = settings.resolved_public_url()
    return JsonResponse({"results": [article_json(r, base_url=base) for r in rows]})


@router.post("/kb/articles", status_code=201)
async def create_article(
    body: ArticleCreate, admin: AdminDep, db: DbDep, settings: SettingsDep
) -> JsonResponse:
    """Write an article (a draft unless status is PUBLISHED); its body is sanitised."""
    async with db.transaction() as uow:
        row = await article_service.create_article(
            uow,
            title=body.title,
            body=body.body,
            category=body.category,
            slug=body.slug,
            status=body.status,
            author_user_id=admin.user_id,
        )
    payload = article_json(row, base_url=settings.resolved_public_url())
    return created(payload, f"/frontdesk/v1/kb/articles/{row.id}")


@router.get("/kb/articles/{articleId}")
async def get_article(
    article_id: ArticleId, _principal: UserDep, db: DbDep, settings: SettingsDep
) -> JsonResponse:
    """One article, draft or published."""
    async with db.read() as uow:
        row = await article_service.get_article(uow, article_id=article_id)
    return JsonResponse(article_json(row, base_url=settings.resolved_public_url()))


@router.patch("/kb/articles/{articleId}")
async def update_article(
    article_id: ArticleId, body: ArticleUpdate, _admin: AdminDep, db: DbDep, settings: SettingsDep
) -> JsonResponse:
    """Edit an article, or publish (status PUBLISHED) or unpublish it (DRAFT)."""
    async with db.transaction() as uow:
        row = await article_service.update_article(
            uow,
            article_id=article_id,
            title=body.title,
            body=body.body,
            category=body.category,
            slug=body.slug,
            status=body.status,
        )
    return JsonResponse(article_json(row, base_url=settings.resolved_public_url()))


@router.delete("/kb/articles/{articleId}")
async def delete_article(article_id: ArticleId, _admin: AdminDep, db: DbDep) -> Response:
    """Delete an article for good."""
    async with db.transaction() as uow:
        await article_service.delete_article(uow, article_id=article_id)
    return no_content()


@router.get("/library/documents")
async def list_documents(_principal: UserDep, db: DbDep, q: Search = "") -> JsonResponse:
    """The document library by name, with each document's total opens."""
    async with db.read() as uow:
        rows = await library_service.list_documents(uow, query=q)
    return JsonResponse({"results": [document_json(r) for r in rows]})


@router.post("/library/documents", status_code=201)
async def create_document(body: DocumentCreate, principal: UserDep, db: DbDep) -> JsonResponse:
    """Add a file you uploaded (POST /files/v3/files) to the document library."""
    async with db.transaction() as uow:
        row = await library_service.create_document(
            uow, name=body.name, file_id=body.fileId, user_id=_me(principal)
        )
    return created(document_json(row), f"/frontdesk/v1/library/documents/{row.id}")


@router.get("/library/documents/{documentId}")
async def get_document(document_id: DocumentId, _principal: UserDep, db: DbDep) -> JsonResponse:
    """One document."""
    async with db.read() as uow:
        row = await library_service.get_document(uow, document_id=document_id)
    return JsonResponse(document_json(row))


@router.patch("/library/documents/{documentId}")
async def rename_document(
    document_id: DocumentId, body: DocumentUpdate, principal: UserDep, db: DbDep
) -> JsonResponse:
    """Rename a document (its uploader or an admin)."""
    async with db.transaction() as uow:
        row = await library_service.rename_document(
            uow,
            document_id=document_id,
            name=body.name,
            user_id=_me(principal),
            is_admin=principal.is_admin,
        )
    return JsonResponse(document_json(row))


@router.delete("/library/documents/{documentId}")
async def delete_document(document_id: DocumentId, principal: UserDep, db: DbDep) -> Response:
    """Delete a document and its tracked links (its uploader or an admin)."""
    async with db.transaction() as uow:
        await library_service.delete_document(
            uow, document_id=document_id, user_id=_me(principal), is_admin=principal.is_admin
        )
    return no_content()


@router.get("/library/videos")
async def list_videos(_principal: UserDep, db: DbDep, q: Search = "") -> JsonResponse:
    """The video library by name, with each video's total views."""
    async with db.read() as uow:
        rows = await library_service.list_videos(uow, query=q)
    return JsonResponse({"results": [video_json(r) for r in rows]})


@router.post("/library/videos", status_code=201)
async def create_video(body: VideoCreate, principal: UserDep, db: DbDep) -> JsonResponse:
    """Add a video file you uploaded, with its duration and an optional poster image."""
    async with db.transaction() as uow:
        row = await library_service.create_video(
            uow,
            name=body.name,
            file_id=body.fileId,
            duration_s=body.durationSeconds,
            poster_file_id=body.posterFileId,
            user_id=_me(principal),
        )
    return created(video_json(row), f"/frontdesk/v1/library/videos/{row.id}")


@router.get("/library/videos/{videoId}")
async def get_video(video_id: VideoId, _principal: UserDep, db: DbDep) -> JsonResponse:
    """One video."""
    async with db.read() as uow:
        row = await library_service.get_video(uow, video_id=video_id)
    return JsonResponse(video_json(row))


@router.patch("/library/videos/{videoId}")
async def update_video(
    video_id: VideoId, body: VideoUpdate, principal: UserDep, db: DbDep
) -> JsonResponse:
    """Rename a video or correct its duration (its uploader or an admin)."""
    async with db.transaction() as uow:
        row = await library_service.update_video(
            uow,
            video_id=video_id,
            user_id=_me(principal),
            is_admin=principal.is_admin,
            name=body.name,
            duration_s=body.durationSeconds,
        )
    return JsonResponse(video_json(row))


@router.delete("/library/videos/{videoId}")
async def delete_video(video_id: VideoId, principal: UserDep, db: DbDep) -> Response:
    """Delete a video and its links (its uploader or an admin)."""
    async with db.transaction() as uow:
        await library_service.delete_video(
            uow, video_id=video_id, user_id=_me(principal), is_admin=principal.is_admin
        )
    return no_content()
