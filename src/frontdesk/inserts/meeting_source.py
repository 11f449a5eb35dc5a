"""The insert menu's meeting links: the caller's own booking link first, then teammates'
(every active user who set one on their profile)."""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import func, or_, select

from frontdesk.accounts.models import User
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound
from frontdesk.inserts import registry
from frontdesk.inserts.registry import Candidate, Insertion, Target


def _name(row: Any) -> str:
    return str(row.name or row.email)


def meeting_insertion(*, name: str, url: str, links: bool) -> Insertion:
    """ "Book a meeting with <name>": a link where links go, else the address after it."""
    label = f"Book a meeting with {name}"
    text = f"{label}: {url}"
    if not links:
        return Insertion(text=text)
    return Insertion(text=text, html=f'<a href="{html.escape(url)}">{html.escape(label)}</a>')


class MeetingSource:
    kind = "meeting"
    label = "Meeting links"

    async def search(
        self, uow: UnitOfWork, *, target: Target, query: str, limit: int
    ) -> list[Candidate]:
        statement = select(User.id, User.name, User.email, User.meeting_link).where(
            User.active.is_(True), User.meeting_link.is_not(None), User.meeting_link != ""
        )
        needle = query.strip().lower()
        if needle:
            statement = statement.where(
                or_(
                    func.lower(User.name).contains(needle, autoescape=True),
                    func.lower(User.email).contains(needle, autoescape=True),
                )
            )
        rows = list((await uow.execute(statement.order_by(User.name, User.id))).all())
        rows.sort(key=lambda r: r.id != target.user_id)  # stable: yours first
        return [
            Candidate(
                kind=self.kind,
                id=str(row.id),
                title=(
                    "Your meeting link"
                    if row.id == target.user_id
                    else f"Meeting with {_name(row)}"
                ),
                detail=row.meeting_link,
            )
            for row in rows[:limit]
        ]

    async def render(self, uow: UnitOfWork, *, target: Target, item_id: str) -> Insertion:
        row = None
        if item_id.isdigit():
            row = (
                await uow.execute(
                    select(User).where(User.id == int(item_id), User.active.is_(True))
                )
            ).first()
        if row is None or not row.meeting_link:
            raise NotFound("Meeting link", item_id)
        return meeting_insertion(name=_name(row), url=row.meeting_link, links=target.allows_links)


source = registry.register(MeetingSource())
