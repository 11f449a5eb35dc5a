"""A routed workspace for the routing tests: a team of agents who see an inbox, a bridge
whose account routes to them, and the moves the tests make (presence, availability, close)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select, update

from frontdesk.accounts.models import Team, User
from frontdesk.channels.models import ChannelAccount
from frontdesk.config import Settings
from frontdesk.conversations.models import Thread
from frontdesk.core.db import Database
from frontdesk.core.jobs import Job
from frontdesk.routing import handlers as routing_handlers
from frontdesk.routing import presence
from frontdesk.routing.models import RoutingQueueEntry
from tests import factories
from tests.messages.publish_setup import Bridge, make_bridge, published

THREADS = "/conversations/v3/conversations/threads"


@dataclass
class World:
    db: Database
    settings: Settings
    client: httpx.AsyncClient
    bridge: Bridge
    team: str
    team_id: int
    agents: list[int]
    tokens: dict[int, str] = field(default_factory=dict)

    async def route(self, mode: str = "USERS_AND_TEAMS", **targets: list[Any]) -> None:
        """Set the account's routing (targets: `userIds`, `teamIds`; default the team)."""
        values = targets or {"teamIds": [str(self.team_id)]}
        await set_account(self.db, self.bridge.account_id, mode=mode, targets=values)

    async def online(self, *user_ids: int) -> None:
        """Renew presence as an open event stream does."""
        config = routing_handlers.config_of(self.db.hooks, self.settings)
        for user_id in user_ids or tuple(self.agents):
            async with self.db.transaction() as uow:
                await presence.renew(uow, config, user_id=user_id)

    async def publish(self, **over: Any) -> int:
        """A new conversation; its thread id."""
        answer = await published(self.client, self.bridge, **over)
        return int(answer["conversationsThreadId"])

    async def token(self, user_id: int) -> dict[str, str]:
        if user_id not in self.tokens:
            self.tokens[user_id] = await factories.create_personal_token(self.db, user_id=user_id)
        return factories.bearer(self.tokens[user_id])

    async def close(self, thread_id: int, *, by: int) -> None:
        response = await self.client.patch(
            f"{THREADS}/{thread_id}", json={"status": "CLOSED"}, headers=await self.token(by)
        )
        assert response.status_code == 200, response.text

    async def set_me(self, user_id: int, **changes: Any) -> None:
        response = await self.client.patch(
            "/frontdesk/v1/users/me", json=changes, headers=await self.token(user_id)
        )
        assert response.status_code == 200, response.text


async def make_world(
    db: Database,
    settings: Settings,
    client: httpx.AsyncClient,
    *,
    agents: int = 2,
    capacity: int | None = None,
) -> World:
    team = await factories.create_team(db, name=factories.unique("Support"))
    inbox_id = await factories.create_inbox(db, teams=[team])
    ids = [await factories.create_user(db, teams=[team], name=f"Agent {n}") for n in range(agents)]
    if capacity is not None:
        await set_users(db, ids, capacity=capacity)
    async with db.read() as uow:
        team_id = int(await uow.scalar(select(Team.id).where(Team.name == team)))
    bridge = await make_bridge(db, inbox_id=inbox_id)
    return World(db, settings, client, bridge, team, team_id, ids)


async def set_account(db: Database, account_id: int, *, mode: str, targets: Any) -> None:
    async with db.transaction() as uow:
        await uow.execute(
            update(ChannelAccount)
            .where(ChannelAccount.id == account_id)
            .values(assignment_mode=mode, assignment_targets=targets)
        )


async def set_users(db: Database, user_ids: list[int], **values: Any) -> None:
    async with db.transaction() as uow:
        await uow.execute(update(User).where(User.id.in_(user_ids)).values(**values))


async def thread(db: Database, thread_id: int) -> Any:
    async with db.read() as uow:
        return (await uow.execute(select(Thread).where(Thread.id == thread_id))).one()


async def assignees(db: Database, thread_ids: list[int]) -> list[int | None]:
    return [(await thread(db, t)).assignee_id for t in thread_ids]


async def queued(db: Database) -> list[int]:
    """The queue's thread ids, oldest first."""
    async with db.read() as uow:
        rows = await uow.execute(
            select(RoutingQueueEntry.thread_id).order_by(
                RoutingQueueEntry.queued_at, RoutingQueueEntry.thread_id
            )
        )
        return [r.thread_id for r in rows]


async def user(db: Database, user_id: int) -> Any:
    async with db.read() as uow:
        return (await uow.execute(select(User).where(User.id == user_id))).one()


async def jobs(db: Database, kind: str) -> list[Any]:
    async with db.read() as uow:
        return list(await uow.execute(select(Job).where(Job.kind == kind).order_by(Job.id)))
