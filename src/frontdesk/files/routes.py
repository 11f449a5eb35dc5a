"""HubSpot's Files API v3, the parts a bridge needs: upload, metadata, signed URLs, content."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import FileResponse, Response

from frontdesk.api.deps import (
    DbDep,
    Principal,
    SettingsDep,
    bearer_token,
    require_scopes,
)
from frontdesk.api.responses import JsonResponse
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError, NotFound, validation_error
from frontdesk.core.models import now_ms
from frontdesk.files import service as file_service
from frontdesk.files import signing
from frontdesk.files import storage as file_storage
from frontdesk.files.schemas import (
    content_disposition,
    file_json,
    full_name,
    parse_upload_form,
    signed_url_json,
)
from frontdesk.files.sniff import extension_for, is_inline, sniff_mime_type
from frontdesk.files.upload import FILE_FIELD, ReceivedFile, ReceivedForm, receive_form

router = APIRouter()

FilesPrincipal = Annotated[Principal, Depends(require_scopes("files"))]

_UPLOAD_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "The file to upload."},
        "fileName": {"type": "string", "description": "Name to give the file."},
        "folderPath": {"type": "string", "description": "Folder path, e.g. /bridge/media."},
        "folderId": {"type": "string", "description": "Folder id (instead of folderPath)."},
        "charsetHunch": {"type": "string", "description": "Accepted and ignored."},
        "options": {
            "type": "string",
            "description": 'JSON: {"access": "PRIVATE", "duplicateValidationStrategy": ...}',
        },
    },
}


def _uploader(principal: Principal) -> file_service.Uploader:
    return file_service.Uploader(
        app_id=principal.app_id if principal.kind == "app" else None,
        user_id=principal.user_id,
        inbox_ids=principal.inbox_ids,
    )


def _file_id(raw: str) -> int:
    # Ids are positive 64-bit integers; anything else names no file.
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound("File", raw)
    return int(raw)


def _url_for(request: Request, settings: Settings) -> Callable[[str], str]:
    return signing.file_url_factory(settings, str(request.base_url))


@router.post(
    "/files/v3/files",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": _UPLOAD_FORM_SCHEMA}},
        }
    },
)
async def upload_file(
    request: Request, principal: FilesPrincipal, db: DbDep, settings: SettingsDep
) -> JsonResponse:
    """Upload a file (HubSpot's Files v3 multipart form); the type is read from the bytes."""
    signing.require_secret_key(settings)
    storage = file_storage.from_settings(settings)
    form = await receive_form(
        request.headers.get("content-type", ""),
        request.stream(),
        storage=storage,
        max_file_bytes=settings.max_upload_bytes,
    )
    try:
        row = await _save_upload(db, storage, form, _uploader(principal))
    finally:
        form.discard()
    url = _url_for(request, settings)(str(row.id))
    return JsonResponse(file_json(row, url=url), status_code=201)


async def _save_upload(
    db: Database,
    storage: file_storage.FileStorage,
    form: ReceivedForm,
    uploader: file_service.Uploader,
) -> Any:
    received = _require_file(form.file)
    upload_form = parse_upload_form(form.fields, uploaded_filename=received.filename)
    mime_type = sniff_mime_type(received.head, name=f"{upload_form.name}.{upload_form.extension}")
    stored = file_service.StoredBytes(
        storage_key=storage.new_key(),
        size=received.size,
        sha256=received.sha256,
        mime_type=mime_type,
        extension=upload_form.extension or extension_for(mime_type),
    )
    await storage.put(stored.storage_key, received.temp_path)
    try:
        async with db.transaction() as uow:
            row, created = await file_service.create_file(
                uow, form=upload_form, stored=stored, uploader=uploader
            )
    except BaseException:
        await storage.delete(stored.storage_key)
        raise
    if not created:  # an existing duplicate answers; the new copy is not needed
        await storage.delete(stored.storage_key)
    return row


def _require_file(received: ReceivedFile | None) -> ReceivedFile:
    if received is None:
        raise validation_error("The form has no file part", field_name=FILE_FIELD)
    if received.size == 0:
        raise validation_error("The file is empty", field_name=FILE_FIELD)
    return received


@router.get("/files/v3/files/{fileId}")
async def get_file(
    fileId: str, request: Request, principal: FilesPrincipal, db: DbDep, settings: SettingsDep
) -> JsonResponse:
    """A file's metadata (HubSpot's file object), if the caller uploaded it or may see a
    conversation carrying it."""
    async with db.read() as uow:
        row = await file_service.get_visible_file(
            uow, file_id=_file_id(fileId), viewer=_uploader(principal)
        )
    return JsonResponse(file_json(row, url=_url_for(request, settings)(str(row.id))))


@router.get("/files/v3/files/{fileId}/signed-url")
async def get_signed_url(
    fileId: str,
    request: Request,
    principal: FilesPrincipal,
    db: DbDep,
    settings: SettingsDep,
    expirationSeconds: Annotated[
        int, Query(ge=1, le=7 * 24 * 3600, description="How long the URL stays valid.")
    ] = signing.URL_TTL_S,
) -> JsonResponse:
    """A signed URL that downloads the file without a token until it expires."""
    secret_key = signing.require_secret_key(settings)
    async with db.read() as uow:
        row = await file_service.get_visible_file(
            uow, file_id=_file_id(fileId), viewer=_uploader(principal)
        )
    expires = signing.expiry_ms(expirationSeconds)
    url = str(request.base_url).rstrip("/") + signing.signed_url_path(secret_key, row.id, expires)
    return JsonResponse(signed_url_json(row, url=url, expires_ms=expires))


@router.get("/files/v3/files/{fileId}/content", response_class=Response)
async def download_file(
    fileId: str,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    expires: Annotated[int | None, Query(description="Expiry of a signed URL (epoch ms).")] = None,
    signature: Annotated[str | None, Query(description="Signature of a signed URL.")] = None,
) -> Response:
    """The file's bytes: with a valid signed URL, or a bearer token that may see the file."""
    file_id = _file_id(fileId)
    signed = _signature_ok(settings, file_id, expires, signature)
    if not signed and bearer_token(request) is None and signature is not None:
        raise AppError("The download link is invalid or has expired", "FORBIDDEN", 403)
    viewer = None if signed else _uploader(await require_scopes("files")(request))
    async with db.read() as uow:
        if viewer is None:
            row = await file_service.get_file(uow, file_id=file_id)
        else:
            row = await file_service.get_visible_file(uow, file_id=file_id, viewer=viewer)
    return _content_response(settings, row, cache_until=expires if signed else None)


def _signature_ok(
    settings: Settings, file_id: int, expires: int | None, signature: str | None
) -> bool:
    if expires is None or signature is None:
        return False
    return signing.verify_signature(
        signing.require_secret_key(settings), file_id, expires, signature
    )


def _content_response(settings: Settings, row: Any, *, cache_until: int | None) -> Response:
    path = file_storage.from_settings(settings).path(row.storage_key)
    if path is None or not path.is_file():
        raise NotFound("File content", row.id)
    headers = {
        "Content-Disposition": content_disposition(full_name(row), inline=is_inline(row.mime_type)),
        "X-Content-Type-Options": "nosniff",
        # Uploaded bytes are never a page of ours: no scripts, no plugins, even if opened.
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": _cache_control(cache_until),
    }
    return FileResponse(path, media_type=row.mime_type, headers=headers)


def _cache_control(cache_until: int | None) -> str:
    # A signed URL names fixed bytes until it expires, so the browser may keep them that long.
    if cache_until is None:
        return "private, no-cache"
    return f"private, max-age={max(0, (cache_until - now_ms()) // 1000)}"
