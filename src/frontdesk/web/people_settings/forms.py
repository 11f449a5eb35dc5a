"""What the people settings pages share: the Post/Redirect/Get notice after a successful
change, and the page inside the app frame that shows it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from frontdesk.api.deps import Principal
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.errors import AppError
from frontdesk.web.forms import frame
from frontdesk.web.templating import render

# `?saved=<key>` after a redirect shows one of these; unknown keys show nothing, so a link
# cannot put arbitrary text on an admin's page.
NOTICES = {
    "user-created": "User created.",
    "user-saved": "User saved.",
    "user-deactivated": (
        "User deactivated: their sessions and personal tokens ended and their open "
        "conversations were unassigned."
    ),
    "user-reactivated": "User reactivated: they can sign in again with their password.",
    "team-created": "Team created.",
    "team-renamed": "Team renamed.",
    "member-added": "Member added.",
    "member-removed": "Member removed.",
    "inbox-created": "Inbox created.",
    "inbox-saved": "Inbox saved.",
    "property-created": "Property created.",
    "property-saved": "Property saved.",
    "property-archived": "Property archived: it keeps its values on past conversations.",
    "snippet-created": "Snippet created.",
    "snippet-saved": "Snippet saved.",
    "snippet-deleted": "Snippet deleted.",
    "profile-saved": "Profile saved.",
    "article-created": "Article created as a draft.",
    "article-saved": "Article saved.",
    "article-published": "Article published: it is on the public knowledge base.",
    "article-unpublished": "Article unpublished: it is a draft again.",
    "article-deleted": "Article deleted.",
    "document-added": "Document added.",
    "document-renamed": "Document renamed.",
    "document-deleted": "Document deleted.",
    "video-added": "Video added.",
    "video-saved": "Video saved.",
    "video-deleted": "Video deleted.",
}


async def apply_change(
    db: Database,
    change: Callable[[UnitOfWork], Awaitable[Any]],
    *,
    refused: Callable[[AppError], Awaitable[Response]],
    path: str | Callable[[Any], str],
    notice: str,
) -> Response:
    """Run one change in a transaction: Post/Redirect/Get to `path` (or to `path` of the
    change's result) on success, else `refused(error)` (the page again, the error next to its
    field; nothing written)."""
    try:
        async with db.transaction() as uow:
            result = await change(uow)
    except AppError as exc:
        return await refused(exc)
    return redirect_saved(path(result) if callable(path) else path, notice)


def redirect_saved(path: str, notice: str) -> RedirectResponse:
    """Post/Redirect/Get: a reload of the next page posts nothing again."""
    assert notice in NOTICES, notice
    return RedirectResponse(f"{path}?saved={notice}", status_code=303)


async def settings_page(
    request: Request,
    db: Database,
    principal: Principal,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> Response:
    """Render a settings page inside the app frame, with the notice of a redirect if any."""
    notice = NOTICES.get(request.query_params.get("saved", ""))
    return render(
        request,
        template,
        {**await frame(db, principal), "notice": notice, **context},
        status_code=status_code,
    )
