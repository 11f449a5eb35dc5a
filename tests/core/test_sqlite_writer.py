"""The SQLite writer's group commit (core/sqlite_writer.py).

A unit of work that comes alone commits at once. Units that arrive together (one starts in
the same turn of the event loop as another task's commit) share the next commits, each in its
own savepoint.
These tests start units together with `asyncio.gather`: the tasks run in the order they were
created, each to its first await, before a group's commit callback. The first of a burst
(`LEAD`) commits alone; the units behind it form a group.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from frontdesk.app import build_database
from frontdesk.config import Settings
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.events import EventRow
from frontdesk.core.metrics import REGISTRY
from frontdesk.core.sqlite_writer import GROUP_LIMIT, TransactionLost

pytestmark = pytest.mark.sqlite_only


class Commits:
    """How many commits the writer made, and how many units they carried, since creation."""

    def __init__(self) -> None:
        self._start = self._read()

    @staticmethod
    def _read() -> tuple[float, float]:
        count = REGISTRY.get_sample_value("frontdesk_sqlite_commit_units_count") or 0.0
        units = REGISTRY.get_sample_value("frontdesk_sqlite_commit_units_sum") or 0.0
        return count, units

    def since(self) -> tuple[int, int]:
        count, units = self._read()
        return int(count - self._start[0]), int(units - self._start[1])


async def add_event(uow: UnitOfWork, name: str) -> None:
    await uow.execute(insert(EventRow).values(name=name, payload={}))


async def stored(db: Database) -> list[str]:
    """Event names as a reader sees them: what has committed."""
    async with db.read() as uow:
        return list((await uow.execute(select(EventRow.name).order_by(EventRow.id))).scalars())


def writing(
    db: Database, name: str, *, then: Callable[[], Awaitable[None]] | None = None
) -> Coroutine[Any, Any, None]:
    """A unit of work that writes the event `name`, then awaits `then()` inside its block."""

    async def unit() -> None:
        async with db.transaction() as uow:
            await add_event(uow, name)
            if then is not None:
                await then()

    return unit()


LEAD = "lead"


def burst(db: Database, *units: Coroutine[Any, Any, None]) -> Awaitable[list[Any]]:
    """A lead unit, then `units` in one group; the units' results (or exceptions)."""

    async def run() -> list[Any]:
        results = await asyncio.gather(writing(db, LEAD), *units, return_exceptions=True)
        assert results[0] is None
        return results[1:]

    return run()


async def returns_without_a_turn(db: Database, name: str) -> bool:
    """Write `name`; whether the unit returned, committed, before the loop took another turn."""
    turned: list[bool] = []
    async with db.transaction() as uow:
        await add_event(uow, name)
        asyncio.get_running_loop().call_soon(turned.append, True)
    committed = name in await stored(db)
    return committed and not turned


async def turns(count: int) -> None:
    """Give the event loop `count` turns (callbacks scheduled meanwhile run), deterministically."""
    for _ in range(count):
        await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_a_lone_unit_commits_at_once(db: Database) -> None:
    commits = Commits()
    assert await returns_without_a_turn(db, "first")
    assert await returns_without_a_turn(db, "second")
    assert commits.since() == (2, 2)


@pytest.mark.asyncio
async def test_units_that_arrive_together_share_one_commit(db: Database) -> None:
    commits = Commits()
    await burst(db, *(writing(db, f"unit {n}") for n in range(5)))
    assert await stored(db) == [LEAD] + [f"unit {n}" for n in range(5)]
    assert commits.since() == (2, 6)


@pytest.mark.asyncio
async def test_after_a_burst_the_first_lone_unit_waits_a_turn_then_none_does(
    db: Database,
) -> None:
    await burst(db, writing(db, "in the burst"), writing(db, "in its group"))
    commits = Commits()
    assert not await returns_without_a_turn(db, "waits for company once")
    assert await returns_without_a_turn(db, "alone again")
    assert commits.since() == (2, 2)


@pytest.mark.asyncio
async def test_each_unit_returns_only_once_its_work_has_committed(db: Database) -> None:
    seen: dict[str, list[str]] = {}

    async def write_then_look(name: str) -> None:
        await writing(db, name)
        seen[name] = await stored(db)

    await burst(db, *(write_then_look(f"unit {n}") for n in range(3)))
    assert len(seen) == 3
    for name, names in seen.items():
        assert name in names


@pytest.mark.asyncio
async def test_a_failing_unit_rolls_back_only_its_own_work(db: Database) -> None:
    commits = Commits()

    async def fail() -> None:
        raise RuntimeError("the service failed after its write")

    results = await burst(
        db, writing(db, "before"), writing(db, "failed", then=fail), writing(db, "after")
    )
    assert results[0] is None
    assert results[2] is None
    assert isinstance(results[1], RuntimeError)
    assert await stored(db) == [LEAD, "before", "after"]
    assert commits.since() == (2, 3)


@pytest.mark.asyncio
async def test_a_group_commits_when_it_is_full(db: Database) -> None:
    commits = Commits()
    await burst(db, *(writing(db, f"unit {n}") for n in range(GROUP_LIMIT + 2)))
    # The lead alone, a full group, then the two left over.
    assert commits.since() == (3, GROUP_LIMIT + 3)


@pytest.mark.asyncio
async def test_the_commit_waits_for_a_unit_that_awaits_inside_its_block(db: Database) -> None:
    async def wait_then_fail() -> None:
        # The group's commit callback comes due while this unit still runs: committing then
        # would commit this unit's write, which it is about to roll back.
        await turns(3)
        raise RuntimeError("failed after waiting")

    results = await burst(db, writing(db, "ended"), writing(db, "waited", then=wait_then_fail))
    assert results[0] is None
    assert isinstance(results[1], RuntimeError)
    assert await stored(db) == [LEAD, "ended"]


@pytest.mark.asyncio
async def test_after_commit_work_runs_in_order_even_for_a_cancelled_member(db: Database) -> None:
    ran: list[str] = []

    async def unit(name: str, also: Callable[[], None] = lambda: None) -> None:
        async with db.transaction() as uow:
            await add_event(uow, name)
            uow.after_commit(lambda: ran.append(name))
            also()

    lead = asyncio.create_task(unit(LEAD))
    first = asyncio.create_task(unit("first"))
    # By the time the second unit runs, the first has ended and waits for the group's commit.
    second = asyncio.create_task(unit("second", also=first.cancel))
    await asyncio.gather(lead, second)
    with pytest.raises(asyncio.CancelledError):
        await first
    assert ran == [LEAD, "first", "second"]
    assert await stored(db) == [LEAD, "first", "second"]


@pytest.mark.asyncio
async def test_a_failed_commit_fails_every_member_and_runs_no_after_commit_work(
    db: Database,
) -> None:
    ran: list[str] = []

    async def unit(name: str, *, orphan: bool) -> None:
        async with db.transaction() as uow:
            await add_event(uow, name)
            uow.after_commit(lambda: ran.append(name))
            if orphan:
                # Checked at COMMIT, not at the statement or the savepoint's release.
                await uow.execute(text("PRAGMA defer_foreign_keys = ON"))
                await uow.execute(text("INSERT INTO team_members VALUES (404, 404)"))

    results = await burst(db, unit("innocent", orphan=False), unit("orphan", orphan=True))
    assert all(isinstance(result, IntegrityError) for result in results)
    assert ran == []
    assert await stored(db) == [LEAD]
    await writing(db, "afterwards")  # the writer goes on
    assert await stored(db) == [LEAD, "afterwards"]


@pytest.mark.asyncio
async def test_a_unit_that_loses_the_whole_transaction_fails_the_members_before_it(
    db: Database,
) -> None:
    async def lose_everything() -> None:
        # What SQLite does itself on some errors (disk full, I/O error): end the transaction.
        async with db.transaction() as uow:
            await add_event(uow, "lost")
            await uow.execute(text("ROLLBACK"))
            raise RuntimeError("disk full")

    results = await burst(db, writing(db, "waiting"), lose_everything(), writing(db, "next"))
    assert isinstance(results[0], TransactionLost)
    assert isinstance(results[0].__cause__, RuntimeError)
    assert isinstance(results[1], RuntimeError)
    assert results[2] is None  # it came after the loss and opened a transaction of its own
    assert await stored(db) == [LEAD, "next"]


@pytest.mark.asyncio
async def test_another_database_waits_for_the_group_without_blocking_the_loop(
    settings: Settings, db: Database
) -> None:
    # Two Databases on one file in one event loop: the second's BEGIN IMMEDIATE finds the
    # first's group holding SQLite's write lock until its commit callback runs on this loop.
    other, _bus = build_database(settings)
    try:
        await asyncio.gather(writing(db, "here"), writing(other, "there"), writing(db, "again"))
    finally:
        await other.dispose()
    assert sorted(await stored(db)) == ["again", "here", "there"]


@pytest.mark.asyncio
async def test_integrity_errors_still_reach_the_unit_that_caused_them(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.execute(insert(EventRow).values(id=1, name="taken", payload={}))

    async def take_id_one() -> None:
        async with db.transaction() as uow:
            await uow.execute(insert(EventRow).values(id=1, name="again", payload={}))

    results = await asyncio.gather(writing(db, "fine"), take_id_one(), return_exceptions=True)
    assert results[0] is None
    assert isinstance(results[1], IntegrityError)
    async with db.read() as uow:
        assert await uow.scalar(select(func.count()).select_from(EventRow)) == 2
