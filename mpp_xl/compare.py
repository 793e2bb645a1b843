"""Two runs side by side: the budget mutation table (``mpp-xl compare A B``)."""

from __future__ import annotations

import re
from collections import namedtuple

import pandas as pd

from .budget import LINES, window_sum
from .errors import MppError
from .results import RunResult

COLUMNS = ["what", "scenario", "variant", "period", "value_a", "value_b", "delta", "unit"]
WINDOW_PERIOD = re.compile(r"\d{4}-\d{4}")  # the period of a window total, e.g. 2026-2030
YEAR_END = {"ind.pending.asylum": "cases", "coa.capacity_need": "places", "coa.statushouders": "persons",
            "ukraine.municipal_places": "places"}


def _rows(result: RunResult) -> dict[tuple, tuple[float, str]]:
    """(what, scenario, variant, period) -> (value, unit) for one run."""
    grid = result.grid
    years = grid.calendar_years
    span = "{}-{}".format(*result.window)
    out = {}
    for (scenario, variant) in result.penalties:
        metrics = result.chain(scenario, variant).metrics
        for year, months in grid.year_spans.items():
            end = months.stop - 1
            out[("inflow.total", scenario, variant, str(year))] = (float(metrics["inflow.total"][months].sum()),
                                                                  "persons")
            for metric, unit in YEAR_END.items():
                out[(metric, scenario, variant, f"{year}-12-31")] = (float(metrics[metric][end]), unit)
        yearly = result.yearly_penalties[(scenario, variant, "total")]
        for index, year in enumerate(years):
            out[("penalties.accrued", scenario, variant, str(year))] = (float(yearly["amount_eur"][index]), "EUR")
        out[("penalties.accrued", scenario, variant, span)] = (result.window_total(scenario, variant)[0], "EUR")
        in_window = {}
        for row in result.budget_rows(scenario, variant):
            out[(f"budget.{row.line}", scenario, variant, str(row.year))] = (row.amount_eur, "EUR")
            if result.window[0] <= row.year <= result.window[1]:
                in_window.setdefault(row.line, []).append(row.amount_eur)
        for line, amounts in in_window.items():  # a gap in a year leaves the total blank
            out[(f"budget.{line}", scenario, variant, span)] = (window_sum(amounts), "EUR")
    return out


Comparison = namedtuple("Comparison", COLUMNS)


def comparison_rows(a: RunResult, b: RunResult) -> list[Comparison]:
    """what, scenario, variant, period, value_a, value_b, delta (b - a), unit, for everything both runs have:
    in the order of the mutation table, each scenario and variant in years, year ends, then the window."""
    if (a.grid.start, a.grid.end) != (b.grid.start, b.grid.end) or a.window != b.window:
        raise MppError("compare: both runs need the same horizon and window")
    rows_a, rows_b = _rows(a), _rows(b)
    keys = [k for k in rows_a if k in rows_b]
    order = {name: i for i, name in enumerate(["inflow.total", *YEAR_END, "penalties.accrued",
                                               *(f"budget.{line}" for line in LINES)])}
    periods = {k[3]: period_order(k[3]) for k in keys}  # a few periods, many keys
    keys.sort(key=lambda k: (order.get(k[0], 99), k[1], k[2], *periods[k[3]]))
    return [Comparison(*k, rows_a[k][0], rows_b[k][0], rows_b[k][0] - rows_a[k][0], rows_a[k][1]) for k in keys]


def period_order(period) -> tuple:
    """Years and year ends in time order; a window total (e.g. 2024-2027) after them."""
    period = str(period)
    return WINDOW_PERIOD.fullmatch(period) is not None, period


def comparison_frame(a: RunResult, b: RunResult) -> pd.DataFrame:
    """``comparison_rows`` as the compare.csv table."""
    return pd.DataFrame(comparison_rows(a, b), columns=COLUMNS)
