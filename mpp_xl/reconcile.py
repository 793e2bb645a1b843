"""Published figures next to the model's: ``mpp-xl reconcile``.

The figures, their sources, their role (``target``: a tuned assumption serves it; ``check``: nothing was
tuned to it; ``derived``: an assumption is computed from it by arithmetic, so the row shows the model
reproduces what it was given) and their tolerance are data (``data/published_figures.csv``); this module only knows how to
read each figure off a run.
"""

from __future__ import annotations

import io
from dataclasses import replace
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
    index = int(np.flatnonzero(result.grid.calendar_years == year)[0])
    if kind == "penalty.notices":
        return float(yearly["notices"][index])
    if kind == "penalty.paid":  # penalty payments on the cash basis; legal costs are not in the IND's figure
        months = result.grid.years == year
        return float(sum(tp.paid[c][months].sum() for tp in result.penalties[("medio", "base")].tracks.values()
                         for c in ("court_penalty", "repeat_penalty", "admin_penalty")))
    if kind == "penalty.delta_all_undone":
        return result.window_total("medio", "all_undone")[1] if "all_undone" in result.variants else np.nan
    raise MppError(f"published_figures.csv: no rule to read figure '{figure}' off a run")


def reconciliation(result: RunResult, contradictions: pd.DataFrame | None = None) -> pd.DataFrame:
    """figure, source, role, published, model, lower, upper, holds (+ description, unit, note, and contradicted:
    whether the figure is part of a contradiction between published figures that ``conflicts`` names; pass
    ``conflicts(result)`` when the caller has it already)."""
    table = published_figures()
    lower, upper = bounds(table)
    model = [model_value(result, f, d) for f, d in zip(table["figure"], table["date"])]
    out = pd.DataFrame({"figure": table["figure"], "source": table["source"], "role": table["role"],
                        "published": table["value"], "model": model, "lower": lower, "upper": upper})
    reconciled = out["lower"].notna()
    out["holds"] = np.where(reconciled, (out["model"] >= out["lower"]) & (out["model"] <= out["upper"]), pd.NA)
    out["description"], out["unit"], out["note"] = table["description"], table["unit"], table["note"].fillna("")
    contradictions = conflicts(result) if contradictions is None else contradictions
    named = {f.strip() for row in contradictions.itertuples() if row.conflict == "yes" for f in row.figures.split(",")}
    out["contradicted"] = out["figure"].isin(named)  # part of a contradiction between published figures
    return out


CONFLICT_COLUMNS = ["figures", "identity", "left", "right", "gap", "tolerance", "conflict"]


def _figure(table: pd.DataFrame, name: str) -> pd.Series:
    return table.set_index("figure").loc[name]


def conflicts(result: RunResult) -> pd.DataFrame:
    """Published figures that contradict each other under the model's identities (medio, base).

    Each row names the figures, the identity that links them, its two sides and whether the gap exceeds what
    the figures' own tolerances allow: a contradiction no assumption can tune away.
    - Stock-flow: pending end = pending start + filings - decisions (asylum 2023; filings are the model's
      inputs: realised first and repeat applications).
    - Order of work: the over-15-months stock of April 2024 is smallest when every decision the priority
      tracks leave goes to the oldest cases; the share of 2024 decisions within 15 months that this order
      gives is then the most those decisions allow while the stock figure holds (or, where even that order
      leaves more over 15 months than the figure allows, the stock figure against that least value)."""
    table = published_figures()
    lower, upper = bounds(table)
    table = table.assign(lower=lower, upper=upper)
    chain = result.chain("medio")
    grid = result.grid
    rows = []

    start, end = _figure(table, "ind.pending.asylum.2022"), _figure(table, "ind.pending.asylum.2023")
    decided = _figure(table, "ind.decisions_in_year.asylum.2023")
    filings = float(chain.metrics["ind.filings.asylum"][grid.years == 2023].sum())
    implied = start["value"] + filings - decided["value"]
    # independent errors of the three figures add in quadrature
    slack = float(np.sqrt(sum((f["upper"] - f["value"]) ** 2 for f in (start, end, decided))))
    rows.append(("ind.pending.asylum.2022, ind.decisions_in_year.asylum.2023, ind.pending.asylum.2023",
                 f"pending end 2022 + filings 2023 ({filings:,.0f}, model input) - decisions 2023 = pending end 2023",
                 implied, end["value"], implied - end["value"], slack))

    over = _figure(table, "ind.waiting_over_15m.asylum.2024-04")
    share = _figure(table, "ind.share_within_15m.asylum.2024")
    oldest = oldest_first_bound(result)
    if oldest["over_15m"] <= over["upper"]:  # the stock figure can hold: what does the share become then?
        rows.append(("ind.waiting_over_15m.asylum.2024-04, ind.share_within_15m.asylum.2024",
                     f"every non-priority decision 2022-2024 oldest first gives the least over-15-months stock of "
                     f"April 2024 ({oldest['over_15m']:,.0f}); the share of 2024 decisions within 15 months is then",
                     oldest["within_15m"], share["value"], oldest["within_15m"] - share["value"],
                     share["value"] - share["lower"]))
    else:
        rows.append(("ind.waiting_over_15m.asylum.2024-04",
                     "the least over-15-months stock of April 2024 the published decisions allow (every non-priority "
                     "decision 2022-2024 oldest first) against the published stock",
                     oldest["over_15m"], over["value"], oldest["over_15m"] - over["value"],
                     over["upper"] - over["value"]))

    out = pd.DataFrame(rows, columns=CONFLICT_COLUMNS[:-1])
    out["conflict"] = np.where(out["gap"].abs() > out["tolerance"], "yes", "no")
    return out


def oldest_first_bound(result: RunResult) -> dict[str, float]:
    """The asylum queue of medio/base re-run with every non-priority decision oldest first up to 2024
    (no newest-first or spread share; the same capacity, filings and legal chain): the over-15-months stock at
    the end of April 2024 and the share of 2024 decisions within 15 months."""
    from .assumptions import Assumption
    from .chain import run_front
    aset = result.variant_set("base")
    end = np.datetime64("2024-12-31")
    layer = tuple(Assumption(name, "all", np.datetime64(str(result.grid.start) + "-01"), end, 0.0, "share",
                             "reconcile: oldest first", "reconcile") for name in
                  ("ind.newest_first_share.asylum", "ind.spread_share.asylum"))
    queue = run_front(aset.with_layer("reconcile oldest first", layer), "medio", result.grid).queues["asylum"]
    april = int(np.flatnonzero(result.grid.months == np.datetime64("2024-04"))[0])
    return {"over_15m": float(queue.pending_older_than(15)[april]),
            "within_15m": queue.share_decided_within(15, result.grid.years == 2024)}


SENSITIVITY_STEP = 0.05  # each tuned assumption moved 5 % down and up


def tuned_parameters(aset) -> tuple[str, ...]:
    """Parameters with a record whose source says it was tuned or calibrated (the README's calibration table)."""
    names = {r.parameter for _, r in aset.records() if "tuned" in r.source or "calibrated" in r.source}
    return tuple(sorted(names))


def sensitivity(aset, grid=None) -> pd.DataFrame:
    """For every calibration target (role target), how much each tuned assumption moves it when all its records
    move 5 % down and up (medio; the letter's delta with all_undone): figure, parameter, model, down, up (both
    as relative changes of the model's value)."""
    from .model import run_model
    table = published_figures()
    targets = table[table["role"] == "target"]
    names = list(dict.fromkeys([*targets["figure"], "penalty.delta_all_undone.2024-2027"]))  # the delta once
    dates = dict(zip(table["figure"], table["date"]))

    def values(assumptions):
        result = run_model(assumptions, grid, ["medio"], ["all_undone"])
        return np.array([model_value(result, f, dates[f]) for f in names])

    base = values(aset)
    rows = []
    for parameter in tuned_parameters(aset):
        moved = []
        for factor in (1 - SENSITIVITY_STEP, 1 + SENSITIVITY_STEP):
            layer = tuple(replace(r, value=min(r.value * factor, 1.0) if r.unit == "share" else r.value * factor,
                                  origin="sensitivity") for _, r in aset.records() if r.parameter == parameter)
            moved.append(values(aset.with_layer(f"sensitivity {parameter} x{factor:g}", layer)))
        for i, figure in enumerate(names):
            scale = abs(base[i]) if base[i] else 1.0
            down, up = (moved[0][i] - base[i]) / scale, (moved[1][i] - base[i]) / scale
            if max(abs(down), abs(up)) > 1e-9:
                rows.append((figure, parameter, base[i], down, up))
    return pd.DataFrame(rows, columns=["figure", "parameter", "model", "down", "up"])
