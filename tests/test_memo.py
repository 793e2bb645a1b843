"""Stage caches keyed by what a stage read (memo.StageCache)."""

import numpy as np

from mpp_xl.memo import SameContent, StageCache

from conftest import override

DAY = np.array(["2025-01-01"], dtype="datetime64[D]")


def counting_stage():
    """A stage that reads medio's IND capacity on DAY, and the list it appends to on every computation."""
    calls = []

    def stage(reader):
        calls.append(1)
        return float(reader.at("ind.capacity.asylum", "medio", DAY)[0])
    return stage, calls


def test_a_stage_hits_unless_a_record_it_read_changed(default_set):
    cache = StageCache(8)
    stage, calls = counting_stage()

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


def test_a_stage_is_keyed_by_the_scenario_it_read(default_set):
    """A stage that read a parameter for medio is reused after an edit of that parameter for max, and computed
    again after an edit for medio or for all scenarios (the first edit away from a set included)."""
    cache = StageCache(8)
    stage, calls = counting_stage()

    first = cache.fetch("capacity", default_set, stage)
    for_max = override(default_set, ("ind.capacity.asylum", "max", "2025-01-01", "2025-12-31", 1234, "cases/month"))
    assert cache.fetch("capacity", for_max, stage) == first and len(calls) == 1
    for scenario in ("medio", "all"):
        edited = override(for_max, ("ind.capacity.asylum", scenario, "2025-01-01", "2025-12-31", 999, "cases/month"),
                          label=f"edit {scenario}")
        assert cache.fetch("capacity", edited, stage) == 999
    assert len(calls) == 3


def test_a_set_over_a_parent_reads_as_the_same_set_built_at_once(default_set):
    """Values and digests a layered set takes from its parent equal those of the same layers built in one go,
    for the parameters its layer touches and for those it does not (and after renaming)."""
    from mpp_xl.assumptions import AssumptionSet
    from mpp_xl.memo import digest_of_reads
    layered = override(default_set, ("ind.capacity.asylum", "medio", "2025-01-01", "2025-12-31", 1234, "cases/month"))
    at_once = AssumptionSet(layered.name, layered.layers, layered.registry)
    renamed = layered.renamed("another name")
    days = np.arange("2024-01", "2027-01", dtype="datetime64[M]").astype("datetime64[D]")
    for name in ("ind.capacity.asylum", "coa.capacity_buffer", "penalty.take_up.asylum"):
        for scenario in ("min", "medio", "max"):
            expected = at_once.at(name, scenario, days)
            assert np.array_equal(layered.at(name, scenario, days), expected)
            assert np.array_equal(renamed.at(name, scenario, days), expected)
            assert layered.records_digest(name, scenario) == renamed.records_digest(name, scenario)
    reads = (frozenset({("ind.capacity.asylum", "min")}), frozenset(), False)
    assert digest_of_reads(layered, reads) == digest_of_reads(default_set, reads)  # min reads what it read before
    medio = (frozenset({("ind.capacity.asylum", "medio")}), frozenset(), False)
    assert digest_of_reads(layered, medio) != digest_of_reads(default_set, medio)


def test_layer_boundaries_count_in_a_digest(default_set):
    """One layer [medio 0.5, all 0.6] and two layers of the same label [medio 0.5] then [all 0.6] give medio
    0.5 and 0.6: their digests differ, so no stage cache serves one the other's result."""
    import dataclasses
    from mpp_xl.assumptions import AssumptionSet
    name = "coa.share_in_coa.asylum_seekers"
    rec = next(r for _, r in default_set.records() if r.parameter == name)
    medio, every = dataclasses.replace(rec, scenario="medio", value=0.5), dataclasses.replace(rec, value=0.6)
    base = default_set.layers[0]
    one = AssumptionSet("x", [base, ("override o.csv", (medio, every))], default_set.registry)
    two = AssumptionSet("x", [base, ("override o.csv", (medio,)), ("override o.csv", (every,))], default_set.registry)
    assert one.at(name, "medio", DAY)[0] == 0.5 and two.at(name, "medio", DAY)[0] == 0.6
    assert one.records_digest(name, "medio") != two.records_digest(name, "medio")
    cache = StageCache(4)
    stage = lambda reader: float(reader.at(name, "medio", DAY)[0])  # noqa: E731
    assert (cache.fetch("share", one, stage), cache.fetch("share", two, stage)) == (0.5, 0.6)


def test_a_lazy_table_computes_on_reading_and_its_views_share_the_values():
    from mpp_xl.memo import LazyTable, Same
    computed = []
    table = LazyTable([("medio", "base"), ("medio", "x"), ("max", "base")], lambda key: computed.append(key) or key)
    assert ("medio", "x") in table and ("min", "base") not in table and computed == []  # membership computes nothing
    view = table.only({("medio", "base"), ("medio", "x")})
    assert list(view) == [("medio", "base"), ("medio", "x")] and ("max", "base") not in view
    assert view[("medio", "x")] == ("medio", "x") and table[("medio", "x")] == ("medio", "x")
    assert computed == [("medio", "x")]  # computed once, for the table and its view
    a, b = [1], [1]
    assert Same(a) == Same(a) and Same(a) != Same(b) and hash(Same(a)) == hash(Same(a))


def test_a_chain_that_fails_is_raised_not_replaced_by_base(default_set, grid, monkeypatch):
    """A lazy run whose variant chain fails raises, instead of answering with base's chain."""
    import pytest
    from mpp_xl import model
    from mpp_xl.model import run_model
    real = model.run_chain
    run = run_model(default_set, grid, ["medio"], ["base", "all_undone"], lazy=True)
    run.chain("medio")  # base is fine

    def failing(aset, scenario, grid, front=None):
        if aset.has("deadline.asylum.wbv_2023_3.void_retroactive") and "all_undone" in str(aset.layers[-1][0]):
            raise KeyError("a failure inside the chain")
        return real(aset, scenario, grid, front)

    monkeypatch.setattr(model, "run_chain", failing)
    with pytest.raises(KeyError, match="a failure inside the chain"):
        run.chain("medio", "all_undone")


def test_the_least_recently_used_entry_goes_first_whatever_its_key(default_set):
    """Entries are found by their key and evicted in the order of use across keys: with room for two, a third
    key evicts the one used longest ago, and the evicted one is computed again (an invariant of LRU)."""
    cache = StageCache(2)
    stage, calls = counting_stage()
    edited = override(default_set, ("ind.capacity.asylum", "medio", "2025-01-01", "2025-12-31", 1234, "cases/month"))
    cache.fetch("a", default_set, stage)
    cache.fetch("b", default_set, stage)
    cache.fetch("a", default_set, stage)  # a hit: b is now the oldest
    cache.fetch("b", edited, stage)  # a second entry under b (another digest): the oldest, b's first, goes
    cache.fetch("a", default_set, stage)
    assert len(cache) == 2 and len(calls) == 3  # a kept
    cache.fetch("b", default_set, stage)  # evicted before: computed again, evicting the edited b
    assert len(calls) == 4
    cache.fetch("b", edited, stage)  # evicted before; now a is the oldest and goes
    cache.fetch("b", default_set, stage)
    assert len(calls) == 5  # both entries of b kept
    cache.fetch("a", default_set, stage)
    assert len(calls) == 6
    assert sum(len(entries) for entries in cache._by_key.values()) == len(cache) == 2


def test_a_derived_value_follows_the_records_of_its_parameter(default_set):
    """``AssumptionSet.derived``: a layer that does not touch the parameter takes the parent's value; one that
    does computes its own; a stage that reads it through a recorder is keyed by that parameter."""
    name = "history.ind.pending.asylum"
    count = lambda aset: len(aset.in_precedence(name, "medio"))  # noqa: E731
    unrelated = override(default_set, ("coa.capacity_buffer", "all", "", "", 5000, "places"))
    touched = override(default_set, (name, "medio", "2030-12-31", "2030-12-31", 1000, "cases"))
    base = default_set.derived(name, "medio", "count", count)
    assert unrelated.derived(name, "medio", "count", count) == base
    assert touched.derived(name, "medio", "count", count) == base + 1
    cache = StageCache(4)
    stage = lambda reader: reader.derived(name, "medio", "count", count)  # noqa: E731
    assert cache.fetch("s", default_set, stage) == base
    assert cache.fetch("s", unrelated, stage) == base and cache.misses == 1
    assert cache.fetch("s", touched, stage) == base + 1 and cache.misses == 2


def test_same_content_matches_the_same_bytes_only():
    """A Monte Carlo queue key: arrays equal byte for byte (a copy, a broadcast) match; a changed value, a sign of
    zero, a shape or a type does not (a digest of the bytes drew the same line)."""
    a = np.arange(12.0).reshape(3, 4)
    share = np.full(4, 0.5)
    key = SameContent(a, share)
    assert key == SameContent(a.copy(), np.broadcast_to(0.5, (4,))) and hash(key) == hash(SameContent(a, share))
    changed = a.copy()
    changed[2, 3] += 1e-12
    zero = a.copy()
    zero[0, 0] = -0.0
    for other in (SameContent(changed, share), SameContent(zero, share), SameContent(a.reshape(4, 3), share),
                  SameContent(a.astype(np.float32), share), SameContent(a), SameContent(share, a)):
        assert key != other
    assert {key: 1}.get(SameContent(a.copy(), share.copy())) == 1
