"""Process metrics in Prometheus' format; `/metrics` renders them (plus database gauges)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

JOB_ATTEMPTS = Counter(
    "frontdesk_job_attempts",
    "Job attempts made by this process, by kind and result (done, retry, dead).",
    ["kind", "result"],
    registry=REGISTRY,
)
JOB_ATTEMPT_SECONDS = Histogram(
    "frontdesk_job_attempt_seconds",
    "Duration of one job attempt (a webhook POST and its answer), by kind.",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
JOB_LATENCY_SECONDS = Histogram(
    "frontdesk_job_latency_seconds",
    "From a job's creation (the commit of the change) to its successful attempt, by kind.",
    ["kind"],
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600, 86400),
    registry=REGISTRY,
)
SQLITE_COMMIT_UNITS = Histogram(
    "frontdesk_sqlite_commit_units",
    "Units of work (requests, jobs) that shared one commit of the SQLite writer.",
    buckets=(1, 2, 4, 8, 16),
    registry=REGISTRY,
)
