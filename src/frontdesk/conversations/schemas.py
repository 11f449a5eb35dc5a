"""Conversations API bodies for inboxes, threads and the assignee (reference 7.1, 7.4).

Requests are pydantic models (validated, documented). Responses are built as plain dicts by
`inbox_json` / `thread_json` (no response validation on list paths); the `Public*` models only
document them in OpenAPI.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from frontdesk.core.models import ms_to_iso

ThreadStatus = Literal["OPEN", "CLOSED"]


class ThreadUpdate(BaseModel):
    """`PublicThreadUpdateRequest`: send `status` and/or `properties`, or `{"archived": false}`
    alone."""

    model_config = ConfigDict(extra="forbid")

    status: ThreadStatus | None = Field(default=None, description="New status of the thread.")
    properties: dict[str, Any] | None = Field(
        default=None,
        description=(
            "Thread properties to set (null or empty clears one): `priority`, `category`, "
            "custom ones, and on help-desk threads `ticket_status` (CLOSED closes the thread)."
        ),
        examples=[{"priority": "HIGH", "ticket_status": "WAITING_ON_US"}],
    )
    archived: StrictBool | None = Field(
        default=None,
        description="Only `false`, with `?archived=true`: restores an archived thread.",
    )


class AssigneeUpdate(BaseModel):
    """Body of PUT .../threads/{threadId}/assignee."""

    model_config = ConfigDict(extra="forbid")

    actorId: str = Field(description="Agent actor id of the new assignee.", examples=["A-123"])


class PublicInbox(BaseModel):
    id: str
    name: str
    type: Literal["INBOX", "HELP_DESK"]
    createdAt: str
    updatedAt: str
    archived: bool
    archivedAt: str | None = None


class NextPage(BaseModel):
    after: str
    link: str | None = None


class Paging(BaseModel):
    next: NextPage


class InboxCollection(BaseModel):
    total: int
    results: list[PublicInbox]
    paging: Paging | None = None


class ThreadAssociations(BaseModel):
    associatedTicketId: str | None = None


class PublicThread(BaseModel):
    id: str
    createdAt: str
    status: ThreadStatus
    closedAt: str | None = None
    inboxId: str
    associatedContactId: str
    assignedTo: str | None = None
    originalChannelId: str
    originalChannelAccountId: str
    latestMessageTimestamp: str | None = None
    latestMessageSentTimestamp: str | None = None
    latestMessageReceivedTimestamp: str | None = None
    spam: bool
    archived: bool
    threadAssociations: ThreadAssociations | None = None
    properties: dict[str, Any] | None = Field(
        default=None,
        description="Thread properties (priority, category, ticket_status, custom); when set.",
    )
    firstResponseAt: str | None = Field(
        default=None, description="Help desk: when the first agent reply was written."
    )


class ThreadCollection(BaseModel):
    results: list[PublicThread]
    paging: Paging | None = None


def agent_actor_id(user_id: int | None) -> str | None:
    return None if user_id is None else f"A-{user_id}"


def inbox_json(row: Any) -> dict[str, Any]:
    """One inbox as `PublicInbox`; `archivedAt` only when set."""
    body: dict[str, Any] = {
        "id": str(row.id),
        "name": row.name,
        "type": row.kind,
        "createdAt": ms_to_iso(row.created_at),
        "updatedAt": ms_to_iso(row.updated_at),
        "archived": row.archived,
    }
    if row.archived_at is not None:
        body["archivedAt"] = ms_to_iso(row.archived_at)
    return body


def thread_json(row: Any) -> dict[str, Any]:
    """One thread as `PublicThread`; optional fields are left out when empty."""
    optional = {
        "closedAt": ms_to_iso(row.closed_at) if row.status == "CLOSED" else None,
        "assignedTo": agent_actor_id(row.assignee_id),
        "latestMessageTimestamp": ms_to_iso(row.latest_message_at),
        "latestMessageSentTimestamp": ms_to_iso(row.latest_sent_at),
        "latestMessageReceivedTimestamp": ms_to_iso(row.latest_received_at),
        "properties": dict(row.properties) if row.properties else None,
        "firstResponseAt": ms_to_iso(row.first_response_at),
    }
    body: dict[str, Any] = {
        "id": str(row.id),
        "createdAt": ms_to_iso(row.created_at),
        "status": row.status,
        "inboxId": str(row.inbox_id),
        "associatedContactId": str(row.contact_id),
        "originalChannelId": str(row.channel_id),
        "originalChannelAccountId": str(row.channel_account_id),
        "spam": row.spam,
        "archived": row.archived,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    return body
