"""The per-process event tailer and fan-out (placeholder until the realtime work lands)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from frontdesk.config import Settings
from frontdesk.core.db import Database


class EventHub:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def wake(self, events: Sequence[Any] = ()) -> None:
        return None
