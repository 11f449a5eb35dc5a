"""The one write path (DESIGN 2): engines, the unit of work, and the single SQLite writer.

Services are `async def` and take a `UnitOfWork` first. Its `execute` returns a buffered result
on both databases:

* SQLite: one writer connection for the whole process, guarded by an asyncio lock, every write
  transaction opened with `BEGIN IMMEDIATE`; reads use their own pooled connections. Statements
  run synchronously on the event loop: a WAL commit with `synchronous=NORMAL` takes
  microseconds, and DESIGN 10 measured this as the fastest SQLite stack (a thread hop per
  statement, as aiosqlite does, costs more than the statement).
* PostgreSQL: SQLAlchemy's asyncio engine over asyncpg with a pool.

The boundary (request, job, CLI command) opens a unit of work; services never commit. Before
the commit the `CommitHooks` run (in-transaction event handlers), after it the after-commit
listeners; a rollback runs neither.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, Protocol

import orjson
from sqlalchemy import create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import Executable


class CommitHooks(Protocol):
    """What the unit of work calls around its commit (implemented by core.events.EventBus)."""

    async def before_commit(self, uow: UnitOfWork) -> None: ...

    def after_commit(self, uow: UnitOfWork) -> None: ...


class UnitOfWork:
    """One transaction. Services run statements through it and queue events on it."""

    dialect: str

    def __init__(self, *, writable: bool, database_key: str = "") -> None:
        self.writable = writable
        # Which database this transaction runs on: in-process caches key their entries by it.
        self.database_key = database_key
        self.pending_events: list[Any] = []
        self.committed_events: list[Any] = []
        self.enqueued_jobs = 0
        self._after_commit: list[Callable[[], None]] = []

    async def execute(self, statement: Executable, params: Any = None) -> Result[Any]:
        raise NotImplementedError

    async def scalar(self, statement: Executable, params: Any = None) -> Any:
        return (await self.execute(statement, params)).scalar()

    def emit(self, event: Any) -> None:
        """Queue an event; in-transaction handlers run before commit, listeners after."""
        if not self.writable:
            raise RuntimeError("events can only be emitted in a write transaction")
        self.pending_events.append(event)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once this transaction has committed (never on rollback)."""
        self._after_commit.append(callback)

    def run_after_commit_callbacks(self) -> None:
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"


class _SyncUnitOfWork(UnitOfWork):
    dialect = "sqlite"

    def __init__(self, connection: Connection, *, writable: bool, database_key: str) -> None:
        super().__init__(writable=writable, database_key=database_key)
        self._connection = connection

    async def execute(self, statement: Executable, params: Any = None) -> Result[Any]:
        return self._connection.execute(statement, params)


class _AsyncUnitOfWork(UnitOfWork):
    dialect = "postgresql"

    def __init__(self, connection: AsyncConnection, *, writable: bool, database_key: str) -> None:
        super().__init__(writable=writable, database_key=database_key)
        self._connection = connection

    async def execute(self, statement: Executable, params: Any = None) -> Result[Any]:
        return await self._connection.execute(statement, params)


class _NoHooks:
    async def before_commit(self, uow: UnitOfWork) -> None:
        return None

    def after_commit(self, uow: UnitOfWork) -> None:
        return None


def insert_or_ignore(dialect: str, table: Any, *, conflict: Sequence[str]) -> Any:
    """`INSERT ... ON CONFLICT (conflict) DO NOTHING` in `dialect` ("sqlite" or "postgresql",
    both support it): a lost race on a unique key inserts nothing (RETURNING yields no row)
    instead of failing the transaction. On PostgreSQL it waits for the competing transaction."""
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=list(conflict))


def _json_dumps(value: Any) -> str:
    # JSON columns are written on every publish; orjson is several times faster than json.
    return orjson.dumps(value).decode()


def is_sqlite_url(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # isolation_level=None hands transaction control to us, so writes can BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_sqlite_engine(url: str, *, writer: bool, pool_size: int = 1) -> Engine:
    """A SQLite engine whose transactions begin IMMEDIATE (writer) or deferred (reader)."""
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=0 if writer else 8,
        connect_args={"check_same_thread": False},
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    begin_sql = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin_sql)

    return engine


class Database:
    """Engines for one database URL and the transactions every caller goes through."""

    def __init__(self, url: str, *, hooks: CommitHooks | None = None, pool_size: int = 10):
        self.url = url
        self.hooks: CommitHooks = hooks or _NoHooks()
        self.is_sqlite = is_sqlite_url(url)
        self.dialect = "sqlite" if self.is_sqlite else "postgresql"
        self._write_lock = asyncio.Lock()
        self._sync_writer: Engine | None = None
        self._sync_reader: Engine | None = None
        self._async_engine: AsyncEngine | None = None
        if self.is_sqlite:
            self._sync_writer = make_sqlite_engine(url, writer=True)
            self._sync_reader = make_sqlite_engine(url, writer=False, pool_size=4)
        else:
            self._async_engine = create_async_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=False,
                json_serializer=_json_dumps,
                json_deserializer=orjson.loads,
            )

    @property
    def async_engine(self) -> AsyncEngine:
        assert self._async_engine is not None
        return self._async_engine

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        """A write transaction: commits when the block ends, rolls back on an exception."""
        uow: UnitOfWork
        if self._sync_writer is not None:
            async with self._write_lock:
                with self._sync_writer.connect() as connection:
                    trans = connection.begin()
                    uow = _SyncUnitOfWork(connection, writable=True, database_key=self.url)
                    try:
                        yield uow
                        await self.hooks.before_commit(uow)
                        trans.commit()
                    except BaseException:
                        trans.rollback()
                        raise
        else:
            async with (
                self.async_engine.connect() as async_connection,
                async_connection.begin() as async_trans,
            ):
                uow = _AsyncUnitOfWork(async_connection, writable=True, database_key=self.url)
                yield uow
                await self.hooks.before_commit(uow)
                await async_trans.commit()
        self._finish(uow)

    def _finish(self, uow: UnitOfWork) -> None:
        self.hooks.after_commit(uow)
        uow.run_after_commit_callbacks()

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[UnitOfWork]:
        """A read-only transaction with one consistent snapshot; always rolled back."""
        if self._sync_reader is not None:
            with self._sync_reader.connect() as connection:
                connection.begin()
                yield _SyncUnitOfWork(connection, writable=False, database_key=self.url)
                connection.rollback()
        else:
            async with self.async_engine.connect() as connection:
                await connection.begin()
                yield _AsyncUnitOfWork(connection, writable=False, database_key=self.url)
                await connection.rollback()

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        async with self.read() as uow:
            await uow.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self._sync_writer is not None:
            self._sync_writer.dispose()
        if self._sync_reader is not None:
            self._sync_reader.dispose()
        if self._async_engine is not None:
            await self._async_engine.dispose()
