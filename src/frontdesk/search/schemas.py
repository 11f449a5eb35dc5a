"""The search API's input parsing and output shape."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from frontdesk.core.errors import validation_error
from frontdesk.core.models import datetime_to_ms, ms_to_iso
from frontdesk.search.service import SearchPage, SearchResult

STATUSES = ("OPEN", "CLOSED")


def parse_moment(value: str | None, *, field_name: str, end: bool = False) -> int | None:
    """An ISO date or date-time as epoch ms; a bare date as an `until` means the whole day."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return datetime_to_ms(moment + timedelta(days=1) if end else moment)
        return datetime_to_ms(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError as exc:
        raise validation_error(
            f"{field_name} must be an ISO date or date-time", field_name=field_name
        ) from exc


def parse_assignee(value: str | None) -> int | str | None:
    if value is None or value == "":
        return None
    if value == "unassigned":
        return value
    raw = value[2:] if value.startswith("A-") else value
    if not raw.isdigit() or len(raw) > 18:
        raise validation_error(
            "assigneeId must be a user id, A-<userId>, or unassigned", field_name="assigneeId"
        )
    return int(raw)


def parse_status(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if value.upper() not in STATUSES:
        raise validation_error("status must be OPEN or CLOSED", field_name="status")
    return value.upper()


def result_json(result: SearchResult) -> dict[str, Any]:
    return {
        "threadId": str(result.thread_id),
        "messageId": str(result.message_id),
        "inboxId": str(result.inbox_id),
        "channelId": str(result.channel_id),
        "channelName": result.channel_name,
        "contactName": result.contact_name,
        "status": result.status,
        "assigneeId": None if result.assignee_id is None else str(result.assignee_id),
        "timestamp": ms_to_iso(result.at_ms),
        # Plain text parts; `match` marks the matched words. Never markup: clients escape.
        "snippet": [{"text": part, "match": matched} for part, matched in result.snippet],
    }


def page_json(page: SearchPage, *, link: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"results": [result_json(r) for r in page.results]}
    if page.next_after is not None:
        nxt: dict[str, str] = {"after": page.next_after}
        if link is not None:
            nxt["link"] = link
        body["paging"] = {"next": nxt}
    return body
