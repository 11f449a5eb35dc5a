"""The inbox pages and the left pane's fragments (issue 4). The open conversation's panes come
from thread_pane / thread_routes; everything a page changes goes through the public APIs."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontdesk.accounts import service as account_service
from frontdesk.api.deps import DbDep, Principal, SettingsDep, ThreadId
from frontdesk.conversations import inbox_views
from frontdesk.conversations.inbox_queries import CLOSED_COUNT_CAP
from frontdesk.core.db import Database
from frontdesk.core.models import INT64_MAX
from frontdesk.realtime.queries import last_event_id
from frontdesk.web import thread_views
from frontdesk.web.auth import WebUserDep
from frontdesk.web.templating import render
from frontdesk.web.thread_pane import thread_context

router = APIRouter(include_in_schema=False)

ViewName = Annotated[str, Query(max_length=40, pattern=r"^[a-z0-9-]+$")]
InboxFilter = Annotated[int | None, Query(alias="inbox", ge=1, le=INT64_MAX)]
PAGE_SIZE = 50


async def event_cursor(db: Database) -> int:
    """Where the page's live stream starts: read before the page's data, so whatever commits
    after this point reaches the page as an event, even if its first connection drops."""
    async with db.read() as uow:
        return await last_event_id(uow)


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/inbox", status_code=303)


async def _left_pane(
    db: Database, *, principal: Principal, view: str, inbox_id: int | None
) -> dict[str, Any]:
    assert principal.user_id is not None
    async with db.read() as uow:
        me = await account_service.get_user(uow, user_id=principal.user_id)
        inboxes = await account_service.list_inboxes(uow, inbox_ids=principal.inbox_ids)
        counts = await inbox_views.view_counts(
            uow, user_id=me.id, inbox_ids=principal.inbox_ids, inbox_id=inbox_id
        )
        page = await inbox_views.list_view(
            uow,
            view=view,
            user_id=me.id,
            inbox_ids=principal.inbox_ids,
            inbox_id=inbox_id,
            limit=PAGE_SIZE,
        )
    links = view_links(counts, inbox_id=inbox_id)
    return {
        "me": me,
        "principal": principal,
        "inboxes": [inbox for inbox, _teams in inboxes],
        # The top bar's Help desk link (app.html).
        "sees_help_desk": any(i.kind == "HELP_DESK" and not i.archived for i, _t in inboxes),
        "inbox_id": inbox_id,
        "view": view,
        "views": links,
        "view_title": view_title(links, view),
        "page": page,
    }


def _check_view(view: str) -> str:
    inbox_views.parse_view(view)  # 400 for an unknown view
    return view


FIXED_VIEW_LABELS = {
    inbox_views.MINE: "Assigned to me",
    inbox_views.UNASSIGNED: "Unassigned",
    inbox_views.OPEN: "All open",
    inbox_views.CLOSED: "Closed",
}


def _href(view: str, inbox_id: int | None) -> str:
    return f"/inbox?view={view}" + (f"&inbox={inbox_id}" if inbox_id else "")


def view_links(counts: inbox_views.ViewCounts, *, inbox_id: int | None) -> list[dict[str, Any]]:
    """The left column: the fixed views, then one per channel, each with its live count."""
    links = [
        {"key": key, "label": label, "count": getattr(counts, key), "first_channel": False}
        for key, label in FIXED_VIEW_LABELS.items()
    ]
    for index, channel in enumerate(counts.channels):
        key = f"{inbox_views.CHANNEL_PREFIX}{channel.id}"
        links.append(
            {"key": key, "label": channel.name, "count": channel.count, "first_channel": index == 0}
        )
    for link in links:
        link["href"] = _href(link["key"], inbox_id)
        capped = link["key"] == inbox_views.CLOSED and link["count"] > CLOSED_COUNT_CAP
        link["count_label"] = f"{CLOSED_COUNT_CAP}+" if capped else str(link["count"])
    return links


def view_title(links: list[dict[str, Any]], view: str) -> str:
    return next((link["label"] for link in links if link["key"] == view), "Conversations")


@router.get("/inbox")
async def inbox_page(
    request: Request,
    principal: WebUserDep,
    db: DbDep,
    view: ViewName = "open",
    inbox_id: InboxFilter = None,
) -> Response:
    started = time.perf_counter()
    cursor = await event_cursor(db)
    context = await _left_pane(db, principal=principal, view=_check_view(view), inbox_id=inbox_id)
    return render(
        request,
        "inbox.html",
        {**context, "thread": None, "event_cursor": cursor},
        started=started,
    )


@router.get("/inbox/threads/{threadId}")
async def thread_page(
    request: Request,
    principal: WebUserDep,
    db: DbDep,
    settings: SettingsDep,
    thread_id: ThreadId,
    view: ViewName = "open",
    inbox_id: InboxFilter = None,
    message: Annotated[int | None, Query(ge=1, le=INT64_MAX)] = None,
) -> Response:
    started = time.perf_counter()
    cursor = await event_cursor(db)
    thread = await thread_context(
        db,
        principal=principal,
        settings=settings,
        thread_id=thread_id,
        zone=thread_views.viewer_zone(request),
        focus_message_id=message,
    )
    context = await _left_pane(db, principal=principal, view=_check_view(view), inbox_id=inbox_id)
    return render(
        request, "inbox.html", {**context, **thread, "event_cursor": cursor}, started=started
    )


@router.get("/inbox/fragments/list")
async def list_fragment(
    request: Request,
    principal: WebUserDep,
    db: DbDep,
    view: ViewName = "open",
    inbox_id: InboxFilter = None,
    after: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """A page of list rows (the "Load more" button, and a reload after a resync)."""
    assert principal.user_id is not None
    async with db.read() as uow:
        page = await inbox_views.list_view(
            uow,
            view=_check_view(view),
            user_id=principal.user_id,
            inbox_ids=principal.inbox_ids,
            inbox_id=inbox_id,
            after=after,
            limit=PAGE_SIZE,
        )
    return render(request, "_list_page.html", {"page": page, "view": view, "inbox_id": inbox_id})


@router.get("/inbox/fragments/rows")
async def rows_fragment(
    request: Request,
    principal: WebUserDep,
    db: DbDep,
    ids: Annotated[str, Query(max_length=2000, pattern=r"^[0-9]+(,[0-9]+){0,99}$")],
    view: ViewName = "open",
    inbox_id: InboxFilter = None,
) -> Response:
    """Fresh rows for threads that live events touched; a thread missing from the answer has
    left this view (closed, reassigned, no longer visible)."""
    assert principal.user_id is not None
    _check_view(view)
    thread_ids = [int(i) for i in ids.split(",") if int(i) <= INT64_MAX]
    async with db.read() as uow:
        found = await inbox_views.list_rows(
            uow, thread_ids=thread_ids, user_id=principal.user_id, inbox_ids=principal.inbox_ids
        )
    rows = [
        row
        for row in found
        if (inbox_id is None or row.inbox_id == inbox_id)
        and inbox_views.row_in_view(row, view=view, user_id=principal.user_id)
    ]
    return render(
        request,
        "_list_page.html",
        {
            "page": {"rows": rows, "next_after": None},
            "partial": True,
            "view": view,
            "inbox_id": inbox_id,
        },
    )


@router.get("/inbox/fragments/views")
async def views_fragment(
    request: Request,
    principal: WebUserDep,
    db: DbDep,
    view: ViewName = "open",
    inbox_id: InboxFilter = None,
) -> Response:
    """The views with fresh counts (refreshed, debounced, after live events)."""
    assert principal.user_id is not None
    async with db.read() as uow:
        counts = await inbox_views.view_counts(
            uow, user_id=principal.user_id, inbox_ids=principal.inbox_ids, inbox_id=inbox_id
        )
    links = view_links(counts, inbox_id=inbox_id)
    return render(request, "_views.html", {"views": links, "view": view})
