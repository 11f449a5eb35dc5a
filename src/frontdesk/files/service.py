"""Files: record uploads, find the ones a caller may see (DESIGN 8: files it uploaded, and
files of messages it may see; for a person, also the files of the shared document and video
library, which any user may insert into a reply)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, literal, select, union_all

from frontdesk.conversations.models import Thread
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, NotFound
from frontdesk.core.models import now_ms
from frontdesk.files.models import File
from frontdesk.files.schemas import UploadForm
from frontdesk.library.models import Document, Video
from frontdesk.messages.models import Message, MessageFile


@dataclass(frozen=True)
class Uploader:
    """Who uploads or asks: an app, or a user with the inboxes they see (None: all)."""

    app_id: int | None = None
    user_id: int | None = None
    inbox_ids: frozenset[int] | None = None


@dataclass(frozen=True)
class StoredBytes:
    """What storage holds for an upload: its key and what we learned reading it."""

    storage_key: str
    size: int
    sha256: str
    mime_type: str
    extension: str


async def create_file(
    uow: UnitOfWork, *, form: UploadForm, stored: StoredBytes, uploader: Uploader
) -> tuple[Any, bool]:
    """Record an upload whose bytes are already stored; (row, created). With the
    RETURN_EXISTING strategy a duplicate is returned instead (created False)."""
    duplicate = await _find_duplicate(uow, form=form, stored=stored, uploader=uploader)
    if duplicate is not None:
        if form.options.duplicateValidationStrategy == "REJECT":
            raise Conflict(f"A duplicate of this file exists: {duplicate.id}", field_name="file")
        return duplicate, False
    now = now_ms()
    file_id = await uow.scalar(
        insert(File)
        .values(
            name=form.name,
            extension=stored.extension,
            mime_type=stored.mime_type,
            size=stored.size,
            sha256=stored.sha256,
            storage_key=stored.storage_key,
            access=form.options.access,
            folder_path=form.folder_path,
            uploaded_by_app_id=uploader.app_id,
            uploaded_by_user_id=uploader.user_id,
            created_at=now,
            updated_at=now,
        )
        .returning(File.id)
    )
    return await get_file(uow, file_id=file_id), True


async def _find_duplicate(
    uow: UnitOfWork, *, form: UploadForm, stored: StoredBytes, uploader: Uploader
) -> Any | None:
    # Duplicates are the same bytes among the caller's own uploads: looking further would
    # reveal that someone else holds a file (UNCONFIRMED how HubSpot compares; we use sha256).
    if form.options.duplicateValidationStrategy == "NONE":
        return None
    query = select(File).where(File.sha256 == stored.sha256, _uploaded_by(uploader))
    if form.options.duplicateValidationScope == "EXACT_FOLDER":
        query = query.where(_same_folder(form.folder_path))
    return (await uow.execute(query.order_by(File.id).limit(1))).first()


def _uploaded_by(uploader: Uploader) -> Any:
    if uploader.user_id is not None:
        return File.uploaded_by_user_id == uploader.user_id
    return File.uploaded_by_app_id == uploader.app_id


def _same_folder(folder_path: str | None) -> Any:
    if folder_path is None:
        return File.folder_path.is_(None)
    return File.folder_path == folder_path


async def get_file(uow: UnitOfWork, *, file_id: int) -> Any:
    """The file row by id, whoever asks (for signed downloads); 404 when absent."""
    row = (await uow.execute(select(File).where(File.id == file_id))).first()
    if row is None:
        raise NotFound("File", file_id)
    return row


async def get_visible_file(uow: UnitOfWork, *, file_id: int, viewer: Uploader) -> Any:
    """The file row if `viewer` uploaded it, may see a thread carrying it, or is a person and
    it is in the library; else 404."""
    row = await get_file(uow, file_id=file_id)
    if _is_uploader(row, viewer) or await _attached_where_visible(uow, file_id, viewer):
        return row
    if viewer.user_id is not None and await _in_library(uow, file_id):
        return row
    raise NotFound("File", file_id)


async def _in_library(uow: UnitOfWork, file_id: int) -> bool:
    query = union_all(
        select(literal(1)).where(Document.file_id == file_id),
        select(literal(1)).where(Video.file_id == file_id),
        select(literal(1)).where(Video.poster_file_id == file_id),
    )
    return (await uow.execute(query.limit(1))).first() is not None


def _is_uploader(row: Any, viewer: Uploader) -> bool:
    if viewer.user_id is not None:
        return bool(row.uploaded_by_user_id == viewer.user_id)
    return viewer.app_id is not None and row.uploaded_by_app_id == viewer.app_id


async def _attached_where_visible(uow: UnitOfWork, file_id: int, viewer: Uploader) -> bool:
    query = (
        select(literal(1))
        .select_from(MessageFile)
        .join(Message, Message.id == MessageFile.message_id)
        .join(Thread, Thread.id == Message.thread_id)
        .where(MessageFile.file_id == file_id)
    )
    if viewer.inbox_ids is not None:
        if not viewer.inbox_ids:
            return False
        query = query.where(Thread.inbox_id.in_(sorted(viewer.inbox_ids)))
    return (await uow.execute(query.limit(1))).first() is not None


async def get_files(uow: UnitOfWork, *, file_ids: Iterable[int]) -> dict[int, Any]:
    """File rows by id (missing ids are left out), e.g. to check a message's attachments."""
    ids = sorted(set(file_ids))
    if not ids:
        return {}
    rows = (await uow.execute(select(File).where(File.id.in_(ids)))).all()
    return {row.id: row for row in rows}
