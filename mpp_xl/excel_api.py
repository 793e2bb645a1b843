"""The tables behind the Excel functions: input normalisation, caching and the error policy.

This module knows nothing of xlwings (``mpp_xl.udfs`` wraps it): every function takes plain Python
values as a cell or range delivers them (None for empty cells, floats, strings, datetimes, nested lists)
and returns a list of rows. Errors come back as a one-line ``Fout: ...`` text in the cell, in Dutch (every
message, in English and Dutch, is in ``mpp_xl.messages``); the traceback of an unexpected error goes to the log
file. Headers are Dutch labels from ``mpp_xl.catalogue``; an undefined value (NaN) is an empty cell, never 0.

Every table runs on an effective assumption set built as ``mpp-xl run`` builds it: an MPP edition (default
mpp-2024-II), the policy measures switched on (in the order listed), then the changed rows of the Aannames
range. Totals and deltas are over a window of years (default model.WINDOW, the letter's).

Caches: the assumptions and measures ranges are parsed once per distinct content, keyed by a SHA-256 of their
exact content (``content_digest``: the type and value of every cell); the model runs once per effective
assumptions hash (the window only selects years, it never reruns the model); each table is kept per
normalised arguments and hash. MPP_BACKTEST reads the published record of the editions only.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import math
import os
import re
import tempfile
import traceback
from pathlib import Path

import numpy as np

from . import __version__
from .assumptions import (COLUMNS, EXCEL_EPOCH, SCENARIOS, Assumption, AssumptionSet, check_effect, check_overlaps,
                          is_blank, parse_record, table_columns, with_origin)
from .backtest import backtest_frame, backtest_summary
from .budget import LINES, known_by_year
from .catalogue import (BUDGET_LINES_NL, COLUMNS_NL, METRIC_UNITS, METRICS, UNITS, metric_header, unit_per_year,
                        variant_name)
from .catalogue import header as column_header
from .compare import YEAR_END, comparison_rows
from .editions import DEFAULT_EDITION, REALISED, available_editions, find_edition
from .errors import MppError, did_you_mean
from .measures import Measure, available_measures
from .memo import LruCache
from .messages import dutch, english, to_dutch
from .model import WINDOW, ModelCaches, RunResult, parse_window, run_model
from .penalties import COUNTS
from .runspec import RunSpec
from .timegrid import DEFAULT_END, DEFAULT_START, TimeGrid
from .variants import NAMED_VARIANTS

# the legal variants the workbook offers: the letter's three and the current legal situation (WBV 2023/26
# withdrawn for the future, June 2025)
WORKBOOK_VARIANTS = (*NAMED_VARIANTS, "wbv_2023_26_withdrawn")

LOG_FILE = Path(tempfile.gettempdir()) / "mpp-xl-udf.log"
LOG_FILE_SHOWN = r"%TEMP%\mpp-xl-udf.log"  # where the log lies on the user's Windows machine (as the workbook says)
RANGE_NAME = "Aannames"
ALL_WORDS = ("all", "alle")
FREQUENCIES = {"month": "month", "maand": "month", "year": "year", "jaar": "year"}
CACHE_SIZE = 256
GRID = TimeGrid.from_text(DEFAULT_START, DEFAULT_END)  # the workbook's fixed horizon: the default of every run


_sets = LruCache(32)      # assumptions range content -> AssumptionSet
_runs = LruCache(8)       # assumptions hash -> RunResult
_tables = LruCache(CACHE_SIZE)  # (function, normalised args, hash) -> table
_frames = LruCache(8)     # (hash A, hash B, scenario, variant, window) -> comparison rows
_rows_parsed = LruCache(4096)  # (row number, columns, exact cells) -> the record of one Aannames row
_stages = ModelCaches()   # queues and penalty tracks reused across runs whose inputs to them are unchanged
_default = {}
_catalogue = {}           # editions and measures as shipped (read once)


def clear_caches() -> None:
    for cache in (_sets, _runs, _tables, _frames, _rows_parsed, *_stages.all()):
        cache.reset()
    _catalogue.clear()


def cache_stats() -> dict[str, tuple[int, int]]:
    return {"sets": (_sets.hits, _sets.misses), "runs": (_runs.hits, _runs.misses),
            "tables": (_tables.hits, _tables.misses)}


# ---------------------------------------------------------------- the error policy

def in_dutch(message: str) -> str:
    """The one-line message of the core, in Dutch for the workbook (every message is in ``mpp_xl.messages``)."""
    return to_dutch(message)


def fail(arg: str, key: str, **values) -> MppError:
    """The error of a bad argument: '<argument>: <the catalogue message key>'."""
    return MppError(english("argument", arg=arg, reason=english(key, **values)))


def _log(text: str) -> bool:
    """Append to the log; never follow a link planted at its name (the log is the user's own file)."""
    try:
        handle = os.open(LOG_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(handle, "a", encoding="utf-8") as log:
            log.write(text)
        return True
    except OSError:
        return False


def excel_safe(func):
    """Return ``Fout: <one line>`` instead of raising; log the traceback of unexpected errors."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except MppError as exc:
            return [[f"Fout: {in_dutch(str(exc))}"]]
        except Exception as exc:  # noqa: BLE001 - a cell must never show a traceback
            _log(f"{func.__name__}{args!r}\n{traceback.format_exc()}\n")
            return [[f"Fout: {dutch('internal', function=func.__name__, kind=type(exc).__name__, log=LOG_FILE)}"]]

    return wrapper


# ---------------------------------------------------------------- normalising cell input

EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})


def _is_excel_error(value) -> bool:
    """Excel error values arrive as text ('#N/A'), as error objects (formula engines) or as ints (COM)."""
    return value is not None and not isinstance(value, (int, float, dt.date)) and str(value).upper() in EXCEL_ERRORS


def _one_cell(value, what: str):
    """Unwrap 1x1 ranges (lists, tuples, arrays) to the cell value."""
    while isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim > 0):
        if len(value) != 1:
            raise fail(what, "one_cell", count=len(value))
        value = value[0]
    if isinstance(value, np.ndarray):
        value = value.item()
    return value


def scalar(value, what: str, default: str | None = None, lower: bool = True) -> str:
    """A text argument from a cell: unwrap 1x1 ranges, reject errors and numbers, lower-case it."""
    value = _one_cell(value, what)
    if is_blank(value):
        if default is None:
            raise fail(what, "required")
        return default
    if _is_excel_error(value):
        raise fail(what, "excel_error", value=value)
    if isinstance(value, (bool, int, float, np.number)):
        raise fail(what, "expected_text", value=value)
    text = str(value).strip()
    return text.lower() if lower else text


def scenario_arg(value, allow_all: bool = True) -> str:
    name = scalar(value, "scenario", default="medio")
    if allow_all and name in ALL_WORDS:
        return "all"
    if name not in SCENARIOS:
        choices = SCENARIOS + (("all",) if allow_all else ())
        raise fail("scenario", "unknown_scenario", name=name, hint=did_you_mean(name, choices),
                   choices=", ".join(choices))
    return name


def variant_arg(value, run: RunResult | None = None) -> str:
    """A variant of the run (default: the named variants every workbook run has) or all."""
    variants = run.variants if run is not None else WORKBOOK_VARIANTS
    name = scalar(value, "variant", default="base")
    if name in ALL_WORDS:
        return "all"
    if name not in variants:
        raise fail("variant", "unknown_variant", name=name, hint=did_you_mean(name, variants),
                   choices=", ".join(variants))
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
    raise fail("metric", "unknown_metric", name=name, hint=did_you_mean(name, METRIC_UNITS))


def window_arg(value) -> tuple[int, int]:
    """'2026-2030' -> (2026, 2030); empty = model.WINDOW (the letter's window). A year typed as a number is read
    as its text, so the message says how to write a window."""
    value = _one_cell(value, "window")
    if is_blank(value):
        return WINDOW
    if _is_excel_error(value):
        raise fail("window", "excel_error", value=value)
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and math.isfinite(value) \
            and float(value).is_integer():
        value = int(value)
    return parse_window(str(value).strip(), GRID)


def _window_text(window: tuple[int, int]) -> str:
    return f"{window[0]}-{window[1]}"


def editions() -> dict:
    """The shipped editions by name (read once)."""
    if "editions" not in _catalogue:
        _catalogue["editions"] = available_editions()
    return _catalogue["editions"]


def edition_choices() -> list[str]:
    """What an edition selector offers: every published edition, oldest first, then realised (what happened:
    the realised inflow through the last published year, then the latest editions)."""
    return [*editions(), REALISED]


def edition_title(name: str) -> str:
    """'mpp-2024-I' -> 'MPP 2024-I'; realised -> its Dutch name."""
    return editions()[name].title if name in editions() else "gerealiseerd"


def measures() -> dict[str, Measure]:
    """The shipped policy measures by name, in the order of measures.csv (read once)."""
    if "measures" not in _catalogue:
        _catalogue["measures"] = available_measures(default_set().registry)
    return _catalogue["measures"]


def edition_arg(value, what: str = "edition") -> str:
    """An edition name as the user typed it (any case) -> its canonical name; empty = mpp-2024-II."""
    name = scalar(value, what, default=DEFAULT_EDITION, lower=False)
    if "by_lower" not in _catalogue:
        _catalogue["by_lower"] = {key.lower(): key for key in editions()}
    by_lower = _catalogue["by_lower"]
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    try:
        return find_edition(name).name
    except MppError as exc:
        raise MppError(english("argument", arg=what, reason=str(exc))) from None


def _measures_row(row_no: int, key: str, **values) -> MppError:
    return MppError(english("measures_row", row=row_no, reason=english(key, **values)))


SWITCH_ON = frozenset({"ja", "j", "yes", "y", "aan", "true", "waar", "x", "1"})
SWITCH_OFF = frozenset({"nee", "n", "no", "uit", "false", "onwaar", "0"})


def _switch(value, row_no: int) -> bool:
    """A ja/nee cell: ja (or yes, aan, TRUE, 1) switches a measure on; nee, empty (or no, uit, FALSE, 0) off."""
    if is_blank(value):
        return False
    if _is_excel_error(value):
        raise _measures_row(row_no, "excel_error", value=value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = (format(value, "g") if isinstance(value, (int, float, np.number)) else str(value)).strip().lower()
    if text in SWITCH_ON:
        return True
    if text in SWITCH_OFF:
        return False
    raise _measures_row(row_no, "switch", value=value)


def measures_arg(value) -> tuple[str, ...]:
    """The measures switched on, in the order listed (kept per distinct content of the range)."""
    return _sets.fetch(("measures", content_key(value)), lambda: _parse_measures(value))


def _parse_measures(value) -> tuple[str, ...]:
    """The measures switched on, in the order listed.

    The range Maatregelen on Start: one row per measure, its name in the first column and ja/nee in the
    second (further columns, e.g. the description, are ignored; a row without a second column counts as
    ja). A text such as "nareisrem, ind_capaciteitsplan" names measures directly. Empty = no measures."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)) and len(value) == 1 and not isinstance(value[0], (list, tuple, np.ndarray)):
        value = value[0]
    if not isinstance(value, (list, tuple)):
        if is_blank(value):
            return ()
        if _is_excel_error(value):
            raise fail("measures", "excel_error", value=value)
        if isinstance(value, (bool, int, float, np.number)):
            raise fail("measures", "measure_number", value=value)
        return _names(value)
    chosen = []
    switched = {}  # measure -> (row, on): a measure switched both on and off is a contradiction, not a choice
    for row_no, row in enumerate(value, start=1):
        cells = list(row.tolist() if isinstance(row, np.ndarray) else row) if isinstance(
            row, (list, tuple, np.ndarray)) else [row]
        if not cells or is_blank(cells[0]):
            continue
        name = cells[0]
        if _is_excel_error(name):
            raise _measures_row(row_no, "excel_error", value=name)
        if isinstance(name, (bool, int, float, np.number)):
            raise _measures_row(row_no, "measure_number", value=name)
        if len(cells) < 2:
            chosen += _names(name)
            continue
        on = _switch(cells[1], row_no)
        key = str(name).strip().lower()
        if key in switched and switched[key][1] != on:
            raise _measures_row(row_no, "measure_both", name=key, first=switched[key][0])
        switched.setdefault(key, (row_no, on))
        if on:
            chosen.append(key)
    return tuple(chosen)


def _names(text) -> tuple[str, ...]:
    """'nareisrem, ind_capaciteitsplan' -> ('nareisrem', 'ind_capaciteitsplan')."""
    return tuple(part.strip().lower() for part in re.split(r"[,;]", str(text)) if part.strip())


def frequency_arg(value) -> str:
    name = scalar(value, "frequency", default="month")
    if name not in FREQUENCIES:
        raise fail("frequency", "frequency", name=name)
    return FREQUENCIES[name]


def _rows_of(value) -> list[list]:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not value or not isinstance(value[0], (list, tuple, np.ndarray)):
        raise fail("assumptions", "table_shape", range=RANGE_NAME, count=len(COLUMNS), columns=",".join(COLUMNS))
    rows = [list(r.tolist() if isinstance(r, np.ndarray) else r) for r in value]
    if len(rows[0]) < len(COLUMNS):
        raise fail("assumptions", "table_narrow", range=RANGE_NAME, count=len(COLUMNS), columns=",".join(COLUMNS),
                   got=len(rows[0]))
    return rows


_PLAIN = frozenset({type(None), bool, int, float, str, dt.datetime, dt.date})  # types whose repr() is exact


def _tagged(value) -> str:
    """An exact text of any cell or range: the type and value of every cell (the slow path of
    ``content_digest``, for arrays, numpy numbers and error objects of formula engines)."""
    if isinstance(value, np.ndarray):
        return _tagged(value.tolist())
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(map(_tagged, value)) + "]"
    if type(value) in _PLAIN:
        return repr(value)
    if isinstance(value, np.generic):
        return _tagged(value.item())
    return f"<{type(value).__module__}.{type(value).__qualname__}:{str(value)!r}>"


def content_digest(value) -> str:
    """A SHA-256 of an argument's exact content, the type and value of every cell. Python's hash() is not a
    key: hash(-1.0) == hash(-2.0), and hash(1.0) == hash(True) == hash(2.0 ** -61), so a changed cell could be
    served the old results."""
    if isinstance(value, np.ndarray):
        value = value.tolist()  # Python numbers and lists, so the fast path below applies
    if isinstance(value, (list, tuple)) and all(type(row) in (list, tuple) for row in value) \
            and _PLAIN.issuperset(map(type, itertools.chain.from_iterable(value))):
        text = repr(value)  # the common case, a range of plain cells: repr() is exact for these types (C speed)
    else:
        text = _tagged(value)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _row_key(row) -> tuple | str:
    """One row's cells with their types (exact, as ``content_key``), or its digest if a cell is not plain."""
    types = tuple(map(type, row))
    return (tuple(row), types) if _PLAIN.issuperset(types) else content_digest([row])


class ExactKey:
    """A range of plain cells as a cache key: the cells and the type of each (a dict compares keys by equality,
    so 1.0 and True, or -1.0 and -2.0, never share one), its hash computed once."""

    __slots__ = ("cells", "types", "_hash")

    def __init__(self, cells: tuple, types: tuple):
        self.cells, self.types = cells, types
        self._hash = hash((cells, types))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return (isinstance(other, ExactKey) and self._hash == other._hash and self.types == other.types
                and self.cells == other.cells)


_ROW_TYPES = frozenset({list, tuple})


def content_key(value):
    """The cache key of an argument as delivered, exact as ``content_digest`` but faster for a range of plain
    cells (``ExactKey``); anything else keys by its digest."""
    if type(value) in _ROW_TYPES and _ROW_TYPES.issuperset(map(type, value)):
        cells = tuple(map(tuple, value))
        types = tuple(map(type, itertools.chain.from_iterable(cells)))
        if _PLAIN.issuperset(types):
            return ExactKey(cells, types)
    return content_digest(value)


def _clean_cell(cell, row_no: int, column: str):
    if _is_excel_error(cell):
        raise MppError(english("cell", where=RANGE_NAME, row=row_no, column=column,
                               reason=english("excel_error", value=cell)))
    if isinstance(cell, str):
        return cell.strip()
    return cell


def _clean_row(row: list, header: list, row_no: int) -> list:
    """A row of the Aannames range with its cells stripped; an Excel error value is refused naming its cell."""
    names = ["" if is_blank(c) else str(c).strip().lower() for c in header]
    return [_clean_cell(c, row_no, names[i] if i < len(names) and names[i] else f"#{i + 1}")
            for i, c in enumerate(row)]


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
    if not isinstance(value, (list, tuple, np.ndarray)) and is_blank(value):
        return default_set()
    def build():
        rows = _rows_of(value)  # the shape is checked before anything is kept
        where = RANGE_NAME
        columns = table_columns(rows[0], where)
        layout = (columns[0], tuple(columns[1].items()))  # hashable
        base = default_set()
        records = []
        for row_no, row in enumerate(rows[1:], start=2):
            rec = _rows_parsed.fetch((row_no, layout, _row_key(row)),
                                     lambda: parse_record(_clean_row(row, rows[0], row_no), columns, row_no, where,
                                                          base.registry, default_source=f"workbook {where}"))
            if rec is not None:
                records.append(rec)
        check_overlaps(records)
        changed = [r for r in records if _identity(r) not in _default["keys"]]
        return base.with_layer(f"workbook {RANGE_NAME}", changed)

    return _sets.fetch(("assumptions", content_key(value)), build)


def _edition_base(name: str, what: str) -> AssumptionSet:
    """The assumption set of an edition over the workbook's horizon, for every scenario (kept per edition)."""
    sets = _catalogue.setdefault("sets", {})
    if name not in sets:
        try:
            sets[name] = RunSpec(name).edition_base(SCENARIOS, GRID)
        except MppError as exc:  # 'edition MPP 2023-II publishes no ...' names the edition argument itself
            raise MppError(str(exc) if what == "edition" and str(exc).startswith("edition")
                           else english("argument", arg=what, reason=str(exc))) from None
    return sets[name]


def effective_set(assumptions=None, edition=None, measures_on=None, what: str = "edition") -> AssumptionSet:
    """The assumption set a table runs on, built as ``mpp-xl run --edition E --measure M... --assumptions F``
    builds it (same name, same layers, so the same hash): the edition, the measures switched on in the order
    listed, then the changed rows of the Aannames range."""
    name = edition_arg(edition, what)
    chosen = measures_arg(measures_on)
    return _effective(assumptions_arg(assumptions), name, chosen, what)


def _effective(aset: AssumptionSet, name: str, chosen: tuple[str, ...], what: str) -> AssumptionSet:
    """``aset`` (the Aannames layer over the embedded defaults) moved onto an edition with measures: the
    ``RunSpec`` of the edition, the measures and the workbook's layer, each step's error named by its argument."""
    if name == DEFAULT_EDITION and not chosen:
        return aset
    spec = RunSpec(name, chosen, aset.layers[1:])

    def build():
        try:
            with_measures = spec.with_measures(_edition_base(name, what), measures())
        except MppError as exc:
            raise MppError(english("argument", arg="measures", reason=str(exc))) from None
        return spec.with_layers(with_measures)

    return _sets.fetch(("effective", name, chosen, aset.digest), build)


def _checked_run(aset: AssumptionSet) -> RunResult:
    """A lazy run of every scenario and workbook variant: a table computes the chains it reads. Cross-checks
    name the Aannames row (or the shipped record) they rest on."""
    try:
        check_effect(aset, GRID)
        return run_model(aset, GRID, SCENARIOS, WORKBOOK_VARIANTS, caches=_stages, lazy=True,
                         on_error=lambda exc: with_origin(exc, aset))
    except MppError as exc:
        raise with_origin(exc, aset) from None


def model_run(aset: AssumptionSet) -> RunResult:
    return _runs.fetch(aset.digest, lambda: _checked_run(aset))


def cached_table(name: str, args: tuple, aset: AssumptionSet, compute):
    return _tables.fetch((name, args, aset.digest), compute)


# ---------------------------------------------------------------- the tables

def excel_serial(day) -> float:
    return float((np.datetime64(day, "D") - np.datetime64(EXCEL_EPOCH, "D")).astype(int))


MONTH_END_SERIALS = [excel_serial(day) for day in GRID.month_ends]  # the workbook's months as Excel dates


def _finite(values):
    """Numbers for the cells; an undefined value (NaN, e.g. the mean wait in a month without decisions) becomes an
    empty cell, as in the CLI's CSV files, never a made-up 0."""
    return [v if math.isfinite(v) else None for v in np.asarray(values, dtype=float).tolist()]


def _rows(keys, columns) -> list[list]:
    """Body rows: the key (date or year) and one value per column."""
    cells = [_finite(c) for c in columns]
    return [[key, *(c[i] for c in cells)] for i, key in enumerate(keys)]


def metric_label(metric: str, frequency: str = "month") -> str:
    """The Dutch header of a metric's column (mpp_xl.catalogue): label and unit, e.g. 'IND voorraad asiel (zaken)';
    a flow summed over a year is per year ('personen/jaar')."""
    return metric_header(metric, per_year=frequency == "year")


def _yearly(metric: str, values: np.ndarray, chain) -> np.ndarray:
    years = np.unique(GRID.years)
    if METRIC_UNITS[metric].endswith("/month"):
        return np.array([math.fsum(values[GRID.years == y]) for y in years])
    if METRIC_UNITS[metric] == "weeks":  # the mean over the year's decisions
        queue = chain.queues[metric.rsplit(".", 1)[1]]
        return np.array([queue.mean_wait_weeks_over(GRID.years == y) for y in years])
    return np.array([values[GRID.years == y][-1] for y in years])


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
            keys = [float(y) for y in np.unique(GRID.years)]
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
    years = np.unique(GRID.years)
    inside = (years >= window[0]) & (years <= window[1])
    return [f"totaal {_window_text(window)}", *_finite([math.fsum(np.asarray(c)[inside]) for c in columns])]


@excel_safe
def penalties_table(scenario="medio", variant="base", assumptions=None, window=None, edition=None,
                    measures_on=None):
    aset = effective_set(assumptions, edition, measures_on)
    run = model_run(aset)
    scen, var, span = scenario_arg(scenario), variant_arg(variant, run), window_arg(window)

    def compute():
        years = [float(y) for y in np.unique(GRID.years)]
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
        text = _window_text(span)
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
        header = ["code", COLUMNS_NL["line"][0], header_eur(f"totaal {_window_text(span)}"), *map(float, years)]
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
            total = math.fsum(values) if all(np.isfinite(values)) else math.nan
            body.append([line, label, *_finite([total, *values])])
        return [header] + body

    return cached_table("budget", (scen, var, span), aset, compute)


def _period_order(period: str) -> tuple:
    """Years and year ends in time order; the window total (e.g. 2026-2030) last."""
    return bool(re.fullmatch(r"\d{4}-\d{4}", period)), period


@excel_safe
def compare_table(a=None, b=None, what="all", assumptions=None, scenario="medio", variant="base", window=None,
                  measures_on=None):
    """Two editions side by side for one scenario and variant: code, description, period, value A, value B,
    verschil (B - A), unit. The Aannames rows, the measures and the window apply to both."""
    name_a, name_b = (edition_arg(scalar(x, w, lower=False), w) for x, w in ((a, "a"), (b, "b")))  # both required
    chosen = measures_arg(measures_on)
    whats, scen, span = what_arg(what), scenario_arg(scenario, allow_all=False), window_arg(window)
    rows = assumptions_arg(assumptions)
    set_a, set_b = _effective(rows, name_a, chosen, "a"), _effective(rows, name_b, chosen, "b")
    var = one_variant_arg(variant)  # the named variants every workbook run has
    titles = [edition_title(name) for name in (name_a, name_b)]

    def compute():
        views = [model_run(aset).view(scen, var, span) for aset in (set_a, set_b)]
        compared = _frames.fetch((set_a.digest, set_b.digest, scen, var, span), lambda: comparison_rows(*views))
        order = {w: i for i, w in enumerate(whats)}
        keyed = sorted((r for r in compared if r.scenario == scen and r.variant == var and r.what in order),
                       key=lambda r: (order[r.what], _period_order(r.period)))
        header = ["code", "omschrijving", "periode", f"A: {titles[0]}", f"B: {titles[1]}", "verschil (B - A)",
                  "eenheid"]
        body = [[r.what, COMPARE_LABELS_NL.get(r.what, r.what), r.period, *_finite([r.value_a, r.value_b, r.delta]),
                 UNITS_NL.get(r.unit, r.unit)] for r in keyed]
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
    if "backtest" not in _catalogue:
        from .editions import published_record
        frame = backtest_frame()
        record = published_record()
        need = record[record.metric == "coa.capacity_need"]
        _catalogue["backtest"] = {
            "frame": frame, "metrics": list(dict.fromkeys(frame.metric)),
            "need_dates": {(r.edition, r.scenario, float(r.value)): str(r.year) for r in need.itertuples()}}
    return _catalogue["backtest"]


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

    return _tables.fetch(("backtest", name, kind), compute)
