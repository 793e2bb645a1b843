"""The tables behind the Excel functions (``mpp_xl.udfs`` wraps them; this module knows nothing of xlwings):
every function takes plain Python values as a cell or range delivers them and returns a list of rows. Headers
are Dutch labels from ``mpp_xl.catalogue``; an undefined value (NaN) is an empty cell, never 0. Totals and deltas
are over a window of years (default model.WINDOW, the letter's). Arguments are read by ``mpp_xl.excel_args``;
the caches, the error policy and the runs a table reads live in ``mpp_xl.excel_session``. MPP_BACKTEST reads
the published record of the editions only."""

from __future__ import annotations

import math

import numpy as np

from . import __version__
from .assumptions import COLUMNS, EXCEL_EPOCH, SCENARIOS
from .backtest import backtest_frame, backtest_summary
from .budget import LINES, known_by_year, window_sum
from .catalogue import (BUDGET_LINES_NL, COLUMNS_NL, METRIC_UNITS, METRICS, UNITS, metric_header, unit_per_year,
                        variant_name)
from .catalogue import header as column_header
from .compare import YEAR_END, comparison_rows, period_order
from .errors import MppError, did_you_mean
from .excel_args import (ALL_WORDS, GRID, WORKBOOK_VARIANTS, fail, frequency_arg, metric_arg, scalar, scenario_arg,
                         variant_arg, window_arg, window_text)
from .excel_session import (LOG_FILE_SHOWN, on_edition, assumptions_arg, cached_comparison, cached_fixed_table,
                            cached_table, clear_caches, default_set, edition_arg, edition_choices, edition_title,
                            effective_set, excel_safe, measures, measures_arg, model_run, shipped)
from .messages import english
from .model import RunResult
from .penalties import COUNTS

# the Excel layer's public face (the workbook builder and the add-in read these; some live in the two modules above)
__all__ = ["GRID", "WORKBOOK_VARIANTS", "LOG_FILE_SHOWN", "clear_caches", "default_set", "edition_choices",
           "edition_title", "measures", "model_run", "metric_arg", "excel_serial", "metric_label", "TRACK_LABELS",
           "PAID_LABEL", "COUNT_LABELS", "BUDGET_GROUPS", "COMPARE_WHAT", "COMPARE_LABELS_NL", "LEAD_LABEL",
           "forecast_label", "realised_label", "version_table", "params_table", "projection_table",
           "penalties_table", "summary_table", "budget_table", "compare_table", "backtest_table"]
# ---------------------------------------------------------------- the tables

def excel_serial(day) -> float:
    return float((np.datetime64(day, "D") - np.datetime64(EXCEL_EPOCH, "D")).astype(int))


MONTH_END_SERIALS = [excel_serial(day) for day in GRID.month_ends]  # the workbook's months as Excel dates


def _finite(values):
    """Numbers for the cells; an undefined value (NaN, e.g. the mean wait in a month without decisions) becomes an
    empty cell, as in the CLI's CSV files, never a made-up 0."""
    numbers = np.asarray(values, dtype=float)
    cells = numbers.tolist()
    return cells if np.isfinite(numbers).all() else [v if math.isfinite(v) else None for v in cells]


def _rows(keys, columns) -> list[list]:
    """Body rows: the key (date or year) and one value per column."""
    return [list(row) for row in zip(keys, *(_finite(c) for c in columns), strict=True)]


def metric_label(metric: str, frequency: str = "month") -> str:
    """The Dutch header of a metric's column (mpp_xl.catalogue): label and unit, e.g. 'IND voorraad asiel (zaken)';
    a flow summed over a year is per year ('personen/jaar')."""
    return metric_header(metric, per_year=frequency == "year")


def _yearly(metric: str, values: np.ndarray, chain) -> np.ndarray:
    spans = GRID.year_spans.values()
    if METRIC_UNITS[metric].endswith("/month"):
        return np.array([math.fsum(values[span]) for span in spans])
    if METRIC_UNITS[metric] == "weeks":  # the mean over the year's decisions
        queue = chain.queues[metric.rsplit(".", 1)[1]]
        return np.array([queue.mean_wait_weeks_over(GRID.years == y) for y in GRID.year_spans])
    return np.array([values[span][-1] for span in spans])


@excel_safe
def version_table(assumptions=None, edition=None, measures_on=None):
    aset = effective_set(assumptions, edition, measures_on)
    return [[f"mpp-xl {__version__} | {aset.name} | {aset.digest}"]]


@excel_safe
def params_table(assumptions=None, edition=None, measures_on=None):
    aset = effective_set(assumptions, edition, measures_on)
    def compute():  # values as numbers, so Excel can calculate with them; open dates as empty cells
        rows = [[*row[:4], float(row[4]), *row[5:]] for row in aset.table_rows()]
        return [list(COLUMNS) + ["laag"]] + rows

    return cached_table("params", (), aset, compute)


@excel_safe
def projection_table(metric="all", scenario="medio", assumptions=None, frequency="month", edition=None,
                     measures_on=None):
    aset = effective_set(assumptions, edition, measures_on)
    metrics, scen, freq = metric_arg(metric), scenario_arg(scenario), frequency_arg(frequency)
    if scen == "all" and len(metrics) > 1:
        raise MppError(english("both_all"))

    def compute():
        run = model_run(aset)
        columns = [(m, scen) for m in metrics] if scen != "all" else [(metrics[0], s) for s in SCENARIOS]
        unit = METRICS[metrics[0]].unit_nl
        header = ([COLUMNS_NL["year" if freq == "year" else "date"][0]]  # scenarios across: the one metric's unit
                  + [metric_label(m, freq) if scen != "all" else
                     f"{s} ({unit_per_year(unit) if freq == 'year' else unit})" for m, s in columns])
        if freq == "year":
            keys = [float(y) for y in GRID.calendar_years]
            data = [_yearly(m, run.chain(s).metrics[m], run.chain(s)) for m, s in columns]
        else:
            keys = MONTH_END_SERIALS
            data = [run.chain(s).metrics[m] for m, s in columns]
        return [header] + _rows(keys, data)

    return cached_table("projection", (tuple(metrics), scen, freq), aset, compute)


TRACK_LABELS = {"asylum": "asiel (EUR)", "nareis": "nareis (EUR)", "total": "totaal (EUR)"}  # in the year they accrue


def header_eur(label: str) -> str:
    """A header of a column of euros (the value stays in euros; the workbook may show it in millions)."""
    return column_header(label, UNITS["EUR"].nl)

PAID_LABEL = COLUMNS_NL["amount_paid_eur"][0]  # all tracks, in the year of payment
DELTA_LABEL = COLUMNS_NL["delta_vs_base_eur"][0]
COUNT_LABELS = {name: COLUMNS_NL[name][0] for name in COUNTS}


def _total_row(window: tuple[int, int], columns) -> list:
    """The last row of a per-year table: each column summed over the window's years."""
    inside = GRID.in_window(window)
    return [f"totaal {window_text(window)}", *_finite([math.fsum(np.asarray(c)[inside]) for c in columns])]


@excel_safe
def penalties_table(scenario="medio", variant="base", assumptions=None, window=None, edition=None,
                    measures_on=None):
    aset = effective_set(assumptions, edition, measures_on)
    run = model_run(aset)
    scen, var, span = scenario_arg(scenario), variant_arg(variant, run), window_arg(window)

    def compute():
        years = [float(y) for y in GRID.calendar_years]
        yearly = run.yearly_penalties
        if scen != "all" and var != "all":
            header = [COLUMNS_NL["year"][0], *TRACK_LABELS.values(), PAID_LABEL, DELTA_LABEL, *COUNT_LABELS.values()]
            columns = [yearly[(scen, var, t)]["amount_eur"] for t in TRACK_LABELS]
            total = yearly[(scen, var, "total")]
            columns += [total["amount_paid_eur"], total["delta_vs_base_eur"]] + [total[c] for c in COUNTS]
        else:
            combos = [(s, v) for s in (SCENARIOS if scen == "all" else (scen,))
                      for v in (list(run.variants) if var == "all" else [var])]
            deltas = [c for c in combos if c[1] != "base"]
            header = ([COLUMNS_NL["year"][0]] + [header_eur(f"{s}, {variant_name(v)}") for s, v in combos]
                      + [header_eur(f"verschil {s}, {variant_name(v)}") for s, v in deltas])
            columns = ([yearly[(s, v, "total")]["amount_eur"] for s, v in combos]
                       + [yearly[(s, v, "total")]["delta_vs_base_eur"] for s, v in deltas])
        return [header] + _rows(years, columns) + [_total_row(span, columns)]

    return cached_table("penalties", (scen, var, span), aset, compute)


@excel_safe
def summary_table(assumptions=None, window=None, edition=None, measures_on=None):
    aset = effective_set(assumptions, edition, measures_on)
    span = window_arg(window)

    def compute():
        run = model_run(aset).windowed(span)
        others = [v for v in run.variants if v != "base"]
        text = window_text(span)
        header = (["scenario"] + [header_eur(f"{variant_name(v)} {text}") for v in run.variants]
                  + [header_eur(f"verschil {variant_name(v)} {text}") for v in others])
        totals = {(s, v): run.window_total(s, v) for s in SCENARIOS for v in run.variants}
        body = [[s, *_finite([totals[(s, v)][0] for v in run.variants] + [totals[(s, v)][1] for v in others])]
                for s in SCENARIOS]
        return [header] + body

    return cached_table("summary", (span,), aset, compute)


# ---------------------------------------------------------------- budget lines and the comparison of editions

BUDGET_LABELS_NL = BUDGET_LINES_NL  # one catalogue (mpp_xl.catalogue) for every Dutch label
BUDGET_GROUPS = {  # the lines each chart of the Begroting sheet shows
    "COA-opvang": ("coa.regular.occupied", "coa.regular.empty", "coa.emergency.occupied", "coa.emergency.empty",
                   "coa.amv.occupied"),
    "Oekraïne, gemeentelijke opvang": ("ukraine.municipal",),
    "Dwangsommen en proceskosten (kasbasis)": ("ind.penalties.paid", "ind.legal_costs.paid"),
}
COMPARE_WHAT = ("inflow.total", *YEAR_END, "penalties.accrued", *(f"budget.{line}" for line in LINES))
COMPARE_LABELS_NL = {
    "inflow.total": f"{METRICS['inflow.total'].label_nl} (per jaar)",
    **{metric: f"{METRICS[metric].label_nl} (31 december)" for metric in YEAR_END},
    "penalties.accrued": "dwangsommen en kosten (in het jaar van ontstaan)",
    **{f"budget.{line}": f"begroting: {label}" for line, label in BUDGET_LABELS_NL.items()},
}
UNITS_NL = {unit: entry.nl for unit, entry in UNITS.items()}


def one_variant_arg(value, run: RunResult | None = None) -> str:
    name = variant_arg(value, run)
    if name == "all":
        raise fail("variant", "variant_not_all", choices=", ".join(run.variants if run else WORKBOOK_VARIANTS))
    return name


def what_arg(value) -> tuple[str, ...]:
    """A comparison code (e.g. inflow.total, budget.coa.total), a prefix ending in '*' (e.g. budget.*) or all."""
    name = scalar(value, "what", default="all")
    if name in ALL_WORDS:
        return COMPARE_WHAT
    if name.endswith("*"):
        chosen = tuple(w for w in COMPARE_WHAT if w.startswith(name[:-1]))
        if chosen:
            return chosen
    elif name in COMPARE_WHAT:
        return (name,)
    raise fail("what", "unknown_comparison", name=name, hint=did_you_mean(name, COMPARE_WHAT),
               choices=", ".join(COMPARE_WHAT))


@excel_safe
def budget_table(scenario="medio", variant="base", window=None, assumptions=None, edition=None, measures_on=None):
    """Budget lines (rows) x the window's total and its years (columns), in euros; an empty cell where no price
    is known (a gap stays a gap: never 0), and an empty total where a year of the window has such a gap."""
    aset = effective_set(assumptions, edition, measures_on)
    run = model_run(aset)
    scen, var, span = scenario_arg(scenario, allow_all=False), one_variant_arg(variant, run), window_arg(window)

    def compute():
        rows = run.budget_rows(scen, var)  # the chosen pair only: a fraction of every pair's
        amounts = {(r.line, r.year): float(r.amount_eur) for r in rows}
        years = list(range(span[0], span[1] + 1))
        header = ["code", COLUMNS_NL["line"][0], header_eur(f"totaal {window_text(span)}"), *map(float, years)]
        known = {year: value for (_, _, year), value in known_by_year(rows).items()}
        body = []
        for line in LINES:
            values = [amounts[(line, year)] for year in years]
            label = BUDGET_LABELS_NL[line]
            if line == "total" and not all(np.isfinite(values)):  # the lines with a known price, and what is left out
                values = [float(known[year][0]) for year in years]
                left_out = [f"{', '.join(BUDGET_LABELS_NL[m] for m in known[year][1])} {year}"
                            for year in years if known[year][1]]
                label = f"{label} * (zonder {'; '.join(left_out)}: geen prijs bekend)"
            total = window_sum(values)
            body.append([line, label, *_finite([total, *values])])
        return [header] + body

    return cached_table("budget", (scen, var, span), aset, compute)


@excel_safe
def compare_table(a=None, b=None, what="all", assumptions=None, scenario="medio", variant="base", window=None,
                  measures_on=None):
    """Two editions side by side for one scenario and variant: code, description, period, value A, value B,
    verschil (B - A), unit. The Aannames rows, the measures and the window apply to both."""
    name_a, name_b = (edition_arg(scalar(x, w, lower=False), w) for x, w in ((a, "a"), (b, "b")))  # both required
    chosen = measures_arg(measures_on)
    whats, scen, span = what_arg(what), scenario_arg(scenario, allow_all=False), window_arg(window)
    rows = assumptions_arg(assumptions)
    set_a, set_b = on_edition(rows, name_a, chosen, "a"), on_edition(rows, name_b, chosen, "b")
    var = one_variant_arg(variant)  # the named variants every workbook run has
    titles = [edition_title(name) for name in (name_a, name_b)]

    def compute():
        views = [model_run(aset).view(scen, var, span) for aset in (set_a, set_b)]
        compared = cached_comparison((set_a.digest, set_b.digest, scen, var, span), lambda: comparison_rows(*views))
        order = {w: i for i, w in enumerate(whats)}
        keyed = sorted((r for r in compared if r.scenario == scen and r.variant == var and r.what in order),
                       key=lambda r: (order[r.what], period_order(r.period)))
        header = ["code", "omschrijving", "periode", f"A: {titles[0]}", f"B: {titles[1]}", "verschil (B - A)",
                  "eenheid"]
        numbers = _finite(np.array([(r.value_a, r.value_b, r.delta) for r in keyed], dtype=float).reshape(-1))
        body = [[r.what, COMPARE_LABELS_NL.get(r.what, r.what), r.period, *numbers[3 * i:3 * i + 3],
                 UNITS_NL.get(r.unit, r.unit)] for i, r in enumerate(keyed)]
        return [header] + body

    return cached_table("compare", (set_b.digest, whats, scen, var, span), set_a, compute)


# ---------------------------------------------------------------- the backtest: every edition against what happened

BACKTEST_WHAT = {"panel": "panel", "paneel": "panel", "summary": "summary", "samenvatting": "summary"}
INFLOW = "inflow.total"
LEAD_LABEL = "prognose vooruit (jaren)"
SUMMARY_HEADER = ["scenario", LEAD_LABEL, "prognoses (aantal)", "met realisatie (aantal)", "gemiddelde fout (%)",
                  "spreiding van de fout (sd, %)", "gemiddelde absolute fout (%)",
                  "realisatie binnen [min, max] (aantal)", "paren [min, max] (aantal)"]


def forecast_label(scenario: str, metric: str) -> str:
    """The header of a backtest panel's forecast column, e.g. 'prognose medio (personen)'."""
    return column_header(f"prognose {scenario}", UNITS["persons" if metric == INFLOW else "places"].nl)


def realised_label(metric: str) -> str:
    """The header of the realised column: the inflow, or COA occupancy the day before the need's date."""
    return column_header("gerealiseerd" if metric == INFLOW else "bezetting de dag ervoor", UNITS["persons"].nl)


def _backtest() -> dict:
    """The backtest frame (mpp_xl.backtest), its metrics as the core names them, and for the COA rows the date
    of the forecast need (1 January) by (edition, scenario, forecast), read once."""
    def read():
        from .editions import published_record
        frame = backtest_frame()
        record = published_record()
        need = record[record.metric == "coa.capacity_need"]
        return {"frame": frame, "metrics": list(dict.fromkeys(frame.metric)),
                "need_dates": {(r.edition, r.scenario, float(r.value)): str(r.year) for r in need.itertuples()}}
    return shipped("backtest", read)


def backtest_metric_arg(value) -> str:
    """inflow.total or the COA need against occupancy (by the core's name, or 'coa.capacity_need' for short)."""
    name = scalar(value, "metric", default=INFLOW)
    metrics = _backtest()["metrics"]
    coa = next((m for m in metrics if m != INFLOW), None)
    aliases = {m: m for m in metrics} | ({"coa.capacity_need": coa, "coa.capacity_need vs occupancy": coa,
                                         "coa.capacity_need_vs_occupancy": coa} if coa else {})
    if name not in aliases:
        raise fail("metric", "unknown_backtest", name=name, hint=did_you_mean(name, aliases),
                   choices=", ".join(metrics))
    return aliases[name]


def backtest_what_arg(value) -> str:
    name = scalar(value, "what", default="panel")
    if name not in BACKTEST_WHAT:
        raise fail("what", "backtest_what", name=name)
    return BACKTEST_WHAT[name]


def _cell(value):
    """A number for a cell; NaN (a figure that is not published) is an empty cell, never 0."""
    return float(value) if value is not None and np.isfinite(value) else None


def _backtest_panel(frame, metric: str) -> list[list]:
    """Editions x years: one row per edition and forecast year (by year, then by publication), the forecast of
    each scenario, the realised figure and the error of each scenario in % of the realised figure. The COA
    panel names the day of each forecast need (1 January) and compares it with the occupancy the day before."""
    coa = metric != INFLOW
    need_dates = _backtest()["need_dates"]
    header = ["jaar", "editie", "gepubliceerd", LEAD_LABEL, *(["behoefte op"] if coa else []),
              *(forecast_label(s, metric) for s in SCENARIOS), realised_label(metric),
              *(f"fout {s} (%)" for s in SCENARIOS)]
    body = []
    for (year, _, edition), rows in frame.groupby(["year", "published", "edition"], sort=True):
        by_scenario = {r.scenario: r for r in rows.itertuples()}
        realised = rows.realised.dropna()
        dates = [need_dates.get((edition, r.scenario, float(r.forecast)), "") for r in rows.itertuples()]
        body.append([float(year), str(edition), str(rows.published.iloc[0]), float(rows.lead_years.iloc[0]),
                     *([next((d for d in dates if d), None)] if coa else []),
                     *(_cell(by_scenario[s].forecast) if s in by_scenario else None for s in SCENARIOS),
                     _cell(realised.iloc[0]) if len(realised) else None,
                     *(_cell(by_scenario[s].error_pct) if s in by_scenario else None for s in SCENARIOS)])
    return [header] + body


def _backtest_summary(frame) -> list[list]:
    """Per lead (0, 1, 2 years ahead) and scenario: bias and spread of the error, and how often the realised
    figure fell inside the edition's [min, max]."""
    summary = backtest_summary(frame)
    order = {s: i for i, s in enumerate((*SCENARIOS, "min-max"))}
    rows = sorted(summary.itertuples(index=False), key=lambda r: (r.lead_years, order.get(r.scenario, 9)))
    return [SUMMARY_HEADER] + [[r.scenario, float(r.lead_years), float(r.forecasts), float(r.with_realised),
                                *(_cell(v) for v in (r.mean_error_pct, r.sd_error_pct, r.mean_abs_error_pct,
                                                     r.inside_min_max, r.min_max_pairs))] for r in rows]


@excel_safe
def backtest_table(metric=INFLOW, what="panel"):
    """The published forecasts of every MPP edition against what happened (mpp_xl.backtest; the editions record,
    not the assumptions: the same in every workbook). Blank where a figure is not published."""
    name, kind = backtest_metric_arg(metric), backtest_what_arg(what)

    def compute():
        frame = _backtest()["frame"]
        frame = frame[frame.metric == name]
        return _backtest_panel(frame, name) if kind == "panel" else _backtest_summary(frame)

    return cached_fixed_table("backtest", (name, kind), compute)
