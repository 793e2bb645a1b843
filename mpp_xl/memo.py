"""Small caches shared by the model and the Excel layer."""

from __future__ import annotations

from collections import OrderedDict


class LruCache(OrderedDict):
    """A least-recently-used cache with hit/miss counters (tests and the benchmark read them)."""

    def __init__(self, size: int):
        super().__init__()
        self.size, self.hits, self.misses = size, 0, 0

    def fetch(self, key, compute):
        if key in self:
            self.hits += 1
            self.move_to_end(key)
            return self[key]
        self.misses += 1
        value = compute()
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value

    def reset(self) -> None:
        self.clear()
        self.hits = self.misses = 0
