"""The clock routing reads (presence, queue order). Injected, so tests advance time instead of
waiting for it or switching presence off."""

from __future__ import annotations

from typing import Protocol

from frontdesk.core.models import now_ms


class Clock(Protocol):
    def now_ms(self) -> int: ...


class SystemClock:
    """Wall-clock time in milliseconds since the epoch."""

    def now_ms(self) -> int:
        return now_ms()


class ManualClock:
    """A clock that moves only when told to (tests)."""

    def __init__(self, start_ms: int | None = None) -> None:
        self._now = now_ms() if start_ms is None else start_ms

    def now_ms(self) -> int:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += round(seconds * 1000)
