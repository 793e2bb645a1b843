"""Penalty booking: hand-worked cases, the cash series, convergence of the simulation, and reuse of stages."""

import numpy as np
import pytest

from mpp_xl.errors import MppError
from mpp_xl.model import run_model
from mpp_xl.penalties import expand_cases, expected_penalties, pay_after_lag, read_params, simulate_penalties
from mpp_xl.queue import LegalRows
from mpp_xl.timegrid import DAYS_PER_MONTH, TimeGrid

from conftest import override

GRID = TimeGrid.from_text("2025-01", "2026-12")


def simple(default_set, **extra):
    """8-week term (everyone heard), judgment 1 month after the appeal, cap 7,500, no repeat, no high cap."""
    values = {"penalty.judgment_months": (1, "months"), "penalty.share_high_cap": (0, "share"),
              "penalty.repeat.probability": (0, "share")}
    values.update(extra)
    return override(default_set, *[(k, "all", "", "", v, u) for k, (v, u) in values.items()])


def noticed(decided: float, cases: float = 100.0, notice: float = 6.5, heard: float = 1.0) -> LegalRows:
    return LegalRows(np.array([notice]), np.array([heard]), np.array([decided]), np.array([cases]))


def booked(default_set, rows, track="asylum", **extra):
    params = read_params(simple(default_set, **extra), track, "medio", GRID)
    return expected_penalties(rows, params, GRID.size).close(track, params)


def test_hundred_noticed_cases_decided_in_month_11_by_hand(default_set):
    """100 notices mid-July 2025 (t = 6.5), decided mid-December 2025 (t = 11.5).

    Appeal 2 weeks later; judgment 1 month after; term 8 weeks. So the penalty starts 1 month + 10 weeks =
    30.4375 + 70 days after the notice, i.e. at t = 7.5 + 70/30.4375. Days late until t = 11.5:
    4 x 30.4375 - 70 = 51.75 days x EUR 100 = EUR 5,175 a case (below the 7,500 cap): EUR 517,500 for 100
    cases. Costs: 100 x (453.50 + 194) = EUR 64,750 at the judgment (month 7). Booking: month 9 gets
    0.2002 months (6.09375 days) = EUR 609.375 a case, month 10 a full month, month 11 half a month.
    """
    result = booked(default_set, noticed(11.5))
    court = result.amounts["court_penalty"]
    assert court.sum() == pytest.approx(517500)
    assert court[9:12] == pytest.approx([60937.5, 304375.0, 152187.5])
    assert result.amounts["costs"].sum() == pytest.approx(64750)
    assert result.amounts["costs"][7] == pytest.approx(64750)
    assert result.counts["appeals"][6] == pytest.approx(100)


def test_the_cap_binds_by_hand(default_set):
    """Decided at t = 14.5: 7 x 30.4375 - 70 = 143.06 days late, over 75 days -> capped at EUR 7,500 a case."""
    assert booked(default_set, noticed(14.5)).amounts["court_penalty"].sum() == pytest.approx(750000)


def test_high_cap_share_and_repeat_by_hand(default_set):
    """Half of the judgments with the 15,000 cap, decided at t = 24 (far beyond both caps), no repeat:
    per case 0.5 x 7,500 + 0.5 x 15,000 + 647.50 costs = EUR 11,897.50."""
    result = booked(default_set, noticed(24.0), **{"penalty.share_high_cap": (0.5, "share")})
    assert sum(v.sum() for v in result.amounts.values()) == pytest.approx(100 * 11897.50)


def test_a_case_answered_within_two_weeks_of_its_notice_costs_nothing(default_set):
    result = booked(default_set, noticed(6.5 + 0.2))
    assert sum(v.sum() for v in result.amounts.values()) == 0
    assert result.counts["appeals"].sum() == 0


def test_a_case_decided_within_the_court_term_costs_only_legal_costs(default_set):
    """Judgment at t = 7.96; the 8-week term ends at 9.80: decided at 9.0 -> costs only."""
    result = booked(default_set, noticed(9.0))
    assert result.amounts["court_penalty"].sum() == 0
    assert result.amounts["costs"].sum() == pytest.approx(100 * 647.5)


def test_administrative_penalty_tiers_by_hand(default_set):
    """Awb 4:17 for nareis: 14 days x 23 + 14 x 35 + 14 x 45 = 322 + 490 + 630 = EUR 1,442, the cap, for a
    case decided long after; decided 20 days after the start: 14 x 23 + 6 x 35 = EUR 532."""
    late = booked(default_set, noticed(20.5, cases=1), track="nareis")
    assert late.amounts["admin_penalty"].sum() == pytest.approx(1442)
    start = 6.5 + 14 / DAYS_PER_MONTH  # two weeks after the notice
    short = booked(default_set, noticed(start + 20 / DAYS_PER_MONTH, cases=1), track="nareis")
    assert short.amounts["admin_penalty"].sum() == pytest.approx(532)


def test_cash_follows_accrual_after_the_payment_lag(default_set):
    """Lag 1.5 months: EUR 100 accrued in month 2 is paid half in month 3, half in month 4; the part that would
    be paid beyond the grid is not in it, and nothing is paid before it accrues."""
    params = read_params(override(default_set, ("penalty.payment_lag_months", "all", "", "", 1.5, "months")),
                         "asylum", "medio", GRID)
    accrued = np.zeros(GRID.size)
    accrued[2], accrued[-1] = 100.0, 40.0
    paid = pay_after_lag(accrued, params)
    assert paid[3] == pytest.approx(50) and paid[4] == pytest.approx(50)
    assert paid.sum() == pytest.approx(100)
    assert (np.cumsum(paid) <= np.cumsum(accrued) + 1e-9).all()


def test_a_dated_payment_lag_applies_from_its_date(default_set, grid, default_run):
    """Lag 3 months, 12 from 2026: payments in 2026 fall, accruals stay."""
    aset = override(default_set, ("penalty.payment_lag_months", "all", "2026-01-01", "", 12, "months"))
    later = run_model(aset, grid, ["medio"], ["base"])
    acc = lambda r: r.yearly_penalties[("medio", "base", "total")]  # noqa: E731
    years = list(np.unique(grid.years))
    i2025, i2026 = years.index(2025), years.index(2026)
    assert acc(later)["amount_eur"] == pytest.approx(acc(default_run)["amount_eur"])
    assert acc(later)["amount_paid_eur"][i2025] == pytest.approx(acc(default_run)["amount_paid_eur"][i2025])
    assert acc(later)["amount_paid_eur"][i2026] < acc(default_run)["amount_paid_eur"][i2026] * 0.5


def test_a_cap_below_one_day_is_refused(default_set):
    aset = override(default_set, ("penalty.cap.standard", "all", "", "", 50, "EUR"))
    with pytest.raises(MppError, match=r"penalty.cap.standard \(50\) is below one day's penalty.per_day \(100\)"):
        read_params(aset, "asylum", "medio", GRID)


def test_case_level_simulation_converges_to_the_expected_value(default_set, grid, default_run):
    """The mean of 20 seeded case-level simulations of the medio asylum track's noticed cases lies within 1%
    of the expected value in total, and within 3% in every year with more than EUR 5 million."""
    queue = default_run.chain("medio").queues["asylum"]
    params = read_params(default_set, "asylum", "medio", grid)
    expected = expected_penalties(queue.legal, params, grid.size).close("asylum", params).total
    rng = np.random.default_rng(2024)
    sims = [simulate_penalties(expand_cases(queue.legal, rng), params, grid.size, rng).close("asylum", params).total
            for _ in range(20)]
    mean = np.mean(sims, axis=0)
    assert mean.sum() == pytest.approx(expected.sum(), rel=0.01)
    by_year = lambda v: np.array([v[grid.years == y].sum() for y in np.unique(grid.years)])  # noqa: E731
    big = by_year(expected) > 5e6
    assert by_year(mean)[big] == pytest.approx(by_year(expected)[big], rel=0.03)


def test_reused_stages_give_the_same_result_as_a_fresh_run(default_set, grid):
    """Runs sharing stage caches recompute only what an edit reaches, and agree exactly with fresh runs."""
    from mpp_xl.model import ModelCaches
    caches = ModelCaches()
    run_model(default_set, grid, caches=caches)
    fronts_before = caches.fronts.misses
    edits = {"coa": ("coa.capacity_buffer", "all", "", "", 5000, "places"),
             "ind": ("ind.capacity.asylum", "all", "2025-01-01", "2025-12-31", 2600, "cases/month")}
    for kind, row in edits.items():
        edited = override(default_set, row, label=f"edit {kind}")
        shared = run_model(edited, grid, caches=caches)
        fresh = run_model(edited, grid)
        assert shared.penalty_frame().equals(fresh.penalty_frame()), kind
        for key, chain in fresh.chains.items():
            for metric, values in chain.metrics.items():
                assert np.array_equal(shared.chains[key].metrics[metric], values, equal_nan=True), (kind, metric)
    assert caches.fronts.misses == fronts_before + 9  # only the IND edit rebuilt the 3 x 3 queues
