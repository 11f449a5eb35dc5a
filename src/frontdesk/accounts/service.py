"""Users, teams and inboxes: creation and the visibility rule (a user sees the inboxes of
their teams; admins see all)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from frontdesk.accounts.events import TeamUpdated
from frontdesk.accounts.models import Inbox, InboxTeam, Team, TeamMember, User
from frontdesk.apps import service as app_service
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, NotFound, validation_error
from frontdesk.core.events import Audience
from frontdesk.core.models import now_ms

ROLES = ("agent", "admin")
INBOX_KINDS = ("INBOX", "HELP_DESK")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise validation_error(f"Not an email address: {email!r}", field_name="email")
    return email


async def create_user(
    uow: UnitOfWork,
    *,
    email: str,
    password_hash: str | None,
    name: str = "",
    role: str = "agent",
    team_names: list[str] | None = None,
) -> int:
    """Create a user (password already hashed off the event loop) and add them to teams."""
    if role not in ROLES:
        raise validation_error(f"role must be one of {', '.join(ROLES)}", field_name="role")
    email = normalise_email(email)
    if await uow.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"A user with email {email} exists", field_name="email")
    team_ids = [await get_team_id(uow, name=t) for t in team_names or []]
    now = now_ms()
    user_id: int = await uow.scalar(
        insert(User)
        .values(
            email=email,
            name=name or email.split("@")[0],
            role=role,
            password_hash=password_hash,
            created_at=now,
            updated_at=now,
        )
        .returning(User.id)
    )
    for team_id in team_ids:
        await uow.execute(insert(TeamMember).values(team_id=team_id, user_id=user_id))
    app_service.forget_credentials(uow)
    return user_id


async def get_user(uow: UnitOfWork, *, user_id: int) -> Any:
    row = (await uow.execute(select(User).where(User.id == user_id))).first()
    if row is None:
        raise NotFound("User", user_id)
    return row


async def get_user_by_email(uow: UnitOfWork, *, email: str) -> Any:
    row = (await uow.execute(select(User).where(User.email == email.strip().lower()))).first()
    if row is None:
        raise NotFound("User", email, field_name="email")
    return row


async def list_users(uow: UnitOfWork) -> list[Any]:
    return list((await uow.execute(select(User).order_by(User.id))).all())


async def _check_team_name(uow: UnitOfWork, name: str, *, team_id: int | None = None) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise validation_error("name must be 1 to 200 characters", field_name="name")
    taken = await uow.scalar(select(Team.id).where(Team.name == name))
    if taken is not None and taken != team_id:
        raise Conflict(f"A team named {name!r} exists", field_name="name")
    return name


async def create_team(uow: UnitOfWork, *, name: str) -> int:
    """Create a team with a unique name."""
    name = await _check_team_name(uow, name)
    now = now_ms()
    team_id: int = await uow.scalar(
        insert(Team).values(name=name, created_at=now, updated_at=now).returning(Team.id)
    )
    return team_id


async def rename_team(uow: UnitOfWork, *, team_id: int, name: str) -> tuple[Any, list[int]]:
    """Give a team another unique name."""
    team, members = await get_team(uow, team_id=team_id)
    name = await _check_team_name(uow, name, team_id=team_id)
    if name != team.name:
        await uow.execute(
            update(Team).where(Team.id == team_id).values(name=name, updated_at=now_ms())
        )
        _emit_team_updated(uow, team_id, {"name": name}, members)
    return await get_team(uow, team_id=team_id)


def _emit_team_updated(
    uow: UnitOfWork, team_id: int, changes: dict[str, Any], member_ids: list[int]
) -> None:
    uow.emit(
        TeamUpdated(
            team_id=team_id,
            changes=changes,
            audience=Audience(user_ids=tuple(sorted(set(member_ids))), admins=True),
        )
    )


async def get_team_id(uow: UnitOfWork, *, name: str) -> int:
    team_id = await uow.scalar(select(Team.id).where(Team.name == name))
    if team_id is None:
        raise NotFound("Team", name, field_name="team")
    return int(team_id)


async def add_team_member(uow: UnitOfWork, *, team_id: int, user_id: int) -> None:
    exists = await uow.scalar(
        select(TeamMember.user_id).where(
            TeamMember.team_id == team_id, TeamMember.user_id == user_id
        )
    )
    if exists is not None:
        raise Conflict("Already a member of this team", field_name="userId")
    await uow.execute(insert(TeamMember).values(team_id=team_id, user_id=user_id))
    members = await uow.execute(select(TeamMember.user_id).where(TeamMember.team_id == team_id))
    _emit_team_updated(uow, team_id, {"addedUserIds": [str(user_id)]}, [m[0] for m in members])
    app_service.forget_credentials(uow)


async def create_inbox(
    uow: UnitOfWork, *, name: str, help_desk: bool = False, team_names: list[str] | None = None
) -> int:
    """Create an inbox (or help desk) and give it to teams."""
    name = name.strip()
    if not name:
        raise validation_error("name must not be empty", field_name="name")
    team_ids = [await get_team_id(uow, name=t) for t in team_names or []]
    now = now_ms()
    inbox_id: int = await uow.scalar(
        insert(Inbox)
        .values(
            name=name,
            kind="HELP_DESK" if help_desk else "INBOX",
            archived=False,
            created_at=now,
            updated_at=now,
        )
        .returning(Inbox.id)
    )
    for team_id in team_ids:
        await uow.execute(insert(InboxTeam).values(inbox_id=inbox_id, team_id=team_id))
    app_service.forget_credentials(uow)
    return inbox_id


async def visible_inbox_ids(uow: UnitOfWork, *, user_id: int) -> frozenset[int]:
    """The inboxes a (non-admin) user sees: those of their teams."""
    rows = await uow.execute(
        select(InboxTeam.inbox_id)
        .join(TeamMember, TeamMember.team_id == InboxTeam.team_id)
        .where(TeamMember.user_id == user_id)
        .distinct()
    )
    return frozenset(r[0] for r in rows)


async def count_users(uow: UnitOfWork) -> int:
    return int(await uow.scalar(select(func.count()).select_from(User)))


async def list_teams(uow: UnitOfWork) -> list[tuple[Any, list[int]]]:
    """Every team with its member ids."""
    teams = (await uow.execute(select(Team).order_by(Team.id))).all()
    members = (await uow.execute(select(TeamMember.team_id, TeamMember.user_id))).all()
    by_team: dict[int, list[int]] = {}
    for member in members:
        by_team.setdefault(member.team_id, []).append(member.user_id)
    return [(t, sorted(by_team.get(t.id, []))) for t in teams]


async def list_inboxes(
    uow: UnitOfWork, *, inbox_ids: frozenset[int] | None
) -> list[tuple[Any, list[int]]]:
    """Inboxes the caller sees (None: all) with their team ids."""
    query = select(Inbox).order_by(Inbox.id)
    if inbox_ids is not None:
        query = query.where(Inbox.id.in_(inbox_ids))
    inboxes = (await uow.execute(query)).all()
    links = (await uow.execute(select(InboxTeam.inbox_id, InboxTeam.team_id))).all()
    by_inbox: dict[int, list[int]] = {}
    for link in links:
        by_inbox.setdefault(link.inbox_id, []).append(link.team_id)
    return [(i, sorted(by_inbox.get(i.id, []))) for i in inboxes]


async def get_team(uow: UnitOfWork, *, team_id: int) -> tuple[Any, list[int]]:
    row = (await uow.execute(select(Team).where(Team.id == team_id))).first()
    if row is None:
        raise NotFound("Team", team_id)
    members = await uow.execute(select(TeamMember.user_id).where(TeamMember.team_id == team_id))
    return row, sorted(m[0] for m in members)


async def add_member_by_ids(
    uow: UnitOfWork, *, team_id: int, user_id: int
) -> tuple[Any, list[int]]:
    """Add a user to a team; both must exist."""
    await get_team(uow, team_id=team_id)
    try:
        await get_user(uow, user_id=user_id)
    except NotFound as exc:
        raise NotFound("User", user_id, field_name="userId") from exc
    await add_team_member(uow, team_id=team_id, user_id=user_id)
    return await get_team(uow, team_id=team_id)


async def remove_member_by_ids(
    uow: UnitOfWork, *, team_id: int, user_id: int
) -> tuple[Any, list[int]]:
    """Take a user out of a team; 404 when they are not in it."""
    _team, members = await get_team(uow, team_id=team_id)
    if user_id not in members:
        raise NotFound("Member", user_id, field_name="userId")
    await uow.execute(
        delete(TeamMember).where(TeamMember.team_id == team_id, TeamMember.user_id == user_id)
    )
    _emit_team_updated(uow, team_id, {"removedUserIds": [str(user_id)]}, members)
    app_service.forget_credentials(uow)
    return await get_team(uow, team_id=team_id)


async def get_inbox(uow: UnitOfWork, *, inbox_id: int) -> tuple[Any, list[int]]:
    row = (await uow.execute(select(Inbox).where(Inbox.id == inbox_id))).first()
    if row is None:
        raise NotFound("Inbox", inbox_id)
    teams = await uow.execute(select(InboxTeam.team_id).where(InboxTeam.inbox_id == inbox_id))
    return row, sorted(t[0] for t in teams)


async def update_inbox(
    uow: UnitOfWork, *, inbox_id: int, name: str | None = None, kind: str | None = None
) -> tuple[Any, list[int]]:
    """Rename an inbox or make it a help desk (or back)."""
    await get_inbox(uow, inbox_id=inbox_id)
    values: dict[str, Any] = {}
    if name is not None:
        if not name.strip() or len(name.strip()) > 200:
            raise validation_error("name must be 1 to 200 characters", field_name="name")
        values["name"] = name.strip()
    if kind is not None:
        if kind not in INBOX_KINDS:
            raise validation_error("type must be INBOX or HELP_DESK", field_name="type")
        values["kind"] = kind
    if values:
        await uow.execute(
            update(Inbox).where(Inbox.id == inbox_id).values(**values, updated_at=now_ms())
        )
    return await get_inbox(uow, inbox_id=inbox_id)


async def set_inbox_teams(
    uow: UnitOfWork, *, inbox_id: int, team_ids: list[int]
) -> tuple[Any, list[int]]:
    """Give an inbox exactly these teams (their members then see it)."""
    await get_inbox(uow, inbox_id=inbox_id)
    wanted = sorted(set(team_ids))
    if wanted:
        found = await uow.execute(select(Team.id).where(Team.id.in_(wanted)))
        missing = sorted(set(wanted) - {row.id for row in found})
        if missing:
            raise NotFound("Team", missing[0], field_name="teamIds")
    await uow.execute(delete(InboxTeam).where(InboxTeam.inbox_id == inbox_id))
    for team_id in wanted:
        await uow.execute(insert(InboxTeam).values(inbox_id=inbox_id, team_id=team_id))
    # Who sees which inbox is part of every cached credential.
    app_service.forget_credentials(uow)
    return await get_inbox(uow, inbox_id=inbox_id)
