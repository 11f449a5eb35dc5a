"""Knowledge-base articles: drafts admins write and publish; published ones are public at
`/kb/{slug}` and insertable into replies. Bodies are sanitised rich text (stored clean)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, NotFound, validation_error
from frontdesk.core.models import now_ms
from frontdesk.library.models import Article
from frontdesk.messages.sanitize import sanitize_rich_text

STATUSES = ("DRAFT", "PUBLISHED")
MAX_TITLE = 300
MAX_SLUG = 200
MAX_CATEGORY = 100
MAX_BODY = 200_000
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(title: str) -> str:
    """`Reset your password!` -> `reset-your-password` (ASCII, lower case, dashes)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:MAX_SLUG].strip("-")


def _clean_fields(
    *, title: str | None, slug: str | None, category: str | None, body: str | None
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if title is not None:
        title = title.strip()
        if not title or len(title) > MAX_TITLE:
            raise validation_error(f"A title of 1 to {MAX_TITLE} characters", field_name="title")
        values["title"] = title
    if slug is not None:
        slug = slug.strip().lower()
        if not _SLUG.match(slug) or len(slug) > MAX_SLUG:
            raise validation_error(
                "The URL name takes lower-case letters, digits and dashes (e.g. reset-password)",
                field_name="slug",
            )
        values["slug"] = slug
    if category is not None:
        category = category.strip()
        if len(category) > MAX_CATEGORY:
            raise validation_error(f"At most {MAX_CATEGORY} characters", field_name="category")
        values["category"] = category
    if body is not None:
        if len(body) > MAX_BODY:
            raise validation_error(f"At most {MAX_BODY} characters", field_name="body")
        values["body"] = sanitize_rich_text(body) or ""
    return values


async def _check_slug_free(uow: UnitOfWork, slug: str, *, except_id: int | None = None) -> None:
    query = select(Article.id).where(Article.slug == slug)
    if except_id is not None:
        query = query.where(Article.id != except_id)
    if await uow.scalar(query) is not None:
        raise _slug_taken(slug)


async def create_article(
    uow: UnitOfWork,
    *,
    title: str,
    body: str,
    category: str = "",
    slug: str | None = None,
    status: str = "DRAFT",
    author_user_id: int | None,
) -> Any:
    """A new article (a draft unless `status` says PUBLISHED); the slug defaults to the title's."""
    values = _clean_fields(title=title, slug=None, category=category, body=body)
    values.update(_clean_fields(title=None, slug=slug or slugify(title), category=None, body=None))
    _check_status(status)
    await _check_slug_free(uow, values["slug"])
    now = now_ms()
    try:
        article_id = await uow.scalar(
            insert(Article)
            .values(
                **values,
                status=status,
                author_user_id=author_user_id,
                published_at=now if status == "PUBLISHED" else None,
                created_at=now,
                updated_at=now,
            )
            .returning(Article.id)
        )
    except IntegrityError as exc:  # a concurrent create took the slug after our check
        raise _slug_taken(values["slug"]) from exc
    return await get_article(uow, article_id=article_id)


def _slug_taken(slug: str) -> Conflict:
    return Conflict(f"Another article already uses the URL name {slug}", field_name="slug")


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise validation_error("status is DRAFT or PUBLISHED", field_name="status")


async def update_article(
    uow: UnitOfWork,
    *,
    article_id: int,
    title: str | None = None,
    body: str | None = None,
    category: str | None = None,
    slug: str | None = None,
    status: str | None = None,
) -> Any:
    """Change what is given; publishing stamps `published_at` the first time."""
    current = await get_article(uow, article_id=article_id)
    values = _clean_fields(title=title, slug=slug, category=category, body=body)
    if "slug" in values:
        await _check_slug_free(uow, values["slug"], except_id=article_id)
    if status is not None:
        _check_status(status)
        values["status"] = status
        if status == "PUBLISHED" and current.published_at is None:
            values["published_at"] = now_ms()
    if values:
        values["updated_at"] = now_ms()
        try:
            await uow.execute(update(Article).where(Article.id == article_id).values(**values))
        except IntegrityError as exc:  # a concurrent change took the slug after our check
            raise _slug_taken(values.get("slug", "")) from exc
    return await get_article(uow, article_id=article_id)


async def delete_article(uow: UnitOfWork, *, article_id: int) -> None:
    """Delete an article for good (replies that linked to it keep a link that 404s)."""
    await get_article(uow, article_id=article_id)
    await uow.execute(delete(Article).where(Article.id == article_id))


async def get_article(uow: UnitOfWork, *, article_id: int) -> Any:
    """The article by id, draft or not; 404 when absent."""
    row = (await uow.execute(select(Article).where(Article.id == article_id))).first()
    if row is None:
        raise NotFound("Article", article_id)
    return row


async def get_published_article(uow: UnitOfWork, *, slug: str) -> Any:
    """A published article by slug (the public page); drafts and unknown slugs are 404."""
    row = (
        await uow.execute(
            select(Article).where(Article.slug == slug, Article.status == "PUBLISHED")
        )
    ).first()
    if row is None:
        raise NotFound("Article")
    return row


async def list_articles(
    uow: UnitOfWork,
    *,
    query: str = "",
    category: str | None = None,
    status: str | None = None,
    limit: int = 500,
) -> list[Any]:
    """Articles by title (case-insensitive substring), category and status, by title."""
    statement = select(Article).order_by(func.lower(Article.title), Article.id).limit(limit)
    if query.strip():
        needle = query.strip().lower()
        statement = statement.where(func.lower(Article.title).contains(needle, autoescape=True))
    if category:
        statement = statement.where(Article.category == category)
    if status:
        statement = statement.where(Article.status == status)
    return list((await uow.execute(statement)).all())


async def list_categories(uow: UnitOfWork, *, published_only: bool) -> list[str]:
    """The categories in use, sorted (the empty one left out)."""
    statement = select(Article.category).where(Article.category != "").distinct()
    if published_only:
        statement = statement.where(Article.status == "PUBLISHED")
    return sorted((await uow.execute(statement)).scalars().all(), key=str.lower)
