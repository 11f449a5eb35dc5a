"""Each user's Profile (their meeting link) and Snippets pages (issue 7).

Snippets: everyone manages their own; admins also the shared ones, which agents see read-only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from frontdesk.accounts import service as account_service
from frontdesk.accounts import user_changes
from frontdesk.api.deps import DbDep, Principal
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import AppError
from frontdesk.core.models import INT64_MAX
from frontdesk.inserts import snippets as snippet_service
from frontdesk.inserts.variables import NAMES
from frontdesk.web.auth import WebUserDep
from frontdesk.web.forms import NO_ERRORS, FormErrors, field, form_errors, posted_form
from frontdesk.web.people_settings.forms import apply_change, settings_page

router = APIRouter(include_in_schema=False)

SnippetId = Annotated[int, Path(alias="snippetId", ge=1, le=INT64_MAX)]
PROFILE = "/settings/profile"
SNIPPETS = "/settings/snippets"
FIELDS = ("name", "shortcut", "body")


def _editor(principal: Principal) -> snippet_service.Editor:
    assert principal.user_id is not None
    return snippet_service.Editor(user_id=principal.user_id, is_admin=principal.is_admin)


def _refusal(
    page: Callable[..., Awaitable[Response]], **kw: Any
) -> Callable[[AppError], Awaitable[Response]]:
    async def refused(exc: AppError) -> Response:
        return await page(
            errors=form_errors(exc, aliases={"meetingLink": "meeting_link"}),
            status_code=exc.status,
            **kw,
        )

    return refused


# --- profile ---------------------------------------------------------------------------------


async def _profile(
    request: Request,
    principal: Principal,
    db: DbDep,
    *,
    form: dict[str, str] | None = None,
    errors: FormErrors = NO_ERRORS,
    status_code: int = 200,
) -> Response:
    assert principal.user_id is not None
    async with db.read() as uow:
        me = await account_service.get_user(uow, user_id=principal.user_id)
    context = {"form": form or {"meeting_link": me.meeting_link or ""}, "errors": errors}
    return await settings_page(
        request, db, principal, "settings_profile.html", context, status_code=status_code
    )


@router.get(PROFILE)
async def profile_page(request: Request, principal: WebUserDep, db: DbDep) -> Response:
    return await _profile(request, principal, db)


@router.post(PROFILE)
async def save_profile(request: Request, principal: WebUserDep, db: DbDep) -> Response:
    posted = await posted_form(request, principal)
    form = {"meeting_link": field(posted, "meeting_link")}
    assert principal.user_id is not None
    user_id = principal.user_id

    async def change(uow: UnitOfWork) -> Any:
        return await user_changes.update_user(
            uow,
            user_id=user_id,
            changes={"meeting_link": form["meeting_link"]},
            by_user_id=user_id,
            allowed=user_changes.SELF_FIELDS,
        )

    async def page(**kw: Any) -> Response:
        return await _profile(request, principal, db, form=form, **kw)

    return await apply_change(
        db, change, refused=_refusal(page), path=PROFILE, notice="profile-saved"
    )


# --- snippets --------------------------------------------------------------------------------


async def _snippets(
    request: Request,
    principal: Principal,
    db: DbDep,
    *,
    form: dict[str, str] | None = None,
    errors: FormErrors = NO_ERRORS,
    status_code: int = 200,
) -> Response:
    assert principal.user_id is not None
    query = request.query_params.get("q", "")[:200]
    async with db.read() as uow:
        rows = await snippet_service.list_snippets(uow, user_id=principal.user_id, query=query)
    context = {
        "own": [r for r in rows if r.owner_id is not None],
        "shared": [r for r in rows if r.owner_id is None],
        "query": query,
        "form": form or {},
        "errors": errors,
        "variables": NAMES,
    }
    return await settings_page(
        request, db, principal, "settings_snippets.html", context, status_code=status_code
    )


@router.get(SNIPPETS)
async def snippets_page(request: Request, principal: WebUserDep, db: DbDep) -> Response:
    return await _snippets(request, principal, db)


@router.post(SNIPPETS)
async def create_snippet(request: Request, principal: WebUserDep, db: DbDep) -> Response:
    posted = await posted_form(request, principal)
    form = {n: field(posted, n) for n in FIELDS}
    shared = principal.is_admin and posted.get("shared") == "on"
    form["shared"] = "on" if shared else ""

    async def change(uow: UnitOfWork) -> Any:
        return await snippet_service.create_snippet(
            uow,
            editor=_editor(principal),
            name=form["name"],
            shortcut=form["shortcut"],
            body=form["body"],
            shared=shared,
        )

    async def page(**kw: Any) -> Response:
        return await _snippets(request, principal, db, form=form, **kw)

    return await apply_change(
        db, change, refused=_refusal(page), path=SNIPPETS, notice="snippet-created"
    )


async def _edit(
    request: Request,
    principal: Principal,
    db: DbDep,
    snippet_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: FormErrors = NO_ERRORS,
    status_code: int = 200,
) -> Response:
    assert principal.user_id is not None
    async with db.read() as uow:
        row = await snippet_service.get_snippet(
            uow, snippet_id=snippet_id, user_id=principal.user_id
        )
    context = {
        "snippet": row,
        "editable": row.owner_id is not None or principal.is_admin,
        "form": form or {"name": row.name, "shortcut": row.shortcut, "body": row.body_html},
        "errors": errors,
        "variables": NAMES,
    }
    return await settings_page(
        request, db, principal, "settings_snippet_edit.html", context, status_code=status_code
    )


@router.get(SNIPPETS + "/{snippetId}")
async def snippet_page(
    request: Request, snippet_id: SnippetId, principal: WebUserDep, db: DbDep
) -> Response:
    return await _edit(request, principal, db, snippet_id)


@router.post(SNIPPETS + "/{snippetId}")
async def save_snippet(
    request: Request, snippet_id: SnippetId, principal: WebUserDep, db: DbDep
) -> Response:
    posted = await posted_form(request, principal)
    form = {n: field(posted, n) for n in FIELDS}

    async def change(uow: UnitOfWork) -> Any:
        return await snippet_service.update_snippet(
            uow, editor=_editor(principal), snippet_id=snippet_id, changes=form
        )

    async def page(**kw: Any) -> Response:
        return await _edit(request, principal, db, snippet_id, form=form, **kw)

    return await apply_change(
        db,
        change,
        refused=_refusal(page),
        path=f"{SNIPPETS}/{snippet_id}",
        notice="snippet-saved",
    )


@router.post(SNIPPETS + "/{snippetId}/delete")
async def delete_snippet(
    request: Request, snippet_id: SnippetId, principal: WebUserDep, db: DbDep
) -> Response:
    await posted_form(request, principal)

    async def change(uow: UnitOfWork) -> Any:
        await snippet_service.delete_snippet(uow, editor=_editor(principal), snippet_id=snippet_id)

    async def page(**kw: Any) -> Response:
        return await _snippets(request, principal, db, **kw)

    return await apply_change(
        db, change, refused=_refusal(page), path=SNIPPETS, notice="snippet-deleted"
    )
