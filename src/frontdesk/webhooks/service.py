"""Webhook settings and subscriptions of an app (reference 1.5, 8), and the look-ups the
event handlers and the delivery task make."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select, update

from frontdesk.apps.models import AccessToken
from frontdesk.core import http
from frontdesk.core.cache import TtlCache
from frontdesk.core.db import UnitOfWork, insert_or_ignore
from frontdesk.core.errors import AppError, Conflict, ErrorDetail, NotFound, validation_error
from frontdesk.core.models import now_ms
from frontdesk.webhooks.models import WebhookSettings, WebhookSubscription
from frontdesk.webhooks.schemas import (
    PROPERTY_NAMES,
    SettingsChange,
    SubscriptionBatchInput,
    SubscriptionCreate,
)

READ_SCOPE = "conversations.read"  # what conversation.* subscriptions need (reference 8)
SENT_EVENT_TYPES = (
    "conversation.creation",
    "conversation.deletion",
    "conversation.propertyChange",
    "conversation.newMessage",
)


# --- settings ------------------------------------------------------------------------------


async def check_target_url(url: str, *, allow_private: bool) -> None:
    """400 on `targetUrl` unless events may be sent there (shape, then private networks)."""
    problem = await http.check_target(url, allow_private=allow_private)
    if problem is not None:
        raise validation_error(f"targetUrl {problem}", field_name="targetUrl")


async def get_settings(uow: UnitOfWork, *, app_id: int) -> Any:
    """The app's webhook settings; 404 when none are set."""
    row = (
        await uow.execute(select(WebhookSettings).where(WebhookSettings.app_id == app_id))
    ).first()
    if row is None:
        raise NotFound("Webhook settings of app", app_id)
    return row


async def put_settings(uow: UnitOfWork, *, app_id: int, data: SettingsChange) -> Any:
    """Set the target URL and throttling (checked by `check_target_url` beforehand)."""
    _forget_subscriptions(uow)
    now = now_ms()
    values = {
        "target_url": data.targetUrl,
        "max_concurrent_requests": data.throttling.maxConcurrentRequests,
        "period": data.throttling.period,
        "updated_at": now,
    }
    # Insert-or-ignore, then update: two concurrent first PUTs cannot fail on the unique key.
    inserted = await uow.scalar(
        insert_or_ignore(uow.dialect, WebhookSettings, conflict=["app_id"])
        .values(app_id=app_id, created_at=now, **values)
        .returning(WebhookSettings.id)
    )
    if inserted is None:
        await uow.execute(
            update(WebhookSettings).where(WebhookSettings.app_id == app_id).values(**values)
        )
    return await get_settings(uow, app_id=app_id)


async def delete_settings(uow: UnitOfWork, *, app_id: int) -> None:
    """Clear the target URL: nothing is sent until it is set again (idempotent)."""
    _forget_subscriptions(uow)
    await uow.execute(delete(WebhookSettings).where(WebhookSettings.app_id == app_id))


async def target_url(uow: UnitOfWork, *, app_id: int) -> str | None:
    """Where the app's events go right now, or None when its settings were deleted."""
    url: str | None = await uow.scalar(
        select(WebhookSettings.target_url).where(WebhookSettings.app_id == app_id)
    )
    return url


# --- subscriptions -------------------------------------------------------------------------


async def apps_with_read_scope(uow: UnitOfWork, *, app_ids: Iterable[int]) -> set[int]:
    """Those of `app_ids` holding a live installation token with `conversations.read`."""
    ids = list(set(app_ids))
    if not ids:
        return set()
    rows = await uow.execute(
        select(AccessToken.app_id, AccessToken.scopes).where(
            AccessToken.app_id.in_(ids),
            AccessToken.kind == "app",
            AccessToken.revoked_at.is_(None),
        )
    )
    return {row.app_id for row in rows if READ_SCOPE in row.scopes}


async def _require_read_scope(uow: UnitOfWork, *, app_id: int) -> None:
    if app_id not in await apps_with_read_scope(uow, app_ids=[app_id]):
        raise AppError(
            f"Subscribing to conversation events needs the {READ_SCOPE} scope: no installation "
            f"token of app {app_id} has it",
            category="MISSING_SCOPES",
            status=403,
            context={"requiredGranularScopes": [READ_SCOPE], "missingScopes": [READ_SCOPE]},
        )


def _property_name(data: SubscriptionCreate) -> str:
    name = (data.propertyName or "").strip()
    if not name:
        return ""
    if data.eventType != "conversation.propertyChange":
        raise validation_error(
            "propertyName applies to conversation.propertyChange only", field_name="propertyName"
        )
    if name not in PROPERTY_NAMES:
        raise validation_error(
            f"propertyName must be one of {', '.join(PROPERTY_NAMES)}", field_name="propertyName"
        )
    return name


async def list_subscriptions(uow: UnitOfWork, *, app_id: int) -> list[Any]:
    """The app's subscriptions, oldest first."""
    statement = (
        select(WebhookSubscription)
        .where(WebhookSubscription.app_id == app_id)
        .order_by(WebhookSubscription.id)
    )
    return list((await uow.execute(statement)).all())


async def get_subscription(uow: UnitOfWork, *, app_id: int, subscription_id: int) -> Any:
    """One of the app's subscriptions; another app's is a 404."""
    row = (
        await uow.execute(
            select(WebhookSubscription).where(
                WebhookSubscription.id == subscription_id, WebhookSubscription.app_id == app_id
            )
        )
    ).first()
    if row is None:
        raise NotFound("Subscription", subscription_id, field_name="subscriptionId")
    return row


async def create_subscription(uow: UnitOfWork, *, app_id: int, data: SubscriptionCreate) -> Any:
    """Subscribe the app to an event type; the same type and property twice is a 409."""
    _forget_subscriptions(uow)
    property_name = _property_name(data)
    await _require_read_scope(uow, app_id=app_id)
    now = now_ms()
    subscription_id = await uow.scalar(
        insert_or_ignore(
            uow.dialect, WebhookSubscription, conflict=["app_id", "event_type", "property_name"]
        )
        .values(
            app_id=app_id,
            event_type=data.eventType,
            property_name=property_name,
            active=data.active,
            created_at=now,
            updated_at=now,
        )
        .returning(WebhookSubscription.id)
    )
    if subscription_id is None:
        raise Conflict(
            f"App {app_id} already subscribes to {data.eventType}"
            + (f" ({property_name})" if property_name else ""),
            field_name="eventType",
        )
    return await get_subscription(uow, app_id=app_id, subscription_id=subscription_id)


async def set_active(uow: UnitOfWork, *, app_id: int, subscription_id: int, active: bool) -> Any:
    """Activate or pause one subscription."""
    await get_subscription(uow, app_id=app_id, subscription_id=subscription_id)
    if active:
        await _require_read_scope(uow, app_id=app_id)
    await _write_active(uow, [subscription_id], active=active)
    return await get_subscription(uow, app_id=app_id, subscription_id=subscription_id)


async def _write_active(uow: UnitOfWork, ids: Sequence[int], *, active: bool) -> None:
    _forget_subscriptions(uow)
    if ids:
        await uow.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id.in_(ids))
            .values(active=active, updated_at=now_ms())
        )


async def batch_set_active(
    uow: UnitOfWork, *, app_id: int, inputs: Sequence[SubscriptionBatchInput]
) -> list[Any]:
    """Activate or pause several subscriptions at once: all of them, or (on any bad input)
    none. Results come in the order of `inputs`."""
    ids = [item.id for item in inputs]
    owned = {
        row.id
        for row in await uow.execute(
            select(WebhookSubscription.id).where(
                WebhookSubscription.app_id == app_id, WebhookSubscription.id.in_(ids)
            )
        )
    }
    seen: set[int] = set()
    for index, item in enumerate(inputs):
        where = f"inputs[{index}].id"
        if item.id in seen:
            raise validation_error(f"Subscription {item.id} appears twice", field_name=where)
        seen.add(item.id)
        if item.id not in owned:
            text = f"Subscription {item.id} not found"
            raise AppError(text, "OBJECT_NOT_FOUND", 404, [ErrorDetail(text, in_=where)])
    if any(item.active for item in inputs):
        await _require_read_scope(uow, app_id=app_id)
    for active in (True, False):
        await _write_active(uow, [i.id for i in inputs if i.active is active], active=active)
    rows = {row.id: row for row in await list_subscriptions(uow, app_id=app_id)}
    return [rows[item.id] for item in inputs]


async def delete_subscription(uow: UnitOfWork, *, app_id: int, subscription_id: int) -> None:
    """Remove one subscription; events already queued are still delivered."""
    _forget_subscriptions(uow)
    await get_subscription(uow, app_id=app_id, subscription_id=subscription_id)
    await uow.execute(delete(WebhookSubscription).where(WebhookSubscription.id == subscription_id))


# Read inside every transaction that carries conversation or message events (publish too):
# cached, cleared after a local change, seen by other processes within the TTL.
SUBSCRIPTIONS_TTL_S = 1.0
_subscriptions: TtlCache[list[Any]] = TtlCache(ttl_s=SUBSCRIPTIONS_TTL_S)


def _forget_subscriptions(uow: UnitOfWork) -> None:
    uow.after_commit(_subscriptions.clear)


async def deliverable_subscriptions(uow: UnitOfWork) -> list[Any]:
    """Every active subscription that can fire now: its app has a target URL and a token
    with `conversations.read`. Rows carry id, app_id, event_type, property_name."""
    cached = _subscriptions.get(uow.database_key)
    if cached is None:
        cached = await _load_deliverable_subscriptions(uow)
        _subscriptions.put(uow.database_key, cached)
    return cached


async def _load_deliverable_subscriptions(uow: UnitOfWork) -> list[Any]:
    rows = list(
        await uow.execute(
            select(
                WebhookSubscription.id,
                WebhookSubscription.app_id,
                WebhookSubscription.event_type,
                WebhookSubscription.property_name,
            )
            .join(WebhookSettings, WebhookSettings.app_id == WebhookSubscription.app_id)
            .where(
                WebhookSubscription.active.is_(True),
                WebhookSubscription.event_type.in_(SENT_EVENT_TYPES),
            )
            .order_by(WebhookSubscription.id)
        )
    )
    readers = await apps_with_read_scope(uow, app_ids=(row.app_id for row in rows))
    return [row for row in rows if row.app_id in readers]
