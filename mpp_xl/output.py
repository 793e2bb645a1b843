"""Writing results: every file complete or not at all, each carrying its provenance."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import MppError
from .model import RunResult
from .report import chart_pngs, results_workbook
from .variants import BASE

FLOAT_FORMAT = "%.4f"
CHART_FILES = ("inflow.png", "ind_pending.png", "coa_need.png", "penalties.png")
OUTPUT_FILES = ("projection.csv", "penalties.csv", "penalties_monthly.csv", "budget.csv", "cohorts.csv",
                "wait_times.csv", "assumptions_used.csv", "results.xlsx", *CHART_FILES, "provenance.json")


def run_date() -> str:
    """Today, or the date fixed by SOURCE_DATE_EPOCH (for byte-identical reruns)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return when.date().isoformat()


def provenance_line(result: RunResult) -> str:
    p = result.provenance
    return (f"# mpp-xl {p['package_version']}; assumptions: {p['assumption_set']}; hash: {p['assumptions_hash']}; "
            f"variants: {p['variants']} (hash {p['variants_hash']}); horizon: {p['horizon']}; window: {p['window']}\n")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defused(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (it then shows as text)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _csv(frame: pd.DataFrame) -> str:
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or str(safe[column].dtype).startswith(("string", "str")):
            safe[column] = safe[column].map(defused)
    return safe.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def csv_text(frame: pd.DataFrame, result: RunResult) -> str:
    return provenance_line(result) + _csv(frame)


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


RESULT_NAMES = set(OUTPUT_FILES) | {"comparison.csv", "backtest.csv", "backtest_summary.csv"}
_TEMP_MARK = ".mpp-tmp-"
_OLD_MARK = ".mpp-old-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists but belongs to someone else
    return True


def _clean_leftovers(folder: Path) -> None:
    """Tidy up after killed runs (their process is gone): a previous results folder that a run had moved aside
    comes back if nothing took its place; half-written new folders are removed."""
    for mark in (_OLD_MARK, _TEMP_MARK):
        for leftover in folder.parent.glob(f".{folder.name}{mark}*"):
            pid = leftover.name.rsplit("-", 1)[-1]
            if not leftover.is_dir() or leftover.is_symlink() or not pid.isdigit() or _pid_alive(int(pid)):
                continue
            if mark == _OLD_MARK and not folder.exists():
                os.replace(leftover, folder)
            else:
                shutil.rmtree(leftover, ignore_errors=True)


def write_folder(folder: str | Path, contents: dict[str, str | bytes], protected: tuple[Path, ...] = ()) -> Path:
    """Results appear whole or not at all: every file is written into a new hidden folder beside ``folder``,
    which then replaces it by rename. ``folder`` may hold only files mpp-xl writes (nothing the user gave is
    ever moved or lost); leftovers of a killed run are removed at the next run."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise MppError(f"--out {folder}: exists and is not a folder")
    if folder.is_symlink():
        raise MppError(f"--out {folder}: is a symbolic link; give the folder itself")
    for target in (folder / name for name in contents):
        if any(target.resolve() == p.resolve() for p in protected):
            raise MppError(f"--out {folder}: would overwrite your input file {target}; choose another folder")
    if folder.is_dir():
        foreign = sorted(p.name for p in folder.iterdir() if p.name not in RESULT_NAMES)
        if foreign:
            raise MppError(f"--out {folder}: holds files mpp-xl did not write ({foreign[0]}"
                           f"{' and more' if len(foreign) > 1 else ''}); choose an empty folder or a results folder")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        _clean_leftovers(folder)
        temp = folder.parent / f".{folder.name}{_TEMP_MARK}{os.getpid()}"
        old = folder.parent / f".{folder.name}{_OLD_MARK}{os.getpid()}"
        shutil.rmtree(temp, ignore_errors=True)
        temp.mkdir()
        try:
            for name, data in contents.items():
                with os.fdopen(os.open(temp / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb") as stream:
                    stream.write(data.encode("utf-8") if isinstance(data, str) else data)
            if folder.exists():
                os.replace(folder, old)
                try:
                    os.replace(temp, folder)
                except BaseException:  # an error or an interrupt between the renames: the previous results return
                    if not folder.exists():
                        os.replace(old, folder)
                    raise
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(temp, folder)
        finally:
            shutil.rmtree(temp, ignore_errors=True)
    except OSError as exc:
        raise MppError(f"--out {folder}: cannot write results ({exc.strerror or exc})") from None
    return folder


def write_results(result: RunResult, folder: str | Path, protected: tuple[Path, ...] = ()) -> list[Path]:
    """Write the output contract to ``folder``; refuse to overwrite any file in ``protected`` (user input)."""
    folder = Path(folder)
    targets = [folder / name for name in OUTPUT_FILES]
    rows = result.aset.table_rows() + [rec.as_row() + (f"variant {name}",) for name, variant in
                                        result.variants.items() for rec in variant.records]
    assumptions = pd.DataFrame(rows, columns=["parameter", "scenario", "from", "to", "value", "unit", "source", "layer"])
    provenance = dict(result.provenance, run_date=run_date(), files=list(OUTPUT_FILES[:-1]))
    contents = {
        "projection.csv": csv_text(result.projection_frame(), result),
        "penalties.csv": csv_text(result.penalty_frame(), result),
        "penalties_monthly.csv": csv_text(result.penalty_monthly_frame(), result),
        "budget.csv": csv_text(result.budget_frame(), result),
        "cohorts.csv": csv_text(result.cohort_frame(), result),
        "wait_times.csv": csv_text(result.wait_frame(), result),
        "assumptions_used.csv": csv_text(assumptions, result),
        "results.xlsx": results_workbook(result),
        **chart_pngs(result),
        "provenance.json": json.dumps(provenance, indent=2, sort_keys=True) + "\n",
    }
    write_folder(folder, contents, protected)
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
    target = folder / "comparison.csv"
    a, b = results
    header = (f"# mpp-xl {a.provenance['package_version']}; A: {a.aset.name} (hash {a.aset.digest}); "
              f"B: {b.aset.name} (hash {b.aset.digest}); delta = B - A; window {a.window[0]}-{a.window[1]}\n")
    provenance = {"run_date": run_date(), "a": a.provenance, "b": b.provenance, "files": ["comparison.csv"]}
    write_folder(folder, {"comparison.csv": header + _csv(frame),
                          "provenance.json": json.dumps(provenance, indent=2, sort_keys=True) + "\n"}, protected)
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
    """Write CSV tables (each with a comment header line) to ``folder``, whole or not at all."""
    return write_folder(folder, {name: header + _csv(frame) for name, frame in tables.items()})
