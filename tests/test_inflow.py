"""Inflow: realised history and MPP scenario totals."""

import numpy as np
import pytest

from mpp_xl.errors import MppError
from mpp_xl.inflow import CATEGORIES, project_inflow

from conftest import override

# Kamerbrief MPP 2024-II (2 Dec 2024): total asylum inflow per scenario
PUBLISHED = {("min", 2024): 37600, ("medio", 2024): 57600, ("max", 2024): 66700,
             ("min", 2025): 45000, ("medio", 2025): 66000, ("max", 2025): 74800}


@pytest.mark.parametrize("scenario, year", sorted(PUBLISHED))
def test_annual_totals_are_exactly_the_published_mpp(default_set, grid, scenario, year):
    """Kamerbrief MPP 2024-II: 2024 straddles the June 2024 cut-off, so history + scenario must add up."""
    inflow = project_inflow(default_set, scenario, grid)
    total = inflow["total"][grid.years == year].sum()
    assert abs(total - PUBLISHED[(scenario, year)]) < 1e-6
    assert abs(sum(inflow[c] for c in CATEGORIES)[grid.years == year].sum() - PUBLISHED[(scenario, year)]) < 1e-6


def test_history_months_are_the_realised_records(default_set, grid):
    inflow = project_inflow(default_set, "min", grid)
    june_2024 = np.flatnonzero(grid.months == np.datetime64("2024-06"))[0]
    realised = default_set.scalar("history.inflow.first", "min", "2024-06-15")
    assert inflow["first"][june_2024] == realised
    assert inflow["is_history"][june_2024] and not inflow["is_history"][june_2024 + 1]


def test_seasonal_weights_must_sum_to_one(default_set, grid):
    bad = override(default_set, ("inflow.seasonal.01", "all", "", "", 0.2, "share"))
    with pytest.raises(MppError, match=r"inflow.seasonal.01..12 for medio in force in 2022-01 sum to 1.13, not 1"):
        project_inflow(bad, "medio", grid)


def test_category_shares_must_sum_to_one(default_set, grid):
    bad = override(default_set, ("inflow.share.first", "all", "2025-01-01", "", 0.8, "share"))
    with pytest.raises(MppError, match=r"sum to 1.09, not 1"):
        project_inflow(bad, "medio", grid)


def test_total_below_realised_history_is_refused(default_set, grid):
    bad = override(default_set, ("inflow.total_annual", "min", "2024-01-01", "2024-12-31", 1000, "persons/year"))
    with pytest.raises(MppError, match=r"inflow.total_annual for min in 2024 \(1,000\) is below the realised"):
        project_inflow(bad, "min", grid)
