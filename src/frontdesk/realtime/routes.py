"""GET /frontdesk/v1/events: the event log as Server-Sent Events (DESIGN 6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request

from frontdesk.api.deps import Principal, authenticate
from frontdesk.core.errors import MissingScopes
from frontdesk.realtime.hub import EventHub
from frontdesk.realtime.stream import (
    READ_SCOPE,
    EventStreamResponse,
    KeepAlive,
    open_stream,
    parse_last_event_id,
)

router = APIRouter()


async def require_event_reader(request: Request) -> Principal:
    """A user (personal token or web session) or an app whose token holds conversations.read."""
    principal = await authenticate(request, request.app.state.db)
    if principal.kind == "app" and READ_SCOPE not in principal.scopes:
        raise MissingScopes([READ_SCOPE])
    return principal


ReaderDep = Annotated[Principal, Depends(require_event_reader)]


@router.get(
    "/frontdesk/v1/events",
    response_description="One frame per event: `id`, `event` (its name), `data` (JSON).",
    response_class=EventStreamResponse,
)
async def stream_events(
    request: Request,
    principal: ReaderDep,
    last_event_id: Annotated[
        str | None,
        Header(alias="Last-Event-ID", description="Resume after this event id."),
    ] = None,
    last_event_id_query: Annotated[
        str | None,
        Query(alias="lastEventId", description="Like Last-Event-ID, for clients without headers."),
    ] = None,
) -> EventStreamResponse:
    """Stream the events the caller may see as Server-Sent Events; resume after Last-Event-ID
    (without it, only new events). A user's open stream keeps them present (online) for
    automatic assignment."""
    hub: EventHub = request.app.state.hub
    after_id = parse_last_event_id(last_event_id, last_event_id_query)
    keep_alive: KeepAlive | None = None
    if principal.kind == "user" and principal.user_id is not None:
        keep_alive = request.app.state.presence.keeper(principal.user_id)
    return open_stream(hub, principal=principal, after_id=after_id, keep_alive=keep_alive)
