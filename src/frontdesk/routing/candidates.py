"""Who may take a conversation of an account routed to users and teams (DESIGN 7), and how
loaded each of them is.

A candidate is an active target user, or an active member of a target team, who sees the
thread's inbox (admins see every inbox; agents through the inbox's teams), is `available`
and online (presence renewed within the grace period). Load counts the open, live threads
assigned to them; capacity (None: no limit) caps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, false, func, or_, select
from sqlalchemy.orm import aliased

from frontdesk.accounts.models import InboxTeam, Team, TeamMember, User
from frontdesk.conversations.models import Thread
from frontdesk.core.db import UnitOfWork

AVAILABLE = "available"
AWAY = "away"
_NAMED_TARGETS = 3  # a reason names at most this many teams and users, then "and N more"

_InboxMember = aliased(TeamMember, name="inbox_member")


@dataclass(frozen=True)
class Targets:
    """An account's `assignment_targets`: `{"userIds": [...], "teamIds": [...]}`."""

    user_ids: tuple[int, ...] = ()
    team_ids: tuple[int, ...] = ()

    @classmethod
    def parse(cls, raw: Any) -> Targets:
        """Ids as ints or digit strings (the API speaks strings); anything else is ignored."""
        raw = raw if isinstance(raw, dict) else {}
        return cls(_ids(raw.get("userIds")), _ids(raw.get("teamIds")))

    def __bool__(self) -> bool:
        return bool(self.user_ids or self.team_ids)


def _ids(values: Any) -> tuple[int, ...]:
    if not isinstance(values, list):
        return ()
    ids = (
        int(v)
        for v in values
        if (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, str) and v.isdigit())
    )
    return tuple(sorted(set(ids)))


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    capacity: int | None
    last_assigned_at: int | None
    load: int

    @property
    def has_room(self) -> bool:
        return self.capacity is None or self.load < self.capacity

    def order(self) -> tuple[int, bool, int, int]:
        """Fewest open first; then assigned longest ago (never assigned first); then id."""
        return (self.load, self.last_assigned_at is not None, self.last_assigned_at or 0, self.id)


def _targeted(targets: Targets) -> Any:
    in_team = exists().where(
        TeamMember.user_id == User.id, TeamMember.team_id.in_(targets.team_ids or [0])
    )
    return or_(User.id.in_(targets.user_ids or [0]), in_team) if targets else false()


def _sees_inbox(inbox_id: int) -> Any:
    through_team = exists().where(
        InboxTeam.inbox_id == inbox_id,
        _InboxMember.team_id == InboxTeam.team_id,
        _InboxMember.user_id == User.id,
    )
    return or_(User.role == "admin", through_team)


async def find_candidates(
    uow: UnitOfWork, *, targets: Targets, inbox_id: int, online_since: int
) -> list[Candidate]:
    """The present, available targets who see the inbox, with their load, in id order."""
    rows = (
        await uow.execute(
            select(User.id, User.name, User.email, User.capacity, User.last_assigned_at)
            .where(
                User.active.is_(True),
                User.availability == AVAILABLE,
                User.last_seen_at >= online_since,
                _targeted(targets),
                _sees_inbox(inbox_id),
            )
            .order_by(User.id)
        )
    ).all()
    loads = await open_loads(uow, user_ids=[r.id for r in rows])
    return [
        Candidate(r.id, r.name or r.email, r.capacity, r.last_assigned_at, loads.get(r.id, 0))
        for r in rows
    ]


async def open_loads(uow: UnitOfWork, *, user_ids: Sequence[int]) -> dict[int, int]:
    """Open, live threads assigned to each user (an index-only count per user)."""
    if not user_ids:
        return {}
    rows = await uow.execute(
        select(Thread.assignee_id, func.count().label("open"))
        .where(
            Thread.assignee_id.in_(user_ids),
            Thread.status == "OPEN",
            Thread.archived.is_(False),
        )
        .group_by(Thread.assignee_id)
    )
    return {int(r.assignee_id): int(r.open) for r in rows}


async def describe_targets(uow: UnitOfWork, targets: Targets) -> str:
    """The teams, then the users, as a reason names them: "Support, Sales, Ada Lovelace"."""
    names: list[str] = []
    if targets.team_ids:
        teams = await uow.execute(
            select(Team.name).where(Team.id.in_(targets.team_ids)).order_by(Team.name)
        )
        names += [t.name for t in teams]
    if targets.user_ids:
        users = await uow.execute(
            select(User.name, User.email).where(User.id.in_(targets.user_ids)).order_by(User.id)
        )
        names += [u.name or u.email for u in users]
    if not names:
        return "nobody"
    if len(names) > _NAMED_TARGETS:
        return f"{', '.join(names[:_NAMED_TARGETS])} and {len(names) - _NAMED_TARGETS} more"
    return ", ".join(names)
