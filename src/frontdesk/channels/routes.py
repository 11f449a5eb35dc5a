"""Custom channels (developer key), channel accounts and staging tokens (app token), and the
Conversations API's read-only views of channels and channel accounts (reference 1-4, 7.2, 7.3).

`router` is mounted under every custom-channel prefix, `conversations_router` under every
Conversations API prefix (api/router.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from starlette.responses import Response

from frontdesk.api.deps import (
    DbDep,
    DeveloperDep,
    Principal,
    SettingsDep,
    require_app_scopes,
    require_scopes,
)
from frontdesk.api.responses import JsonResponse, created, no_content
from frontdesk.channels import service as channel_service
from frontdesk.channels.schemas import (
    MAX_ID,
    ChannelAccountCreate,
    ChannelAccountPatch,
    ChannelCreate,
    ChannelPatch,
    DeliveryIdentifierTypeName,
    Id,
    StagingTokenUpdate,
    channel_account_json,
    channel_json,
    public_channel_json,
    staging_token_json,
)
from frontdesk.core.pagination import page_body

router = APIRouter()
conversations_router = APIRouter()

AppPrincipal = Annotated[
    Principal,
    Depends(
        require_app_scopes(
            "conversations.custom_channels.read", "conversations.custom_channels.write"
        )
    ),
]
ReaderPrincipal = Annotated[Principal, Depends(require_scopes("conversations.read"))]

ChannelId = Annotated[int, Path(ge=1, le=MAX_ID)]
AccountId = Annotated[int, Path(ge=1, le=MAX_ID)]
After = Annotated[str | None, Query(description="Cursor from `paging.next.after`.")]
Limit = Annotated[int | None, Query(description="Page size (1-500, default 100).")]
Sort = Annotated[list[str] | None, Query(description="One of id, -id, createdAt, -createdAt.")]
DefaultPageLength = Annotated[
    int | None, Query(description="Page size used when `limit` is absent.")
]
Archived = Annotated[bool, Query(description="true: archived ones only; false: the others.")]

# Query parameters that never go into a `paging.next.link` (a secret has no place in a URL
# that clients log and share).
_UNLINKED = ("hapikey",)


def _page_json(request: Request, page: channel_service.Page, render: Any) -> JsonResponse:
    query: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key not in _UNLINKED:
            query.setdefault(key, []).append(value)
    body = page_body(
        [render(row) for row in page.rows],
        next_cursor=page.next_cursor,
        total=page.total,
        base_url=str(request.url.replace(query="")),
        query=query,
    )
    return JsonResponse(body)


def _location(request: Request, ident: object) -> str:
    return f"{str(request.url.replace(query='')).rstrip('/')}/{ident}"


# --- custom channels (developer key) ------------------------------------------------------


@router.post("", status_code=201, summary="Create a custom channel")
@router.post("/", status_code=201, include_in_schema=False)
async def create_channel(
    request: Request,
    body: ChannelCreate,
    principal: DeveloperDep,
    db: DbDep,
    settings: SettingsDep,
) -> Response:
    """Register a custom channel for the app of the developer key."""
    assert principal.app_id is not None
    await channel_service.check_webhook_url(
        body.webhookUrl, allow_private=settings.webhook_allow_private
    )
    async with db.transaction() as uow:
        row = await channel_service.create_channel(uow, app_id=principal.app_id, data=body)
    return created(channel_json(row), _location(request, row.id))


@router.get("", summary="List custom channels")
@router.get("/", include_in_schema=False)
async def list_channels(
    request: Request,
    principal: DeveloperDep,
    db: DbDep,
    after: After = None,
    limit: Limit = None,
    sort: Sort = None,
    defaultPageLength: DefaultPageLength = None,
) -> Response:
    """The app's custom channels (archived ones excluded)."""
    assert principal.app_id is not None
    size = channel_service.page_size(limit, defaultPageLength)
    async with db.read() as uow:
        page = await channel_service.list_channels(
            uow, app_id=principal.app_id, after=after, limit=size, sort=sort
        )
    return _page_json(request, page, channel_json)


@router.get("/{channelId}", summary="Get a custom channel")
async def get_channel(channelId: ChannelId, principal: DeveloperDep, db: DbDep) -> Response:
    """One of the app's custom channels."""
    assert principal.app_id is not None
    async with db.read() as uow:
        row = await channel_service.get_channel(uow, app_id=principal.app_id, channel_id=channelId)
    return JsonResponse(channel_json(row))


@router.patch("/{channelId}", summary="Update a custom channel")
async def update_channel(
    channelId: ChannelId,
    body: ChannelPatch,
    principal: DeveloperDep,
    db: DbDep,
    settings: SettingsDep,
) -> Response:
    """Partial update: absent fields unchanged, null clears an optional field, capabilities
    replaced whole."""
    assert principal.app_id is not None
    await channel_service.check_webhook_url(
        body.webhookUrl, allow_private=settings.webhook_allow_private
    )
    async with db.transaction() as uow:
        row = await channel_service.update_channel(
            uow,
            app_id=principal.app_id,
            channel_id=channelId,
            changes=body.model_dump(exclude_unset=True),
        )
    return JsonResponse(channel_json(row))


@router.delete("/{channelId}", status_code=204, summary="Archive a custom channel")
async def archive_channel(channelId: ChannelId, principal: DeveloperDep, db: DbDep) -> Response:
    """Archive the channel: its accounts become inactive, their threads stay readable."""
    assert principal.app_id is not None
    async with db.transaction() as uow:
        await channel_service.archive_channel(uow, app_id=principal.app_id, channel_id=channelId)
    return no_content()


# --- channel accounts (app token) ---------------------------------------------------------


@router.post("/{channelId}/channel-accounts", status_code=201, summary="Create a channel account")
async def create_channel_account(
    request: Request,
    channelId: ChannelId,
    body: ChannelAccountCreate,
    principal: AppPrincipal,
    db: DbDep,
) -> Response:
    """Connect an account of the channel to an inbox."""
    assert principal.app_id is not None
    async with db.transaction() as uow:
        row = await channel_service.create_channel_account(
            uow, app_id=principal.app_id, channel_id=channelId, data=body
        )
    return created(channel_account_json(row), _location(request, row.id))


@router.get("/{channelId}/channel-accounts", summary="List channel accounts")
async def list_channel_accounts(
    request: Request,
    channelId: ChannelId,
    principal: AppPrincipal,
    db: DbDep,
    deliveryIdentifierType: Annotated[
        list[DeliveryIdentifierTypeName] | None, Query(description="Repeatable.")
    ] = None,
    deliveryIdentifierValue: Annotated[
        list[str] | None,
        Query(
            description="Repeatable. With as many types as values, pairs type[i] with "
            "value[i]; otherwise any of the types and any of the values."
        ),
    ] = None,
    archived: Archived = False,
    after: After = None,
    limit: Limit = None,
    sort: Sort = None,
    defaultPageLength: DefaultPageLength = None,
) -> Response:
    """The channel's accounts, filtered by delivery identifier and archived flag."""
    assert principal.app_id is not None
    size = channel_service.page_size(limit, defaultPageLength)
    async with db.read() as uow:
        page = await channel_service.list_channel_accounts(
            uow,
            app_id=principal.app_id,
            channel_id=channelId,
            delivery_types=deliveryIdentifierType or [],
            delivery_values=deliveryIdentifierValue or [],
            archived=archived,
            after=after,
            limit=size,
            sort=sort,
        )
    return _page_json(request, page, channel_account_json)


@router.get("/{channelId}/channel-accounts/{channelAccountId}", summary="Get a channel account")
async def get_channel_account(
    channelId: ChannelId,
    channelAccountId: AccountId,
    principal: AppPrincipal,
    db: DbDep,
    archived: Archived = False,
) -> Response:
    """One account of the channel."""
    assert principal.app_id is not None
    async with db.read() as uow:
        row = await channel_service.get_channel_account(
            uow,
            app_id=principal.app_id,
            channel_id=channelId,
            account_id=channelAccountId,
            archived=archived,
        )
    return JsonResponse(channel_account_json(row))


@router.patch(
    "/{channelId}/channel-accounts/{channelAccountId}", summary="Update a channel account"
)
async def update_channel_account(
    channelId: ChannelId,
    channelAccountId: AccountId,
    body: ChannelAccountPatch,
    principal: AppPrincipal,
    db: DbDep,
) -> Response:
    """Rename, authorize or de-authorize an account; other fields are ignored."""
    assert principal.app_id is not None
    async with db.transaction() as uow:
        row = await channel_service.update_channel_account(
            uow,
            app_id=principal.app_id,
            channel_id=channelId,
            account_id=channelAccountId,
            changes=body.model_dump(exclude_unset=True),
        )
    return JsonResponse(channel_account_json(row))


@router.patch(
    "/{channelId}/channel-account-staging-tokens/{accountToken}",
    summary="Complete a channel account staging token",
)
async def update_staging_token(
    channelId: ChannelId,
    accountToken: str,
    principal: AppPrincipal,
    db: DbDep,
    body: Annotated[StagingTokenUpdate | None, Body()] = None,
) -> Response:
    """Finish the in-app connection flow: creates the authorized account (409 once used)."""
    assert principal.app_id is not None
    update = body or StagingTokenUpdate()
    async with db.transaction() as uow:
        row = await channel_service.complete_staging_token(
            uow,
            app_id=principal.app_id,
            channel_id=channelId,
            token=accountToken,
            account_name=update.accountName,
            delivery_identifier=update.deliveryIdentifier,
        )
    return JsonResponse(staging_token_json(row))


# --- Conversations API views (conversations.read) -----------------------------------------


@conversations_router.get("/channels", summary="List channels")
async def list_public_channels(
    request: Request,
    principal: ReaderPrincipal,
    db: DbDep,
    after: After = None,
    limit: Limit = None,
    sort: Sort = None,
    defaultPageLength: DefaultPageLength = None,
) -> Response:
    """Every custom channel that is not archived."""
    size = channel_service.page_size(limit, defaultPageLength)
    async with db.read() as uow:
        page = await channel_service.list_public_channels(uow, after=after, limit=size, sort=sort)
    return _page_json(request, page, public_channel_json)


@conversations_router.get("/channels/{channelId}", summary="Get a channel")
async def get_public_channel(
    channelId: ChannelId, principal: ReaderPrincipal, db: DbDep
) -> Response:
    """One channel."""
    async with db.read() as uow:
        row = await channel_service.get_public_channel(uow, channel_id=channelId)
    return JsonResponse(public_channel_json(row))


@conversations_router.get("/channel-accounts", summary="List channel accounts")
async def list_visible_channel_accounts(
    request: Request,
    principal: ReaderPrincipal,
    db: DbDep,
    channelId: Annotated[list[Id] | None, Query(description="Repeatable.")] = None,
    inboxId: Annotated[list[Id] | None, Query(description="Repeatable.")] = None,
    archived: Archived = False,
    after: After = None,
    limit: Limit = None,
    sort: Sort = None,
    defaultPageLength: DefaultPageLength = None,
) -> Response:
    """Channel accounts of every channel, in the inboxes the caller sees."""
    size = channel_service.page_size(limit, defaultPageLength)
    async with db.read() as uow:
        page = await channel_service.list_visible_channel_accounts(
            uow,
            visible_inbox_ids=principal.inbox_ids,
            channel_ids=channelId or [],
            inbox_ids=inboxId or [],
            archived=archived,
            after=after,
            limit=size,
            sort=sort,
        )
    return _page_json(request, page, channel_account_json)


@conversations_router.get("/channel-accounts/{channelAccountId}", summary="Get a channel account")
async def get_visible_channel_account(
    channelAccountId: AccountId, principal: ReaderPrincipal, db: DbDep, archived: Archived = False
) -> Response:
    """One channel account, if its inbox is visible to the caller."""
    async with db.read() as uow:
        row = await channel_service.get_visible_channel_account(
            uow,
            account_id=channelAccountId,
            visible_inbox_ids=principal.inbox_ids,
            archived=archived,
        )
    return JsonResponse(channel_account_json(row))
