"""Invariants over random valid assumption sets (hypothesis): identities, non-negativity, monotonicity."""

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

from mpp_xl.assumptions import SCENARIOS
from mpp_xl.model import run_model

from conftest import override

SETTINGS = dict(max_examples=20, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
FLAT = [("penalty.take_up.asylum", "all", "", "", 0.5, "share"), ("penalty.take_up.nareis", "all", "", "", 0.5, "share"),
        ("penalty.share_high_cap", "all", "", "", 0.3, "share"),
        ("penalty.share_decided_after_notice", "all", "", "", 0.3, "share"),
        ("penalty.share_decided_within_term", "all", "", "", 0.5, "share")]


@st.composite
def assumption_sets(draw):
    """The default set with random, valid values for the inputs that drive the chain and the penalties."""
    totals = sorted(draw(st.lists(st.integers(30000, 120000), min_size=3, max_size=3)))
    rows = [("inflow.total_annual", s, "2025-01-01", "", t, "persons/year") for s, t in zip(SCENARIOS, totals)]
    rows += [("ind.capacity.asylum", "all", "2025-01-01", "", draw(st.integers(500, 6000)), "cases/month"),
             ("ind.capacity.nareis", "all", "2025-01-01", "", draw(st.integers(200, 4000)), "cases/month"),
             ("ind.long_tail_share.asylum", "all", "", "", draw(st.floats(0, 0.5)), "share"),
             ("ind.long_tail_rate.asylum", "all", "", "", draw(st.floats(0.005, 0.5)), "share/month"),
             ("ind.fast_lane_share.asylum", "all", "", "", draw(st.floats(0, 0.4)), "share"),
             ("housing.realisation_rate", "all", "2025-01-01", "", draw(st.floats(0.3, 1)), "share"),
             ("coa.occupancy_norm", "all", "", "", draw(st.floats(0.8, 1)), "share"),
             ("penalty.repeat.probability", "all", "", "", draw(st.floats(0, 1)), "share")]
    return rows


def totals_by_year(result, scenario, variant="base"):
    table = result.penalty_frame()
    rows = table[(table.scenario == scenario) & (table.variant == variant) & (table.track == "total")]
    return rows.amount_eur.to_numpy()


@settings(**SETTINGS)
@given(rows=assumption_sets())
def test_identities_non_negativity_and_scenario_order(default_set, grid, rows):
    aset = override(default_set, *FLAT, *rows)
    result = run_model(aset, grid, variants=["base"])
    for scenario in SCENARIOS:
        chain = result.chain(scenario)
        for account in chain.stocks.values():
            net = sum(account.inflows.values()) - sum(account.outflows.values())
            assert np.max(np.abs(account.closing - (account.opening + net))) <= 1e-9 * max(1, np.abs(account.closing).max())
            assert np.array_equal(account.opening[1:], account.closing[:-1])
            if account.name != "ukraine.stock":
                assert (account.closing >= -1e-9).all(), account.name
        assert all(np.isfinite(v).all() for v in chain.metrics.values())
    for metric in ("ind.pending.asylum", "coa.occupancy", "coa.capacity_need"):
        low, mid, high = (result.chain(s).metrics[metric] for s in SCENARIOS)
        assert (low <= mid + 1e-6).all() and (mid <= high + 1e-6).all(), metric
    low, mid, high = (totals_by_year(result, s) for s in SCENARIOS)
    assert (low <= mid * (1 + 1e-9) + 1e-6).all() and (mid <= high * (1 + 1e-9) + 1e-6).all()


@settings(**SETTINGS)
@given(rows=assumption_sets(), extra=st.integers(1, 3000), from_year=st.integers(2022, 2029))
def test_more_capacity_never_raises_pending_or_penalties(default_set, grid, rows, extra, from_year):
    aset = override(default_set, *FLAT, *rows)
    before = run_model(aset, grid, ["medio"], ["base"])
    capacity = aset.at("ind.capacity.asylum", "medio", grid.month_starts)
    start = np.flatnonzero(grid.years == from_year)[0]
    boosted = override(aset, *[("ind.capacity.asylum", "all", str(grid.month_starts[t]), str(grid.month_ends[t]),
                                float(capacity[t] + extra), "cases/month") for t in range(start, grid.size)],
                       label="more capacity")
    after = run_model(boosted, grid, ["medio"], ["base"])
    assert (after.chain("medio").metrics["ind.pending.asylum"]
            <= before.chain("medio").metrics["ind.pending.asylum"] + 1e-6).all()
    assert totals_by_year(after, "medio").sum() <= totals_by_year(before, "medio").sum() * (1 + 1e-12) + 1e-6


@settings(**SETTINGS)
@given(rows=assumption_sets(), months=st.integers(6, 24), days=st.integers(90, 365))
def test_a_longer_deadline_never_raises_penalties(default_set, grid, rows, months, days):
    aset = override(default_set, *FLAT, *rows)
    longer = override(aset, ("deadline.asylum.statutory_months", "all", "", "", months, "months"),
                      ("deadline.nareis.statutory_days", "all", "", "", days, "days"), label="longer")
    before = run_model(aset, grid, ["medio"], ["base"])
    after = run_model(longer, grid, ["medio"], ["base"])
    assert totals_by_year(after, "medio").sum() <= totals_by_year(before, "medio").sum() * (1 + 1e-12) + 1e-6
