"""Presence (DESIGN 7): a heartbeat in the database. While a client of a user holds the event
stream, the stream renews `users.last_seen_at` on connect and then at most every third of the
grace period; the user is online while it is within the grace period of now.

A user coming online may take queued conversations, so that renewal serves the queue. Any
renewal also serves a non-empty queue when the routing lock is free: a drain that lost a race
(a trigger that found the lock busy, presence expiring as a conversation arrived) is made up
within one renewal period by whoever is online.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import select, update

from frontdesk.accounts.models import User
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.routing import engine, queue
from frontdesk.routing.engine import RoutingConfig

KeepAlive = Callable[[], Awaitable[None]]


async def renew(uow: UnitOfWork, config: RoutingConfig, *, user_id: int) -> bool:
    """Mark the user seen now; True if they were offline (the queue was then served)."""
    now = config.clock.now_ms()
    seen = await uow.scalar(select(User.last_seen_at).where(User.id == user_id))
    coming_online = seen is None or seen < now - config.grace_ms
    if coming_online:
        # Taken before this user's row is updated: waiting for the lock while holding a row
        # a router needs could deadlock (engine's module doc).
        await engine.lock_routing(uow)
    await uow.execute(update(User).where(User.id == user_id).values(last_seen_at=now))
    if coming_online or (not await queue.is_empty(uow) and await engine.try_lock_routing(uow)):
        await engine.drain(uow, config)
    return coming_online


class Presence:
    """Hands each user's event stream a keep-alive that renews presence when due."""

    def __init__(self, db: Database, config: RoutingConfig) -> None:
        self.db = db
        self.config = config
        self.renew_every_ms = max(config.grace_ms // 3, 1)

    def keeper(self, user_id: int) -> KeepAlive:
        """A callable the stream awaits on connect and before each frame it sends."""
        last_renewed: int | None = None

        async def keep_alive() -> None:
            nonlocal last_renewed
            now = self.config.clock.now_ms()
            if last_renewed is not None and now - last_renewed < self.renew_every_ms:
                return
            last_renewed = now
            async with self.db.transaction() as uow:
                await renew(uow, self.config, user_id=user_id)

        return keep_alive
