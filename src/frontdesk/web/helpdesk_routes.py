"""The help-desk view `/helpdesk`: the tickets of the help-desk inboxes the user sees, filtered
and sorted on the server (helpdesk/service.py `list_tickets`, keyset pages), live through
helpdesk.js, which fetches the table again as a fragment when a ticket changes. A click opens
the conversation in the inbox, whose sidebar edits the ticket fields."""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from frontdesk.api.deps import DbDep
from frontdesk.core.pagination import encode_cursor
from frontdesk.helpdesk import service as helpdesk_service
from frontdesk.helpdesk.schemas import contact_label, duration_text, response_time_ms
from frontdesk.web.auth import FRAGMENT_HEADER, WebUserDep
from frontdesk.web.forms import frame
from frontdesk.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
Choice = Annotated[str, Query(max_length=100)]
COLUMNS = (
    ("contact", "contact", "Ticket"),
    ("status", "ticketStatus", "Status"),
    ("priority", "priority", "Priority"),
    ("category", "category", "Category"),
    ("owner", "owner", "Owner"),
    ("created", "createdAt", "Created"),
    ("response", "firstResponse", "First response"),
    ("activity", "latestMessageTimestamp", "Last activity"),
)


def _labels(options: Any) -> dict[str, str]:
    return {o.value: o.label for o in options}


def _ticket(row: Any, labels: dict[str, dict[str, str]]) -> dict[str, Any]:
    properties = row.properties or {}

    def label(name: str, kind: str) -> str | None:
        value = properties.get(name)
        return None if value is None else labels[kind].get(str(value), str(value))

    return {
        "id": row.id,
        "contact": contact_label(row),
        "preview": row.last_message_preview or "",
        "inbox_name": row.inbox_name,
        "status": properties.get("ticket_status") or "",
        "status_label": label("ticket_status", "statuses") or "—",
        "priority": properties.get("priority") or "",
        "priority_label": label("priority", "priorities") or "—",
        "category_label": label("category", "categories") or "—",
        "owner": row.owner_name or ("Unassigned" if row.assignee_id is None else "—"),
        "created_at": row.created_at,
        "response": duration_text(response_time_ms(row)),
        "activity_at": row.latest_message_at or row.created_at,
    }


@router.get("/helpdesk")
async def helpdesk_page(
    request: Request,
    principal: WebUserDep,
    db: DbDep,
    status: Choice = "",
    priority: Choice = "",
    category: Choice = "",
    owner: Choice = "",
    sort: Choice = "",
    after: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    """The ticket table; with the fragment header, only the table (for live refreshes)."""
    started = time.perf_counter()
    context = await frame(db, principal)
    filters = {"status": status, "priority": priority, "category": category, "owner": owner}
    sort = sort or helpdesk_service.DEFAULT_SORT
    async with db.read() as uow:
        choices = await helpdesk_service.view_choices(uow, visible_inbox_ids=principal.inbox_ids)
        rows, next_cursor = await helpdesk_service.list_tickets(
            uow,
            visible_inbox_ids=principal.inbox_ids,
            user_id=principal.user_id,
            statuses=[status],
            priorities=[priority],
            categories=[category],
            owners=[owner],
            sort=sort,
            after=after or None,
            limit=PAGE_SIZE,
        )
    labels = {kind: _labels(choices[kind]) for kind in ("statuses", "priorities", "categories")}
    kept = {k: v for k, v in filters.items() if v}
    next_url = None
    if next_cursor is not None:
        query = urlencode({**kept, "sort": sort, "after": encode_cursor(next_cursor)})
        next_url = f"/helpdesk?{query}"
    columns = [
        {
            "key": key,
            "label": label,
            "sort": name,
            "active": sort.removeprefix("-") == name,
            "descending": sort.startswith("-"),
            "url": None
            if name is None
            else "/helpdesk?" + urlencode({**kept, "sort": f"-{name}" if sort == name else name}),
        }
        for key, name, label in COLUMNS
    ]
    data = {
        **context,
        "sees_help_desk": bool(choices["help_desk_ids"]),
        "choices": choices,
        "filters": filters,
        "sort": sort,
        "columns": columns,
        "tickets": [_ticket(row, labels) for row in rows],
        "next_url": next_url,
        "paged": bool(after),
    }
    template = "_helpdesk_table.html" if request.headers.get(FRAGMENT_HEADER) else "helpdesk.html"
    return render(request, template, data, started=started)
