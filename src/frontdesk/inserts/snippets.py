"""Snippets: create, change, delete, list and render (issue 7).

A shared snippet (`owner_id` NULL) is managed by admins and used by everyone; a personal one
is seen and changed by its owner alone (anyone else gets the 404 of a snippet that does not
exist). The body is rich text, sanitised on save, with its plain text derived from it;
`{{contact.firstname}}`-style variables are filled at render time, unknown ones left out.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, Forbidden, NotFound, validation_error
from frontdesk.core.models import now_ms
from frontdesk.inserts.models import Snippet
from frontdesk.messages.sanitize import ALLOWED_TAGS, sanitize_rich_text

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}")
MAX_NAME = 200
MAX_BODY = 20_000
SHARED_SCOPE = 0
# A body is HTML when it has a tag of the allow-list; else it is text (`<you>` stays text).
_TAG_NAMES = "|".join(sorted(ALLOWED_TAGS, key=len, reverse=True))
_MARKUP = re.compile(rf"</?(?:{_TAG_NAMES})\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class Editor:
    """Who lists or changes snippets: their own, and the shared ones if admin."""

    user_id: int
    is_admin: bool


# --- the body --------------------------------------------------------------------------------

_BLOCKS = frozenset({"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})


class _TextOf(HTMLParser):
    """The plain text of sanitised HTML: paragraphs apart, other blocks on their own lines,
    list items dashed, a
    link's address after its text when they differ (a plain-text reader still gets it)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hrefs: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p":
            self._paragraph()
        elif tag in _BLOCKS:
            self._newline()
            if tag == "li":
                self.parts.append("- ")
        if tag == "a":
            self._hrefs.append((dict(attrs).get("href"), len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._paragraph()
        elif tag in _BLOCKS:
            self._newline()
        elif tag == "a" and self._hrefs:
            href, start = self._hrefs.pop()
            label = "".join(self.parts[start:]).strip()
            if href and label != href and not href.startswith("mailto:"):
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def _newline(self) -> None:
        if self.parts and not "".join(self.parts[-2:]).endswith("\n"):
            self.parts.append("\n")

    def _paragraph(self) -> None:
        if self.parts:
            self.parts.append("\n\n")

    def text(self) -> str:
        lines = [line.rstrip() for line in "".join(self.parts).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(body_html: str) -> str:
    """The plain text of (sanitised) HTML."""
    parser = _TextOf()
    parser.feed(body_html)
    parser.close()
    return parser.text()


def clean_body(body: str) -> tuple[str, str]:
    """(html, text) of a body as typed: HTML is sanitised; text without any tag becomes
    paragraphs (at blank lines) and line breaks. 400 when empty or too long."""
    if not isinstance(body, str) or not body.strip():
        raise validation_error("body must not be empty", field_name="body")
    if len(body) > MAX_BODY:
        raise validation_error(f"body must be at most {MAX_BODY} characters", field_name="body")
    if not _MARKUP.search(body):
        paragraphs = re.split(r"\n\s*\n", body.strip().replace("\r\n", "\n"))
        body = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    cleaned = sanitize_rich_text(body) or ""
    text = html_to_text(cleaned)
    if not text.strip():
        raise validation_error("body must contain some text", field_name="body")
    return cleaned, text


def fill(template: str, values: dict[str, str], *, escape: bool) -> str:
    """`template` with each `{{name}}` replaced by its value (HTML-escaped when `escape`);
    a variable without a value is left out."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1).lower(), "")
        return html.escape(found) if escape else found

    return VARIABLE.sub(value, template)


# --- checks ----------------------------------------------------------------------------------


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_NAME:
        raise validation_error(f"name must be 1 to {MAX_NAME} characters", field_name="name")
    return value.strip()


def _shortcut(value: Any) -> str:
    text = value.strip().lstrip("#").lower() if isinstance(value, str) else ""
    if not SHORTCUT.match(text):
        raise validation_error(
            "shortcut must be 1 to 64 letters, digits, - or _ (e.g. greeting)",
            field_name="shortcut",
        )
    return text


async def _check_unique(
    uow: UnitOfWork, *, scope: int, shortcut: str, snippet_id: int | None = None
) -> None:
    query = select(Snippet.id).where(Snippet.owner_scope == scope, Snippet.shortcut == shortcut)
    if snippet_id is not None:
        query = query.where(Snippet.id != snippet_id)
    if await uow.scalar(query) is not None:
        where = "a shared snippet" if scope == SHARED_SCOPE else "one of your snippets"
        raise Conflict(f"#{shortcut} is already the shortcut of {where}", field_name="shortcut")


def _check_may_change(row: Any, editor: Editor) -> None:
    if row.owner_id is None and not editor.is_admin:
        raise Forbidden("Only admins change shared snippets")


# --- use cases -------------------------------------------------------------------------------


async def create_snippet(
    uow: UnitOfWork, *, editor: Editor, name: Any, shortcut: Any, body: Any, shared: bool = False
) -> Any:
    """Create a personal snippet, or a shared one (admins only); returns the row."""
    if shared and not editor.is_admin:
        raise Forbidden("Only admins create shared snippets")
    values = {"name": _name(name), "shortcut": _shortcut(shortcut)}
    body_html, body_text = clean_body(body)
    owner_id = None if shared else editor.user_id
    scope = SHARED_SCOPE if owner_id is None else owner_id
    await _check_unique(uow, scope=scope, shortcut=values["shortcut"])
    now = now_ms()
    snippet_id = await uow.scalar(
        insert(Snippet)
        .values(
            **values,
            body_html=body_html,
            body_text=body_text,
            owner_id=owner_id,
            owner_scope=scope,
            created_at=now,
            updated_at=now,
        )
        .returning(Snippet.id)
    )
    return await get_snippet(uow, snippet_id=snippet_id, user_id=editor.user_id)


async def get_snippet(uow: UnitOfWork, *, snippet_id: int, user_id: int) -> Any:
    """A shared snippet or one of `user_id`'s own; 404 otherwise."""
    row = (
        await uow.execute(
            select(Snippet).where(
                Snippet.id == snippet_id,
                or_(Snippet.owner_id.is_(None), Snippet.owner_id == user_id),
            )
        )
    ).first()
    if row is None:
        raise NotFound("Snippet", snippet_id)
    return row


async def update_snippet(
    uow: UnitOfWork, *, editor: Editor, snippet_id: int, changes: dict[str, Any]
) -> Any:
    """Change a snippet's name, shortcut and/or body; returns the fresh row."""
    row = await get_snippet(uow, snippet_id=snippet_id, user_id=editor.user_id)
    _check_may_change(row, editor)
    values: dict[str, Any] = {}
    for field, value in changes.items():
        if field == "name":
            values["name"] = _name(value)
        elif field == "shortcut":
            values["shortcut"] = _shortcut(value)
        elif field == "body":
            values["body_html"], values["body_text"] = clean_body(value)
        else:
            raise validation_error(f"{field} cannot be changed", field_name=field)
    if "shortcut" in values:
        await _check_unique(
            uow, scope=row.owner_scope, shortcut=values["shortcut"], snippet_id=snippet_id
        )
    if values:
        await uow.execute(
            update(Snippet).where(Snippet.id == snippet_id).values(**values, updated_at=now_ms())
        )
    return await get_snippet(uow, snippet_id=snippet_id, user_id=editor.user_id)


async def delete_snippet(uow: UnitOfWork, *, editor: Editor, snippet_id: int) -> None:
    """Delete a snippet: your own, or a shared one if admin."""
    row = await get_snippet(uow, snippet_id=snippet_id, user_id=editor.user_id)
    _check_may_change(row, editor)
    await uow.execute(delete(Snippet).where(Snippet.id == snippet_id))


def _like(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


async def list_snippets(
    uow: UnitOfWork, *, user_id: int, query: str = "", limit: int = 500
) -> list[Any]:
    """The shared snippets and `user_id`'s own, matching `query` (name, shortcut or text);
    a query starting with `#` matches shortcuts by prefix. Shortcut matches come first."""
    statement = select(Snippet).where(or_(Snippet.owner_id.is_(None), Snippet.owner_id == user_id))
    query = query.strip()
    if query.startswith("#"):
        prefix = query[1:].lower()
        statement = statement.where(Snippet.shortcut.like(_like(prefix)[1:], escape="\\"))
    elif query:
        pattern = _like(query)
        statement = statement.where(
            or_(
                func.lower(Snippet.name).like(pattern, escape="\\"),
                Snippet.shortcut.like(pattern, escape="\\"),
                func.lower(Snippet.body_text).like(pattern, escape="\\"),
            )
        )
    rows = list((await uow.execute(statement.order_by(Snippet.shortcut, Snippet.id))).all())
    if query and not query.startswith("#"):
        needle = query.lower()
        rows.sort(key=lambda r: (not r.shortcut.startswith(needle), needle not in r.name.lower()))
    return list(rows[:limit])
