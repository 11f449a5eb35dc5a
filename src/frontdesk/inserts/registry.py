"""The insert menu's sources: snippets, knowledge-base articles, documents, meeting links and
videos each register one, and the menu (search as you type, then render the chosen item for
the thread's channel) knows nothing else about them.

A source renders for a `Target`: the channel's capabilities decide whether the insertion may
carry formatting and links (`html`), or files (`file_ids`); the plain `text` is always there
and is what a plain-text channel gets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from frontdesk.channels.capabilities import Capabilities
from frontdesk.core.db import UnitOfWork


@dataclass(frozen=True)
class Target:
    """Where the insertion goes: who is writing, on which thread, over what channel."""

    user_id: int
    thread_id: int
    contact_id: int | None
    capabilities: Capabilities
    mode: str  # "reply" or "comment": a comment is Frontdesk's own rich text, files allowed
    base_url: str  # absolute origin for links the contact opens (tracked links, /kb pages)

    @property
    def allows_formatting(self) -> bool:
        """Whether the editor is rich: any formatting at all (which tags survive is the
        composer's and the send path's business)."""
        return self.mode == "comment" or bool(self.capabilities.richText)

    @property
    def allows_links(self) -> bool:
        return self.mode == "comment" or "HYPERLINK" in self.capabilities.richText

    @property
    def allows_files(self) -> bool:
        if self.mode == "comment":
            return True
        return "FILE" in self.capabilities.outgoingAttachmentTypes and (
            self.capabilities.maxFileAttachmentCount > 0
        )


@dataclass(frozen=True)
class Candidate:
    """One line of the menu."""

    kind: str
    id: str
    title: str
    detail: str = ""  # a second line: shortcut, category, size and duration ...


@dataclass(frozen=True)
class Insertion:
    """What the composer puts in: `text` always; `html` only where the target allows
    formatting (sanitised by the send path like anything typed); files by id, only where the
    target allows files."""

    text: str
    html: str | None = None
    file_ids: list[int] = field(default_factory=list)


class Source(Protocol):
    kind: str  # "snippet", "article", "document", "meeting", "video"
    label: str  # the menu's tab: "Snippets", "Knowledge base" ...

    async def search(
        self, uow: UnitOfWork, *, target: Target, query: str, limit: int
    ) -> list[Candidate]: ...

    async def render(self, uow: UnitOfWork, *, target: Target, item_id: str) -> Insertion:
        """The insertion of one item; `not_found` (404) when it is gone or not the caller's."""
        ...


_SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    if source.kind in _SOURCES:
        raise ValueError(f"insert source {source.kind!r} registered twice")
    _SOURCES[source.kind] = source
    return source


def unregister(kind: str) -> None:
    """Take a source out of the menu (a test's own source, once the test is done)."""
    _SOURCES.pop(kind, None)


def sources() -> list[Source]:
    return list(_SOURCES.values())


def source(kind: str) -> Source | None:
    return _SOURCES.get(kind)
