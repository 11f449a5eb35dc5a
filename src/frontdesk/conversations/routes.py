"""Conversations API: inboxes, threads and the assignee (reference 7.1, 7.4).

Mounted under every path alias of reference 1.3/1.4 by api/router.py, so the assignee
endpoints answer both at `/conversations/conversations/v3/threads/{id}/assignee` (HubSpot's
spec) and `/conversations/v3/conversations/threads/{id}/assignee`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field
from starlette.responses import Response

from frontdesk.api.deps import DbDep, Principal, ThreadId, require_scopes
from frontdesk.api.responses import JsonResponse, no_content
from frontdesk.conversations import service as conversation_service
from frontdesk.conversations.queries import Page
from frontdesk.conversations.schemas import (
    AssigneeUpdate,
    InboxCollection,
    PublicInbox,
    PublicThread,
    ThreadCollection,
    ThreadStatus,
    ThreadUpdate,
    inbox_json,
    thread_json,
)
from frontdesk.core.models import INT64_MAX
from frontdesk.core.pagination import page_body

router = APIRouter()

Reader = Annotated[Principal, Depends(require_scopes("conversations.read"))]
Writer = Annotated[Principal, Depends(require_scopes("conversations.write"))]
InboxId = Annotated[int, Path(alias="inboxId", ge=1, le=INT64_MAX)]
PositiveInt64 = Annotated[int, Field(ge=1, le=INT64_MAX)]
Archived = Annotated[
    bool, Query(description="Only archived objects (true) or only live ones (false).")
]
After = Annotated[str | None, Query(description="The cursor of the next page.")]
Limit = Annotated[int | None, Query(description="Page size (default 100, at most 500).")]
Sort = Annotated[list[str] | None, Query()]
Association = Annotated[list[Literal["TICKET"]] | None, Query()]
Property = Annotated[
    str | None, Query(alias="property", description="Accepted for compatibility; ignored.")
]


def _acting(principal: Principal) -> conversation_service.Acting:
    return conversation_service.Acting(actor_id=principal.actor_id, inbox_ids=principal.inbox_ids)


def _page(request: Request, page: Page, results: list[dict[str, Any]]) -> JsonResponse:
    query = {k: request.query_params.getlist(k) for k in request.query_params}
    body = page_body(
        results,
        next_cursor=page.next_cursor,
        total=page.total,
        base_url=str(request.url.replace(query="")),
        query=query,
    )
    return JsonResponse(body)


@router.get("/inboxes", response_model=InboxCollection)
async def list_inboxes(
    request: Request,
    db: DbDep,
    principal: Reader,
    archived: Archived = False,
    sort: Sort = None,
    after: After = None,
    limit: Limit = None,
    default_page_length: Annotated[int | None, Query(alias="defaultPageLength")] = None,
) -> JsonResponse:
    """List the inboxes the caller sees (`sort`: id, -id, name, -name)."""
    async with db.read() as uow:
        page = await conversation_service.list_inboxes(
            uow,
            inbox_ids=principal.inbox_ids,
            archived=archived,
            sort=sort,
            after=after,
            limit=limit,
            default_page_length=default_page_length,
        )
    return _page(request, page, [inbox_json(row) for row in page.rows])


@router.get("/inboxes/{inboxId}", response_model=PublicInbox)
async def get_inbox(
    inbox_id: InboxId, db: DbDep, principal: Reader, archived: Archived = False
) -> JsonResponse:
    """Get one inbox."""
    async with db.read() as uow:
        row = await conversation_service.get_inbox(
            uow, inbox_id=inbox_id, inbox_ids=principal.inbox_ids, archived=archived
        )
    return JsonResponse(inbox_json(row))


@router.get("/threads", response_model=ThreadCollection)
async def list_threads(
    request: Request,
    db: DbDep,
    principal: Reader,
    inbox_ids: Annotated[list[PositiveInt64] | None, Query(alias="inboxId")] = None,
    contact_id: Annotated[PositiveInt64 | None, Query(alias="associatedContactId")] = None,
    thread_status: Annotated[ThreadStatus | None, Query(alias="threadStatus")] = None,
    ticket_id: Annotated[PositiveInt64 | None, Query(alias="associatedTicketId")] = None,
    archived: Archived = False,
    association: Association = None,
    sort: Sort = None,
    latest_after: Annotated[datetime | None, Query(alias="latestMessageTimestampAfter")] = None,
    after: After = None,
    limit: Limit = None,
    property_: Property = None,
) -> JsonResponse:
    """List threads: by inbox, by contact (with `threadStatus`), sorted by `id` or by
    `latestMessageTimestamp` (with `latestMessageTimestampAfter`); descending only by
    contact. `inboxId` and `associatedContactId` may be combined."""
    async with db.read() as uow:
        page = await conversation_service.list_threads(
            uow,
            visible_inbox_ids=principal.inbox_ids,
            inbox_ids=inbox_ids or (),
            contact_id=contact_id,
            thread_status=thread_status,
            ticket_id=ticket_id,
            archived=archived,
            sort=sort,
            latest_after=latest_after,
            after=after,
            limit=limit,
        )
    return _page(request, page, [thread_json(row) for row in page.rows])


@router.get("/threads/{threadId}", response_model=PublicThread)
async def get_thread(
    thread_id: ThreadId,
    db: DbDep,
    principal: Reader,
    archived: Archived = False,
    association: Association = None,
    property_: Property = None,
) -> JsonResponse:
    """Get one thread."""
    async with db.read() as uow:
        row = await conversation_service.get_thread(
            uow, thread_id=thread_id, inbox_ids=principal.inbox_ids, archived=archived
        )
    return JsonResponse(thread_json(row))


@router.patch("/threads/{threadId}", response_model=PublicThread)
async def update_thread(
    thread_id: ThreadId,
    body: ThreadUpdate,
    db: DbDep,
    principal: Writer,
    archived: Annotated[
        bool, Query(description="true to find an archived thread (to restore it).")
    ] = False,
) -> JsonResponse:
    """Change a thread's status (`{"status": ...}`) and/or properties (`{"properties":
    {...}}`), or restore it (`?archived=true` with `{"archived": false}`)."""
    async with db.transaction() as uow:
        row = await conversation_service.update_thread(
            uow,
            thread_id=thread_id,
            status=body.status,
            archived=body.archived,
            find_archived=archived,
            by=_acting(principal),
            properties=body.properties,
        )
    return JsonResponse(thread_json(row))


@router.delete("/threads/{threadId}", status_code=204, response_class=Response)
async def archive_thread(thread_id: ThreadId, db: DbDep, principal: Writer) -> Response:
    """Archive a thread (soft delete)."""
    async with db.transaction() as uow:
        await conversation_service.archive_thread(uow, thread_id=thread_id, by=_acting(principal))
    return no_content()


@router.put("/threads/{threadId}/assignee", response_model=PublicThread)
async def assign_thread(
    thread_id: ThreadId, body: AssigneeUpdate, db: DbDep, principal: Writer
) -> JsonResponse:
    """Assign a thread to an agent (`A-<userId>`) who can see its inbox."""
    async with db.transaction() as uow:
        row = await conversation_service.assign_thread(
            uow, thread_id=thread_id, assignee=body.actorId, by=_acting(principal)
        )
    return JsonResponse(thread_json(row))


@router.delete("/threads/{threadId}/assignee", status_code=204, response_class=Response)
async def unassign_thread(thread_id: ThreadId, db: DbDep, principal: Writer) -> Response:
    """Leave a thread without an assignee."""
    async with db.transaction() as uow:
        await conversation_service.unassign_thread(uow, thread_id=thread_id, by=_acting(principal))
    return no_content()
