"""Budget lines: identities with the chain, prices as data, gaps kept as gaps, the free window."""

import numpy as np
import pytest

from mpp_xl.budget import COLUMNS, LINES
from mpp_xl.errors import MppError
from mpp_xl.model import parse_window, run_model

from conftest import override


@pytest.fixture(scope="module")
def medio(default_set, grid):
    return run_model(default_set, grid, ["medio"], ["base"])


def lines_of(result, year=None):
    frame = result.budget_frame()
    frame = frame[(frame.scenario == "medio") & (frame.variant == "base")]
    return frame if year is None else frame[frame.year == year].set_index("line")


def test_budget_contract(default_run):
    frame = default_run.budget_frame()
    assert list(frame.columns) == COLUMNS
    assert set(frame.line) == set(LINES)
    per_run = frame.groupby(["scenario", "variant"]).size()
    assert (per_run == len(LINES) * len(np.unique(default_run.grid.years))).all()


def test_place_days_add_up_to_the_occupancy_and_the_buffer(medio, grid):
    """Occupied lines = occupancy x days (mean of the month's opening and closing); empty lines = (capacity
    need - occupancy) x days: the budget counts every resident and every held place once."""
    chain = medio.chain("medio")
    days = ((grid.months + 1).astype("datetime64[D]") - grid.month_starts).astype(int)
    occupancy = chain.metrics["coa.occupancy"]
    need = chain.metrics["coa.capacity_need"]
    opening = sum(chain.stocks[g].opening for g in ("coa.not_registered", "coa.in_procedure", "coa.statushouders",
                                                   "coa.rejected", "coa.nareis_short_stay"))
    mean_occupancy = (opening + occupancy) / 2
    mean_need = (np.concatenate([[need[0]], need[:-1]]) + need) / 2
    table = lines_of(medio)
    for year in (2023, 2025, 2028):
        rows = table[table.year == year].set_index("line")["quantity"]
        in_year = grid.years == year
        occupied = rows["coa.regular.occupied"] + rows["coa.emergency.occupied"] + rows["coa.amv.occupied"]
        empty = rows["coa.regular.empty"] + rows["coa.emergency.empty"]
        assert occupied == pytest.approx((mean_occupancy * days)[in_year].sum(), rel=1e-9)
        assert empty == pytest.approx(((mean_need - mean_occupancy) * days)[in_year].sum(), rel=1e-9)
        assert rows["coa.total"] == pytest.approx(occupied + empty, rel=1e-12)


def test_doubling_a_price_doubles_its_line_and_nothing_else(default_set, grid, medio):
    doubled = run_model(override(default_set, ("budget.coa.price_per_empty_day.regular", "all", "", "", 94,
                                               "EUR/day")), grid, ["medio"], ["base"])
    before, after = lines_of(medio), lines_of(doubled)
    merged = before.merge(after, on=["year", "line"], suffixes=("", "_new"))
    line = merged[merged.line == "coa.regular.empty"]
    assert np.allclose(line.amount_eur_new, 2 * line.amount_eur, rtol=1e-12)
    untouched = merged[~merged.line.isin(["coa.regular.empty", "coa.total", "total"])]
    assert np.array_equal(untouched.amount_eur.to_numpy(), untouched.amount_eur_new.to_numpy(), equal_nan=True)
    totals = merged[merged.line == "coa.total"].set_index("year")
    rise = line.set_index("year").amount_eur
    assert np.allclose(totals.amount_eur_new - totals.amount_eur, rise, rtol=1e-9)


def test_ukraine_normbedrag_by_hand_and_the_gap_before_2025(medio):
    """Rekenkamer (23 Sep 2025): EUR 61 a person a day in 2025, EUR 44 from 2026; no normbedrag is known
    before 2025, so those years stay blank (never filled in)."""
    for year, price in ((2025, 61.0), (2026, 44.0), (2029, 44.0)):
        row = lines_of(medio, year).loc["ukraine.municipal"]
        assert row.amount_eur == pytest.approx(row.quantity * price, rel=1e-12)
    for year in (2022, 2023, 2024):
        rows = lines_of(medio, year)
        assert np.isnan(rows.loc["ukraine.municipal", "amount_eur"]) and np.isnan(rows.loc["total", "amount_eur"])


def test_penalty_lines_are_the_cash_series(medio):
    yearly = medio.yearly_penalties[("medio", "base", "total")]["amount_paid_eur"]
    table = lines_of(medio)
    paid = table[table.line.isin(["ind.penalties.paid", "ind.legal_costs.paid"])].groupby("year").amount_eur.sum()
    assert np.allclose(paid.to_numpy(), yearly, rtol=1e-9)


def test_oda_counts_first_year_residents_only(medio, default_set, grid):
    """The ODA part is a part of the COA occupied cost (first-year residents are residents, amv among them), and
    falls when arrivals stop (no cohort stays first-year)."""
    table = lines_of(medio)
    for year in range(2022, 2031):
        rows = table[table.year == year].set_index("line").amount_eur
        occupied = rows["coa.regular.occupied"] + rows["coa.emergency.occupied"] + rows["coa.amv.occupied"]
        assert 0 < rows["coa.oda_first_year"] <= occupied
    quiet = run_model(override(default_set, ("inflow.total_annual", "all", "2026-01-01", "", 0, "persons/year")),
                      grid, ["medio"], ["base"])
    oda = lines_of(quiet).set_index(["year", "line"]).amount_eur
    assert oda[(2028, "coa.oda_first_year")] < 0.02 * oda[(2025, "coa.oda_first_year")]


@pytest.mark.parametrize("text, message", [
    ("2035-2040", "window 2035-2040 lies outside the horizon 2022-01..2030-12"),
    ("2027-2024", "window 2027-2024: ends before it starts"),
    ("twenty", "window 'twenty': write it as YYYY-YYYY"),
])
def test_bad_windows_get_one_line(grid, text, message):
    with pytest.raises(MppError, match=message):
        parse_window(text, grid)


def test_the_window_moves_every_total(default_set, grid):
    late = run_model(default_set, grid, ["medio"], ["base", "all_undone"], window="2026-2030")
    table = late.penalty_frame()
    rows = table[(table.scenario == "medio") & (table.variant == "all_undone") & (table.track == "total")]
    expected = rows[rows.year.between(2026, 2030)]
    assert late.window_total("medio", "all_undone") == pytest.approx(
        (expected.amount_eur.sum(), expected.delta_vs_base_eur.sum()))
    assert late.provenance["window"] == "2026-2030"


def test_the_printed_budget_keeps_gaps_blank(medio):
    from mpp_xl.summary import budget_summary
    text = budget_summary(medio)
    ukraine = next(line for line in text.splitlines() if "ukraine.municipal" in line)
    assert ukraine.split()[-5:-4] != ["0.0"] and len(ukraine.split()) < 7  # 2024 blank, the window total blank


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
def test_first_year_loop_by_hand(engine):
    """The first-year residents of one group, worked out by hand: 100 persons decided in filing month 0 join a
    group of 50 old residents; in month 1 half of everyone leaves (75 of 150); 10 arrive directly in month 2.
    The cohort filed in month 0 is young through month 11; the direct arrivals through month 13."""
    from mpp_xl import coa_kernel
    size = 15
    entering, arriving, leaving = np.zeros(size), np.zeros(size), np.zeros(size)
    entering[0], leaving[1], arriving[2] = 100.0, 75.0, 10.0
    by_decision = np.zeros((size, size))
    by_decision[0, 0] = 1.0  # everything decided in month 0 comes from the cohort filed in month 0
    recent = np.zeros(size)
    coa_kernel.kernel("first_year_in_group", 1, engine)(entering, by_decision, arriving, leaving, 50.0, 0, 12, recent)
    # month 0: 100 young all month; month 1: 100 at the start, 50 at the end; then 50 + 10 until month 11
    expected = [100.0, 75.0] + [60.0] * 10 + [10.0, 10.0, 0.0]
    assert recent.tolist() == pytest.approx(expected, abs=1e-12)
