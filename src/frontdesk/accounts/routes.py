"""/frontdesk/v1: the caller, users, teams and inboxes (admins change them; DESIGN 8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from frontdesk.accounts import service as account_service
from frontdesk.accounts import user_changes
from frontdesk.accounts.passwords import hash_password
from frontdesk.accounts.schemas import (
    InboxCreate,
    InboxTeamsSet,
    InboxUpdate,
    MeUpdate,
    TeamCreate,
    TeamMemberAdd,
    TeamUpdate,
    UserCreate,
    UserUpdate,
    inbox_json,
    parse_ids,
    team_json,
    user_json,
)
from frontdesk.api.deps import AdminDep, DbDep, UserDep
from frontdesk.api.responses import JsonResponse, created
from frontdesk.core.errors import validation_error
from frontdesk.core.models import INT64_MAX

router = APIRouter(prefix="/frontdesk/v1")

UserId = Annotated[int, Path(alias="userId", ge=1, le=INT64_MAX)]
TeamId = Annotated[int, Path(alias="teamId", ge=1, le=INT64_MAX)]
InboxId = Annotated[int, Path(alias="inboxId", ge=1, le=INT64_MAX)]


@router.get("/me")
async def get_me(principal: UserDep, db: DbDep) -> JsonResponse:
    """The signed-in user."""
    assert principal.user_id is not None
    async with db.read() as uow:
        user = await account_service.get_user(uow, user_id=principal.user_id)
    return JsonResponse(user_json(user))


@router.get("/users/me")
async def get_my_user(principal: UserDep, db: DbDep) -> JsonResponse:
    """The signed-in user (the same as /frontdesk/v1/me)."""
    return await get_me(principal, db)


@router.patch("/users/me")
async def update_me(body: MeUpdate, principal: UserDep, db: DbDep) -> JsonResponse:
    """Change your own name, availability (`available` | `away`) or meeting link."""
    assert principal.user_id is not None
    changes = body.model_dump(exclude_unset=True)
    if "meetingLink" in changes:
        changes["meeting_link"] = changes.pop("meetingLink")
    async with db.transaction() as uow:
        user = await user_changes.update_user(
            uow,
            user_id=principal.user_id,
            changes=changes,
            by_user_id=principal.user_id,
            allowed=user_changes.SELF_FIELDS,
        )
    return JsonResponse(user_json(user))


@router.get("/users/{userId}")
async def get_user(user_id: UserId, _principal: UserDep, db: DbDep) -> JsonResponse:
    """One user."""
    async with db.read() as uow:
        user = await account_service.get_user(uow, user_id=user_id)
    return JsonResponse(user_json(user))


@router.patch("/users/{userId}")
async def update_user(
    user_id: UserId, body: UserUpdate, admin: AdminDep, db: DbDep
) -> JsonResponse:
    """Change a user's name, role, capacity, availability or active flag (admins only).

    `active: false` deactivates: sessions end, personal tokens are revoked, open
    conversations are unassigned. The last active admin cannot be demoted or deactivated."""
    assert admin.user_id is not None
    async with db.transaction() as uow:
        user = await user_changes.update_user(
            uow,
            user_id=user_id,
            changes=body.model_dump(exclude_unset=True),
            by_user_id=admin.user_id,
        )
    return JsonResponse(user_json(user))


@router.get("/users")
async def list_users(_principal: UserDep, db: DbDep) -> JsonResponse:
    """Every user (agents need them to reassign conversations)."""
    async with db.read() as uow:
        users = await account_service.list_users(uow)
    return JsonResponse({"results": [user_json(u) for u in users]})


@router.post("/users", status_code=201)
async def create_user(body: UserCreate, _admin: AdminDep, db: DbDep) -> JsonResponse:
    """Create a user (admins only)."""
    password_hash = await hash_password(body.password)
    async with db.transaction() as uow:
        user_id = await account_service.create_user(
            uow,
            email=body.email,
            password_hash=password_hash,
            name=body.name,
            role=body.role,
            team_names=body.teams,
        )
        user = await account_service.get_user(uow, user_id=user_id)
    return created(user_json(user), f"/frontdesk/v1/users/{user_id}")


@router.get("/teams")
async def list_teams(_principal: UserDep, db: DbDep) -> JsonResponse:
    """Every team with its members."""
    async with db.read() as uow:
        teams = await account_service.list_teams(uow)
    return JsonResponse({"results": [team_json(t, m) for t, m in teams]})


@router.post("/teams", status_code=201)
async def create_team(body: TeamCreate, _admin: AdminDep, db: DbDep) -> JsonResponse:
    """Create a team (admins only)."""
    async with db.transaction() as uow:
        team_id = await account_service.create_team(uow, name=body.name)
        team, members = await account_service.get_team(uow, team_id=team_id)
    return created(team_json(team, members), f"/frontdesk/v1/teams/{team_id}")


@router.patch("/teams/{teamId}")
async def update_team(
    team_id: TeamId, body: TeamUpdate, _admin: AdminDep, db: DbDep
) -> JsonResponse:
    """Rename a team (admins only)."""
    async with db.transaction() as uow:
        team, members = await account_service.rename_team(uow, team_id=team_id, name=body.name)
    return JsonResponse(team_json(team, members))


@router.post("/teams/{teamId}/members")
async def add_team_member(
    team_id: TeamId,
    body: TeamMemberAdd,
    _admin: AdminDep,
    db: DbDep,
) -> JsonResponse:
    """Add a user to a team (admins only)."""
    if not body.userId.isdigit():
        raise validation_error("userId must be a user id", field_name="userId")
    async with db.transaction() as uow:
        team, members = await account_service.add_member_by_ids(
            uow, team_id=team_id, user_id=int(body.userId)
        )
    return JsonResponse(team_json(team, members))


@router.delete("/teams/{teamId}/members/{userId}")
async def remove_team_member(
    team_id: TeamId, user_id: UserId, _admin: AdminDep, db: DbDep
) -> Response:
    """Take a user out of a team (admins only)."""
    async with db.transaction() as uow:
        await account_service.remove_member_by_ids(uow, team_id=team_id, user_id=user_id)
    return Response(status_code=204)


@router.get("/inboxes")
async def list_inboxes(principal: UserDep, db: DbDep) -> JsonResponse:
    """The inboxes the caller sees, with their teams."""
    async with db.read() as uow:
        inboxes = await account_service.list_inboxes(uow, inbox_ids=principal.inbox_ids)
    return JsonResponse({"results": [inbox_json(i, t) for i, t in inboxes]})


@router.post("/inboxes", status_code=201)
async def create_inbox(body: InboxCreate, _admin: AdminDep, db: DbDep) -> JsonResponse:
    """Create an inbox or a help desk for some teams (admins only)."""
    async with db.transaction() as uow:
        inbox_id = await account_service.create_inbox(
            uow, name=body.name, help_desk=body.type == "HELP_DESK", team_names=body.teams
        )
        inbox, teams = await account_service.get_inbox(uow, inbox_id=inbox_id)
    return created(inbox_json(inbox, teams), f"/frontdesk/v1/inboxes/{inbox_id}")


@router.patch("/inboxes/{inboxId}")
async def update_inbox(
    inbox_id: InboxId, body: InboxUpdate, _admin: AdminDep, db: DbDep
) -> JsonResponse:
    """Rename an inbox or switch it between INBOX and HELP_DESK (admins only)."""
    async with db.transaction() as uow:
        inbox, teams = await account_service.update_inbox(
            uow, inbox_id=inbox_id, name=body.name, kind=body.type
        )
    return JsonResponse(inbox_json(inbox, teams))


@router.put("/inboxes/{inboxId}/teams")
async def set_inbox_teams(
    inbox_id: InboxId, body: InboxTeamsSet, _admin: AdminDep, db: DbDep
) -> JsonResponse:
    """Give an inbox exactly these teams: their members see it (admins only)."""
    team_ids = parse_ids(body.teamIds, field_name="teamIds")
    async with db.transaction() as uow:
        inbox, teams = await account_service.set_inbox_teams(
            uow, inbox_id=inbox_id, team_ids=team_ids
        )
    return JsonResponse(inbox_json(inbox, teams))
