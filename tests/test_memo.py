"""Stage caches keyed by what a stage read (memo.StageCache)."""

import numpy as np

from mpp_xl.memo import StageCache

from conftest import override

DAY = np.array(["2025-01-01"], dtype="datetime64[D]")


def test_a_stage_hits_unless_a_record_it_read_changed(default_set):
    cache = StageCache(8)
    calls = []

    def stage(reader):
        calls.append(1)
        return float(reader.at("ind.capacity.asylum", "medio", DAY)[0])

    first = cache.fetch("capacity", default_set, stage)
    unrelated = override(default_set, ("coa.capacity_buffer", "all", "", "", 5000, "places"))
    assert cache.fetch("capacity", unrelated, stage) == first and len(calls) == 1  # not read: a hit
    edited = override(default_set, ("ind.capacity.asylum", "medio", "2025-01-01", "2025-12-31", 1234, "cases/month"))
    assert cache.fetch("capacity", edited, stage) == 1234 and len(calls) == 2  # read: recomputed
    assert cache.fetch("capacity", default_set, stage) == first and len(calls) == 2  # both kept
    assert (cache.hits, cache.misses) == (2, 2)


def test_an_outer_stage_depends_on_what_a_cached_inner_stage_read(default_set):
    """A hit of an inner stage still tells the outer stage what it read, so the outer key stays complete."""
    inner, outer = StageCache(8), StageCache(8)

    def inner_stage(reader):
        return float(reader.at("ind.capacity.asylum", "medio", DAY)[0])

    def outer_stage(reader):
        return inner.fetch("inner", reader, inner_stage) + 1

    inner.fetch("inner", default_set, inner_stage)  # warm the inner cache
    outer.fetch("outer", default_set, outer_stage)
    edited = override(default_set, ("ind.capacity.asylum", "medio", "2025-01-01", "2025-12-31", 1234, "cases/month"))
    assert outer.fetch("outer", edited, outer_stage) == 1235
