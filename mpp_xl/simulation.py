"""Uncertainty bands and sensitivity from the Monte Carlo (``mpp_xl.montecarlo``): the tables ``bands.csv``
and ``tornado.csv``, their charts, and what the command line and Excel show of them.

bands.csv: ``scenario,variant,metric,date,p05,p10,p25,p50,p75,p90,p95,mean`` for IND pending asylum cases and
the COA capacity need and permit holders (month ends), the penalties per year (``penalty.amount_eur``, all
tracks, as accrued; dated 31 December) and over the window (``penalty.window_total_eur``, and for every other
variant ``penalty.delta_vs_base_window_eur``; dated at the window's last day).

tornado.csv: per target, every uncertain assumption (group) at its low and high setting (the 5th and 95th
percentile of its distribution) with the others central (factor 1): the target's value at both ends and the
swing, largest first.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import montecarlo as mc
from .assumptions import (OPEN_START, AssumptionSet, check_header_unique, decode_text, is_blank, parse_date,
                          read_input, short_hash, split_csv)
from .catalogue import METRICS, UNITS, variant_name
from .errors import MppError
from .timegrid import TimeGrid
from .variants import BASE, Variant

PERCENTILE_COLUMNS = tuple(f"p{p:02d}" for p in mc.PERCENTILES)
BAND_COLUMNS = ("scenario", "variant", "metric", "date", *PERCENTILE_COLUMNS, "mean")
TORNADO_COLUMNS = ("scenario", "target", "assumption", "label_nl", "setting_low", "setting_high", "value_low",
                   "value_central", "value_high", "swing")
NEED_DATE = np.datetime64("2025-12-31")  # the COA need on 1 January 2026 is the value at 31 December 2025
TARGETS = {"coa.capacity_need.2026-01-01": "COA-capaciteitsbehoefte op 1 januari 2026 (plaatsen)",
           "penalty.window_total_eur": f"dwangsommen en kosten over het venster, {variant_name(BASE)} (EUR)",
           "penalty.delta_all_undone_eur": f"verschil {variant_name('all_undone')} min {variant_name(BASE)} over het "
                                           f"venster (EUR)"}
PENALTY_METRICS = {"penalty.amount_eur": ("EUR/year", "dwangsommen en kosten per jaar", UNITS["EUR"].nl),
                   "penalty.window_total_eur": ("EUR", "dwangsommen en kosten over het venster", UNITS["EUR"].nl),
                   "penalty.delta_vs_base_window_eur": ("EUR", "verschil met basis over het venster", UNITS["EUR"].nl)}
TARGET_UNITS = {"coa.capacity_need.2026-01-01": "places", "penalty.window_total_eur": "EUR",
                "penalty.delta_all_undone_eur": "EUR"}
MAX_PATHS = 200_000  # about a minute per scenario and variant on 2 cores
MAX_CELLS = 60_000_000  # paths x chains x months: about 1.5 GB of stored paths
DEFAULT_PATHS = 1000
DEFAULT_SEED = 20241202  # the date of the MPP 2024-II letter


def band_label(metric: str) -> tuple[str, str]:
    """(Dutch label, Dutch unit) of a band metric."""
    if metric in PENALTY_METRICS:
        return PENALTY_METRICS[metric][1], PENALTY_METRICS[metric][2]
    return METRICS[metric].label_nl, METRICS[metric].unit_nl


@dataclass
class Simulation:
    """Every path's results per scenario (``batches``), and what produced them."""

    grid: TimeGrid
    window: tuple[int, int]
    paths: int
    seed: int
    spread: str
    spec: tuple
    batches: dict[str, mc.Batch]

    @property
    def years(self) -> np.ndarray:
        return self.grid.calendar_years

    def window_totals(self, scenario: str, window: tuple[int, int] | None = None) -> dict[str, np.ndarray]:
        """Variant -> (P,) penalties over the window (EUR; by default the simulation's)."""
        return window_totals(self.batches[scenario], self.grid, window or self.window)


def _whole(value, what: str, low: int, high: int, example: str) -> int:
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d{1,3}([.,]\d{3})+", text):  # 1.000: one path (English) or a thousand (Dutch)?
        raise MppError(f"{what} '{value}' is ambiguous ({text.replace(',', '.').split('.')[0]} or "
                       f"{re.sub(r'[.,]', '', text)}?): write the number without a thousands separator")
    try:
        number = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)  # big seeds stay exact
    except (TypeError, ValueError):
        raise MppError(f"{what} '{value}': give a whole number, e.g. {example}") from None
    if isinstance(number, float) and not number.is_integer() or not low <= number <= high:
        raise MppError(f"{what} {value}: give a whole number from {low:,} to {high:,}")
    return int(number)


def check_paths(paths, what: str = "--paths") -> int:
    return _whole(paths, what, 1, MAX_PATHS, "1000")


def check_seed(seed, what: str = "--seed") -> int:
    return _whole(seed, what, 0, 2**63 - 1, "1")


UNCERTAINTY_FILE = "an uncertainty file"


def load_uncertainty(path, aset: AssumptionSet) -> tuple[tuple, str]:
    """The uncertain assumptions of a user's file and the hash of the bytes read (the file is read once).

    Read as an assumptions file is read: at most 20 MB (also from a device or a pipe), UTF-8, cp1252 or UTF-16,
    ',' or ';' (with decimal commas), comment lines on top; a column named twice or unknown is refused, and
    ``from`` is a date as in an assumptions file (ISO, YYYY-MM, an Excel serial; a year or YYYYMM is refused).
    Every message names the file, row and column."""
    data = read_input(path, UNCERTAINTY_FILE)
    rows, semicolon = split_csv(decode_text(data, path), path, UNCERTAINTY_FILE)
    rows = [(number, row) for number, row in enumerate(rows, start=1)
            if any(c.strip() for c in row) and not (row and row[0].lstrip().startswith("#"))]
    if not rows:
        raise MppError(f"{path}: the table is empty; expected the header {','.join(mc.SPEC_COLUMNS)}")
    header = [c.strip().lower() for c in rows[0][1]]
    while header and not header[-1]:
        header.pop()
    check_header_unique(header, str(path))
    unknown = [c for c in header if c not in mc.SPEC_COLUMNS]
    if unknown:
        raise MppError(f"{path}: unknown column '{unknown[0] or '(empty)'}'; the columns are "
                       f"{','.join(mc.SPEC_COLUMNS)}")
    numbers, body = [], []
    for number, row in rows[1:]:
        cells = dict(zip(header, [c.strip() for c in row]))
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            raise MppError(f"{path}, row {number}: {len(row)} cells under a header of {len(header)} columns")
        if "from" in cells and not is_blank(cells["from"]):
            try:
                start = parse_date(cells["from"], is_end=False)
            except ValueError as exc:
                raise MppError(f"{path}, row {number}, column 'from': {exc}") from None
            cells["from"] = "" if start == OPEN_START else str(start)
        if semicolon:  # Dutch Excel: decimal commas
            for column in ("low", "high"):
                if column in cells:
                    cells[column] = cells[column].replace(",", ".")
        numbers.append(number)
        body.append([cells.get(c, "") for c in header])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    origin = str(path)
    try:
        spec = mc.parse_spec(out.getvalue(), origin, aset)
    except MppError as exc:  # parse_spec counts the rows it was given: name the rows of the file instead
        message = str(exc)
        prefix = f"{' '.join(origin.split())}, row "
        if message.startswith(prefix):
            position, rest = re.match(r"(\d+)(.*)", message[len(prefix):], re.DOTALL).groups()
            message = f"{prefix}{numbers[int(position) - 2]}{rest}"
        raise MppError(message) from None
    return spec, short_hash(data)


def check_size(paths: int, scenarios, variants, grid: TimeGrid) -> None:
    """Paths x chains x months bounds the memory of the stored paths (three metrics, 8 bytes each)."""
    cells = paths * len(scenarios) * len(variants) * grid.size
    if cells > MAX_CELLS:
        raise MppError(f"{paths:,} paths x {len(scenarios)} scenarios x {len(variants)} variants over {grid.size} "
                       f"months is more than one simulation holds (about {MAX_CELLS // (9 * 108):,} paths for 3 "
                       f"scenarios and 3 variants over 9 years): give fewer paths, scenarios or variants")


def simulate(aset: AssumptionSet, variants: dict[str, Variant], scenarios, grid: TimeGrid, window: tuple[int, int],
             paths: int, seed: int, spec=None, spread: str = "mpp", progress: bool = False,
             engine: str | None = None) -> Simulation:
    """Run ``paths`` draws of every uncertain assumption through every scenario and variant.

    The draws depend only on the seed and the uncertainty table (the same draws for every scenario)."""
    from .queue import default_engine
    paths, seed = check_paths(paths), check_seed(seed)
    check_size(paths, scenarios, variants, grid)
    spec = mc.with_spread(spec if spec is not None else mc.default_spec(aset), spread)
    engine = engine or default_engine()
    z = mc.draws(spec, paths, seed)
    chunks = [(lo, min(lo + mc.CHUNK_PATHS, paths)) for lo in range(0, paths, mc.CHUNK_PATHS)]
    bar = _progress(len(chunks) * len(scenarios), progress)
    batches = {}
    try:
        for scenario in scenarios:
            prep = mc.prepare(aset, variants, scenario, grid, spec)
            parts = []
            for lo, hi in chunks:
                parts.append(mc.run_paths(prep, z[lo:hi], engine))
                bar.update(1)
            batches[scenario] = mc.Batch(
                {v: {m: np.concatenate([p.metrics[v][m] for p in parts]) for m in mc.BAND_METRICS}
                 for v in variants},
                {v: np.concatenate([p.penalties[v] for p in parts]) for v in variants})
    finally:
        bar.close()
    return Simulation(grid, window, paths, seed, spread, spec, batches)


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress(total: int, wanted: bool):
    """A progress bar on stderr for long runs (more than one batch of paths) when stderr is a terminal."""
    if not wanted or total <= 1 or not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm
    return tqdm(total=total, unit="batch", desc="paths", file=sys.stderr, leave=False)


def _band_rows(values: np.ndarray) -> np.ndarray:
    """(P, N) -> (N, 8): the percentiles and the mean of every column (percentiles in ascending order)."""
    quantiles = np.percentile(values, mc.PERCENTILES, axis=0)
    quantiles = np.maximum.accumulate(quantiles, axis=0)  # rounding may never break the order p05 <= ... <= p95
    return np.column_stack([quantiles.T, values.mean(axis=0)])


def bands_frame(sim: Simulation, metrics=None) -> pd.DataFrame:
    """The bands of every scenario, variant and metric (tidy)."""
    wanted = tuple(metrics) if metrics else (*mc.BAND_METRICS, *PENALTY_METRICS)
    month_ends = [str(d) for d in sim.grid.month_ends]
    year_ends = [f"{y}-12-31" for y in sim.years]
    window_end = [f"{sim.window[1]}-12-31"]
    frames = []
    for scenario, batch in sim.batches.items():
        totals = sim.window_totals(scenario)
        for variant in batch.metrics:
            series = {m: (batch.metrics[variant][m], month_ends) for m in mc.BAND_METRICS}
            series["penalty.amount_eur"] = (batch.penalties[variant], year_ends)
            series["penalty.window_total_eur"] = (totals[variant][:, None], window_end)
            if variant != BASE and BASE in totals:
                series["penalty.delta_vs_base_window_eur"] = ((totals[variant] - totals[BASE])[:, None], window_end)
            for metric in wanted:
                if metric not in series:
                    continue
                values, dates = series[metric]
                table = pd.DataFrame(_band_rows(values), columns=[*PERCENTILE_COLUMNS, "mean"])
                table.insert(0, "date", dates)
                table.insert(0, "metric", metric)
                table.insert(0, "variant", variant)
                table.insert(0, "scenario", scenario)
                frames.append(table)
    return pd.concat(frames, ignore_index=True)


def window_totals(batch: mc.Batch, grid: TimeGrid, window: tuple[int, int]) -> dict[str, np.ndarray]:
    """Variant -> (P,) penalties over the years of ``window`` (EUR)."""
    inside = grid.in_window(window)
    return {v: p[:, inside].sum(axis=1) for v, p in batch.penalties.items()}


def _target_values(sim_batch: mc.Batch, grid: TimeGrid, window: tuple[int, int]) -> dict[str, np.ndarray]:
    out = {}
    at = np.flatnonzero(grid.month_ends == NEED_DATE)
    if at.size:
        out["coa.capacity_need.2026-01-01"] = sim_batch.metrics[BASE]["coa.capacity_need"][:, at[0]]
    totals = window_totals(sim_batch, grid, window)
    out["penalty.window_total_eur"] = totals[BASE]
    if "all_undone" in totals:
        out["penalty.delta_all_undone_eur"] = totals["all_undone"] - totals[BASE]
    return out


def _setting(rec, end: str) -> str:
    if rec.distribution == "mpp":  # the edition's relative spread around the scenario run
        return "MPP low (x min/medio)" if end == "low" else "MPP high (x max/medio)"
    if rec.distribution == "backtest":
        return "p05 of the record" if end == "low" else "p95 of the record"
    return f"x {rec.low if end == 'low' else rec.high:g}"


def tornado_frame(aset: AssumptionSet, variants: dict[str, Variant], scenario: str, grid: TimeGrid,
                  window: tuple[int, int], spec=None, spread: str = "mpp", engine: str | None = None) -> pd.DataFrame:
    """Each uncertain assumption at its low and high setting, the rest central: the swing of every target."""
    from .queue import default_engine
    spec = mc.with_spread(spec if spec is not None else mc.default_spec(aset), spread)
    prep = mc.prepare(aset, variants, scenario, grid, spec)
    groups = prep.groups
    z = np.zeros((1 + 2 * len(groups), len(groups)))
    for g in range(len(groups)):
        z[1 + 2 * g, g], z[2 + 2 * g, g] = -mc.Z95, mc.Z95
    mc.with_tables(prep, z)
    values = _target_values(mc.run_paths(prep, z, engine or default_engine()), grid, window)
    rows = []
    for target, v in values.items():
        for g, group in enumerate(groups):
            rec = next(r for r in spec if r.group == group)
            low, high = v[1 + 2 * g], v[2 + 2 * g]
            rows.append((scenario, target, group, rec.label_nl, _setting(rec, "low"), _setting(rec, "high"),
                         low, v[0], high, abs(high - low)))
    frame = pd.DataFrame(rows, columns=TORNADO_COLUMNS)
    order = {t: i for i, t in enumerate(values)}
    return frame.sort_values(["target", "swing"], key=lambda c: c.map(order) if c.name == "target" else -c,
                             kind="stable").reset_index(drop=True)


def _thousands(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def chart_pngs(bands: pd.DataFrame, tornado: pd.DataFrame, scenario: str) -> dict[str, bytes]:
    """fan_chart.png (COA capacity need, percentile bands) and tornado.png (one panel per target)."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter
    out = {}
    need = bands[(bands.scenario == scenario) & (bands.variant == BASE) & (bands.metric == "coa.capacity_need")]
    dates = pd.to_datetime(need.date)
    figure, axis = plt.subplots(figsize=(8, 4), dpi=100)
    axis.fill_between(dates, need.p05, need.p95, color="#9DC3E6", label="5 - 95 %")
    axis.fill_between(dates, need.p25, need.p75, color="#2E75B6", alpha=0.6, label="25 - 75 %")
    axis.plot(dates, need.p50, color="#1F3864", label="mediaan")
    axis.set_title(f"COA-capaciteitsbehoefte, scenario {scenario}: onzekerheidsbanden")
    axis.set_xlabel("jaar")
    axis.set_ylabel("plaatsen")
    axis.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _thousands(v)))
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    out["fan_chart.png"] = _png(figure, plt)

    tornado = tornado[tornado.scenario == scenario]
    targets = list(dict.fromkeys(tornado.target))
    figure, axes = plt.subplots(len(targets), 1, figsize=(8, 2.4 * max(len(targets), 1)), dpi=100, squeeze=False)
    for axis, target in zip(axes[:, 0], targets):
        part = tornado[tornado.target == target].iloc[::-1]
        central = float(part.value_central.iloc[0])
        scale, unit = (1e6, "mln euro") if "eur" in target else (1.0, "plaatsen")
        for i, row in enumerate(part.itertuples()):
            low, high = row.value_low / scale, row.value_high / scale
            axis.barh(i, low - central / scale, left=central / scale, color="#C55A11",
                      label="aanname laag (5e percentiel)" if i == 0 else None)
            axis.barh(i, high - central / scale, left=central / scale, color="#2E75B6",
                      label="aanname hoog (95e percentiel)" if i == 0 else None)
        axis.axvline(central / scale, color="black", linewidth=0.8, label="centrale waarde")
        axis.legend(fontsize=7, loc="lower right")
        axis.set_yticks(range(len(part)))
        axis.set_yticklabels(part.label_nl, fontsize=7)
        axis.set_title(f"{TARGETS.get(target, target)}, scenario {scenario}", fontsize=9)
        axis.set_xlabel(unit, fontsize=8)
        axis.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _thousands(v)))
    figure.tight_layout()
    out["tornado.png"] = _png(figure, plt)
    return out


def _png(figure, plt) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def spec_frame(spec) -> pd.DataFrame:
    """The uncertainty table as used (one row per parameter)."""
    return pd.DataFrame([(r.name, r.parameter, "" if r.start == np.datetime64("1900-01-01") else str(r.start),
                          r.distribution, r.low, r.high, r.group, r.label_nl, r.source) for r in spec],
                        columns=list(mc.SPEC_COLUMNS))


def summary_text(sim: Simulation, tornado: pd.DataFrame | None, scenario: str) -> str:
    """A few lines for the terminal: the spread of the main figures and the largest swings."""
    batch = sim.batches[scenario]
    lines = [f"Monte Carlo: {sim.paths:,} paths, seed {sim.seed}, spread {sim.spread}; scenario {scenario}; "
             f"window {sim.window[0]}-{sim.window[1]}"]
    values = _target_values(batch, sim.grid, sim.window)
    if "coa.capacity_need.2026-01-01" not in values:
        lines.append("  (the COA need on 1 January 2026 lies outside the horizon: not shown)")
    if sim.spread == "backtest":
        from .backtest import forecast_errors
        record = forecast_errors()
        lines.append("  inflow spread from the backtest: " + ", ".join(
            f"{len(e)} forecast errors {lead} year(s) ahead" for lead, e in sorted(record.items()))
                     + f"; later years draw from the last ({max(record)} year(s) ahead)")
    for target, v in values.items():
        p05, p50, p95 = np.percentile(v, [5, 50, 95])
        unit = " EUR m" if "eur" in target else " places"
        scale = 1e6 if "eur" in target else 1.0
        lines.append(f"  {target:34s} p05 {p05 / scale:>12,.1f}  p50 {p50 / scale:>12,.1f}  p95 {p95 / scale:>12,.1f}"
                     f"{unit}")
    if tornado is not None and len(tornado):
        lines.append("Largest swings (low/high setting of one assumption, the rest central):")
        for target in dict.fromkeys(tornado.target):
            top = tornado[tornado.target == target].iloc[0]
            scale = 1e6 if "eur" in target else 1.0
            lines.append(f"  {target:34s} {top.assumption:14s} swing {top.swing / scale:,.1f}"
                         f"{' EUR m' if 'eur' in target else ' places'}")
    return "\n".join(lines)

