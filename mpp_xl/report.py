"""What a run gives to look at besides the CSV files: ``results.xlsx`` (one sheet per table, Dutch headers,
number formats by kind, dates as dates, frozen header rows, native charts) and PNG charts for memos.

Both are byte-identical on a rerun with the same inputs (fixed document dates, no software stamps).
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap

import numpy as np
import pandas as pd

from .catalogue import BUDGET_LINES_NL, COLUMNS_NL, FORMATS, METRICS, SCENARIOS_NL, metric_header, variant_name
from .results import RunResult
from .variants import BASE

FIXED_DATE = dt.datetime(2000, 1, 1)  # document dates: reruns stay byte-identical (the run date is in provenance)
MAX_SHEET_ROWS = 1_048_575  # Excel's limit below its header row
COVER = "Voorblad"
SHEET_TEXT = {  # what each sheet of results.xlsx holds, for the cover sheet
    "Projectie": "de hele keten per scenario, variant en maand",
    "Dwangsommen": "dwangsommen en kosten per scenario, variant, spoor en jaar",
    "Dwangsommen per maand": "dwangsommen en kosten per maand",
    "Begroting": "bedragen per begrotingsregel, scenario, variant en jaar",
    "Wachttijden": "wachttijden bij de IND", "Aannames": "elke gebruikte aanname met bron en laag",
    "Grafieken": "de hoofdgrafieken", "Grafiekdata": "de cijfers achter de grafieken"}
PROVENANCE_NL = {"package_version": "versie mpp-xl", "assumption_set": "aannameset", "assumptions_hash": "hash aannames",
                 "horizon": "horizon", "scenarios": "scenario's", "variants": "varianten",
                 "variants_hash": "hash varianten", "window": "venster", "edition": "editie",
                 "measures": "maatregelen"}
MEMO_WIDTH_IN, MEMO_HEIGHT_IN, MEMO_FONT_PT = 3.3, 3.0, 8  # half an A4 text width; the smallest readable font


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
    years = grid.calendar_years
    out = {}
    for scenario in result.scenarios:
        values = result.chain(scenario).metrics[metric]
        out[scenario] = [values[grid.years == y].sum() if how == "sum" else values[grid.years == y][-1] for y in years]
    return pd.DataFrame(out, index=years)


def _dutch(frame: pd.DataFrame) -> pd.DataFrame:
    """Scenario columns by their Dutch names (minimum, medio, maximum)."""
    return frame.rename(columns=lambda c: SCENARIOS_NL.get(c, c))


def realised_until(result: RunResult) -> int | None:
    """The last year the run's realised inflow (history.*) covers in full: the years up to it are realisations."""
    ends = [rec.end for _, rec in result.aset.records() if rec.parameter.startswith("history.inflow.")]
    if not ends:
        return None
    last = max(np.datetime64(e, "D") for e in ends if e is not None)
    year = int(str(last)[:4])
    return year if str(last)[5:] == "12-31" else year - 1


def source_line(result: RunResult) -> str:
    """The line under every memo chart: source, edition (assumption set) and the date of the realised figures."""
    until = realised_until(result)
    edition = result.inputs.get("edition") or result.aset.name
    return (f"Bron: mpp-xl {result.provenance['package_version']}, {edition}"
            + (f"; gerealiseerd t/m {until}, daarna prognose" if until else "") + f" (hash {result.aset.digest})")


def _chart_data(result: RunResult) -> dict[str, tuple[str, pd.DataFrame, str]]:
    """Chart name -> (Dutch title, yearly table, unit) for the charts of results.xlsx and the PNG files (euros
    already in millions: the unit says so)."""
    scenario = result.focus_scenario
    penalties = pd.DataFrame({variant_name(v): result.yearly_penalties[(scenario, v, "total")]["amount_eur"] / 1e6
                              for v in result.variants}, index=result.grid.calendar_years)
    shown = SCENARIOS_NL.get(scenario, scenario)
    need = pd.DataFrame({"capaciteitsbehoefte": _yearly(result, "coa.capacity_need", "end")[scenario],
                         "bezetting": _yearly(result, "coa.occupancy", "end")[scenario],
                         "Spreidingswet": _yearly(result, "coa.spreidingswet_capacity", "end")[scenario]})
    return {
        "inflow.png": ("Asielinstroom per jaar (personen)", _dutch(_yearly(result, "inflow.total", "sum")),
                       "personen"),
        "ind_pending.png": ("IND-voorraad asiel op 31 december (zaken)",
                            _dutch(_yearly(result, "ind.pending.asylum", "end")), "zaken"),
        "coa_need.png": (f"COA op 31 december, scenario {shown} (plaatsen)", need, "plaatsen"),
        "penalties.png": (f"Dwangsommen en kosten per jaar, scenario {shown} (mln euro, opbouw)", penalties,
                          "mln euro"),
    }


def provenance_rows(result: RunResult) -> list[tuple[str, str]]:
    """The run's provenance in Dutch: label and value (scenario and variant codes by their Dutch names)."""
    rows = []
    for key, value in result.provenance.items():
        if key == "scenarios":
            value = ", ".join(SCENARIOS_NL.get(s, s) for s in str(value).split(","))
        elif key == "variants":
            value = ", ".join(variant_name(v) for v in str(value).split(","))
        rows.append((PROVENANCE_NL.get(key, key.replace("_", " ")), str(value)))
    return rows


def _footer(result: RunResult) -> str:
    text = f"mpp-xl {result.provenance['package_version']} | {result.aset.name} | {result.aset.digest}"
    return "&L&8" + text.replace("&", "&&") + "&R&8&A, pagina &P van &N"


def _print_setup(sheet, result: RunResult, repeat_header: bool = False) -> None:
    """A4 landscape, as wide as the page, the header row on every page, the print date above and the provenance
    below every page."""
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.set_margins(left=0.3, right=0.3, top=0.55, bottom=0.75)
    sheet.fit_to_pages(1, 0)
    if repeat_header:
        sheet.repeat_rows(0)
    sheet.set_header("&L&8mpp-xl resultaten&R&8Afgedrukt op &D", {"margin": 0.25})
    sheet.set_footer(_footer(result), {"margin": 0.3})


def _cover(book, result: RunResult, sheet_names: list[str], header) -> None:
    """The first sheet: what the file is, the run's provenance and what each sheet holds."""
    cover = book.add_worksheet(COVER)
    title = book.add_format({"bold": True, "font_size": 16, "font_color": "#1F3864"})
    label = book.add_format({"bold": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    cover.set_column(0, 0, 28)
    cover.set_column(1, 1, 90)
    cover.write_string(0, 0, "mpp-xl: resultaten van een run", title)
    cover.write_string(1, 0, "Een run van de MPP-ketenprojectie, de dwangsommen en de begrotingsregels. Bedragen in euro; "
                             "de cijfers staan ook als CSV in dezelfde map.", wrap)
    row = 3
    cover.write_string(row, 0, "Herkomst", header)
    cover.write_string(row, 1, "", header)
    for key, value in provenance_rows(result):
        row += 1
        cover.write_string(row, 0, key, label)
        cover.write_string(row, 1, value, wrap)
    row += 2
    cover.write_string(row, 0, "Blad", header)
    cover.write_string(row, 1, "inhoud", header)
    for name in sheet_names:
        row += 1
        cover.write_string(row, 0, name, label)
        cover.write_string(row, 1, SHEET_TEXT.get(name.split(" (")[0], "cohorten per indieningsmaand"), wrap)
    cover.print_area(0, 0, row, 1)
    _print_setup(cover, result)
    cover.set_portrait()
    cover.activate()


def results_workbook(result: RunResult) -> bytes:
    """results.xlsx as bytes: a cover sheet with the provenance, then one sheet per table and the charts, each
    printing on A4 landscape with its header row on every page."""
    import xlsxwriter
    stream = io.BytesIO()
    book = xlsxwriter.Workbook(stream, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": "mpp-xl resultaten", "created": FIXED_DATE})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top"})
    tables = _tables(result)
    _cover(book, result, [*tables, "Grafieken", "Grafiekdata"], header)
    formats = {kind: book.add_format({"num_format": code}) for kind, code in FORMATS.items()}
    note = book.add_format({"italic": True})
    for sheet_name, frame in tables.items():
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
        _print_setup(sheet, result, repeat_header=True)
    charts = book.add_worksheet("Grafieken")
    data = book.add_worksheet("Grafiekdata")
    _print_setup(charts, result)
    _print_setup(data, result)
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
    """The key charts as PNG for a memo (matplotlib, no display needed): half an A4 text width (3.3 inch) with
    fonts of at least 8 points, Dutch legend names, the realised years shaded and marked apart from the
    forecast, and a line with the source, the edition and the date of the realised figures. A series equal to
    another (eerste blijft = alles vervallen) is drawn dashed over it and says so in the legend."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter
    out = {}
    thousands = FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", "."))
    until = realised_until(result)
    note = source_line(result)
    styles = ("-", "--", ":", "-.")
    markers = ("o", "s", "^", "D")
    with plt.rc_context({"font.size": MEMO_FONT_PT, "axes.titlesize": MEMO_FONT_PT + 1,
                         "axes.labelsize": MEMO_FONT_PT, "xtick.labelsize": MEMO_FONT_PT,
                         "ytick.labelsize": MEMO_FONT_PT, "legend.fontsize": MEMO_FONT_PT}):
        for name, (title, table, unit) in _chart_data(result).items():
            figure, axis = plt.subplots(figsize=(MEMO_WIDTH_IN, MEMO_HEIGHT_IN), dpi=200)
            drawn = []
            for k, column in enumerate(table.columns):
                values = table[column].to_numpy(dtype=float)
                same = next((c for c in drawn if np.allclose(table[c].to_numpy(dtype=float), values,
                                                             equal_nan=True)), None)
                label = f"{column} (= {same})" if same is not None else str(column)
                style = "--" if column == "Spreidingswet" or same is not None else styles[k % len(styles)]
                axis.plot(table.index, values, style, marker=markers[k % len(markers)], markersize=2.5,
                          linewidth=1.6 if same is None else 1.0, label=label, zorder=3 + k)
                drawn.append(column)
            if until is not None and table.index.min() <= until:
                axis.axvspan(table.index.min() - 0.5, until + 0.5, color="#E7E6E6", zorder=0)
                axis.text(until + 0.4, 1.0, "gerealiseerd | prognose", transform=axis.get_xaxis_transform(),
                          ha="right", va="bottom", fontsize=MEMO_FONT_PT, color="#595959")
            axis.set_title("\n".join(textwrap.wrap(title, 36)), pad=12)
            axis.set_xlabel("jaar")
            axis.set_ylabel(unit)
            axis.yaxis.set_major_formatter(thousands)
            axis.set_xticks(list(table.index))
            axis.set_xticklabels([f"'{str(y)[2:]}" for y in table.index])
            axis.grid(alpha=0.3)
            axis.legend(frameon=False, loc="best")
            figure.text(0.01, 0.005, "\n".join(textwrap.wrap(note, 52)), fontsize=MEMO_FONT_PT, ha="left",
                        va="bottom", color="#595959")
            figure.tight_layout(rect=(0, 0.16, 1, 1))
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", metadata={"Software": None})
            plt.close(figure)
            out[name] = buffer.getvalue()
    return out
