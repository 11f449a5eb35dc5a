"""`/metrics` in Prometheus' text format: this process's counters and histograms
(core/metrics.py) plus job counts read from the database at each scrape, so every process
reports the same, current backlog.

No authentication: bind Frontdesk to a private interface or protect `/metrics` at the proxy.
"""

from __future__ import annotations

from fastapi import APIRouter
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from sqlalchemy import func, select
from starlette.responses import Response

from frontdesk.api.deps import DbDep
from frontdesk.core.db import UnitOfWork
from frontdesk.core.jobs import Job
from frontdesk.core.metrics import REGISTRY

router = APIRouter()

JOB_STATUSES = ("queued", "running", "done", "dead")


async def job_counts(uow: UnitOfWork) -> dict[tuple[str, str], int]:
    """Jobs by (kind, status); every status of a known kind is present, zero or not."""
    rows = await uow.execute(
        select(Job.kind, Job.status, func.count().label("n")).group_by(Job.kind, Job.status)
    )
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        for known in JOB_STATUSES:
            counts.setdefault((row.kind, known), 0)
        counts[(row.kind, row.status)] = int(row.n)
    return counts


def render_job_gauges(counts: dict[tuple[str, str], int]) -> bytes:
    # A registry per scrape: a kind whose jobs are gone disappears instead of going stale.
    registry = CollectorRegistry(auto_describe=True)
    gauge = Gauge(
        "frontdesk_jobs",
        "Jobs in the outbox by kind and status (queued, running, done, dead), from the database.",
        ["kind", "status"],
        registry=registry,
    )
    for (kind, status), count in sorted(counts.items()):
        gauge.labels(kind, status).set(count)
    return generate_latest(registry)


@router.get("/metrics", response_class=Response)
async def metrics(db: DbDep) -> Response:
    """Prometheus metrics (unauthenticated: keep it on a private interface or behind the
    proxy)."""
    async with db.read() as uow:
        counts = await job_counts(uow)
    body = generate_latest(REGISTRY) + render_job_gauges(counts)
    return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)
