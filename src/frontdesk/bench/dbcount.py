"""Count rows in the bench server's database (to check that nothing acknowledged was lost)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from frontdesk.config import Settings
from frontdesk.core.db import Database


def count_rows(env: dict[str, str], table: str) -> int:
    assert table.isidentifier()
    settings = Settings(
        data_dir=env["FRONTDESK_DATA_DIR"], database_url=env.get("FRONTDESK_DATABASE_URL", "")
    )

    async def count() -> int:
        db = Database(settings.resolved_database_url(), pool_size=1)
        try:
            async with db.read() as uow:
                return int(await uow.scalar(text(f"SELECT count(*) FROM {table}")))  # noqa: S608
        finally:
            await db.dispose()

    return asyncio.run(count())
