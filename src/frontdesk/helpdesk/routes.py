"""`GET /frontdesk/v1/helpdesk/tickets`: the help-desk view's list for API clients."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from frontdesk.api.deps import DbDep, Principal, require_scopes
from frontdesk.api.responses import JsonResponse
from frontdesk.core.pagination import page_body
from frontdesk.helpdesk import service as helpdesk_service
from frontdesk.helpdesk.schemas import TicketCollection, ticket_json

router = APIRouter()

Reader = Annotated[Principal, Depends(require_scopes("conversations.read"))]
Values = Annotated[list[str] | None, Query()]


@router.get("/frontdesk/v1/helpdesk/tickets", response_model=TicketCollection)
async def list_tickets(
    request: Request,
    db: DbDep,
    principal: Reader,
    status: Values = None,
    priority: Values = None,
    category: Values = None,
    owner: Annotated[
        list[str] | None, Query(description="A user id, `me` or `unassigned` (repeatable).")
    ] = None,
    sort: Annotated[
        str | None,
        Query(
            description="createdAt, latestMessageTimestamp (default, descending), ticketStatus, "
            "priority, category, owner, contact or firstResponse; `-` in front for descending."
        ),
    ] = None,
    after: Annotated[str | None, Query(description="The cursor of the next page.")] = None,
    limit: Annotated[int | None, Query(description="Page size (default 100, at most 500).")] = None,
) -> JsonResponse:
    """Tickets of the help-desk inboxes the caller sees, filtered (each filter repeatable:
    any of its values) and sorted, cursor paged."""
    async with db.read() as uow:
        rows, next_cursor = await helpdesk_service.list_tickets(
            uow,
            visible_inbox_ids=principal.inbox_ids,
            user_id=principal.user_id,
            statuses=status or (),
            priorities=priority or (),
            categories=category or (),
            owners=owner or (),
            sort=sort,
            after=after,
            limit=limit,
        )
    query = {k: request.query_params.getlist(k) for k in request.query_params}
    body = page_body(
        [ticket_json(row) for row in rows],
        next_cursor=next_cursor,
        base_url=str(request.url.replace(query="")),
        query=query,
    )
    return JsonResponse(body)
