"""What a run gives to look at besides the CSV files: ``results.xlsx`` (one sheet per table, Dutch headers,
number formats by kind, dates as dates, frozen header rows, native charts) and PNG charts for memos.

Both are byte-identical on a rerun with the same inputs (fixed document dates, no software stamps).
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd

from .catalogue import BUDGET_LINES_NL, COLUMNS_NL, FORMATS, METRICS, metric_header
from .results import RunResult
from .variants import BASE

FIXED_DATE = dt.datetime(2000, 1, 1)  # document dates: reruns stay byte-identical (the run date is in provenance)
MAX_SHEET_ROWS = 1_048_575  # Excel's limit below its header row


def _tables(result: RunResult) -> dict[str, pd.DataFrame]:
    projection = result.projection_frame().pivot_table(index=["scenario", "variant", "date"], columns="metric",
                                                       values="value", sort=False, dropna=False).reset_index()
    projection = projection[["scenario", "variant", "date", *METRICS]]
    cohorts = result.cohort_frame()  # every variant and scenario is in cohorts.csv; the sheet keeps one
    focus = result.focus_scenario
    return {"Projectie": projection, "Dwangsommen": result.penalty_frame(),
            "Dwangsommen per maand": result.penalty_monthly_frame(),
            "Begroting": result.budget_frame().assign(line=lambda f: f.line.map(BUDGET_LINES_NL)),
            f"Cohorten ({focus}, base)": cohorts[(cohorts.variant == BASE) & (cohorts.scenario == focus)],
            "Wachttijden": result.wait_frame(),
            "Aannames": pd.DataFrame(result.assumption_rows(), columns=["parameter", "scenario", "from", "to", "value", "unit", "source",
                                                    "layer"]).assign(value=lambda f: pd.to_numeric(f.value))}
SHEET_LABELS = {"Begroting": {"amount_eur": "bedrag (EUR)"}}  # a budget amount is accrual or cash by its line


def _yearly(result: RunResult, metric: str, how: str) -> pd.DataFrame:
    """Scenario columns (base variant) of a metric per year: the year's sum or its value at 31 December."""
    grid = result.grid
    years = np.unique(grid.years)
    out = {}
    for scenario in result.scenarios:
        values = result.chain(scenario).metrics[metric]
        out[scenario] = [values[grid.years == y].sum() if how == "sum" else values[grid.years == y][-1] for y in years]
    return pd.DataFrame(out, index=years)


def _chart_data(result: RunResult) -> dict[str, tuple[str, pd.DataFrame, str]]:
    """Chart name -> (Dutch title, yearly table, unit) for the charts of results.xlsx and the PNG files (euros
    already in millions: the unit says so)."""
    scenario = result.focus_scenario
    penalties = pd.DataFrame({v: result.yearly_penalties[(scenario, v, "total")]["amount_eur"] / 1e6
                              for v in result.variants}, index=np.unique(result.grid.years))
    need = pd.DataFrame({"capaciteitsbehoefte": _yearly(result, "coa.capacity_need", "end")[scenario],
                         "bezetting": _yearly(result, "coa.occupancy", "end")[scenario],
                         "Spreidingswet": _yearly(result, "coa.spreidingswet_capacity", "end")[scenario]})
    return {
        "inflow.png": ("Asielinstroom per jaar (personen)", _yearly(result, "inflow.total", "sum"), "personen"),
        "ind_pending.png": ("IND-voorraad asiel op 31 december (zaken)", _yearly(result, "ind.pending.asylum", "end"),
                            "zaken"),
        "coa_need.png": (f"COA op 31 december, scenario {scenario} (plaatsen)", need, "plaatsen"),
        "penalties.png": (f"Dwangsommen en kosten per jaar, scenario {scenario} (EUR mln, opbouw)", penalties,
                          "EUR mln"),
    }


def results_workbook(result: RunResult) -> bytes:
    """results.xlsx as bytes."""
    import xlsxwriter
    stream = io.BytesIO()
    book = xlsxwriter.Workbook(stream, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": "mpp-xl resultaten", "created": FIXED_DATE})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top"})
    formats = {kind: book.add_format({"num_format": code}) for kind, code in FORMATS.items()}
    note = book.add_format({"italic": True})
    for sheet_name, frame in _tables(result).items():
        sheet = book.add_worksheet(sheet_name)
        if len(frame) > MAX_SHEET_ROWS:
            sheet.write(0, 0, f"{len(frame):,} rijen: te veel voor één blad; zie de CSV", note)
            continue
        for col, name in enumerate(frame.columns):
            if name in METRICS:
                label, kind = metric_header(name), METRICS[name].kind
            else:
                label, kind = COLUMNS_NL.get(name, (name, "text"))
                label = SHEET_LABELS.get(sheet_name, {}).get(name, label)
            sheet.write_string(0, col, label, header)
            sheet.set_column(col, col, max(12, min(40, len(label) + 2)), formats.get(kind))
            values = frame[name]
            if kind == "date":  # Excel date serials with a date format: dates as dates
                days = (pd.to_datetime(values, errors="coerce") - pd.Timestamp("1899-12-30")).dt.days
                cells = [None if pd.isna(d) else float(d) for d in days]
            elif values.dtype.kind in "fi":
                cells = [float(v) if np.isfinite(v) else None for v in values.to_numpy(dtype=float)]
            else:
                cells = [v if isinstance(v, str) else None for v in values]
            sheet.write_column(1, col, cells, formats.get(kind))
        sheet.freeze_panes(1, 3 if sheet_name == "Projectie" else 0)
        sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
    charts = book.add_worksheet("Grafieken")
    data = book.add_worksheet("Grafiekdata")
    row = 0
    for index, (title, table, unit) in enumerate(_chart_data(result).values()):
        kind = "millions" if "mln" in unit else "count"  # the chart's numbers as its unit says
        data.write_string(row, 0, title, header)
        data.write_string(row + 1, 0, "jaar", header)
        for col, name in enumerate(table.columns, start=1):
            data.write_string(row + 1, col, str(name), header)
        for r, (year, values) in enumerate(table.iterrows(), start=row + 2):
            data.write_number(r, 0, int(year))
            for col, value in enumerate(values, start=1):
                if np.isfinite(value):
                    data.write_number(r, col, float(value), formats[kind])
        first, last = row + 2, row + 1 + len(table)
        chart = book.add_chart({"type": "line"})
        for col, name in enumerate(table.columns, start=1):
            chart.add_series({"name": str(name), "categories": ["Grafiekdata", first, 0, last, 0],
                              "values": ["Grafiekdata", first, col, last, col]})
        chart.set_title({"name": title})
        chart.set_x_axis({"name": "jaar"})
        chart.set_y_axis({"name": unit, "num_format": FORMATS[kind]})
        chart.set_size({"width": 640, "height": 320})
        charts.insert_chart(index * 17, 0, chart)
        row = last + 2
    book.close()
    return stream.getvalue()


def chart_pngs(result: RunResult) -> dict[str, bytes]:
    """The key charts as PNG (matplotlib, no display needed)."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter
    out = {}
    thousands = FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", "."))
    for name, (title, table, unit) in _chart_data(result).items():
        figure, axis = plt.subplots(figsize=(8, 4), dpi=100)
        for column in table.columns:
            style = "--" if column in ("Spreidingswet",) else "-"
            axis.plot(table.index, table[column], style, marker="o", markersize=3, label=str(column))
        axis.set_title(title)
        axis.set_xlabel("jaar")
        axis.set_ylabel(unit)
        axis.yaxis.set_major_formatter(thousands)
        axis.set_xticks(list(table.index))
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
        plt.close(figure)
        out[name] = buffer.getvalue()
    return out
