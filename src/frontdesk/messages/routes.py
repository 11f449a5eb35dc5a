"""Custom-channel message endpoints (reference 5): publish, get, and delivery status.

`custom_channel_router` is mounted under every custom-channel prefix (api/router.py). Routes
return orjson responses without response-model validation: publish is the hot path (DESIGN 10).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import Response

from frontdesk.api import direct
from frontdesk.api.deps import DbDep, Principal, SettingsDep, require_app_scopes
from frontdesk.api.responses import JsonResponse, created
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.core.errors import NotFound
from frontdesk.files.signing import file_url_factory
from frontdesk.messages import publish
from frontdesk.messages import service as message_service
from frontdesk.messages.publish_schemas import MAX_ID, PublishRequest
from frontdesk.messages.schemas import message_json

READ_SCOPE = "conversations.custom_channels.read"
WRITE_SCOPE = "conversations.custom_channels.write"

custom_channel_router = APIRouter()

_publisher = require_app_scopes(WRITE_SCOPE)
Writer = Annotated[Principal, Depends(_publisher)]
Reader = Annotated[Principal, Depends(require_app_scopes(READ_SCOPE, WRITE_SCOPE))]
ChannelId = Annotated[int, Path(ge=1, le=MAX_ID, description="The custom channel's id.")]


def _render(row: Any, settings: Settings, request: Request) -> dict[str, Any]:
    file_url = file_url_factory(settings, lambda: str(request.base_url))
    return message_json(row, file_url=file_url, truncate_at=settings.message_truncate_chars)


def _message_id(raw: str) -> int:
    # Message ids are strings on the wire; anything but one of ours is simply not found.
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
        raise NotFound("Message", raw)
    return int(raw)


@custom_channel_router.post(
    "/{channelId}/messages",
    status_code=201,
    summary="Publish a message",
    openapi_extra=direct.documented(
        body=PublishRequest, path_ids={"channelId": "The custom channel's id."}
    ),
)
@direct.route
async def publish_message(request: Request) -> Response:
    """Publish an incoming message (or mirror an outgoing one) into its thread."""
    # The hot path: a direct route (api/direct.py), which parses its request itself.
    principal = await _publisher(request)
    (channel_id,), body = await direct.validated(request, PublishRequest, path_ids=["channelId"])
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    assert principal.app_id is not None
    try:
        async with db.transaction() as uow:
            row = await publish.publish_message(
                uow,
                app_id=principal.app_id,
                channel_id=channel_id,
                body=body,
                max_attachments=settings.max_message_attachments,
            )
    except publish.DuplicateMessage as duplicate:
        # A concurrent publish of the same key won: answer with its message, as a repeat.
        async with db.read() as uow:
            row = await publish.get_message_row(uow, message_id=duplicate.message_id)
    # The path as received (request.url would build a whole URL from the headers: 2% of
    # publish's CPU); the route matched, so the channel id in it is plain digits.
    return created(_render(row, settings, request), location=f"{request.scope['path']}/{row.id}")


@custom_channel_router.get("/{channelId}/messages/{messageId}", summary="Get a message")
async def get_message(
    channelId: ChannelId,
    messageId: str,
    request: Request,
    principal: Reader,
    db: DbDep,
    settings: SettingsDep,
) -> Response:
    """Read a message of one of this app's channels."""
    assert principal.app_id is not None
    async with db.read() as uow:
        row = await message_service.get_channel_message(
            uow, app_id=principal.app_id, channel_id=channelId, message_id=_message_id(messageId)
        )
    return JsonResponse(_render(row, settings, request))


@custom_channel_router.patch(
    "/{channelId}/messages/{messageId}", summary="Update an outgoing message's status"
)
async def update_message_status(
    channelId: ChannelId,
    messageId: str,
    body: message_service.MessageStatusUpdate,
    request: Request,
    principal: Writer,
    db: DbDep,
    settings: SettingsDep,
) -> Response:
    """Report SENT, FAILED (with errorMessage) or READ for an outgoing message."""
    assert principal.app_id is not None
    async with db.transaction() as uow:
        row = await message_service.update_message_status(
            uow,
            app_id=principal.app_id,
            channel_id=channelId,
            message_id=_message_id(messageId),
            data=body,
        )
    return JsonResponse(_render(row, settings, request))
