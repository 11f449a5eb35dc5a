"""Fixtures (STYLE, Tests): settings, a fresh database per test, the app, an HTTP client.

SQLite: each test gets a copy of one file migrated once per run. PostgreSQL (`--db=postgres`):
each test gets a database cloned from a template migrated once per worker.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio
from argon2 import PasswordHasher
from fastapi import FastAPI

from frontdesk.app import build_database, create_app
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.migrations import migrate
from tests.email.smtp_server import SmtpServer, running_smtp_server
from tests.factories import PASSWORD

pytest_plugins = ["tests.server", "tests.receiver"]

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="database the suite runs on (PostgreSQL URL from FRONTDESK_TEST_DATABASE_URL)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--db") == "postgres":
        other, reason = "sqlite_only", "SQLite only: PostgreSQL has no such behaviour"
    else:
        other, reason = "postgres_only", "needs PostgreSQL: run with --db=postgres"
    for item in items:
        if other in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


def _pg_admin_url() -> str:
    return os.environ.get("FRONTDESK_TEST_DATABASE_URL", DEFAULT_PG_URL)


def _pg_url_for(name: str) -> str:
    base, _, _ = _pg_admin_url().rpartition("/")
    return f"{base}/{name}"


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(_pg_admin_url().replace("+asyncpg", ""))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def template(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database to copy: a SQLite file path, or a PostgreSQL template name."""
    if db_kind == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        migrate(f"sqlite:///{path}")
        yield str(path)
        return
    name = f"fd_template_{_worker()}_{os.getpid()}"
    try:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL unreachable in CI: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {_pg_admin_url()}: {exc}")
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    migrate(_pg_url_for(name))
    yield name
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}"'))


@pytest.fixture
def database_url(db_kind: str, template: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database for this test."""
    if db_kind == "sqlite":
        path = tmp_path / "frontdesk.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    name = f"fd_{_worker()}_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _pg_url_for(name)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-key",
        webhook_allow_private=True,
        delivery_retry_base_s=0.01,
        event_poll_s=0.2,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One argon2 hash of the web tests' password per test process (each costs ~125 ms)."""
    return PasswordHasher().hash(PASSWORD)


@pytest_asyncio.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database, _bus = build_database(settings)
    yield database
    await database.dispose()


@pytest_asyncio.fixture
async def app(settings: Settings, db: Database) -> FastAPI:
    settings.files_dir.mkdir(parents=True, exist_ok=True)
    return create_app(settings, db=db)


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest_asyncio.fixture
async def smtp_server() -> AsyncIterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 (a random port) that records what it receives."""
    with running_smtp_server(asyncio.get_running_loop()) as server:
        yield server
