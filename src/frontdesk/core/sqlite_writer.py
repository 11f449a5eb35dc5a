"""The SQLite writer (DESIGN 2): one connection, one unit of work at a time, shared commits.

Units of work still run one after another under an asyncio lock, each in a transaction of its
own as far as it can tell. What changes is the commit: under load, the units that end in the
same turn of the event loop share one (group commit). A commit writes to the WAL every page the
transaction dirtied, and consecutive publishes dirty the same pages (the tail of the messages
and events tables and of their indexes, the thread's row), so a group writes them once instead
of once per unit. The commit was the largest single cost of a publish (~15% of its CPU, py-spy).

How a group works:

* The first unit opens the SQLite transaction (`BEGIN IMMEDIATE`). Every unit runs inside its
  own savepoint, so a unit that fails rolls back to it and leaves the others' work alone.
* A unit that ends releases its savepoint and the lock, then waits for the group's commit.
* While writes come one at a time, a unit commits as soon as it ends, as a transaction of its
  own would. When a unit starts in the same turn of the event loop as another task's commit,
  writes are arriving together (a burst of requests read in one turn). From then on a group's
  commit runs from a callback its first unit schedules with `loop.call_soon`, so the tasks
  already ready to run go first and join. A group also commits once it holds `GROUP_LIMIT`
  units. A deferred group that nobody joined returns the writer to committing at once:
  waiting for a turn costs a lone write whatever the other ready tasks take (rendering pages,
  say), which doubled the publish latency of `bench inbox` at 200 messages/s.
* After the commit every member's after-commit work runs, in the order they joined, whether or
  not the member is still waiting (a cancelled request still wakes the listeners of what it
  committed). Then each member returns.
* If the commit fails, every member raises the error. If an error makes SQLite abandon the
  whole transaction (disk full, I/O error), the other members raise `TransactionLost`. No
  member reports a write that did not commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine, RootTransaction
from sqlalchemy.exc import DBAPIError

from frontdesk.core.metrics import SQLITE_COMMIT_UNITS

# Beyond ~8 units a commit saves little more (sqlite3 microbenchmark on the real schema, a
# message and an event per unit: 66 us a unit committed alone, 38 us in groups of 4, 33 us
# in groups of 8), while the first member's wait grows with the group.
GROUP_LIMIT = 16
# How long a write waits for another process's write lock before it fails ("database is locked").
BUSY_TIMEOUT_MS = 5000

_SAVEPOINT = "SAVEPOINT unit_of_work"
_RELEASE = "RELEASE unit_of_work"
_ROLLBACK_TO = "ROLLBACK TO unit_of_work"

U = TypeVar("U")


class TransactionLost(Exception):
    """A unit of work's transaction was rolled back by another unit's failure."""


@dataclass
class _Member:
    finish: Callable[[], None]
    done: asyncio.Future[None]


class _Group:
    """One open SQLite transaction and the units of work that have ended in it."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        # Bookkeeping only: the writer's engine sends no BEGIN of its own (_begin_immediate did).
        self.transaction: RootTransaction = connection.begin()
        self.members: list[_Member] = []
        self.commit_scheduled = False

    @property
    def driver(self) -> sqlite3.Connection:
        return _driver(self.connection)

    def roll_back(self) -> None:
        """End the transaction without committing, whatever state a failure left it in."""
        with contextlib.suppress(Exception):
            self.transaction.rollback()
        with contextlib.suppress(Exception):
            if self.driver.in_transaction:  # a failed COMMIT leaves SQLite's transaction open
                self.driver.execute("ROLLBACK")


class SqliteWriter:
    """The one writing connection of a SQLite database and the groups that commit on it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = asyncio.Lock()
        self._connection: Connection | None = None
        self._group: _Group | None = None
        # Whether units arrive together, so that a group's commit waits for company.
        self._batching = False
        self._committed_this_turn = False
        self._committer: asyncio.Task[Any] | None = None  # None: a group's commit callback

    @contextlib.asynccontextmanager
    async def unit_of_work(
        self, make: Callable[[Connection], U], finish: Callable[[U], None]
    ) -> AsyncIterator[U]:
        """A unit `make(connection)` in its savepoint; returns once it has committed and
        `finish(unit)` (its after-commit work) has run. An exception rolls back this unit only."""
        async with self._lock:
            if self._committed_this_turn and asyncio.current_task() is not self._committer:
                self._batching = True  # another request's write right behind a commit
            group = self._group or await self._open_group()
            try:
                group.driver.execute(_SAVEPOINT)
                unit = make(group.connection)
                yield unit
            except BaseException as error:
                self._roll_back_unit(group, error)
                raise
            group.driver.execute(_RELEASE)
            done = asyncio.get_running_loop().create_future()
            group.members.append(_Member(lambda: finish(unit), done))
            if self._batching and len(group.members) < GROUP_LIMIT:
                self._schedule_commit(group)
            else:
                self._commit(group)
        await done

    def close(self) -> None:
        """Commit what has ended and close the connection (a unit still running is lost)."""
        if self._group is not None and not self._lock.locked():
            self._commit(self._group)
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def _open_group(self) -> _Group:
        # The connection is held open for the life of the Database: checking it out of the pool
        # and back in cost every write ~4% of the publish path's CPU (measured).
        if self._connection is None or self._connection.invalidated:
            self._connection = self._engine.connect()
        await _begin_immediate(_driver(self._connection))
        self._group = _Group(self._connection)
        return self._group

    def _schedule_commit(self, group: _Group) -> None:
        if not group.commit_scheduled:
            group.commit_scheduled = True
            asyncio.get_running_loop().call_soon(self._commit_when_idle, group)

    def _commit_when_idle(self, group: _Group) -> None:
        group.commit_scheduled = False
        if self._group is not group:
            return  # committed when it filled up, or lost
        if self._lock.locked():
            # A unit of this group is running (it awaited inside its block); it schedules the
            # commit again when it ends, whichever way it ends.
            return
        if len(group.members) == 1:
            self._batching = False  # nobody joined: commit at once again
        self._commit(group)

    def _commit(self, group: _Group) -> None:
        self._group = None
        self._committer = asyncio.current_task()
        if not self._committed_this_turn:
            self._committed_this_turn = True
            asyncio.get_running_loop().call_soon(self._next_turn)
        try:
            group.transaction.commit()
        except Exception as error:
            group.roll_back()
            for member in group.members:
                _settle(member.done, error)
            return
        SQLITE_COMMIT_UNITS.observe(len(group.members))
        for member in group.members:
            try:
                member.finish()
            except Exception as error:
                _settle(member.done, error)
            else:
                _settle(member.done, None)

    def _next_turn(self) -> None:
        self._committed_this_turn = False

    def _roll_back_unit(self, group: _Group, error: BaseException) -> None:
        if not group.members:
            # Alone in the transaction: end it rather than hold SQLite's write lock for nobody.
            self._group = None
            group.roll_back()
            return
        try:
            # SQLite ends the whole transaction itself on some errors (disk full, I/O error).
            alive = group.driver.in_transaction
            if alive:
                group.driver.execute(_ROLLBACK_TO)
                group.driver.execute(_RELEASE)
        except Exception:
            alive = False  # the connection is past saving
        if alive:
            self._schedule_commit(group)
        else:
            self._lose(group, error)

    def _lose(self, group: _Group, cause: BaseException) -> None:
        self._group = None
        group.roll_back()
        for member in group.members:
            error = TransactionLost("SQLite rolled back a transaction this write shared")
            error.__cause__ = cause
            _settle(member.done, error)


def _driver(connection: Connection) -> sqlite3.Connection:
    driver: sqlite3.Connection = connection.connection.driver_connection  # type: ignore[assignment]
    return driver


async def _begin_immediate(driver: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE. While another process (or another Database in this one) holds SQLite's
    write lock, wait for it as SQLite's busy handler would, up to BUSY_TIMEOUT_MS, but without
    blocking the event loop: the holder may be a group of this very loop waiting for its turn
    to commit."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BUSY_TIMEOUT_MS / 1000
    pause = 0.001
    while True:
        try:
            driver.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            busy = error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY  # or an extended BUSY_*
            if not busy or loop.time() >= deadline:
                raise DBAPIError.instance("BEGIN IMMEDIATE", None, error, sqlite3.Error) from error
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.05)


def _settle(done: asyncio.Future[Any], error: BaseException | None) -> None:
    if done.done():
        return  # the member was cancelled while it waited; its work stands (or fell) regardless
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)
