"""Penalty payments (dwangsommen) for late decisions: booked in the month they accrue, and paid after a lag.

The queue (``mpp_xl.queue``) decides who sends a notice of default and when each noticed case is decided,
including the cases the IND answers after a notice or within a court term (those decisions use its
capacity). This module books what follows for a noticed case (times in grid months, amounts in EUR):

    notice N -> appeal A = N + 2 weeks, if still pending (the administrative penalty of Awb 4:17 runs from
    A in tiers up to its cap where it applies, i.e. nareis) -> judgment J = A + judgment time; legal costs
    and court fee at J (or at the decision, if earlier) -> court term (16 weeks not heard / 8 weeks heard)
    -> if still pending at the end of the term, penalty P = J + term: EUR per day until the decision,
    capped per judgment (standard or high cap, dated by J) -> then a repeat appeal (probability) with an
    escalated amount and cap, plus costs again.

One kernel serves both estimators: the expected value uses the cap and repeat probabilities as weights;
the case-level simulation decides them per case with seeded uniform draws, so its mean converges to the
expected value. Cash: every amount is paid ``penalty.payment_lag_months`` (read at the month it accrues)
after it accrues.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .assumptions import AssumptionSet
from .errors import MppError
from . import penalty_kernel
from .deadlines import build_regime
from .memo import LruCache, ModelCaches, Same
from .queue import PENDING_BEYOND, CohortMatrix, LegalRows
from .queue_kernel import by_engine
from .timegrid import DAYS_PER_MONTH, WEEKS_PER_MONTH, TimeGrid

COMPONENTS = ("court_penalty", "repeat_penalty", "costs", "admin_penalty")
COUNTS = ("cases_overdue", "notices", "appeals")


@dataclass
class PenaltyParams:
    """Monthly series (T,) of every penalty assumption for one track and scenario, read at event times."""

    series: dict[str, np.ndarray]

    def __post_init__(self):
        # most assumptions do not change over the horizon: then a scalar broadcasts and no lookup is needed
        self._constant = {k: float(v[0]) for k, v in self.series.items() if (v == v[0]).all()}
        self.derived: dict = {}  # tables that follow from these parameters alone (kept with them)

    def at(self, name: str, times):
        """Value in effect in the month of each time (a scalar when the assumption is constant)."""
        if name in self._constant:
            return self._constant[name]
        values = self.series[name]
        return values[np.clip(np.floor(times).astype(int), 0, values.size - 1)]


_PENALTY_NAMES = ("notice_lag_months", "appeal_wait_weeks", "judgment_months", "term_weeks.not_heard",
                  "term_weeks.heard", "share_heard", "per_day", "cap.standard", "cap.high", "share_high_cap",
                  "repeat.probability", "repeat.lag_months", "repeat.term_weeks", "repeat.per_day", "repeat.cap",
                  "legal_costs", "court_fee", "share_decided_within_term", "share_decided_after_notice",
                  "admin.tier_days", "admin.tier1_per_day", "admin.tier2_per_day", "admin.tier3_per_day",
                  "admin.cap", "payment_lag_months")


def read_params(aset: AssumptionSet, track: str, scenario: str, grid: TimeGrid) -> PenaltyParams:
    days = grid.month_starts
    series = {name: aset.at(f"penalty.{name}", scenario, days) for name in _PENALTY_NAMES}
    series["take_up"] = aset.at(f"penalty.take_up.{track}", scenario, days)
    series["admin_applies"] = aset.at(f"penalty.admin.applies.{track}", scenario, days)
    for daily, cap in (("per_day", "cap.standard"), ("per_day", "cap.high"), ("repeat.per_day", "repeat.cap"),
                       ("admin.tier3_per_day", "admin.cap")):
        low = np.flatnonzero(series[cap] < series[daily])
        if low.size:
            raise MppError(f"penalty.{cap} ({series[cap][low[0]]:g}) is below one day's penalty.{daily} "
                           f"({series[daily][low[0]]:g}) in {grid.months[low[0]]}")
    for name in ("per_day", "repeat.per_day", "admin.tier1_per_day"):
        if (series[name] <= 0).any():
            raise MppError(f"penalty.{name} must be above 0")
    return PenaltyParams(series)


class Ledger:
    """Monthly bookings on the grid (EUR per component, and event counts), filled by the legal chain's kernel
    (``penalty_kernel``) and the queue's own counts."""

    def __init__(self, size: int):
        self.size = size
        self.amounts = {c: np.zeros(size) for c in COMPONENTS}
        self.counts = {c: np.zeros(size) for c in COUNTS}

    def close(self, track: str, params: PenaltyParams) -> "TrackPenalties":
        paid = {c: pay_after_lag(v, params) for c, v in self.amounts.items()}
        return TrackPenalties(track, self.amounts, self.counts, paid)


def pay_after_lag(accrued: np.ndarray, params: PenaltyParams) -> np.ndarray:
    """Cash series: what accrues in month s is paid ``payment_lag_months`` (read at s) later, split over the two
    months around a fractional lag; payments beyond the grid are dropped (EUR per month)."""
    size = accrued.size
    paid = np.zeros(size)
    for month, part, inside in _payment_months(params, size):
        paid += np.bincount(month, weights=(accrued * part)[inside], minlength=size)
    return paid


def _payment_months(params: PenaltyParams, size: int) -> tuple:
    """Per part of a payment (the whole months of the lag, then the month after): the month paid for each
    accrual month paid on the grid, the share paid then, and which accrual months those are (computed once
    per parameters)."""
    key = ("payment months", size)
    if key not in params.derived:
        when = np.arange(size) + np.broadcast_to(params.at("payment_lag_months", np.arange(size) + 0.5), (size,))
        low = np.floor(when)
        high_part = when - low
        parts = []
        for month, part in ((low, 1.0 - high_part), (low + 1, high_part)):
            inside = month < size
            parts.append((month[inside].astype(int), part, inside))
        params.derived[key] = tuple(parts)
    return params.derived[key]


DRAWS = ("high_cap", "repeat")


def draw_uniforms(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """One uniform number per case for every random step of the legal chain (float32 to halve memory)."""
    return {name: rng.random(n, dtype=np.float32) for name in DRAWS}


def book_by_group(rows: LegalRows, params: PenaltyParams, size: int, groups: int = 1,
                  engine: str | None = None) -> np.ndarray:
    """(groups, 5, T): the expected value of the noticed cases of every row, by the row's group (``rows.group``;
    one group when None): EUR per month per component (``penalty_kernel.COURT`` … ``ADMIN``) and appeals."""
    books = np.zeros((groups, 5, size))
    group = np.zeros(rows.notice.size, dtype=np.int64) if rows.group is None else \
        np.ascontiguousarray(rows.group, dtype=np.int64)
    as_float = lambda x: np.ascontiguousarray(x, dtype=float)  # noqa: E731
    by_engine(penalty_kernel.book_rows, engine)(penalty_kernel.parameter_matrix(params), as_float(rows.notice),
                                                as_float(rows.heard), as_float(rows.decided), as_float(rows.cases),
                                                group, books)
    return books


def _ledger_of(book: np.ndarray, size: int) -> "Ledger":
    ledger = Ledger(size)
    for component, row in (("court_penalty", penalty_kernel.COURT), ("repeat_penalty", penalty_kernel.REPEAT),
                           ("costs", penalty_kernel.COSTS), ("admin_penalty", penalty_kernel.ADMIN)):
        ledger.amounts[component] += book[row]
    ledger.counts["appeals"] += book[penalty_kernel.APPEALS]
    return ledger


@dataclass
class TrackPenalties:
    """Monthly amounts (EUR) per component as they accrue and as they are paid, and counts, for one track."""

    track: str
    amounts: dict[str, np.ndarray]
    counts: dict[str, np.ndarray]
    paid: dict[str, np.ndarray]

    @property
    def total(self) -> np.ndarray:
        return sum(self.amounts.values())

    @property
    def total_paid(self) -> np.ndarray:
        return sum(self.paid.values())


def chain_span(params: PenaltyParams) -> float:
    """Months from the notice after which nothing more can be booked for a case, whatever its decision date
    (terms and accruals to the caps, the repeat round and the administrative tiers); kept with the parameters."""
    if "chain span" not in params.derived:
        params.derived["chain span"] = _chain_span(params)
    return params.derived["chain span"]


def _chain_span(params: PenaltyParams) -> float:
    top = {name: float(values.max()) for name, values in params.series.items()}
    low = {name: float(values.min()) for name, values in params.series.items()}
    court = (top["appeal_wait_weeks"] / WEEKS_PER_MONTH + top["judgment_months"]
             + max(top["term_weeks.heard"], top["term_weeks.not_heard"]) / WEEKS_PER_MONTH
             + max(top["cap.standard"], top["cap.high"]) / (low["per_day"] * DAYS_PER_MONTH))
    repeat = top["repeat.lag_months"] + top["repeat.term_weeks"] / WEEKS_PER_MONTH + top["repeat.cap"] / (
        low["repeat.per_day"] * DAYS_PER_MONTH)
    admin = top["appeal_wait_weeks"] / WEEKS_PER_MONTH + (
        2 * top["admin.tier_days"] / DAYS_PER_MONTH + top["admin.cap"] / (low["admin.tier1_per_day"] * DAYS_PER_MONTH))
    return max(court + repeat, admin) + 1.0


def merge_settled(rows: LegalRows, span: float) -> LegalRows:
    """Rows decided more than ``span`` months after their notice book exactly the same whatever the decision
    date: merge them per (notice, branch) into one row."""
    settled = rows.decided > rows.notice + span
    if settled.sum() < 2:
        return rows
    key = rows.notice[settled] * 2 + rows.heard[settled]
    unique, first, group = np.unique(key, return_index=True, return_inverse=True)
    merged = np.bincount(group, weights=rows.cases[settled], minlength=unique.size)
    keep = ~settled
    settled_rows = rows.take(np.flatnonzero(settled)[first])
    return LegalRows(np.concatenate([rows.notice[keep], settled_rows.notice]),
                     np.concatenate([rows.heard[keep], settled_rows.heard]),
                     np.concatenate([rows.decided[keep], np.full(unique.size, PENDING_BEYOND)]),
                     np.concatenate([rows.cases[keep], merged]))


def book_queue_counts(ledger: Ledger, matrix: CohortMatrix) -> None:
    """The counts the queue itself records: notices of default and cases that became overdue."""
    ledger.counts["notices"] += matrix.notices
    ledger.counts["cases_overdue"] += matrix.cases_overdue


def expected_penalties(rows: LegalRows, params: PenaltyParams, size: int, engine: str | None = None) -> Ledger:
    """Expected-value booking of noticed cases (cap and repeat probabilities as weights); an open ledger."""
    live = rows.take(np.flatnonzero(rows.cases > 0))
    return _ledger_of(book_by_group(merge_settled(live, chain_span(params)), params, size, engine=engine)[0], size)


def expand_cases(rows: LegalRows, rng: np.random.Generator) -> LegalRows:
    """One row per case: each row's expected count is rounded stochastically (unbiased)."""
    whole = np.floor(rows.cases)
    counts = (whole + (rng.random(rows.cases.size) < rows.cases - whole)).astype(np.int64)
    index = np.repeat(np.arange(rows.cases.size), counts)
    expanded = rows.take(index)
    return LegalRows(expanded.notice, expanded.heard, expanded.decided, np.ones(index.size))


def simulate_penalties(cases: LegalRows, params: PenaltyParams, size: int,
                       random_state: int | np.random.Generator = 0, chunk: int = 100_000,
                       engine: str | None = None) -> Ledger:
    """Case-level simulation: one row per case, seeded draws for the cap and the repeat appeal.

    Cases go in chunks (bounded memory), each with its own child seed and its own book, so the result does not
    depend on how many threads numba uses. ``engine``: compiled (numba) or numpy (the same source run by the interpreter; the same draws),
    by default ``queue.default_engine()``."""
    starts = range(0, cases.decided.size, chunk)
    if isinstance(random_state, np.random.Generator):
        generators = random_state.spawn(len(starts))
    else:
        generators = [np.random.default_rng(s) for s in np.random.SeedSequence(random_state).spawn(len(starts))]
    return _simulate(cases, params, size, starts, generators, chunk, engine)


def _simulate(cases: LegalRows, params: PenaltyParams, size: int, starts, generators, chunk: int,
              engine: str | None) -> Ledger:
    """The case-by-case kernel (compiled, or its plain source) with seeded draws, chunk by chunk."""
    n = cases.decided.size
    draws = {name: np.empty(n, dtype=np.float32) for name in DRAWS}

    def fill(job):  # numpy fills random arrays without the GIL: chunks draw side by side
        first, rng = job
        for name in DRAWS:  # the order of draw_uniforms: the same numbers as the numpy path
            rng.random(dtype=np.float32, out=draws[name][first:first + chunk])

    with ThreadPoolExecutor(max(1, min(len(starts), os.cpu_count() or 1))) as pool:
        list(pool.map(fill, zip(starts, generators)))
    books = np.zeros((len(starts), 5, size))
    as_float = lambda x: np.ascontiguousarray(x, dtype=float)  # noqa: E731
    by_engine(penalty_kernel.simulate_chunks, engine)(penalty_kernel.parameter_matrix(params), as_float(cases.notice),
                                                      as_float(cases.heard), as_float(cases.decided),
                                                      as_float(cases.cases), draws["high_cap"], draws["repeat"], chunk,
                                                      books)
    return _ledger_of(books.sum(axis=0) if len(starts) else np.zeros((5, size)), size)


@dataclass
class PenaltyRun:
    """Penalties of one scenario under one variant, per track."""

    scenario: str
    variant: str
    tracks: dict[str, TrackPenalties] = field(default_factory=dict)


def _signature(params: PenaltyParams, size: int) -> bytes:
    """A digest of every penalty assumption besides the queue."""
    digest = hashlib.blake2b(repr(size).encode(), digest_size=16)
    for name, values in sorted(params.series.items()):
        digest.update(name.encode() + values.tobytes())
    return digest.digest()


def legal_of(aset: AssumptionSet, track: str, scenario: str, grid: TimeGrid, caches: ModelCaches | None = None):
    """(deadline regime, penalty parameters) of a track; with ``caches``, the same objects while the records
    they read are unchanged (so what follows from them is reused by identity)."""
    def compute(reader):
        return build_regime(reader, track, scenario, grid), read_params(reader, track, scenario, grid)
    if caches is None:
        return compute(aset)
    return caches.regimes.fetch((track, scenario, str(grid.start), str(grid.end)), aset, compute)


def run_penalties(aset: AssumptionSet, scenario: str, variant: str, grid: TimeGrid,
                  queues: dict[str, CohortMatrix], caches: ModelCaches | None = None) -> PenaltyRun:
    """Penalties of every track from its queue's legal record; ``caches`` (kept by the caller) returns a track
    already computed from the very same queue and penalty parameters."""
    run = PenaltyRun(scenario, variant)
    reuse = caches.tracks if caches is not None else LruCache(8)
    for track, matrix in queues.items():
        _, params = legal_of(aset, track, scenario, grid, caches)

        def compute(matrix=matrix, params=params):
            ledger = expected_penalties(matrix.legal, params, grid.size)
            book_queue_counts(ledger, matrix)
            return ledger.close(track, params)

        # the very same queue and parameter objects (cached stages): equal inputs without hashing them
        run.tracks[track] = reuse.fetch((Same(matrix), Same(params)), compute)
    return run
