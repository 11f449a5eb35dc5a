"""API input and output of the knowledge base and the document and video libraries."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.core.models import INT64_MAX, ms_to_iso

_STRICT = ConfigDict(extra="forbid")


class ArticleCreate(BaseModel):
    model_config = _STRICT
    title: str = Field(max_length=1000)
    body: str = Field(default="", description="Rich text (HTML); sanitised on save.")
    category: str = Field(default="", max_length=1000)
    slug: str | None = Field(default=None, max_length=1000, description="Defaults from title.")
    status: Literal["DRAFT", "PUBLISHED"] = "DRAFT"


class ArticleUpdate(BaseModel):
    model_config = _STRICT
    title: str | None = Field(default=None, max_length=1000)
    body: str | None = None
    category: str | None = Field(default=None, max_length=1000)
    slug: str | None = Field(default=None, max_length=1000)
    status: Literal["DRAFT", "PUBLISHED"] | None = None


class DocumentCreate(BaseModel):
    model_config = _STRICT
    name: str = Field(max_length=1000)
    fileId: int = Field(ge=1, le=INT64_MAX, description="A file you uploaded (/files/v3/files).")


class DocumentUpdate(BaseModel):
    model_config = _STRICT
    name: str = Field(max_length=1000)


class VideoCreate(BaseModel):
    model_config = _STRICT
    name: str = Field(max_length=1000)
    fileId: int = Field(ge=1, le=INT64_MAX, description="A video file you uploaded.")
    durationSeconds: int | None = Field(default=None, ge=0, le=INT64_MAX)
    posterFileId: int | None = Field(default=None, ge=1, le=INT64_MAX)


class VideoUpdate(BaseModel):
    model_config = _STRICT
    name: str | None = Field(default=None, max_length=1000)
    durationSeconds: int | None = Field(default=None, ge=0, le=INT64_MAX)


def article_json(row: Any, *, base_url: str) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "title": row.title,
        "slug": row.slug,
        "body": row.body,
        "category": row.category,
        "status": row.status,
        "authorId": None if row.author_user_id is None else f"A-{row.author_user_id}",
        "publicUrl": f"{base_url}/kb/{row.slug}" if row.status == "PUBLISHED" else None,
        "createdAt": ms_to_iso(row.created_at),
        "updatedAt": ms_to_iso(row.updated_at),
        "publishedAt": ms_to_iso(row.published_at),
    }


def document_json(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "fileId": str(row.file_id),
        "mimeType": row.mime_type,
        "size": row.size,
        "uploadedBy": f"A-{row.uploaded_by_user_id}",
        "opens": int(row.opens),
        "createdAt": ms_to_iso(row.created_at),
    }


def video_json(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "fileId": str(row.file_id),
        "posterFileId": None if row.poster_file_id is None else str(row.poster_file_id),
        "durationSeconds": row.duration_s,
        "mimeType": row.mime_type,
        "size": row.size,
        "uploadedBy": f"A-{row.uploaded_by_user_id}",
        "opens": int(row.opens),
        "createdAt": ms_to_iso(row.created_at),
    }
