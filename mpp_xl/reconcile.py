"""Published figures next to the model's: ``mpp-xl reconcile``.

Bounds are the tolerances the tests hold (blank where the README explains why a figure is not reconciled).
"""

from __future__ import annotations

import io
from importlib import resources

import numpy as np
import pandas as pd

from .model import RunResult


def _at(result: RunResult, metric: str, month: str, scenario: str = "medio") -> float:
    grid = result.grid
    return float(result.chain(scenario).metrics[metric][np.flatnonzero(grid.months == np.datetime64(month))[0]])


def model_values(result: RunResult) -> dict[str, float]:
    grid = result.grid
    medio = result.chain("medio")
    wait = medio.queues["asylum"].mean_wait_weeks_over(grid.years == 2024)
    over_15 = _at(result, "ind.pending_over_15m.asylum", "2024-04")
    monthly = result.penalty_monthly_frame()
    monthly = monthly[(monthly.scenario == "medio") & (monthly.variant == "base")]
    paid = monthly.assign(year=monthly.date.str[:4].astype(int)).groupby("year")[
        ["court_penalty_eur", "repeat_penalty_eur", "admin_penalty_eur"]].sum().sum(axis=1)
    table = result.penalty_frame()
    total = table[(table.scenario == "medio") & (table.track == "total")]
    delta = result.window_total("medio", "all_undone")[1] if "all_undone" in result.variants else float("nan")
    notices = total[total.variant == "base"].set_index("year").notices
    return {
        "coa.capacity_need medio 1 Jan 2026": _at(result, "coa.capacity_need", "2025-12"),
        "coa.capacity_need_amv medio 1 Jan 2026": _at(result, "coa.capacity_need_amv", "2025-12"),
        "ind.pending.asylum end 2022": _at(result, "ind.pending.asylum", "2022-12"),
        "ind.pending.asylum end 2023": _at(result, "ind.pending.asylum", "2023-12"),
        "ind.pending.asylum end 2024 (medio)": _at(result, "ind.pending.asylum", "2024-12"),
        "ind.pending.nareis end 2022": _at(result, "ind.pending.nareis", "2022-12"),
        "ind.pending.nareis end 2023": _at(result, "ind.pending.nareis", "2023-12"),
        "ind.pending.nareis end 2024 (persons)": _at(result, "ind.pending.nareis", "2024-12"),
        "ind.mean_wait_weeks.asylum 2024": wait,
        "ind asylum waiting 6-15 months Apr 2024": _at(result, "ind.pending_over_6m.asylum", "2024-04") - over_15,
        "ind asylum waiting over 15 months Apr 2024": over_15,
        "coa.occupancy end 2022": _at(result, "coa.occupancy", "2022-12"),
        "coa.occupancy Dec 2023": _at(result, "coa.occupancy", "2023-12"),
        "ukraine.stock 1 Jul 2025": _at(result, "ukraine.stock", "2025-06"),
        "ukraine.municipal_places 1 Jul 2025": _at(result, "ukraine.municipal_places", "2025-06"),
        "penalty delta all_undone 2024-2027 medio (EUR)": delta,
        "penalties paid 2022 excl. costs (EUR)": float(paid.get(2022, np.nan)),
        "penalties paid 2023 excl. costs (EUR)": float(paid.get(2023, np.nan)),
        "penalties paid 2024 excl. costs (EUR)": float(paid.get(2024, np.nan)),
        "notices of default 2022": float(notices.get(2022, np.nan)),
        "notices of default 2023": float(notices.get(2023, np.nan)),
    }


def reconciliation(result: RunResult) -> pd.DataFrame:
    text = resources.files("mpp_xl").joinpath("data/published_figures.csv").read_text(encoding="utf-8")
    published = pd.read_csv(io.StringIO(text))
    values = model_values(result)
    published["model"] = published["check"].map(values)
    inside = (published["model"] >= published["low"]) & (published["model"] <= published["high"])
    published["status"] = np.where(published["low"].isna(), "not reconciled (see README)",
                                   np.where(inside, "within bounds", "OUTSIDE bounds"))
    return published[["check", "published", "model", "low", "high", "status", "source"]]
