"""/frontdesk/v1: the agents' inbox views (counts, list pages) and marking a thread read."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from frontdesk.api.deps import DbDep, ThreadId, UserDep
from frontdesk.api.responses import JsonResponse
from frontdesk.conversations import inbox_views
from frontdesk.conversations.inbox_views import InboxPage, InboxRow, ReadState, ViewCounts
from frontdesk.core.models import INT64_MAX, ms_to_iso

router = APIRouter(prefix="/frontdesk/v1")

InboxIdQuery = Annotated[
    int | None,
    Query(alias="inboxId", ge=1, le=INT64_MAX, description="Only this inbox (default: all)."),
]


class ReadMark(BaseModel):
    """Body of POST /threads/{threadId}/read (optional)."""

    model_config = ConfigDict(extra="forbid")

    messageId: int | None = Field(
        default=None,
        ge=1,
        le=INT64_MAX,
        description="Read up to this message of the thread (default: its last message).",
    )


@router.get("/inbox/views")
async def get_views(principal: UserDep, db: DbDep, inbox_id: InboxIdQuery = None) -> JsonResponse:
    """Every inbox view's count (`mine`, `unassigned`, `open`, `closed`, `channel-<id>`) and
    the channel views to show."""
    assert principal.user_id is not None
    async with db.read() as uow:
        counts = await inbox_views.view_counts(
            uow, user_id=principal.user_id, inbox_ids=principal.inbox_ids, inbox_id=inbox_id
        )
    return JsonResponse(counts_json(counts))


@router.get("/inbox/views/{view}/threads")
async def list_view_threads(
    request: Request,
    principal: UserDep,
    db: DbDep,
    view: Annotated[
        str,
        Path(max_length=40, description="mine, unassigned, open, closed, or channel-<channelId>"),
    ],
    inbox_id: InboxIdQuery = None,
    after: Annotated[
        str | None, Query(max_length=200, description="The next page's cursor.")
    ] = None,
    limit: Annotated[int, Query(description="Page size (1-200).")] = inbox_views.DEFAULT_LIMIT,
) -> JsonResponse:
    """One page of a view's threads, newest activity first."""
    assert principal.user_id is not None
    async with db.read() as uow:
        page = await inbox_views.list_view(
            uow,
            view=view,
            user_id=principal.user_id,
            inbox_ids=principal.inbox_ids,
            inbox_id=inbox_id,
            after=after,
            limit=limit,
        )
    return JsonResponse(page_json(request, page))


@router.post("/threads/{threadId}/read")
async def mark_thread_read(
    thread_id: ThreadId, principal: UserDep, db: DbDep, body: ReadMark | None = None
) -> JsonResponse:
    """Mark a thread read for the caller, up to `messageId` or its last message (a read mark
    never moves backwards)."""
    assert principal.user_id is not None
    async with db.transaction() as uow:
        state = await inbox_views.mark_thread_read(
            uow,
            user_id=principal.user_id,
            inbox_ids=principal.inbox_ids,
            thread_id=thread_id,
            message_id=body.messageId if body is not None else None,
        )
    return JsonResponse(read_state_json(state))


# --- JSON ----------------------------------------------------------------------------------


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def counts_json(counts: ViewCounts) -> dict[str, Any]:
    """`counts` by view name (channel views included) and the channel views in order."""
    by_view: dict[str, int] = {
        "mine": counts.mine,
        "unassigned": counts.unassigned,
        "open": counts.open,
        "closed": counts.closed,
    }
    by_view.update({channel.view: channel.count for channel in counts.channels})
    channels = [
        {"id": str(c.id), "name": c.name, "view": c.view, "count": c.count} for c in counts.channels
    ]
    return {"counts": by_view, "channels": channels}


def row_json(row: InboxRow) -> dict[str, Any]:
    """One conversation-list row."""
    return {
        "threadId": str(row.thread_id),
        "inboxId": str(row.inbox_id),
        "status": row.status,
        "contactId": str(row.contact_id),
        "contactName": row.contact_name,
        "channelId": str(row.channel_id),
        "channelName": row.channel_name,
        "channelAccountId": str(row.channel_account_id),
        "channelAccountName": row.channel_account_name,
        "lastMessageId": _id(row.last_message_id),
        "lastMessagePreview": row.last_message_preview,
        "latestMessageTimestamp": ms_to_iso(row.latest_message_at),
        "unread": row.unread,
        "assigneeId": _id(row.assignee_id),
        "assigneeName": row.assignee_name,
        "assigneeAvatarUrl": row.assignee_avatar_url,
    }


def page_json(request: Request, page: InboxPage) -> dict[str, Any]:
    """HubSpot's collection shape: `results` and, when more follow, `paging.next`."""
    body: dict[str, Any] = {"results": [row_json(row) for row in page.rows]}
    if page.next_after is not None:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
        query.append(("after", page.next_after))
        link = f"{request.url.replace(query='')}?{urlencode(query)}"
        body["paging"] = {"next": {"after": page.next_after, "link": link}}
    return body


def read_state_json(state: ReadState) -> dict[str, Any]:
    return {
        "threadId": str(state.thread_id),
        "lastReadMessageId": _id(state.last_read_message_id),
        "unread": state.unread,
    }
