"""One run: every selected scenario through the chain, and every variant through the penalty engine.

The result and the tables made from it live in ``mpp_xl.results``.
"""

from __future__ import annotations

import re

from .assumptions import SCENARIOS, AssumptionSet
from .chain import ChainResult, Front, run_chain, run_front
from .errors import MppError, did_you_mean
from .memo import LazyTable, ModelCaches, Same
from .penalties import PenaltyRun, run_penalties
from .results import WINDOW, RunResult
from .timegrid import TimeGrid
from .variants import BASE, NAMED_VARIANTS, Variant, default_variants

__all__ = ["WINDOW", "RunResult", "ModelCaches", "run_model", "parse_window", "select_scenarios", "select_variants"]

MAX_RUNS = 36  # scenario x variant chains in one run
MAX_WORK = 36 * 360 ** 2  # chains x months^2: about a minute and well under 2 GB on 2 cores


def select_variants(names, available: dict[str, Variant]) -> dict[str, Variant]:
    """The requested variants in order, with ``base`` always first (deltas are against it)."""
    chosen = [BASE]
    for name in names or NAMED_VARIANTS:
        if name not in available:
            raise MppError(f"unknown variant '{name}'{did_you_mean(name, available)}; "
                           f"available: {', '.join(available)}")
        if name not in chosen:
            chosen.append(name)
    return {name: available[name] for name in chosen}


def select_scenarios(names) -> tuple[str, ...]:
    out = []
    for name in names or SCENARIOS:
        if name not in SCENARIOS:
            raise MppError(f"unknown scenario '{name}'{did_you_mean(name, SCENARIOS)}; use min, medio or max")
        if name not in out:
            out.append(name)
    return tuple(out)


def parse_window(text, grid: TimeGrid) -> tuple[int, int]:
    """'2026-2030' (or a (first, last) pair) -> (2026, 2030); both years must lie on the horizon."""
    complete = grid.complete_years
    if text is None:  # the letter's window, as far as the horizon covers whole years of it
        if complete is None or complete[0] > WINDOW[1] or complete[1] < WINDOW[0]:
            raise MppError(f"the horizon {grid.start}..{grid.end} covers no whole year of the default window "
                           f"{WINDOW[0]}-{WINDOW[1]}: give --window YYYY-YYYY with whole years on the horizon")
        return max(WINDOW[0], complete[0]), min(WINDOW[1], complete[1])
    if isinstance(text, (tuple, list)) and len(text) == 2:
        window = (int(text[0]), int(text[1]))
    else:
        match = re.fullmatch(r"\s*(\d{4})\s*(?:-|–|\.\.)\s*(\d{4})\s*", str(text))
        if not match:
            raise MppError(f"window '{text}': write it as YYYY-YYYY, e.g. 2026-2030")
        window = (int(match.group(1)), int(match.group(2)))
    if window[1] < window[0]:
        raise MppError(f"window {window[0]}-{window[1]}: ends before it starts")
    if complete is None or window[0] < complete[0] or window[1] > complete[1]:
        raise MppError(f"window {window[0]}-{window[1]} lies outside the horizon {grid.start}..{grid.end} "
                       f"(a window needs whole years on it)")
    return window


def run_model(aset: AssumptionSet, grid: TimeGrid | None = None, scenarios=None, variants=None,
              available: dict[str, Variant] | None = None, caches: ModelCaches | None = None,
              window=None, inputs: dict | None = None, lazy: bool = False, on_error=None) -> RunResult:
    """Run the chain per scenario and the penalty engine per scenario and variant; ``window`` (default
    2024-2027, the letter's) is the period of every total and delta. ``lazy``: compute a chain or a penalty run
    only when something reads it (the Excel layer: a table reads a few of them); ``on_error`` turns a
    cross-check's ``MppError`` into the one raised (e.g. naming the workbook row it rests on)."""
    grid = grid or TimeGrid.from_text()
    caches = caches or ModelCaches()
    available = available or default_variants(aset.registry)
    result = RunResult(aset, grid, select_scenarios(scenarios), select_variants(variants, available),
                       window=parse_window(window, grid), inputs=dict(inputs or {}))
    runs = len(result.scenarios) * len(result.variants)
    if runs > MAX_RUNS:  # every scenario x variant is a chain of its own
        raise MppError(f"{len(result.scenarios)} scenarios x {len(result.variants)} variants = {runs} chains; a run "
                       f"holds at most {MAX_RUNS}: choose fewer variants (--variant) or scenarios (--scenario)")
    if runs * grid.size ** 2 > MAX_WORK:  # the legal state is kept per cohort and notice month: work ~ months^2
        raise MppError(f"{runs} chains over {grid.size} months is more than one run can hold (e.g. 9 chains over "
                       f"60 years or 36 chains over 30 years): shorten the horizon (--end) or run fewer variants or "
                       f"scenarios")

    fronts = {}

    def front_of(scenario: str, name: str) -> Front:
        if (scenario, name) not in fronts:  # a variant's legal events use IND capacity: its own queues
            fronts[(scenario, name)] = caches.fronts.fetch(
                (scenario, str(grid.start), str(grid.end)), result.variant_set(name),
                lambda reader: run_front(reader, scenario, grid, caches))
        return fronts[(scenario, name)]

    def chain_of(key: tuple[str, str]) -> ChainResult:
        scenario, name = key
        front = front_of(scenario, name)
        return caches.chains.fetch((scenario, str(grid.start), str(grid.end), Same(front)), result.variant_set(name),
                                   lambda reader: run_chain(reader, scenario, grid, front))

    def penalties_of(key: tuple[str, str]) -> PenaltyRun:
        scenario, name = key
        front = front_of(scenario, name)
        return caches.penalties.fetch((scenario, name, str(grid.start), str(grid.end), Same(front)),
                                      result.variant_set(name),
                                      lambda reader: run_penalties(reader, scenario, name, grid, front.queues,
                                                                   caches))

    def guarded(compute):
        if on_error is None:
            return compute

        def call(key):
            try:
                return compute(key)
            except MppError as exc:
                raise on_error(exc) from None
        return call

    pairs = [(scenario, name) for scenario in result.scenarios for name in result.variants]
    result.chains = LazyTable(pairs, guarded(chain_of))
    result.penalties = LazyTable(pairs, guarded(penalties_of))
    if not lazy:  # every chain now, in order: a failing cross-check stops the run before anything is written
        for pair in pairs:
            result.chains[pair]
            result.penalties[pair]
    return result
