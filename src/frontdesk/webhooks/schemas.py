"""Request bodies and response objects of the Webhooks API (reference 1.5, 8)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.core.models import ms_to_iso

MAX_ID = 2**63 - 1
MAX_BATCH = 100  # inputs per batch update (HubSpot's usual batch cap; UNCONFIRMED here)

# What an app may subscribe to (the SPEC enum for conversations). `privacyDeletion` is accepted
# but never sent: there is no permanent purge yet (DESIGN 1, "later").
EventType = Literal[
    "conversation.creation",
    "conversation.deletion",
    "conversation.privacyDeletion",
    "conversation.propertyChange",
    "conversation.newMessage",
]
# Thread properties a `conversation.propertyChange` carries (reference 8).
PROPERTY_NAMES = ("assignedTo", "status", "isArchived")

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Throttling(BaseModel):
    """`ThrottlingSettings`: stored and returned; deliveries do not follow it yet."""

    model_config = ConfigDict(extra="ignore")

    maxConcurrentRequests: int = Field(ge=1, le=1000)
    period: Literal["SECONDLY", "ROLLING_MINUTE"] = "SECONDLY"


class SettingsChange(BaseModel):
    """`SettingsChangeRequest`: where events go and how fast."""

    model_config = ConfigDict(extra="ignore")

    targetUrl: str = Field(max_length=2048)
    throttling: Throttling


class SubscriptionCreate(BaseModel):
    """`SubscriptionCreateRequest` (`objectTypeId` and `eventTypeName` are ignored)."""

    model_config = ConfigDict(extra="ignore")

    eventType: EventType
    propertyName: str | None = Field(default=None, max_length=64)
    active: bool = False


class SubscriptionPatch(BaseModel):
    """`SubscriptionPatchRequest`: pause or activate."""

    model_config = ConfigDict(extra="ignore")

    active: bool


class SubscriptionBatchInput(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Id
    active: bool


class SubscriptionBatchUpdate(BaseModel):
    """`BatchInputSubscriptionBatchUpdateRequest`."""

    model_config = ConfigDict(extra="ignore")

    inputs: list[SubscriptionBatchInput] = Field(min_length=1, max_length=MAX_BATCH)


def settings_json(row: Any) -> dict[str, Any]:
    """`SettingsResponse`."""
    return {
        "targetUrl": row.target_url,
        "throttling": {
            "maxConcurrentRequests": row.max_concurrent_requests,
            "period": row.period,
        },
        "createdAt": ms_to_iso(row.created_at),
        "updatedAt": ms_to_iso(row.updated_at),
    }


def subscription_json(row: Any) -> dict[str, Any]:
    """`SubscriptionResponse`; `propertyName` only when the subscription has one."""
    body: dict[str, Any] = {"id": str(row.id), "eventType": row.event_type}
    if row.property_name:
        body["propertyName"] = row.property_name
    body.update(
        active=row.active,
        createdAt=ms_to_iso(row.created_at),
        updatedAt=ms_to_iso(row.updated_at),
    )
    return body


def batch_json(rows: list[Any], *, started_at: int, completed_at: int) -> dict[str, Any]:
    """`BatchResponseSubscriptionResponse`."""
    return {
        "status": "COMPLETE",
        "results": [subscription_json(row) for row in rows],
        "startedAt": ms_to_iso(started_at),
        "completedAt": ms_to_iso(completed_at),
    }
