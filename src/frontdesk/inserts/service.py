"""The insert menu over its sources: the target of a thread, searching every source (or one
kind), rendering one item. Nothing here knows a kind: the sources say what they are."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from frontdesk.channels.capabilities import effective_capabilities
from frontdesk.channels.models import Channel
from frontdesk.conversations.access import get_visible_thread
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound, validation_error
from frontdesk.inserts import registry
from frontdesk.inserts.registry import Candidate, Insertion, Source, Target

MODES = ("reply", "comment")
# The menu's tabs in this order (sources register in import order, which is no order at all);
# a kind not listed comes after these.
TAB_ORDER = ("snippet", "article", "document", "video", "meeting")
MAX_QUERY = 200


@dataclass(frozen=True)
class Group:
    """One tab of the menu: a source's kind and label, and what matched in it."""

    kind: str
    label: str
    results: list[Candidate]


async def build_target(
    uow: UnitOfWork,
    *,
    thread_id: int,
    user_id: int,
    inbox_ids: frozenset[int] | None,
    mode: str,
    base_url: str,
) -> Target:
    """Where an insertion goes; 404 for a thread the caller cannot see."""
    if mode not in MODES:
        raise validation_error("mode must be reply or comment", field_name="mode")
    thread = await get_visible_thread(uow, thread_id=thread_id, inbox_ids=inbox_ids, archived=None)
    stored = await uow.scalar(select(Channel.capabilities).where(Channel.id == thread.channel_id))
    return Target(
        user_id=user_id,
        thread_id=thread.id,
        contact_id=thread.contact_id,
        capabilities=effective_capabilities(stored or {}),
        mode=mode,
        base_url=base_url.rstrip("/"),
    )


def _source(kind: str) -> Source:
    found = registry.source(kind)
    if found is None:
        raise NotFound("Insert kind", kind, field_name="kind")
    return found


def _tab_position(source: Source) -> int:
    return TAB_ORDER.index(source.kind) if source.kind in TAB_ORDER else len(TAB_ORDER)


async def search(
    uow: UnitOfWork, *, target: Target, kind: str | None, query: str, limit: int
) -> list[Group]:
    """The candidates of every source (or of `kind` alone), grouped by source."""
    if len(query) > MAX_QUERY:
        raise validation_error(f"q must be at most {MAX_QUERY} characters", field_name="q")
    chosen = [_source(kind)] if kind else sorted(registry.sources(), key=_tab_position)
    return [
        Group(
            kind=s.kind,
            label=s.label,
            results=await s.search(uow, target=target, query=query, limit=limit),
        )
        for s in chosen
    ]


async def render(uow: UnitOfWork, *, target: Target, kind: str, item_id: str) -> Insertion:
    """One item as the target takes it: html only where it takes formatting, files only where
    it takes files (whatever a source returned)."""
    insertion = await _source(kind).render(uow, target=target, item_id=item_id)
    return Insertion(
        text=insertion.text,
        html=insertion.html if target.allows_formatting else None,
        file_ids=list(insertion.file_ids) if target.allows_files else [],
    )
