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


def test_full_text_shadow_tables_keep_no_statistics(tmp_path: Path) -> None:
    # Figures taken while the index was small made FTS5's own statements scan its data table
    # on every insert later (see refresh_statistics); the tables it reads by key keep none.
    path = tmp_path / "stats.db"
    migrate(f"sqlite:///{path}")
    refresh_statistics(f"sqlite:///{path}")  # an earlier version left their rows behind
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('messages_fts_data', NULL, '2')"
        )
    connection.close()
    refresh_statistics(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        analysed = {row[0] for row in connection.execute("SELECT tbl FROM sqlite_stat1")}
        holding_rows = connection.execute("SELECT count(*) FROM messages_fts_data").fetchone()[0]
    connection.close()
    assert holding_rows > 0  # so ANALYZE alone would have recorded it
    assert "alembic_version" in analysed
    assert not {name for name in analysed if "_fts" in name}


def test_refresh_statistics_leaves_postgresql_to_autovacuum() -> None:
    refresh_statistics("postgresql://nobody@127.0.0.1:1/none")  # no connection attempted
