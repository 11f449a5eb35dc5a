"""Settings > Inboxes and help desks: create one with its kind and teams, edit it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from frontdesk.accounts import service as account_service
from frontdesk.api.deps import DbDep, Principal
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import AppError, validation_error
from frontdesk.core.models import INT64_MAX
from frontdesk.web.auth import WebAdminDep
from frontdesk.web.forms import NO_ERRORS, FormErrors, field, form_errors, ids, posted_form
from frontdesk.web.people_settings.forms import redirect_saved, settings_page

router = APIRouter()

InboxId = Annotated[int, Path(alias="inboxId", ge=1, le=INT64_MAX)]
PAGE = "/settings/inboxes"
KINDS = (("INBOX", "Inbox"), ("HELP_DESK", "Help desk"))


def _posted(form: FormData) -> dict[str, Any]:
    return {
        "name": field(form, "name"),
        "type": field(form, "type"),
        "teamIds": [v for v in form.getlist("teamIds") if isinstance(v, str)],
    }


def _team_ids(form: FormData) -> tuple[int, ...]:
    team_ids = ids(form, "teamIds")
    if team_ids is None:
        raise validation_error("Choose teams from the list", field_name="teamIds")
    return team_ids


async def _save(
    uow: UnitOfWork, *, inbox_id: int | None, values: dict[str, Any], team_ids: tuple[int, ...]
) -> int:
    """Create (inbox_id None) or update an inbox, then give it exactly these teams."""
    if values["type"] not in dict(KINDS):
        raise validation_error("Choose Inbox or Help desk", field_name="type")
    if inbox_id is None:
        inbox_id = await account_service.create_inbox(
            uow, name=values["name"], help_desk=values["type"] == "HELP_DESK"
        )
    else:
        await account_service.update_inbox(
            uow, inbox_id=inbox_id, name=values["name"], kind=values["type"]
        )
    await account_service.set_inbox_teams(uow, inbox_id=inbox_id, team_ids=list(team_ids))
    return inbox_id


async def _page(
    request: Request,
    principal: Principal,
    db: DbDep,
    *,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> Response:
    async with db.read() as uow:
        inboxes = await account_service.list_inboxes(uow, inbox_ids=None)
        teams = await account_service.list_teams(uow)
    full = {
        "inboxes": inboxes,
        "teams": [t for t, _ in teams],
        "team_names": {t.id: t.name for t, _ in teams},
        "kinds": KINDS,
        "errors": NO_ERRORS,
        **context,
    }
    return await settings_page(request, db, principal, template, full, status_code=status_code)


@router.get(PAGE)
async def inboxes_page(request: Request, principal: WebAdminDep, db: DbDep) -> Response:
    blank = {"name": "", "type": "INBOX", "teamIds": []}
    return await _page(
        request, principal, db, template="settings_inboxes.html", context={"form": blank}
    )


@router.post(PAGE)
async def create_inbox(request: Request, principal: WebAdminDep, db: DbDep) -> Response:
    form = await posted_form(request, principal)
    values = _posted(form)
    try:
        team_ids = _team_ids(form)
        async with db.transaction() as uow:
            await _save(uow, inbox_id=None, values=values, team_ids=team_ids)
    except AppError as exc:
        context = {"form": values, "errors": _errors(exc)}
        return await _page(
            request,
            principal,
            db,
            template="settings_inboxes.html",
            context=context,
            status_code=exc.status,
        )
    return redirect_saved(PAGE, "inbox-created")


def _errors(exc: AppError) -> FormErrors:
    return form_errors(exc, aliases={"team": "teamIds"})


async def _edit_page(
    request: Request,
    principal: Principal,
    db: DbDep,
    *,
    inbox_id: int,
    form: dict[str, Any] | None = None,
    errors: FormErrors = NO_ERRORS,
    status_code: int = 200,
) -> Response:
    async with db.read() as uow:
        inbox, team_ids = await account_service.get_inbox(uow, inbox_id=inbox_id)
    current = {"name": inbox.name, "type": inbox.kind, "teamIds": [str(t) for t in team_ids]}
    context = {"inbox": inbox, "form": form or current, "errors": errors}
    return await _page(
        request,
        principal,
        db,
        template="settings_inbox_edit.html",
        context=context,
        status_code=status_code,
    )


@router.get(PAGE + "/{inboxId}")
async def inbox_page(
    request: Request, inbox_id: InboxId, principal: WebAdminDep, db: DbDep
) -> Response:
    return await _edit_page(request, principal, db, inbox_id=inbox_id)


@router.post(PAGE + "/{inboxId}")
async def save_inbox(
    request: Request, inbox_id: InboxId, principal: WebAdminDep, db: DbDep
) -> Response:
    form = await posted_form(request, principal)
    values = _posted(form)
    try:
        team_ids = _team_ids(form)
        async with db.transaction() as uow:
            await _save(uow, inbox_id=inbox_id, values=values, team_ids=team_ids)
    except AppError as exc:
        return await _edit_page(
            request,
            principal,
            db,
            inbox_id=inbox_id,
            form=values,
            errors=_errors(exc),
            status_code=exc.status,
        )
    return redirect_saved(PAGE, "inbox-saved")
