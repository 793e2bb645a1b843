"""The printed summaries: a run (``mpp-xl run``) and a comparison (``mpp-xl compare``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalogue import format_value
from .compare import period_order
from .results import RunResult
from .variants import BASE


def _fmt(frame: pd.DataFrame) -> str:
    return frame.to_string(float_format=lambda v: format_value(v, "count"))


def _millions(value: float) -> str:
    """A number already in millions (EUR million), as every printed table shows it."""
    return format_value(value, "millions")


def summary_text(result: RunResult) -> str:
    grid = result.grid
    years = grid.calendar_years
    lines = [f"mpp-xl {result.provenance['package_version']} | {result.aset.name} | hash {result.aset.digest} | "
             f"{grid.start}..{grid.end}", ""]
    for edge, months in ((grid.years[0], grid.months[grid.years == grid.years[0]]),
                         (grid.years[-1], grid.months[grid.years == grid.years[-1]])):
        if months.size < 12:
            lines += [f"Note: {edge} holds only {months[0]}..{months[-1]}: its yearly figures are part of a year and "
                      f"it is outside every window total.", ""]

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
                         "Spreidingswet": m["coa.spreidingswet_capacity"][end],
                         "shortfall vs Spreidingswet": m["coa.spreidingswet_shortfall"][end],
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
              table.to_string(float_format=_millions), ""]

    per_year = frame[frame["track"] == "total"].pivot_table(index="year", columns=["scenario", "variant"],
                                                            values="amount_eur", sort=False) / 1e6
    lines += ["Penalty payments and costs per year, all tracks (EUR million, as accrued)",
              per_year.to_string(float_format=_millions), ""]
    return "\n".join(lines)



def shown_variant(result: RunResult) -> str:
    """The variant a summary shows: the first one asked for besides base, else base."""
    asked = [v for v in result.variants if v != BASE]
    return asked[0] if len(asked) == 1 else BASE


def budget_summary(result: RunResult) -> str:
    """Budget lines per year of the window and in total for the shown variant (EUR million). Where a line lacks a
    price for a year, the line's cell stays blank and the total shows the lines whose price is known, marked *,
    with a footnote naming what it leaves out."""
    from .budget import LINES, known_total
    first, last = result.window
    variant = shown_variant(result)
    frame = result.budget_frame()
    frame = frame[(frame.variant == variant) & frame.year.between(first, last)]
    table = frame.pivot(index=["scenario", "line"], columns="year", values="amount_eur") / 1e6  # gaps stay NaN
    table = table.reindex(pd.MultiIndex.from_product([list(result.scenarios), list(LINES)]))
    span = f"{first}-{last}"
    table[span] = table.sum(axis=1, min_count=table.shape[1])
    table[span] = table[span].where(table.drop(columns=span).notna().all(axis=1))
    known = known_total(frame).set_index(["scenario", "year"])
    cells = table.map(lambda v: "" if pd.isna(v) else _millions(v))
    notes = []
    for scenario in result.scenarios:
        years = [y for y in table.columns if y != span]
        short = {y: known.loc[(scenario, y), "missing"] for y in years if (scenario, y) in known.index
                 and known.loc[(scenario, y), "missing"]}
        if not short:
            continue
        total = 0.0
        for year in years:
            value = known.loc[(scenario, year), "known_eur"] / 1e6
            total += value
            if year in short:
                cells.loc[(scenario, "total"), year] = _millions(value) + "*"
        cells.loc[(scenario, "total"), span] = _millions(total) + "*"
        notes.append(f"* {scenario}: total of the lines with a known price; without "
                     + "; ".join(f"{lines} in {year}" for year, lines in short.items()) + " (no price known)")
    return (f"Budget lines {first}-{last}, variant {variant} (EUR million; cash basis for penalties; blank = no price "
            f"known for that year; coa.oda_first_year is part of coa.total)\n"
            + cells.to_string(justify="right") + ("\n" + "\n".join(notes) if notes else ""))


def comparison_summary(frame: pd.DataFrame, results) -> str:
    """The main rows of every scenario and variant compared: inflow, COA need, penalties and budget lines per year
    and over the window (last); euros in millions."""
    a, b = results
    lines = [f"A: {a.aset.name}", f"B: {b.aset.name}",
             "delta = B - A; persons and places as counts, euros in EUR million (every row in comparison.csv, in "
             "euros)"]
    wanted = ["inflow.total", "coa.capacity_need", "penalties.accrued", "budget.coa.total",
              "budget.ukraine.municipal", "budget.ind.penalties.paid",
              "budget.total"]
    order = {w: i for i, w in enumerate(wanted)}
    for scenario in a.scenarios:
        for variant in a.variants:
            shown = frame[(frame.scenario == scenario) & (frame.variant == variant) & frame.what.isin(wanted)].copy()
            if shown.empty:
                continue
            euros = shown.unit == "EUR"
            for column in ("value_a", "value_b", "delta"):
                shown[column] = [format_value(v / 1e6, "millions") if e else format_value(v, "count")
                                 if pd.notna(v) else "" for v, e in zip(shown[column], euros)]
                shown.loc[shown[column] == "nan", column] = ""
            shown["unit"] = np.where(euros, "EUR mln", shown.unit)
            shown = shown.assign(_w=shown.what.map(order), _p=shown.period.map(period_order)).sort_values(
                ["_w", "_p"], kind="stable")
            table = shown.set_index(["what", "period"])[["value_a", "value_b", "delta", "unit"]]
            lines += ["", f"scenario {scenario}, variant {variant}", table.to_string(justify="right")]
    return "\n".join(lines)
