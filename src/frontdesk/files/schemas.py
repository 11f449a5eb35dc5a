"""HubSpot's Files API v3 shapes: the upload form's fields and `options`, the file object.

Field names and enums follow HubSpot's Files v3 spec (the `File`, `SignedUrl` and
`FileUploadOptions` models of its client libraries). `mimeType` is our extra.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from frontdesk.core.errors import AppError, ErrorDetail, validation_error
from frontdesk.core.models import ms_to_iso
from frontdesk.files.sniff import hubspot_type

Access = Literal[
    "PUBLIC_INDEXABLE",
    "PUBLIC_NOT_INDEXABLE",
    "HIDDEN_INDEXABLE",
    "HIDDEN_NOT_INDEXABLE",
    "HIDDEN_PRIVATE",
    "HIDDEN_SENSITIVE",
    "PRIVATE",
    "SENSITIVE",
]
DEFAULT_ACCESS = "PRIVATE"
MAX_NAME_CHARS = 255
MAX_FOLDER_PATH_CHARS = 1000
_EXTENSION = re.compile(r"^[A-Za-z0-9]{1,16}$")


class UploadOptions(BaseModel):
    """The `options` form field (a JSON string). Unknown keys are ignored: HubSpot adds
    options over time and a client sending a newer one should still be able to upload."""

    model_config = ConfigDict(extra="ignore")

    access: Access
    ttl: str | None = None
    overwrite: bool = False
    duplicateValidationStrategy: Literal["NONE", "REJECT", "RETURN_EXISTING"] = "NONE"
    duplicateValidationScope: Literal["ENTIRE_PORTAL", "EXACT_FOLDER"] = "ENTIRE_PORTAL"
    expiresAt: int | None = None


@dataclass(frozen=True)
class UploadForm:
    """The validated text fields of an upload."""

    name: str  # without the extension, as HubSpot's file object has it
    extension: str  # lower case, without the dot; "" when the name has none
    folder_path: str | None  # "/a/b" for folderPath, the bare id for folderId
    options: UploadOptions


def parse_upload_form(fields: dict[str, str], *, uploaded_filename: str | None) -> UploadForm:
    """Validate the form's text fields (400 naming the field on bad input)."""
    file_name = clean_file_name(fields.get("fileName") or uploaded_filename or "") or "file"
    stem, extension = split_extension(file_name)
    return UploadForm(
        name=stem,
        extension=extension,
        folder_path=_folder(fields),
        options=parse_options(fields.get("options")),
    )


def parse_options(raw: str | None) -> UploadOptions:
    """The `options` JSON; absent means PRIVATE with no duplicate check."""
    if raw is None or not raw.strip():
        return UploadOptions(access=DEFAULT_ACCESS)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise validation_error("options is not valid JSON", field_name="options") from exc
    if not isinstance(data, dict):
        raise validation_error("options must be a JSON object", field_name="options")
    try:
        return UploadOptions.model_validate(data)
    except ValidationError as exc:
        details = [
            ErrorDetail(f"{_where(err['loc'])}: {err['msg']}", in_=_where(err["loc"]))
            for err in exc.errors()
        ]
        raise AppError("Invalid options: " + details[0].message, errors=details) from exc


def _where(loc: tuple[int | str, ...]) -> str:
    return "options." + ".".join(str(part) for part in loc)


def clean_file_name(raw: str) -> str:
    """A display name: no directories, no control characters, at most 255 characters."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:MAX_NAME_CHARS].strip(". ") or ""


def split_extension(file_name: str) -> tuple[str, str]:
    """("cat", "png") for "cat.png"; ("notes", "") when there is no usable extension."""
    stem, dot_ext = os.path.splitext(file_name)
    extension = dot_ext[1:]
    if stem and _EXTENSION.match(extension):
        return stem, extension.lower()
    return file_name, ""


def _folder(fields: dict[str, str]) -> str | None:
    folder_id = (fields.get("folderId") or "").strip()
    folder_path = (fields.get("folderPath") or "").strip()
    if folder_id and folder_path:
        raise validation_error("Send folderId or folderPath, not both", field_name="folderId")
    if folder_id:
        if not folder_id.isdigit() or len(folder_id) > 20:
            raise validation_error("folderId must be a numeric folder id", field_name="folderId")
        return folder_id
    if folder_path:
        return _clean_folder_path(folder_path)
    return None


def _clean_folder_path(raw: str) -> str:
    if len(raw) > MAX_FOLDER_PATH_CHARS or any(unicodedata.category(ch) == "Cc" for ch in raw):
        raise validation_error(
            "folderPath is too long or has control characters", field_name="folderPath"
        )
    segments = [segment.strip() for segment in raw.split("/") if segment.strip()]
    return "/" + "/".join(segments)


def file_path(row: Any) -> str:
    """The file's path in the file manager, e.g. /library/cat_archive/cat.png."""
    folder = row.folder_path if row.folder_path and row.folder_path.startswith("/") else ""
    return f"{folder}/{full_name(row)}"


def full_name(row: Any) -> str:
    return f"{row.name}.{row.extension}" if row.extension else str(row.name)


def file_json(row: Any, *, url: str) -> dict[str, Any]:
    """A file as HubSpot's Files v3 `File` object, plus `mimeType`."""
    folder_id = row.folder_path if row.folder_path and not row.folder_path.startswith("/") else None
    body: dict[str, Any] = {
        "id": str(row.id),
        "name": row.name,
        "extension": row.extension,
        "type": hubspot_type(row.mime_type),
        "size": row.size,
        "url": url,
        "defaultHostingUrl": url,
        "path": file_path(row),
        "access": row.access,
        "encoding": None,
        "isUsableInContent": True,
        "archived": False,
        "createdAt": ms_to_iso(row.created_at),
        "updatedAt": ms_to_iso(row.updated_at),
        "mimeType": row.mime_type,
    }
    if folder_id is not None:
        body["parentFolderId"] = folder_id
    return body


def signed_url_json(row: Any, *, url: str, expires_ms: int) -> dict[str, Any]:
    """HubSpot's `SignedUrl` object."""
    return {
        "url": url,
        "expiresAt": ms_to_iso(expires_ms),
        "name": row.name,
        "extension": row.extension,
        "type": hubspot_type(row.mime_type),
        "size": row.size,
    }


def content_disposition(name: str, *, inline: bool) -> str:
    """`inline` or `attachment` with an ASCII-safe quoted name plus the exact UTF-8 name."""
    kind = "inline" if inline else "attachment"
    fallback = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in " ._-()") else "_" for ch in name
    )
    header = f'{kind}; filename="{fallback or "file"}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header
