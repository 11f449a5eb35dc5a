"""The `routing.drain` job: serves the queue after the commit of a change that found the
routing lock busy (engine's module doc)."""

from __future__ import annotations

from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.runner import ClaimedJob, JobKind, Outcome
from frontdesk.routing import engine
from frontdesk.routing.engine import DRAIN_JOB, RoutingConfig


async def _drain(uow: UnitOfWork, config: RoutingConfig) -> int:
    """Wait for the routing lock (this transaction holds nothing yet), then serve the queue."""
    await engine.lock_routing(uow)
    return await engine.drain(uow, config)


def job_kind(db: Database, config: RoutingConfig) -> JobKind:
    """The `routing.drain` kind."""

    async def run(_job: ClaimedJob) -> Outcome:
        async with db.transaction() as uow:
            placed = await _drain(uow, config)
        return Outcome.done(response_body=f"assigned {placed}")

    return JobKind(DRAIN_JOB, run)
