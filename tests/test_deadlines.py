"""Deadline regimes: statutory base, the three WBV extensions and their legal status per variant."""

import numpy as np
import pytest

from mpp_xl.deadlines import build_regime
from mpp_xl.errors import MppError
from mpp_xl.timegrid import DAYS_PER_MONTH
from mpp_xl.variants import default_variants

from conftest import override

LATER = 1e4  # a moment long after every void and withdrawal


def filed(grid, text):
    return float((np.datetime64(text, "M") - grid.start).astype(int)) + 0.5


def known(aset, grid, filing_month, now=LATER, track="asylum"):
    """Deadline, claim start and event floor of a case filed mid-month, as known at ``now`` (grid months)."""
    regime = build_regime(aset, track, "medio", grid)
    f = np.array([filed(grid, filing_month)])
    kd = regime.known_at(f, now)
    return float(kd.deadline[0]), float(kd.claim_from[0]), float(kd.event_floor[0])


def months_allowed(aset, grid, filing_month, now=LATER, track="asylum"):
    return known(aset, grid, filing_month, now, track)[0] - filed(grid, filing_month)


def variant_set(aset, name):
    return aset.with_layer(name, default_variants(aset.registry)[name].records)


@pytest.mark.parametrize("filing, months", [
    ("2022-02", 6),   # 6-month deadline expired before WBV 2022/22 entered into force on 27 Sep 2022
    ("2022-04", 15),  # WBV 2022/22: deadline not yet expired on 27 Sep 2022
    ("2022-12", 15),  # WBV 2022/22: filed before 1 Jan 2023
    ("2023-06", 15),  # WBV 2023/3
    ("2024-11", 15),  # WBV 2023/26
    ("2025-01", 6),   # no extension covers 2025
])
def test_base_deadlines_follow_the_wbv_windows(default_set, grid, filing, months):
    assert months_allowed(default_set, grid, filing) == pytest.approx(months)


def test_nareis_deadline_is_90_days(default_set, grid):
    assert months_allowed(default_set, grid, "2023-06", track="nareis") == pytest.approx(90 / DAYS_PER_MONTH)


def test_all_undone_voids_every_extension_for_cases_pending_at_the_peildatum(default_set, grid):
    aset = variant_set(default_set, "all_undone")
    assert months_allowed(aset, grid, "2023-06") == pytest.approx(6)
    assert months_allowed(aset, grid, "2024-03") == pytest.approx(6)
    before_peildatum = grid.index_of("2024-08-31")  # what was known in August 2024: the extension held
    assert months_allowed(aset, grid, "2023-06", now=before_peildatum) == pytest.approx(15)
    assert months_allowed(aset, grid, "2024-03", now=before_peildatum) == pytest.approx(15)


def test_a_void_never_touches_a_deadline_that_had_passed_before_it(default_set, grid):
    """Filed June 2022 (WBV 2022/22: 15 months, so Sep 2023): its deadline passed before the peildatum of
    1 Sep 2024, so voiding the extension then changes nothing for it: no claim is moved or removed."""
    base = known(default_set, grid, "2022-06")
    undone = known(variant_set(default_set, "all_undone"), grid, "2022-06")
    assert undone[:2] == pytest.approx(base[:2])


def test_first_holds_keeps_wbv_2022_22_only(default_set, grid):
    aset = variant_set(default_set, "first_holds")
    assert months_allowed(aset, grid, "2022-06") == pytest.approx(15)
    assert months_allowed(aset, grid, "2023-06") == pytest.approx(6)
    assert months_allowed(aset, grid, "2024-06") == pytest.approx(6)


def test_withdrawal_for_the_future_caps_the_deadline_at_the_withdrawal_date(default_set, grid):
    """WBV 2023/26 withdrawn on 1 Jun 2025: a case filed in March 2024 and still pending keeps its deadline
    only until 1 Jun 2025 (its statutory deadline, Sep 2024, had already passed); before that date nothing
    is known of the withdrawal."""
    aset = override(default_set, ("deadline.asylum.wbv_2023_26.withdrawn", "all", "2025-06-01", "", 1, "flag"))
    withdrawal = grid.index_of("2025-06-01")
    assert known(aset, grid, "2024-03")[0] == pytest.approx(withdrawal)
    assert months_allowed(aset, grid, "2024-03", now=withdrawal - 0.1) == pytest.approx(15)
    # filed mid-Dec 2024: its statutory deadline (mid-June 2025) falls after the withdrawal, so it applies
    assert months_allowed(aset, grid, "2024-12") == pytest.approx(6)


def test_plain_legal_rule_starts_claims_at_the_peildatum(default_set, grid):
    aset = override(variant_set(default_set, "all_undone"), ("penalty.void_reading", "all", "", "", 0, "flag"))
    deadline, claim_from, floor = known(aset, grid, "2023-06")
    assert deadline == pytest.approx(filed(grid, "2023-06") + 6)
    assert claim_from == pytest.approx(grid.index_of("2024-09-01"))
    assert floor == -np.inf


def test_retroactive_reading_counts_from_the_original_deadline_but_books_nothing_before_the_peildatum(
        default_set, grid):
    deadline, claim_from, floor = known(variant_set(default_set, "all_undone"), grid, "2023-06")
    assert claim_from == pytest.approx(filed(grid, "2023-06") + 6)
    assert floor == pytest.approx(grid.index_of("2024-09-01"))


def test_the_statutory_deadline_is_read_at_the_filing_date(default_set, grid):
    """A dated change of the statutory deadline (12 months from 2026) applies to cases filed from then on."""
    aset = override(default_set, ("deadline.asylum.statutory_months", "all", "2026-01-01", "", 12, "months"))
    assert months_allowed(aset, grid, "2025-12") == pytest.approx(6)
    assert months_allowed(aset, grid, "2026-01") == pytest.approx(12)


def test_overlapping_instruments_are_refused(default_set, grid):
    aset = override(default_set, ("deadline.asylum.extra.extension_months", "all", "2024-06-01", "2025-06-30", 3,
                                  "months"))
    with pytest.raises(MppError, match="deadline instruments extra and wbv_2023_26 of track asylum both cover "
                                       "applications filed in 2024-06"):
        build_regime(aset, "asylum", "medio", grid)


def test_a_peildatum_outside_the_horizon_is_refused(default_set, grid):
    aset = override(default_set, ("deadline.asylum.wbv_2023_3.void_retroactive", "all", "2035-01-01", "", 1, "flag"))
    with pytest.raises(MppError, match="the peildatum lies outside the horizon 2022-01..2030-12"):
        build_regime(aset, "asylum", "medio", grid)
