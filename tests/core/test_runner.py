"""The job runner against a real database, with an injected clock (no sleeps)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event, func, select

from frontdesk.app import build_database
from frontdesk.config import Settings
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.jobs import Job, JobAttempt, enqueue
from frontdesk.core.runner import ClaimedJob, JobKind, JobRunner, Outcome, RunnerConfig, backoff_s


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def script(*outcomes: Outcome) -> tuple[Callable[[ClaimedJob], Awaitable[Outcome]], list[int]]:
    """A handler answering the given outcomes in turn; records the job ids it ran."""
    queue = list(outcomes)
    ran: list[int] = []

    async def run(job: ClaimedJob) -> Outcome:
        ran.append(job.id)
        return queue.pop(0) if queue else Outcome.done()

    return run, ran


async def add_job(
    db: Database, clock: FakeClock, *, key: str | None = None, target: str | None = "t1"
) -> int:
    async with db.transaction() as uow:
        await enqueue(uow, kind="test.job", payload={}, ordering_key=key, target=target)
        job_id: int = await uow.scalar(select(func.max(Job.id)))
    # Enqueue stamps the wall clock; move the job onto the test's clock.
    async with db.transaction() as uow:
        from sqlalchemy import update

        now = int(clock() * 1000)
        await uow.execute(update(Job).where(Job.id == job_id).values(run_at=now, created_at=now))
    return job_id


async def job_row(db: Database, job_id: int) -> Any:
    async with db.read() as uow:
        return (await uow.execute(select(Job).where(Job.id == job_id))).one()


async def attempts(db: Database, job_id: int) -> list[Any]:
    async with db.read() as uow:
        query = select(JobAttempt).where(JobAttempt.job_id == job_id).order_by(JobAttempt.id)
        return list((await uow.execute(query)).all())


def make_runner(
    db: Database, clock: FakeClock, run: Callable[[ClaimedJob], Awaitable[Outcome]], **config: Any
) -> tuple[JobRunner, list[str]]:
    dead: list[str] = []

    async def on_dead(uow: UnitOfWork, job: ClaimedJob, reason: str) -> None:
        dead.append(reason)

    kind = JobKind("test.job", run, on_dead=on_dead)
    cfg = RunnerConfig(retry_base_s=10, max_attempts=4, **config)
    return JobRunner(db, [kind], cfg, clock=clock, rng=random.Random(7)), dead


@pytest.mark.asyncio
async def test_success_is_one_attempt(db: Database) -> None:
    clock = FakeClock()
    run, ran = script(Outcome.done(response_status=200, response_body="ok"))
    runner, _ = make_runner(db, clock, run)
    job_id = await add_job(db, clock)
    assert await runner.run_due() == 1
    assert ran == [job_id]
    assert (await job_row(db, job_id)).status == "done"
    [attempt] = await attempts(db, job_id)
    assert (attempt.response_status, attempt.response_body) == (200, "ok")
    assert await runner.run_due() == 0


@pytest.mark.asyncio
async def test_retries_wait_for_their_backoff_then_succeed_once(db: Database) -> None:
    clock = FakeClock()
    run, ran = script(
        Outcome.retry("connection refused"),
        Outcome.retry("HTTP 429", response_status=429, retry_after_s=120),
        Outcome.done(response_status=204),
    )
    runner, dead = make_runner(db, clock, run)
    job_id = await add_job(db, clock)
    await runner.run_due()
    row = await job_row(db, job_id)
    assert (row.status, row.attempts, row.last_error) == ("queued", 1, "connection refused")
    first_delay = (row.run_at - clock() * 1000) / 1000
    assert 0 <= first_delay <= 10  # full jitter under the first bound
    clock.advance(first_delay - 0.5)
    assert await runner.run_due() == 0  # not due yet
    clock.advance(1)
    await runner.run_due()
    row = await job_row(db, job_id)
    assert row.status == "queued"
    assert row.run_at >= clock() * 1000 + 120_000  # Retry-After is honoured
    clock.advance(119)
    assert await runner.run_due() == 0
    clock.advance(1 + 30)
    await runner.run_due()
    assert (await job_row(db, job_id)).status == "done"
    assert [a.response_status for a in await attempts(db, job_id)] == [None, 429, 204]
    assert ran == [job_id] * 3
    assert dead == []


@pytest.mark.asyncio
async def test_attempts_run_out_and_the_job_dies_with_its_hook(db: Database) -> None:
    clock = FakeClock()

    async def always_fail(job: ClaimedJob) -> Outcome:
        return Outcome.retry("HTTP 503", response_status=503)

    runner, dead = make_runner(db, clock, always_fail)
    job_id = await add_job(db, clock)
    for _ in range(10):
        await runner.run_due()
        clock.advance(3600 * 6)
    row = await job_row(db, job_id)
    assert (row.status, row.attempts) == ("dead", 4)
    assert dead == ["HTTP 503"]
    assert len(await attempts(db, job_id)) == 4


@pytest.mark.asyncio
async def test_permanent_failure_ends_at_once(db: Database) -> None:
    clock = FakeClock()
    run, _ = script(Outcome.dead("HTTP 404", response_status=404))
    runner, dead = make_runner(db, clock, run)
    job_id = await add_job(db, clock)
    await runner.run_due()
    assert (await job_row(db, job_id)).status == "dead"
    assert dead == ["HTTP 404"]


@pytest.mark.asyncio
async def test_a_later_job_of_a_key_waits_for_the_earlier_one_up_to_a_bound(db: Database) -> None:
    clock = FakeClock()
    ran: list[int] = []
    failing: set[int] = set()

    async def run(job: ClaimedJob) -> Outcome:
        ran.append(job.id)
        return Outcome.retry("down") if job.id in failing else Outcome.done()

    runner, _ = make_runner(db, clock, run, order_wait_s=600)
    first = await add_job(db, clock, key="thread:1")
    failing.add(first)
    second = await add_job(db, clock, key="thread:1")
    other = await add_job(db, clock, key="thread:2")
    await runner.run_due()
    assert sorted(ran) == [first, other]  # the second waits behind the first
    clock.advance(60)
    await runner.run_due()  # the first is retried and fails again; the second still waits
    assert ran.count(first) == 2
    assert second not in ran
    clock.advance(600)  # past the bound: the second goes anyway
    await runner.run_due()
    assert second in ran
    assert (await job_row(db, second)).status == "done"


@pytest.mark.asyncio
async def test_a_crashed_claim_is_taken_again_after_its_lease(db: Database) -> None:
    clock = FakeClock()
    run, ran = script()
    runner, _ = make_runner(db, clock, run, lease_s=60)
    job_id = await add_job(db, clock)
    [claimed] = await runner.claim(10)  # claimed, then the process "dies"
    assert claimed.id == job_id
    assert await runner.claim(10) == []
    clock.advance(61)
    await runner.run_due()
    assert ran == [job_id]
    assert (await job_row(db, job_id)).status == "done"


@pytest.mark.asyncio
async def test_a_failing_endpoint_is_paused_without_holding_up_others(db: Database) -> None:
    clock = FakeClock()

    async def run(job: ClaimedJob) -> Outcome:
        return Outcome.retry("timeout") if job.target == "dead" else Outcome.done()

    runner, _ = make_runner(db, clock, run, breaker_failures=2, breaker_pause_s=300)
    dead_jobs = [await add_job(db, clock, target="dead") for _ in range(4)]
    await runner.run_due()
    assert runner.target_paused("dead")
    healthy = await add_job(db, clock, target="alive")
    clock.advance(200)  # retries are due, but the endpoint is paused
    await runner.run_due()
    assert (await job_row(db, healthy)).status == "done"
    statuses = [(await job_row(db, j)).attempts for j in dead_jobs]
    assert statuses == [1, 1, 1, 1]
    clock.advance(200)  # pause over: probes go through again
    await runner.run_due()
    retried = [(await job_row(db, j)).attempts for j in dead_jobs]
    assert sorted(retried) == [1, 1, 1, 2]  # half-open: a single probe


@pytest.mark.asyncio
async def test_one_endpoint_never_has_more_than_its_limit_in_flight(db: Database) -> None:
    clock = FakeClock()
    in_flight = 0
    peak = 0
    release = asyncio.Event()

    async def slow(job: ClaimedJob) -> Outcome:
        nonlocal in_flight, peak
        if job.target != "slow":
            return Outcome.done()
        in_flight += 1
        peak = max(peak, in_flight)
        await release.wait()
        in_flight -= 1
        return Outcome.done()

    runner, _ = make_runner(db, clock, slow, endpoint_concurrency=3)
    slow_jobs = [await add_job(db, clock, target="slow") for _ in range(7)]
    fast = await add_job(db, clock, target="fast")
    # Batches of one endpoint's worth: three start, three wait for the full endpoint, and the
    # next claim passes over it to the fast endpoint.
    assert [await runner.claim_and_start() for _ in range(2)] == [3, 3]
    slow_tasks = set(runner._tasks)
    assert [await runner.claim_and_start() for _ in range(2)] == [1, 0]
    await asyncio.gather(*(runner._tasks - slow_tasks))
    assert (await job_row(db, fast)).status == "done"
    assert [(await job_row(db, j)).status for j in slow_jobs].count("queued") == 1
    release.set()
    while runner._tasks or await runner.claim_and_start():
        await asyncio.gather(*list(runner._tasks))
    assert peak == 3
    rows = [await job_row(db, j) for j in slow_jobs]
    assert [(r.status, r.attempts) for r in rows] == [("done", 1)] * 7  # none handed back


@pytest.mark.asyncio
async def test_jobs_waiting_for_a_full_endpoint_go_back_when_the_runner_stops(
    db: Database,
) -> None:
    clock = FakeClock()
    release = asyncio.Event()

    async def held(job: ClaimedJob) -> Outcome:
        await release.wait()
        return Outcome.done()

    runner, _ = make_runner(db, clock, held, endpoint_concurrency=2)
    jobs = [await add_job(db, clock, target="t") for _ in range(5)]
    assert [await runner.claim_and_start() for _ in range(2)] == [2, 2]
    assert [(await job_row(db, j)).status for j in jobs] == ["running"] * 4 + ["queued"]
    release.set()
    await runner.stop()
    rows = [await job_row(db, j) for j in jobs]
    # Two ran; the two that waited went back untouched instead of staying claimed until
    # their leases ran out.
    assert [(r.status, r.attempts) for r in rows] == [("done", 1)] * 2 + [("queued", 0)] * 3


@pytest.mark.asyncio
async def test_a_short_claim_is_not_repeated_until_something_changes(db: Database) -> None:
    clock = FakeClock()
    release = asyncio.Event()

    async def held(job: ClaimedJob) -> Outcome:
        await release.wait()
        return Outcome.done()

    runner, _ = make_runner(db, clock, held, endpoint_concurrency=2, poll_s=5)
    await add_job(db, clock, target="t")
    claims = count_claims(db)
    assert await runner.claim_and_start() == 1  # asked for two, found one
    assert await runner.claim_and_start() == 0
    assert len(claims) == 1  # nothing new could be claimable: no second query
    runner.wake()  # a commit enqueued something
    await add_job(db, clock, target="t")
    assert await runner.claim_and_start() == 1
    assert await runner.claim_and_start() == 0
    clock.advance(6)  # the poll interval: retries may have come due
    assert await runner.claim_and_start() == 0
    assert len(claims) == 3
    release.set()
    await asyncio.gather(*list(runner._tasks))


def count_claims(db: Database) -> list[str]:
    """The claim statements `db` runs from now on (a listener on its engine)."""
    seen: list[str] = []
    engine = db._sync_writer if db.is_sqlite else db.async_engine.sync_engine

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("UPDATE jobs SET status=") and "RETURNING" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    return seen


def test_backoff_bounds_add_up_to_about_a_day() -> None:
    rng = random.Random(1)
    bounds = [min(6 * 3600, 30 * 3 ** (n - 1)) for n in range(1, 10)]
    assert 18 * 3600 < sum(bounds) < 26 * 3600
    for attempt, bound in enumerate(bounds, start=1):
        assert 0 <= backoff_s(attempt, base=30, cap=6 * 3600, rng=rng) <= bound


@pytest.mark.asyncio
async def test_the_running_loop_is_woken_by_a_commit(settings: Settings) -> None:
    db, bus = build_database(settings)
    done = asyncio.Event()

    async def run(job: ClaimedJob) -> Outcome:
        done.set()
        return Outcome.done()

    # A poll interval far beyond the test's deadline: only the wake-up can finish it in time.
    runner = JobRunner(db, [JobKind("test.job", run)], RunnerConfig(poll_s=3600))
    bus.listen_jobs(runner.wake)
    await runner.start()
    try:
        await asyncio.sleep(0)
        async with db.transaction() as uow:
            await enqueue(uow, kind="test.job", payload={})
        await asyncio.wait_for(done.wait(), timeout=10)
    finally:
        await runner.stop()
        await db.dispose()


@pytest.mark.asyncio
async def test_concurrent_claimers_never_share_a_job(settings: Settings, db: Database) -> None:
    clock = FakeClock()
    for _ in range(60):
        await add_job(db, clock, target=None)
    other_db, _ = build_database(settings)
    try:
        runners = [make_runner(d, clock, script()[0])[0] for d in (db, other_db, db, other_db)]
        batches = await asyncio.gather(*(r.claim(10) for r in runners for _ in range(2)))
    finally:
        await other_db.dispose()
    ids = [job.id for batch in batches for job in batch]
    assert len(ids) == len(set(ids)) == 60


@pytest.mark.asyncio
async def test_a_claimed_batch_is_prefetched_once_in_the_claim(db: Database) -> None:
    clock = FakeClock()
    batches: list[list[int]] = []
    seen: dict[int, Any] = {}

    async def prefetch(uow: UnitOfWork, jobs: list[ClaimedJob]) -> dict[int, Any]:
        batches.append([job.id for job in jobs])
        found = await uow.scalar(select(func.count()).select_from(Job))  # runs in the claim
        return {job.id: (f"context of {job.id}", found) for job in jobs if job.id != skipped}

    async def run(job: ClaimedJob) -> Outcome:
        seen[job.id] = job.context
        return Outcome.done()

    kind = JobKind("test.job", run, prefetch=prefetch)
    runner = JobRunner(db, [kind], RunnerConfig(), clock=clock, rng=random.Random(7))
    jobs = [await add_job(db, clock, target=None) for _ in range(3)]
    skipped = jobs[1]
    assert await runner.run_due() == 3
    assert batches == [jobs]
    assert seen[jobs[0]][0] == f"context of {jobs[0]}"
    assert seen[skipped] is None  # nothing prefetched for it: the handler decides


@pytest.mark.asyncio
async def test_a_waiting_job_is_signalled_while_the_finished_attempt_is_recorded(
    db: Database,
) -> None:
    clock = FakeClock()
    go, recording, finish = asyncio.Event(), asyncio.Event(), asyncio.Event()
    ran: list[int] = []

    async def run(job: ClaimedJob) -> Outcome:
        ran.append(job.id)
        await go.wait()
        return Outcome.done()

    async def on_done(uow: UnitOfWork, job: ClaimedJob) -> None:
        if len(ran) == 1:  # hold the first attempt's recording open
            recording.set()
            await finish.wait()

    kind = JobKind("test.job", run, on_done=on_done)
    config = RunnerConfig(endpoint_concurrency=1, poll_s=3600)
    runner = JobRunner(db, [kind], config, clock=clock, rng=random.Random(7))
    first, second = [await add_job(db, clock, target="t") for _ in range(2)]
    assert [await runner.claim_and_start() for _ in range(2)] == [1, 1]  # one runs, one waits
    runner._wake.clear()
    go.set()
    await asyncio.wait_for(recording.wait(), timeout=10)
    # The endpoint's slot is free although the first attempt is not recorded yet: the loop
    # is woken and starts the waiting job now.
    assert runner._wake.is_set()
    assert runner._start_waiting() == (1, [])
    finish.set()
    await asyncio.gather(*list(runner._tasks))
    assert ran == [first, second]
