"""Invariants over random valid assumption sets (hypothesis): identities, time order of the legal variants,
and dated assumptions that act from their date."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from mpp_xl.assumptions import SCENARIOS
from mpp_xl.chain import COA_GROUPS
from mpp_xl.model import run_model

from conftest import override

SETTINGS = dict(max_examples=8, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
PEILDATUM = np.datetime64("2024-09")


@st.composite
def assumption_sets(draw):
    """The default set with random, valid values for the inputs that drive the chain and the penalties."""
    totals = sorted(draw(st.lists(st.integers(30000, 120000), min_size=3, max_size=3)))
    rows = [("inflow.total_annual", s, "2025-01-01", "", t, "persons/year") for s, t in zip(SCENARIOS, totals)]
    rows += [("ind.capacity.asylum", "all", "2025-01-01", "", draw(st.integers(1500, 7000)), "cases/month"),
             ("ind.newest_first_share.asylum", "all", "", "", draw(st.floats(0, 0.6)), "share"),
             ("ind.fast_lane_share.asylum", "all", "", "", draw(st.floats(0, 0.4)), "share"),
             ("penalty.take_up.asylum", "all", "", "", draw(st.floats(0.1, 1)), "share"),
             ("penalty.share_decided_after_notice", "all", "", "", draw(st.floats(0, 0.8)), "share"),
             ("penalty.share_decided_within_term", "all", "", "", draw(st.floats(0, 0.9)), "share"),
             ("penalty.void_reading", "all", "", "", draw(st.sampled_from([0, 1])), "flag"),
             ("housing.realisation_rate", "all", "2025-01-01", "", draw(st.floats(0.3, 1)), "share"),
             ("penalty.repeat.probability", "all", "", "", draw(st.floats(0, 1)), "share")]
    return rows, draw(st.sampled_from(SCENARIOS))


def assert_coa_identity(chain):
    """Every person is in one group: the groups add up to the opening occupancy plus entries minus exits."""
    total = sum(chain.stocks[g].closing for g in COA_GROUPS)
    opening = sum(chain.stocks[g].initial for g in COA_GROUPS)
    net = sum(chain.coa_entries.values()) - sum(chain.coa_exits.values())
    assert np.allclose(total, opening + np.cumsum(net), rtol=1e-9, atol=1e-6)
    assert np.allclose(chain.metrics["coa.occupancy"], total, rtol=1e-12)


@settings(**SETTINGS)
@given(case=assumption_sets())
def test_variants_respect_time(default_set, grid, case):
    """Before the peildatum every variant equals base month by month (chain exactly; penalties up to the
    order of floating-point sums): nothing a void causes is dated before it."""
    rows, scenario = case
    result = run_model(override(default_set, *rows), grid, [scenario])
    before = grid.months < PEILDATUM
    for variant in ("first_holds", "all_undone"):
        for metric, values in result.chain(scenario, variant).metrics.items():
            assert np.array_equal(values[before], result.chain(scenario).metrics[metric][before], equal_nan=True), \
                (variant, metric)
        for track, tp in result.penalties[(scenario, variant)].tracks.items():
            base = result.penalties[(scenario, "base")].tracks[track]
            assert np.allclose(tp.total[before], base.total[before], rtol=1e-12, atol=1e-6), (variant, track)
            for count in ("notices", "appeals", "cases_overdue"):
                assert np.allclose(tp.counts[count][before], base.counts[count][before], atol=1e-6)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_voiding_more_never_lowers_the_cumulative_amount_on_the_default_set(default_run, scenario):
    """From the peildatum on, the cumulative amount satisfies all_undone >= first_holds >= base at every month
    (default assumptions). Not a law of the model for every assumption set: README, 'Legal variants'."""
    cumulative = {v: np.cumsum(sum(tp.total for tp in default_run.penalties[(scenario, v)].tracks.values()))
                  for v in ("base", "first_holds", "all_undone")}
    assert (cumulative["all_undone"] >= cumulative["first_holds"] - 1e-3).all()
    assert (cumulative["first_holds"] >= cumulative["base"] - 1e-3).all()


@settings(**SETTINGS)
@given(case=assumption_sets())
def test_identities_and_non_negativity(default_set, grid, case):
    rows, scenario = case
    result = run_model(override(default_set, *rows), grid, [scenario], ["base"])
    chain = result.chain(scenario)
    assert_coa_identity(chain)
    for account in chain.stocks.values():
        if account.name != "ukraine.stock":
            assert (account.closing >= -1e-6).all(), account.name
    for queue in chain.queues.values():
        assert np.allclose(queue.decided.sum(axis=1) + queue.pending_end[:, -1], queue.filed, atol=1e-6)
        assert queue.legal.cases.sum() == pytest.approx(queue.notices.sum(), rel=1e-9, abs=1e-6)
    for tp in result.penalties[(scenario, "base")].tracks.values():
        assert all((v >= -1e-6).all() for v in tp.amounts.values())
        assert tp.total_paid.sum() <= tp.total.sum() + 1e-6  # nothing is paid that has not accrued


@pytest.mark.parametrize("row, reaches", [
    (("ind.capacity.asylum", "all", "2027-01-01", "", 6000, "cases/month"), "ind.pending.asylum"),
    (("ind.newest_first_share.asylum", "all", "2027-01-01", "", 0.6, "share"), "ind.mean_wait_weeks.asylum"),
    (("housing.realisation_rate", "all", "2027-01-01", "", 0.3, "share"), "coa.statushouders"),
    (("housing.target_backlog_share", "all", "2027-01-01", "", 1, "share"), "coa.housed"),
    (("coa.share_in_coa.asylum_seekers", "all", "2027-01-01", "", 0.5, "share"), "coa.in_procedure"),
    (("coa.nareis.months_from_grant_to_arrival", "all", "2027-01-01", "", 1, "months"), "coa.statushouders"),
    (("ind.nareis.applications_per_grant", "all", "2027-01-01", "", 3, "ratio"), "ind.pending.nareis"),
    (("ind.capacity.nareis", "all", "2027-01-01", "", 4000, "persons/month"), "ind.pending.nareis"),
    (("ind.spread_share.asylum", "all", "2027-01-01", "", 0.1, "share"), "ind.mean_wait_weeks.asylum"),
    (("ind.moratorium_share.asylum", "all", "2027-01-01", "", 0.95, "share"), "ind.pending.asylum"),
    (("penalty.take_up.asylum", "all", "2027-01-01", "", 1, "share"), "ind.legal_decisions.asylum"),
    (("penalty.share_decided_after_notice", "all", "2027-01-01", "", 0.9, "share"), "ind.legal_decisions.asylum"),
    (("deadline.asylum.statutory_months", "all", "2027-01-01", "", 12, "months"), "ind.legal_decisions.asylum"),
])
def test_a_dated_change_acts_from_its_date(default_set, grid, default_run, row, reaches):
    """Each kind of dated assumption is read at the date it applies to: a change from 2027 leaves every
    output before 2027 as it was and moves the output it reaches from 2027 on."""
    changed = run_model(override(default_set, row), grid, ["medio"], ["base"]).chain("medio")
    before = grid.months < np.datetime64("2027-01")
    for metric, values in changed.metrics.items():
        assert np.array_equal(values[before], default_run.chain("medio").metrics[metric][before], equal_nan=True), \
            metric
    assert not np.allclose(changed.metrics[reaches][~before], default_run.chain("medio").metrics[reaches][~before])


def test_nareis_arrivals_follow_from_decisions(default_run, default_set, grid):
    """Application -> decision -> arrival: after the realised months (and the travel time that follows them),
    the modelled nareis arrivals are the granted decisions of travel months earlier x arrivals per grant;
    before that they are the realised arrivals; decisions never run ahead of applications."""
    from mpp_xl.inflow import project_inflow
    chain = default_run.chain("medio")
    inflow = project_inflow(default_set, "medio", grid)
    known = int(np.flatnonzero(inflow["is_history"])[-1])
    travel = 3  # ind.nareis.travel_months in the default set
    per_grant = 0.9  # ind.nareis.arrivals_per_grant
    arrivals = chain.metrics["ind.arrivals.nareis"]
    assert np.allclose(arrivals[:known + 1], inflow["nareis"][:known + 1], rtol=1e-9)
    assert np.allclose(arrivals[known + 1:], chain.metrics["ind.grants.nareis"][known + 1 - travel:-travel] * per_grant,
                       rtol=1e-9)
    queue = chain.queues["nareis"]
    filed = np.cumsum(queue.filings()) + queue.filed[:queue.n_opening].sum()
    assert (np.cumsum(queue.decisions()) <= filed + 1e-6).all()


@pytest.mark.parametrize("travel_from_2026", [1, 6])
def test_a_dated_travel_time_neither_loses_nor_doubles_arrivals(default_set, grid, travel_from_2026):
    """Travel read at the decision month: every granted traveller lands once, in the month its decision month
    plus its travel time names (a step in the travel time makes no surge or gap that loses or doubles anyone)."""
    aset = override(default_set, ("ind.nareis.travel_months", "all", "2026-01-01", "", travel_from_2026, "months"))
    chain = run_model(aset, grid, ["medio"], ["base"]).chain("medio")
    travel = np.where(grid.months >= np.datetime64("2026-01"), travel_from_2026, 3)
    travelling = chain.metrics["ind.grants.nareis"] * 0.9  # ind.nareis.arrivals_per_grant
    expected = np.zeros(grid.size)
    for decided, lands in enumerate(np.arange(grid.size) + travel):
        if lands < grid.size:
            expected[lands] += travelling[decided]
    later = grid.months >= np.datetime64("2025-01")
    assert np.allclose(chain.metrics["ind.arrivals.nareis"][later], expected[later], rtol=1e-9)


def test_history_is_the_same_in_every_edition_and_scenario(default_run, grid):
    """Nothing an MPP forecasts changes an event dated in its realised history (to June 2024)."""
    history = grid.months <= np.datetime64("2024-06")
    medio = default_run.chain("medio").metrics
    for scenario in ("min", "max"):
        other = default_run.chain(scenario).metrics
        for metric in ("ind.pending.nareis", "ind.filings.nareis", "ind.decisions.nareis", "ind.pending.asylum",
                       "coa.occupancy"):
            assert np.allclose(other[metric][history], medio[metric][history], rtol=1e-12), (scenario, metric)


@given(st.integers(0, 210 * 12), st.integers(0, 400), st.integers(1985, 2205), st.integers(0, 40))
@settings(max_examples=60, deadline=None, derandomize=True)
def test_a_grids_calendar_years_and_the_first_month_of_each(first, months, window_start, window_years):
    """``calendar_years``, ``year_starts`` and ``in_window`` (kept on the grid, shared by every reader) against a
    count by hand."""
    from mpp_xl.timegrid import TimeGrid
    start = np.datetime64("1990-01", "M") + first
    grid = TimeGrid(start, min(start + months, np.datetime64("2200-12", "M")))
    years = [int(str(m)[:4]) for m in grid.months]
    assert grid.calendar_years.tolist() == sorted(set(years))
    assert grid.year_starts.tolist() == [years.index(y) for y in sorted(set(years))]
    per_year = np.add.reduceat(np.ones(grid.size), grid.year_starts)
    assert per_year.tolist() == [years.count(y) for y in sorted(set(years))]
    assert not grid.calendar_years.flags.writeable and not grid.year_starts.flags.writeable
    window = (window_start, window_start + window_years)
    assert grid.in_window(window).tolist() == [window[0] <= y <= window[1] for y in sorted(set(years))]
