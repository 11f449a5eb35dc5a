"""The outbox (DESIGN 5): one row per thing to do outside the database (a webhook, an email),
written in the same transaction as the change that causes it, and the runner that does them.

`enqueue` writes the row; after commit the runner is woken (in-process, and by NOTIFY on
PostgreSQL so other worker processes wake too). The runner lives in `core/runner.py`.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, insert, text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.db import UnitOfWork
from frontdesk.core.models import Base, BigId, now_ms


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        # The claim walks queued jobs in (run_at, id) order without sorting.
        Index("ix_jobs_status_run_at", "status", "run_at", "id"),
        # "Is an earlier job of this thread unfinished?" is one seek.
        Index("ix_jobs_ordering_key", "ordering_key", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    ordering_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    target: Mapped[str | None] = mapped_column(String(128), nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    channel_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_at: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    locked_until: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now_ms, onupdate=now_ms)


class JobAttempt(Base):
    __tablename__ = "job_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(BigInteger, index=True)
    started_at: Mapped[int] = mapped_column(BigInteger)
    duration_ms: Mapped[int] = mapped_column(Integer)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


async def enqueue(
    uow: UnitOfWork,
    *,
    kind: str,
    payload: dict[str, Any],
    ordering_key: str | None = None,
    target: str | None = None,
    message_id: int | None = None,
    channel_id: int | None = None,
) -> str:
    """Write a job row in the caller's transaction; returns its event id (stable across
    attempts, the receivers' de-duplication key)."""
    event_id = str(uuid.uuid4())
    now = now_ms()
    await uow.execute(
        insert(Job).values(
            kind=kind,
            event_id=event_id,
            payload=payload,
            status="queued",
            ordering_key=ordering_key,
            target=target,
            message_id=message_id,
            channel_id=channel_id,
            attempts=0,
            run_at=now,
            created_at=now,
            updated_at=now,
        )
    )
    await wake_workers(uow)
    return event_id


async def wake_workers(uow: UnitOfWork) -> None:
    """Wake job runners once this transaction commits: this process's through the bus's job
    listeners, other processes' by the NOTIFY PostgreSQL delivers at commit (and only then)."""
    uow.enqueued_jobs += 1
    if uow.is_postgres:
        await uow.execute(text("SELECT pg_notify('frontdesk_jobs', '')"))
