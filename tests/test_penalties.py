"""Penalty engine: hand-worked cases, monotonicity, convergence of the simulation, and calibration."""

import numpy as np
import pytest

from mpp_xl.deadlines import DeadlineRegime
from mpp_xl.errors import MppError
from mpp_xl.model import run_model
from mpp_xl.penalties import (CaseRows, expand_cases, expected_penalties, read_params, rows_from_matrix,
                              run_penalties, simulate_penalties)
from mpp_xl.timegrid import DAYS_PER_MONTH, TimeGrid
from mpp_xl.deadlines import build_regime

from conftest import override

GRID = TimeGrid.from_text("2025-01", "2026-12")
SIX_MONTHS = DeadlineRegime("asylum", 6.0, (), False)


def simple(default_set, **extra):
    """Take-up 1, notice on the deadline, nobody decided early, 8-week term, cap 7,500, no repeat."""
    values = {"penalty.take_up.asylum": (1, "share"), "penalty.take_up.nareis": (1, "share"),
              "penalty.notice_lag_months": (0, "months"), "penalty.share_decided_after_notice": (0, "share"),
              "penalty.judgment_months": (1, "months"), "penalty.share_heard": (1, "share"),
              "penalty.share_decided_within_term": (0, "share"), "penalty.share_high_cap": (0, "share"),
              "penalty.repeat.probability": (0, "share")}
    values.update(extra)
    return override(default_set, *[(k, "all", "", "", v, u) for k, (v, u) in values.items()])


def one_cohort(decided_month: float, cases: float = 100.0) -> CaseRows:
    return CaseRows(np.array([0.5]), np.array([decided_month]), np.array([cases]))


def test_hundred_cases_decided_in_month_11_by_hand(default_set):
    """100 cases filed mid-January 2025 (t = 0.5), decided mid-December 2025 (t = 11.5), deadline 6 months.

    Notice on the deadline t = 6.5; appeal 2 weeks later; judgment 1 month after; term 8 weeks. So the
    penalty starts 1 month + 10 weeks = 30.4375 + 70 days after the deadline, i.e. at t = 7.5 + 70/30.4375.
    Days late until t = 11.5: 4 x 30.4375 - 70 = 51.75 days x EUR 100 = EUR 5,175 a case (below the 7,500
    cap): EUR 517,500 for 100 cases. Costs: 100 x (453.50 + 194) = EUR 64,750 at the judgment (month 7).
    Booking: month 9 gets 0.2002 months (6.09375 days) = EUR 609.375 a case, month 10 a full month
    (EUR 3,043.75), month 11 half a month (EUR 1,521.875).
    """
    params = read_params(simple(default_set), "asylum", "medio", GRID)
    result = expected_penalties(one_cohort(11.5), SIX_MONTHS, params, GRID.size)
    court = result.amounts["court_penalty"]
    assert court.sum() == pytest.approx(517500)
    assert court[9:12] == pytest.approx([60937.5, 304375.0, 152187.5])
    assert result.amounts["costs"].sum() == pytest.approx(64750)
    assert result.amounts["costs"][7] == pytest.approx(64750)
    assert result.counts["notices"][6] == pytest.approx(100)
    assert result.counts["appeals"][6] == pytest.approx(100)
    assert result.counts["cases_overdue"][6] == pytest.approx(100)


def test_the_cap_binds_by_hand(default_set):
    """Decided at t = 14.5: 7 x 30.4375 - 70 = 143.06 days late, over 75 days -> capped at EUR 7,500 a case."""
    params = read_params(simple(default_set), "asylum", "medio", GRID)
    result = expected_penalties(one_cohort(14.5), SIX_MONTHS, params, GRID.size)
    assert result.amounts["court_penalty"].sum() == pytest.approx(750000)


def test_half_take_up_and_high_cap_share_by_hand(default_set):
    """Take-up 0.5 and half of the judgments with the 15,000 cap, decided at t = 20.5: 17 months after the
    deadline, both caps bind. Expected per case = 0.5 x (0.5 x 7,500 + 0.5 x 15,000 + 647.50) = EUR 5,948.75."""
    aset = simple(default_set, **{"penalty.take_up.asylum": (0.5, "share"), "penalty.share_high_cap": (0.5, "share")})
    params = read_params(aset, "asylum", "medio", GRID)
    result = expected_penalties(one_cohort(20.5), SIX_MONTHS, params, GRID.size)
    assert sum(v.sum() for v in result.amounts.values()) == pytest.approx(100 * 5948.75)


def test_a_case_decided_before_its_deadline_costs_nothing(default_set):
    params = read_params(simple(default_set), "asylum", "medio", GRID)
    result = expected_penalties(one_cohort(6.4), SIX_MONTHS, params, GRID.size)
    assert sum(v.sum() for v in result.amounts.values()) == 0
    assert result.counts["notices"].sum() == 0


def test_administrative_penalty_tiers_by_hand(default_set):
    """Awb 4:17 for nareis: 14 days x 23 + 14 x 35 + 14 x 45 = 322 + 490 + 630 = EUR 1,442, the cap, for a
    case decided long after; decided 20 days after the start: 14 x 23 + 6 x 35 = EUR 532."""
    regime = DeadlineRegime("nareis", 90 / DAYS_PER_MONTH, (), False)
    params = read_params(simple(default_set), "nareis", "medio", GRID)
    late = expected_penalties(one_cohort(20.5, cases=1), regime, params, GRID.size)
    assert late.amounts["admin_penalty"].sum() == pytest.approx(1442)
    start = 0.5 + 90 / DAYS_PER_MONTH + 14 / DAYS_PER_MONTH  # notice on the deadline, two weeks
    short = expected_penalties(one_cohort(start + 20 / DAYS_PER_MONTH, cases=1), regime, params, GRID.size)
    assert short.amounts["admin_penalty"].sum() == pytest.approx(532)


def test_a_cap_below_one_day_is_refused(default_set):
    aset = override(default_set, ("penalty.cap.standard", "all", "", "", 50, "EUR"))
    with pytest.raises(MppError, match=r"penalty.cap.standard \(50\) is below one day's penalty.per_day \(100\)"):
        read_params(aset, "asylum", "medio", GRID)


FLAT = {"penalty.take_up.asylum": (0.5, "share"), "penalty.take_up.nareis": (0.5, "share"),
        "penalty.share_high_cap": (0.3, "share"), "penalty.share_decided_after_notice": (0.3, "share"),
        "penalty.share_decided_within_term": (0.5, "share"), "penalty.repeat.probability": (0.3, "share")}


def flat(default_set):
    """The default set with take-up and branch shares held constant over time.

    With dated shares, a later deadline can move a notice into a period of higher take-up and so raise the
    expected penalty; the monotonicity below holds for time-constant shares."""
    return override(default_set, *[(k, "all", "", "", v, u) for k, (v, u) in FLAT.items()])


def total_penalty(run):
    return sum(tp.total.sum() for tp in run.tracks.values())


def test_a_longer_deadline_never_raises_penalties(default_set, grid, default_run):
    queues = default_run.chain("medio").queues
    short = run_penalties(flat(default_set), "medio", "base", grid, queues)
    longer = override(flat(default_set), ("deadline.asylum.statutory_months", "all", "", "", 9, "months"),
                      ("deadline.nareis.statutory_days", "all", "", "", 180, "days"))
    long = run_penalties(longer, "medio", "base", grid, queues)
    assert total_penalty(long) <= total_penalty(short)
    assert np.all(np.cumsum(long.tracks["asylum"].total) <= np.cumsum(short.tracks["asylum"].total) + 1e-6)


def test_more_capacity_never_raises_penalties(default_set, grid):
    base = run_model(flat(default_set), grid, ["medio"], ["base"]).penalties[("medio", "base")]
    more = override(flat(default_set), ("ind.capacity.asylum", "all", "2024-01-01", "", 4000, "cases/month"),
                    ("ind.capacity.nareis", "all", "2024-01-01", "", 3000, "cases/month"))
    faster = run_model(more, grid, ["medio"], ["base"]).penalties[("medio", "base")]
    assert total_penalty(faster) <= total_penalty(base)


def test_case_level_simulation_converges_to_the_expected_value(default_set, grid, default_run):
    """The mean of 20 seeded case-level simulations of the medio asylum track lies within 1% of the expected
    value in total, and within 3% in every year with more than EUR 5 million (standard error of 20 runs over
    ~100,000 cases is well below that)."""
    queue = default_run.chain("medio").queues["asylum"]
    regime = build_regime(default_set, "asylum", "medio", grid)
    params = read_params(default_set, "asylum", "medio", grid)
    rows = rows_from_matrix(queue, regime.statutory_months)
    expected = expected_penalties(rows, regime, params, grid.size).total
    rng = np.random.default_rng(2024)
    sims = [simulate_penalties(expand_cases(rows, rng), regime, params, grid.size, rng).total for _ in range(20)]
    mean = np.mean(sims, axis=0)
    assert mean.sum() == pytest.approx(expected.sum(), rel=0.01)
    by_year = lambda v: np.array([v[grid.years == y].sum() for y in np.unique(grid.years)])  # noqa: E731
    big = by_year(expected) > 5e6
    assert by_year(mean)[big] == pytest.approx(by_year(expected)[big], rel=0.03)


def _window(run_result, variant, years):
    table = run_result.penalty_frame()
    rows = table[(table.scenario == "medio") & (table.variant == variant) & (table.track == "total")]
    return rows.set_index("year").loc[list(years)]


def test_all_undone_adds_about_73_million_in_2024_2027(default_run):
    """Kamerbrief MPP 2024-II (2 Dec 2024): with peildatum 1 Sep 2024, undoing all extensions retroactively
    raises the expected penalty debt for 2024 up to and including 2027 in total by about EUR 73 million
    (medio); no effect from 2028 on. Tolerance: 73 +- 7 million; at most EUR 1 million a year from 2028."""
    delta = _window(default_run, "all_undone", range(2024, 2028))["delta_vs_base_eur"].sum()
    assert 66e6 <= delta <= 80e6
    later = _window(default_run, "all_undone", range(2028, 2031))["delta_vs_base_eur"]
    assert (later.abs() <= 1e6).all()


def test_base_history_within_a_factor_1_5_of_what_was_paid(default_run):
    """IND: penalty payments (dwangsommen, all case types) EUR 3.4 m (2022), 11.3 m (2023), 36.8 m (2024);
    the model's court, repeat and administrative penalties (legal costs excluded) stay within a factor 1.5."""
    monthly = default_run.penalty_monthly_frame()
    monthly = monthly[(monthly.scenario == "medio") & (monthly.variant == "base")]
    monthly = monthly.assign(year=monthly.date.str[:4].astype(int))
    paid = monthly.groupby("year")[["court_penalty_eur", "repeat_penalty_eur", "admin_penalty_eur"]].sum().sum(axis=1)
    for year, published in {2022: 3.4e6, 2023: 11.3e6, 2024: 36.8e6}.items():
        assert published / 1.5 <= paid[year] <= published * 1.5, year


def test_notices_2022_within_a_factor_1_5(default_run):
    """Answer Kamervragen 2023Z02664: 19,830 notices of default in 2022 (all IND case types)."""
    notices = _window(default_run, "base", [2022])["notices"].iloc[0]
    assert 19830 / 1.5 <= notices <= 19830 * 1.5


def test_reused_stages_give_the_same_result_as_a_fresh_run(default_set, grid):
    """Runs sharing stage caches recompute only what an edit reaches, and agree exactly with fresh runs."""
    from mpp_xl.model import ModelCaches
    caches = ModelCaches()
    run_model(default_set, grid, caches=caches)
    fronts_before = caches.fronts.misses
    edits = {"coa": ("coa.capacity_buffer", "all", "", "", 5000, "places"),
             "penalty": ("penalty.take_up.asylum", "all", "2024-01-01", "", 0.45, "share"),
             "ind": ("ind.capacity.asylum", "all", "2025-01-01", "2025-12-31", 2600, "cases/month")}
    for kind, row in edits.items():
        edited = override(default_set, row, label=f"edit {kind}")
        shared = run_model(edited, grid, caches=caches)
        fresh = run_model(edited, grid)
        assert shared.penalty_frame().equals(fresh.penalty_frame()), kind
        for key, chain in fresh.chains.items():
            for metric, values in chain.metrics.items():
                assert np.array_equal(shared.chains[key].metrics[metric], values), (kind, metric)
    assert caches.fronts.misses == fronts_before + 3  # only the IND edit rebuilt the three scenarios' queues
