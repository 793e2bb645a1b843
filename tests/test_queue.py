"""The IND cohort queue and its order of work, checked against hand-worked cases and identities."""

import numpy as np
import pytest

from mpp_xl.deadlines import build_regime
from mpp_xl.penalties import read_params
from mpp_xl.queue import WorkOrder, run_queue
from mpp_xl.timegrid import WEEKS_PER_MONTH, TimeGrid

from conftest import override

GRID = TimeGrid.from_text("2025-01", "2025-12")
NO_CLAIMS = [("penalty.take_up.asylum", "all", "", "", 0, "share")]


def queue(default_set, filings, capacity=100.0, fast=0.0, newest=0.0, opening=None, rows=NO_CLAIMS, grid=GRID):
    aset = override(default_set, *rows)
    size = grid.size
    order = WorkOrder(np.full(size, float(capacity)), np.full(size, fast), np.full(size, newest))
    opening = np.zeros(24) if opening is None else opening
    return run_queue("asylum", grid, np.asarray(filings, float), opening, order,
                     build_regime(aset, "asylum", "medio", grid), read_params(aset, "asylum", "medio", grid))


def test_oldest_first_by_hand(default_set):
    """150 filed a month, capacity 100, cases decidable from the month after filing, oldest first.

    Month 0: nothing is decidable. Month 1: 100 of cohort 0. Month 2: the last 50 of cohort 0, 50 of cohort 1.
    Month 3: the other 100 of cohort 1. Pending at month ends: 150, 200, 250, 300.
    """
    q = queue(default_set, np.full(12, 150.0))
    n = q.n_opening
    assert q.decided[n + 0, :4].tolist() == [0, 100, 50, 0]
    assert q.decided[n + 1, :4].tolist() == [0, 0, 50, 100]
    assert q.pending()[:4].tolist() == [150, 200, 250, 300]
    assert q.mean_wait_weeks()[2] == pytest.approx(1.5 * WEEKS_PER_MONTH)  # 50 waited 2 months, 50 waited 1
    assert np.isnan(q.mean_wait_weeks()[0])  # nothing decided: no mean, not zero


def test_newest_first_share_by_hand(default_set):
    """Capacity 100, 40% newest first. Month 2: 40 go to cohort 1 (the newest decidable cohort); the other 60 go
    oldest first: the 50 left of cohort 0, then 10 more of cohort 1 (50 in all)."""
    q = queue(default_set, np.full(12, 150.0), newest=0.4)
    n = q.n_opening
    assert q.decided[n + 1, 1] == 0  # month 1: cohort 0 is the only decidable cohort, so it takes all 100
    assert q.decided[n + 0, 1] == 100
    assert q.decided[n + 0, 2] == pytest.approx(50)
    assert q.decided[n + 1, 2] == pytest.approx(50)
    assert q.decided[n + 2, 2] == 0  # filed in month 2: not yet decidable


def test_priority_tracks_go_first_from_the_same_capacity(default_set):
    """20% of 150 filings (30) are priority cases, decided in the next month before anything else."""
    q = queue(default_set, np.full(12, 150.0), fast=0.2)
    assert q.fast_decided[1:5].tolist() == [30, 30, 30, 30]
    assert q.decisions()[1:].max() == pytest.approx(100)  # one capacity for all work
    assert q.fast_decided[0] == 0


def test_every_case_is_filed_once_and_decided_at_most_once(default_set, default_run):
    for chain in default_run.chains.values():
        for q in chain.queues.values():
            n = q.n_opening
            assert np.allclose(q.decided.sum(axis=1) + q.pending_end[:, -1], q.filed, rtol=1e-9, atol=1e-6)
            assert (q.decided >= -1e-9).all() and (q.pending_end >= -1e-9).all()
            assert (q.decided[n:][np.tril_indices(q.decided.shape[1], 0)] == 0).all()  # never in its filing month
            assert np.allclose(q.decisions(), q.decided.sum(axis=0))


def test_legal_record_is_the_queue_record(default_run):
    """Every noticed case is decided in the queue exactly once: the legal rows (decided + still pending)
    add up to the notices, and the legal decisions of a month are part of that month's queue decisions."""
    for chain in default_run.chains.values():
        for q in chain.queues.values():
            rows = q.legal
            assert rows.cases.sum() == pytest.approx(q.notices.sum(), rel=1e-9)
            month = np.floor(rows.decided).astype(int)
            inside = rows.decided < q.decided.shape[1]
            per_month = np.bincount(month[inside], weights=rows.cases[inside], minlength=q.decided.shape[1])
            assert (per_month <= q.decisions() + 1e-6).all()
            assert (q.legal_decided <= per_month + 1e-6).all()
            assert (rows.decided >= rows.notice).all()  # nothing is decided before its notice


def test_answers_to_notices_use_capacity(default_set):
    """With every applicant claiming at once and half the notices answered, the answers are decisions within
    the capacity: total decisions never exceed it, and claiming leaves fewer decisions for the oldest."""
    grid = TimeGrid.from_text("2025-01", "2027-12")
    claims = [("penalty.take_up.asylum", "all", "", "", 1, "share"), ("penalty.notice_lag_months", "all", "", "", 0,
                                                                        "months"),
              ("penalty.share_decided_after_notice", "all", "", "", 0.5, "share")]
    quiet = queue(default_set, np.full(36, 150.0), grid=grid)
    claiming = queue(default_set, np.full(36, 150.0), rows=claims, grid=grid)
    assert claiming.legal_decided.sum() > 0
    assert claiming.decisions().max() <= 100 + 1e-9
    assert np.allclose(claiming.decisions(), quiet.decisions())  # same capacity, other cases
    answered = claiming.legal.cases[claiming.legal.decided < claiming.legal.notice + 0.5].sum()
    assert answered > 0 and claiming.legal_decided.sum() >= answered - 1e-6  # answers plus court-ordered work
    assert quiet.legal_decided.sum() == 0


def test_more_capacity_never_raises_the_pending_stock(default_set, grid):
    from mpp_xl.chain import run_chain
    low = run_chain(default_set, "medio", grid)
    high = run_chain(override(default_set, ("ind.capacity.asylum", "all", "2025-01-01", "", 5000, "cases/month")),
                     "medio", grid)
    assert (high.metrics["ind.pending.asylum"] <= low.metrics["ind.pending.asylum"] + 1e-6).all()


def test_wait_distribution_by_hand(default_set):
    """From the oldest-first case above: month 2 decides 50 cases 2 months old and 50 cases 1 month old."""
    q = queue(default_set, np.full(12, 150.0))
    bands = q.wait_distribution((0, 2, 3))
    assert bands[:, 2].tolist() == [50, 50, 0]
    assert bands.sum() == pytest.approx(q.decided.sum())
