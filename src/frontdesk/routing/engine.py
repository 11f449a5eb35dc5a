"""Automatic assignment (DESIGN 7): a new conversation goes to the least loaded present member
of its account's users and teams, or waits in the queue; the queue is served oldest first
whenever someone may take work.

Concurrency. Every decision that counts load and assigns runs under one routing lock: on
PostgreSQL a transaction-level advisory lock, on SQLite the single writer. The load count runs
after the lock is granted, so it sees every assignment committed before; two conversations
arriving together can never both take an agent's last free slot. One lock rather than row
locks on the candidates (`SELECT ... FOR UPDATE`): the transactions that trigger a drain
(availability, capacity, deactivation) have already updated that user's row when routing
runs, so row locks taken in id order could still meet them in the opposite order and
deadlock. Instead, a transaction may *wait* for the routing lock only while it holds no row
another router needs (a new conversation, a presence renewal, the drain job); any other
trigger only tries the lock, and when it is busy leaves the drain to a `routing.drain` job
that runs after its commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, update

from frontdesk.accounts.models import User
from frontdesk.channels.models import ChannelAccount
from frontdesk.conversations import service as conversation_service
from frontdesk.conversations.models import Thread
from frontdesk.core import jobs
from frontdesk.core.db import UnitOfWork
from frontdesk.routing import candidates as candidate_queries
from frontdesk.routing import queue
from frontdesk.routing.candidates import Candidate, Targets
from frontdesk.routing.clock import Clock

OFF = "OFF"
USERS_AND_TEAMS = "USERS_AND_TEAMS"
CONTACT_OWNER = "CONTACT_OWNER"
MODES = (OFF, USERS_AND_TEAMS, CONTACT_OWNER)

DRAIN_JOB = "routing.drain"
ROUTING_LOCK = 0x46445254  # "FDRT": the advisory lock every routing decision holds
# The system actor of routing's assignments: their history entry reads "Frontdesk assigned".
ROUTING = conversation_service.Acting(actor_id="S-routing", inbox_ids=None)


@dataclass(frozen=True)
class RoutingConfig:
    """What routing needs besides the database: the clock, the presence grace period and
    the base URL of links in emails."""

    clock: Clock
    grace_ms: int
    public_url: str

    def online_since(self) -> int:
        """Presence renewed at or after this instant means online."""
        return self.clock.now_ms() - self.grace_ms


# --- the routing lock -------------------------------------------------------------------------


async def lock_routing(uow: UnitOfWork) -> None:
    """Wait for the routing lock (held until commit). Only for transactions that hold no row
    another router may need (see the module doc)."""
    if uow.is_postgres:
        await uow.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ROUTING_LOCK})


async def try_lock_routing(uow: UnitOfWork) -> bool:
    if not uow.is_postgres:
        return True  # the single writer: this transaction is the only one
    got = await uow.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": ROUTING_LOCK})
    return bool(got)


# --- placing one conversation -----------------------------------------------------------------


async def _account(uow: UnitOfWork, account_id: int) -> Any:
    return (
        await uow.execute(
            select(
                ChannelAccount.assignment_mode,
                ChannelAccount.assignment_targets,
                ChannelAccount.archived,
            ).where(ChannelAccount.id == account_id)
        )
    ).first()


def _how(chosen: Candidate, others: list[Candidate], *, available: int) -> str:
    if not others:
        return "the only one available" if available == 1 else "the only one with room"
    if any(o.load == chosen.load for o in others):
        return "least loaded, assigned longest ago"
    return "least loaded"


async def _place(uow: UnitOfWork, config: RoutingConfig, *, thread: Any, targets: Targets) -> str:
    """Assign `thread` to the best candidate; "" when placed, else why nobody took it.
    The caller holds the routing lock."""
    found = await candidate_queries.find_candidates(
        uow, targets=targets, inbox_id=thread.inbox_id, online_since=config.online_since()
    )
    eligible = sorted((c for c in found if c.has_room), key=Candidate.order)
    among = await candidate_queries.describe_targets(uow, targets)
    if not eligible:
        if found:
            return f"Waiting: everyone available among {among} is at capacity"
        return f"Waiting: nobody among {among} is available"
    chosen, others = eligible[0], eligible[1:]
    how = _how(chosen, others, available=len(found))
    reason = f"Round-robin among {among}: {chosen.load} open, {how}"
    await conversation_service.set_assignee(
        uow, thread=thread, user_id=chosen.id, by=ROUTING, reason=reason[:500]
    )
    await uow.execute(
        update(User).where(User.id == chosen.id).values(last_assigned_at=config.clock.now_ms())
    )
    return ""


async def route_to_users_and_teams(
    uow: UnitOfWork, config: RoutingConfig, *, thread_id: int, account_id: int, raw_targets: Any
) -> None:
    """A new conversation: to the best candidate now, or into the queue."""
    await lock_routing(uow)
    thread = await _waiting_thread(uow, thread_id)
    if thread is None:
        return
    why = await _place(uow, config, thread=thread, targets=Targets.parse(raw_targets))
    if why:
        await queue.enqueue(
            uow,
            thread_id=thread_id,
            channel_account_id=account_id,
            at=config.clock.now_ms(),
            reason=why[:500],
        )


async def _waiting_thread(uow: UnitOfWork, thread_id: int) -> Any:
    """The thread, locked, if it still waits for routing (open, live, unassigned)."""
    await uow.execute(select(Thread.id).where(Thread.id == thread_id).with_for_update())
    row = (
        await uow.execute(
            select(Thread.id, Thread.inbox_id, Thread.assignee_id).where(
                Thread.id == thread_id,
                Thread.status == "OPEN",
                Thread.archived.is_(False),
                Thread.assignee_id.is_(None),
            )
        )
    ).first()
    return row


# --- serving the queue ------------------------------------------------------------------------


async def drain(uow: UnitOfWork, config: RoutingConfig) -> int:
    """Serve the queue oldest first; returns how many threads were assigned. The caller holds
    the routing lock. Once a thread of an account (in an inbox) finds nobody, its later ones
    are skipped: assigning only adds load, so nobody would take them either."""
    rows = await queue.waiting(uow)
    accounts: dict[int, Any] = {}
    exhausted: set[tuple[int, int]] = set()
    placed = 0
    for row in rows:
        if row.channel_account_id not in accounts:
            accounts[row.channel_account_id] = await _account(uow, row.channel_account_id)
        account = accounts[row.channel_account_id]
        if account is None or account.archived or account.assignment_mode != USERS_AND_TEAMS:
            await queue.leave_unrouted(uow, thread_id=row.thread_id)  # routing off, or deleted
            continue
        key = (row.channel_account_id, row.inbox_id)
        if key in exhausted:
            continue
        thread = await _waiting_thread(uow, row.thread_id)
        if thread is None:  # assigned, closed or archived by a transaction that raced us
            await queue.leave_unrouted(uow, thread_id=row.thread_id)
            continue
        targets = Targets.parse(account.assignment_targets)
        if await _place(uow, config, thread=thread, targets=targets):
            exhausted.add(key)
            continue
        await queue.remove(uow, thread_id=row.thread_id)
        placed += 1
    return placed


async def drain_soon(uow: UnitOfWork, config: RoutingConfig) -> None:
    """Serve the queue in this transaction if the routing lock is free, else in a
    `routing.drain` job after commit (see the module doc: waiting here could deadlock)."""
    if await try_lock_routing(uow):
        if not await queue.is_empty(uow):
            await drain(uow, config)
        return
    await jobs.enqueue(uow, kind=DRAIN_JOB, payload={})
