"""The insert menu's snippets: the caller's own and the shared ones, variables filled for the
thread (values HTML-escaped in the html form)."""

from __future__ import annotations

from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound
from frontdesk.inserts import registry, snippets
from frontdesk.inserts.registry import Candidate, Insertion, Target
from frontdesk.inserts.variables import values_for


class SnippetSource:
    kind = "snippet"
    label = "Snippets"

    async def search(
        self, uow: UnitOfWork, *, target: Target, query: str, limit: int
    ) -> list[Candidate]:
        rows = await snippets.list_snippets(uow, user_id=target.user_id, query=query, limit=limit)
        return [
            Candidate(
                kind=self.kind,
                id=str(row.id),
                title=row.name,
                detail=f"#{row.shortcut}" + ("" if row.owner_id is None else " · personal"),
            )
            for row in rows
        ]

    async def render(self, uow: UnitOfWork, *, target: Target, item_id: str) -> Insertion:
        if not item_id.isdigit():
            raise NotFound("Snippet", item_id)
        row = await snippets.get_snippet(uow, snippet_id=int(item_id), user_id=target.user_id)
        values = await values_for(uow, target=target)
        text = snippets.fill(row.body_text, values, escape=False)
        if not target.allows_formatting:
            return Insertion(text=text)
        return Insertion(text=text, html=snippets.fill(row.body_html, values, escape=True))


source = registry.register(SnippetSource())
