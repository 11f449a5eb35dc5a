"""Bodies of the /frontdesk/v1 inserts and snippets endpoints."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.core.models import ms_to_iso
from frontdesk.inserts.registry import Insertion
from frontdesk.inserts.service import Group


class InsertRender(BaseModel):
    """One item of the menu to render for the thread."""

    kind: str = Field(min_length=1, max_length=50)
    id: str = Field(min_length=1, max_length=200)
    mode: Literal["reply", "comment"] = "reply"


class SnippetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200)
    shortcut: str = Field(max_length=65)
    body: str = Field(description="Rich text (HTML, sanitised) or plain text")
    shared: bool = Field(default=False, description="A shared snippet (admins only)")


class SnippetUpdate(BaseModel):
    """Fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    shortcut: str | None = Field(default=None, max_length=65)
    body: str | None = None


def groups_json(groups: list[Group]) -> dict[str, Any]:
    return {
        "results": [
            {
                "kind": g.kind,
                "label": g.label,
                "results": [
                    {"kind": c.kind, "id": c.id, "title": c.title, "detail": c.detail}
                    for c in g.results
                ],
            }
            for g in groups
        ]
    }


def insertion_json(insertion: Insertion) -> dict[str, Any]:
    return {
        "text": insertion.text,
        "html": insertion.html,
        "fileIds": [str(f) for f in insertion.file_ids],
    }


def snippet_json(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "shortcut": row.shortcut,
        "body": row.body_html,
        "text": row.body_text,
        "shared": row.owner_id is None,
        "ownerId": None if row.owner_id is None else str(row.owner_id),
        "createdAt": ms_to_iso(row.created_at),
        "updatedAt": ms_to_iso(row.updated_at),
    }
