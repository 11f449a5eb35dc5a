"""The help-desk ticket list's body: one ticket per help-desk thread."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from frontdesk.conversations.schemas import agent_actor_id
from frontdesk.core.models import ms_to_iso


class PublicTicket(BaseModel):
    id: str
    inboxId: str
    inboxName: str
    threadStatus: str
    associatedContactId: str
    contactName: str
    preview: str | None = None
    ticketStatus: str | None = None
    priority: str | None = None
    category: str | None = None
    assignedTo: str | None = None
    ownerName: str | None = None
    createdAt: str
    firstResponseAt: str | None = None
    responseTimeMs: int | None = None
    latestMessageTimestamp: str | None = None


class TicketCollection(BaseModel):
    results: list[PublicTicket]
    paging: dict[str, Any] | None = None


def contact_label(row: Any) -> str:
    return str(row.contact_name or row.contact_email or row.contact_phone or "Unknown contact")


def response_time_ms(row: Any) -> int | None:
    if row.first_response_at is None:
        return None
    return max(0, int(row.first_response_at) - int(row.created_at))


def duration_text(ms: int | None) -> str:
    """A response time as people say it: "45 s", "12 min", "3 h 5 min", "2 d 4 h"."""
    if ms is None:
        return "—"
    seconds = ms // 1000
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def ticket_json(row: Any) -> dict[str, Any]:
    """One row of `queries.list_tickets` as `PublicTicket`."""
    properties = row.properties or {}
    return {
        "id": str(row.id),
        "inboxId": str(row.inbox_id),
        "inboxName": row.inbox_name,
        "threadStatus": row.status,
        "associatedContactId": str(row.contact_id),
        "contactName": contact_label(row),
        "preview": row.last_message_preview,
        "ticketStatus": properties.get("ticket_status"),
        "priority": properties.get("priority"),
        "category": properties.get("category"),
        "assignedTo": agent_actor_id(row.assignee_id),
        "ownerName": row.owner_name,
        "createdAt": ms_to_iso(row.created_at),
        "firstResponseAt": ms_to_iso(row.first_response_at),
        "responseTimeMs": response_time_ms(row),
        "latestMessageTimestamp": ms_to_iso(row.latest_message_at),
    }
