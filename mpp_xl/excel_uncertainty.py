"""The Excel tables of the Monte Carlo: MPP_BAND (percentile bands of a metric) and MPP_TORNADO (the swing of a
target per uncertain assumption). Core-only (no xlwings): ``mpp_xl.udfs`` wraps them."""

from __future__ import annotations

import re

import numpy as np

from . import montecarlo as mc
from .errors import MppError, did_you_mean
from .excel_api import _finite, excel_serial
from .excel_args import GRID, one_cell, scalar, scenario_arg, window_arg
from .excel_session import cached_table, effective_set, excel_safe, model_run, registered
from .memo import LruCache
from .messages import english
from .model import WINDOW
from .catalogue import UNITS, header
from .simulation import (DEFAULT_PATHS, DEFAULT_SEED, TARGET_UNITS, TARGETS, band_label, simulate,
                         tornado_frame)
from .variants import NAMED_VARIANTS, default_variants

EXCEL_MAX_PATHS = 20_000  # about ten seconds of recalculation on 2 cores
DEFAULT_PERCENTILES = (5.0, 25.0, 50.0, 75.0, 95.0)
MAX_PERCENTILES = 101  # every whole percentile; a table then stays far inside Excel's 16,384 columns
BAND_METRICS = (*mc.BAND_METRICS, "penalty.amount_eur", "penalty.window_total_eur", "penalty.delta_vs_base_window_eur")
SETTINGS_NL = {"MPP low (x min/medio)": "MPP-ondergrens (× min/medio)", "MPP high (x max/medio)": "MPP-bovengrens (× max/medio)",
               "p05 of the record": "5e percentiel van de terugblik",
               "p95 of the record": "95e percentiel van de terugblik"}

_sims = registered(LruCache(2))  # (assumptions hash, scenario, paths, seed) -> Simulation (20,000 paths: about 150 MB)


def _setting_nl(setting: str) -> str:
    """'x 0.75' -> '× 0,75'; the named settings in Dutch."""
    return SETTINGS_NL.get(setting, setting.replace("x ", "× ").replace(".", ","))


def tornado_header(target: str) -> list[str]:
    """The header of MPP_TORNADO: texts, then the target's values in its unit."""
    unit = UNITS[TARGET_UNITS[target]].nl
    return ["aanname", "instelling laag", "instelling hoog", *(header(label, unit) for label in (
        "uitkomst laag", "uitkomst centraal", "uitkomst hoog", "verschil laag", "verschil hoog", "uitslag"))]  # (assumptions hash, scenario, paths, seed) -> Simulation


def _variants(aset):
    available = default_variants(aset.registry)
    return {name: available[name] for name in NAMED_VARIANTS}


def _choice(value, what: str, default: str, choices, key: str) -> str:
    """One of ``choices`` from a cell; otherwise the catalogue message ``key`` with a suggestion."""
    name = scalar(value, what, default=default)
    if name not in choices:
        raise MppError(english("argument", arg=what, reason=english(
            key, name=name, hint=did_you_mean(name, choices), choices=", ".join(choices))))
    return name


def band_metric_arg(value) -> str:
    return _choice(value, "metric", "coa.capacity_need", BAND_METRICS, "band_metric")


def target_arg(value) -> str:
    return _choice(value, "target", "coa.capacity_need.2026-01-01", TARGETS, "tornado_target")


def _whole(value, what: str, default: int, low: int, high: int) -> int:
    value = one_cell(value, what)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        if isinstance(value, str):
            text = value.strip().replace(" ", "")
            if re.fullmatch(r"\d{1,3}([.,]\d{3})+", text) and len(set(re.findall(r"[.,]", text))) == 1:
                text = re.sub(r"[.,]", "", text)  # thousands written with points (Dutch) or commas: 1.000, 1,000
            number = float(text.replace(",", "."))
        else:
            number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not number == number or not number.is_integer() or not low <= number <= high:
        raise MppError(english("argument", arg=what, reason=english("whole_number", value=value, low=f"{low:,}",
                                                                     high=f"{high:,}")))
    return int(number)


def paths_arg(value) -> int:
    return _whole(value, "paths", DEFAULT_PATHS, 1, EXCEL_MAX_PATHS)


def seed_arg(value) -> int:
    return _whole(value, "seed", DEFAULT_SEED, 0, 2**31 - 1)


def percentiles_arg(value) -> tuple[float, ...]:
    """Percentiles from a range of numbers or a text like '5;50;95'; ascending, each from 0 to 100."""
    cells = []
    stack = [value]
    while stack:
        item = stack.pop(0)
        if isinstance(item, (list, tuple)) or (isinstance(item, np.ndarray) and item.ndim > 0):
            stack[:0] = list(item)
        elif item is None or (isinstance(item, str) and not item.strip()):
            continue
        elif isinstance(item, str):
            text = item.strip()
            if ";" not in text and not re.search(r"\s", text) and text.count(",") == 1:
                raise MppError(english("argument", arg="percentiles", reason=english("percentile_separator",
                                                                                     value=text)))
            parts = text.split(",") if ";" not in text and text.count(",") > 1 else re.split(r"[;\s]+", text)
            cells.extend(p for p in parts if p)
        else:
            cells.append(item)
    if not cells:
        return DEFAULT_PERCENTILES
    out = []
    for cell in cells:
        try:
            number = float(str(cell).replace(",", ".")) if isinstance(cell, str) else float(cell)
        except (TypeError, ValueError):
            number = float("nan")
        if isinstance(cell, bool) or not 0 <= number <= 100:
            raise MppError(english("argument", arg="percentiles", reason=english("percentile", value=cell)))
        out.append(number + 0.0)  # -0 is 0: one header, one cache entry
    if all(q <= 1 for q in out) and any(not float(q).is_integer() for q in out):
        raise MppError(english("argument", arg="percentiles", reason=english(
            "percentile_fractions", values=";".join(f"{q:g}" for q in out))))
    chosen = tuple(sorted(set(out)))
    if len(chosen) > MAX_PERCENTILES:
        raise MppError(english("argument", arg="percentiles", reason=english(
            "percentiles_many", count=f"{len(chosen):,}", limit=MAX_PERCENTILES)))
    return chosen


def _simulation(aset, scenario: str, paths: int, seed: int):
    return _sims.fetch((aset.digest, scenario, paths, seed), lambda: simulate(
        aset, _variants(aset), (scenario,), GRID, WINDOW, paths, seed))


def _percentile_header(q: float) -> str:
    """5 -> '5e', 2.5 -> '2,5e' (the metric is named in the heading above the table)."""
    return f"{q:g}e".replace(".", ",")


@excel_safe
def band_table(metric="coa.capacity_need", scenario="medio", percentiles=None, paths=None, seed=None,
               assumptions=None, variant=None, window=None, edition=None, measures_on=None):
    """Percentile bands of one metric over the Monte Carlo's paths: dates (or years) down, percentiles across."""
    aset = effective_set(assumptions, edition, measures_on)
    name, scen = band_metric_arg(metric), scenario_arg(scenario, allow_all=False)
    qs, n, s, w = percentiles_arg(percentiles), paths_arg(paths), seed_arg(seed), window_arg(window)
    chosen = _choice(variant, "variant", "base", NAMED_VARIANTS, "band_variant")
    if name == "penalty.delta_vs_base_window_eur" and chosen == "base":
        chosen = "all_undone"  # the delta of base against itself is zero: show the letter's variant

    def compute():
        model_run(aset)  # the bands accept exactly the assumptions the other tables accept (their checks, errors)
        sim = _simulation(aset, scen, n, s)
        batch = sim.batches[scen]
        years = sim.years
        if name in mc.BAND_METRICS:
            values, keys, key_header = batch.metrics[chosen][name], [excel_serial(d) for d in GRID.month_ends], "datum"
        elif name == "penalty.amount_eur":
            values, keys, key_header = batch.penalties[chosen], [float(y) for y in years], "jaar"
        else:
            totals = sim.window_totals(scen, w)
            total = totals[chosen] - (totals["base"] if name == "penalty.delta_vs_base_window_eur" else 0.0)
            values, keys, key_header = total[:, None], [f"{w[0]}-{w[1]}"], "venster"
        bands = np.maximum.accumulate(np.percentile(values, qs, axis=0), axis=0)
        label, unit = band_label(name)
        top = [key_header] + [header(f"{_percentile_header(q)} percentiel", unit) for q in qs]
        return [top] + [[key, *_finite(bands[:, i])] for i, key in enumerate(keys)]

    return cached_table("band", (name, scen, qs, n, s, chosen, w), aset, compute)


@excel_safe
def tornado_table(target="coa.capacity_need.2026-01-01", assumptions=None, scenario="medio", window=None,
                  edition=None, measures_on=None):
    """Each uncertain assumption at its low and high setting, the rest central: the target's value and swing,
    largest first."""
    aset = effective_set(assumptions, edition, measures_on)
    name, scen, w = target_arg(target), scenario_arg(scenario, allow_all=False), window_arg(window)

    def compute():
        model_run(aset)
        frame = tornado_frame(aset, _variants(aset), scen, GRID, w)
        frame = frame[frame.target == name]
        body = [[row.label_nl, _setting_nl(row.setting_low), _setting_nl(row.setting_high),
                 *_finite([row.value_low, row.value_central, row.value_high, row.value_low - row.value_central,
                           row.value_high - row.value_central, row.swing])]
                for row in frame.itertuples()]
        return [tornado_header(name)] + body

    return cached_table("tornado", (name, scen, w), aset, compute)
