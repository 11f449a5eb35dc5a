"""SQLite gets planner statistics at start (bench inbox: a bad plan without them)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from frontdesk.migrations import migrate, refresh_statistics


def test_refresh_statistics_gives_sqlite_its_stat_table(tmp_path: Path) -> None:
    path = tmp_path / "stats.db"
    migrate(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        assert not connection.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).fetchall()
    connection.close()
    refresh_statistics(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        analysed = {row[0] for row in connection.execute("SELECT tbl FROM sqlite_stat1")}
    connection.close()
    assert "alembic_version" in analysed  # ANALYZE records only tables that hold rows


def test_refresh_statistics_leaves_postgresql_to_autovacuum() -> None:
    refresh_statistics("postgresql://nobody@127.0.0.1:1/none")  # no connection attempted
