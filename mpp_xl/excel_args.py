"""Excel values as the model's arguments: what a cell or range delivers (None for an empty cell, floats,
strings, datetimes, nested lists, error values) read into checked choices, windows, measures and the exact keys
the caches use. A bad value is one ``MppError`` naming the argument (rendered in Dutch by the session)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import operator
import math
import re

import numpy as np

from .assumptions import COLUMNS, SCENARIOS, is_blank
from .catalogue import METRIC_UNITS
from .errors import MppError, did_you_mean
from .messages import english
from .model import WINDOW, RunResult, parse_window
from .timegrid import DEFAULT_END, DEFAULT_START, TimeGrid
from .variants import NAMED_VARIANTS

# the legal variants the workbook offers: the letter's three and the current legal situation (WBV 2023/26
# withdrawn for the future, June 2025)
WORKBOOK_VARIANTS = (*NAMED_VARIANTS, "wbv_2023_26_withdrawn")

RANGE_NAME = "Aannames"
ALL_WORDS = ("all", "alle")
FREQUENCIES = {"month": "month", "maand": "month", "year": "year", "jaar": "year"}
GRID = TimeGrid.from_text(DEFAULT_START, DEFAULT_END)  # the workbook's fixed horizon: the default of every run



def fail(arg: str, key: str, **values) -> MppError:
    """The error of a bad argument: '<argument>: <the catalogue message key>'."""
    return MppError(english("argument", arg=arg, reason=english(key, **values)))


# ---------------------------------------------------------------- normalising cell input

EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})


def is_excel_error(value) -> bool:
    """Excel error values arrive as text ('#N/A'), as error objects (formula engines) or as ints (COM)."""
    return value is not None and not isinstance(value, (int, float, dt.date)) and str(value).upper() in EXCEL_ERRORS


def one_cell(value, what: str):
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
    value = one_cell(value, what)
    if is_blank(value):
        if default is None:
            raise fail(what, "required")
        return default
    if is_excel_error(value):
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


@functools.lru_cache(maxsize=64)
def _metrics_like(prefix: str) -> tuple[str, ...]:
    return tuple(m for m in METRIC_UNITS if m.startswith(prefix))


def metric_arg(value) -> list[str]:
    """A metric name, a prefix ending in '*' (e.g. 'coa.*') or 'all'."""
    name = scalar(value, "metric", default="all")
    if name in ALL_WORDS:
        return list(METRIC_UNITS)
    if name.endswith("*"):
        chosen = _metrics_like(name[:-1])
        if chosen:
            return list(chosen)
    elif name in METRIC_UNITS:
        return [name]
    raise fail("metric", "unknown_metric", name=name, hint=did_you_mean(name, METRIC_UNITS))


def window_arg(value) -> tuple[int, int]:
    """'2026-2030' -> (2026, 2030); empty = model.WINDOW (the letter's window). A year typed as a number is read
    as its text, so the message says how to write a window."""
    value = one_cell(value, "window")
    if is_blank(value):
        return WINDOW
    if is_excel_error(value):
        raise fail("window", "excel_error", value=value)
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and math.isfinite(value) \
            and float(value).is_integer():
        value = int(value)
    return parse_window(str(value).strip(), GRID)


def window_text(window: tuple[int, int]) -> str:
    return f"{window[0]}-{window[1]}"


def _measures_row(row_no: int, key: str, **values) -> MppError:
    return MppError(english("measures_row", row=row_no, reason=english(key, **values)))


SWITCH_ON = frozenset({"ja", "j", "yes", "y", "aan", "true", "waar", "x", "1"})
SWITCH_OFF = frozenset({"nee", "n", "no", "uit", "false", "onwaar", "0"})


def _switch(value, row_no: int) -> bool:
    """A ja/nee cell: ja (or yes, aan, TRUE, 1) switches a measure on; nee, empty (or no, uit, FALSE, 0) off."""
    if is_blank(value):
        return False
    if is_excel_error(value):
        raise _measures_row(row_no, "excel_error", value=value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = (format(value, "g") if isinstance(value, (int, float, np.number)) else str(value)).strip().lower()
    if text in SWITCH_ON:
        return True
    if text in SWITCH_OFF:
        return False
    raise _measures_row(row_no, "switch", value=value)


def parse_measures(value) -> tuple[str, ...]:
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
        if is_excel_error(value):
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
        if is_excel_error(name):
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


def rows_of(value) -> tuple[tuple, ...]:
    """The rows of the Aannames range as tuples (kept as they are: never changed), its shape checked."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not value or not isinstance(value[0], (list, tuple, np.ndarray)):
        raise fail("assumptions", "table_shape", range=RANGE_NAME, count=len(COLUMNS), columns=",".join(COLUMNS))
    rows = tuple(tuple(r.tolist() if isinstance(r, np.ndarray) else r) for r in value)
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
    if isinstance(value, np.generic):  # its type too: np.datetime64 equals a datetime but is read otherwise
        return f"<numpy.{type(value).__name__}:{_tagged(value.item())}>"
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


def same_cells(cells: list, kept: list) -> bool:
    """``cells == kept`` for rows or ranges of cells (their types are compared apart: 1.0 == True); a cell that
    compares as an array (numpy's, handed over by a caller) is never the same."""
    try:
        return bool(cells == kept)
    except (TypeError, ValueError):
        return False


class ExactKey:
    """A range of plain cells as a cache key: the cells and the type of each (a dict compares keys by equality,
    so 1.0 and True, or -1.0 and -2.0, never share one), its hash computed once. Cells compare as values: 0.0 and
    -0.0 (one number) share a key, and a NaN cell never matches (a miss, never a wrong hit); a range with a datetime
    with a time zone is never keyed so (``zoned``)."""

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


class RecentRanges:
    """The last few ranges keyed as ``ExactKey``, each with a copy of its cells.

    Excel hands every function its own copy of a range, so one recalculation keys the same Aannames range a
    dozen times. A range equal to a kept one (``==``, at C speed) whose cells have the kept types, cell by cell,
    has its key without building one: exact as ``ExactKey`` (1.0 == True and numpy's datetime64 equals a
    datetime, so equality alone is not enough)."""

    def __init__(self, size: int = 4):
        self.size = size
        self._kept: list[tuple] = []  # (cells, their types in one list, key), newest first

    def find(self, value):
        types = None
        for cells, kept_types, key in self._kept:
            if not same_cells(value, cells):
                continue
            if types is None:
                types = list(map(type, itertools.chain.from_iterable(value)))
            if types == kept_types:
                return key
        return None

    def keep(self, value, key: ExactKey) -> None:
        cells = [list(row) for row in value]  # a copy: a caller that changes its list cannot change the kept one
        self._kept = [(cells, list(key.types), key), *self._kept[:self.size - 1]]

    def clear(self) -> None:
        self._kept = []


RECENT = RecentRanges()


def zoned(cells: tuple, types: tuple) -> bool:
    """A datetime with a time zone among ``cells``: two such cells at the same instant compare equal whatever their
    wall-clock dates, so such a range is keyed by its text (``content_digest``) and never reused by equality. ``types``:
    the type of each cell, in the order of ``cells``."""
    if dt.datetime not in types:
        return False
    is_datetime = map(operator.is_, types, itertools.repeat(dt.datetime))
    dated = itertools.compress(itertools.chain.from_iterable(cells), is_datetime)
    return any(map(operator.is_not, map(_TIME_ZONE, dated), itertools.repeat(None)))  # at C speed


_TIME_ZONE = operator.attrgetter("tzinfo")


def content_key(value):
    """The cache key of an argument as delivered: for a range of plain cells its cells and their types
    (``ExactKey``, faster than hashing its text; a range equal to one of the last few keyed takes its key
    from ``RECENT``), anything else by ``content_digest``."""
    if type(value) in _ROW_TYPES:
        found = RECENT.find(value)  # equal to a kept list of lists: rows of lists too
        if found is not None:
            return found
    if type(value) in _ROW_TYPES and _ROW_TYPES.issuperset(map(type, value)):
        cells = tuple(map(tuple, value))
        types = tuple(map(type, itertools.chain.from_iterable(cells)))
        if _PLAIN.issuperset(types) and not zoned(cells, types):
            key = ExactKey(cells, types)
            RECENT.keep(value, key)
            return key
    return content_digest(value)


def _clean_cell(cell, row_no: int, column: str):
    if is_excel_error(cell):
        raise MppError(english("cell", where=RANGE_NAME, row=row_no, column=column,
                               reason=english("excel_error", value=cell)))
    if isinstance(cell, str):
        return cell.strip()
    return cell


def clean_row(row: list, header: list, row_no: int) -> list:
    """A row of the Aannames range with its cells stripped; an Excel error value is refused naming its cell."""
    names = ["" if is_blank(c) else str(c).strip().lower() for c in header]
    return [_clean_cell(c, row_no, names[i] if i < len(names) and names[i] else f"#{i + 1}")
            for i, c in enumerate(row)]
