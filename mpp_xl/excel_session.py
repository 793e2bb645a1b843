"""The Excel layer's session: the caches kept between calls, the error policy (a one-line ``Fout: ...`` in
Dutch in the cell; the traceback of an unexpected error to the log file), the shipped editions and measures,
and the effective assumption set and lazy run a table reads.

Every table runs on an effective assumption set built by the ``RunSpec`` that ``mpp-xl run`` builds: an MPP
edition (default mpp-2024-II), the policy measures switched on (in the order listed), then the changed rows of
the Aannames range. Caches: the ranges are parsed once per distinct exact content (``excel_args.content_key``;
of the Aannames range only the rows changed since the last one); the effective set and the run are kept per hash
and the rows the user's records came from (``origins``: messages name them); a run computes only what a table
reads, and its stages are reused across runs while the records they read are unchanged (``memo.ModelCaches``);
each table is kept per normalised arguments and hash."""

from __future__ import annotations

import functools
import itertools
import os
import tempfile
import traceback
from pathlib import Path

import numpy as np

from .assumptions import (SCENARIOS, USER_LAYERS, Assumption, AssumptionSet, check_effect, check_overlaps, is_blank,
                          parse_record, table_columns, with_origin)
from .editions import DEFAULT_EDITION, REALISED, available_editions, find_edition
from .errors import MppError
from .excel_args import (GRID, RANGE_NAME, RECENT, WORKBOOK_VARIANTS, ExactKey, clean_row, content_key,
                         parse_measures, rows_of, same_cells, scalar, zoned)
from .measures import Measure, available_measures
from .memo import LruCache
from .messages import dutch, english, to_dutch
from .model import ModelCaches, RunResult, run_model
from .runspec import RunSpec

LOG_FILE = Path(tempfile.gettempdir()) / "mpp-xl-udf.log"
LOG_FILE_SHOWN = r"%TEMP%\mpp-xl-udf.log"  # where the log lies on the user's Windows machine (as the workbook says)
CACHE_SIZE = 256

_sets = LruCache(32)      # range content -> the Aannames set or the measures; (edition, measures, ...) -> effective set
_runs = LruCache(8)       # (hash, origins) -> the lazy RunResult
_tables = LruCache(CACHE_SIZE)  # (function, normalised args, hash) -> table
_frames = LruCache(8)     # (hash A, hash B, scenario, variant, window) -> comparison rows
_stages = ModelCaches()   # every stage of the model, reused across runs whose inputs to it are unchanged
_default = {}             # the embedded default set and the identities of its records
_last_range = {}          # the last Aannames range parsed: its rows (tuples), cell types and records
_registered: list[LruCache] = []  # caches of the other Excel modules (the Monte Carlo's simulations)
_catalogue = {}           # editions and measures as shipped (read once)


def clear_caches() -> None:
    for cache in (_sets, _runs, _tables, _frames, *_stages.all(), *_registered):
        cache.reset()
    RECENT.clear()
    _catalogue.clear()
    _default.clear()  # its resolved series and digests are shared by every set built over it
    _last_range.clear()


def registered(cache: LruCache) -> LruCache:
    """A cache of another part of the Excel layer that ``clear_caches`` empties too."""
    _registered.append(cache)
    return cache


def cache_stats() -> dict[str, tuple[int, int]]:
    return {"sets": (_sets.hits, _sets.misses), "runs": (_runs.hits, _runs.misses),
            "tables": (_tables.hits, _tables.misses)}


# ---------------------------------------------------------------- the error policy

def in_dutch(message: str) -> str:
    """The one-line message of the core, in Dutch for the workbook (every message is in ``mpp_xl.messages``)."""
    return to_dutch(message)


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


# ---------------------------------------------------------------- editions, measures, the effective set and the run

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


def measures_arg(value) -> tuple[str, ...]:
    """The measures switched on, in the order listed (kept per distinct content of the range)."""
    return _sets.fetch(("measures", content_key(value)), lambda: parse_measures(value))


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
    key = content_key(value)

    def build():
        rows = rows_of(value)  # shape checked before anything is kept; the cells handed over, not the key's (-0.0)
        columns = table_columns(rows[0], RANGE_NAME)
        layout = (columns[0], tuple(columns[1].items()))  # hashable
        records = _parse_rows(rows, columns, layout, default_set(), exact=isinstance(key, ExactKey))
        return default_set().with_layer(f"workbook {RANGE_NAME}", records)

    return _sets.fetch(("assumptions", key), build)


def _parse_rows(rows: tuple[tuple, ...], columns, layout: tuple, base: AssumptionSet, exact: bool = False) -> list:
    """The records of the Aannames rows that differ from the embedded defaults. A row equal to the
    same row of the last range parsed, cell types included (1.0 == True), keeps its record; only the rows that
    differ are parsed and only their parameters checked for overlaps again (the rest passed before). ``rows``
    are tuples (never changed, so kept without a copy); ``exact``: they were keyed as ``ExactKey`` (no datetime
    with a time zone among them)."""
    header, body = rows[0], rows[1:]
    types = tuple(map(type, itertools.chain.from_iterable(body)))  # one tuple for the range: cheap to compare
    lengths = tuple(map(len, body))
    last = _last_range.get("state")
    reuse = last is not None and last["layout"] == layout and last["header"] == (header, tuple(map(type, header))) \
        and last["lengths"] == lengths and (exact or not zoned(body, types))  # equal instants, other dates
    if reuse:
        changed = _changed_rows(body, last["rows"])
        if types != last["types"]:  # equal cells of another type (1.0 and TRUE) make a row changed too
            retyped = [i for i, (new, old) in enumerate(zip(_per_row(types, lengths), _per_row(last["types"], lengths)))
                       if new != old]
            changed = sorted({*changed, *retyped})
        parsed, default = list(last["parsed"]), list(last["default"])
    else:
        changed, parsed, default = range(len(body)), [None] * len(body), [False] * len(body)
    affected = set()
    for i in changed:
        row_no = i + 2
        rec = parse_record(clean_row(body[i], header, row_no), columns, row_no, RANGE_NAME, base.registry,
                           default_source=f"workbook {RANGE_NAME}")
        affected.update(r.parameter for r in (rec, parsed[i]) if r is not None)
        parsed[i] = rec
        default[i] = rec is not None and _identity(rec) in _default["keys"]
    records = [r for r in parsed if r is not None]
    check_overlaps(records if not reuse else [r for r in records if r.parameter in affected])
    _last_range["state"] = {"layout": layout, "header": (header, tuple(map(type, header))), "lengths": lengths,
                            "rows": body, "types": types, "parsed": parsed, "default": default}
    return [r for r, is_default in zip(parsed, default) if r is not None and not is_default]


def _changed_rows(body: tuple, kept: tuple) -> list[int]:
    """The indices of the rows of ``body`` that differ from the same row of ``kept`` (values; types apart)."""
    try:
        return [i for i, (row, old) in enumerate(zip(body, kept)) if row != old]
    except (TypeError, ValueError):  # a cell that compares as an array (numpy's, handed over by a caller)
        return [i for i, (row, old) in enumerate(zip(body, kept)) if not same_cells(row, old)]


def _per_row(flat: tuple, lengths: tuple) -> list[tuple]:
    """``flat`` (the cells of every row in a row) cut into rows of ``lengths``."""
    ends = list(itertools.accumulate(lengths))
    return [flat[end - n:end] for end, n in zip(ends, lengths)]


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
    return on_edition(assumptions_arg(assumptions), name, chosen, what)


def on_edition(aset: AssumptionSet, name: str, chosen: tuple[str, ...], what: str) -> AssumptionSet:
    """``aset`` (the Aannames layer over the embedded defaults) moved onto an edition with measures: the
    ``RunSpec`` of the edition, the measures and the workbook's layer, each step's error named by its argument."""
    if name == DEFAULT_EDITION and not chosen:
        return aset
    spec = RunSpec(name, chosen, aset.layers[1:])

    def build():
        base = _edition_base(name, what)
        try:
            with_measures = spec.with_measures(base, measures())
        except MppError as exc:
            raise MppError(english("argument", arg="measures", reason=str(exc))) from None
        return spec.with_layers(with_measures)

    return _sets.fetch(("effective", name, chosen, aset.digest, origins(aset)), build)


def _checked_run(aset: AssumptionSet) -> RunResult:
    """A lazy run of every scenario and workbook variant: a table computes the chains it reads. Cross-checks
    name the Aannames row (or the shipped record) they rest on."""
    try:
        check_effect(aset, GRID)
        return run_model(aset, GRID, SCENARIOS, WORKBOOK_VARIANTS, caches=_stages, lazy=True,
                         on_error=lambda exc: with_origin(exc, aset))
    except MppError as exc:
        raise with_origin(exc, aset) from None


def origins(aset: AssumptionSet) -> tuple:
    """Where the user's records were read (file and row): not part of the hash, but of every message that names
    a record, so a set or run kept for one arrangement of the rows is not served to another."""
    return tuple(rec.origin for label, recs in aset.layers if label.startswith(USER_LAYERS) for rec in recs)


def model_run(aset: AssumptionSet) -> RunResult:
    """The lazy run of a set, kept per hash and the rows its user records came from (its errors name them)."""
    return _runs.fetch((aset.digest, origins(aset)), lambda: _checked_run(aset))


def cached_table(name: str, args: tuple, aset: AssumptionSet, compute):
    """A table, kept per normalised arguments and hash; each call gets its own copy of the rows (a caller that
    changes the list it was handed cannot change what the next call gets)."""
    return list(map(list, _tables.fetch((name, args, aset.digest), lambda: _kept(compute()))))


def cached_fixed_table(name: str, args: tuple, compute):
    """A table that reads no assumption set (the backtest), kept per normalised arguments."""
    return list(map(list, _tables.fetch((name, args), lambda: _kept(compute()))))


def _kept(table: list[list]) -> tuple[tuple, ...]:
    """A table as it is kept: rows as tuples (of numbers and text the garbage collector stops tracking them)."""
    return tuple(map(tuple, table))


def cached_comparison(key: tuple, compute):
    """The rows two runs compare by, kept per (hash A, hash B, scenario, variant, window)."""
    return _frames.fetch(key, compute)


def shipped(name: str, read):
    """Data shipped with the package (e.g. the backtest), read once per session (``clear_caches`` forgets it)."""
    if name not in _catalogue:
        _catalogue[name] = read()
    return _catalogue[name]
