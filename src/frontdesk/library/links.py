"""Tracked links: each insertion of a document or video into a conversation gets its own
unguessable token, so opens are counted per conversation (the sidebar shows them)."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import insert, select, update

from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound
from frontdesk.core.models import now_ms
from frontdesk.library.models import Document, DocumentLink, Video, VideoLink

LinkModel = type[DocumentLink] | type[VideoLink]


def new_token() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


async def _create(uow: UnitOfWork, model: LinkModel, *, user_id: int | None, **row: int) -> str:
    token = new_token()
    await uow.execute(
        insert(model).values(
            token=token, created_by_user_id=user_id, opens=0, created_at=now_ms(), **row
        )
    )
    return token


async def create_document_link(
    uow: UnitOfWork, *, document_id: int, thread_id: int, user_id: int | None
) -> str:
    """A new tracked link to a document for one conversation; its token."""
    return await _create(
        uow, DocumentLink, user_id=user_id, document_id=document_id, thread_id=thread_id
    )


async def create_video_link(
    uow: UnitOfWork, *, video_id: int, thread_id: int, user_id: int | None
) -> str:
    """A new link to a video's public page for one conversation; its token."""
    return await _create(uow, VideoLink, user_id=user_id, video_id=video_id, thread_id=thread_id)


async def _count_open(uow: UnitOfWork, model: LinkModel, token: str) -> None:
    # One UPDATE: concurrent opens each add one (no read-modify-write race).
    await uow.execute(
        update(model)
        .where(model.token == token)
        .values(opens=model.opens + 1, last_opened_at=now_ms())
    )


async def open_document_link(uow: UnitOfWork, *, token: str) -> Any:
    """Count an open of a document link; the document (404 for an unknown token)."""
    row = (
        await uow.execute(
            select(Document)
            .join(DocumentLink, DocumentLink.document_id == Document.id)
            .where(DocumentLink.token == token)
        )
    ).first()
    if row is None:
        raise NotFound("Link")
    await _count_open(uow, DocumentLink, token)
    return row


async def find_video_link(uow: UnitOfWork, *, token: str) -> Any:
    """The video a link shows (404 for an unknown token), without counting an open."""
    row = (
        await uow.execute(
            select(Video)
            .join(VideoLink, VideoLink.video_id == Video.id)
            .where(VideoLink.token == token)
        )
    ).first()
    if row is None:
        raise NotFound("Link")
    return row


async def open_video_link(uow: UnitOfWork, *, token: str) -> Any:
    """Count a view of a video's page; the video (404 for an unknown token)."""
    row = await find_video_link(uow, token=token)
    await _count_open(uow, VideoLink, token)
    return row


async def thread_links(uow: UnitOfWork, *, thread_id: int) -> list[dict[str, Any]]:
    """What was shared by link in a conversation, oldest first, with each link's opens."""
    documents = (
        await uow.execute(
            select(Document.name, DocumentLink.opens, DocumentLink.created_at, DocumentLink.token)
            .join(Document, Document.id == DocumentLink.document_id)
            .where(DocumentLink.thread_id == thread_id)
        )
    ).all()
    videos = (
        await uow.execute(
            select(Video.name, VideoLink.opens, VideoLink.created_at, VideoLink.token)
            .join(Video, Video.id == VideoLink.video_id)
            .where(VideoLink.thread_id == thread_id)
        )
    ).all()
    shared = [
        {"kind": "document", "name": r.name, "opens": r.opens, "at": r.created_at, "token": r.token}
        for r in documents
    ] + [
        {"kind": "video", "name": r.name, "opens": r.opens, "at": r.created_at, "token": r.token}
        for r in videos
    ]
    return sorted(shared, key=lambda item: item["at"])
