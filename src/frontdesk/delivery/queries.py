"""Statements of the delivery log: who sees which jobs, and what a job is waiting for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.orm import aliased

from frontdesk.channels.models import Channel
from frontdesk.core.db import UnitOfWork
from frontdesk.core.jobs import Job, JobAttempt

UNFINISHED = ("queued", "running")


def subscription_target(app_id: int) -> str:
    """The `target` of an app's subscription webhook jobs."""
    return f"subscription:{app_id}"


def visible_to(app_id: int | None) -> ColumnElement[bool]:
    """Jobs an app may see: those of its channels and its subscription deliveries. None (an
    admin) sees every job."""
    if app_id is None:
        return true()
    own_channels = select(Channel.id).where(Channel.app_id == app_id)
    return or_(Job.channel_id.in_(own_channels), Job.target == subscription_target(app_id))


def waiting_for(*, now: int, order_wait_ms: int) -> ColumnElement[Any]:
    """The oldest earlier unfinished job of the same ordering key, for a queued job that the
    runner holds back for it (the runner's rule: only within the order-wait bound)."""
    earlier = aliased(Job)
    oldest_earlier = (
        select(func.min(earlier.id))
        .where(
            earlier.ordering_key == Job.ordering_key,
            earlier.id < Job.id,
            earlier.status.in_(UNFINISHED),
        )
        .scalar_subquery()
    )
    held = and_(
        Job.status == "queued",
        Job.ordering_key.is_not(None),
        Job.created_at >= now - order_wait_ms,
    )
    return case((held, oldest_earlier), else_=None).label("waiting_for")


def job_columns(*, now: int, order_wait_ms: int) -> tuple[Any, ...]:
    return (
        Job.id,
        Job.kind,
        Job.event_id,
        Job.status,
        Job.attempts,
        Job.run_at,
        Job.last_error,
        Job.channel_id,
        Job.message_id,
        Job.created_at,
        Job.updated_at,
        waiting_for(now=now, order_wait_ms=order_wait_ms),
    )


async def list_jobs(
    uow: UnitOfWork,
    *,
    app_id: int | None,
    channel_id: int | None,
    statuses: Sequence[str],
    message_id: int | None,
    kind: str | None,
    before_id: int | None,
    limit: int,
    now: int,
    order_wait_ms: int,
) -> list[Any]:
    """Up to `limit` jobs, newest first, with ids below `before_id` when given."""
    statement = select(*job_columns(now=now, order_wait_ms=order_wait_ms)).where(visible_to(app_id))
    if channel_id is not None:
        statement = statement.where(Job.channel_id == channel_id)
    if statuses:
        statement = statement.where(Job.status.in_(list(statuses)))
    if message_id is not None:
        statement = statement.where(Job.message_id == message_id)
    if kind is not None:
        statement = statement.where(Job.kind == kind)
    if before_id is not None:
        statement = statement.where(Job.id < before_id)
    statement = statement.order_by(Job.id.desc()).limit(limit)
    return list((await uow.execute(statement)).all())


async def get_job(
    uow: UnitOfWork, *, app_id: int | None, job_id: int, now: int, order_wait_ms: int
) -> Any:
    """One job the caller sees, or None."""
    statement = select(*job_columns(now=now, order_wait_ms=order_wait_ms)).where(
        Job.id == job_id, visible_to(app_id)
    )
    return (await uow.execute(statement)).first()


async def lock_job(uow: UnitOfWork, *, app_id: int | None, job_id: int) -> Any:
    """A job the caller sees, locked against the runner until the transaction ends (on SQLite
    the one writer already excludes it), or None."""
    statement = select(Job.id, Job.kind, Job.status, Job.message_id).where(
        Job.id == job_id, visible_to(app_id)
    )
    if uow.is_postgres:
        statement = statement.with_for_update(of=Job)
    return (await uow.execute(statement)).first()


async def list_attempts(uow: UnitOfWork, *, job_id: int) -> list[Any]:
    """A job's attempts, oldest first."""
    statement = (
        select(
            JobAttempt.id,
            JobAttempt.started_at,
            JobAttempt.duration_ms,
            JobAttempt.response_status,
            JobAttempt.response_body,
            JobAttempt.error,
        )
        .where(JobAttempt.job_id == job_id)
        .order_by(JobAttempt.id)
    )
    return list((await uow.execute(statement)).all())
