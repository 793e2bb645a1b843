"""The tables behind the Excel functions: input normalisation, caching and the error policy.

This module knows nothing of xlwings (``mpp_xl.udfs`` wraps it): every function takes plain Python
values as a cell or range delivers them (None for empty cells, floats, strings, datetimes, nested lists)
and returns a list of rows. Errors come back as a one-line ``Fout: ...`` text in the cell; the traceback
of an unexpected error goes to the log file.

Caches: the assumptions range is parsed once per distinct content; the model runs once per effective
assumptions hash; each table is kept per normalised arguments and hash.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import tempfile
import traceback
from pathlib import Path

import numpy as np

from . import __version__
from .assumptions import COLUMNS, EXCEL_EPOCH, SCENARIOS, Assumption, AssumptionSet, parse_table
from .chain import METRIC_UNITS
from .errors import MppError, did_you_mean
from .memo import LruCache
from .model import WINDOW, ModelCaches, RunResult, run_model
from .penalties import COUNTS
from .timegrid import TimeGrid
from .variants import NAMED_VARIANTS

LOG_FILE = Path(tempfile.gettempdir()) / "mpp-xl-udf.log"
RANGE_NAME = "Aannames"
ALL_WORDS = ("all", "alle")
FREQUENCIES = {"month": "month", "maand": "month", "year": "year", "jaar": "year"}
CACHE_SIZE = 256
GRID = TimeGrid.from_text("2022-01", "2030-12")  # the workbook's fixed horizon


_sets = LruCache(32)      # assumptions range content -> AssumptionSet
_runs = LruCache(8)       # assumptions hash -> RunResult
_tables = LruCache(CACHE_SIZE)  # (function, normalised args, hash) -> table
_stages = ModelCaches()   # queues and penalty tracks reused across runs whose inputs to them are unchanged
_default = {}


def clear_caches() -> None:
    for cache in (_sets, _runs, _tables, _stages.fronts, _stages.queues, _stages.penalties):
        cache.reset()


def cache_stats() -> dict[str, tuple[int, int]]:
    return {"sets": (_sets.hits, _sets.misses), "runs": (_runs.hits, _runs.misses),
            "tables": (_tables.hits, _tables.misses)}


# ---------------------------------------------------------------- the error policy

# The core's messages are English; the workbook shows them in Dutch. Phrase by phrase in one pass (so Dutch
# words are never translated again), longest phrase first; a phrase not listed stays English; names,
# values and row numbers are kept as they are.
DUTCH = (
    ("metric and scenario cannot both be 'all': choose one metric or one scenario",
     "reeks en scenario kunnen niet allebei 'all' zijn: kies één reeks of één scenario"),
    ("including its header row, got a single cell or row", "met de kopregel, maar kreeg één cel of rij"),
    ("assumptions: expected the Aannames table with", "aannames: verwacht de tabel Aannames met"),
    ("assumptions: the Aannames table needs", "aannames: de tabel Aannames heeft nodig:"),
    ("is not one of maand, jaar (month, year)", "is niet maand of jaar"),
    ("is not a date (use YYYY-MM-DD)", "is geen datum (gebruik JJJJ-MM-DD)"),
    ("is implausibly large (more than", "is onwaarschijnlijk groot (meer dan"),
    ("a share must lie between 0 and 1", "een aandeel ligt tussen 0 en 1"),
    ("a count cannot be negative", "een aantal kan niet negatief zijn"),
    ("an amount cannot be negative", "een bedrag kan niet negatief zijn"),
    ("a duration cannot be negative", "een duur kan niet negatief zijn"),
    ("a ratio cannot be negative", "een verhouding kan niet negatief zijn"),
    ("a flag must be 0 or 1", "een vlag is 0 of 1"),
    ("the cell holds the Excel error", "de cel bevat de Excel-fout"),
    ("expected text, got the number", "verwacht tekst, maar kreeg het getal"),
    ("expected one cell, got a range of", "verwacht één cel, maar kreeg een bereik van"),
    ("required value is empty", "verplichte waarde ontbreekt"),
    ("header must contain", "de kopregel moet bevatten:"),
    ("; missing column", "; ontbrekende kolom"),
    ("is not allowed for", "is niet toegestaan voor"),
    ("is not a number", "is geen getal"),
    ("is not a date", "is geen datum"),
    ("is measured in", "heeft als eenheid"),
    ("not an empty unit", "niet een lege eenheid"),
    ("before it starts", "voordat hij begint"),
    ("period ends", "periode eindigt"),
    ("overlaps", "overlapt met"),
    ("unknown parameter", "onbekende parameter"),
    ("unknown scenario", "onbekend scenario"),
    ("unknown variant", "onbekende variant"),
    ("unknown metric", "onbekende reeks"),
    ("(did you mean", "(bedoelt u"),
    ("; use one of", "; kies uit"),
    ("; use", "; kies"),
    (": period ", ": periode "),
    (" of ", " van "),
    (" for ", " voor "),
    (" or all", " of all"),
    ("columns", "kolommen"),
    (", got", ", kreeg"),
    (", row", ", rij"),
    (" row ", " rij "),
    (", column", ", kolom"),
    (", not ", ", niet "),
    (" sum to ", " tellen op tot "),
    ("metric:", "reeks:"),
    ("frequency:", "frequentie:"),
)


_DUTCH_PATTERN = re.compile("|".join(re.escape(e) for e, _ in sorted(DUTCH, key=lambda p: -len(p[0]))))
_DUTCH_WORDS = dict(DUTCH)


def in_dutch(message: str) -> str:
    """The one-line message of the core, in Dutch for the workbook."""
    return _DUTCH_PATTERN.sub(lambda match: _DUTCH_WORDS[match.group(0)], message)


def excel_safe(func):
    """Return ``Fout: <one line>`` instead of raising; log the traceback of unexpected errors."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except MppError as exc:
            return [[f"Fout: {in_dutch(str(exc))}"]]
        except Exception as exc:  # noqa: BLE001 - a cell must never show a traceback
            try:
                with open(LOG_FILE, "a", encoding="utf-8") as log:
                    log.write(f"{func.__name__}{args!r}\n{traceback.format_exc()}\n")
            except OSError:
                pass
            return [[f"Fout: interne fout in {func.__name__} ({type(exc).__name__}); details in {LOG_FILE}"]]

    return wrapper


# ---------------------------------------------------------------- normalising cell input

EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})


def _is_excel_error(value) -> bool:
    """Excel error values arrive as text ('#N/A'), as error objects (formula engines) or as ints (COM)."""
    return value is not None and not isinstance(value, (int, float, dt.date)) and str(value).upper() in EXCEL_ERRORS


def scalar(value, what: str, default: str | None = None) -> str:
    """A text argument from a cell: unwrap 1x1 ranges, reject errors and numbers, lower-case it."""
    while isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim > 0):
        if len(value) != 1:
            raise MppError(f"{what}: expected one cell, got a range of {len(value)}")
        value = value[0]
    if isinstance(value, np.ndarray):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        if default is None:
            raise MppError(f"{what}: required value is empty")
        return default
    if _is_excel_error(value):
        raise MppError(f"{what}: the cell holds the Excel error {value}")
    if isinstance(value, (bool, int, float, np.number)):
        raise MppError(f"{what}: expected text, got the number {value}")
    return str(value).strip().lower()


def scenario_arg(value, allow_all: bool = True) -> str:
    name = scalar(value, "scenario", default="medio")
    if allow_all and name in ALL_WORDS:
        return "all"
    if name not in SCENARIOS:
        choices = SCENARIOS + (("all",) if allow_all else ())
        raise MppError(f"scenario: unknown scenario '{name}'{did_you_mean(name, choices)}; use {', '.join(choices)}")
    return name


def variant_arg(value, run: RunResult) -> str:
    name = scalar(value, "variant", default="base")
    if name in ALL_WORDS:
        return "all"
    if name not in run.variants:
        raise MppError(f"variant: unknown variant '{name}'{did_you_mean(name, run.variants)}; "
                       f"use {', '.join(run.variants)} or all")
    return name


def metric_arg(value) -> list[str]:
    """A metric name, a prefix ending in '*' (e.g. 'coa.*') or 'all'."""
    name = scalar(value, "metric", default="all")
    if name in ALL_WORDS:
        return list(METRIC_UNITS)
    if name.endswith("*"):
        chosen = [m for m in METRIC_UNITS if m.startswith(name[:-1])]
        if chosen:
            return chosen
    elif name in METRIC_UNITS:
        return [name]
    raise MppError(f"metric: unknown metric '{name}'{did_you_mean(name, METRIC_UNITS)}")


def frequency_arg(value) -> str:
    name = scalar(value, "frequency", default="month")
    if name not in FREQUENCIES:
        raise MppError(f"frequency: '{name}' is not one of maand, jaar (month, year)")
    return FREQUENCIES[name]


def _rows_of(value) -> list[list]:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not value or not isinstance(value[0], (list, tuple, np.ndarray)):
        raise MppError(f"assumptions: expected the {RANGE_NAME} table with {len(COLUMNS)} columns "
                       f"({','.join(COLUMNS)}) including its header row, got a single cell or row")
    rows = [list(r.tolist() if isinstance(r, np.ndarray) else r) for r in value]
    if len(rows[0]) < len(COLUMNS):
        raise MppError(f"assumptions: the {RANGE_NAME} table needs {len(COLUMNS)} columns ({','.join(COLUMNS)}), "
                       f"got {len(rows[0])}")
    return rows


def _cell_key(cell):
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return None
    if isinstance(cell, (dt.date, dt.datetime)):
        return cell.isoformat()
    if isinstance(cell, (np.floating, np.integer)):
        return float(cell)
    return cell if isinstance(cell, (int, float, str)) else str(cell)


def _clean_cell(cell, row_no: int, column: str):
    if _is_excel_error(cell):
        raise MppError(f"{RANGE_NAME}, row {row_no}, column '{column}': the cell holds the Excel error {cell}")
    if isinstance(cell, str):
        return cell.strip()
    return cell


def default_set() -> AssumptionSet:
    if "set" not in _default:
        _default["set"] = AssumptionSet.default()
        _default["keys"] = {_identity(r) for _, r in _default["set"].records()}
    return _default["set"]


def _identity(rec: Assumption) -> tuple:
    """What makes a record change the model (its source does not)."""
    return rec.parameter, rec.scenario, rec.start, rec.end, rec.value, rec.unit


def assumptions_arg(value) -> AssumptionSet:
    """The workbook's assumptions range as an override layer over the embedded defaults.

    Rows identical in value to an embedded record add nothing, so an unedited sheet gives exactly the
    default run (same hash as the CLI); a changed row overrides as in ``mpp-xl run --assumptions``.
    Empty argument = the embedded defaults.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return default_set()
    rows = _rows_of(value)
    try:  # a 64-bit hash of the content: comparing the whole table on every call would cost more than the call
        key = (len(rows), hash(tuple(map(tuple, rows))))
    except TypeError:
        key = repr([[_cell_key(c) for c in r] for r in rows])

    def build():
        header = [str(c).strip().lower() if c is not None else "" for c in rows[0]]
        clean = [rows[0]] + [[_clean_cell(c, n, header[i] if i < len(header) else f"#{i + 1}")
                              for i, c in enumerate(r)] for n, r in enumerate(rows[1:], start=2)]
        base = default_set()
        records = parse_table(clean, RANGE_NAME, base.registry, default_source=f"workbook {RANGE_NAME}")
        changed = [r for r in records if _identity(r) not in _default["keys"]]
        return base.with_layer(f"workbook {RANGE_NAME}", changed)

    return _sets.fetch(key, build)


def model_run(aset: AssumptionSet) -> RunResult:
    return _runs.fetch(aset.digest, lambda: run_model(aset, GRID, SCENARIOS, NAMED_VARIANTS, caches=_stages))


def cached_table(name: str, args: tuple, aset: AssumptionSet, compute):
    return _tables.fetch((name, args, aset.digest), compute)


# ---------------------------------------------------------------- the tables

def excel_serial(day) -> float:
    return float((np.datetime64(day, "D") - np.datetime64(EXCEL_EPOCH, "D")).astype(int))


def _finite(values):
    """Numbers for the cells; an undefined value (NaN, e.g. the mean wait in a month without decisions) becomes an
    empty cell, as in the CLI's CSV files, never a made-up 0."""
    return [float(v) if np.isfinite(v) else None for v in values]


def _rows(keys, columns) -> list[list]:
    """Body rows: the key (date or year) and one value per column."""
    cells = [_finite(c) for c in columns]
    return [[key, *(c[i] for c in cells)] for i, key in enumerate(keys)]


def _yearly(metric: str, values: np.ndarray, chain) -> np.ndarray:
    years = np.unique(GRID.years)
    if METRIC_UNITS[metric].endswith("/month"):
        return np.array([math.fsum(values[GRID.years == y]) for y in years])
    if METRIC_UNITS[metric] == "weeks":  # the mean over the year's decisions
        queue = chain.queues[metric.rsplit(".", 1)[1]]
        return np.array([queue.mean_wait_weeks_over(GRID.years == y) for y in years])
    return np.array([values[GRID.years == y][-1] for y in years])


@excel_safe
def version_table(assumptions=None):
    aset = assumptions_arg(assumptions)
    return [[f"mpp-xl {__version__} | {aset.name} | {aset.digest}"]]


@excel_safe
def params_table(assumptions=None):
    aset = assumptions_arg(assumptions)
    def compute():  # values as numbers, so Excel can calculate with them; open dates as empty cells
        rows = [[*row[:4], float(row[4]), *row[5:]] for row in aset.table_rows()]
        return [list(COLUMNS) + ["laag"]] + rows

    return cached_table("params", (), aset, compute)


@excel_safe
def projection_table(metric="all", scenario="medio", assumptions=None, frequency="month"):
    aset = assumptions_arg(assumptions)
    metrics, scen, freq = metric_arg(metric), scenario_arg(scenario), frequency_arg(frequency)
    if scen == "all" and len(metrics) > 1:
        raise MppError("metric and scenario cannot both be 'all': choose one metric or one scenario")

    def compute():
        run = model_run(aset)
        columns = [(m, scen) for m in metrics] if scen != "all" else [(metrics[0], s) for s in SCENARIOS]
        header = ["jaar" if freq == "year" else "datum"] + [m if scen != "all" else s for m, s in columns]
        if freq == "year":
            keys = [float(y) for y in np.unique(GRID.years)]
            data = [_yearly(m, run.chain(s).metrics[m], run.chain(s)) for m, s in columns]
        else:
            keys = [excel_serial(d) for d in GRID.month_ends]
            data = [run.chain(s).metrics[m] for m, s in columns]
        return [header] + _rows(keys, data)

    return cached_table("projection", (tuple(metrics), scen, freq), aset, compute)


TRACK_LABELS = {"asylum": "asiel_eur", "nareis": "nareis_eur", "total": "totaal_eur"}
PAID_LABEL = "betaald (kasbasis)"  # all tracks, in the year of payment; the other amounts are in the year they accrue
COUNT_LABELS = {"cases_overdue": "zaken_over_termijn", "notices": "ingebrekestellingen", "appeals": "beroepen"}


@excel_safe
def penalties_table(scenario="medio", variant="base", assumptions=None):
    aset = assumptions_arg(assumptions)
    run = model_run(aset)
    scen, var = scenario_arg(scenario), variant_arg(variant, run)

    def compute():
        years = [float(y) for y in np.unique(GRID.years)]
        yearly = run.yearly_penalties
        if scen != "all" and var != "all":
            header = ["jaar", *TRACK_LABELS.values(), PAID_LABEL, "verschil_met_base_eur", *COUNT_LABELS.values()]
            columns = [yearly[(scen, var, t)]["amount_eur"] for t in TRACK_LABELS]
            total = yearly[(scen, var, "total")]
            columns += [total["amount_paid_eur"], total["delta_vs_base_eur"]] + [total[c] for c in COUNTS]
        else:
            combos = [(s, v) for s in (SCENARIOS if scen == "all" else (scen,))
                      for v in (list(run.variants) if var == "all" else [var])]
            deltas = [c for c in combos if c[1] != "base"]
            header = ["jaar"] + [f"{s} {v}" for s, v in combos] + [f"verschil {s} {v}" for s, v in deltas]
            columns = ([yearly[(s, v, "total")]["amount_eur"] for s, v in combos]
                       + [yearly[(s, v, "total")]["delta_vs_base_eur"] for s, v in deltas])
        return [header] + _rows(years, columns)

    return cached_table("penalties", (scen, var), aset, compute)


@excel_safe
def summary_table(assumptions=None):
    aset = assumptions_arg(assumptions)

    def compute():
        run = model_run(aset)
        others = [v for v in run.variants if v != "base"]
        header = ["scenario"] + [f"{v} {WINDOW[0]}-{WINDOW[1]}" for v in run.variants] + [f"verschil {v}" for v in others]
        totals = {(s, v): run.window_total(s, v) for s in SCENARIOS for v in run.variants}
        body = [[s] + [totals[(s, v)][0] for v in run.variants] + [totals[(s, v)][1] for v in others]
                for s in SCENARIOS]
        return [header] + body

    return cached_table("summary", (), aset, compute)
