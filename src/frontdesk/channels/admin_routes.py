"""/frontdesk/v1/channel-accounts/{id}/routing: an account's routing for admins (the same
settings as the web UI's routing step)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from frontdesk.api.deps import AdminDep, DbDep
from frontdesk.api.responses import JsonResponse
from frontdesk.channels.schemas import MAX_ID, ChannelAccountRouting, routing_json
from frontdesk.channels.service import admin as channel_admin
from frontdesk.channels.service import manage as channel_manage

router = APIRouter(prefix="/frontdesk/v1")

AccountId = Annotated[int, Path(alias="channelAccountId", ge=1, le=MAX_ID)]


@router.get("/channel-accounts/{channelAccountId}/routing")
async def get_routing(account_id: AccountId, _admin: AdminDep, db: DbDep) -> JsonResponse:
    """A channel account's routing (admins only)."""
    async with db.read() as uow:
        account = await channel_admin.get_managed_account(uow, account_id=account_id)
    return JsonResponse(routing_json(account.id, channel_manage.routing_of(account)))


@router.put("/channel-accounts/{channelAccountId}/routing")
async def put_routing(
    account_id: AccountId, body: ChannelAccountRouting, _admin: AdminDep, db: DbDep
) -> JsonResponse:
    """Replace a channel account's routing; unknown users, teams or properties answer 400
    naming the field (admins only)."""
    routing = channel_manage.Routing(
        default_properties=body.defaultProperties,
        assignment_mode=body.assignmentMode,
        user_ids=tuple(body.assignmentTargets.userIds),
        team_ids=tuple(body.assignmentTargets.teamIds),
        closed_thread_policy=body.closedThreadPolicy,
    )
    async with db.transaction() as uow:
        await channel_manage.update_account_settings(uow, account_id=account_id, routing=routing)
        account = await channel_admin.get_managed_account(uow, account_id=account_id)
    return JsonResponse(routing_json(account.id, channel_manage.routing_of(account)))
