"""The backtest panel: every MPP edition's published forecast against what happened.

Forecasts and realised figures come from the editions record (``data/editions.csv``); a figure that is not
published stays blank and is never filled in. Inflow totals are compared year by year; an edition's COA
capacity need on 1 January is compared with the realised COA occupancy on the day before, where both are
published (need includes the occupancy norm's buffer, so it lies above occupancy when it is right); its
``year`` is the year that ends on the day before (the need on 1 Jan 2024 is a forecast of the end of 2023).
``lead_years`` = forecast year − publication year (0 = the year of publication); ``error`` = forecast −
realised; ``error_pct`` = 100 × error / realised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .editions import REALISED, published_record

METRIC_NEED = "coa.capacity_need_vs_occupancy"  # the need on 1 January against the occupancy of 31 December
COLUMNS = ["edition", "published", "scenario", "year", "metric", "forecast", "realised", "error", "error_pct",
           "lead_years"]
SUMMARY_COLUMNS = ["metric", "scenario", "lead_years", "forecasts", "with_realised", "mean_error_pct",
                   "sd_error_pct", "mean_abs_error_pct", "inside_min_max", "min_max_pairs"]


def _realised(record: pd.DataFrame) -> dict[tuple[str, str], tuple[float, str]]:
    """(metric, period) -> (value, note) of the realised figures; inflow by year, occupancy by date."""
    rows = record[record.edition == REALISED]
    return {(r.metric, str(r.year)): (float(r.value), "" if pd.isna(r.note) else str(r.note)) for r in rows.itertuples()}


def backtest_frame() -> pd.DataFrame:
    """One row per published forecast figure of every edition (edition, published, scenario, year, metric,
    forecast, realised, error, error_pct, lead_years); realised, error and error_pct blank where nothing is
    published to compare with."""
    record = published_record()
    realised = _realised(record)
    rows = []
    for r in record[record.edition != REALISED].itertuples():
        period = str(r.year)
        published_year = int(str(r.published)[:4])
        if r.metric == "inflow.total":
            actual = realised.get(("inflow.total", period), (np.nan, ""))[0]
            year = int(period)
            metric = "inflow.total"
        elif r.metric == "coa.capacity_need":
            day_before = (np.datetime64(period) - 1).astype(str)  # the need on 1 January vs occupancy on 31 Dec
            actual = realised.get(("coa.occupancy", day_before), (np.nan, ""))[0]
            year = int(day_before[:4])  # a need for 1 January is a forecast of the year end before it
            metric = METRIC_NEED
        else:
            continue
        error = r.value - actual
        rows.append((r.edition, str(r.published), r.scenario, year, metric, float(r.value), actual, error,
                     100.0 * error / actual if actual == actual and actual else np.nan, year - published_year))
    return pd.DataFrame(rows, columns=COLUMNS)


def backtest_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per metric and lead (0, 1, 2 years ahead): bias and spread of the relative error per scenario, and a
    row ``scenario = min-max`` with how often the realised value fell inside an edition's [min, max]
    (counted where both bounds and the realised value are published)."""
    rows = []
    for (metric, lead), at_lead in frame.groupby(["metric", "lead_years"], sort=True):
        for scenario, group in at_lead.groupby("scenario", sort=False):
            known = group.dropna(subset=["error_pct"])
            rows.append((metric, scenario, int(lead), len(group), len(known),
                         known.error_pct.mean() if len(known) else np.nan,
                         known.error_pct.std(ddof=1) if len(known) > 1 else np.nan,
                         known.error_pct.abs().mean() if len(known) else np.nan, np.nan, np.nan))
        pairs = inside = 0
        for _, same in at_lead.groupby(["edition", "year"]):
            bounds = same.set_index("scenario").forecast
            actual = same.realised.dropna()
            if {"min", "max"} <= set(bounds.index) and not actual.empty:
                pairs += 1
                inside += int(bounds["min"] <= actual.iloc[0] <= bounds["max"])
        if pairs:
            rows.append((metric, "min-max", int(lead), pairs, pairs, np.nan, np.nan, np.nan, inside, pairs))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def forecast_errors(metric: str = "inflow.total", scenario: str = "medio") -> dict[int, np.ndarray]:
    """The record of relative forecast errors (forecast / realised − 1, a fraction) per lead in years: the data a
    Monte Carlo spread of inflow can be drawn from (``simulate --spread backtest``)."""
    frame = backtest_frame()
    frame = frame[(frame.metric == metric) & (frame.scenario == scenario)].dropna(subset=["error_pct"])
    return {int(lead): group.error_pct.to_numpy() / 100.0 for lead, group in frame.groupby("lead_years")}
