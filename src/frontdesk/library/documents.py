"""The document and video libraries: files any signed-in user uploads (through the files
upload) and names; the uploader or an admin renames or deletes them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import aliased

from frontdesk.accounts.models import User
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Forbidden, NotFound, validation_error
from frontdesk.core.models import now_ms
from frontdesk.files import service as file_service
from frontdesk.files.models import File
from frontdesk.library.models import Document, DocumentLink, Video, VideoLink

MAX_NAME = 300
MAX_DURATION_S = 24 * 3600


def clean_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise validation_error(f"A name of 1 to {MAX_NAME} characters", field_name="name")
    return name


def check_may_change(row: Any, *, user_id: int, is_admin: bool) -> None:
    """Admins change any item; users only their own uploads."""
    if not is_admin and row.uploaded_by_user_id != user_id:
        raise Forbidden("Only the uploader or an admin may change this")


async def own_file(uow: UnitOfWork, *, file_id: int, user_id: int, field_name: str) -> Any:
    """A file the user uploaded (404 otherwise: another's upload is not theirs to share)."""
    try:
        row = await file_service.get_file(uow, file_id=file_id)
    except NotFound:
        row = None
    if row is None or row.uploaded_by_user_id != user_id:
        raise NotFound("File", file_id, field_name=field_name)
    return row


# --- documents ----------------------------------------------------------------------------


async def create_document(uow: UnitOfWork, *, name: str, file_id: int, user_id: int) -> Any:
    """Add an uploaded file of the user's to the library under `name`."""
    name = clean_name(name)
    await own_file(uow, file_id=file_id, user_id=user_id, field_name="fileId")
    now = now_ms()
    document_id = await uow.scalar(
        insert(Document)
        .values(
            name=name, file_id=file_id, uploaded_by_user_id=user_id, created_at=now, updated_at=now
        )
        .returning(Document.id)
    )
    return await get_document(uow, document_id=document_id)


def _document_query() -> Any:
    uploader = aliased(User)
    opens = (
        select(func.coalesce(func.sum(DocumentLink.opens), 0))
        .where(DocumentLink.document_id == Document.id)
        .scalar_subquery()
    )
    return (
        select(
            Document.id,
            Document.name,
            Document.file_id,
            Document.uploaded_by_user_id,
            Document.created_at,
            File.mime_type,
            File.size,
            File.extension,
            func.coalesce(func.nullif(uploader.name, ""), uploader.email).label("uploader_name"),
            opens.label("opens"),
        )
        .join(File, File.id == Document.file_id)
        .join(uploader, uploader.id == Document.uploaded_by_user_id)
    )


async def get_document(uow: UnitOfWork, *, document_id: int) -> Any:
    """A document with its file's type and size and its uploader's name; 404 when absent."""
    row = (await uow.execute(_document_query().where(Document.id == document_id))).first()
    if row is None:
        raise NotFound("Document", document_id)
    return row


async def list_documents(uow: UnitOfWork, *, query: str = "", limit: int = 500) -> list[Any]:
    """Documents by name (case-insensitive substring), by name."""
    statement = _document_query().order_by(func.lower(Document.name), Document.id).limit(limit)
    if query.strip():
        needle = query.strip().lower()
        statement = statement.where(func.lower(Document.name).contains(needle, autoescape=True))
    return list((await uow.execute(statement)).all())


async def rename_document(
    uow: UnitOfWork, *, document_id: int, name: str, user_id: int, is_admin: bool
) -> Any:
    """Rename a document (its uploader or an admin)."""
    row = await get_document(uow, document_id=document_id)
    check_may_change(row, user_id=user_id, is_admin=is_admin)
    await uow.execute(
        update(Document)
        .where(Document.id == document_id)
        .values(name=clean_name(name), updated_at=now_ms())
    )
    return await get_document(uow, document_id=document_id)


async def delete_document(
    uow: UnitOfWork, *, document_id: int, user_id: int, is_admin: bool
) -> None:
    """Remove a document and its tracked links (the file stays: messages may carry it)."""
    row = await get_document(uow, document_id=document_id)
    check_may_change(row, user_id=user_id, is_admin=is_admin)
    await uow.execute(delete(DocumentLink).where(DocumentLink.document_id == document_id))
    await uow.execute(delete(Document).where(Document.id == document_id))


# --- videos -------------------------------------------------------------------------------


def _check_duration(duration_s: int | None) -> None:
    if duration_s is not None and not 0 <= duration_s <= MAX_DURATION_S:
        raise validation_error(
            "The duration is a number of seconds up to a day", field_name="durationSeconds"
        )


async def _check_video_files(
    uow: UnitOfWork, *, file_id: int, poster_file_id: int | None, user_id: int
) -> None:
    video = await own_file(uow, file_id=file_id, user_id=user_id, field_name="fileId")
    if not str(video.mime_type).startswith("video/"):
        raise validation_error(f"The file is {video.mime_type}, not a video", field_name="fileId")
    if poster_file_id is not None:
        poster = await own_file(
            uow, file_id=poster_file_id, user_id=user_id, field_name="posterFileId"
        )
        if not str(poster.mime_type).startswith("image/"):
            raise validation_error(
                f"The poster is {poster.mime_type}, not an image", field_name="posterFileId"
            )


async def create_video(
    uow: UnitOfWork,
    *,
    name: str,
    file_id: int,
    duration_s: int | None,
    poster_file_id: int | None,
    user_id: int,
) -> Any:
    """Add an uploaded video of the user's (with its duration, and a poster image if any)."""
    name = clean_name(name)
    _check_duration(duration_s)
    await _check_video_files(uow, file_id=file_id, poster_file_id=poster_file_id, user_id=user_id)
    now = now_ms()
    video_id = await uow.scalar(
        insert(Video)
        .values(
            name=name,
            file_id=file_id,
            poster_file_id=poster_file_id,
            duration_s=duration_s,
            uploaded_by_user_id=user_id,
            created_at=now,
            updated_at=now,
        )
        .returning(Video.id)
    )
    return await get_video(uow, video_id=video_id)


def _video_query() -> Any:
    uploader = aliased(User)
    opens = (
        select(func.coalesce(func.sum(VideoLink.opens), 0))
        .where(VideoLink.video_id == Video.id)
        .scalar_subquery()
    )
    return (
        select(
            Video.id,
            Video.name,
            Video.file_id,
            Video.poster_file_id,
            Video.duration_s,
            Video.uploaded_by_user_id,
            Video.created_at,
            File.mime_type,
            File.size,
            func.coalesce(func.nullif(uploader.name, ""), uploader.email).label("uploader_name"),
            opens.label("opens"),
        )
        .join(File, File.id == Video.file_id)
        .join(uploader, uploader.id == Video.uploaded_by_user_id)
    )


async def get_video(uow: UnitOfWork, *, video_id: int) -> Any:
    """A video with its file's type and size and its uploader's name; 404 when absent."""
    row = (await uow.execute(_video_query().where(Video.id == video_id))).first()
    if row is None:
        raise NotFound("Video", video_id)
    return row


async def list_videos(uow: UnitOfWork, *, query: str = "", limit: int = 500) -> list[Any]:
    """Videos by name (case-insensitive substring), by name."""
    statement = _video_query().order_by(func.lower(Video.name), Video.id).limit(limit)
    if query.strip():
        needle = query.strip().lower()
        statement = statement.where(func.lower(Video.name).contains(needle, autoescape=True))
    return list((await uow.execute(statement)).all())


async def update_video(
    uow: UnitOfWork,
    *,
    video_id: int,
    user_id: int,
    is_admin: bool,
    name: str | None = None,
    duration_s: int | None = None,
) -> Any:
    """Rename a video or correct its duration (its uploader or an admin)."""
    row = await get_video(uow, video_id=video_id)
    check_may_change(row, user_id=user_id, is_admin=is_admin)
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = clean_name(name)
    if duration_s is not None:
        _check_duration(duration_s)
        values["duration_s"] = duration_s
    if values:
        values["updated_at"] = now_ms()
        await uow.execute(update(Video).where(Video.id == video_id).values(**values))
    return await get_video(uow, video_id=video_id)


async def delete_video(uow: UnitOfWork, *, video_id: int, user_id: int, is_admin: bool) -> None:
    """Remove a video and its links (the files stay: messages may carry them)."""
    row = await get_video(uow, video_id=video_id)
    check_may_change(row, user_id=user_id, is_admin=is_admin)
    await uow.execute(delete(VideoLink).where(VideoLink.video_id == video_id))
    await uow.execute(delete(Video).where(Video.id == video_id))
