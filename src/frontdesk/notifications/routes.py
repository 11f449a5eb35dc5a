"""/frontdesk/v1: the caller's notifications and notification settings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from frontdesk.api.deps import DbDep, Principal, UserDep
from frontdesk.api.responses import JsonResponse
from frontdesk.core.errors import validation_error
from frontdesk.core.models import INT64_MAX
from frontdesk.core.pagination import check_limit, decode_cursor, page_body
from frontdesk.notifications import service as notification_service
from frontdesk.notifications.schemas import (
    MarkRead,
    NotificationSettingsRead,
    NotificationSettingsUpdate,
    notification_json,
    settings_json,
)

router = APIRouter(prefix="/frontdesk/v1")


def _user_id(principal: Principal) -> int:
    assert principal.user_id is not None
    return principal.user_id


@router.get("/me/notification-settings", response_model=NotificationSettingsRead)
async def get_notification_settings(principal: UserDep, db: DbDep) -> JsonResponse:
    """The caller's notification settings (every switch on until changed)."""
    async with db.read() as uow:
        preferences = await notification_service.get_settings(uow, user_id=_user_id(principal))
    return JsonResponse(settings_json(preferences))


@router.put("/me/notification-settings", response_model=NotificationSettingsRead)
async def update_notification_settings(
    body: NotificationSettingsUpdate, principal: UserDep, db: DbDep
) -> JsonResponse:
    """Change some of the caller's switches; those not given stay as they are."""
    async with db.transaction() as uow:
        preferences = await notification_service.update_settings(
            uow, user_id=_user_id(principal), changes=body.changes()
        )
    return JsonResponse(settings_json(preferences))


def _after_id(after: str | None) -> int | None:
    value = decode_cursor(after)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= INT64_MAX:
        raise validation_error("Invalid paging cursor", field_name="after")
    return value


@router.get("/notifications")
async def list_notifications(
    request: Request,
    principal: UserDep,
    db: DbDep,
    unread_only: Annotated[bool, Query(alias="unreadOnly")] = False,
    after: Annotated[str | None, Query(description="The cursor of the next page.")] = None,
    limit: Annotated[int | None, Query(description="Page size (default 100, at most 500).")] = None,
) -> JsonResponse:
    """The caller's notifications, newest first, with how many are unread (`unreadCount`)."""
    async with db.read() as uow:
        page = await notification_service.list_notifications(
            uow,
            user_id=_user_id(principal),
            unread_only=unread_only,
            after_id=_after_id(after),
            limit=check_limit(limit),
        )
    query = {k: request.query_params.getlist(k) for k in request.query_params}
    body: dict[str, Any] = page_body(
        [notification_json(r) for r in page.rows],
        next_cursor=page.next_after_id,
        base_url=str(request.url.replace(query="")),
        query=query,
    )
    return JsonResponse({"unreadCount": page.unread_count, **body})


@router.post("/notifications/read")
async def mark_notifications_read(
    body: Annotated[MarkRead, Body()], principal: UserDep, db: DbDep
) -> JsonResponse:
    """Mark the caller's notifications read: `{"ids": [...]}`, `{"threadId": "..."}` or
    `{"all": true}`. Answers how many changed and how many stay unread."""
    user_id = _user_id(principal)
    async with db.transaction() as uow:
        updated = await notification_service.mark_read(
            uow,
            user_id=user_id,
            ids=None if body.ids is None else [int(i) for i in body.ids],
            thread_id=None if body.threadId is None else int(body.threadId),
            everything=body.all is True,
        )
        unread = await notification_service.count_unread(uow, user_id=user_id)
    return JsonResponse({"updated": updated, "unreadCount": unread})
