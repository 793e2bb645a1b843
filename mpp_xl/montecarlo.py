"""Monte Carlo over assumptions: uncertainty bands (fan charts) and sensitivity (tornado) of the chain.

Uncertain assumptions are data (``data/uncertainty.csv``, or a user file with the same columns): each row
names a parameter, the date from which it is uncertain (months before it are history and never move), a
distribution of a multiplicative factor on its monthly series, and a group: rows in one group share one
standard-normal draw per path (fully correlated), groups are independent. Distributions of the factor:

- ``two_piece_normal``: median 1, ``low`` and ``high`` at the 5th and 95th percentile (a normal on each side);
- ``two_piece_uniform``: median 1, uniform on each side, ``low`` and ``high`` at the 5th and 95th percentile;
- ``mpp``: ``two_piece_normal`` with low and high taken per month from the edition's own scenarios, min/medio
  and max/medio (inflow categories only; the same relative spread around every scenario);
- ``backtest``: the inflow factor per lead year drawn from the record of the MPP's forecast errors
  (``backtest.forecast_errors``): realised / forecast at the path's quantile.

Paths are an array axis through every stage: inflow (P, T) -> registration and the nareis front -> the IND
queues (the compiled batch kernel, one path per thread) -> COA through ``chain.chain_core`` (the same code as
the deterministic run) -> penalties, contracted from per-case booking tables (what one noticed case books per
year, by notice month, branch and decision time; exact for the expected value). The time to judgment changes
those tables, so its draws take nine equal-probability points of its distribution (one table each).

The zero-shock path (every draw 0) is the deterministic run; shares are clipped to [0, 1] after the factor.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from statistics import NormalDist

import numpy as np

from . import penalty_kernel, queue_kernel
from .assumptions import AssumptionSet
from .chain import (Front, QueueFlows, chain_core, nareis_applications, registration, series_reader, sponsor_grants,
                    work_order)
from .deadlines import build_regime
from .errors import MppError, did_you_mean
from .inflow import project_inflow
from .memo import LruCache, Same, SameContent, StageCache
from .penalties import PenaltyParams, _signature, chain_span, read_params
from .queue import (HEARD, NOT_HEARD, OPENING_COHORTS, PENDING_BEYOND, WorkOrder,
                    assemble, opening_by_age, prepare_queue, run_loop)
from .timegrid import TimeGrid
from .variants import Variant

PERCENTILES = (5, 10, 25, 50, 75, 90, 95)
STANDARD_NORMAL = NormalDist()
Z95 = STANDARD_NORMAL.inv_cdf(0.95)  # the standard normal's 95th percentile
CATEGORIES = ("first", "nareis", "repeat", "resettlement")
CHAIN_PARAMETERS = ("ind.grant_rate.asylum", "ind.grant_rate.fast_lane", "housing.realisation_rate",
                    "housing.target_backlog_share", "coa.share_in_coa.asylum_seekers", "coa.share_in_coa.rejected",
                    "coa.departure_rate.rejected", "coa.repeat_share_from_rejected", "coa.capacity_buffer")
QUEUE_PARAMETERS = ("ind.capacity.asylum", "ind.capacity.nareis", "penalty.take_up.asylum", "penalty.take_up.nareis")
TABLE_PARAMETERS = ("penalty.judgment_months",)
SUPPORTED = tuple(f"inflow.{c}" for c in CATEGORIES) + QUEUE_PARAMETERS + CHAIN_PARAMETERS + TABLE_PARAMETERS
DISTRIBUTIONS = ("two_piece_normal", "two_piece_uniform", "mpp", "backtest")
TABLE_NODES = 9  # equal-probability points of a distribution that changes the per-case penalty tables
INFLOW_PARAMETERS = ("inflow.", "history.")
# what registration reads besides the inflow: computed per variant where a variant changes it
MAX_FACTOR = 10.0  # a factor above ten times the assumption is a typo, not an uncertainty
SPEC_COLUMNS = ("name", "parameter", "from", "distribution", "low", "high", "group", "label_nl", "source")
BAND_METRICS = ("ind.pending.asylum", "coa.capacity_need", "coa.statushouders")
CHUNK_PATHS = 2000  # paths per batch: bounds memory (about 10 MB per variant) and paces the progress bar


@dataclass(frozen=True)
class Uncertain:
    """One uncertain assumption: a factor on ``parameter``'s monthly series from ``start`` on."""

    name: str
    parameter: str
    start: np.datetime64
    distribution: str
    low: float
    high: float
    group: str
    label_nl: str
    source: str


def _number(text: str, where: str, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise MppError(f"{where}, column '{column}': '{text}' is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise MppError(f"{where}, column '{column}': {text} must be a finite factor of 0 or more")
    return value


def parse_spec(text: str, origin: str, aset: AssumptionSet) -> tuple[Uncertain, ...]:
    """The rows of an uncertainty table (CSV text) -> checked records; one-line errors name the row and column."""
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(c.strip() for c in r) and not r[0].lstrip().startswith("#")]
    if not rows:
        raise MppError(f"{origin}: the table is empty")
    header = [c.strip().lower() for c in rows[0]]
    if len(header) == 1 and ";" in header[0]:
        raise MppError(f"{origin}: the columns are separated by semicolons; save the file as CSV with commas")
    missing = [c for c in SPEC_COLUMNS if c not in header and c not in ("label_nl", "source")]
    if missing:
        raise MppError(f"{origin}: header must contain {','.join(SPEC_COLUMNS)}; missing column '{missing[0]}'")
    out = []
    for number, row in enumerate(rows[1:], start=2):
        where = f"{origin}, row {number}"
        cell = {name: (row[header.index(name)].strip() if name in header and header.index(name) < len(row) else "")
                for name in SPEC_COLUMNS}
        distribution = cell["distribution"].lower()
        if distribution not in DISTRIBUTIONS:
            raise MppError(f"{where}, column 'distribution': '{cell['distribution']}' is not one of "
                           f"{', '.join(DISTRIBUTIONS)}{did_you_mean(distribution, DISTRIBUTIONS)}")
        parameters = _expand(cell["parameter"], where)
        if distribution in ("mpp", "backtest") and not all(p.startswith("inflow.") for p in parameters):
            raise MppError(f"{where}, column 'distribution': {distribution} spreads apply to inflow.* only")
        low = high = 1.0
        if distribution.startswith("two_piece"):
            low, high = _number(cell["low"], where, "low"), _number(cell["high"], where, "high")
            if not low <= 1.0 <= high:
                raise MppError(f"{where}: low ({low:g}) and high ({high:g}) must lie around the central factor 1 "
                               f"(low <= 1 <= high)")
            if high > MAX_FACTOR:
                raise MppError(f"{where}, column 'high': {high:g} is more than {MAX_FACTOR:g} times the assumption")
        elif cell["low"] or cell["high"]:
            raise MppError(f"{where}: a {distribution} row takes its spread from "
                           f"{'the edition' if distribution == 'mpp' else 'the backtest'}; leave low and high empty")
        try:
            start = np.datetime64(cell["from"], "D") if cell["from"] else np.datetime64("1900-01-01")
        except ValueError:
            raise MppError(f"{where}, column 'from': '{cell['from']}' is not a date (YYYY-MM-DD)") from None
        if cell["from"] and not str(start).endswith("-01"):
            raise MppError(f"{where}, column 'from': {start} must be the first day of a month (series are monthly)")
        group = cell["group"] or cell["name"]
        if not cell["name"]:
            raise MppError(f"{where}, column 'name': give the assumption a name")
        for parameter in parameters:
            out.append(Uncertain(cell["name"], parameter, start, distribution, low, high, group,
                                 cell["label_nl"] or cell["name"], cell["source"]))
    if not out:
        raise MppError(f"{origin}: the table holds no uncertain assumptions (only its header)")
    seen = {}
    for rec in out:
        if rec.parameter in seen:
            raise MppError(f"{origin}: {rec.parameter} is uncertain twice (rows '{seen[rec.parameter]}' and "
                           f"'{rec.name}'); give it once")
        seen[rec.parameter] = rec.name
    tables = {r.group for r in out if r.parameter in TABLE_PARAMETERS}
    if len(tables) > 1 or (tables and any(r.group in tables and r.parameter not in TABLE_PARAMETERS for r in out)):
        raise MppError(f"{origin}: penalty.judgment_months must have a group of its own")
    return tuple(out)


def _expand(parameter: str, where: str) -> tuple[str, ...]:
    if parameter == "inflow.*":
        return tuple(f"inflow.{c}" for c in CATEGORIES)
    if parameter not in SUPPORTED:
        raise MppError(f"{where}, column 'parameter': {parameter or '(empty)'} cannot be varied"
                       f"{did_you_mean(parameter, SUPPORTED)}; choose from inflow.*, {', '.join(SUPPORTED)}")
    return (parameter,)


def default_spec(aset: AssumptionSet) -> tuple[Uncertain, ...]:
    text = resources.files("mpp_xl").joinpath("data/uncertainty.csv").read_text(encoding="utf-8")
    return parse_spec(text, "uncertainty.csv", aset)


def load_spec(path: str | Path | None, aset: AssumptionSet) -> tuple[Uncertain, ...]:
    if path is None:
        return default_spec(aset)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MppError(f"{path}: cannot read the uncertainty file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise MppError(f"{path}: not a UTF-8 text file (save it as CSV UTF-8)") from None
    return parse_spec(text, str(path), aset)


def with_spread(spec: tuple[Uncertain, ...], spread: str) -> tuple[Uncertain, ...]:
    """``spread`` 'backtest' draws inflow from the record of forecast errors instead of the MPP's min/max."""
    if spread == "mpp":
        return spec
    if spread != "backtest":
        raise MppError(f"--spread '{spread}': use mpp or backtest")
    return tuple(Uncertain(r.name, r.parameter, r.start, "backtest", 1.0, 1.0, r.group, r.label_nl,
                           "backtest.forecast_errors(): realised / forecast of inflow.total, medio, per lead year")
                 if r.parameter.startswith("inflow.") else r for r in spec)


def groups_of(spec) -> tuple[str, ...]:
    """The groups in order of first appearance: the columns of the draws."""
    return tuple(dict.fromkeys(r.group for r in spec))


def draws(spec, paths: int, seed: int) -> np.ndarray:
    """(paths, groups) standard-normal draws; the same seed gives the same draws, and a group's draws depend only
    on the seed and the group's name."""
    if paths < 1:
        raise MppError(f"--paths {paths}: give at least 1 path")
    columns = []
    for group in groups_of(spec):  # each group its own stream: adding a group leaves the others' draws as they were
        key = int.from_bytes(hashlib.blake2b(group.encode(), digest_size=8).digest(), "little")
        columns.append(np.random.default_rng(np.random.SeedSequence([int(seed), key])).standard_normal(paths))
    return np.column_stack(columns) if columns else np.zeros((paths, 0))


_normal_cdf = np.vectorize(STANDARD_NORMAL.cdf, otypes=[float])
_normal_quantile = np.vectorize(STANDARD_NORMAL.inv_cdf, otypes=[float])


def factor(rec: Uncertain, z: np.ndarray, low=None, high=None) -> np.ndarray:
    """The factor of each path (z: (P,) or (P, 1)) for ``two_piece_*`` and ``mpp`` (low/high may be (T,))."""
    low = rec.low if low is None else low
    high = rec.high if high is None else high
    if rec.distribution == "two_piece_uniform":  # uniform on each side, low and high at the 5th and 95th percentile
        u = _normal_cdf(z)
        return np.maximum(np.where(u >= 0.5, 1.0 + (u - 0.5) / 0.45 * (high - 1.0),
                                   1.0 - (0.5 - u) / 0.45 * (1.0 - low)), 0.0)
    up = (np.asarray(high) - 1.0) / Z95
    down = (1.0 - np.asarray(low)) / Z95
    return np.maximum(np.where(z >= 0, 1.0 + z * up, 1.0 + z * down), 0.0)


@dataclass
class Prepared:
    """Everything fixed across paths for one scenario: base series, deadlines, per-case tables."""

    scenario: str
    grid: TimeGrid
    variant_sets: dict[str, AssumptionSet]
    spec: tuple[Uncertain, ...]
    groups: tuple[str, ...]
    years: np.ndarray
    inflow: dict[str, np.ndarray]
    spreads: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    backtest_ratio: dict[int, np.ndarray] = field(default_factory=dict)
    table_nodes: np.ndarray = field(default_factory=lambda: np.zeros(1))
    tracks: dict = field(default_factory=dict)
    edition_year: int = 0


def _month_mask(grid: TimeGrid, start: np.datetime64) -> np.ndarray:
    return grid.month_starts >= start


def prepare(aset: AssumptionSet, variants: dict[str, Variant], scenario: str, grid: TimeGrid, spec,
            edition_year: int | None = None) -> Prepared:
    """Read every base series once and build the per-case penalty tables of each judgment node."""
    sets = {name: aset.with_layer(f"variant {name}", v.records) for name, v in variants.items()}
    for name, variant in variants.items():
        if any(rec.parameter.startswith(INFLOW_PARAMETERS) for rec in variant.records):
            raise MppError(f"variant {name} changes the inflow (inflow.* or history.*), which the Monte Carlo varies "
                           f"itself: leave the variant out (--variant names the variants to run)")
    inflow = project_inflow(aset, scenario, grid)
    prep = Prepared(scenario, grid, sets, spec, groups_of(spec), grid.calendar_years, inflow)
    scenario_inflow = {}
    for rec in spec:
        if rec.distribution == "mpp":  # the MPP's relative spread, min/medio and max/medio, around the scenario
            for name in ("min", "medio", "max"):
                if name not in scenario_inflow:
                    scenario_inflow[name] = inflow if name == scenario else project_inflow(aset, name, grid)
            category = rec.parameter.split(".", 1)[1]
            medio = scenario_inflow["medio"][category]
            low, high = scenario_inflow["min"][category], scenario_inflow["max"][category]
            ratio = lambda x: np.divide(x, medio, out=np.ones(grid.size), where=medio > 0)  # noqa: E731
            prep.spreads[rec.parameter] = (np.minimum(ratio(low), 1.0), np.maximum(ratio(high), 1.0))
        elif rec.distribution == "backtest" and not prep.backtest_ratio:
            from .backtest import forecast_errors
            errors = forecast_errors()
            if not errors:
                raise MppError("--spread backtest: the editions record holds no forecast errors")
            prep.backtest_ratio = {lead: np.sort(1.0 / (1.0 + e)) for lead, e in errors.items()}
    prep.edition_year = edition_year if edition_year is not None else int(grid.years[inflow["is_history"]].max()) if \
        inflow["is_history"].any() else int(grid.years[0])
    # the judgment nodes: nine equal-probability points of the standard normal (the middle one is 0)
    judgment = [r for r in spec if r.parameter in TABLE_PARAMETERS]
    prep.table_nodes = _normal_quantile((np.arange(TABLE_NODES) + 0.5) / TABLE_NODES) if judgment else np.zeros(1)
    prep.table_nodes[len(prep.table_nodes) // 2] = 0.0
    for name, vset in sets.items():
        prep.tracks[name] = {track: _track_tables(prep, vset, track, judgment[0] if judgment else None)
                             for track in ("asylum", "nareis")}
    return prep


_TABLES = LruCache(64)  # per-case tables by (track, penalty assumptions, grid, node): shared by variants and scenarios


def _track_tables(prep: Prepared, vset: AssumptionSet, track: str, judgment: Uncertain | None) -> dict:
    """Per judgment node: the queue's court timeline and the per-case bookings by year (EUR).

    ``regular[k, n, b, d]`` is what one case noticed in month n (branch b) books per year when regular work
    decides it d months later (d <= ``settled``; later decisions book as a case pending at the end)."""
    grid, scenario = prep.grid, prep.scenario
    size = grid.size
    params = read_params(vset, track, scenario, grid)
    regime = build_regime(vset, track, scenario, grid)
    nodes = prep.table_nodes if judgment is not None else np.zeros(1)
    node_params = []
    for z in nodes:
        series = dict(params.series)
        if judgment is not None:
            f = np.where(_month_mask(grid, judgment.start), factor(judgment, np.asarray(z)), 1.0)
            series["judgment_months"] = params.series["judgment_months"] * f
        node_params.append(PenaltyParams(series))
    settled = int(max(chain_span(p) for p in node_params))
    zero = WorkOrder(np.zeros(size), np.zeros(size), np.zeros(size))
    timelines = [prepare_queue(grid, np.zeros(size), np.zeros(OPENING_COHORTS), zero, regime, p) for p in node_params]
    tables = [_TABLES.fetch((track, _signature(p, size), str(grid.start), str(grid.end), settled),
                            lambda p=p, q=q: _per_case_tables(p, q, grid, settled))
              for p, q in zip(node_params, timelines)]
    digest = hashlib.blake2b(track.encode(), digest_size=16)  # identical inputs: the same queue on every path
    for array in (timelines[0].deadline, timelines[0].notice_times, timelines[0].state_of_month,
                  timelines[0].lag_used0, timelines[0].overdue0):
        digest.update(np.ascontiguousarray(array).tobytes())
    for p in node_params:
        digest.update(_signature(p, size))
    stack = lambda key: np.ascontiguousarray(np.stack([t[key] for t in tables]))  # noqa: E731
    pick = lambda key: np.ascontiguousarray(np.stack([getattr(q, key) for q in timelines]))  # noqa: E731
    return {"params": params, "queues": timelines, "node_params": node_params, "key": digest.digest(),
            "judgment_time": pick("judgment_time"), "term_end": pick("term_end"), "term_month": pick("term_month"),
            "within_term_share": pick("within_term_share"), "regular": stack("regular"), "after": stack("after"),
            "within": stack("within"), "pending": stack("pending")}


def _per_case_tables(params: PenaltyParams, q, grid: TimeGrid, settled: int) -> dict[str, np.ndarray]:
    """What one noticed case books per year (EUR), by notice month, branch and how it is decided."""
    size = grid.size
    starts = grid.year_starts
    n, d = np.meshgrid(np.arange(size), np.arange(settled + 1), indexing="ij")
    inside = n + d < size
    reg_n, reg_d = n[inside], d[inside]
    notice_time, appeal_time, term_month = q.notice_time, q.appeal_time, q.term_month
    within_time = (np.maximum(q.judgment_time[:, None], term_month) + np.minimum(q.term_end, term_month + 1.0)) / 2
    blocks = []
    for branch, heard in ((HEARD, 1.0), (NOT_HEARD, 0.0)):
        blocks.append((notice_time[reg_n], np.full(reg_n.size, heard), reg_n + reg_d + 0.5))
        blocks.append((notice_time, np.full(size, heard), (notice_time + appeal_time) / 2))
        blocks.append((notice_time, np.full(size, heard), within_time[:, branch]))
        blocks.append((notice_time, np.full(size, heard), np.full(size, PENDING_BEYOND)))
    columns = [np.concatenate([b[i] for b in blocks]) for i in range(3)]
    yearly = np.zeros((columns[0].size, starts.size))
    year_of_month = (np.searchsorted(starts, np.arange(size), side="right") - 1).astype(np.int64)
    queue_kernel.by_engine(penalty_kernel.expected_rows)(penalty_kernel.parameter_matrix(params), *columns,
                                                         year_of_month, yearly)
    k = reg_n.size
    cut = np.cumsum([0, k, size, size, size, k, size, size, size])
    part = lambda i: yearly[cut[i]:cut[i + 1]]  # noqa: E731
    regular = np.zeros((size, 2, settled + 1, yearly.shape[1]))
    regular[reg_n, HEARD, reg_d] = part(0)
    regular[reg_n, NOT_HEARD, reg_d] = part(4)
    return {"regular": regular, "after": np.stack([part(1), part(5)], axis=1),
            "within": np.stack([part(2), part(6)], axis=1), "pending": np.stack([part(3), part(7)], axis=1)}


def _factors(prep: Prepared, z: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per parameter the (P, T) factor of every path, and each path's judgment node (index)."""
    grid = prep.grid
    out = {}
    node_of_path = np.full(z.shape[0], len(prep.table_nodes) // 2 if len(prep.table_nodes) > 1 else 0)
    for rec in prep.spec:
        zg = z[:, prep.groups.index(rec.group)]
        mask = _month_mask(grid, rec.start)
        if rec.parameter in TABLE_PARAMETERS:
            # the nearest of the nine nodes in probability: the node's bin holds the path's quantile
            bins = np.clip(np.floor(_normal_cdf(zg) * len(prep.table_nodes)).astype(int), 0,
                           len(prep.table_nodes) - 1)
            exact = np.isin(zg, prep.table_nodes)  # a draw on a node (0, or a tornado's ends) takes that node
            node_of_path = np.where(exact, np.searchsorted(prep.table_nodes, zg), bins)
            continue
        if rec.distribution == "mpp":
            low, high = prep.spreads[rec.parameter]
            f = factor(rec, zg[:, None], low[None, :], high[None, :])
        elif rec.distribution == "backtest":
            f = _backtest_factor(prep, zg)
        else:
            f = np.broadcast_to(factor(rec, zg)[:, None], (z.shape[0], grid.size))
        if rec.parameter.startswith("inflow."):  # realised inflow never moves, whatever the row's date
            mask = mask & ~prep.inflow["is_history"]
        out[rec.parameter] = np.where(mask[None, :], f, 1.0)
    return out, node_of_path


def _backtest_factor(prep: Prepared, z: np.ndarray) -> np.ndarray:
    """realised / forecast at the path's quantile of each lead year's record (the last lead beyond it)."""
    u = _normal_cdf(z)
    leads = sorted(prep.backtest_ratio)
    out = np.ones((z.size, prep.grid.size))
    for year in prep.grid.calendar_years:
        lead = min(max(int(year) - prep.edition_year, leads[0]), leads[-1])
        record = prep.backtest_ratio[lead]
        positions = np.linspace(0.0, 1.0, record.size) if record.size > 1 else np.zeros(1)
        out[:, prep.grid.years == year] = np.interp(u, positions, record)[:, None]
    return out


def with_tables(prep: Prepared, z: np.ndarray) -> np.ndarray:
    """Explicit judgment nodes for explicit draws (tornado): every draw of the judgment group becomes a node."""
    judgment = [r for r in prep.spec if r.parameter in TABLE_PARAMETERS]
    if not judgment:
        return z
    column = prep.groups.index(judgment[0].group)
    wanted = np.unique(np.concatenate([prep.table_nodes, z[:, column]]))
    if wanted.size != prep.table_nodes.size:
        prep.table_nodes = wanted
        for name, vset in prep.variant_sets.items():
            prep.tracks[name] = {track: _track_tables(prep, vset, track, judgment[0]) for track in ("asylum", "nareis")}
    return z


@dataclass
class Batch:
    """Results of a set of paths for one scenario: per variant (P, T) metrics and (P, Y) penalties (EUR)."""

    metrics: dict[str, dict[str, np.ndarray]]
    penalties: dict[str, np.ndarray]


def run_paths(prep: Prepared, z: np.ndarray, engine: str = "compiled") -> Batch:
    """Every path of ``z`` ((P, groups) standard-normal draws) through the chain, for every variant."""
    with queue_kernel.blas_on_one_thread():
        return _run_paths(prep, z, engine)


def _run_paths(prep: Prepared, z: np.ndarray, engine: str) -> Batch:
    grid, scenario = prep.grid, prep.scenario
    size = grid.size
    factors, node_of_path = _factors(prep, z)
    paths = z.shape[0]
    one = np.ones((paths, size))
    inflow = {c: prep.inflow[c] * factors.get(f"inflow.{c}", one) for c in CATEGORIES}
    inflow["is_history"] = prep.inflow["is_history"]
    # variants that read the same records share the registration and the COA chain (the stage cache rule)
    fronts, chains = StageCache(8), StageCache(8)

    def front_of(reader):
        own = dict(inflow, amv=inflow["first"] * reader.at("inflow.amv_share_first", scenario, grid.month_starts))
        return Front(own, *registration(reader, scenario, grid, own["first"]))

    def reader_of(aset):  # the chain's series, the uncertain ones drawn per path
        return series_reader(aset, scenario, grid, {
            p: np.clip(aset.at(p, scenario, grid.month_starts) * factors[p], 0.0,
                       1.0 if aset.registry.find(p).unit.startswith("share") else np.inf)
            for p in CHAIN_PARAMETERS if p in factors})

    metrics, penalties = {}, {}
    done_tracks = {}  # variants with identical queue inputs share a queue
    for name, vset in prep.variant_sets.items():
        read = reader_of(vset)
        tables = prep.tracks[name]
        front = fronts.fetch("registration", vset, front_of)
        flows, total, keys = {}, np.zeros((paths, prep.years.size)), []
        filings = {"asylum": front.registered + front.inflow["repeat"]}
        for track in ("asylum", "nareis"):  # the asylum grants drive the nareis applications
            if track == "nareis":
                grants = sponsor_grants(read, flows["asylum"].decisions, flows["asylum"].fast_decided)
                filings["nareis"] = np.broadcast_to(nareis_applications(vset, scenario, grid, grants), (paths, size))
            opening = np.broadcast_to(opening_by_age(vset, track, scenario, grid), (paths, OPENING_COHORTS))
            order = work_order(vset, track, scenario, grid, filings[track], opening.sum(axis=1),
                               factors.get(f"ind.capacity.{track}", one))
            capacity, patience = order.capacity, order.fast_patience
            shares = (order.fast_share, order.newest_first_share, order.spread_share, order.frozen_share)
            t = tables[track]
            # the (paths, T) inputs follow from the front and the draws, shared by every variant of this call
            key = (track, t["key"], Same(front), patience, SameContent(filings[track], capacity, *shares))
            keys.append(key)
            if key not in done_tracks:
                take_up = np.clip(t["params"].series["take_up"] * factors.get(f"penalty.take_up.{track}", one),
                                  0.0, 1.0)
                booked = np.zeros((paths, prep.years.size))
                done_tracks[key] = (_queue_batch(t, filings[track], opening, capacity, shares, take_up, node_of_path,
                                                 booked, engine, grid, track, patience), booked)
            flows[track], booked = done_tracks[key]
            total = total + booked

        def chain_of(reader, flows=flows, front=front):
            core = chain_core(reader, scenario, grid, front, flows["asylum"], flows["nareis"].decisions,
                              reader_of(reader))
            return {"ind.pending.asylum": flows["asylum"].pending, "coa.capacity_need": core["capacity_need"],
                    "coa.statushouders": core["coa"].accounts["coa.statushouders"].closing}
        metrics[name] = chains.fetch(tuple(keys), vset, chain_of)
        penalties[name] = total
    return Batch(metrics, penalties)


def _shared_months(t: dict, filings, capacity, take_up, open0, declined0, node_of_path) -> int:
    """The months at the start in which every input of the queue is the same on every path (realised history,
    months before the first uncertain date): they run once. A court timeline read later counts from its notice
    month."""
    size = filings.shape[1]
    if not ((open0 == open0[:1]).all() and (declined0 == declined0[:1]).all()):
        return 0
    differs = ((filings != filings[:1]).any(axis=0) | (capacity != capacity[:1]).any(axis=0)
               | (take_up != take_up[:1]).any(axis=0))
    nodes = np.unique(node_of_path)
    for key in ("judgment_time", "term_end", "term_month", "within_term_share"):
        values = t[key][nodes].reshape(nodes.size, size, -1)
        differs |= (values != values[:1]).any(axis=(0, 2))
    return int(np.argmax(differs)) if differs.any() else size


def _queue_batch(t: dict, filings, opening, capacity, shares, take_up, node_of_path, total, engine,
                 grid: TimeGrid, track: str, patience: int) -> QueueFlows:
    """The queue of every path; adds each path's penalties by year to ``total`` (P, Y)."""
    q0 = t["queues"][0]
    paths, size = filings.shape
    opening = np.asarray(opening, dtype=float)
    n_open = opening.shape[1]
    before_start = q0.lag_used0[:n_open] >= 1.0  # the opening cases that count as not claiming
    open0 = np.where(before_start, 0.0, opening)
    declined0 = np.where(before_start, opening, 0.0)
    capacity = np.ascontiguousarray(np.broadcast_to(capacity, (paths, size)), dtype=float)
    filings = np.ascontiguousarray(filings, dtype=float)
    decisions, fast, pending = np.zeros((paths, size)), np.zeros((paths, size)), np.zeros((paths, size))
    fast_share, newest, spread, frozen = (np.ascontiguousarray(x, dtype=float) for x in shares)
    if engine == "compiled":
        queue_kernel.run_batch(filings, np.ascontiguousarray(open0), np.ascontiguousarray(declined0), q0.lag_used0,
                               q0.overdue0, capacity, fast_share, newest, spread, frozen,
                               np.ascontiguousarray(take_up), q0.share_heard, q0.after_notice_share,
                               node_of_path.astype(np.int64), t["judgment_time"], t["term_end"], t["term_month"],
                               t["within_term_share"], q0.state_of_month, q0.deadline, q0.notice_times,
                               int(patience), max(1, min(queue_kernel.threads(), paths)),
                               _shared_months(t, filings, capacity, take_up, open0, declined0, node_of_path),
                               t["regular"], t["after"], t["within"], t["pending"],
                               decisions, fast, pending, total)
    else:  # the reference: every path through the numpy loop and the deterministic penalty engine
        from .penalties import expected_penalties
        starts = grid.year_starts
        for p in range(paths):
            node = t["queues"][node_of_path[p]]
            params = t["node_params"][node_of_path[p]]
            q = type(node)(**{**node.__dict__, "filings": filings[p], "capacity": capacity[p],
                              "fast_share": fast_share, "newest_share": newest, "spread_share": spread,
                              "frozen_share": frozen,
                              "take_up": take_up[p],
                              "open0": np.concatenate([open0[p], np.zeros(size)]),
                              "declined0": np.concatenate([declined0[p], np.zeros(size)])})
            raw = run_loop(q, "numpy")
            matrix = assemble(track, grid, q, raw, engine)
            decisions[p], fast[p], pending[p] = matrix.decisions(), matrix.fast_decided, matrix.pending()
            ledger = expected_penalties(matrix.legal, params, size)
            monthly = sum(ledger.amounts.values())
            total[p] += np.add.reduceat(monthly, starts)
    return QueueFlows(opening.sum(axis=1), filings, decisions, pending, fast)

