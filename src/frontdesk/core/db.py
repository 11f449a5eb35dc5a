"""The one write path (DESIGN 2): engines, the unit of work, and the single SQLite writer.

Services are `async def` and take a `UnitOfWork` first. Its `execute` returns a buffered result
on both databases:

* SQLite: one writer connection for the whole process (core/sqlite_writer.py): units of work
  run one at a time under an asyncio lock, each in a savepoint of a `BEGIN IMMEDIATE`
  transaction that the units ending in the same turn of the event loop commit together; reads
  use their own pooled connections. Statements run synchronously on the event loop: a WAL
  commit with `synchronous=NORMAL` takes microseconds, and DESIGN 10 measured this as the
  fastest SQLite stack (a thread hop per statement, as aiosqlite does, costs more than the
  statement).
* PostgreSQL: SQLAlchemy's asyncio engine over asyncpg with a pool.

Hot paths may run a `Prepared` statement (`UnitOfWork.fetch` / `run`): compiled once, and on
SQLite handed straight to the driver.

The boundary (request, job, CLI command) opens a unit of work; services never commit. Before
the commit the `CommitHooks` run (in-transaction event handlers), after it the after-commit
listeners; a rollback runs neither.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, Protocol

import orjson
from sqlalchemy import create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, Result
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import Executable

from frontdesk.core.sqlite_writer import BUSY_TIMEOUT_MS, SqliteWriter


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

    async def fetch(self, prepared: Prepared, params: Mapping[str, Any]) -> list[Any]:
        """Every row of a prepared statement (rows read by attribute, like SQLAlchemy's)."""
        return list((await self.execute(prepared.statement, params)).all())

    async def fetch_first(self, prepared: Prepared, params: Mapping[str, Any]) -> Any:
        """The first row of a prepared statement, or None."""
        rows = await self.fetch(prepared, params)
        return rows[0] if rows else None

    async def run(
        self, prepared: Prepared, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> None:
        """Run a prepared statement that returns no rows, once per mapping in a sequence."""
        await self.execute(prepared.statement, params)

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

    async def fetch(self, prepared: Prepared, params: Mapping[str, Any]) -> list[Any]:
        compiled = prepared.sqlite
        return compiled.rows(self._driver_run(compiled, params).fetchall())

    async def run(
        self, prepared: Prepared, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> None:
        self._driver_run(prepared.sqlite, params)

    def _driver_run(
        self,
        compiled: _CompiledForSqlite,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    ) -> sqlite3.Cursor:
        # The transaction is open (SqliteWriter began it, or SQLAlchemy for a reader); the
        # driver runs inside it, as SQLAlchemy itself would.
        driver: sqlite3.Connection = self._connection.connection.driver_connection  # type: ignore[assignment]
        try:
            if isinstance(params, Mapping):
                cursor: sqlite3.Cursor = driver.execute(compiled.sql, compiled.arguments(params))
            else:
                cursor = driver.executemany(compiled.sql, [compiled.arguments(p) for p in params])
        except sqlite3.Error as error:
            # What SQLAlchemy would have raised (IntegrityError, OperationalError, ...), so
            # callers and the API's error handlers see one kind whichever way a statement ran.
            raise DBAPIError.instance(compiled.sql, params, error, sqlite3.Error) from error
        return cursor


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


# Compiles `Prepared` statements; its JSON codecs are the ones make_sqlite_engine configures.
_PREPARED_DIALECT = sqlite.dialect(json_serializer=_json_dumps, json_deserializer=orjson.loads)


class Prepared:
    """A Core statement that a hot path runs many times a second, compiled once for SQLite.

    On SQLite, `UnitOfWork.fetch` and `run` hand its SQL and positional arguments straight to
    the driver: no cache-key walk, execution context or Result object per call. That machinery
    was about a quarter of the publish path's CPU (measured with py-spy). On PostgreSQL the
    statement runs through SQLAlchemy as usual.

    Compiling waits for the first use on SQLite, so a PostgreSQL-only statement (an
    `insert_or_ignore` for "postgresql") may be prepared too. It refuses a statement that
    SQLAlchemy would finish at execution time (Python-side column defaults, expanding IN
    lists): every value must come from the parameters. An INSERT names its columns in
    `column_keys`.
    """

    def __init__(self, statement: Executable, *, column_keys: Sequence[str] | None = None):
        self.statement = statement
        self._column_keys = list(column_keys) if column_keys else None

    @functools.cached_property
    def sqlite(self) -> _CompiledForSqlite:
        return _CompiledForSqlite(self.statement, self._column_keys)


_REQUIRED = object()


class _CompiledForSqlite:
    def __init__(self, statement: Executable, column_keys: list[str] | None) -> None:
        clause: Any = statement
        compiled: Any = clause.compile(dialect=_PREPARED_DIALECT, column_keys=column_keys)
        if compiled.insert_prefetch or compiled.update_prefetch or "POSTCOMPILE" in compiled.string:
            raise ValueError("a Prepared statement takes every value from its parameters")
        self.sql: str = compiled.string
        # (name, bind processor, value when the parameters do not give one): literals in the
        # statement compile to anonymous binds that carry their own value.
        self._binds = [
            (
                name,
                bind.type._cached_bind_processor(_PREPARED_DIALECT),
                _REQUIRED if bind.required else bind.effective_value,
            )
            for name in compiled.positiontup or []
            for bind in (compiled.binds[name],)
        ]
        columns = compiled._result_columns
        self._row_type = _row_type([column[0] for column in columns])
        self._result_processors = [
            (index, processor)
            for index, column in enumerate(columns)
            if (processor := column[3]._cached_result_processor(_PREPARED_DIALECT, None))
        ]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        """The driver's positional arguments for `params`."""
        out = []
        for name, processor, default in self._binds:
            value = params[name] if default is _REQUIRED else params.get(name, default)
            out.append(value if processor is None else processor(value))
        return out

    def rows(self, raw_rows: list[Any]) -> list[Any]:
        make = self._row_type
        if not self._result_processors:
            return [make(raw) for raw in raw_rows]
        out = []
        for raw in raw_rows:
            values = list(raw)
            for index, processor in self._result_processors:
                values[index] = processor(values[index])
            out.append(make(values))
        return out


def _row_type(keys: Sequence[str]) -> Callable[[Any], Any]:
    """A tuple subclass whose values read by column name, as SQLAlchemy's rows do."""
    namespace: dict[str, Any] = {
        key: property(operator.itemgetter(index)) for index, key in enumerate(keys)
    }
    namespace["__slots__"] = ()
    namespace["_fields"] = tuple(keys)
    namespace["_mapping"] = property(lambda row: dict(zip(row._fields, row, strict=True)))
    row_type: Callable[[Any], Any] = type("PreparedRow", (tuple,), namespace)
    return row_type


def is_sqlite_url(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_pragmas(busy_timeout_ms: int, dbapi_connection: Any, _record: Any) -> None:
    # isolation_level=None hands transaction control to us, so writes can BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.close()


def make_sqlite_engine(url: str, *, writer: bool, pool_size: int = 1) -> Engine:
    """A SQLite engine. A reader's transactions begin deferred. The writer's are begun by
    `SqliteWriter` (IMMEDIATE), which waits for another process's write lock without blocking
    the event loop, so the writer's connection gives up at once where a reader's would wait in
    SQLite's busy handler."""
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=0 if writer else 8,
        connect_args={"check_same_thread": False},
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
    )
    busy_timeout_ms = 0 if writer else BUSY_TIMEOUT_MS
    event.listen(engine, "connect", functools.partial(_sqlite_pragmas, busy_timeout_ms))
    if not writer:

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            # Straight to the driver: exec_driver_sql costs a full execution per transaction.
            connection.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]

    return engine


class Database:
    """Engines for one database URL and the transactions every caller goes through."""

    def __init__(self, url: str, *, hooks: CommitHooks | None = None, pool_size: int = 10):
        self.url = url
        self.hooks: CommitHooks = hooks or _NoHooks()
        self.is_sqlite = is_sqlite_url(url)
        self.dialect = "sqlite" if self.is_sqlite else "postgresql"
        self._sync_writer: Engine | None = None
        self._writer: SqliteWriter | None = None
        self._sync_reader: Engine | None = None
        self._async_engine: AsyncEngine | None = None
        if self.is_sqlite:
            self._sync_writer = make_sqlite_engine(url, writer=True)
            self._writer = SqliteWriter(self._sync_writer)
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
        """A write transaction: commits when the block ends (and has committed when it
        returns), rolls back on an exception."""
        if self._writer is not None:
            async with self._writer.unit_of_work(self._sqlite_unit, self._finish) as sync_uow:
                yield sync_uow
                await self.hooks.before_commit(sync_uow)
            return
        async with (
            self.async_engine.connect() as async_connection,
            async_connection.begin() as async_trans,
        ):
            uow = _AsyncUnitOfWork(async_connection, writable=True, database_key=self.url)
            yield uow
            await self.hooks.before_commit(uow)
            await async_trans.commit()
        self._finish(uow)

    def _sqlite_unit(self, connection: Connection) -> _SyncUnitOfWork:
        return _SyncUnitOfWork(connection, writable=True, database_key=self.url)

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
        if self._writer is not None:
            self._writer.close()
        if self._sync_writer is not None:
            self._sync_writer.dispose()
        if self._sync_reader is not None:
            self._sync_reader.dispose()
        if self._async_engine is not None:
            await self._async_engine.dispose()
