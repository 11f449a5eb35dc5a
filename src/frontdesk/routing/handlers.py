"""In-transaction handlers (DESIGN 6): routing listens to conversation, user and team events.

* `conversation.created`: route the new thread by its account's `assignment_mode` (must run
  before the notification handlers, which read the assignee the routing set).
* Anything that may let someone take work serves the queue: a user available again, their
  capacity, role or active flag changed, members added to a team, an account's routing
  edited, and a thread closed, archived, unassigned or reassigned while assigned (its
  assignee's load went down).
* A queued thread leaves the queue when anyone assigns it, or it is closed or archived.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import bindparam, select

from frontdesk.accounts.events import TeamUpdated, UserUpdated
from frontdesk.channels.events import ChannelAccountUpdated
from frontdesk.channels.models import ChannelAccount
from frontdesk.config import Settings
from frontdesk.conversations.events import (
    ConversationAssigned,
    ConversationCreated,
    ConversationDeleted,
    ConversationUpdated,
)
from frontdesk.conversations.models import Thread
from frontdesk.core.db import Prepared, UnitOfWork
from frontdesk.core.events import Event, EventBus
from frontdesk.routing import engine, owner, queue
from frontdesk.routing.candidates import AVAILABLE
from frontdesk.routing.clock import Clock, SystemClock
from frontdesk.routing.engine import RoutingConfig

Handler = Callable[[UnitOfWork, Event], Awaitable[None]]

_configs: weakref.WeakKeyDictionary[EventBus, RoutingConfig] = weakref.WeakKeyDictionary()


def _user_may_take_more(changes: dict[str, Any]) -> bool:
    return (
        changes.get("availability") == AVAILABLE
        or changes.get("active") is True
        or "capacity" in changes
        or "role" in changes  # an agent made admin sees every inbox
    )


async def _assignee(uow: UnitOfWork, thread_id: int) -> int | None:
    value = await uow.scalar(select(Thread.assignee_id).where(Thread.id == thread_id))
    return None if value is None else int(value)


# Prepared: every new conversation reads it.
_ACCOUNT_ROUTING = Prepared(
    select(ChannelAccount.assignment_mode, ChannelAccount.assignment_targets).where(
        ChannelAccount.id == bindparam("id")
    )
)


def _handlers(config: RoutingConfig) -> dict[str, Handler]:
    async def on_created(uow: UnitOfWork, event: Event) -> None:
        assert isinstance(event, ConversationCreated)
        account = await uow.fetch_first(_ACCOUNT_ROUTING, {"id": event.channel_account_id})
        if account is None or account.assignment_mode == engine.OFF:
            return
        if account.assignment_mode == engine.USERS_AND_TEAMS:
            await engine.route_to_users_and_teams(
                uow,
                config,
                thread_id=event.thread_id,
                account_id=event.channel_account_id,
                raw_targets=account.assignment_targets,
            )
        elif account.assignment_mode == engine.CONTACT_OWNER:
            await owner.route_to_owner(uow, config, thread_id=event.thread_id)

    async def on_assigned(uow: UnitOfWork, event: Event) -> None:
        assert isinstance(event, ConversationAssigned)
        if event.assignee_id is not None:
            await queue.remove(uow, thread_id=event.thread_id)
        if event.previous_assignee_id is not None:
            await engine.drain_soon(uow, config)

    async def on_updated(uow: UnitOfWork, event: Event) -> None:
        assert isinstance(event, ConversationUpdated)
        if event.changes.get("status") != "CLOSED":
            return
        await queue.leave_unrouted(uow, thread_id=event.thread_id)
        if await _assignee(uow, event.thread_id) is not None:
            await engine.drain_soon(uow, config)

    async def on_deleted(uow: UnitOfWork, event: Event) -> None:
        assert isinstance(event, ConversationDeleted)
        await queue.leave_unrouted(uow, thread_id=event.thread_id)
        if await _assignee(uow, event.thread_id) is not None:
            await engine.drain_soon(uow, config)

    async def on_user_updated(uow: UnitOfWork, event: Event) -> None:
        assert isinstance(event, UserUpdated)
        if _user_may_take_more(event.changes):
            await engine.drain_soon(uow, config)

    async def on_team_updated(uow: UnitOfWork, event: Event) -> None:
        assert isinstance(event, TeamUpdated)
        if event.changes.get("addedUserIds"):
            await engine.drain_soon(uow, config)

    async def on_account_updated(uow: UnitOfWork, _event: Event) -> None:
        await engine.drain_soon(uow, config)  # its routing may have changed

    return {
        ConversationCreated.name: on_created,
        ConversationAssigned.name: on_assigned,
        ConversationUpdated.name: on_updated,
        ConversationDeleted.name: on_deleted,
        UserUpdated.name: on_user_updated,
        TeamUpdated.name: on_team_updated,
        ChannelAccountUpdated.name: on_account_updated,
    }


def _config(settings: Settings, clock: Clock | None) -> RoutingConfig:
    return RoutingConfig(
        clock=clock or SystemClock(),
        grace_ms=round(settings.presence_grace_s * 1000),
        public_url=settings.resolved_public_url(),
    )


def register_handlers(bus: EventBus, settings: Settings, clock: Clock | None = None) -> None:
    """Route with `bus`'s events, reading time from `clock` (tests pass a manual one);
    registering twice on one bus is a no-op."""
    if bus in _configs:
        return
    config = _configs[bus] = _config(settings, clock)
    for name, handler in _handlers(config).items():
        bus.on(name, handler)


def config_of(hooks: object, settings: Settings) -> RoutingConfig:
    """The routing configuration `register_handlers` gave this bus (a database's hooks): its
    clock is the one the app's presence and the drain job must share. A bus without routing
    gets the wall clock."""
    if isinstance(hooks, EventBus) and hooks in _configs:
        return _configs[hooks]
    return _config(settings, None)
