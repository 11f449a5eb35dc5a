"""Conversations API routes for a thread's messages and for actors (reference 7.5, 7.6).

An app token sees every inbox; a user's personal token only the inboxes of the user's teams.
A thread the caller cannot see answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import BaseModel

from frontdesk.api.deps import (
    DbDep,
    MessageId,
    Principal,
    SettingsDep,
    ThreadId,
    require_scopes,
)
from frontdesk.api.responses import JsonResponse, created
from frontdesk.config import Settings
from frontdesk.core.models import ms_to_iso, now_ms
from frontdesk.core.pagination import page_body
from frontdesk.files.signing import file_url_factory
from frontdesk.messages import actors as actor_service
from frontdesk.messages import history, send_schemas
from frontdesk.messages import sending as sending_service
from frontdesk.messages.schemas import FileUrl, message_json

thread_router = APIRouter()

ReaderDep = Annotated[Principal, Depends(require_scopes("conversations.read"))]
WriterDep = Annotated[Principal, Depends(require_scopes("conversations.write"))]
Archived = Annotated[
    bool, Query(description="Find the thread among archived threads (true) or live ones")
]


def _file_url(settings: Settings, request: Request) -> FileUrl:
    return file_url_factory(settings, str(request.base_url))


def _render(row: Any, settings: Settings, request: Request) -> dict[str, Any]:
    return message_json(
        row,
        file_url=_file_url(settings, request),
        truncate_at=settings.message_truncate_chars,
    )


@thread_router.get("/threads/{threadId}/messages", summary="List a thread's messages")
async def list_messages(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    thread_id: ThreadId,
    after: Annotated[str | None, Query(description="Paging cursor")] = None,
    limit: Annotated[int | None, Query(description="Page size (default 100, max 500)")] = None,
    sort: Annotated[
        list[str] | None, Query(description="createdAt (oldest first) or -createdAt (default)")
    ] = None,
    archived: Archived = False,
) -> JsonResponse:
    """A thread's history, newest first unless `sort=createdAt`; cursor paging, no total."""
    async with db.read() as uow:
        page = await history.list_thread_messages(
            uow,
            thread_id=thread_id,
            inbox_ids=principal.inbox_ids,
            archived=archived,
            after=after,
            limit=limit,
            sort=sort,
        )
    file_url = _file_url(settings, request)
    results = [
        message_json(row, file_url=file_url, truncate_at=settings.message_truncate_chars)
        for row in page.rows
    ]
    query = {key: request.query_params.getlist(key) for key in request.query_params}
    base_url = str(request.url.replace(query=""))
    return JsonResponse(
        page_body(results, next_cursor=page.next_cursor, base_url=base_url, query=query)
    )


@thread_router.get("/threads/{threadId}/messages/{messageId}", summary="Get a message")
async def get_message(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    thread_id: ThreadId,
    message_id: MessageId,
    archived: Archived = False,
) -> JsonResponse:
    """One message of a thread, of any type (MESSAGE, COMMENT, ASSIGNMENT, ...)."""
    async with db.read() as uow:
        row = await history.get_thread_message(
            uow,
            thread_id=thread_id,
            message_id=message_id,
            inbox_ids=principal.inbox_ids,
            archived=archived,
        )
    return JsonResponse(_render(row, settings, request))


@thread_router.get(
    "/threads/{threadId}/messages/{messageId}/original-content",
    summary="Get a message's full content",
)
async def get_original_content(
    db: DbDep,
    principal: ReaderDep,
    thread_id: ThreadId,
    message_id: MessageId,
    archived: Archived = False,
) -> JsonResponse:
    """The untruncated `text` and `richText` of a message."""
    async with db.read() as uow:
        row = await history.get_thread_message(
            uow,
            thread_id=thread_id,
            message_id=message_id,
            inbox_ids=principal.inbox_ids,
            archived=archived,
        )
    return JsonResponse(history.original_content_json(row))


@thread_router.post(
    "/threads/{threadId}/messages", status_code=201, summary="Send a message or comment"
)
async def send_message(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    principal: WriterDep,
    thread_id: ThreadId,
    egg: Annotated[send_schemas.SendEgg, Body()],
) -> JsonResponse:
    """Reply over the thread's channel (MESSAGE, delivered to the channel) or add an internal
    note (COMMENT). A reply is checked against the channel's capabilities."""
    caller = send_schemas.Caller(
        inbox_ids=principal.inbox_ids, user_id=principal.user_id, app_id=principal.app_id
    )
    async with db.transaction() as uow:
        row = await sending_service.send_to_thread(
            uow,
            thread_id=thread_id,
            egg=egg,
            caller=caller,
            max_attachments=settings.max_message_attachments,
        )
    location = f"{request.url.replace(query='')}/{row.id}"
    return created(_render(row, settings, request), location)


@thread_router.get("/actors/{actorId}", summary="Get an actor")
async def get_actor(
    db: DbDep,
    _principal: ReaderDep,
    actor_id: Annotated[str, Path(alias="actorId", description="e.g. A-123, V-456, I-7")],
) -> JsonResponse:
    """Who an actor id stands for: an agent, a visitor (contact), an app or the system."""
    async with db.read() as uow:
        actor = await actor_service.get_actor(uow, actor_id=actor_id)
    return JsonResponse(actor)


class ActorBatchRead(BaseModel):
    inputs: list[str]


@thread_router.post("/actors/batch/read", summary="Get several actors")
async def read_actors(
    db: DbDep, _principal: ReaderDep, batch: Annotated[ActorBatchRead, Body()]
) -> JsonResponse:
    """Resolve many actor ids: 200 when all resolve, 207 with `errors` when some do not."""
    started = ms_to_iso(now_ms())
    async with db.read() as uow:
        results, errors = await actor_service.read_actors(uow, actor_ids=batch.inputs)
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "requestedAt": started,
        "startedAt": started,
        "completedAt": ms_to_iso(now_ms()),
        "links": {},
    }
    if not errors:
        return JsonResponse(body)
    return JsonResponse(body | {"errors": errors, "numErrors": len(errors)}, status_code=207)
