"""HubSpot's Webhooks API for an app's conversation events (reference 1.5, 8), under
`/webhooks/v3/{appId}` and, undocumented here, `/webhooks/2026-03/{appId}`.

Authentication: the app's developer key as `hapikey`. HubSpot's clients send the app id only
in the path; a query `appId` (as the custom-channel endpoints take it) is accepted too and
must name the same app.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from frontdesk.api.deps import DbDep, SettingsDep, require_developer
from frontdesk.api.responses import JsonResponse, created, no_content
from frontdesk.core.errors import Forbidden
from frontdesk.core.models import now_ms
from frontdesk.webhooks import service as webhook_service
from frontdesk.webhooks.schemas import (
    MAX_ID,
    SettingsChange,
    SubscriptionBatchUpdate,
    SubscriptionCreate,
    SubscriptionPatch,
    batch_json,
    settings_json,
    subscription_json,
)

router = APIRouter()

V3 = "/webhooks/v3/{appId}"
DATED = "/webhooks/2026-03/{appId}"

AppIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The app's id")]
SubscriptionId = Annotated[int, Path(ge=1, le=MAX_ID)]


async def require_path_app(
    db: DbDep,
    appId: AppIdPath,
    hapikey: Annotated[str | None, Query(description="The app's developer API key")] = None,
    query_app_id: Annotated[
        int | None, Query(alias="appId", description="Optional; must equal the path's appId")
    ] = None,
) -> int:
    """The app of the path, when `hapikey` is its developer key: 401 for a wrong key, 403 for
    a valid key of another app (named by the query `appId`)."""
    if query_app_id is not None and query_app_id != appId:
        await require_developer(db, hapikey=hapikey, appId=query_app_id)
        raise Forbidden(f"The developer key of app {query_app_id} cannot manage app {appId}")
    await require_developer(db, hapikey=hapikey, appId=appId)
    return appId


AppDep = Annotated[int, Depends(require_path_app)]


# --- settings ------------------------------------------------------------------------------


@router.get(V3 + "/settings", summary="Read webhook settings")
@router.get(DATED + "/settings", include_in_schema=False)
async def get_settings(app_id: AppDep, db: DbDep) -> Response:
    """The app's target URL and throttling; 404 when none are set."""
    async with db.read() as uow:
        row = await webhook_service.get_settings(uow, app_id=app_id)
    return JsonResponse(settings_json(row))


@router.put(V3 + "/settings", summary="Set webhook settings")
@router.put(DATED + "/settings", include_in_schema=False)
async def put_settings(
    body: SettingsChange, app_id: AppDep, db: DbDep, settings: SettingsDep
) -> Response:
    """Set where the app's events go; private-network URLs are refused unless allowed."""
    # Resolving the host may take a while: done before the transaction holds the writer.
    await webhook_service.check_target_url(
        body.targetUrl, allow_private=settings.webhook_allow_private
    )
    async with db.transaction() as uow:
        row = await webhook_service.put_settings(uow, app_id=app_id, data=body)
    return JsonResponse(settings_json(row))


@router.delete(V3 + "/settings", status_code=204, summary="Clear webhook settings")
@router.delete(DATED + "/settings", status_code=204, include_in_schema=False)
async def delete_settings(app_id: AppDep, db: DbDep) -> Response:
    """Clear the target URL: no events are sent until it is set again."""
    async with db.transaction() as uow:
        await webhook_service.delete_settings(uow, app_id=app_id)
    return no_content()


# --- subscriptions -------------------------------------------------------------------------


@router.get(V3 + "/subscriptions", summary="List event subscriptions")
@router.get(DATED + "/subscriptions", include_in_schema=False)
async def list_subscriptions(app_id: AppDep, db: DbDep) -> Response:
    """Every subscription of the app."""
    async with db.read() as uow:
        rows = await webhook_service.list_subscriptions(uow, app_id=app_id)
    return JsonResponse({"results": [subscription_json(row) for row in rows]})


@router.post(V3 + "/subscriptions", status_code=201, summary="Create an event subscription")
@router.post(DATED + "/subscriptions", status_code=201, include_in_schema=False)
async def create_subscription(
    request: Request, body: SubscriptionCreate, app_id: AppDep, db: DbDep
) -> Response:
    """Subscribe to a conversation event type (needs a token with conversations.read)."""
    async with db.transaction() as uow:
        row = await webhook_service.create_subscription(uow, app_id=app_id, data=body)
    return created(subscription_json(row), f"{request.url.replace(query='')}/{row.id}")


@router.post(V3 + "/subscriptions/batch/update", summary="Activate or pause subscriptions")
@router.post(DATED + "/subscriptions/batch/update", include_in_schema=False)
async def batch_update_subscriptions(
    body: SubscriptionBatchUpdate, app_id: AppDep, db: DbDep
) -> Response:
    """Set `active` on several subscriptions: all of them or, on any bad input, none."""
    started_at = now_ms()
    async with db.transaction() as uow:
        rows = await webhook_service.batch_set_active(uow, app_id=app_id, inputs=body.inputs)
    return JsonResponse(batch_json(rows, started_at=started_at, completed_at=now_ms()))


@router.get(V3 + "/subscriptions/{subscriptionId}", summary="Read an event subscription")
@router.get(DATED + "/subscriptions/{subscriptionId}", include_in_schema=False)
async def get_subscription(subscriptionId: SubscriptionId, app_id: AppDep, db: DbDep) -> Response:
    """One of the app's subscriptions."""
    async with db.read() as uow:
        row = await webhook_service.get_subscription(
            uow, app_id=app_id, subscription_id=subscriptionId
        )
    return JsonResponse(subscription_json(row))


@router.patch(V3 + "/subscriptions/{subscriptionId}", summary="Activate or pause a subscription")
@router.patch(DATED + "/subscriptions/{subscriptionId}", include_in_schema=False)
async def patch_subscription(
    subscriptionId: SubscriptionId, body: SubscriptionPatch, app_id: AppDep, db: DbDep
) -> Response:
    """Set `active` on one subscription."""
    async with db.transaction() as uow:
        row = await webhook_service.set_active(
            uow, app_id=app_id, subscription_id=subscriptionId, active=body.active
        )
    return JsonResponse(subscription_json(row))


@router.delete(
    V3 + "/subscriptions/{subscriptionId}", status_code=204, summary="Delete a subscription"
)
@router.delete(DATED + "/subscriptions/{subscriptionId}", status_code=204, include_in_schema=False)
async def delete_subscription(
    subscriptionId: SubscriptionId, app_id: AppDep, db: DbDep
) -> Response:
    """Remove a subscription; events already queued are still delivered."""
    async with db.transaction() as uow:
        await webhook_service.delete_subscription(
            uow, app_id=app_id, subscription_id=subscriptionId
        )
    return no_content()
