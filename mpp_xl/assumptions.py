"""Assumptions as data: dated, sourced records layered over a baseline.

One record = one value of one parameter for one scenario (or all) over an inclusive date period, with its
unit and source. An :class:`AssumptionSet` is a baseline layer plus override layers; a later layer wins
wherever it covers a date, and within a layer a scenario-specific record beats an ``all`` record.
Scenarios and legal variants are such override layers, never branches in model code.

Dates: ``from`` blank means "since always", ``to`` blank means "open-ended". ``YYYY-MM`` is read as the
first day of the month in ``from`` and the last day in ``to``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .errors import MppError, did_you_mean

SCENARIOS = ("min", "medio", "max")
ALL = "all"
COLUMNS = ("parameter", "scenario", "from", "to", "value", "unit", "source")
EXTRA_COLUMNS = ("layer", "description", "beschrijving", "omschrijving")  # shown beside the records, never read
OPEN_START = np.datetime64("1900-01-01", "D")
OPEN_END = np.datetime64("9999-12-31", "D")
DEFAULT_SET_NAME = "MPP 2024-II (public reconstruction)"
MAX_INPUT_BYTES = 20 * 2**20  # assumptions files are a few hundred kB; more is a wrong file
MAX_INPUT_ROWS = 100_000
MAX_LINE_CHARS = 10_000
LARGEST_ACCEPTED = 1e12  # no count, rate or amount in this model comes near; larger is a typing error
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Excel date serials this model can mean: 1 Jan 1927 .. 31 Dec 2199. Smaller or larger whole numbers in a
# date cell are almost always a year (2025) or a YYYYMM (202501) typed as a number: refuse them.
EXCEL_MIN_SERIAL = 9863    # 1927-01-01
EXCEL_MAX_SERIAL = 109573  # 2199-12-31

_KIND_CHECKS = {
    "count": (0.0, math.inf, "a count cannot be negative"),
    "eur": (0.0, math.inf, "an amount cannot be negative"),
    "duration": (0.0, math.inf, "a duration cannot be negative"),
    "ratio": (0.0, math.inf, "a ratio cannot be negative"),
    "share": (0.0, 1.0, "a share must lie between 0 and 1"),
    "flag": (0.0, 1.0, "a flag must be 0 or 1"),
    "signed": (-math.inf, math.inf, ""),
}


@dataclass(frozen=True)
class ParameterSpec:
    """Declared parameter (or family, with ``*`` for one name segment): unit, kind and meaning."""

    name: str
    unit: str
    kind: str
    description: str

    @cached_property
    def pattern(self) -> re.Pattern:
        parts = []
        for segment in self.name.split("."):
            if segment == "*":
                parts.append("[a-z0-9_]+")
            elif segment.startswith("{"):
                parts.append("(?:" + "|".join(re.escape(a) for a in segment[1:-1].split("|")) + ")")
            else:
                parts.append(re.escape(segment))
        return re.compile("^" + r"\.".join(parts) + "$")

    @property
    def is_family(self) -> bool:
        return "*" in self.name or "{" in self.name

    def expansions(self) -> list[str]:
        """Every concrete name of a family without open ``*`` segments (for suggestions)."""
        names = [""]
        for segment in self.name.split("."):
            options = segment[1:-1].split("|") if segment.startswith("{") else [segment]
            names = [f"{n}.{o}" if n else o for n in names for o in options]
        return [] if "*" in self.name else names


class Registry:
    """The table of known parameters (``data/parameters.csv``)."""

    def __init__(self, specs: Sequence[ParameterSpec]):
        self.specs = tuple(specs)
        self._exact = {s.name: s for s in specs if not s.is_family}
        self._families = [s for s in specs if s.is_family]
        self._known = list(self._exact) + [n for s in self._families for n in s.expansions()]

    @classmethod
    def default(cls) -> "Registry":
        text = resources.files("mpp_xl").joinpath("data/parameters.csv").read_text(encoding="utf-8")
        rows = list(csv.DictReader(io.StringIO(text)))
        return cls([ParameterSpec(r["name"], r["unit"], r["kind"], r["description"]) for r in rows])

    def find(self, name: str) -> ParameterSpec | None:
        spec = self._exact.get(name)
        if spec is None:
            spec = next((s for s in self._families if s.pattern.match(name)), None)
        return spec

    def suggestion(self, name: str, known: Iterable[str] = ()) -> str:
        return did_you_mean(name, self._known + list(known))


@dataclass(frozen=True)
class Assumption:
    """One dated value. ``start``/``end`` are inclusive days; ``origin`` says where it came from."""

    parameter: str
    scenario: str
    start: np.datetime64
    end: np.datetime64
    value: float
    unit: str
    source: str
    origin: str = ""

    def as_row(self) -> tuple:
        start = "" if self.start == OPEN_START else str(self.start)
        end = "" if self.end == OPEN_END else str(self.end)
        return (self.parameter, self.scenario, start, end, format_value(self.value), self.unit, self.source)


def format_value(value: float) -> str:
    """Shortest text that reads back as the same float (integers without '.0')."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


# ---------------------------------------------------------------- parsing cells

def parse_number(cell, decimal_comma: bool = False) -> float:
    """Read a number from a cell (number or text); raise ValueError with a short reason."""
    if isinstance(cell, bool):
        raise ValueError(f"'{cell}' is not a number")
    if isinstance(cell, (int, float, np.integer, np.floating)):
        value = float(cell)
    else:
        text = str(cell).strip().replace("\u00a0", "").replace(" ", "")
        if not text:
            raise ValueError("empty")
        if text.startswith("#"):
            raise ValueError(f"Excel error value '{text}'")
        if decimal_comma:
            if "," in text:
                text = text.replace(".", "").replace(",", ".")
            elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
                raise ValueError(f"'{cell}' is ambiguous with a decimal comma: write it without the dot")
        if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
            raise ValueError(f"'{cell}' is not a number")
        value = float(text)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"'{cell}' is not a finite number")
    if abs(value) > LARGEST_ACCEPTED:
        raise ValueError(f"{cell} is implausibly large (more than {LARGEST_ACCEPTED:.0e})")
    return value


def _not_a_date(cell) -> str:
    """The reason a number is refused as a date, with the likely intent spelled out."""
    number = int(cell) if float(cell).is_integer() else cell
    if isinstance(number, int) and 1900 <= number <= 2199:
        return f"'{number}' is a year, not a date: write {number}-01-01 (or {number}-12-31 in 'to')"
    if isinstance(number, int) and 190001 <= number <= 219912 and 1 <= number % 100 <= 12:
        return f"'{number}' looks like YYYYMM: write {number // 100}-{number % 100:02d}"
    return f"'{cell}' is not a date"


def parse_date(cell, is_end: bool) -> np.datetime64:
    """Read a date (ISO, YYYY-MM, DD-MM-YYYY, a date object or an Excel serial); blank = open."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return OPEN_END if is_end else OPEN_START
    if isinstance(cell, dt.datetime):
        return np.datetime64(cell.date(), "D")
    if isinstance(cell, dt.date):
        return np.datetime64(cell, "D")
    if isinstance(cell, (int, float, np.integer, np.floating)) and not isinstance(cell, bool):
        if float(cell).is_integer() and EXCEL_MIN_SERIAL <= cell <= EXCEL_MAX_SERIAL:
            return np.datetime64(EXCEL_EPOCH + dt.timedelta(days=int(cell)), "D")
        raise ValueError(_not_a_date(cell))
    text = str(cell).strip()
    if not text:
        return OPEN_END if is_end else OPEN_START
    if text.startswith("#"):
        raise ValueError(f"Excel error value '{text}'")
    if re.fullmatch(r"\d{1,7}(\.0+)?", text):  # a serial (or a year typed as text): judged as a number
        return parse_date(int(float(text)), is_end)
    try:
        if re.fullmatch(r"\d{4}-\d{2}", text):
            month = np.datetime64(text, "M")
            return (month + 1).astype("datetime64[D]") - 1 if is_end else month.astype("datetime64[D]")
        match = re.fullmatch(r"(\d{1,2})-(\d{1,2})-(\d{4})", text)
        if match:
            day, month_no, year = (int(g) for g in match.groups())
            return np.datetime64(dt.date(year, month_no, day), "D")
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T]00:00(:00)?)?", text):
            return np.datetime64(dt.date.fromisoformat(text[:10]), "D")
    except ValueError:
        pass
    raise ValueError(f"'{text}' is not a date (use YYYY-MM-DD)")


def is_blank(cell) -> bool:
    """An empty cell: None, NaN or only white space (one rule for files, sheets and Excel arguments)."""
    return cell is None or (isinstance(cell, float) and math.isnan(cell)) or str(cell).strip() == ""


def parse_table(rows: Sequence[Sequence], where: str, registry: Registry, decimal_comma: bool = False,
                default_source: str | None = None, row_offset: int = 1,
                row_numbers: Sequence[int] | None = None, key_column: str | None = None) -> tuple[Assumption, ...]:
    """Validate a whole table (header row first) and return its records, or raise one MppError.

    ``where`` names the table in messages (a file name or a sheet range); ``row_offset`` is the number of
    the header row as the user sees it; ``row_numbers`` (one per data row) overrides the numbering.
    """
    if not rows:
        raise MppError(f"{where}: the table is empty; expected the header {','.join(COLUMNS)}")
    header = [str(c).strip().lower() if not is_blank(c) else "" for c in rows[0]]
    while header and header[-1] == "":
        header.pop()
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise MppError(f"{where}: header must contain {','.join(COLUMNS)}; missing column '{missing[0]}'")
    unknown = [c for c in header if c and c not in COLUMNS and c not in EXTRA_COLUMNS and c != key_column]
    if unknown:
        hint = " (a variants file: give it with --variants)" if unknown[0] == "variant" else ""
        raise MppError(f"{where}: unknown column '{unknown[0]}'{hint}; the columns are {','.join(COLUMNS)}")
    col = {name: header.index(name) for name in COLUMNS}
    records = []
    for index, raw in enumerate(rows[1:], start=1):
        row_no = row_numbers[index - 1] if row_numbers is not None else row_offset + index
        cells = list(raw) + [None] * (len(header) - len(raw))
        if all(is_blank(c) for c in cells):
            continue

        def fail(column: str, reason: str):
            raise MppError(f"{where}, row {row_no}, column '{column}': {reason}")

        def cell(column: str):
            return cells[col[column]]

        name = "" if is_blank(cell("parameter")) else str(cell("parameter")).strip()
        if not name:
            fail("parameter", "required value is empty")
        spec = registry.find(name)
        if spec is None:
            fail("parameter", f"unknown parameter '{name}'{registry.suggestion(name)}")
        scenario = ALL if is_blank(cell("scenario")) else str(cell("scenario")).strip().lower()
        if scenario not in SCENARIOS + (ALL,):
            fail("scenario", f"unknown scenario '{scenario}'{did_you_mean(scenario, SCENARIOS + (ALL,))}"
                             f"; use one of {', '.join(SCENARIOS + (ALL,))}")
        try:
            start = parse_date(cell("from"), is_end=False)
        except ValueError as exc:
            fail("from", str(exc))
        try:
            end = parse_date(cell("to"), is_end=True)
        except ValueError as exc:
            fail("to", str(exc))
        if start > end:
            fail("to", f"period ends ({end}) before it starts ({start})")
        if is_blank(cell("value")):
            fail("value", "required value is empty")
        try:
            value = parse_number(cell("value"), decimal_comma)
        except ValueError as exc:
            fail("value", str(exc))
        raw = str(cell("value")).strip()
        if spec.kind in ("count", "eur") and re.fullmatch(r"-?[1-9]\d{0,2}\.\d{3}", raw):
            fail("value", f"'{raw}' is ambiguous (3 or 3000?): write the number without a thousands separator")
        low, high, reason = _KIND_CHECKS[spec.kind]
        if not low <= value <= high or (spec.kind == "flag" and value not in (0.0, 1.0)):
            fail("value", f"{format_value(value)} is not allowed for {name}: {reason}")
        unit = "" if is_blank(cell("unit")) else str(cell("unit")).strip()
        if unit != spec.unit:
            got = f"'{unit}'" if unit else "an empty unit"
            fail("unit", f"{name} is measured in '{spec.unit}', not {got}")
        source = "" if is_blank(cell("source")) else str(cell("source")).strip()
        if not source:
            if default_source is None:
                fail("source", "every assumption needs a source (document + date, or 'model assumption: why')")
            source = f"{default_source} row {row_no}"
        if read_per_month(name):
            if start != OPEN_START and start != start.astype("datetime64[M]").astype("datetime64[D]"):
                fail("from", f"{name} is read per month: start on the first of a month "
                             f"({start.astype('datetime64[M]')}-01 or {start.astype('datetime64[M]') + 1}-01)")
            if end != OPEN_END and end + 1 != (end + 1).astype("datetime64[M]").astype("datetime64[D]"):
                fail("to", f"{name} is read per month: end on the last day of a month")
        records.append(Assumption(name, scenario, start, end, value, unit, source, f"{where} row {row_no}"))
    _check_overlaps(records)
    return tuple(records)


DAILY_PREFIXES = ("deadline.", "ukraine.", "penalty.void_reading")  # read at exact days; every other parameter per month


def read_per_month(name: str) -> bool:
    """Whether the model reads a parameter on the first day of each month (so a record must cover whole months)."""
    return not name.startswith(DAILY_PREFIXES)


def _check_overlaps(records: Sequence[Assumption]) -> None:
    by_key: dict[tuple[str, str], list[Assumption]] = {}
    for rec in records:
        by_key.setdefault((rec.parameter, rec.scenario), []).append(rec)
    for group in by_key.values():
        group = sorted(group, key=lambda r: r.start)
        for before, after in zip(group, group[1:]):
            if after.start <= before.end:
                raise MppError(f"{after.origin}: period {after.start}..{after.end} of {after.parameter} "
                               f"({after.scenario}) overlaps {before.origin} ({before.start}..{before.end})")


def read_csv_table(path: str | Path) -> tuple[list[list[str]], bool]:
    """Read a CSV file into rows; accepts a BOM, ';' with decimal commas (Dutch Excel) or ','.

    Returns (rows, decimal_comma).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if size > MAX_INPUT_BYTES:
        raise MppError(f"{path}: {size / 2**20:,.0f} MB is more than an assumptions file needs (at most "
                       f"{MAX_INPUT_BYTES // 2**20} MB)")
    try:
        with open(path, "rb") as stream:  # bounded: a device or a pipe reports no size
            data = stream.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise MppError(f"{path}: more than {MAX_INPUT_BYTES // 2**20} MB; an assumptions file is far smaller")
    except FileNotFoundError:
        raise MppError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise MppError(f"{path}: is a folder, expected a CSV file") from None
    except OSError as exc:
        raise MppError(f"{path}: cannot read the file ({exc.strerror})") from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text" export
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")  # Excel's "CSV" export on Windows
    if "\x00" in text:
        raise MppError(f"{path}: not a text CSV file (binary content)")
    lines = text.splitlines()
    while lines and lines[0].startswith("#"):  # a comment line on top (mpp-xl's own files carry one)
        lines.pop(0)
    text = "\n".join(lines)
    first_line = next((line for line in lines if line.strip()), "")
    semicolon = first_line.count(";") > first_line.count(",")
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=";" if semicolon else ","))
    except csv.Error as exc:
        raise MppError(f"{path}: not a readable CSV file ({str(exc).split(' - ')[0]})") from None
    if len(rows) > MAX_INPUT_ROWS:
        raise MppError(f"{path}: {len(rows):,} rows; an assumptions file holds at most {MAX_INPUT_ROWS:,}")
    long = next((i for i, row in enumerate(rows, start=1) if sum(len(c) for c in row) > MAX_LINE_CHARS), None)
    if long is not None:
        raise MppError(f"{path}, row {long}: longer than {MAX_LINE_CHARS:,} characters; is this an assumptions file?")
    return rows, semicolon


def load_csv(path: str | Path, registry: Registry, default_source: str | None = None) -> tuple[Assumption, ...]:
    rows, semicolon = read_csv_table(path)
    return parse_table(rows, str(path), registry, decimal_comma=semicolon, default_source=default_source)


# ---------------------------------------------------------------- the layered set

class AssumptionSet:
    """A baseline layer and override layers; immutable, resolved lazily and cached."""

    def __init__(self, name: str, layers: Sequence[tuple[str, tuple[Assumption, ...]]], registry: Registry):
        self.name = name
        self.layers = tuple((label, tuple(recs)) for label, recs in layers)
        self.registry = registry
        self._by_name: dict[str, list[tuple[int, Assumption]]] = {}
        for depth, (_, recs) in enumerate(self.layers):
            for rec in recs:
                self._by_name.setdefault(rec.parameter, []).append((depth, rec))
        self._by_scenario = {rec.parameter for _, recs in self.layers for rec in recs if rec.scenario != ALL}
        self._cache: dict = {}

    @classmethod
    def default(cls) -> "AssumptionSet":
        registry = Registry.default()
        text = resources.files("mpp_xl").joinpath("data/default_assumptions.csv").read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(text)))
        records = parse_table(rows, "default_assumptions.csv", registry)
        return cls(DEFAULT_SET_NAME, [("default", records)], registry)

    def with_layer(self, label: str, records: Sequence[Assumption]) -> "AssumptionSet":
        """A new set with ``records`` applied over this one (records are already validated)."""
        if not records:
            return self
        return AssumptionSet(self.name, self.layers + ((label, tuple(records)),), self.registry)

    def renamed(self, name: str) -> "AssumptionSet":
        """The same records under another name (the name labels every output)."""
        return AssumptionSet(name, self.layers, self.registry)

    @cached_property
    def digest(self) -> str:
        """Short SHA-256 of every record in every layer, in order: identifies the effective inputs."""
        sha = hashlib.sha256(self.name.encode())
        for label, recs in self.layers:
            sha.update(f"\n[{label}]".encode())
            for rec in recs:
                sha.update(("\n" + "|".join(rec.as_row())).encode())
        return sha.hexdigest()[:12]

    def digest_of(self, prefixes: tuple[str, ...]) -> str:
        """Like ``digest`` but over the records of parameters starting with one of ``prefixes`` only."""
        key = ("digest_of", prefixes)
        if key not in self._cache:
            sha = hashlib.sha256(repr(prefixes).encode())
            for label, recs in self.layers:
                rows = ["|".join(r.as_row()) for r in recs if r.parameter.startswith(prefixes)]
                if rows:  # layer order decides precedence, so it is part of the digest
                    sha.update(("\n".join([f"[{label}]"] + rows)).encode())
            self._cache[key] = sha.hexdigest()[:16]
        return self._cache[key]

    def records(self) -> list[tuple[str, Assumption]]:
        """Every record with the label of its layer, baseline first."""
        return [(label, rec) for label, recs in self.layers for rec in recs]

    def has(self, name: str) -> bool:
        return name in self._by_name

    def names_like(self, regex: str) -> list[str]:
        pattern = re.compile(regex)
        return sorted(n for n in self._by_name if pattern.fullmatch(n))

    def at(self, name: str, scenario: str, dates: np.ndarray, required: bool = True) -> np.ndarray:
        """Value in effect on each date (datetime64[D] array); NaN where none when not ``required``."""
        dates = np.asarray(dates, dtype="datetime64[D]")
        shared = name not in self._by_scenario and name in self._by_name  # the same for every scenario
        key = (name, ALL if shared else scenario, dates.tobytes(), dates.shape, required)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._resolve(name, scenario, dates, required)
            cached.setflags(write=False)
            self._cache[key] = cached
        return cached

    def in_precedence(self, name: str, scenario: str) -> list[Assumption]:
        """The records of ``name`` that apply to ``scenario``, weakest first: by layer, and within a layer an
        ``all`` record before a scenario-specific one. A later record wins wherever it covers a date."""
        entries = self._by_name.get(name) or ()
        return [rec for depth in range(len(self.layers)) for wanted in (ALL, scenario)
                for d, rec in entries if d == depth and rec.scenario == wanted]

    def _resolve(self, name: str, scenario: str, dates: np.ndarray, required: bool) -> np.ndarray:
        if name not in self._by_name and required:
            raise MppError(f"assumption '{name}' is missing from the assumption set"
                           f"{did_you_mean(name, self._by_name)}")
        out = np.full(dates.shape, np.nan)
        for rec in self.in_precedence(name, scenario):
            out[(dates >= rec.start) & (dates <= rec.end)] = rec.value
        if required and np.isnan(out).any():
            first = dates[np.isnan(out)][0]
            raise MppError(f"assumption '{name}' has no value for scenario {scenario} on {first}")
        return out

    def scalar(self, name: str, scenario: str, date) -> float:
        return float(self.at(name, scenario, np.array([date], dtype="datetime64[D]"))[0])

    def switch_date(self, name: str, scenario: str) -> np.datetime64 | None:
        """First day on which a flag parameter is 1 (None if never): the date a dated flag takes effect.

        The value can change only where a record starts or the day after one ends."""
        if name not in self._by_name:
            return None
        records = [rec for _, rec in self._by_name[name]]
        starts = sorted({r.start for r in records} | {r.end + 1 for r in records if r.end < OPEN_END} | {OPEN_START})
        candidates = np.array(starts, dtype="datetime64[D]")
        values = self.at(name, scenario, candidates, required=False)
        hits = candidates[values == 1.0]
        return hits[0] if hits.size else None

    def table_rows(self) -> list[tuple]:
        """Rows for display or CSV: the columns of the assumption table plus the layer."""
        return [rec.as_row() + (label,) for label, rec in self.records()]
