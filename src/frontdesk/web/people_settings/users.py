"""Settings > Users: the list, creating a user (a password given or generated and shown
once), editing one, deactivating and reactivating."""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from frontdesk.accounts import service as account_service
from frontdesk.accounts import user_changes
from frontdesk.accounts.passwords import hash_password
from frontdesk.api.deps import DbDep, Principal
from frontdesk.core.errors import AppError, validation_error
from frontdesk.core.models import INT64_MAX
from frontdesk.web.auth import WebAdminDep
from frontdesk.web.forms import NO_ERRORS, FormErrors, field, form_errors, posted_form
from frontdesk.web.people_settings.forms import redirect_saved, settings_page

router = APIRouter()

UserId = Annotated[int, Path(alias="userId", ge=1, le=INT64_MAX)]
MIN_PASSWORD = 8


async def _people(db: DbDep) -> dict[str, Any]:
    async with db.read() as uow:
        users = await account_service.list_users(uow)
        teams = await account_service.list_teams(uow)
    team_names: dict[int, list[str]] = {}
    for team, members in teams:
        for member in members:
            team_names.setdefault(member, []).append(team.name)
    return {"users": users, "teams": [t for t, _ in teams], "team_names": team_names}


async def _list_page(
    request: Request,
    principal: Principal,
    db: DbDep,
    *,
    form: dict[str, Any] | None = None,
    errors: FormErrors = NO_ERRORS,
    status_code: int = 200,
) -> Response:
    context = {**await _people(db), "form": form or {"role": "agent", "teams": []}}
    return await settings_page(
        request,
        db,
        principal,
        "settings_users.html",
        {**context, "errors": errors},
        status_code=status_code,
    )


@router.get("/settings/users")
async def users_page(request: Request, principal: WebAdminDep, db: DbDep) -> Response:
    return await _list_page(request, principal, db)


def _new_user(form: FormData) -> dict[str, Any]:
    return {
        "name": field(form, "name"),
        "email": field(form, "email"),
        "role": field(form, "role"),
        "password": form.get("password") if isinstance(form.get("password"), str) else "",
        "teams": [t for t in form.getlist("teams") if isinstance(t, str)],
    }


@router.post("/settings/users")
async def create_user(request: Request, principal: WebAdminDep, db: DbDep) -> Response:
    values = _new_user(await posted_form(request, principal))
    generated = not values["password"]
    password = secrets.token_urlsafe(12) if generated else str(values["password"])
    shown = {**values, "password": ""}  # never echo a password back into the page
    try:
        if len(password) < MIN_PASSWORD:
            raise validation_error(
                f"The password needs at least {MIN_PASSWORD} characters (or leave it empty "
                "to generate one)",
                field_name="password",
            )
        password_hash = await hash_password(password)
        async with db.transaction() as uow:
            user_id = await account_service.create_user(
                uow,
                email=values["email"],
                password_hash=password_hash,
                name=values["name"],
                role=values["role"],
                team_names=values["teams"],
            )
            created = await account_service.get_user(uow, user_id=user_id)
    except AppError as exc:
        errors = form_errors(exc, aliases={"team": "teams"})
        return await _list_page(
            request, principal, db, form=shown, errors=errors, status_code=exc.status
        )
    if not generated:
        return redirect_saved("/settings/users", "user-created")
    # Shown once, in this answer only (no-store): a redirect would have to carry it in a URL.
    return await settings_page(
        request,
        db,
        principal,
        "settings_user_created.html",
        {"user": created, "password": password},
    )


async def _edit_page(
    request: Request,
    principal: Principal,
    db: DbDep,
    *,
    user_id: int,
    form: dict[str, Any] | None = None,
    errors: FormErrors = NO_ERRORS,
    status_code: int = 200,
) -> Response:
    async with db.read() as uow:
        user = await account_service.get_user(uow, user_id=user_id)
        teams = await account_service.list_teams(uow)
    current = {
        "name": user.name,
        "role": user.role,
        "capacity": "" if user.capacity is None else str(user.capacity),
        "availability": user.availability,
    }
    context = {
        "user": user,
        "form": form or current,
        "errors": errors,
        "member_of": [t for t, members in teams if user.id in members],
        "is_me": user.id == principal.user_id,
    }
    return await settings_page(
        request, db, principal, "settings_user_edit.html", context, status_code=status_code
    )


@router.get("/settings/users/{userId}")
async def user_page(
    request: Request, user_id: UserId, principal: WebAdminDep, db: DbDep
) -> Response:
    return await _edit_page(request, principal, db, user_id=user_id)


_WHOLE_NUMBER = re.compile(r"^[0-9]{1,6}$")


def _capacity(text: str) -> int | None:
    """Empty: no limit; otherwise a whole number (the service checks the range)."""
    if not text:
        return None
    if not _WHOLE_NUMBER.match(text):
        raise validation_error(
            "Capacity is a whole number of conversations, or empty for no limit",
            field_name="capacity",
        )
    return int(text)


@router.post("/settings/users/{userId}")
async def save_user(
    request: Request, user_id: UserId, principal: WebAdminDep, db: DbDep
) -> Response:
    form = await posted_form(request, principal)
    values = {n: field(form, n) for n in ("name", "role", "capacity", "availability")}
    assert principal.user_id is not None
    try:
        changes: dict[str, Any] = {**values, "capacity": _capacity(values["capacity"])}
        async with db.transaction() as uow:
            await user_changes.update_user(
                uow, user_id=user_id, changes=changes, by_user_id=principal.user_id
            )
    except AppError as exc:
        return await _edit_page(
            request,
            principal,
            db,
            user_id=user_id,
            form=values,
            errors=form_errors(exc),
            status_code=exc.status,
        )
    return redirect_saved("/settings/users", "user-saved")


@router.post("/settings/users/{userId}/active")
async def set_user_active(
    request: Request, user_id: UserId, principal: WebAdminDep, db: DbDep
) -> Response:
    """Deactivate (`active=false`) or reactivate a user; the page asks for confirmation."""
    form = await posted_form(request, principal)
    active = field(form, "active") == "true"
    assert principal.user_id is not None
    try:
        async with db.transaction() as uow:
            await user_changes.update_user(
                uow, user_id=user_id, changes={"active": active}, by_user_id=principal.user_id
            )
    except AppError as exc:
        errors = form_errors(exc, aliases={"role": "active"})
        return await _edit_page(
            request, principal, db, user_id=user_id, errors=errors, status_code=exc.status
        )
    return redirect_saved("/settings/users", "user-reactivated" if active else "user-deactivated")
