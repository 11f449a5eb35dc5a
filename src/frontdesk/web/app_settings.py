"""Settings > Apps (admins): register an app, see its ids and secrets (shown only when asked, in
a POST response that is never cached), rotate them with a grace period, installation tokens
(created: shown once; revoked), the app's channels and each channel's delivery log with replay.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from frontdesk.api.deps import DbDep, Principal, SettingsDep
from frontdesk.apps import service as app_service
from frontdesk.channels.schemas import check_url
from frontdesk.channels.service import admin as channel_admin
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError, validation_error
from frontdesk.core.models import INT64_MAX
from frontdesk.delivery import queries as delivery_queries
from frontdesk.delivery import service as delivery_service
from frontdesk.web.auth import WebAdminDep, check_form_csrf
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

AppId = Annotated[int, Path(alias="appId", ge=1, le=INT64_MAX)]
ChannelId = Annotated[int, Path(alias="channelId", ge=1, le=INT64_MAX)]
JobId = Annotated[int, Path(alias="jobId", ge=1, le=INT64_MAX)]
DEFAULT_GRACE_HOURS = 24
DELIVERY_LOG_ROWS = 50


def _no_store(response: Response) -> Response:
    # Pages that show a secret: no cache along the way (or the back button) may keep them.
    response.headers["Cache-Control"] = "no-store"
    return response


async def _apps_page(
    request: Request,
    principal: Principal,
    db: Database,
    *,
    values: dict[str, str] | None = None,
    errors: FormErrors = NO_ERRORS,
) -> Response:
    context = await frame(db, principal)
    async with db.read() as uow:
        apps = await app_service.list_apps(uow)
    return render(
        request,
        "settings_apps.html",
        {
            **context,
            "apps": apps,
            "logos": {a.id: shown_logo(a.logo_url, request) for a in apps},
            "values": values or {"name": "", "description": "", "logo_url": ""},
            "errors": errors,
        },
        status_code=400 if errors else 200,
    )


@router.get("/settings/apps")
async def apps_page(request: Request, principal: WebAdminDep, db: DbDep) -> Response:
    """The registered apps and the form to register one."""
    return await _apps_page(request, principal, db)


def _logo_url(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if value.startswith("/") and not value.startswith("//") and len(value) <= 2048:
        return value  # served by Frontdesk itself: the only logos pages load (see shown_logo)
    try:
        return check_url(value)
    except ValueError as exc:
        raise validation_error(f"The logo URL {exc}", field_name="logo_url") from None


@router.post("/settings/apps")
async def register_app(request: Request, principal: WebAdminDep, db: DbDep) -> Response:
    """Register an app; its developer key, secrets and first token are shown this once."""
    await check_form_csrf(request, principal)
    form = await request.form()
    values = {name: field(form, name) for name in ("name", "description", "logo_url")}
    try:
        if len(values["name"]) > 200 or len(values["description"]) > 2000:
            raise validation_error("The name is at most 200 characters", field_name="name")
        async with db.transaction() as uow:
            created = await app_service.create_app(
                uow,
                name=values["name"],
                description=values["description"].strip(),
                logo_url=_logo_url(values["logo_url"]),
            )
    except AppError as exc:
        return await _apps_page(request, principal, db, values=values, errors=form_errors(exc))
    shown = {
        "developer_key": created.developer_api_key,
        "access_token": created.access_token,
    }
    return await _app_page(request, principal, db, app_id=created.app_id, shown=shown)


async def _app_page(
    request: Request,
    principal: Principal,
    db: Database,
    *,
    app_id: int,
    shown: dict[str, str] | None = None,
    errors: FormErrors = NO_ERRORS,
    status_code: int = 200,
) -> Response:
    context = await frame(db, principal)
    async with db.read() as uow:
        summary = await delivery_service.get_app_summary(uow, app_id=app_id)
        tokens = await app_service.list_app_tokens(uow, app_id=app_id)
        channels = await channel_admin.list_connectable_channels(uow, app_id=app_id)
        accounts = {
            c.id: await channel_admin.list_managed_accounts(uow, channel_id=c.id) for c in channels
        }
    app = summary.app
    if shown is not None and "developer_key" in shown:
        # A new app: its secrets are shown with its key, this once.
        shown = {**shown, "client_secret": app.client_secret, "webhook_secret": app.webhook_secret}
    response = render(
        request,
        "settings_app.html",
        {
            **context,
            "app": app,
            "logo": shown_logo(app.logo_url, request),
            "previous_valid_until": summary.previous_valid_until,
            "tokens": tokens,
            "scopes": app_service.APP_SCOPES,
            "channels": channels,
            "accounts": accounts,
            "shown": shown or {},
            "errors": errors,
            "grace_hours": DEFAULT_GRACE_HOURS,
        },
        status_code=status_code,
    )
    return _no_store(response) if shown else response


@router.get("/settings/apps/{appId}")
async def app_page(request: Request, app_id: AppId, principal: WebAdminDep, db: DbDep) -> Response:
    """One app: ids, secrets on request, tokens, channels and their accounts."""
    return await _app_page(request, principal, db, app_id=app_id)


@router.post("/settings/apps/{appId}/secrets")
async def show_secrets(
    request: Request, app_id: AppId, principal: WebAdminDep, db: DbDep
) -> Response:
    """Show the app's current client secret and Standard Webhooks secret."""
    await check_form_csrf(request, principal)
    async with db.read() as uow:
        app = await app_service.get_app(uow, app_id=app_id)
    shown = {"client_secret": app.client_secret, "webhook_secret": app.webhook_secret}
    return await _app_page(request, principal, db, app_id=app_id, shown=shown)


@router.post("/settings/apps/{appId}/secrets/rotate")
async def rotate_secrets(
    request: Request, app_id: AppId, principal: WebAdminDep, db: DbDep
) -> Response:
    """New secrets, current at once; the old webhook secret signs beside the new one for the
    grace period (hours)."""
    await check_form_csrf(request, principal)
    form = await request.form()
    hours = field(form, "grace_hours")
    try:
        if not hours.isdigit():
            raise validation_error("Give the grace period in whole hours", field_name="grace_hours")
        async with db.transaction() as uow:
            rotated = await delivery_service.rotate_app_secrets(
                uow, app_id=app_id, grace_s=int(hours) * 3600
            )
    except AppError as exc:
        if exc.status == 404:
            raise
        errors = form_errors(exc, aliases={"gracePeriodSeconds": "grace_hours"})
        return await _app_page(
            request, principal, db, app_id=app_id, errors=errors, status_code=400
        )
    shown = {"client_secret": rotated.client_secret, "webhook_secret": rotated.webhook_secret}
    return await _app_page(request, principal, db, app_id=app_id, shown=shown)


@router.post("/settings/apps/{appId}/tokens")
async def create_token(
    request: Request, app_id: AppId, principal: WebAdminDep, db: DbDep
) -> Response:
    """A new installation token with the chosen scopes, shown once."""
    await check_form_csrf(request, principal)
    form = await request.form()
    scopes = [s for s in form.getlist("scopes") if isinstance(s, str)]
    try:
        if not scopes:
            raise validation_error("Choose at least one scope", field_name="scopes")
        if len(field(form, "token_name")) > 200:
            raise validation_error("The name is at most 200 characters", field_name="token_name")
        async with db.transaction() as uow:
            await app_service.get_app(uow, app_id=app_id)
            token = await app_service.create_token(
                uow,
                kind="app",
                app_id=app_id,
                scopes=scopes,
                name=field(form, "token_name"),
            )
    except AppError as exc:
        if exc.status == 404:
            raise
        return await _app_page(
            request, principal, db, app_id=app_id, errors=form_errors(exc), status_code=400
        )
    return await _app_page(request, principal, db, app_id=app_id, shown={"access_token": token})


@router.post("/settings/apps/{appId}/tokens/revoke")
async def revoke_token(
    request: Request, app_id: AppId, principal: WebAdminDep, db: DbDep
) -> Response:
    """Revoke one of the app's installation tokens (`token_id`)."""
    await check_form_csrf(request, principal)
    form = await request.form()
    token_id = optional_id(field(form, "token_id"))
    try:
        if token_id is None:
            raise validation_error("Choose a token", field_name="token_id")
        async with db.transaction() as uow:
            await app_service.revoke_app_token(uow, app_id=app_id, token_id=token_id)
    except AppError as exc:
        return await _app_page(
            request,
            principal,
            db,
            app_id=app_id,
            errors=form_errors(exc, aliases={"": "token_id"}),
            status_code=exc.status,
        )
    return RedirectResponse(f"/settings/apps/{app_id}#tokens", status_code=303)


async def _delivery_log(
    db: Database, settings: Settings, *, app_id: int, channel_id: int
) -> dict[str, Any]:
    async with db.read() as uow:
        channel = await channel_admin.get_connectable_channel(uow, channel_id=channel_id)
        if channel.app_id != app_id:
            raise AppError("Channel not found", "OBJECT_NOT_FOUND", 404)
        page = await delivery_service.list_deliveries(
            uow,
            app_id=app_id,
            order_wait_s=settings.delivery_order_wait_s,
            channel_id=channel_id,
            limit=DELIVERY_LOG_ROWS,
        )
        attempts = {
            job.id: await delivery_queries.list_attempts(uow, job_id=job.id) for job in page.rows
        }
        threads = await channel_admin.threads_of_messages(
            uow, message_ids=[j.message_id for j in page.rows if j.message_id is not None]
        )
        app = await app_service.get_app(uow, app_id=app_id)
    return {
        "app": app,
        "channel": channel,
        "jobs": page.rows,
        "attempts": attempts,
        "threads": threads,
        "more": page.next_cursor is not None,
    }


@router.get("/settings/apps/{appId}/channels/{channelId}/deliveries")
async def delivery_log(
    request: Request,
    app_id: AppId,
    channel_id: ChannelId,
    principal: WebAdminDep,
    db: DbDep,
    settings: SettingsDep,
) -> Response:
    """A channel's latest deliveries with their attempts; dead ones can be replayed."""
    context = await frame(db, principal)
    log = await _delivery_log(db, settings, app_id=app_id, channel_id=channel_id)
    return render(request, "settings_app_deliveries.html", {**context, **log, "error": None})


@router.post("/settings/apps/{appId}/channels/{channelId}/deliveries/{jobId}/replay")
async def replay(
    request: Request,
    app_id: AppId,
    channel_id: ChannelId,
    job_id: JobId,
    principal: WebAdminDep,
    db: DbDep,
    settings: SettingsDep,
) -> Response:
    """Replay a dead delivery (queued now, same event id; its FAILED message turns PENDING)."""
    await check_form_csrf(request, principal)
    try:
        async with db.transaction() as uow:
            await delivery_service.replay_delivery(
                uow, app_id=app_id, job_id=job_id, order_wait_s=settings.delivery_order_wait_s
            )
    except AppError as exc:
        context = await frame(db, principal)
        log = await _delivery_log(db, settings, app_id=app_id, channel_id=channel_id)
        return render(
            request,
            "settings_app_deliveries.html",
            {**context, **log, "error": exc.message},
            status_code=exc.status,
        )
    url = f"/settings/apps/{app_id}/channels/{channel_id}/deliveries"
    return RedirectResponse(url, status_code=303)
