"""Request bodies and response objects of custom channels and channel accounts
(reference 3, 4, 7.2, 7.3)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from frontdesk.core.models import ms_to_iso

MAX_ID = 2**63 - 1  # ids are BIGINT columns: a larger number is refused, not sent to the driver
MAX_URL_CHARS = 2048
MAX_NAME_CHARS = 200
MAX_DESCRIPTION_CHARS = 2000


def check_url(value: str) -> str:
    """An absolute http(s) URL of at most 2048 characters (private networks: a later check)."""
    if len(value) > MAX_URL_CHARS:
        raise ValueError(f"must be at most {MAX_URL_CHARS} characters")
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in value)
    ):
        raise ValueError("must be an absolute http or https URL")
    return value


def check_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Url = Annotated[str, AfterValidator(check_url)]
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS), AfterValidator(check_name)]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION_CHARS)]
DeliveryIdentifierTypeName = Literal[
    "HS_EMAIL_ADDRESS", "HS_PHONE_NUMBER", "CHANNEL_SPECIFIC_OPAQUE_ID", "HS_SHORT_CODE"
]


class ChannelCreate(BaseModel):
    """`PublicChannelIntegrationChannelCreate`: `capabilities` is checked by the service."""

    model_config = ConfigDict(extra="ignore")

    name: Name
    capabilities: dict[str, Any]
    webhookUrl: Url | None = None
    channelAccountConnectionRedirectUrl: Url | None = None
    channelDescription: Description | None = None
    channelLogoUrl: Url | None = None


class ChannelPatch(BaseModel):
    """`PublicChannelIntegrationChannelPatch`: an absent field is left alone, `null` clears
    an optional one (the service refuses `null` for `name` and `capabilities`)."""

    model_config = ConfigDict(extra="ignore")

    name: Name | None = None
    capabilities: dict[str, Any] | None = None
    webhookUrl: Url | None = None
    channelAccountConnectionRedirectUrl: Url | None = None
    channelDescription: Description | None = None
    channelLogoUrl: Url | None = None


class DeliveryIdentifier(BaseModel):
    """`PublicDeliveryIdentifier`; the value is normalised by the service."""

    type: DeliveryIdentifierTypeName
    value: str


class ChannelAccountCreate(BaseModel):
    """`PublicChannelAccountEgg`."""

    model_config = ConfigDict(extra="ignore")

    inboxId: Id = Field(description="The inbox (or help desk) that receives the threads.")
    name: Name
    authorized: bool
    deliveryIdentifier: DeliveryIdentifier | None = None


class ChannelAccountPatch(BaseModel):
    """`PublicChannelAccountUpdateRequest`: other fields (inbox, identifier) cannot change."""

    model_config = ConfigDict(extra="ignore")

    name: Name | None = None
    authorized: bool | None = None


class StagingTokenUpdate(BaseModel):
    """`PublicChannelAccountStagingTokenUpdateRequest` (both optional in v3 and 2026-03)."""

    model_config = ConfigDict(extra="ignore")

    accountName: Name | None = None
    deliveryIdentifier: DeliveryIdentifier | None = None


# Column of each channel field that the API names differently.
CHANNEL_COLUMNS = {
    "name": "name",
    "capabilities": "capabilities",
    "webhookUrl": "webhook_url",
    "channelAccountConnectionRedirectUrl": "connection_url",
    "channelDescription": "description",
    "channelLogoUrl": "logo_url",
}


def channel_json(row: Any) -> dict[str, Any]:
    """`PublicChannelIntegrationChannel`; optional fields that are unset are omitted."""
    body: dict[str, Any] = {
        "id": str(row.id),
        "name": row.name,
        "capabilities": row.capabilities,
        "createdAt": ms_to_iso(row.created_at),
    }
    for field_name in (
        "webhookUrl",
        "channelAccountConnectionRedirectUrl",
        "channelDescription",
        "channelLogoUrl",
    ):
        value = getattr(row, CHANNEL_COLUMNS[field_name])
        if value is not None:
            body[field_name] = value
    return body


def public_channel_json(row: Any) -> dict[str, Any]:
    """`PublicChannel` of the Conversations API: id and name only."""
    return {"id": str(row.id), "name": row.name}


def delivery_identifier_json(type_: str | None, value: str | None) -> dict[str, str] | None:
    if type_ is None or value is None:
        return None
    return {"type": type_, "value": value}


def channel_account_json(row: Any) -> dict[str, Any]:
    """`PublicChannelAccount` (reference 4.1)."""
    body: dict[str, Any] = {
        "id": str(row.id),
        "channelId": str(row.channel_id),
        "inboxId": str(row.inbox_id),
        "name": row.name,
        "active": row.active,
        "authorized": row.authorized,
        "archived": row.archived,
        "createdAt": ms_to_iso(row.created_at),
    }
    if row.archived and row.archived_at is not None:
        body["archivedAt"] = ms_to_iso(row.archived_at)
    identifier = delivery_identifier_json(row.delivery_type, row.delivery_value)
    if identifier is not None:
        body["deliveryIdentifier"] = identifier
    return body


def staging_token_json(row: Any) -> dict[str, Any]:
    """`PublicChannelAccountStagingToken`. The spec types its three ids as int32, unlike the
    string ids elsewhere, so typed HubSpot clients read them as numbers."""
    body: dict[str, Any] = {
        "accountToken": row.token,
        "createdAt": ms_to_iso(row.created_at),
        "genericChannelId": row.channel_id,
        "inboxId": row.inbox_id,
        "userId": row.user_id,
    }
    if row.account_name is not None:
        body["accountName"] = row.account_name
    identifier = delivery_identifier_json(row.delivery_type, row.delivery_value)
    if identifier is not None:
        body["deliveryIdentifier"] = identifier
    return body


class AssignmentTargets(BaseModel):
    """Who automatic assignment chooses among (mode USERS_AND_TEAMS)."""

    model_config = ConfigDict(extra="forbid")

    userIds: list[Id] = Field(default_factory=list, max_length=500)
    teamIds: list[Id] = Field(default_factory=list, max_length=500)


class ChannelAccountRouting(BaseModel):
    """A channel account's routing (DESIGN 7): properties of its new conversations, automatic
    assignment, and what a message on a closed conversation does."""

    model_config = ConfigDict(extra="forbid")

    defaultProperties: dict[str, Any] = Field(default_factory=dict)
    assignmentMode: Literal["OFF", "USERS_AND_TEAMS", "CONTACT_OWNER"] = "OFF"
    assignmentTargets: AssignmentTargets = Field(default_factory=AssignmentTargets)
    closedThreadPolicy: Literal["REOPEN", "NEW_THREAD"] = "REOPEN"


def routing_json(account_id: int, routing: Any) -> dict[str, Any]:
    """A channel account's routing (`manage.Routing`) as the API answers it."""
    return {
        "channelAccountId": str(account_id),
        "defaultProperties": routing.default_properties,
        "assignmentMode": routing.assignment_mode,
        "assignmentTargets": {
            "userIds": [str(i) for i in routing.user_ids],
            "teamIds": [str(i) for i in routing.team_ids],
        },
        "closedThreadPolicy": routing.closed_thread_policy,
    }
