"""Pieces of the conversation pane our scripts fetch: the open thread with its sidebar, one
message (a new one, or a sent one replacing its optimistic copy), and pages of messages."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from frontdesk.api.deps import DbDep, MessageId, SettingsDep, ThreadId
from frontdesk.core.errors import validation_error
from frontdesk.core.models import INT64_MAX
from frontdesk.web import thread_pane
from frontdesk.web.auth import WebUserDep
from frontdesk.web.templating import render
from frontdesk.web.thread_views import viewer_zone

router = APIRouter(include_in_schema=False)
# A message to scroll to and highlight (a search result); ignored unless it is the thread's.
FocusMessage = Annotated[int | None, Query(ge=1, le=INT64_MAX)]


@router.get("/inbox/fragments/threads/{threadId}")
async def thread_fragment(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    principal: WebUserDep,
    thread_id: ThreadId,
    message: FocusMessage = None,
) -> HTMLResponse:
    """The conversation pane and the sidebar of one thread (`message`: the one to show)."""
    started = time.perf_counter()
    context = await thread_pane.thread_context(
        db,
        principal=principal,
        settings=settings,
        thread_id=thread_id,
        zone=viewer_zone(request),
        focus_message_id=message,
    )
    return render(request, "_thread_fragment.html", context, started=started)


@router.get("/inbox/fragments/messages/{messageId}")
async def message_fragment(
    request: Request, db: DbDep, principal: WebUserDep, message_id: MessageId
) -> HTMLResponse:
    """One message, as the thread shows it."""
    context = await thread_pane.message_context(
        db, principal=principal, message_id=message_id, zone=viewer_zone(request)
    )
    return render(request, "_message.html", context)


@router.get("/inbox/fragments/threads/{threadId}/messages")
async def messages_fragment(
    request: Request,
    db: DbDep,
    principal: WebUserDep,
    thread_id: ThreadId,
    before: Annotated[int | None, Query(ge=1, le=INT64_MAX)] = None,
    after: Annotated[int | None, Query(ge=1, le=INT64_MAX)] = None,
) -> HTMLResponse:
    """Older messages (`before` a message id), or those stored after one (`after`)."""
    if before is not None and after is not None:
        raise validation_error("Send before or after, not both", field_name="after")
    context = await thread_pane.older_messages_context(
        db,
        principal=principal,
        thread_id=thread_id,
        before=before,
        after=after,
        zone=viewer_zone(request),
    )
    return render(request, "_messages.html", context)
