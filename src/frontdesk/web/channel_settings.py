"""Settings > Inbox (admins): the connected channel accounts, their routing step (also the
last step of connecting one), deactivate/reactivate, move to the help desk and back, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from frontdesk.accounts import service as account_service
from frontdesk.api.deps import DbDep, Principal
from frontdesk.channels.service import admin as channel_admin
from frontdesk.channels.service import manage as channel_manage
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError
from frontdesk.core.models import INT64_MAX
from frontdesk.properties import service as property_service
from frontdesk.web.auth import WebAdminDep, check_form_csrf
from frontdesk.web.forms import NO_ERRORS, FormErrors, field, form_errors, frame, ids
from frontdesk.web.templating import render

router = APIRouter(include_in_schema=False)

AccountId = Annotated[int, Path(alias="channelAccountId", ge=1, le=INT64_MAX)]

# Notices shown after a redirect (`?done=`): fixed texts, never echoed from the query.
NOTICES = {
    "deactivated": "The account is deactivated: its bridge's messages are refused.",
    "reactivated": "The account is active again.",
    "moved": "The account and its conversations moved to the help desk.",
    "returned": "The account and its conversations are back in their inbox.",
    "deleted": "The account is deleted; its conversations stay readable.",
}


@router.get("/settings/inbox")
async def channels_page(
    request: Request, principal: WebAdminDep, db: DbDep, done: str | None = None
) -> Response:
    """Connected channel accounts with their channel, inbox, status and counts."""
    context = await frame(db, principal)
    async with db.read() as uow:
        accounts = await channel_admin.list_managed_accounts(uow)
    return render(
        request,
        "settings_channels.html",
        {
            **context,
            "accounts": [a for a in accounts if not a.archived],
            "archived": [a for a in accounts if a.archived],
            "notice": NOTICES.get(done or ""),
            "error": None,
        },
    )


async def _act(request: Request, principal: Principal, db: Database, action: Any) -> Response:
    await check_form_csrf(request, principal)
    try:
        async with db.transaction() as uow:
            notice = await action(uow)
    except AppError as exc:
        context = await frame(db, principal)
        async with db.read() as uow:
            accounts = await channel_admin.list_managed_accounts(uow)
        return render(
            request,
            "settings_channels.html",
            {
                **context,
                "accounts": [a for a in accounts if not a.archived],
                "archived": [a for a in accounts if a.archived],
                "notice": None,
                "error": exc.message,
            },
            status_code=exc.status,
        )
    return RedirectResponse(f"/settings/inbox?done={notice}", status_code=303)


@router.post("/settings/inbox/accounts/{channelAccountId}/active")
async def set_active(
    request: Request, account_id: AccountId, principal: WebAdminDep, db: DbDep
) -> Response:
    """Deactivate (`active=false`) or reactivate an account."""
    form = await request.form()
    active = field(form, "active") == "true"

    async def action(uow: Any) -> str:
        await channel_manage.set_account_active(uow, account_id=account_id, active=active)
        return "reactivated" if active else "deactivated"

    return await _act(request, principal, db, action)


@router.post("/settings/inbox/accounts/{channelAccountId}/move")
async def move(
    request: Request, account_id: AccountId, principal: WebAdminDep, db: DbDep
) -> Response:
    """Move an account to the help desk (`to=help_desk`) or back to its inbox (`to=inbox`)."""
    form = await request.form()
    to_help_desk = field(form, "to") == "help_desk"

    async def action(uow: Any) -> str:
        if to_help_desk:
            await channel_manage.move_to_help_desk(uow, account_id=account_id)
            return "moved"
        await channel_manage.move_back_to_inbox(uow, account_id=account_id)
        return "returned"

    return await _act(request, principal, db, action)


@router.post("/settings/inbox/accounts/{channelAccountId}/delete")
async def delete(
    request: Request, account_id: AccountId, principal: WebAdminDep, db: DbDep
) -> Response:
    """Delete (archive) an account; its conversations stay readable."""

    async def action(uow: Any) -> str:
        await channel_manage.archive_account(uow, account_id=account_id)
        return "deleted"

    return await _act(request, principal, db, action)


# --- the routing step -----------------------------------------------------------------------


async def _routing_page(
    request: Request,
    principal: Principal,
    db: Database,
    *,
    account_id: int,
    connected: bool,
    values: dict[str, Any] | None = None,
    errors: FormErrors = NO_ERRORS,
    saved: bool = False,
) -> Response:
    context = await frame(db, principal)
    async with db.read() as uow:
        account = await channel_admin.get_managed_account(uow, account_id=account_id)
        definitions = await property_service.list_default_definitions(uow)
        users = [u for u in await account_service.list_users(uow) if u.active]
        teams = [t for t, _members in await account_service.list_teams(uow)]
    routing = channel_manage.routing_of(account)
    shown = values or {
        "name": account.name,
        "properties": {k: _shown(v) for k, v in routing.default_properties.items()},
        "assignment_mode": routing.assignment_mode,
        "user_ids": set(routing.user_ids),
        "team_ids": set(routing.team_ids),
        "closed_thread_policy": routing.closed_thread_policy,
    }
    return render(
        request,
        "settings_routing.html",
        {
            **context,
            "account": account,
            "definitions": definitions,
            "users": users,
            "teams": teams,
            "values": shown,
            "errors": errors,
            "saved": saved,
            "connected": connected,
        },
        status_code=400 if errors else 200,
    )


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@router.get("/settings/inbox/accounts/{channelAccountId}/routing")
async def routing_page(
    request: Request,
    account_id: AccountId,
    principal: WebAdminDep,
    db: DbDep,
    connected: bool = False,
) -> Response:
    """An account's name and routing: properties of new conversations, assignment, and what a
    message on a closed conversation does."""
    return await _routing_page(request, principal, db, account_id=account_id, connected=connected)


@router.post("/settings/inbox/accounts/{channelAccountId}/routing")
async def save_routing(
    request: Request, account_id: AccountId, principal: WebAdminDep, db: DbDep
) -> Response:
    """Save an account's name and routing; refused values come back next to their field."""
    await check_form_csrf(request, principal)
    form = await request.form()
    async with db.read() as uow:
        definitions = await property_service.list_default_definitions(uow)
    properties = {d.name: field(form, f"prop_{d.name}") for d in definitions}
    user_ids, team_ids = ids(form, "user_ids"), ids(form, "team_ids")
    name, mode = field(form, "name"), field(form, "assignment_mode")
    policy = field(form, "closed_thread_policy")
    values: dict[str, Any] = {
        "name": name,
        "properties": properties,
        "assignment_mode": mode,
        "user_ids": set(user_ids or ()),
        "team_ids": set(team_ids or ()),
        "closed_thread_policy": policy,
    }
    connected = field(form, "connected") == "1"
    try:
        if user_ids is None or team_ids is None:
            raise AppError("Choose users and teams from the lists")
        routing = channel_manage.Routing(
            default_properties={k: v for k, v in properties.items() if v != ""},
            assignment_mode=mode,
            user_ids=user_ids,
            team_ids=team_ids,
            closed_thread_policy=policy,
        )
        async with db.transaction() as uow:
            await channel_manage.update_account_settings(
                uow, account_id=account_id, routing=routing, name=name
            )
    except AppError as exc:
        if exc.status == 404:
            raise
        return await _routing_page(
            request,
            principal,
            db,
            account_id=account_id,
            connected=connected,
            values=values,
            errors=form_errors(exc),
        )
    return await _routing_page(
        request, principal, db, account_id=account_id, connected=connected, saved=True
    )
