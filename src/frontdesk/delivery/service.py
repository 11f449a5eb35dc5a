"""The delivery log (jobs and their attempts), replay of dead jobs, and app secret rotation.

Callers pass `app_id`: an app sees only the jobs of its own channels and subscriptions; None
means an admin, who sees every job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from frontdesk.apps import service as app_service
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, NotFound, validation_error
from frontdesk.core.jobs import Job, wake_workers
from frontdesk.core.models import now_ms
from frontdesk.core.pagination import check_limit, decode_cursor
from frontdesk.delivery import queries
from frontdesk.messages import service as message_service

OUTGOING_MESSAGE_KIND = "channel.outgoing_message"


@dataclass(frozen=True)
class JobPage:
    rows: list[Any]
    next_cursor: int | None


@dataclass(frozen=True)
class JobDetail:
    job: Any
    attempts: list[Any]


@dataclass(frozen=True)
class RotatedSecrets:
    client_secret: str
    webhook_secret: str
    previous_valid_until: int | None  # when the last replaced secret stops signing


def _before_id(after: str | None) -> int | None:
    value = decode_cursor(after)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise validation_error("Invalid paging cursor", field_name="after")
    return value


async def list_deliveries(
    uow: UnitOfWork,
    *,
    app_id: int | None,
    order_wait_s: float,
    channel_id: int | None = None,
    statuses: Sequence[str] = (),
    message_id: int | None = None,
    kind: str | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> JobPage:
    """One page of the jobs the caller sees, newest first."""
    page_size = check_limit(limit)
    rows = await queries.list_jobs(
        uow,
        app_id=app_id,
        channel_id=channel_id,
        statuses=statuses,
        message_id=message_id,
        kind=kind,
        before_id=_before_id(after),
        limit=page_size + 1,
        now=now_ms(),
        order_wait_ms=int(order_wait_s * 1000),
    )
    more = len(rows) > page_size
    rows = rows[:page_size]
    return JobPage(rows, rows[-1].id if more else None)


async def get_delivery(
    uow: UnitOfWork, *, app_id: int | None, job_id: int, order_wait_s: float
) -> JobDetail:
    """One job the caller sees with its attempts; 404 for any other."""
    row = await queries.get_job(
        uow, app_id=app_id, job_id=job_id, now=now_ms(), order_wait_ms=int(order_wait_s * 1000)
    )
    if row is None:
        raise NotFound("Delivery", job_id)
    return JobDetail(row, await queries.list_attempts(uow, job_id=job_id))


async def replay_delivery(
    uow: UnitOfWork, *, app_id: int | None, job_id: int, order_wait_s: float
) -> JobDetail:
    """Queue a dead job again, now, with a fresh round of attempts and the same event id
    (receivers de-duplicate by it); its FAILED message goes back to PENDING (DESIGN 3)."""
    job = await queries.lock_job(uow, app_id=app_id, job_id=job_id)
    if job is None:
        raise NotFound("Delivery", job_id)
    if job.status != "dead":
        raise Conflict(f"Only a dead delivery can be replayed; this one is {job.status}")
    now = now_ms()
    # last_error stays until the next attempt replaces it: the log keeps saying why it died.
    await uow.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status="queued", run_at=now, attempts=0, locked_until=None, updated_at=now)
    )
    if job.kind == OUTGOING_MESSAGE_KIND and job.message_id is not None:
        await _reopen_failed_message(uow, message_id=job.message_id)
    await wake_workers(uow)
    return await get_delivery(uow, app_id=app_id, job_id=job_id, order_wait_s=order_wait_s)


async def _reopen_failed_message(uow: UnitOfWork, *, message_id: int) -> None:
    message = await message_service.get_delivery_row(uow, message_id=message_id)
    if message is None or message.status != "FAILED":
        return  # the bridge may have reported SENT or READ meanwhile: keep what it said
    await message_service.write_delivery_status(
        uow, row=message, status="PENDING", failure_message=None
    )


def _previous_valid_until(app: Any, *, now: int) -> int | None:
    expiries = [int(p["expiresAt"]) for p in app.previous_secrets if int(p["expiresAt"]) > now]
    return max(expiries, default=None)


async def rotate_app_secrets(uow: UnitOfWork, *, app_id: int, grace_s: int) -> RotatedSecrets:
    """New client and webhook secrets for an app, current at once; the replaced webhook
    secret keeps signing beside the new one for `grace_s` seconds."""
    client_secret, webhook_secret = await app_service.rotate_secrets(
        uow, app_id=app_id, grace_s=grace_s
    )
    app = await app_service.get_app(uow, app_id=app_id)
    return RotatedSecrets(client_secret, webhook_secret, _previous_valid_until(app, now=now_ms()))


@dataclass(frozen=True)
class AppSummary:
    app: Any
    previous_valid_until: int | None


async def get_app_summary(uow: UnitOfWork, *, app_id: int) -> AppSummary:
    """An app and until when its replaced secrets still sign (never the secrets)."""
    app = await app_service.get_app(uow, app_id=app_id)
    return AppSummary(app, _previous_valid_until(app, now=now_ms()))
