"""Search over threads: SQLite FTS5 or PostgreSQL full text, one query language (DESIGN 2)."""
