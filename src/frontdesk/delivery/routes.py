"""/frontdesk/v1: the delivery log, replay of dead deliveries, and app secret rotation.

Admins see every delivery; an app's token sees the deliveries of its own channels and
subscriptions (DESIGN 8); agents see none.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from frontdesk.api.deps import (
    AdminDep,
    DbDep,
    Principal,
    SettingsDep,
    authenticate,
)
from frontdesk.api.responses import JsonResponse
from frontdesk.core.errors import Forbidden
from frontdesk.core.models import INT64_MAX
from frontdesk.core.pagination import page_body
from frontdesk.delivery import service as delivery_service
from frontdesk.delivery.schemas import (
    JobStatus,
    SecretRotation,
    app_json,
    job_detail_json,
    job_json,
    rotation_json,
)

router = APIRouter(prefix="/frontdesk/v1")

JobId = Annotated[int, Path(alias="jobId", ge=1, le=INT64_MAX)]
AppId = Annotated[int, Path(alias="appId", ge=1, le=INT64_MAX)]


async def require_delivery_viewer(request: Request, db: DbDep) -> Principal:
    """An admin, or an app (which sees only its own deliveries)."""
    principal = await authenticate(request, db)
    if principal.kind == "user" and not principal.is_admin:
        raise Forbidden("Only admins and apps may see deliveries")
    return principal


ViewerDep = Annotated[Principal, Depends(require_delivery_viewer)]


def _app_scope(principal: Principal) -> int | None:
    return principal.app_id if principal.kind == "app" else None


@router.get("/deliveries")
async def list_deliveries(
    request: Request,
    principal: ViewerDep,
    db: DbDep,
    settings: SettingsDep,
    channel_id: Annotated[int | None, Query(alias="channelId", ge=1, le=INT64_MAX)] = None,
    status: Annotated[list[JobStatus] | None, Query(description="Repeatable.")] = None,
    message_id: Annotated[int | None, Query(alias="messageId", ge=1, le=INT64_MAX)] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    after: Annotated[str | None, Query(description="The cursor of the next page.")] = None,
    limit: Annotated[int | None, Query(description="Page size (default 100, at most 500).")] = None,
) -> JsonResponse:
    """List deliveries (webhook jobs), newest first, by channel, status, message or kind."""
    async with db.read() as uow:
        page = await delivery_service.list_deliveries(
            uow,
            app_id=_app_scope(principal),
            order_wait_s=settings.delivery_order_wait_s,
            channel_id=channel_id,
            statuses=status or (),
            message_id=message_id,
            kind=kind,
            after=after,
            limit=limit,
        )
    query: dict[str, Any] = {k: request.query_params.getlist(k) for k in request.query_params}
    body = page_body(
        [job_json(row) for row in page.rows],
        next_cursor=page.next_cursor,
        base_url=str(request.url.replace(query="")),
        query=query,
    )
    return JsonResponse(body)


@router.get("/deliveries/{jobId}")
async def get_delivery(
    job_id: JobId, principal: ViewerDep, db: DbDep, settings: SettingsDep
) -> JsonResponse:
    """One delivery with every attempt: time, duration, response status, body (first KiB)."""
    async with db.read() as uow:
        detail = await delivery_service.get_delivery(
            uow,
            app_id=_app_scope(principal),
            job_id=job_id,
            order_wait_s=settings.delivery_order_wait_s,
        )
    return JsonResponse(job_detail_json(detail.job, detail.attempts))


@router.post("/deliveries/{jobId}/replay")
async def replay_delivery(
    job_id: JobId, principal: ViewerDep, db: DbDep, settings: SettingsDep
) -> JsonResponse:
    """Replay a dead delivery: queued now, same event id; its FAILED message becomes PENDING."""
    async with db.transaction() as uow:
        detail = await delivery_service.replay_delivery(
            uow,
            app_id=_app_scope(principal),
            job_id=job_id,
            order_wait_s=settings.delivery_order_wait_s,
        )
    return JsonResponse(job_detail_json(detail.job, detail.attempts))


@router.get("/apps/{appId}")
async def get_app(app_id: AppId, _admin: AdminDep, db: DbDep) -> JsonResponse:
    """An app, and whether secrets replaced by a rotation still sign (admins only)."""
    async with db.read() as uow:
        summary = await delivery_service.get_app_summary(uow, app_id=app_id)
    return JsonResponse(app_json(summary.app, previous_valid_until=summary.previous_valid_until))


@router.post("/apps/{appId}/secrets/rotate")
async def rotate_app_secrets(
    app_id: AppId, _admin: AdminDep, db: DbDep, body: SecretRotation | None = None
) -> JsonResponse:
    """New client and webhook secrets, current at once; the replaced webhook secret keeps
    signing beside the new one for `gracePeriodSeconds` (admins only; shown once)."""
    grace_s = (body or SecretRotation()).gracePeriodSeconds
    async with db.transaction() as uow:
        rotated = await delivery_service.rotate_app_secrets(uow, app_id=app_id, grace_s=grace_s)
    body_json = rotation_json(
        rotated.client_secret, rotated.webhook_secret, rotated.previous_valid_until
    )
    # Secrets are shown once: no cache along the way may keep them.
    return JsonResponse(body_json, headers={"Cache-Control": "no-store"})
