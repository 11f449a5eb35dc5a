"""Failed sign-in throttling: after `limit` failures within `window_s` for one e-mail address
or one client address, further attempts are refused until the window has moved on.

In memory on purpose: an attacker's failures cost no database writes, and each process of a
multi-process deployment throttles on its own (a bounded factor, not a hole).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

MAX_TRACKED_KEYS = 100_000


class LoginThrottle:
    def __init__(
        self,
        *,
        limit: int = 5,
        window_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, *keys: str) -> int:
        """Seconds until an attempt for these keys is allowed again (0: allowed now)."""
        now = self._clock()
        wait = 0.0
        for key in keys:
            failures = self._recent(key, now)
            if len(failures) >= self.limit:
                wait = max(wait, failures[0] + self.window_s - now)
        return math.ceil(wait)

    def failed(self, *keys: str) -> None:
        now = self._clock()
        if len(self._failures) >= MAX_TRACKED_KEYS:
            self._failures.clear()  # bounded memory under a spray of addresses
        for key in keys:
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures
