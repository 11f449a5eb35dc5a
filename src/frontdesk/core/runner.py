"""The job runner: claims due rows of the outbox and runs them, any number per process.

* Claiming is a single UPDATE over a sub-select of due rows: `FOR UPDATE SKIP LOCKED` on
  PostgreSQL, so several `frontdesk worker` processes never take the same row; on SQLite the one
  writer (and BEGIN IMMEDIATE across processes) makes the claimer single. A claimed row carries a
  lease (`locked_until`): a process killed mid-job leaves a row that is claimed again once the
  lease ends, so a crash means a retry, never a loss.
* Order: a job with an `ordering_key` (a thread) waits while an earlier job of the same key is
  unfinished, for at most `order_wait_s` after it was created; then it goes anyway.
* Isolation: at most `endpoint_concurrency` jobs run per `target` (an endpoint), and a circuit
  breaker pauses a target after repeated failures and lets one probe through later, so one slow
  or dead endpoint never delays the others.
* Batches: the loop claims at most one endpoint's worth of jobs at a time. Jobs claimed for an
  endpoint that is full wait in the process (up to `endpoint_concurrency` of them, still under
  their lease) and start as its attempts finish; a claim that came up short is not repeated
  until something may have changed (a wake-up, a finished ordered job, an endpoint freed, the
  poll interval). A backlog for one endpoint then costs one claim per batch, instead of a claim
  and a hand-back of the surplus per delivery.
* Retries: exponential backoff with full jitter, honouring a `retry_after` the handler reports;
  after `max_attempts` the job is dead and the kind's `on_dead` runs in the same transaction.
* Wake-ups: `wake()` after a commit that enqueued jobs (and NOTIFY on PostgreSQL); the runner
  also polls every `poll_s`, so a lost wake-up costs at most that.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.jobs import Job, JobAttempt
from frontdesk.core.metrics import JOB_ATTEMPT_SECONDS, JOB_ATTEMPTS, JOB_LATENCY_SECONDS
from frontdesk.core.notify import Listener, listen

log = logging.getLogger(__name__)

Clock = Callable[[], float]  # seconds since the epoch


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    event_id: str
    payload: dict[str, Any]
    attempts: int  # including the one about to run
    target: str | None
    ordering_key: str | None
    message_id: int | None
    channel_id: int | None
    created_at: int
    # What the kind's `prefetch` read for this job in the claim's transaction (None without).
    context: Any = None


@dataclass(frozen=True)
class Outcome:
    """What one attempt did. `retry` outcomes are retried until the attempts run out."""

    result: str  # done | retry | dead
    error: str | None = None
    response_status: int | None = None
    response_body: str | None = None
    retry_after_s: float | None = None

    @classmethod
    def done(cls, **kw: Any) -> Outcome:
        return cls("done", **kw)

    @classmethod
    def retry(cls, error: str, **kw: Any) -> Outcome:
        return cls("retry", error=error, **kw)

    @classmethod
    def dead(cls, error: str, **kw: Any) -> Outcome:
        return cls("dead", error=error, **kw)


DeadHook = Callable[[UnitOfWork, ClaimedJob, str], Awaitable[None]]


Prefetch = Callable[[UnitOfWork, list[ClaimedJob]], Awaitable[dict[int, Any]]]


@dataclass(frozen=True)
class JobKind:
    """A kind of job: `run` does the work outside any transaction; `on_dead` (optional) runs
    inside the transaction that buries the job; `on_done` inside the one that completes it.
    `prefetch` (optional) reads what a claimed batch of the kind needs, in the claim's
    transaction, keyed by job id: it lands in each job's `context`, so a batch costs one
    read instead of one per job."""

    name: str
    run: Callable[[ClaimedJob], Awaitable[Outcome]]
    on_dead: DeadHook | None = None
    on_done: Callable[[UnitOfWork, ClaimedJob], Awaitable[None]] | None = None
    prefetch: Prefetch | None = None


@dataclass
class RunnerConfig:
    concurrency: int = 32
    endpoint_concurrency: int = 8
    max_attempts: int = 10
    retry_base_s: float = 30.0
    retry_cap_s: float = 6 * 3600.0
    lease_s: float = 120.0
    poll_s: float = 1.0
    order_wait_s: float = 900.0
    breaker_failures: int = 5
    breaker_pause_s: float = 30.0
    breaker_pause_cap_s: float = 600.0


def backoff_s(attempt: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Full jitter over an exponential bound that triples each attempt, capped: with a 30 s
    base and 10 attempts the bounds add up to about a day (30 s, 90 s, ... 6 h, 6 h)."""
    bound = min(cap, base * 3 ** max(0, attempt - 1))
    return rng.uniform(0, bound)


@dataclass
class _Breaker:
    failures: int = 0
    opened: int = 0
    open_until: float = 0.0
    probing: bool = False


@dataclass
class _TargetState:
    running: int = 0
    breaker: _Breaker = field(default_factory=_Breaker)
    # Claimed while the endpoint was full, with when they were claimed (runner clock).
    waiting: deque[tuple[float, ClaimedJob]] = field(default_factory=deque)

    def take_waiting(self) -> list[ClaimedJob]:
        """Every waiting job, removed from the queue (to hand back)."""
        jobs = [job for _, job in self.waiting]
        self.waiting.clear()
        return jobs


class JobRunner:
    """Claims and runs jobs of the registered kinds; jobs of other kinds are left alone."""

    def __init__(
        self,
        db: Database,
        kinds: list[JobKind],
        config: RunnerConfig | None = None,
        *,
        clock: Clock = time.time,
        rng: random.Random | None = None,
        on_stop: list[Callable[[], Awaitable[None]]] | None = None,
    ) -> None:
        self.db = db
        self.kinds = {k.name: k for k in kinds}
        self.config = config or RunnerConfig()
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._targets: dict[str, _TargetState] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._listener: Listener | None = None
        self._on_stop = on_stop or []
        self._next_lease_check = 0
        self._unrecorded: list[_Record] = []
        self._recording = False
        # Counts what may make more jobs claimable (wake-ups, finished ordered jobs). A claim
        # that found less than it asked for is not repeated with the same (or more) excluded
        # endpoints until this changes or the poll interval passes.
        self._changes = 0
        self._short_claim: tuple[frozenset[str], float, int] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def wake(self) -> None:
        self._changes += 1
        self._wake.set()

    async def start(self) -> None:
        self._stopping = False
        if not self.db.is_sqlite:
            # Jobs enqueued by other processes (API servers) NOTIFY at commit.
            self._listener = await listen(self.db.url, "frontdesk_jobs", self.wake)
        self._loop_task = asyncio.create_task(self._loop(), name="frontdesk-job-runner")

    async def stop(self) -> None:
        """Stop claiming; let running attempts finish (their leases cover a hard kill)."""
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            await self._loop_task
            self._loop_task = None
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        waiting = [job for state in self._targets.values() for job in state.take_waiting()]
        if waiting:  # hand them back now rather than when their leases end
            await self._release(waiting)
        if self._listener is not None:
            await self._listener.close()
            self._listener = None
        for callback in self._on_stop:
            await callback()

    async def _loop(self) -> None:
        while not self._stopping:
            # Cleared before claiming: a wake-up that arrives during the claim is kept.
            self._wake.clear()
            try:
                claimed = await self.claim_and_start()
            except Exception:  # a database hiccup must not end the runner
                log.exception("job claim failed")
                claimed = 0
            if self._stopping:
                break
            if claimed and len(self._tasks) < self.config.concurrency:
                continue  # there may be more due work
            waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._wake.wait())]
            waiters.extend(self._tasks)
            await asyncio.wait(
                waiters, timeout=self.config.poll_s, return_when=asyncio.FIRST_COMPLETED
            )
            waiters[0].cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiters[0]

    # -- claiming --------------------------------------------------------------------------

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def _unavailable_targets(self) -> list[str]:
        now = self.clock()
        out = []
        for target, state in self._targets.items():
            breaker = state.breaker
            # A full endpoint is claimed for again once the jobs waiting for it have started.
            busy = state.running >= self.config.endpoint_concurrency and bool(state.waiting)
            paused = breaker.open_until > now
            # Half-open after a pause: one probe at a time until a success closes the breaker.
            probing = breaker.failures >= self.config.breaker_failures and state.running > 0
            if busy or paused or probing:
                out.append(target)
        return out

    async def claim(self, limit: int) -> list[ClaimedJob]:
        """Mark up to `limit` due jobs as running (with a lease) and return those the
        endpoints' limits allow now; the rest go back to the queue."""
        if limit <= 0 or not self.kinds:
            return []
        jobs = await self._claim_rows(limit, self._unavailable_targets())
        kept, extra = self._within_target_limits(jobs)
        if extra:
            await self._release(extra)
        return kept

    async def _claim_rows(self, limit: int, unavailable: list[str]) -> list[ClaimedJob]:
        now = self._now_ms()
        params = {
            "kinds": list(self.kinds),
            "now": now,
            "order_cutoff": now - int(self.config.order_wait_s * 1000),
            "lease_until": now + int(self.config.lease_s * 1000),
            "limit": limit,
            "unavailable": unavailable,
        }
        async with self.db.transaction() as uow:
            if now >= self._next_lease_check:
                # Jobs of a process that died mid-attempt go back to the queue.
                await uow.execute(_REQUEUE_EXPIRED, {"now": now})
                self._next_lease_check = now + int(self.config.poll_s * 1000)
            statement = _claim_statement(postgres=uow.is_postgres, exclude=bool(unavailable))
            rows = (await uow.execute(statement, params)).all()
            jobs = sorted((ClaimedJob(**row._mapping) for row in rows), key=lambda j: j.id)
            return await self._prefetch(uow, jobs)

    async def _prefetch(self, uow: UnitOfWork, jobs: list[ClaimedJob]) -> list[ClaimedJob]:
        contexts: dict[int, Any] = {}
        for name, kind in self.kinds.items():
            of_kind = [job for job in jobs if job.kind == name]
            if of_kind and kind.prefetch is not None:
                contexts.update(await kind.prefetch(uow, of_kind))
        if not contexts:
            return jobs
        return [dataclasses.replace(job, context=contexts.get(job.id)) for job in jobs]

    def _target_room(self, target: str) -> int:
        state = self._targets.get(target, _TargetState())
        if state.breaker.failures >= self.config.breaker_failures:
            return 1 - state.running  # half-open: a single probe
        return self.config.endpoint_concurrency - state.running

    def _within_target_limits(
        self, jobs: list[ClaimedJob]
    ) -> tuple[list[ClaimedJob], list[ClaimedJob]]:
        """Split a claim into what the targets' limits allow now and what goes back."""
        room: dict[str, int] = {}
        kept, extra = [], []
        for job in jobs:
            if job.target is None:
                kept.append(job)
                continue
            left = room.setdefault(job.target, self._target_room(job.target))
            if left > 0:
                room[job.target] = left - 1
                kept.append(job)
            else:
                extra.append(job)
        return kept, extra

    async def _release(self, jobs: list[ClaimedJob]) -> None:
        """Hand claimed jobs back untouched (their attempt was never made)."""
        async with self.db.transaction() as uow:
            await uow.execute(
                update(Job)
                .where(Job.id.in_([j.id for j in jobs]))
                .values(status="queued", attempts=Job.attempts - 1, locked_until=None)
            )

    async def claim_and_start(self) -> int:
        """Start the waiting jobs that now fit, claim a batch for the free slots and start
        or queue it; returns how many jobs were started or taken."""
        taken, expired = self._start_waiting()
        if expired:
            await self._release(expired)
        waiting = sum(len(state.waiting) for state in self._targets.values())
        free = self.config.concurrency - len(self._tasks) - waiting
        if free <= 0 or not self.kinds:
            return taken
        unavailable = frozenset(self._unavailable_targets())
        if self._short_claim is not None:
            excluded, until, changes = self._short_claim
            if changes == self._changes and unavailable >= excluded and self.clock() < until:
                return taken  # nothing claimable has appeared since the last short claim
        limit = min(free, self.config.endpoint_concurrency)
        changes = self._changes  # a wake-up during the claim must not be lost
        jobs = await self._claim_rows(limit, sorted(unavailable))
        self._short_claim = (
            (unavailable, self.clock() + self.config.poll_s, changes) if len(jobs) < limit else None
        )
        kept, extra = self._within_target_limits(jobs)
        for job in kept:
            self._start(job)
        surplus = []
        for job in extra:
            assert job.target is not None  # jobs without an endpoint are always kept
            state = self._targets.setdefault(job.target, _TargetState())
            if self._healthy(state) and len(state.waiting) < self.config.endpoint_concurrency:
                state.waiting.append((self.clock(), job))
            else:
                surplus.append(job)
        if surplus:
            await self._release(surplus)
        return taken + len(jobs) - len(surplus)

    def _healthy(self, state: _TargetState) -> bool:
        # A failing endpoint gets no queue: its jobs go back for the breaker to pace.
        return state.breaker.failures < self.config.breaker_failures

    def _start_waiting(self) -> tuple[int, list[ClaimedJob]]:
        """Start waiting jobs whose endpoint has room; returns how many, and the jobs to hand
        back: those of a failing endpoint and those that waited half their lease."""
        started, expired = 0, list[ClaimedJob]()
        now = self.clock()
        for target, state in self._targets.items():
            if not state.waiting:
                continue
            if not self._healthy(state):
                expired.extend(state.take_waiting())
                continue
            while state.waiting and now - state.waiting[0][0] > self.config.lease_s / 2:
                expired.append(state.waiting.popleft()[1])
            while state.waiting and self._target_room(target) > 0:
                self._start(state.waiting.popleft()[1])
                started += 1
        return started, expired

    def _start(self, job: ClaimedJob) -> None:
        if job.target is not None:
            self._targets.setdefault(job.target, _TargetState()).running += 1
        task = asyncio.create_task(self.run_job(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run_due(self) -> int:
        """Claim and run everything due now, and wait for it (tests drive the clock with it)."""
        total = 0
        while True:
            jobs = await self.claim(self.config.concurrency)
            if not jobs:
                return total
            for job in jobs:
                if job.target is not None:
                    self._targets.setdefault(job.target, _TargetState()).running += 1
            await asyncio.gather(*(self.run_job(job) for job in jobs))
            total += len(jobs)

    # -- running ---------------------------------------------------------------------------

    async def run_job(self, job: ClaimedJob) -> None:
        kind = self.kinds[job.kind]
        started = self.clock()
        try:
            outcome = await kind.run(job)
        except Exception as exc:  # a bug in a handler is a failed attempt, not a dead runner
            log.exception("job %s (%s) raised", job.id, job.kind)
            outcome = Outcome.retry(f"{type(exc).__name__}: {exc}")
        finished = self.clock()
        duration_ms = int((finished - started) * 1000)
        JOB_ATTEMPTS.labels(job.kind, outcome.result).inc()
        JOB_ATTEMPT_SECONDS.labels(job.kind).observe(finished - started)
        if outcome.result == "done":
            JOB_LATENCY_SECONDS.labels(job.kind).observe(max(0.0, finished - job.created_at / 1000))
        if job.target is not None:
            self._record_target(job.target, ok=outcome.result == "done")
            if self._targets[job.target].waiting:
                # Its slot is free now: the loop starts a waiting job while this attempt is
                # still being recorded, instead of after.
                self._wake.set()
        try:
            await self._finish(job, kind, outcome, started, duration_ms)
        except Exception:
            # The lease runs out and the job is claimed again: at-least-once, never lost.
            log.exception("recording job %s failed", job.id)
        if job.ordering_key is not None:
            self._changes += 1  # recorded: the next job of its key may be claimable now

    def _record_target(self, target: str, *, ok: bool) -> None:
        state = self._targets.setdefault(target, _TargetState())
        state.running = max(0, state.running - 1)
        breaker = state.breaker
        if ok:
            state.breaker = _Breaker()
            return
        if breaker.open_until > self.clock():
            return  # an attempt that was already in flight when the breaker opened
        breaker.failures += 1
        if breaker.failures >= self.config.breaker_failures:
            pause = min(
                self.config.breaker_pause_cap_s, self.config.breaker_pause_s * 2**breaker.opened
            )
            breaker.opened += 1
            breaker.open_until = self.clock() + pause
            log.warning("pausing deliveries to %s for %.0f s", target, pause)

    def target_paused(self, target: str) -> bool:
        state = self._targets.get(target)
        return state is not None and state.breaker.open_until > self.clock()

    def _record_of(
        self, job: ClaimedJob, kind: JobKind, outcome: Outcome, started: float, duration_ms: int
    ) -> _Record:
        """What to write for one finished attempt: its log row and the job's next state."""
        now = self._now_ms()
        result = outcome.result
        if result == "retry" and job.attempts >= self.config.max_attempts:
            result = "dead"
        update_params: dict[str, Any] = {"job_id": job.id, "updated_at": now, "run_at": None}
        if result == "done":
            update_params.update(status="done", last_error=None)
        elif result == "dead":
            update_params.update(status="dead", last_error=outcome.error)
        else:
            delay = backoff_s(
                job.attempts,
                base=self.config.retry_base_s,
                cap=self.config.retry_cap_s,
                rng=self.rng,
            )
            if outcome.retry_after_s is not None:
                delay = max(delay, outcome.retry_after_s)
            update_params.update(
                status="queued", last_error=outcome.error, run_at=now + int(delay * 1000)
            )
        attempt = {
            "job_id": job.id,
            "started_at": int(started * 1000),
            "duration_ms": duration_ms,
            "response_status": outcome.response_status,
            "response_body": outcome.response_body,
            "error": outcome.error,
        }
        return _Record(job, kind, result, outcome.error, attempt, update_params)

    async def _finish(
        self, job: ClaimedJob, kind: JobKind, outcome: Outcome, started: float, duration_ms: int
    ) -> None:
        """Record an attempt. Attempts that finish while a write is under way are recorded
        together in the next transaction (group commit): one commit for many deliveries."""
        record = self._record_of(job, kind, outcome, started, duration_ms)
        self._unrecorded.append(record)
        if self._recording:
            await record.done.wait()
            if record.error is not None:
                raise record.error
            return
        self._recording = True
        try:
            while self._unrecorded:
                batch, self._unrecorded = self._unrecorded, []
                await self._write_batch(batch)
        finally:
            self._recording = False
        if record.error is not None:
            raise record.error

    async def _write_batch(self, batch: list[_Record]) -> None:
        try:
            await self._write(batch)
        except Exception:
            if len(batch) == 1:
                batch[0].error = RuntimeError(f"recording job {batch[0].job.id} failed")
                log.exception("recording job %s failed", batch[0].job.id)
            else:  # one bad record must not lose the others: write them one by one
                for record in batch:
                    await self._write_batch([record])
                return
        for record in batch:
            record.done.set()

    async def _write(self, batch: list[_Record]) -> None:
        async with self.db.transaction() as uow:
            await uow.execute(_INSERT_ATTEMPT, [r.attempt for r in batch])
            await uow.execute(_UPDATE_JOB, [r.update_params for r in batch])
            for record in batch:
                if record.result == "dead" and record.kind.on_dead is not None:
                    await record.kind.on_dead(uow, record.job, record.reason or "delivery failed")
                if record.result == "done" and record.kind.on_done is not None:
                    await record.kind.on_done(uow, record.job)


@dataclass
class _Record:
    job: ClaimedJob
    kind: JobKind
    result: str
    reason: str | None
    attempt: dict[str, Any]
    update_params: dict[str, Any]
    done: asyncio.Event = field(default_factory=asyncio.Event)
    error: Exception | None = None


# Hot statements, built once: SQLAlchemy then skips construction and cache-key work per call.
_INSERT_ATTEMPT = insert(JobAttempt)
_UPDATE_JOB = (
    update(Job)
    .where(Job.id == bindparam("job_id"))
    .values(
        status=bindparam("status"),
        last_error=bindparam("last_error"),
        run_at=func.coalesce(bindparam("run_at", type_=BigInteger), Job.run_at),
        updated_at=bindparam("updated_at"),
        locked_until=None,
    )
)
_REQUEUE_EXPIRED = (
    update(Job)
    .where(Job.status == "running", Job.locked_until < bindparam("now"))
    .values(status="queued", locked_until=None)
)
_CLAIM_STATEMENTS: dict[tuple[bool, bool], Any] = {}


def _claim_statement(*, postgres: bool, exclude: bool) -> Any:
    """UPDATE ... WHERE id IN (due jobs) RETURNING: one round trip claims a batch. A job
    waits while an earlier job of its ordering key is unfinished, up to the order cutoff."""
    key = (postgres, exclude)
    if key not in _CLAIM_STATEMENTS:
        earlier = aliased(Job)
        blocked_by_earlier = exists().where(
            earlier.ordering_key == Job.ordering_key,
            earlier.status.in_(("queued", "running")),
            earlier.id < Job.id,
        )
        due = select(Job.id).where(
            Job.kind.in_(bindparam("kinds", expanding=True)),
            Job.status == "queued",
            Job.run_at <= bindparam("now"),
            or_(
                Job.ordering_key.is_(None),
                Job.created_at < bindparam("order_cutoff"),
                ~blocked_by_earlier,
            ),
        )
        if exclude:
            due = due.where(
                or_(
                    Job.target.is_(None),
                    Job.target.not_in(bindparam("unavailable", expanding=True)),
                )
            )
        due = due.order_by(Job.run_at, Job.id).limit(bindparam("limit"))
        if postgres:
            due = due.with_for_update(skip_locked=True, of=Job)
        _CLAIM_STATEMENTS[key] = (
            update(Job)
            .where(Job.id.in_(due.scalar_subquery()))
            .values(
                status="running",
                attempts=Job.attempts + 1,
                locked_until=bindparam("lease_until"),
                updated_at=bindparam("now"),
            )
            .returning(
                Job.id,
                Job.kind,
                Job.event_id,
                Job.payload,
                Job.attempts,
                Job.target,
                Job.ordering_key,
                Job.message_id,
                Job.channel_id,
                Job.created_at,
            )
        )
    return _CLAIM_STATEMENTS[key]
