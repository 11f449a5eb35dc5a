"""Settings > Inbox > Connect a channel (admins): the picker, the bridge's pop-up with a staging
token, the wait for `staging_token.completed` (or its status fragment), and the form that
creates an account of a channel without a connection page (reference 4.3)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from frontdesk.accounts import service as account_service
from frontdesk.api.deps import DbDep, Principal, SettingsDep
from frontdesk.channels.service import admin as channel_admin
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError
from frontdesk.core.models import INT64_MAX
from frontdesk.web.auth import FRAGMENT_HEADER, WebAdminDep, check_form_csrf
from frontdesk.web.forms import (
    NO_ERRORS,
    FormErrors,
    field,
    form_errors,
    frame,
    optional_id,
)
from frontdesk.web.logos import shown_logo
from frontdesk.web.templating import render

router = APIRouter(include_in_schema=False)

ChannelId = Annotated[int, Path(alias="channelId", ge=1, le=INT64_MAX)]
ConnectionId = Annotated[str, Query(alias="connection", pattern="^[0-9a-f]{32}$")]
IDENTIFIER_TYPES = ("HS_PHONE_NUMBER", "HS_EMAIL_ADDRESS", "CHANNEL_SPECIFIC_OPAQUE_ID")
DIRECT_ALIASES = {
    "delivery.type": "deliveryType",
    "delivery.value": "deliveryValue",
    "inboxId": "inbox_id",
    "channelId": "form",
}


async def _inboxes(db: Database) -> list[Any]:
    async with db.read() as uow:
        pairs = await account_service.list_inboxes(uow, inbox_ids=None)
    return [inbox for inbox, _teams in pairs if not inbox.archived]


def _routing_url(account_id: int) -> str:
    return f"/settings/inbox/accounts/{account_id}/routing?connected=1"


@router.get("/settings/inbox/connect")
async def connect_page(
    request: Request,
    principal: WebAdminDep,
    db: DbDep,
    inbox: str | None = None,
    channel: str | None = None,
) -> Response:
    """Choose an inbox and a custom channel to connect."""
    context = await frame(db, principal)
    async with db.read() as uow:
        channels = await channel_admin.list_connectable_channels(uow)
    return render(
        request,
        "settings_connect.html",
        {
            **context,
            "channels": channels,
            "logos": {c.id: shown_logo(c.logo_url, request) for c in channels},
            "inboxes": await _inboxes(db),
            "inbox_id": optional_id(inbox),
            "channel_id": optional_id(channel),
            "error": None,
        },
    )


@router.post("/settings/inbox/connect/start")
async def start(
    request: Request, principal: WebAdminDep, db: DbDep, settings: SettingsDep
) -> Response:
    """Create a staging token for the chosen channel and inbox. The connect page's script
    (header X-Frontdesk-Fragment) gets the pop-up URL as JSON; without script, a page with
    a link to the bridge's connection page."""
    await check_form_csrf(request, principal)
    form = await request.form()
    channel_id, inbox_id = (
        optional_id(field(form, "channel_id")),
        optional_id(field(form, "inbox_id")),
    )
    assert principal.user_id is not None
    try:
        if channel_id is None or inbox_id is None:
            raise AppError("Choose an inbox and a channel")
        async with db.transaction() as uow:
            started = await channel_admin.start_connection(
                uow,
                channel_id=channel_id,
                inbox_id=inbox_id,
                user_id=principal.user_id,
                portal_id=settings.portal_id,
            )
    except AppError as exc:
        if request.headers.get(FRAGMENT_HEADER):
            raise
        return await _picker_error(request, principal, db, exc)
    status_url = f"/settings/inbox/connect/status?connection={started.connection_id}"
    if request.headers.get(FRAGMENT_HEADER):
        body = {
            "connectionId": started.connection_id,
            "popupUrl": started.popup_url,
            "statusUrl": status_url,
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store"})
    context = await frame(db, principal)
    return render(
        request,
        "settings_connect_wait.html",
        {**context, "started": started, "status_url": status_url},
    )


async def _picker_error(
    request: Request, principal: Principal, db: Database, exc: AppError
) -> Response:
    context = await frame(db, principal)
    async with db.read() as uow:
        channels = await channel_admin.list_connectable_channels(uow)
    return render(
        request,
        "settings_connect.html",
        {
            **context,
            "channels": channels,
            "logos": {c.id: shown_logo(c.logo_url, request) for c in channels},
            "inboxes": await _inboxes(db),
            "inbox_id": None,
            "channel_id": None,
            "error": exc.message,
        },
        status_code=exc.status,
    )


@router.get("/settings/inbox/connect/status")
async def status(
    request: Request, principal: WebAdminDep, db: DbDep, connection_id: ConnectionId
) -> Response:
    """Where one of the admin's connections stands (a fragment the connect page polls when
    its live stream was down: the `staging_token.completed` event may have been missed)."""
    assert principal.user_id is not None
    async with db.read() as uow:
        found = await channel_admin.connection_status(
            uow, user_id=principal.user_id, connection_id_=connection_id
        )
    next_url = _routing_url(found.channel_account_id) if found.channel_account_id else None
    return render(request, "_connect_status.html", {"status": found, "next_url": next_url})


async def _direct_page(
    request: Request,
    principal: Principal,
    db: Database,
    *,
    channel_id: int,
    values: dict[str, str],
    errors: FormErrors = NO_ERRORS,
) -> Response:
    context = await frame(db, principal)
    async with db.read() as uow:
        channel = await channel_admin.get_connectable_channel(uow, channel_id=channel_id)
    return render(
        request,
        "settings_connect_direct.html",
        {
            **context,
            "channel": channel,
            "logo": shown_logo(channel.logo_url, request),
            "identifier_types": channel.identifier_types or IDENTIFIER_TYPES,
            "inboxes": await _inboxes(db),
            "values": values,
            "errors": errors,
        },
        status_code=400 if errors else 200,
    )


@router.get("/settings/inbox/connect/{channelId}/direct")
async def direct_page(
    request: Request,
    channel_id: ChannelId,
    principal: WebAdminDep,
    db: DbDep,
    inbox: str | None = None,
) -> Response:
    """The form for an account of a channel without a connection page."""
    values = {"inbox_id": inbox or "", "name": "", "deliveryType": "", "deliveryValue": ""}
    return await _direct_page(request, principal, db, channel_id=channel_id, values=values)


@router.post("/settings/inbox/connect/{channelId}/direct")
async def create_direct(
    request: Request, channel_id: ChannelId, principal: WebAdminDep, db: DbDep
) -> Response:
    """Create the account from the form, then go to its routing step."""
    await check_form_csrf(request, principal)
    form = await request.form()
    values = {
        name: field(form, name) for name in ("inbox_id", "name", "deliveryType", "deliveryValue")
    }
    inbox_id = optional_id(values["inbox_id"])
    try:
        if inbox_id is None:
            raise AppError("Choose an inbox", errors=[])
        async with db.transaction() as uow:
            account_id = await channel_admin.create_direct_account(
                uow,
                channel_id=channel_id,
                inbox_id=inbox_id,
                name=values["name"],
                identifier_type=values["deliveryType"] or None,
                identifier_value=values["deliveryValue"] or None,
            )
    except AppError as exc:
        if exc.status == 404 and any(e.in_ == "channelId" for e in exc.errors):
            raise
        errors = (
            FormErrors({"inbox_id": exc.message})
            if inbox_id is None
            else form_errors(exc, aliases=DIRECT_ALIASES)
        )
        return await _direct_page(
            request, principal, db, channel_id=channel_id, values=values, errors=errors
        )
    return RedirectResponse(_routing_url(account_id), status_code=303)
