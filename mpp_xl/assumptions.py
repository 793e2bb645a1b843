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
import json
import io
import math
import os
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
    low: float = -math.inf  # the plausible range of a value (data/parameters.csv, columns min and max)
    high: float = math.inf

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
        bound = lambda cell, default: float(cell) if cell not in (None, "") else default  # noqa: E731
        return cls([ParameterSpec(r["name"], r["unit"], r["kind"], r["description"], bound(r.get("min"), -math.inf),
                                  bound(r.get("max"), math.inf)) for r in rows])

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

    @cached_property
    def escaped_row(self) -> bytes:
        """``as_row()`` as one line of a digest (``_escaped``), kept: one record is read into many digests."""
        return _escaped(self.as_row())


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
    columns = table_columns(rows[0], where, key_column)
    records = []
    for index, raw in enumerate(rows[1:], start=1):
        row_no = row_numbers[index - 1] if row_numbers is not None else row_offset + index
        rec = parse_record(raw, columns, row_no, where, registry, decimal_comma, default_source)
        if rec is not None:
            records.append(rec)
    check_overlaps(records)
    return tuple(records)


def table_columns(header_row: Sequence, where: str, key_column: str | None = None) -> tuple[int, dict[str, int]]:
    """(width, column -> index) of a table's header row; a missing, doubled or unknown column is one error."""
    header = [str(c).strip().lower() if not is_blank(c) else "" for c in header_row]
    while header and header[-1] == "":
        header.pop()
    check_header_unique(header, where)
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise MppError(f"{where}: header must contain {','.join(COLUMNS)}; missing column '{missing[0]}'")
    unknown = [c for c in header if c and c not in COLUMNS and c not in EXTRA_COLUMNS and c != key_column]
    if unknown:
        hint = " (a variants file: give it with --variants)" if unknown[0] == "variant" else ""
        raise MppError(f"{where}: unknown column '{unknown[0]}'{hint}; the columns are {','.join(COLUMNS)}")
    return len(header), {name: header.index(name) for name in COLUMNS}


def parse_record(raw: Sequence, columns: tuple[int, dict[str, int]], row_no: int, where: str, registry: Registry,
                 decimal_comma: bool = False, default_source: str | None = None) -> Assumption | None:
    """One data row of a table as a record (None for a blank row), or one MppError naming its cell."""
    width, col = columns
    cells = list(raw) + [None] * (width - len(raw))
    if all(is_blank(c) for c in cells):
        return None

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
    raw_value = str(cell("value")).strip()
    if spec.kind in ("count", "eur") and re.fullmatch(r"-?[1-9]\d{0,2}\.\d{3}", raw_value):
        fail("value", f"'{raw_value}' is ambiguous (3 or 3000?): write the number without a thousands separator")
    low, high, reason = _KIND_CHECKS[spec.kind]
    if not low <= value <= high or (spec.kind == "flag" and value not in (0.0, 1.0)):
        fail("value", f"{format_value(value)} is not allowed for {name}: {reason}")
    if not spec.low <= value <= spec.high:
        unit = "" if spec.kind in ("share", "ratio", "flag") else f" {spec.unit}"  # a share needs no unit
        fail("value", f"{name} = {format_value(value)} lies outside its plausible range {format_value(spec.low)} to "
                      f"{format_value(spec.high)}{unit} (data/parameters.csv)")
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
    return Assumption(name, scenario, start, end, value, unit, source, f"{where} row {row_no}")


def check_header_unique(header: Sequence[str], where: str) -> None:
    """A column named twice is refused: which of the two would count is a guess."""
    seen = set()
    for name in header:
        if name and name in seen:
            raise MppError(f"{where}: column '{name}' appears twice in the header; keep one")
        seen.add(name)


# read at exact days (year-end stocks among them); every other parameter per month
DAILY_PREFIXES = ("deadline.", "ukraine.", "penalty.void_reading", "history.ind.pending.")


def read_per_month(name: str) -> bool:
    """Whether the model reads a parameter on the first day of each month (so a record must cover whole months)."""
    return not name.startswith(DAILY_PREFIXES)


def check_overlaps(records: Sequence[Assumption]) -> None:
    by_key: dict[tuple[str, str], list[Assumption]] = {}
    for rec in records:
        by_key.setdefault((rec.parameter, rec.scenario), []).append(rec)
    for group in by_key.values():
        group = sorted(group, key=lambda r: r.start)
        for before, after in zip(group, group[1:]):
            if after.start <= before.end:
                raise MppError(f"{after.origin}: period {after.start}..{after.end} of {after.parameter} "
                               f"({after.scenario}) overlaps {before.origin} ({before.start}..{before.end})")


def read_input(path: str | Path, what: str = "an assumptions file", limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of an input file, read once and at most ``limit`` (a device or a pipe reports no size).

    A named pipe with no writer is read as empty instead of waiting for one; a folder, a missing file or an
    unreadable one is one line naming the path."""
    path = Path(path)
    try:
        size = path.stat().st_size if path.is_file() else 0
    except OSError:
        size = 0
    if size > limit:
        raise MppError(f"{path}: {size / 2**20:,.0f} MB is more than {what} needs (at most {limit // 2**20} MB)")
    try:
        # O_NONBLOCK: opening a named pipe never waits for a writer; reads then block as usual
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        try:
            if hasattr(os, "set_blocking"):
                os.set_blocking(handle, True)
            chunks, total = [], 0
            while total <= limit:
                chunk = os.read(handle, min(1 << 20, limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
        finally:
            os.close(handle)
    except FileNotFoundError:
        raise MppError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise MppError(f"{path}: is a folder, expected a CSV file") from None
    except OSError as exc:
        raise MppError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    data = b"".join(chunks)
    if len(data) > limit:
        raise MppError(f"{path}: more than {limit // 2**20} MB; {what} is far smaller")
    return data


def short_hash(data: bytes) -> str:
    """The SHA-256 of an input as provenance shows it (first 16 hex digits)."""
    return hashlib.sha256(data).hexdigest()[:16]


def decode_text(data: bytes, path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode text") or cp1252 (Excel's CSV on Windows)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise MppError(f"{path}: not a readable UTF-16 text file (cut off or damaged)") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise MppError(f"{path}: not a text CSV file (binary content)")
    return text


def split_csv(text: str, path, what: str = "an assumptions file") -> tuple[list[list[str]], bool]:
    """CSV text -> (rows, semicolon): comment lines on top skipped, ';' (Dutch Excel) or ',' detected, the size
    of the table bounded."""
    lines = text.splitlines()
    while lines and lines[0].startswith("#"):  # a comment line on top (mpp-xl's own files carry one)
        lines.pop(0)
    long = next((i for i, line in enumerate(lines, start=1) if len(line) > MAX_LINE_CHARS), None)
    if long is not None:
        raise MppError(f"{path}, row {long}: longer than {MAX_LINE_CHARS:,} characters; is this {what}?")
    text = "\n".join(lines)
    first_line = next((line for line in lines if line.strip()), "")
    semicolon = first_line.count(";") > first_line.count(",")
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=";" if semicolon else ","))
    except csv.Error as exc:
        raise MppError(f"{path}: not a readable CSV file ({str(exc).split(' - ')[0]})") from None
    if len(rows) > MAX_INPUT_ROWS:
        raise MppError(f"{path}: {len(rows):,} rows; {what} holds at most {MAX_INPUT_ROWS:,}")
    long = next((i for i, row in enumerate(rows, start=1) if sum(len(c) for c in row) > MAX_LINE_CHARS), None)
    if long is not None:
        raise MppError(f"{path}, row {long}: longer than {MAX_LINE_CHARS:,} characters; is this {what}?")
    return rows, semicolon


def read_csv_file(path: str | Path, what: str = "an assumptions file") -> tuple[list[list[str]], bool, str]:
    """(rows, semicolon, hash): the file is read once, so its provenance hash is of the bytes that were read
    (a pipe such as ``<(...)`` gives its content only once)."""
    data = read_input(path, what)
    rows, semicolon = split_csv(decode_text(data, path), path, what)
    return rows, semicolon, short_hash(data)


def load_csv(path: str | Path, registry: Registry, default_source: str | None = None) -> tuple[Assumption, ...]:
    return load_csv_hashed(path, registry, default_source)[0]


def load_csv_hashed(path: str | Path, registry: Registry,
                    default_source: str | None = None) -> tuple[tuple[Assumption, ...], str]:
    """The records of an assumptions file and the hash of the bytes they were read from."""
    rows, semicolon, digest = read_csv_file(path)
    return parse_table(rows, str(path), registry, decimal_comma=semicolon, default_source=default_source), digest


# ---------------------------------------------------------------- the layered set

_NOT_KEPT = object()  # a derived value not computed yet (None may be one)


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
        self._parent: AssumptionSet | None = None  # the set this one adds a layer to (shares its digests)
        self._touched: frozenset[str] = frozenset()  # the parameters the added layer holds

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
        out = AssumptionSet.__new__(AssumptionSet)  # the parent's index, extended by the new layer
        out.name, out.registry, out._cache = self.name, self.registry, {}
        out.layers = self.layers + ((label, tuple(records)),)
        out._by_name = dict(self._by_name)
        for rec in records:
            out._by_name[rec.parameter] = out._by_name.get(rec.parameter, []) + [(len(self.layers), rec)]
        out._by_scenario = self._by_scenario | {rec.parameter for rec in records if rec.scenario != ALL}
        out._parent, out._touched = self, frozenset(rec.parameter for rec in records)
        return out

    def renamed(self, name: str) -> "AssumptionSet":
        """The same records under another name (the name labels every output)."""
        out = AssumptionSet(name, self.layers, self.registry)
        out._parent, out._touched = self._parent, self._touched  # the same records: the same parent to share
        return out

    @cached_property
    def _layer_hashes(self) -> tuple:
        """The SHA-256 of the name, then after each layer (its label and records, every field escaped), as
        hash objects; a set that adds a layer to another of the same name continues a copy of its parent's."""
        parent = self._parent
        if parent is not None and parent.name == self.name:
            out = list(parent._layer_hashes[:len(parent.layers) + 1])
        else:
            out = [hashlib.sha256(json.dumps(self.name).encode())]
        for label, recs in self.layers[len(out) - 1:]:
            sha = out[-1].copy()
            sha.update(_escaped(label))
            for rec in recs:
                sha.update(rec.escaped_row)
            out.append(sha)
        return tuple(out)

    @property
    def digest(self) -> str:
        """Short SHA-256 of every record in every layer, in order: identifies the effective inputs."""
        return self._layer_hashes[-1].hexdigest()[:12]

    def records_digest(self, name: str, scenario: str | None = None) -> str:
        """A digest of the records of ``name`` that apply to ``scenario`` (every scenario's when None), with
        their layers, in precedence order: equal digests, equal values of ``name`` for that scenario. A
        parameter the last layer does not touch takes its parent set's digest (computed once)."""
        key = ("records", name, scenario)
        found = self._cache.get(key)
        if found is None:
            if self._parent is not None and name not in self._touched:
                found = self._parent.records_digest(name, scenario)
            else:
                by_layer: dict[int, list] = {}  # one group per layer: where a layer ends decides precedence
                for depth, rec in self._by_name.get(name, ()):
                    if scenario is None or rec.scenario in (ALL, scenario):
                        by_layer.setdefault(depth, []).append(rec.escaped_row)
                digest = hashlib.blake2b(_escaped([name, scenario]), digest_size=16)
                for depth, rows in by_layer.items():  # a line with the layer and its number of records, then those
                    digest.update(_escaped([self.layers[depth][0], len(rows)]))
                    digest.update(b"".join(rows))
                found = digest.hexdigest()
            self._cache[key] = found
        return found

    def derived(self, name: str, scenario: str, what: str, compute):
        """``compute(self)``, a value that follows from the records of ``name`` for ``scenario`` alone, kept with
        the set under ``what``; a set whose last layer does not touch ``name`` takes its parent's."""
        key = ("derived", name, scenario, what)
        found = self._cache.get(key, _NOT_KEPT)
        if found is _NOT_KEPT:
            if self._parent is not None and name not in self._touched:
                found = self._parent.derived(name, scenario, what, compute)
            else:
                found = compute(self)
            self._cache[key] = found
        return found

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
            if self._parent is not None and name not in self._touched:  # the parent's records: its values
                cached = self._parent.at(name, scenario, dates, required)
            else:
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


# ---------------------------------------------------------------- records that would do nothing; where an error lies

USER_LAYERS = ("override ", "workbook ")  # the layers a user gives (files, the workbook's Aannames range)
OPENING_PREFIXES = ("ind.opening_", "coa.opening.")
HISTORY_CATEGORIES = ("first", "nareis", "repeat", "resettlement")
MAX_INSTRUMENTS = 100  # deadline instruments per track (three are in force); the chain's work grows with their square
_INSTRUMENT = re.compile(r"deadline\.(asylum|nareis)\.([a-z0-9_]+)\.(?:extension_months|moratorium_months|in_force|"
                         r"void_retroactive|withdrawn)")


def cell_where(rec: Assumption, column: str) -> str:
    """'o.csv row 3' -> "o.csv, row 3, column 'from'" (the origin of a record as every message names a cell)."""
    match = re.fullmatch(r"(.*) row (\d+)", rec.origin)
    return f"{match.group(1)}, row {match.group(2)}, column '{column}'" if match else f"{rec.origin}, column '{column}'"


def _period(rec: Assumption) -> str:
    start = "" if rec.start == OPEN_START else str(rec.start)
    end = "" if rec.end == OPEN_END else str(rec.end)
    return f"{start}..{end}"


def _check_instruments(aset: AssumptionSet) -> None:
    """At most ``MAX_INSTRUMENTS`` deadline instruments per track; a set whose last layer names none has its
    parent's (checked once per set)."""
    if aset._cache.get("instruments checked"):
        return
    if aset._parent is not None and not any(_INSTRUMENT.fullmatch(name) for name in aset._touched):
        _check_instruments(aset._parent)
    else:
        instruments: dict[str, dict[str, Assumption]] = {}
        for _, rec in aset.records():
            match = _INSTRUMENT.fullmatch(rec.parameter)
            if match:
                named = instruments.setdefault(match.group(1), {})
                named.setdefault(match.group(2), rec)
                if len(named) > MAX_INSTRUMENTS:
                    raise MppError(f"{cell_where(rec, 'parameter')}: more than {MAX_INSTRUMENTS} deadline instruments "
                                   f"for track {match.group(1)} (each is a law or decision of its own; the legal chain "
                                   f"compares every pair): merge records of one instrument under one name")
    aset._cache["instruments checked"] = True


def check_effect(aset: AssumptionSet, grid) -> None:
    """Refuse a record of the user's that a run on ``grid`` would read nowhere (a silent no-op looks like a result):
    an opening stock dated other than the start, and realised history where the model takes none (it counts a
    month as realised only when all four inflow categories are given for it)."""
    start = grid.month_starts[0]
    user = [rec for label, recs in aset.layers if label.startswith(USER_LAYERS) for rec in recs]
    _check_instruments(aset)
    for rec in user:
        if rec.parameter.startswith(OPENING_PREFIXES) and not rec.start <= start <= rec.end:
            raise MppError(f"{cell_where(rec, 'from')}: {rec.parameter} dated {_period(rec)} has no effect: opening "
                           f"stocks are read on the first day of the run ({start}); date it {str(start)[:7]} or start "
                           f"the run in its month (--start)")
    history = [rec for rec in user if rec.parameter.startswith("history.inflow.")]
    if not history:
        return
    full = grid.full_years
    scenarios = sorted({s for rec in history for s in ((rec.scenario,) if rec.scenario != ALL else SCENARIOS)})
    for scenario in scenarios:
        complete = np.logical_and.reduce([~np.isnan(aset.at(f"history.inflow.{c}", scenario, full.month_starts,
                                                             required=False)) for c in HISTORY_CATEGORIES])
        for rec in history:
            if rec.scenario not in (ALL, scenario):
                continue
            inside = (full.month_starts >= rec.start.astype("datetime64[M]").astype("datetime64[D]")) & (
                full.month_starts <= rec.end)
            if not (inside & complete).any():
                where = "on the horizon" if inside.any() else f"on the horizon {grid.start}..{grid.end}"
                raise MppError(f"{cell_where(rec, 'from')}: {rec.parameter} for {_period(rec)} has no effect {where}: "
                               f"a month counts as realised only when history.inflow.first, nareis, repeat and "
                               f"resettlement are all given for it; give all four (or change inflow.total_annual)")


_NAMES = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_*]+)+(?:/[a-z0-9_]+)*(?:\.\.\d+)?")


def _mentioned(message: str) -> list[tuple[str, bool]]:
    """The parameters a message names, as (name, is_prefix): 'inflow.share.first/nareis' -> both names;
    'inflow.seasonal.01..12' and 'ind.opening_age.asylum.*' -> their prefix."""
    out = []
    for token in _NAMES.findall(message):
        if ".." in token:  # inflow.seasonal.01..12
            out.append((token.split("..")[0].rsplit(".", 1)[0] + ".", True))
        elif token.endswith("*"):  # ind.opening_age.asylum.*
            out.append((token[:-1], True))
        elif "/" in token:
            base, last = token.rsplit(".", 1)
            out += [(f"{base}.{alt}", False) for alt in last.split("/")]
        else:
            out.append((token, False))
    return out


def with_origin(error: MppError, aset: AssumptionSet) -> MppError:
    """A cross-check of the model ('... sum to 1.09, not 1', 'penalty.cap.standard is below ...') names the
    file, row and column of the record it rests on: the user's record (the one in force at the month named, if
    any), else the shipped one. A message that already names a row, or a value missing altogether, is left as
    it is."""
    message = str(error)
    if re.search(r"\brow \d+", message) or message.startswith("assumption '"):
        return error
    names = _mentioned(message)
    if not names:
        return error
    month = re.search(r"\b(\d{4}-\d{2})\b", message)
    day = np.datetime64(month.group(1) + "-01", "D") if month else None
    candidates = [(label, rec) for label, rec in aset.records()
                  if any(rec.parameter.startswith(n) if prefix else rec.parameter == n for n, prefix in names)
                  and re.search(r" row \d+$", rec.origin)]
    users = [rec for label, rec in candidates if label.startswith(USER_LAYERS)]
    pool = users or [rec for _, rec in candidates]
    if not pool:
        return error
    if day is not None:  # the record in force in the month named (any day of it), if one is
        pool = [rec for rec in pool if rec.start <= day + 30 and rec.end >= day] or pool
    return MppError(f"{cell_where(pool[-1], 'value')}: {message}")


def _escaped(item) -> bytes:
    """One item of a digest as JSON (every field quoted and escaped, lengths implied), so no text in a field
    (a newline, a '|') can imitate another record: two different sets never share a digest."""
    return (_DIGEST_JSON.encode(item) + "\n").encode()


_DIGEST_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # made once: json.dumps makes one a call
