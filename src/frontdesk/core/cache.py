"""Small in-process caches for what the hot paths read on every request and rarely changes
(tokens, subscriptions, channels): DESIGN 10, "cache what rarely changes".

Entries live `ttl_s` seconds. A write in this process clears the cache it affects at once
(after its commit); a write in another process is seen within `ttl_s`. Misses are not cached,
so a new token works at once everywhere.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(
        self,
        *,
        ttl_s: float,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[Hashable, tuple[float, V]] = {}

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._clock() >= expires:
            del self._entries[key]
            return None
        return value

    def put(self, key: Hashable, value: V) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # crude but bounded; entries are cheap to read again
        self._entries[key] = (self._clock() + self.ttl_s, value)

    def clear(self) -> None:
        self._entries.clear()
