"""Settings > Teams: create, rename, add and remove members. Each team has its own small
forms; a refused post re-renders the page with the error next to the form it came from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from frontdesk.accounts import service as account_service
from frontdesk.api.deps import DbDep, Principal
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import AppError, validation_error
from frontdesk.core.models import INT64_MAX
from frontdesk.web.auth import WebAdminDep
from frontdesk.web.forms import NO_ERRORS, FormErrors, field, form_errors, optional_id, posted_form
from frontdesk.web.people_settings.forms import apply_change, settings_page

router = APIRouter()

TeamId = Annotated[int, Path(alias="teamId", ge=1, le=INT64_MAX)]
UserId = Annotated[int, Path(alias="userId", ge=1, le=INT64_MAX)]
PAGE = "/settings/teams"


async def _page(
    request: Request,
    principal: Principal,
    db: DbDep,
    *,
    form_key: str = "",
    form: dict[str, str] | None = None,
    errors: FormErrors = NO_ERRORS,
    status_code: int = 200,
) -> Response:
    async with db.read() as uow:
        teams = await account_service.list_teams(uow)
        users = await account_service.list_users(uow)
    context: dict[str, Any] = {
        "teams": teams,
        "users_by_id": {u.id: u for u in users},
        "active_users": [u for u in users if u.active],
        "form_key": form_key,
        "form": form or {},
        "errors": errors,
    }
    return await settings_page(
        request, db, principal, "settings_teams.html", context, status_code=status_code
    )


@router.get(PAGE)
async def teams_page(request: Request, principal: WebAdminDep, db: DbDep) -> Response:
    return await _page(request, principal, db)


async def _apply(
    request: Request,
    principal: Principal,
    db: DbDep,
    *,
    form_key: str,
    form: dict[str, str],
    change: Callable[[UnitOfWork], Awaitable[Any]],
    notice: str,
) -> Response:
    """Run one change; on a refusal, this page again with the form as it was posted."""

    async def refused(exc: AppError) -> Response:
        return await _page(
            request,
            principal,
            db,
            form_key=form_key,
            form=form,
            errors=form_errors(exc),
            status_code=exc.status,
        )

    return await apply_change(db, change, refused=refused, path=PAGE, notice=notice)


@router.post(PAGE)
async def create_team(request: Request, principal: WebAdminDep, db: DbDep) -> Response:
    name = field(await posted_form(request, principal), "name")

    async def change(uow: UnitOfWork) -> Any:
        return await account_service.create_team(uow, name=name)

    return await _apply(
        request,
        principal,
        db,
        form_key="create",
        form={"name": name},
        change=change,
        notice="team-created",
    )


@router.post(PAGE + "/{teamId}")
async def rename_team(
    request: Request, team_id: TeamId, principal: WebAdminDep, db: DbDep
) -> Response:
    name = field(await posted_form(request, principal), "name")

    async def change(uow: UnitOfWork) -> Any:
        return await account_service.rename_team(uow, team_id=team_id, name=name)

    return await _apply(
        request,
        principal,
        db,
        form_key=f"rename-{team_id}",
        form={"name": name},
        change=change,
        notice="team-renamed",
    )


@router.post(PAGE + "/{teamId}/members")
async def add_member(
    request: Request, team_id: TeamId, principal: WebAdminDep, db: DbDep
) -> Response:
    chosen = field(await posted_form(request, principal), "userId")

    async def change(uow: UnitOfWork) -> Any:
        user_id = optional_id(chosen)
        if user_id is None:
            raise validation_error("Choose a user to add", field_name="userId")
        return await account_service.add_member_by_ids(uow, team_id=team_id, user_id=user_id)

    return await _apply(
        request,
        principal,
        db,
        form_key=f"members-{team_id}",
        form={"userId": chosen},
        change=change,
        notice="member-added",
    )


@router.post(PAGE + "/{teamId}/members/{userId}/remove")
async def remove_member(
    request: Request, team_id: TeamId, user_id: UserId, principal: WebAdminDep, db: DbDep
) -> Response:
    await posted_form(request, principal)

    async def change(uow: UnitOfWork) -> Any:
        return await account_service.remove_member_by_ids(uow, team_id=team_id, user_id=user_id)

    return await _apply(
        request,
        principal,
        db,
        form_key=f"members-{team_id}",
        form={},
        change=change,
        notice="member-removed",
    )
