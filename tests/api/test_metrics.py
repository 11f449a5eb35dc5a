"""`/metrics`: Prometheus text format, process counters, and job counts read at scrape time."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from frontdesk.core.db import Database
from frontdesk.core.metrics import JOB_ATTEMPTS
from tests.delivery.test_log import insert_job


async def scrape(client: httpx.AsyncClient) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Metric family name -> {sorted labels: value}."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    families: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.text):
        samples = families.setdefault(family.name, {})
        for sample in family.samples:
            samples[(("__name__", sample.name), *sorted(sample.labels.items()))] = sample.value
    return families


def jobs(kind: str, status: str) -> tuple[tuple[str, str], ...]:
    return (("__name__", "frontdesk_jobs"), ("kind", kind), ("status", status))


@pytest.mark.asyncio
async def test_job_counts_come_from_the_database_at_each_scrape(
    client: httpx.AsyncClient, db: Database
) -> None:
    assert (await scrape(client)).get("frontdesk_jobs", {}) == {}
    for status in ("queued", "queued", "dead", "done", "done", "done"):
        await insert_job(db, kind="channel.outgoing_message", status=status)
    await insert_job(db, kind="webhooks.subscription", status="running")

    counts = (await scrape(client))["frontdesk_jobs"]

    assert counts == {
        jobs("channel.outgoing_message", "queued"): 2,
        jobs("channel.outgoing_message", "running"): 0,
        jobs("channel.outgoing_message", "done"): 3,
        jobs("channel.outgoing_message", "dead"): 1,
        jobs("webhooks.subscription", "queued"): 0,
        jobs("webhooks.subscription", "running"): 1,
        jobs("webhooks.subscription", "done"): 0,
        jobs("webhooks.subscription", "dead"): 0,
    }
    await insert_job(db, kind="webhooks.subscription", status="dead")
    later = (await scrape(client))["frontdesk_jobs"]
    assert later[jobs("webhooks.subscription", "dead")] == 1


@pytest.mark.asyncio
async def test_process_counters_are_exported(client: httpx.AsyncClient) -> None:
    JOB_ATTEMPTS.labels("metrics.test", "done").inc()
    families = await scrape(client)
    attempts = families["frontdesk_job_attempts"]
    total = (
        ("__name__", "frontdesk_job_attempts_total"),
        ("kind", "metrics.test"),
        ("result", "done"),
    )
    assert attempts[total] >= 1
    assert "frontdesk_job_attempt_seconds" in families
    assert "frontdesk_job_latency_seconds" in families


@pytest.mark.asyncio
async def test_metrics_need_no_credential(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 200
