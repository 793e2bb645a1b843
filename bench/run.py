"""Benchmarks: python bench/run.py --json FILE [--quick]

Prints a table and writes JSON with: recalc_ms_median, udf_calls, cached_ms_median, cases_per_second,
naive_ratio, peak_mem_mb, cores, and the scaling series. Medians over repeated runs; wall-clock times.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import openpyxl
from openpyxl.worksheet.formula import ArrayFormula

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.naive import simulate_loop  # noqa: E402
from mpp_xl import excel_api, udfs  # noqa: E402
from mpp_xl.assumptions import AssumptionSet  # noqa: E402
from mpp_xl.model import run_model  # noqa: E402
from mpp_xl.penalties import Ledger, draw_uniforms, read_params, simulate_chunk, simulate_penalties  # noqa: E402
from mpp_xl.timegrid import TimeGrid  # noqa: E402

WORKBOOK = ROOT / "workbooks" / "mpp_model.xlsm"


def timed(func, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        out.append(time.perf_counter() - start)
    return out


# ---------------------------------------------------------------- (1)(2) the workbook's UDF calls

def workbook_calls() -> tuple[list[tuple[str, list]], list[list]]:
    """Every UDF call in the workbook with its arguments resolved as Excel would pass them."""
    book = openpyxl.load_workbook(WORKBOOK)
    names = {}
    for name, defined in book.defined_names.items():
        sheet, ref = defined.attr_text.split("!")
        cells = book[sheet][ref.replace("$", "")]
        names[name] = ([[c.value for c in row] for row in cells] if isinstance(cells, tuple)
                       else cells.value)
    calls = []
    for ws in book:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, ArrayFormula):
                    match = re.fullmatch(r"=(MPP_[A-Z]+)\((.*)\)", cell.value.text)
                    args = [a.strip() for a in match.group(2).split(",")] if match.group(2) else []
                    calls.append((match.group(1), [a.strip('"') if a.startswith('"') else a for a in args]))
    return calls, names


def recalc(calls, names, rows) -> None:
    for function, args in calls:
        values = [rows if a == "Aannames" else names.get(a, a) for a in args]
        result = getattr(udfs, function)(*values)
        if str(result[0][0]).startswith("Fout"):
            raise RuntimeError(f"{function}{tuple(args)}: {result[0][0]}")


EDITS = {  # one record of the Aannames sheet per kind of edit: (parameter, its from-date, step)
    "ind": ("ind.capacity.asylum", "2025-01-01", 1),        # reaches everything: queues, COA, penalties
    "penalty": ("penalty.take_up.asylum", "2024-01-01", -0.001),  # the queue's legal chain, then COA and penalties
    "coa": ("coa.capacity_buffer", "2022-01-01", 1),        # COA only
}


def bench_workbook(repeat: int) -> dict:
    calls, names = workbook_calls()
    rows = names["Aannames"]
    excel_api.clear_caches()
    recalc(calls, names, rows)  # imports and first-use costs out of the way
    out = {"udf_calls": len(calls)}
    for kind, (parameter, start, step) in EDITS.items():
        index = next(i for i, r in enumerate(rows) if r[0] == parameter and str(r[2])[:10] == start)
        default = rows[index][4]
        counter = [0]

        def edit_and_recalculate():
            counter[0] += 1
            edited = [list(r) for r in rows]
            edited[index][4] = default + counter[0] * step  # a new value each time: a new hash
            recalc(calls, names, edited)

        out[f"recalc_ms_median_{kind}_edit"] = 1e3 * statistics.median(timed(edit_and_recalculate, repeat))
    out["recalc_ms_median"] = out["recalc_ms_median_ind_edit"]  # the worst case: an edit that reaches everything
    recalc(calls, names, rows)
    out["cached_ms_median"] = 1e3 * statistics.median(timed(lambda: recalc(calls, names, rows), repeat * 5))
    return out


# ---------------------------------------------------------------- (3)(4)(6) case-level simulation

def case_input(n: int, seed: int = 1):
    """``n`` noticed asylum cases drawn from the default medio run's legal record (one row per case)."""
    aset = AssumptionSet.default()
    result = run_model(aset, scenarios=["medio"], variants=["base"])
    grid = result.grid
    params = read_params(aset, "asylum", "medio", grid)
    rows = result.chain("medio").queues["asylum"].legal
    rng = np.random.default_rng(seed)
    cases = rows.take(rng.choice(rows.cases.size, size=n, p=rows.cases / rows.cases.sum()))
    cases = type(cases)(cases.notice, cases.heard, cases.decided, np.ones(n))
    return cases, None, params, grid  # no regime: deadlines are the queue's business


def bench_cases(sizes, repeat: int, naive_cases: int) -> dict:
    cores = os.cpu_count() or 1
    largest = max(sizes)
    cases, _, params, grid = case_input(largest)
    scaling = {}
    for n in sizes:
        part = cases.take(slice(0, n))
        times = timed(lambda: simulate_penalties(part, params, grid.size, 0, threads=cores), repeat)
        scaling[n] = statistics.median(times)
    tracemalloc.start()
    simulate_penalties(cases, params, grid.size, 0, threads=cores)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    sample = cases.take(slice(0, naive_cases))
    draws = draw_uniforms(np.random.default_rng(3), naive_cases)

    def vectorised():
        ledger = Ledger(grid.size)
        simulate_chunk(ledger, sample, params, draws)
        return ledger.close("asylum", params)

    loop_time = statistics.median(timed(lambda: simulate_loop(sample, params, grid.size, draws), 3))
    vector_time = statistics.median(timed(vectorised, repeat * 3))
    assert np.allclose(vectorised().total, sum(simulate_loop(sample, params, grid.size, draws)["amounts"].values()))
    return {"cases_per_second": largest / scaling[largest], "naive_ratio": loop_time / vector_time,
            "naive_cases_per_second": naive_cases / loop_time,
            "vectorised_single_thread_cases_per_second": naive_cases / vector_time,
            "peak_mem_mb": peak, "case_scaling_seconds": {str(k): v for k, v in scaling.items()}}


# ---------------------------------------------------------------- (5) horizon

def bench_horizon(years_list, repeat: int) -> dict:
    out = {}
    for years in years_list:
        grid = TimeGrid.from_text("2022-01", f"{2021 + years}-12")
        base = AssumptionSet.default()

        def run():
            run_model(AssumptionSet(base.name, base.layers, base.registry), grid)  # fresh caches each time

        out[str(years)] = statistics.median(timed(run, repeat))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", required=True, metavar="FILE")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and at most 10^6 cases")
    args = parser.parse_args(argv)
    repeat = 3 if args.quick else 15
    sizes = [10**4, 10**5, 10**6] if args.quick else [10**4, 10**5, 10**6, 10**7]

    results = {"cores": os.cpu_count() or 1}
    results.update(bench_workbook(repeat))
    results.update(bench_cases(sizes, 3 if args.quick else 5, 20_000 if args.quick else 100_000))
    results["horizon_scaling_seconds"] = bench_horizon([5, 10, 20, 40], 3)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")

    targets = [("full workbook recalculation (ms, median)", results["recalc_ms_median"], "<= 20"),
               ("  after a penalty-assumption edit (ms)", results["recalc_ms_median_penalty_edit"], ""),
               ("  after a COA-assumption edit (ms)", results["recalc_ms_median_coa_edit"], ""),
               ("UDF calls per recalculation", results["udf_calls"], "<= 12"),
               ("cached repeat (ms, median)", results["cached_ms_median"], "<= 1"),
               ("case-level simulation (cases/s)", results["cases_per_second"], ">= 20,000,000"),
               ("per-case Python loop slower by (x)", results["naive_ratio"], ">= 100"),
               ("peak memory, largest case count (MB)", results["peak_mem_mb"], "")]
    print(f"cores: {results['cores']}")
    for label, value, target in targets:
        print(f"{label:42s} {value:>16,.2f}   target {target}")
    print("horizon (years -> s):", {k: round(v, 3) for k, v in results["horizon_scaling_seconds"].items()})
    print("cases (n -> s):      ", {k: round(v, 4) for k, v in results["case_scaling_seconds"].items()})
    print(f"written {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
