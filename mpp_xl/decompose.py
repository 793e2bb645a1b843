"""The penalty delta of each variant against base, split by filing cohort and by cause (``penalty_delta.csv``).

A variant changes the deadline of some filing months (the cohorts it reaches directly): their delta is
*direct*, the claims the new deadline opens. Every other cohort keeps its deadline; its delta comes only from
the IND capacity that the variant's legal work takes (answers to notices, court orders), which makes those
cases wait longer: *displaced*. Both runs keep the legal record of every (filing year, direct/displaced)
group apart; the groups only attribute, so they add up to the delta of ``penalties.csv``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .chain import TRACKS, run_front
from .deadlines import build_regime
from . import penalty_kernel
from .penalties import book_by_group, read_params
from .queue import OPENING_COHORTS, LegalRows
from .results import RunResult
from .variants import BASE

COLUMNS = ["scenario", "variant", "track", "filing_year", "part", "year", "delta_eur"]
PARTS = ("displaced", "direct")


def amounts_by_group(rows: LegalRows, params, size: int, groups: int) -> np.ndarray:
    """(groups, T) EUR accrued per month by the noticed cases of each group (expected value)."""
    books = book_by_group(rows, params, size, groups)
    components = [penalty_kernel.COURT, penalty_kernel.REPEAT, penalty_kernel.COSTS, penalty_kernel.ADMIN]
    return books[:, components].sum(axis=1)


def penalty_delta_frame(result: RunResult) -> pd.DataFrame:
    """scenario, variant, track, filing_year, part, year, delta_eur (EUR accrued in the year; variant - base)."""
    grid = result.grid
    size = grid.size
    filed = np.arange(-OPENING_COHORTS, size) + 0.5  # mid-month filing times of every cohort, grid months
    filing_months = np.arange(grid.start - OPENING_COHORTS, grid.end + 1, dtype="datetime64[M]")
    filing_year = filing_months.astype("datetime64[Y]").astype(int) + 1970
    first_years = np.unique(filing_year)
    year_index = np.searchsorted(first_years, filing_year)
    accrual_years = grid.calendar_years
    starts = grid.year_starts
    base_set = result.variant_set(BASE)
    rows = []
    for scenario in result.scenarios:
        for variant in result.variants:
            if variant == BASE:
                continue
            variant_set = result.variant_set(variant)
            groups = {}
            for track in TRACKS:
                before = build_regime(base_set, track, scenario, grid).known_at(filed, float(size)).deadline
                after = build_regime(variant_set, track, scenario, grid).known_at(filed, float(size)).deadline
                groups[track] = year_index * 2 + (after != before)
            per_set = {}
            for name, aset in ((BASE, base_set), (variant, variant_set)):
                queues = run_front(aset, scenario, grid, groups=groups).queues
                per_set[name] = {track: amounts_by_group(queues[track].legal, read_params(aset, track, scenario, grid),
                                                         size, 2 * first_years.size) for track in TRACKS}
            for track in TRACKS:
                delta = np.add.reduceat(per_set[variant][track] - per_set[BASE][track], starts, axis=1)
                for g in np.flatnonzero(np.abs(delta).sum(axis=1) > 0):
                    for y, year in enumerate(accrual_years):
                        rows.append((scenario, variant, track, int(first_years[g // 2]), PARTS[g % 2], int(year),
                                     float(delta[g, y])))
    return pd.DataFrame(rows, columns=COLUMNS)
