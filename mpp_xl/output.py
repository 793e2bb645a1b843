"""Writing results: every file complete or not at all, each carrying its provenance."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import MppError
from .model import RunResult
from .variants import BASE

FLOAT_FORMAT = "%.4f"
OUTPUT_FILES = ("projection.csv", "penalties.csv", "penalties_monthly.csv", "budget.csv", "cohorts.csv",
                "wait_times.csv", "assumptions_used.csv", "provenance.json")


def run_date() -> str:
    """Today, or the date fixed by SOURCE_DATE_EPOCH (for byte-identical reruns)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return when.date().isoformat()


def provenance_line(result: RunResult) -> str:
    p = result.provenance
    return (f"# mpp-xl {p['package_version']}; assumptions: {p['assumption_set']}; hash: {p['assumptions_hash']}; "
            f"horizon: {p['horizon']}\n")


def csv_text(frame: pd.DataFrame, result: RunResult) -> str:
    return provenance_line(result) + frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def atomic_write_many(folder: Path, contents: dict[str, str | bytes]) -> None:
    """Write every file (text as UTF-8, or bytes) to a temporary name first, then rename them all: no file
    is ever half-written, and a failure leaves the previous files as they were."""
    folder.mkdir(parents=True, exist_ok=True)
    staged = []
    try:
        for name, data in contents.items():
            handle, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
            staged.append((temp, folder / name))
            with os.fdopen(handle, "wb") as stream:
                stream.write(data.encode("utf-8") if isinstance(data, str) else data)
        umask = os.umask(0)
        os.umask(umask)
        for temp, final in staged:
            os.chmod(temp, 0o666 & ~umask)  # mkstemp creates 0600; results are ordinary files
            os.replace(temp, final)
    finally:
        for temp, _ in staged:
            if os.path.exists(temp):
                os.remove(temp)


def write_results(result: RunResult, folder: str | Path, protected: tuple[Path, ...] = ()) -> list[Path]:
    """Write the output contract to ``folder``; refuse to overwrite any file in ``protected`` (user input)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise MppError(f"--out {folder}: exists and is not a folder")
    targets = [folder / name for name in OUTPUT_FILES]
    for target in targets:
        if any(target.resolve() == p.resolve() for p in protected):
            raise MppError(f"--out {folder}: would overwrite your input file {target}; choose another folder")
    assumptions = pd.DataFrame(result.aset.table_rows(),
                               columns=["parameter", "scenario", "from", "to", "value", "unit", "source", "layer"])
    provenance = dict(result.provenance, run_date=run_date(), files=list(OUTPUT_FILES[:-1]))
    contents = {
        "projection.csv": csv_text(result.projection_frame(), result),
        "penalties.csv": csv_text(result.penalty_frame(), result),
        "penalties_monthly.csv": csv_text(result.penalty_monthly_frame(), result),
        "budget.csv": csv_text(result.budget_frame(), result),
        "cohorts.csv": csv_text(result.cohort_frame(), result),
        "wait_times.csv": csv_text(result.wait_frame(), result),
        "assumptions_used.csv": csv_text(assumptions, result),
        "provenance.json": json.dumps(provenance, indent=2, sort_keys=True) + "\n",
    }
    try:
        atomic_write_many(folder, contents)
    except OSError as exc:
        raise MppError(f"--out {folder}: cannot write results ({exc.strerror or exc})") from None
    return targets


# ---------------------------------------------------------------- the printed summary

def _fmt(frame: pd.DataFrame) -> str:
    return frame.to_string(float_format=lambda v: f"{v:,.0f}")


def summary_text(result: RunResult) -> str:
    grid = result.grid
    years = np.unique(grid.years)
    lines = [f"mpp-xl {result.provenance['package_version']} | {result.aset.name} | hash {result.aset.digest} | "
             f"{grid.start}..{grid.end}", ""]

    rows = []
    for scenario in result.scenarios:
        m = result.chain(scenario).metrics
        for year in years:
            sel = grid.years == year
            rows.append({"scenario": scenario, "year": year,
                         **{c: m[f"inflow.{c}"][sel].sum() for c in ("first", "nareis", "repeat", "resettlement",
                                                                      "total")}})
    lines += ["Inflow per year and category (persons)", _fmt(pd.DataFrame(rows).set_index(["scenario", "year"])), ""]

    rows = []
    for scenario in result.scenarios:
        chain = result.chain(scenario)
        m, asylum = chain.metrics, chain.queues["asylum"]
        for year in years:
            sel = np.flatnonzero(grid.years == year)
            end = sel[-1]
            rows.append({"scenario": scenario, "year": year, "pending asylum": m["ind.pending.asylum"][end],
                         "pending nareis": m["ind.pending.nareis"][end],
                         "decisions asylum": m["ind.decisions.asylum"][sel].sum(),
                         "mean wait (weeks)": asylum.mean_wait_weeks_over(grid.years == year),
                         "asylum >6m": m["ind.pending_over_6m.asylum"][end],
                         "asylum >15m": m["ind.pending_over_15m.asylum"][end]})
    lines += ["IND at year end (cases; mean wait of the year's asylum decisions)",
              _fmt(pd.DataFrame(rows).set_index(["scenario", "year"])), ""]

    rows = []
    for scenario in result.scenarios:
        m = result.chain(scenario).metrics
        for year in years:
            end = np.flatnonzero(grid.years == year)[-1]
            rows.append({"scenario": scenario, "1 January": year + 1, "COA occupancy": m["coa.occupancy"][end],
                         "capacity need": m["coa.capacity_need"][end],
                         "shortfall vs 96,000": m["coa.spreidingswet_shortfall"][end],
                         "permit holders": m["coa.statushouders"][end], "amv need": m["coa.capacity_need_amv"][end],
                         "Ukraine": m["ukraine.stock"][end], "Ukraine municipal": m["ukraine.municipal_places"][end]})
    lines += ["COA and Ukraine on 1 January (persons / places)",
              _fmt(pd.DataFrame(rows).set_index(["scenario", "1 January"])), ""]

    first, last = result.window
    lines += budget_summary(result), ""
    frame = result.penalty_frame()
    window = frame[(frame["track"] == "total") & frame["year"].between(first, last)]
    totals = window.groupby(["scenario", "variant"], sort=False)[["amount_eur", "amount_paid_eur",
                                                                  "delta_vs_base_eur"]].sum() / 1e6
    columns = {}
    for variant in result.variants:
        columns[f"total {variant}"] = totals["amount_eur"].xs(variant, level="variant")
        columns[f"paid {variant}"] = totals["amount_paid_eur"].xs(variant, level="variant")
    for variant in (v for v in result.variants if v != BASE):
        columns[f"delta {variant}"] = totals["delta_vs_base_eur"].xs(variant, level="variant")
    table = pd.DataFrame(columns).reindex(index=list(result.scenarios))
    lines += [f"Penalty payments and costs {first}-{last} in total (EUR million; total = accrued, "
              f"paid = cash basis; delta = variant - base)",
              table.to_string(float_format=lambda v: f"{v:,.1f}"), ""]

    per_year = frame[frame["track"] == "total"].pivot_table(index="year", columns=["scenario", "variant"],
                                                            values="amount_eur", sort=False) / 1e6
    lines += ["Penalty payments and costs per year, all tracks (EUR million, as accrued)",
              per_year.to_string(float_format=lambda v: f"{v:,.1f}"), ""]
    return "\n".join(lines)



def budget_summary(result: RunResult) -> str:
    """Budget lines per year of the window and in total, base variant (EUR million)."""
    from .budget import LINES
    first, last = result.window
    frame = result.budget_frame()
    frame = frame[(frame.variant == "base") & frame.year.between(first, last)]
    table = frame.pivot_table(index=["scenario", "line"], columns="year", values="amount_eur", sort=False,
                              dropna=False, aggfunc="sum", fill_value=np.nan) / 1e6
    table = table.reindex(pd.MultiIndex.from_product([list(result.scenarios), list(LINES)]))
    table[f"{first}-{last}"] = table.sum(axis=1, min_count=table.shape[1])
    table[f"{first}-{last}"] = table[f"{first}-{last}"].where(table.drop(columns=f"{first}-{last}").notna().all(axis=1))
    return (f"Budget lines {first}-{last}, variant base (EUR million; cash basis for penalties; blank = no price "
            f"known for that year; coa.oda_first_year is part of coa.total)\n"
            + table.to_string(float_format=lambda v: f"{v:,.1f}", na_rep=""))


def write_comparison(frame: pd.DataFrame, results, folder: str | Path, protected: tuple[Path, ...] = ()) -> Path:
    """comparison.csv (with a comment line naming both runs) and provenance.json, each whole or not at all."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise MppError(f"--out {folder}: exists and is not a folder")
    target = folder / "comparison.csv"
    if any(target.resolve() == p.resolve() for p in protected):
        raise MppError(f"--out {folder}: would overwrite your input file {target}; choose another folder")
    a, b = results
    header = (f"# mpp-xl {a.provenance['package_version']}; A: {a.aset.name} (hash {a.aset.digest}); "
              f"B: {b.aset.name} (hash {b.aset.digest}); delta = B - A; window {a.window[0]}-{a.window[1]}\n")
    provenance = {"run_date": run_date(), "a": a.provenance, "b": b.provenance, "files": ["comparison.csv"]}
    try:
        atomic_write_many(folder, {
            "comparison.csv": header + frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n"),
            "provenance.json": json.dumps(provenance, indent=2, sort_keys=True) + "\n"})
    except OSError as exc:
        raise MppError(f"--out {folder}: cannot write results ({exc.strerror or exc})") from None
    return target


def comparison_summary(frame: pd.DataFrame, results) -> str:
    """The medio (or first scenario's) base rows: inflow, COA need and budget lines per year and window."""
    a, b = results
    scenario = "medio" if "medio" in a.scenarios else a.scenarios[0]
    shown = frame[(frame.scenario == scenario) & (frame.variant == "base")
                  & frame.what.isin(["inflow.total", "coa.capacity_need", "penalties.accrued", "budget.coa.total",
                                     "budget.ukraine.municipal", "budget.ind.penalties.paid", "budget.total"])]
    shown = shown.set_index(["what", "period"])[["value_a", "value_b", "delta"]]
    return (f"A: {a.aset.name}\nB: {b.aset.name}\n{scenario}, variant base; delta = B - A (persons, places or "
            f"EUR; every row in comparison.csv)\n" + shown.to_string(float_format=lambda v: f"{v:,.0f}", na_rep=""))


def write_tables(folder: str | Path, tables: dict[str, pd.DataFrame], header: str) -> Path:
    """Write CSV tables (each with a comment header line) to ``folder``, each whole or not at all."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise MppError(f"--out {folder}: exists and is not a folder")
    contents = {name: header + frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
                for name, frame in tables.items()}
    try:
        atomic_write_many(folder, contents)
    except OSError as exc:
        raise MppError(f"--out {folder}: cannot write results ({exc.strerror or exc})") from None
    return folder
