"""Alembic migrations; `migrate(url)` applies them (serve does so on start)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config

from frontdesk.config import normalise_database_url

HERE = Path(__file__).parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", normalise_database_url(url).replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest schema (idempotent)."""
    command.upgrade(alembic_config(url), "head")


def refresh_statistics(url: str) -> None:
    """Give SQLite's planner table statistics (PostgreSQL's autovacuum keeps its own).

    Without them SQLite guesses, and with several indexes on `threads` it guessed wrong: the
    contact's previous conversations took 180 ms on 100k threads instead of 1 ms (bench
    inbox). `analysis_limit` makes ANALYZE sample rows: 13 ms on a 400 MB database. (`PRAGMA
    optimize` would be lighter but, before SQLite 3.46, never analyses a table that has no
    statistics yet.) Run at every start.

    The full-text indexes' shadow tables keep no statistics: FTS5 reads them by key, and
    figures taken while they were small mislead its own statements. On a fresh database
    ANALYZE recorded `messages_fts_data` at 2 rows; from then on indexing a message cost about
    30 us more for every 1,000 messages stored until the next start (850 us a message at
    30,000 messages, against a steady 50 us without those figures).
    """
    if not url.startswith("sqlite"):
        return
    path = url.split(":///", 1)[1]
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA analysis_limit=1000")
        connection.execute("ANALYZE")
        connection.executemany(
            "DELETE FROM sqlite_stat1 WHERE tbl = ?",
            [(name,) for name in _shadow_tables(connection)],
        )
    connection.close()


def _shadow_tables(connection: sqlite3.Connection) -> list[str]:
    """The tables a virtual table keeps its data in: named after it, `<name>_<part>`."""
    rows = connection.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    virtual = {name for _type, name, sql in rows if (sql or "").startswith("CREATE VIRTUAL")}
    prefixes = tuple(f"{owner}_" for owner in virtual)
    return [
        name
        for type_, name, _sql in rows
        if type_ == "table" and name not in virtual and name.startswith(prefixes)
    ]
