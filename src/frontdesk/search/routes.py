"""/frontdesk/v1/search: threads by words and filters (issue 6)."""

from __future__ import annotations

from typing import Annotated, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request

from frontdesk.api.deps import DbDep, UserDep
from frontdesk.api.responses import JsonResponse
from frontdesk.core.models import INT64_MAX
from frontdesk.search import indexer, schemas
from frontdesk.search import service as search_service
from frontdesk.search.service import SearchFilters

router = APIRouter(prefix="/frontdesk/v1/search")


@router.get("/threads")
async def search_threads(
    request: Request,
    principal: UserDep,
    db: DbDep,
    q: Annotated[str, Query(description='Words, "phrases"; the last word is a prefix.')] = "",
    channel_id: Annotated[int | None, Query(alias="channelId", ge=1, le=INT64_MAX)] = None,
    channel_account_id: Annotated[
        int | None, Query(alias="channelAccountId", ge=1, le=INT64_MAX)
    ] = None,
    inbox_id: Annotated[int | None, Query(alias="inboxId", ge=1, le=INT64_MAX)] = None,
    status: Annotated[str | None, Query(description="OPEN or CLOSED")] = None,
    assignee_id: Annotated[
        str | None, Query(alias="assigneeId", description="A user id or `unassigned`")
    ] = None,
    since: Annotated[str | None, Query(max_length=40, description="ISO date or time")] = None,
    until: Annotated[str | None, Query(max_length=40, description="ISO date or time")] = None,
    has_attachments: Annotated[bool | None, Query(alias="hasAttachments")] = None,
    after: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(description="Page size (1-100).")] = 20,
) -> JsonResponse:
    """Conversations whose messages, contact or identifiers match `q`, with the filters;
    newest matching activity first, one result per conversation with a highlighted snippet."""
    filters = SearchFilters(
        channel_id=channel_id,
        channel_account_id=channel_account_id,
        inbox_id=inbox_id,
        status=cast("search_service.StatusFilter", schemas.parse_status(status)),
        assignee=cast("search_service.AssigneeFilter", schemas.parse_assignee(assignee_id)),
        since_ms=schemas.parse_moment(since, field_name="since"),
        until_ms=schemas.parse_moment(until, field_name="until", end=True),
        has_attachments=has_attachments,
    )
    await indexer.catch_up(db)  # what was published a moment ago is found too
    async with db.read() as uow:
        page = await search_service.search_threads(
            uow,
            principal_inbox_ids=principal.inbox_ids,
            query=q,
            filters=filters,
            after=after,
            limit=limit,
        )
    link = None
    if page.next_after is not None:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
        query.append(("after", page.next_after))
        link = f"{request.url.replace(query='')}?{urlencode(query)}"
    return JsonResponse(schemas.page_json(page, link=link))
