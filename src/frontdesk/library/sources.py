"""The insert menu's library sources: knowledge-base articles, documents and videos.

How each lands in a reply, by what the channel takes (`Target`):

- **Article** (published only): the title as a link to its public page `/kb/{slug}` where
  links are allowed; elsewhere "Title: https://host/kb/slug" as plain text (the issue's "the
  text where the channel has no links": the customer still needs the address to read it).
- **Document**: an attachment (`file_ids`) where the target takes files and the file fits
  the channel (type and size); else a tracked link `/d/{token}` (one per insertion, its opens
  counted in the sidebar): the name as a link where links are allowed, else "Name: URL".
- **Video**: an attachment where the target takes files and the file fits; else a link to its
  public page `/v/{token}` labelled "Name (2:15)" where links are allowed (with the poster
  image as a link above it where the channel also takes inline images: the send path strips
  images elsewhere), else "Name (2:15): URL" as text.
"""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import select

from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound
from frontdesk.core.humanize import clock_duration, human_size
from frontdesk.core.models import INT64_MAX
from frontdesk.inserts import registry
from frontdesk.inserts.registry import Candidate, Insertion, Target
from frontdesk.library import articles as article_service
from frontdesk.library import documents as library_service
from frontdesk.library import links as link_service
from frontdesk.library.models import Article


def _item_id(raw: str, what: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) <= INT64_MAX:
        raise NotFound(what, raw)
    return int(raw)


def _link(url: str, label: str) -> str:
    return f'<a href="{html.escape(url)}">{html.escape(label)}</a>'


def fits(target: Target, *, mime_type: str, size: int) -> bool:
    """Whether a file may go as an attachment to this target (comments take any upload)."""
    if not target.allows_files:
        return False
    if target.mode == "comment":
        return True
    capabilities = target.capabilities
    return capabilities.allows_mime(mime_type) and size <= capabilities.maxFileAttachmentSizeBytes


class ArticleSource:
    kind = "article"
    label = "Knowledge base"

    async def search(
        self, uow: UnitOfWork, *, target: Target, query: str, limit: int
    ) -> list[Candidate]:
        rows = await article_service.list_articles(
            uow, query=query, status="PUBLISHED", limit=limit
        )
        return [
            Candidate(kind=self.kind, id=str(r.id), title=r.title, detail=r.category) for r in rows
        ]

    async def render(self, uow: UnitOfWork, *, target: Target, item_id: str) -> Insertion:
        article_id = _item_id(item_id, "Article")
        row = (
            await uow.execute(
                select(Article).where(Article.id == article_id, Article.status == "PUBLISHED")
            )
        ).first()
        if row is None:
            raise NotFound("Article", item_id)
        url = f"{target.base_url}/kb/{row.slug}"
        text = f"{row.title}: {url}"
        if not target.allows_links:
            return Insertion(text=text)
        return Insertion(text=text, html=_link(url, row.title))


class DocumentSource:
    kind = "document"
    label = "Documents"

    async def search(
        self, uow: UnitOfWork, *, target: Target, query: str, limit: int
    ) -> list[Candidate]:
        rows = await library_service.list_documents(uow, query=query, limit=limit)
        return [
            Candidate(
                kind=self.kind,
                id=str(r.id),
                title=r.name,
                detail=f"{(r.extension or r.mime_type).upper()} · {human_size(r.size)}",
            )
            for r in rows
        ]

    async def render(self, uow: UnitOfWork, *, target: Target, item_id: str) -> Insertion:
        row = await library_service.get_document(uow, document_id=_item_id(item_id, "Document"))
        if fits(target, mime_type=row.mime_type, size=row.size):
            return Insertion(text="", file_ids=[row.file_id])
        token = await link_service.create_document_link(
            uow, document_id=row.id, thread_id=target.thread_id, user_id=target.user_id
        )
        url = f"{target.base_url}/d/{token}"
        text = f"{row.name}: {url}"
        if not target.allows_links:
            return Insertion(text=text)
        return Insertion(text=text, html=_link(url, row.name))


def video_label(row: Any) -> str:
    """ "Product tour (2:15)", or the name alone when the duration is unknown."""
    duration = clock_duration(row.duration_s)
    return f"{row.name} ({duration})" if duration else str(row.name)


class VideoSource:
    kind = "video"
    label = "Videos"

    async def search(
        self, uow: UnitOfWork, *, target: Target, query: str, limit: int
    ) -> list[Candidate]:
        rows = await library_service.list_videos(uow, query=query, limit=limit)
        return [
            Candidate(
                kind=self.kind,
                id=str(r.id),
                title=r.name,
                detail=" · ".join(
                    p for p in (clock_duration(r.duration_s), human_size(r.size)) if p
                ),
            )
            for r in rows
        ]

    async def render(self, uow: UnitOfWork, *, target: Target, item_id: str) -> Insertion:
        row = await library_service.get_video(uow, video_id=_item_id(item_id, "Video"))
        if fits(target, mime_type=row.mime_type, size=row.size):
            return Insertion(text="", file_ids=[row.file_id])
        token = await link_service.create_video_link(
            uow, video_id=row.id, thread_id=target.thread_id, user_id=target.user_id
        )
        url = f"{target.base_url}/v/{token}"
        label = video_label(row)
        text = f"{label}: {url}"
        if not target.allows_links:
            return Insertion(text=text)
        link = _link(url, label)
        images = target.mode == "comment" or target.capabilities.allowInlineImages
        if row.poster_file_id is None or not images:
            return Insertion(text=text, html=link)
        poster = (
            f'<a href="{html.escape(url)}"><img src="{html.escape(url)}/poster" '
            f'alt="{html.escape(row.name)}"></a>'
        )
        return Insertion(text=text, html=f"<p>{poster}</p><p>{link}</p>")


article_source = registry.register(ArticleSource())
document_source = registry.register(DocumentSource())
video_source = registry.register(VideoSource())
