"""The IND cohort queue, checked against hand-worked cases."""

import numpy as np
import pytest

from mpp_xl.queue import run_queue
from mpp_xl.timegrid import WEEKS_PER_MONTH, TimeGrid

from conftest import override

GRID = TimeGrid.from_text("2025-01", "2025-12")


def plain(default_set, capacity=100, opening=0, fast=0.0, tail=0.0, tail_rate=0.0):
    return override(default_set,
                    ("ind.opening_stock.asylum", "all", "", "", opening, "cases"),
                    ("ind.capacity.asylum", "all", "", "", capacity, "cases/month"),
                    ("ind.fast_lane_share.asylum", "all", "", "", fast, "share"),
                    ("ind.long_tail_share.asylum", "all", "", "", tail, "share"),
                    ("ind.long_tail_rate.asylum", "all", "", "", tail_rate, "share/month"))


def test_fifo_by_hand(default_set):
    """150 filed a month, capacity 100, no opening stock: the queue grows by 50 a month, oldest first.

    Month 0: 100 of cohort 0. Month 1: the last 50 of cohort 0, then 50 of cohort 1. Month 2: the other
    100 of cohort 1. Month 3: 100 of cohort 2. Month 4: 50 of cohort 2, 50 of cohort 3.
    """
    q = run_queue(plain(default_set), "asylum", "medio", GRID, np.full(12, 150.0))
    n = q.n_opening
    assert q.decided[n + 0, :3].tolist() == [100, 50, 0]
    assert q.decided[n + 1, :3].tolist() == [0, 50, 100]
    assert q.decided[n + 2, :5].tolist() == [0, 0, 0, 100, 50]
    assert q.decided[n + 3, 4] == 50
    assert q.pending()[:4].tolist() == [50, 100, 150, 200]
    # month 1: 50 cases waited 1 month, 50 waited 0 -> mean 0.5 month
    assert q.mean_wait_weeks()[1] == pytest.approx(0.5 * WEEKS_PER_MONTH)
    assert q.decisions().max() == 100


def test_cohorts_conserve_cases(default_set, grid):
    q = run_queue(default_set, "asylum", "medio", grid, np.full(grid.size, 3000.0))
    inside = slice(q.n_opening, None)
    assert np.allclose(q.filed[inside], q.decided[inside].sum(axis=1) + q.pending_end[inside, -1])
    assert np.allclose(q.filed[:q.n_opening], q.decided[:q.n_opening].sum(axis=1) + q.pending_end[:q.n_opening, -1])
    assert (q.decided >= 0).all() and (q.pending_end >= -1e-9).all()


def test_opening_stock_spread_by_age_band(default_set):
    """Opening 2,400 cases, default bands 40/30/20/10 %: age 0-2 months 320 per cohort, 3-5: 240, 6-11: 80, 12-23: 20."""
    q = run_queue(plain(default_set, capacity=0, opening=2400), "asylum", "medio", GRID, np.zeros(12))
    by_age = q.filed[:q.n_opening][::-1]
    assert by_age[:3] == pytest.approx([320] * 3)
    assert by_age[3:6] == pytest.approx([240] * 3)
    assert by_age[6:12] == pytest.approx([80] * 6)
    assert by_age[12:24] == pytest.approx([20] * 12)
    # at the end of month 0 the cohort at age index k has waited k + 1 months: k = 5..23 count as 6+ months
    assert q.pending_older_than(6)[0] == pytest.approx(240 + 80 * 6 + 20 * 12)


def test_fast_lane_is_decided_the_next_month_outside_capacity(default_set):
    q = run_queue(plain(default_set, capacity=0, fast=0.1), "asylum", "medio", GRID, np.full(12, 1000.0))
    assert q.decisions()[0] == 0
    assert q.decisions()[1:].tolist() == pytest.approx([100.0] * 11)
    assert q.fast_decided[1:].tolist() == pytest.approx([100.0] * 11)


def test_long_tail_decays_at_its_rate(default_set):
    """All of one cohort of 1,000 in the long tail at 10% a month: decided 100, 90, 81 ..."""
    filings = np.zeros(12)
    filings[0] = 1000
    q = run_queue(plain(default_set, capacity=10**6, tail=1.0, tail_rate=0.1), "asylum", "medio", GRID, filings)
    assert q.decisions()[:3] == pytest.approx([100, 90, 81])


def test_more_capacity_never_raises_the_pending_stock(default_set, grid):
    filings = np.full(grid.size, 3500.0)
    low = run_queue(default_set, "asylum", "medio", grid, filings)
    high = run_queue(override(default_set, ("ind.capacity.asylum", "all", "2024-01-01", "", 3500, "cases/month")),
                     "asylum", "medio", grid, filings)
    assert (high.pending() <= low.pending() + 1e-9).all()


def test_wait_distribution_by_hand(default_set):
    """The FIFO case above: month 1 decides 50 cases that waited 1 month and 50 that waited 0 (band 0-3)."""
    q = run_queue(plain(default_set), "asylum", "medio", GRID, np.full(12, 150.0))
    bands = q.wait_distribution(edges_months=(0, 1, 3))
    assert bands[:, 1].tolist() == [50, 50, 0]
    assert bands.sum(axis=0) == pytest.approx(q.decisions())
