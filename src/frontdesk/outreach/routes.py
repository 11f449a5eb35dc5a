"""Frontdesk's own API for switching channel in a thread: an email reply and a call log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from frontdesk.api.deps import DbDep, Principal, SettingsDep, ThreadId, require_scopes
from frontdesk.api.responses import JsonResponse, created
from frontdesk.config import Settings
from frontdesk.files.signing import file_url_factory
from frontdesk.messages.schemas import message_json
from frontdesk.messages.send_schemas import Caller
from frontdesk.outreach import service as outreach_service
from frontdesk.outreach.schemas import CallEgg, EmailEgg

router = APIRouter(prefix="/frontdesk/v1")

WriterDep = Annotated[Principal, Depends(require_scopes("conversations.write"))]


def _caller(principal: Principal) -> Caller:
    return Caller(inbox_ids=principal.inbox_ids, user_id=principal.user_id, app_id=principal.app_id)


def _created(row: Any, settings: Settings, request: Request) -> JsonResponse:
    body = message_json(
        row,
        file_url=file_url_factory(settings, str(request.base_url)),
        truncate_at=settings.message_truncate_chars,
    )
    location = (
        f"{request.base_url}conversations/v3/conversations/threads/{row.thread_id}"
        f"/messages/{row.id}"
    )
    return created(body, location)


@router.post("/threads/{threadId}/emails", status_code=201, summary="Reply by email")
async def send_email(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    principal: WriterDep,
    thread_id: ThreadId,
    egg: Annotated[EmailEgg, Body()],
) -> JsonResponse:
    """Email the thread's contact (one of their addresses); stored in the thread as a MESSAGE
    with channelId 1002, PENDING until the SMTP server accepts it. 409 without SMTP."""
    async with db.transaction() as uow:
        row = await outreach_service.send_email(
            uow,
            thread_id=thread_id,
            egg=egg,
            caller=_caller(principal),
            smtp_configured=bool(settings.smtp_host),
        )
    return _created(row, settings, request)


@router.post("/threads/{threadId}/calls", status_code=201, summary="Log a call")
async def log_call(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    principal: WriterDep,
    thread_id: ThreadId,
    egg: Annotated[CallEgg, Body()],
) -> JsonResponse:
    """Log a call with the thread's contact: a CALL message with its outcome, duration in
    seconds and notes."""
    async with db.transaction() as uow:
        row = await outreach_service.log_call(
            uow, thread_id=thread_id, egg=egg, caller=_caller(principal)
        )
    return _created(row, settings, request)
