"""Settings > Library: the knowledge base (admins write and publish; everyone reads), the
document and video libraries (everyone uploads; the uploader or an admin renames and deletes).
Uploads go from the browser to the files upload, then to the library API (library.js)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from frontdesk.api.deps import DbDep, Principal, SettingsDep
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import AppError
from frontdesk.core.models import INT64_MAX
from frontdesk.library import articles as article_service
from frontdesk.library import documents as library_service
from frontdesk.web.auth import WebAdminDep, WebUserDep
from frontdesk.web.forms import NO_ERRORS, FormErrors, field, form_errors, posted_form
from frontdesk.web.people_settings.forms import apply_change, settings_page

router = APIRouter(include_in_schema=False)

ArticleId = Annotated[int, Path(alias="articleId", ge=1, le=INT64_MAX)]
DocumentId = Annotated[int, Path(alias="documentId", ge=1, le=INT64_MAX)]
VideoId = Annotated[int, Path(alias="videoId", ge=1, le=INT64_MAX)]
ARTICLES = "/settings/library/articles"
DOCUMENTS = "/settings/library/documents"
VIDEOS = "/settings/library/videos"
ARTICLE_FIELDS = ("title", "slug", "category", "body")


def _me(principal: Principal) -> int:
    assert principal.user_id is not None
    return principal.user_id


# --- knowledge base -----------------------------------------------------------------------


@router.get(ARTICLES)
async def articles_page(
    request: Request,
    principal: WebUserDep,
    db: DbDep,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=200)] = "",
    category: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The knowledge base's articles, searchable by title and filtered by category."""
    async with db.read() as uow:
        rows = await article_service.list_articles(uow, query=q, category=category or None)
        categories = await article_service.list_categories(uow, published_only=False)
    context = {
        "section": "library-articles",
        "articles": rows,
        "categories": categories,
        "q": q,
        "category": category,
        "public_base": settings.resolved_public_url(),
    }
    return await settings_page(request, db, principal, "library_articles.html", context)


async def _article_form(
    request: Request,
    db: DbDep,
    principal: Principal,
    *,
    article: Any | None,
    form: dict[str, str],
    errors: FormErrors = NO_ERRORS,
    status_code: int = 200,
) -> Response:
    async with db.read() as uow:
        categories = await article_service.list_categories(uow, published_only=False)
    context = {
        "section": "library-articles",
        "article": article,
        "form": form,
        "errors": errors,
        "categories": categories,
    }
    return await settings_page(
        request, db, principal, "library_article_edit.html", context, status_code=status_code
    )


@router.get(ARTICLES + "/new")
async def new_article_page(request: Request, principal: WebAdminDep, db: DbDep) -> Response:
    return await _article_form(request, db, principal, article=None, form={})


@router.post(ARTICLES)
async def create_article(request: Request, principal: WebAdminDep, db: DbDep) -> Response:
    posted = await posted_form(request, principal)
    form = {name: field(posted, name) for name in ARTICLE_FIELDS}

    async def change(uow: UnitOfWork) -> Any:
        return await article_service.create_article(
            uow,
            title=form["title"],
            body=form["body"],
            category=form["category"],
            slug=form["slug"] or None,
            author_user_id=principal.user_id,
        )

    async def refused(exc: AppError) -> Response:
        return await _article_form(
            request,
            db,
            principal,
            article=None,
            form=form,
            errors=form_errors(exc),
            status_code=exc.status,
        )

    return await apply_change(
        db,
        change,
        refused=refused,
        path=lambda row: f"{ARTICLES}/{row.id}",
        notice="article-created",
    )


@router.get(ARTICLES + "/{articleId}")
async def edit_article_page(
    request: Request, article_id: ArticleId, principal: WebAdminDep, db: DbDep
) -> Response:
    async with db.read() as uow:
        row = await article_service.get_article(uow, article_id=article_id)
    form = {name: getattr(row, name) for name in ARTICLE_FIELDS}
    return await _article_form(request, db, principal, article=row, form=form)


@router.post(ARTICLES + "/{articleId}")
async def save_article(
    request: Request, article_id: ArticleId, principal: WebAdminDep, db: DbDep
) -> Response:
    posted = await posted_form(request, principal)
    form = {name: field(posted, name) for name in ARTICLE_FIELDS}

    async def change(uow: UnitOfWork) -> Any:
        return await article_service.update_article(
            uow,
            article_id=article_id,
            title=form["title"],
            body=form["body"],
            category=form["category"],
            slug=form["slug"],
        )

    async def refused(exc: AppError) -> Response:
        async with db.read() as uow:
            row = await article_service.get_article(uow, article_id=article_id)
        return await _article_form(
            request,
            db,
            principal,
            article=row,
            form=form,
            errors=form_errors(exc),
            status_code=exc.status,
        )

    path = f"{ARTICLES}/{article_id}"
    return await apply_change(db, change, refused=refused, path=path, notice="article-saved")


@router.post(ARTICLES + "/{articleId}/status")
async def set_article_status(
    request: Request, article_id: ArticleId, principal: WebAdminDep, db: DbDep
) -> Response:
    """Publish (status=PUBLISHED) or unpublish (status=DRAFT)."""
    posted = await posted_form(request, principal)
    status = field(posted, "status")

    async def change(uow: UnitOfWork) -> Any:
        return await article_service.update_article(uow, article_id=article_id, status=status)

    notice = "article-published" if status == "PUBLISHED" else "article-unpublished"
    return await apply_change(
        db,
        change,
        refused=_refused_to_list(request, db, principal, ARTICLES),
        path=f"{ARTICLES}/{article_id}",
        notice=notice,
    )


@router.post(ARTICLES + "/{articleId}/delete")
async def delete_article(
    request: Request, article_id: ArticleId, principal: WebAdminDep, db: DbDep
) -> Response:
    await posted_form(request, principal)

    async def change(uow: UnitOfWork) -> None:
        await article_service.delete_article(uow, article_id=article_id)

    return await apply_change(
        db,
        change,
        refused=_refused_to_list(request, db, principal, ARTICLES),
        path=ARTICLES,
        notice="article-deleted",
    )


def _refused_to_list(
    request: Request, db: DbDep, principal: Principal, path: str
) -> Callable[[AppError], Awaitable[Response]]:
    """A refused change of a list item: the error page with its status (404, 403, 400)."""

    async def refused(exc: AppError) -> Response:
        context = {"section": "library", "message": exc.message, "back": path}
        return await settings_page(
            request, db, principal, "library_refused.html", context, status_code=exc.status
        )

    return refused


# --- documents and videos -----------------------------------------------------------------


@router.get(DOCUMENTS)
async def documents_page(
    request: Request,
    principal: WebUserDep,
    db: DbDep,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The document library: upload, search, rename and delete."""
    async with db.read() as uow:
        rows = await library_service.list_documents(uow, query=q)
    context = {
        "section": "library-documents",
        "documents": rows,
        "q": q,
        "max_upload_bytes": settings.max_upload_bytes,
    }
    return await settings_page(request, db, principal, "library_documents.html", context)


@router.post(DOCUMENTS + "/{documentId}")
async def rename_document(
    request: Request, document_id: DocumentId, principal: WebUserDep, db: DbDep
) -> Response:
    posted = await posted_form(request, principal)

    async def change(uow: UnitOfWork) -> Any:
        return await library_service.rename_document(
            uow,
            document_id=document_id,
            name=field(posted, "name"),
            user_id=_me(principal),
            is_admin=principal.is_admin,
        )

    return await apply_change(
        db,
        change,
        refused=_refused_to_list(request, db, principal, DOCUMENTS),
        path=DOCUMENTS,
        notice="document-renamed",
    )


@router.post(DOCUMENTS + "/{documentId}/delete")
async def delete_document(
    request: Request, document_id: DocumentId, principal: WebUserDep, db: DbDep
) -> Response:
    await posted_form(request, principal)

    async def change(uow: UnitOfWork) -> None:
        await library_service.delete_document(
            uow, document_id=document_id, user_id=_me(principal), is_admin=principal.is_admin
        )

    return await apply_change(
        db,
        change,
        refused=_refused_to_list(request, db, principal, DOCUMENTS),
        path=DOCUMENTS,
        notice="document-deleted",
    )


@router.get(VIDEOS)
async def videos_page(
    request: Request,
    principal: WebUserDep,
    db: DbDep,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The video library: upload with a duration and poster, search, rename, delete."""
    async with db.read() as uow:
        rows = await library_service.list_videos(uow, query=q)
    context = {
        "section": "library-videos",
        "videos": rows,
        "q": q,
        "max_upload_bytes": settings.max_upload_bytes,
    }
    return await settings_page(request, db, principal, "library_videos.html", context)


def _seconds(text: str) -> int | None:
    """ "135", "2:15" or "1:02:15" as seconds; None when blank; -1 when unreadable."""
    if not text:
        return None
    parts = text.split(":")
    if len(parts) > 3 or not all(p.isdigit() and len(p) <= 6 for p in parts):
        return -1
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return seconds


@router.post(VIDEOS + "/{videoId}")
async def save_video(
    request: Request, video_id: VideoId, principal: WebUserDep, db: DbDep
) -> Response:
    posted = await posted_form(request, principal)

    async def change(uow: UnitOfWork) -> Any:
        return await library_service.update_video(
            uow,
            video_id=video_id,
            user_id=_me(principal),
            is_admin=principal.is_admin,
            name=field(posted, "name"),
            duration_s=_seconds(field(posted, "duration")),
        )

    return await apply_change(
        db,
        change,
        refused=_refused_to_list(request, db, principal, VIDEOS),
        path=VIDEOS,
        notice="video-saved",
    )


@router.post(VIDEOS + "/{videoId}/delete")
async def delete_video(
    request: Request, video_id: VideoId, principal: WebUserDep, db: DbDep
) -> Response:
    await posted_form(request, principal)

    async def change(uow: UnitOfWork) -> None:
        await library_service.delete_video(
            uow, video_id=video_id, user_id=_me(principal), is_admin=principal.is_admin
        )

    return await apply_change(
        db,
        change,
        refused=_refused_to_list(request, db, principal, VIDEOS),
        path=VIDEOS,
        notice="video-deleted",
    )
