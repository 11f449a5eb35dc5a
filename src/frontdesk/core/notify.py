"""PostgreSQL LISTEN on a dedicated connection: how other processes' commits wake us."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg

log = logging.getLogger(__name__)


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """The plain libpq URL asyncpg takes, from our SQLAlchemy URL."""
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


class Listener:
    """One connection listening on one channel; `close()` releases it."""

    def __init__(self, connection: Any, channel: str, callback: Callable[..., None]) -> None:
        self._connection = connection
        self._channel = channel
        self._callback = callback

    async def close(self) -> None:
        with contextlib.suppress(Exception):  # the server may already be gone
            await self._connection.remove_listener(self._channel, self._callback)
        with contextlib.suppress(Exception):
            await self._connection.close(timeout=5)


async def listen(url: str, channel: str, on_notify: Callable[[], None]) -> Listener:
    """Call `on_notify()` for every NOTIFY on `channel` (payloads are ignored)."""
    connection = await asyncpg.connect(asyncpg_dsn(url))

    def callback(*_args: Any) -> None:
        on_notify()

    await connection.add_listener(channel, callback)
    return Listener(connection, channel, callback)
