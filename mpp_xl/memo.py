"""Small caches shared by the model and the Excel layer."""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np


class LruCache(OrderedDict):
    """A least-recently-used cache with hit/miss counters (tests and the benchmark read them)."""

    def __init__(self, size: int):
        super().__init__()
        self.size, self.hits, self.misses = size, 0, 0

    def fetch(self, key, compute):
        found = self.get(key, _MISSING)
        if found is not _MISSING:
            self.hits += 1
            self.move_to_end(key)
            return found
        self.misses += 1
        value = compute()
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value

    def reset(self) -> None:
        self.clear()
        self.hits = self.misses = 0


def _recording(method: str):
    """A method of ``ReadRecorder`` that notes the parameter it reads, for the scenario it reads it for, and
    delegates (a wrapped recorder notes it too, as the call passes through it)."""
    def call(self, name, scenario, *args, **kwargs):
        self.names.add((name, scenario))
        return getattr(self._aset, method)(name, scenario, *args, **kwargs)
    call.__name__ = method
    return call


class ReadRecorder:
    """An assumption set as one stage sees it: every parameter the stage reads through it is recorded (exact
    names with the scenario read, the patterns it lists names by, or everything when it walks all records), so
    the stage's results can be keyed by exactly what it read. Everything else passes through to the set."""

    def __init__(self, aset):
        self._aset = aset
        self.names: set[tuple[str, str | None]] = set()  # (parameter, scenario); None: every scenario's records
        self.patterns: set[str] = set()
        self.everything = False

    at = _recording("at")
    scalar = _recording("scalar")
    in_precedence = _recording("in_precedence")
    switch_date = _recording("switch_date")
    derived = _recording("derived")

    def has(self, name):
        self.names.add((name, None))
        return self._aset.has(name)

    def names_like(self, regex):
        self.patterns.add(regex)
        return self._aset.names_like(regex)

    def records(self):
        self.everything = True
        return self._aset.records()

    def __getattr__(self, attr):
        return getattr(self._aset, attr)

    def reads(self) -> tuple:
        return (frozenset(self.names), frozenset(self.patterns), self.everything)

    def add_reads(self, reads: tuple) -> None:
        """Count what a cached inner stage read as read here too (and by every recorder this one wraps)."""
        names, patterns, everything = reads
        self.names |= names
        self.patterns |= patterns
        self.everything |= everything
        if isinstance(self._aset, ReadRecorder):
            self._aset.add_reads(reads)


def _unwrapped(aset):
    while isinstance(aset, ReadRecorder):
        aset = aset._aset
    return aset


_READS = LruCache(4096)  # what stages read, one object per distinct content


def _interned(reads: tuple) -> tuple:
    """One object for equal reads: keys holding them then compare by identity, not element by element."""
    return _READS.fetch(reads, lambda: reads)


_TOUCHED = LruCache(4096)  # (parameters a layer holds, names read, patterns read) -> the reads the layer holds


def _touched_reads(touched: frozenset, names: frozenset, patterns: frozenset) -> tuple:
    """The (parameter, scenario) reads of ``names`` and ``patterns`` that a layer holding ``touched`` holds; kept,
    since every edit of one cell asks it again for every stage (the frozensets' hashes are kept by Python)."""
    def compute():
        mine = {(name, scenario) for name, scenario in names if name in touched}
        for pattern in patterns:
            mine.update((name, None) for name in touched if re.fullmatch(pattern, name))
        return tuple(mine)
    return _TOUCHED.fetch((touched, names, patterns), compute)


def digest_of_reads(aset, reads: tuple) -> str:
    """The digest of the records of ``aset`` that a stage with these ``reads`` depends on (per parameter and
    scenario read, ``AssumptionSet.records_digest``; a pattern by the names it matches and all their records):
    equal digests, equal inputs to the stage. Kept on the (immutable) set. A set that adds a layer to a parent
    set takes the parent's digest and adds the read parameters its layer holds (the others are the parent's).
    Parts are hashed as their ``repr()``: exact for tuples and lists of text, so no field imitates another."""
    aset = _unwrapped(aset)
    names, patterns, everything = reads
    if everything:
        return aset.digest
    key = ("digest of reads", reads)
    found = aset._cache.get(key)
    if found is not None:
        return found
    parent = aset._parent
    if parent is not None:
        mine = _touched_reads(aset._touched, names, patterns)
        found = digest_of_reads(parent, reads)
        # only what reads differently from the parent counts (an edit for max leaves medio's stages alone)
        mine_now = {(name, scenario): aset.records_digest(name, scenario) for name, scenario in mine}
        parts = sorted((name, scenario or "", digest) for (name, scenario), digest in mine_now.items()
                       if digest != parent.records_digest(name, scenario))
        if parts:
            found = hashlib.blake2b(repr(("layer", found, parts)).encode(), digest_size=16).hexdigest()
    else:
        wanted = set(names)
        matched = []
        for pattern in sorted(patterns):
            found_names = aset.names_like(pattern)
            matched.append((pattern, found_names))
            wanted.update((name, None) for name in found_names)
        parts = sorted((name, scenario or "", aset.records_digest(name, scenario)) for name, scenario in wanted)
        found = hashlib.blake2b(repr(("set", matched, parts)).encode(), digest_size=16).hexdigest()
    aset._cache[key] = found
    return found


class StageCache:
    """Results of a stage keyed by what the stage read. ``key`` names the call (stage, scenario, grid and any
    array inputs); each entry also keeps the parameters the stage read and the digest of their records then.
    A later call hits when the records it would read are unchanged, whatever else changed in the set."""

    def __init__(self, size: int):
        self.size, self.hits, self.misses = size, 0, 0
        self._entries: OrderedDict = OrderedDict()  # (key, reads, digest of what was read) -> value, oldest first
        self._by_key: dict = {}  # key -> its entries, newest last (a call looks at the entries of its key only)

    def fetch(self, key, aset, compute):
        """``compute(reader)`` computes the stage reading its assumptions through ``reader``."""
        same_key = self._by_key.get(key, ())
        for entry in reversed(same_key):
            _, reads, digest = entry
            if digest_of_reads(aset, reads) == digest:
                self.hits += 1
                self._entries.move_to_end(entry)
                same_key.remove(entry)
                same_key.append(entry)
                if isinstance(aset, ReadRecorder):  # an outer stage depends on what this one read
                    aset.add_reads(reads)
                return self._entries[entry]
        self.misses += 1
        reader = ReadRecorder(aset)
        value = compute(reader)
        reads = _interned(reader.reads())
        entry = (key, reads, digest_of_reads(aset, reads))
        if entry in self._entries:
            self._by_key[key].remove(entry)
        self._entries[entry] = value
        self._entries.move_to_end(entry)
        self._by_key.setdefault(key, []).append(entry)
        while len(self._entries) > self.size:
            oldest, _ = self._entries.popitem(last=False)
            same_key = self._by_key[oldest[0]]
            same_key.remove(oldest)
            if not same_key:
                del self._by_key[oldest[0]]
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def reset(self) -> None:
        self._entries.clear()
        self._by_key.clear()
        self.hits = self.misses = 0


class Same:
    """A cache-key part that matches only the very same object (its key holds the object, so the id stays its)."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other) -> bool:
        return isinstance(other, Same) and other.obj is self.obj


class SameContent:
    """A cache-key part that matches arrays of the same shapes, types and bytes. The bytes are compared only when
    two keys meet (their hash is of shapes and types): cheaper than hashing the content where few keys meet."""

    __slots__ = ("arrays", "_hash")

    def __init__(self, *arrays):
        self.arrays = tuple(np.ascontiguousarray(a) for a in arrays)
        self._hash = hash(tuple((a.shape, a.dtype.str) for a in self.arrays))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return (isinstance(other, SameContent) and len(other.arrays) == len(self.arrays)
                and all(a.shape == b.shape and a.dtype == b.dtype
                        and np.array_equal(a.reshape(-1).view(np.uint8), b.reshape(-1).view(np.uint8))
                        for a, b in zip(self.arrays, other.arrays)))


class LazyTable(Mapping):
    """A mapping whose keys are known up front and whose values are computed on first access and kept.

    ``only(keys)`` gives a view over fewer keys that shares the computed values, so a table that reads one
    scenario and variant computes that pair only, and every view of the same run reuses it."""

    def __init__(self, keys, compute, kept: dict | None = None):
        self._keys = tuple(keys)
        self._known = frozenset(self._keys)
        self._compute = compute
        self._kept = {} if kept is None else kept

    def __getitem__(self, key):
        if key not in self._known:
            raise KeyError(key)
        found = self._kept.get(key, _MISSING)
        if found is _MISSING:
            found = self._kept[key] = self._compute(key)
        return found

    def __contains__(self, key) -> bool:
        return key in self._known

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def only(self, keys) -> "LazyTable":
        wanted = set(keys)
        return LazyTable([k for k in self._keys if k in wanted], self._compute, self._kept)


_MISSING = object()


@dataclass
class ModelCaches:
    """Stage results kept across runs, each keyed by the records of exactly the parameters the stage read
    (``StageCache``): the fronts (IND queues) per scenario (each variant's by the legal records its queues read),
    the arrivals, the deadline regime and penalty parameters per track, a track's order of work, the queues per
    track, the COA chains and the penalty runs; the queue's legal inputs and penalty results per track, keyed on
    the very objects they follow from (``Same``). A caller that keeps one of these (the Excel layer does)
    recomputes only what an edit reaches."""

    fronts: StageCache = field(default_factory=lambda: StageCache(24))
    arrivals: StageCache = field(default_factory=lambda: StageCache(12))
    regimes: StageCache = field(default_factory=lambda: StageCache(48))  # (regime, penalty parameters) per track
    legal_inputs: LruCache = field(default_factory=lambda: LruCache(48))  # queue.legal_inputs per regime
    orders: StageCache = field(default_factory=lambda: StageCache(48))  # a track's order of work (chain.work_order)
    queues: StageCache = field(default_factory=lambda: StageCache(48))
    chains: StageCache = field(default_factory=lambda: StageCache(24))
    penalties: StageCache = field(default_factory=lambda: StageCache(24))
    tracks: LruCache = field(default_factory=lambda: LruCache(96))

    def all(self) -> tuple:
        return (self.fronts, self.arrivals, self.regimes, self.legal_inputs, self.orders, self.queues, self.chains,
                self.penalties, self.tracks)
