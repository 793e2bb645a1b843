"""Published figures next to the model's: ``mpp-xl reconcile``.

The figures, their sources, their role (``target``: a tuned assumption serves it; ``check``: nothing was
tuned to it; ``derived``: an assumption is computed from it by arithmetic, so the row shows the model
reproduces what it was given) and their tolerance are data (``data/published_figures.csv``); this module only knows how to
read each figure off a run.
"""

from __future__ import annotations

import io
from importlib import resources

import numpy as np
import pandas as pd

from .errors import MppError
from .results import RunResult

COLUMNS = ["figure", "source", "role", "published", "model", "lower", "upper", "holds"]


def published_figures() -> pd.DataFrame:
    text = resources.files("mpp_xl").joinpath("data/published_figures.csv").read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text), dtype={"note": str}, keep_default_na=True)


def bounds(table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Lower and upper bound of each figure from its tolerance (NaN where none is given)."""
    value, tol, kind = table["value"], table["tolerance"], table["tolerance_kind"]
    lower = np.select([kind == "relative", kind == "absolute", kind == "factor"],
                      [value * (1 - tol), value - tol, value / tol], np.nan)
    upper = np.select([kind == "relative", kind == "absolute", kind == "factor"],
                      [value * (1 + tol), value + tol, value * tol], np.nan)
    return pd.Series(lower, index=table.index), pd.Series(upper, index=table.index)


def _month(result: RunResult, date: str) -> int:
    hits = np.flatnonzero(result.grid.months == np.datetime64(date[:7]))
    if not hits.size:
        raise MppError(f"reconcile needs {date[:7]} on the horizon {result.grid.start}..{result.grid.end}")
    return int(hits[0])


def model_value(result: RunResult, figure: str, date: str) -> float:
    """The model's value of one published figure (medio, base)."""
    chain = result.chain("medio")
    metrics, asylum = chain.metrics, chain.queues["asylum"]
    year = int(date[:4])
    in_year = result.grid.years == year
    kind = figure.rsplit(".", 1)[0]
    if kind in ("ind.pending.asylum", "ind.pending.nareis", "coa.capacity_need", "coa.permit_holder_share",
                "coa.capacity_need_amv", "coa.occupancy", "ukraine.stock", "ukraine.municipal_places",
                "ind.decisions.asylum"):
        return float(metrics[kind][_month(result, date)])
    if kind == "coa.housed":
        return float(metrics[kind][in_year].sum())
    if kind == "ind.decisions_in_year.asylum":
        return float(metrics["ind.decisions.asylum"][in_year].sum())
    if kind == "coa.outflow":
        return float(sum(flow[in_year].sum() for flow in chain.coa_exits.values()))
    if kind in ("ind.waiting_6_15m.asylum", "ind.waiting_over_15m.asylum"):
        t = _month(result, date)
        over_15 = float(metrics["ind.pending_over_15m.asylum"][t])
        return over_15 if "over_15m" in kind else float(metrics["ind.pending_over_6m.asylum"][t]) - over_15
    if kind == "ind.mean_wait_weeks.asylum":
        return asylum.mean_wait_weeks_over(in_year)
    if kind == "ind.share_within_15m.asylum":
        return asylum.share_decided_within(15, in_year)
    yearly = result.yearly_penalties[("medio", "base", "total")]
    index = int(np.flatnonzero(np.unique(result.grid.years) == year)[0])
    if kind == "penalty.notices":
        return float(yearly["notices"][index])
    if kind == "penalty.paid":  # penalty payments on the cash basis; legal costs are not in the IND's figure
        months = result.grid.years == year
        return float(sum(tp.paid[c][months].sum() for tp in result.penalties[("medio", "base")].tracks.values()
                         for c in ("court_penalty", "repeat_penalty", "admin_penalty")))
    if kind == "penalty.delta_all_undone":
        return result.window_total("medio", "all_undone")[1] if "all_undone" in result.variants else np.nan
    raise MppError(f"published_figures.csv: no rule to read figure '{figure}' off a run")


def reconciliation(result: RunResult) -> pd.DataFrame:
    """figure, source, role, published, model, lower, upper, holds (+ description, unit, note)."""
    table = published_figures()
    lower, upper = bounds(table)
    model = [model_value(result, f, d) for f, d in zip(table["figure"], table["date"])]
    out = pd.DataFrame({"figure": table["figure"], "source": table["source"], "role": table["role"],
                        "published": table["value"], "model": model, "lower": lower, "upper": upper})
    reconciled = out["lower"].notna()
    out["holds"] = np.where(reconciled, (out["model"] >= out["lower"]) & (out["model"] <= out["upper"]), pd.NA)
    out["description"], out["unit"], out["note"] = table["description"], table["unit"], table["note"].fillna("")
    return out
