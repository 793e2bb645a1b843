"""Inflow by category: realised monthly history, then MPP annual scenario totals spread by season.

For a year that straddles the data cut-off the annual total is met exactly: the months after the
cut-off receive the total minus the realised months, in proportion to the seasonal weights.
"""

from __future__ import annotations

import math

import numpy as np

from .assumptions import AssumptionSet
from .errors import MppError
from .timegrid import TimeGrid

CATEGORIES = ("first", "nareis", "repeat", "resettlement")
SHARE_TOLERANCE = 1e-6


def seasonal_weights(aset: AssumptionSet, scenario: str, grid: TimeGrid) -> np.ndarray:
    """Weight of each grid month within its year (share); per year the twelve weights sum to 1."""
    table = np.vstack([aset.at(f"inflow.seasonal.{m:02d}", scenario, grid.month_starts) for m in range(1, 13)])
    weights = table[grid.calendar_month - 1, np.arange(grid.size)]
    totals = table.sum(axis=0)  # the twelve weights in force in each month
    bad = np.flatnonzero(np.abs(totals - 1.0) > SHARE_TOLERANCE)
    if bad.size:
        raise MppError(f"inflow.seasonal.01..12 for {scenario} in force in {grid.months[bad[0]]} sum to "
                       f"{totals[bad[0]]:.6g}, not 1")
    return weights


def category_shares(aset: AssumptionSet, scenario: str, grid: TimeGrid) -> dict[str, np.ndarray]:
    shares = {c: aset.at(f"inflow.share.{c}", scenario, grid.month_starts) for c in CATEGORIES}
    total = sum(shares.values())
    bad = np.flatnonzero(np.abs(total - 1.0) > SHARE_TOLERANCE)
    if bad.size:
        raise MppError(f"inflow.share.first/nareis/repeat/resettlement for {scenario} in "
                       f"{grid.months[bad[0]]} sum to {total[bad[0]]:.6g}, not 1")
    return shares


def _no_total_for_realised_year(aset: AssumptionSet, scenario: str, year: int) -> None:
    """A year wholly covered by realised history takes no annual total: an override for it would do nothing."""
    first, last = np.datetime64(f"{year}-01-01"), np.datetime64(f"{year}-12-31")
    for rec in aset.in_precedence("inflow.total_annual", scenario):
        if not rec.origin.startswith("default_assumptions.csv") and rec.start <= last and rec.end >= first:
            raise MppError(f"{rec.origin}: inflow.total_annual for {year} has no effect: {year} is realised history "
                           f"(history.inflow.*); change the history records instead")


def project_inflow(aset: AssumptionSet, scenario: str, grid: TimeGrid) -> dict[str, np.ndarray]:
    """Monthly inflow (persons/month) per category, plus ``total`` and ``amv`` (amv among first)."""
    full = grid.full_years
    history = {c: aset.at(f"history.inflow.{c}", scenario, full.month_starts, required=False) for c in CATEGORIES}
    is_history = np.logical_and.reduce([~np.isnan(h) for h in history.values()])
    weights = seasonal_weights(aset, scenario, full)
    shares = category_shares(aset, scenario, full)
    total = np.where(is_history, sum(np.nan_to_num(h) for h in history.values()), 0.0)
    for year in full.calendar_years:
        in_year = full.years == year
        open_months = np.flatnonzero(in_year & ~is_history)
        if open_months.size == 0:
            _no_total_for_realised_year(aset, scenario, int(year))
            continue
        in_force = aset.at("inflow.total_annual", scenario, full.month_starts[in_year])
        if (in_force != in_force[0]).any():
            raise MppError(f"inflow.total_annual for {scenario} changes within {year}: an annual total covers "
                           f"whole calendar years (from 1 January, to 31 December)")
        annual = float(in_force[0])
        realised = math.fsum(total[in_year & is_history])
        remainder = annual - realised
        if remainder < 0:
            raise MppError(f"inflow.total_annual for {scenario} in {year} ({annual:,.0f}) is below the "
                           f"realised history of that year ({realised:,.0f})")
        w = weights[open_months]
        spread = remainder * w / w.sum()
        spread[-1] = remainder - math.fsum(spread[:-1])  # the year's total comes out exactly
        total[open_months] = spread
    out = {}
    for c in CATEGORIES:
        out[c] = np.where(is_history, np.nan_to_num(history[c]), total * shares[c])
    out["total"] = total
    keep = (full.months >= grid.start) & (full.months <= grid.end)
    out = {k: v[keep].copy() for k, v in out.items()}
    out["amv"] = out["first"] * aset.at("inflow.amv_share_first", scenario, grid.month_starts)
    out["is_history"] = is_history[keep]
    return out
