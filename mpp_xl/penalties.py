"""Penalty payments (dwangsommen) for late decisions, booked in the month they accrue.

The legal chain of one overdue case (times in grid months, amounts in EUR):

    deadline D (or the later claim start K) -> notice of default N = K + lag, if the case is still pending
    and the applicant claims (take-up, dated by N) -> the IND decides a share of noticed cases within the
    two weeks -> for the rest, appeal A = N + 2 weeks, if still pending -> judgment
    J = A + judgment time; legal costs and court fee are awarded at J (or at the decision, if earlier)
    -> court term (16 weeks not heard / 8 weeks heard); the IND decides a share of judged cases within the
    term (it gives court-ordered cases priority) -> for the rest, penalty P = J + term: EUR per day until the
    decision, capped per judgment (standard or high cap, dated by J) -> if the term is missed, a repeat
    appeal (probability) with escalated amount and cap, plus costs again.
    Where Awb 4:17 applies (nareis), the administrative penalty runs from N + 2 weeks in tiers up to its cap.

One kernel serves both estimators: the expected value enumerates lag and term branches and uses
probabilities as weights; the case-level simulation decides them per case with seeded uniform draws.
The same code runs both, so the simulation's mean converges to the expected value.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .assumptions import AssumptionSet
from .deadlines import DeadlineRegime, build_regime
from .errors import MppError
from .memo import LruCache
from .queue import CohortMatrix
from .timegrid import DAYS_PER_MONTH, WEEKS_PER_MONTH, TimeGrid

LAG_POINTS = (1 / 3, 1.0, 5 / 3)  # the notice lag is uniform on [0, 2 x mean]; three equal-weight midpoints
PENDING_BEYOND = 1e4  # decision time (grid months) used for cases still pending at the end of the grid
COMPONENTS = ("court_penalty", "repeat_penalty", "costs", "admin_penalty")
COUNTS = ("cases_overdue", "notices", "appeals")


@dataclass
class PenaltyParams:
    """Monthly series (T,) of every penalty assumption for one track and scenario, read at event times."""

    series: dict[str, np.ndarray]

    def __post_init__(self):
        # most assumptions do not change over the horizon: then a scalar broadcasts and no lookup is needed
        self._constant = {k: float(v[0]) for k, v in self.series.items() if (v == v[0]).all()}

    def at(self, name: str, times: np.ndarray):
        """Value in effect in the month of each time (a scalar when the assumption is constant)."""
        if name in self._constant:
            return self._constant[name]
        values = self.series[name]
        return values[np.clip(np.floor(times).astype(int), 0, values.size - 1)]


_PENALTY_NAMES = ("notice_lag_months", "appeal_wait_weeks", "judgment_months", "term_weeks.not_heard",
                  "term_weeks.heard", "share_heard", "per_day", "cap.standard", "cap.high", "share_high_cap",
                  "repeat.probability", "repeat.lag_months", "repeat.term_weeks", "repeat.per_day", "repeat.cap",
                  "legal_costs", "court_fee", "share_decided_within_term",
                  "share_decided_after_notice", "admin.tier_days", "admin.tier1_per_day", "admin.tier2_per_day",
                  "admin.tier3_per_day", "admin.cap")


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
    """Monthly bookings on the grid: amounts per component and event counts."""

    def __init__(self, size: int):
        self.size = size
        self.amounts = {c: np.zeros(size) for c in COMPONENTS}
        self.counts = {c: np.zeros(size) for c in COUNTS}
        self._full_months = {c: np.zeros(size + 1) for c in COMPONENTS}  # difference array of whole months

    def point(self, target: np.ndarray, times: np.ndarray, values) -> None:
        """Book ``values`` in the month of ``times``; bookings outside the grid are dropped."""
        values = np.broadcast_to(values, times.shape)
        month = np.floor(times)
        inside = (month >= 0) & (month < self.size) & (values != 0)
        target += np.bincount(month[inside].astype(int), weights=values[inside], minlength=self.size)

    def linear(self, component: str, start: np.ndarray, end: np.ndarray, per_month) -> None:
        """Book an accrual at ``per_month`` over [start, end): the part months at both ends directly, the
        whole months in between through a difference array (so the cost does not grow with the span)."""
        per_month = np.broadcast_to(per_month, start.shape)
        live = (end > start) & (per_month != 0)
        start, end, rate = start[live], end[live], per_month[live]
        first, last = np.floor(start), np.floor(end)
        same = first == last
        target = self.amounts[component]
        self.point(target, start, np.where(same, end - start, first + 1 - start) * rate)
        self.point(target, end, np.where(same, 0.0, end - last) * rate)
        low = np.clip(first + 1, 0, self.size).astype(int)
        high = np.clip(last, 0, self.size).astype(int)
        inner = high > low
        diff = self._full_months[component]
        diff += np.bincount(low[inner], rate[inner], minlength=self.size + 1)
        diff -= np.bincount(high[inner], rate[inner], minlength=self.size + 1)

    def absorb(self, other: "Ledger") -> None:
        """Add another ledger's open bookings to this one."""
        for name in COMPONENTS:
            self.amounts[name] += other.amounts[name]
            self._full_months[name] += other._full_months[name]
        for name in COUNTS:
            self.counts[name] += other.counts[name]

    def close(self, track: str) -> "TrackPenalties":
        for component, diff in self._full_months.items():
            self.amounts[component] += np.cumsum(diff)[:self.size]
        return TrackPenalties(track, self.amounts, self.counts)


DRAWS = ("lag", "heard", "take_up", "after_notice", "high_cap", "within_term", "repeat")


def draw_uniforms(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """One uniform number per case for every random step of the legal chain (float32 to halve memory)."""
    return {name: rng.random(n, dtype=np.float32) for name in DRAWS}


def _branch(probability, draws: dict | None, step: str, rows: np.ndarray | None = None):
    """The probability itself (expected value) or the 0/1 outcome of that step for the cases still in the
    chain (``rows``: their positions in the draws; None = all)."""
    if draws is None:
        return probability
    uniform = draws[step] if rows is None else draws[step][rows]
    return (uniform < probability).astype(float)


def _kernel(ledger: Ledger, p: PenaltyParams, decided: np.ndarray, claim_from: np.ndarray, weight: np.ndarray,
            lag_factor: np.ndarray, heard: np.ndarray, draws: dict | None) -> None:
    """Book the legal chain for rows of cases (``weight`` = cases in the row; one branch of lag and hearing).

    After each step only the rows that go on are kept, so later steps cost less."""
    notice = claim_from + p.at("notice_lag_months", claim_from) * lag_factor
    claims = weight * (decided > notice) * _branch(p.at("take_up", notice), draws, "take_up")
    rows = np.flatnonzero(claims > 0)  # positions in the draws of the cases that go on
    claims, notice, decided = claims[rows], notice[rows], decided[rows]
    heard = np.broadcast_to(heard, weight.shape)[rows]
    ledger.point(ledger.counts["notices"], notice, claims)

    pursued = claims * _branch(1.0 - p.at("share_decided_after_notice", notice), draws, "after_notice", rows)
    appeal = notice + p.at("appeal_wait_weeks", notice) / WEEKS_PER_MONTH
    _admin_penalty(ledger, p, decided, appeal, pursued * p.at("admin_applies", notice))
    appeals = pursued * (decided > appeal)
    keep = appeals > 0
    appeals, appeal, decided, heard, rows = appeals[keep], appeal[keep], decided[keep], heard[keep], rows[keep]
    ledger.point(ledger.counts["appeals"], appeal, appeals)
    judgment = appeal + p.at("judgment_months", appeal)
    costs = p.at("legal_costs", judgment) + p.at("court_fee", judgment)
    ledger.point(ledger.amounts["costs"], np.minimum(judgment, decided), appeals * costs)

    term = np.where(heard > 0, p.at("term_weeks.heard", judgment), p.at("term_weeks.not_heard", judgment))
    start = judgment + term / WEEKS_PER_MONTH
    high = np.broadcast_to(_branch(p.at("share_high_cap", judgment), draws, "high_cap", rows), judgment.shape)
    late = appeals * (decided > judgment) * _branch(1.0 - p.at("share_decided_within_term", judgment), draws,
                                                    "within_term", rows)
    keep = late > 0
    late, start, judgment, decided, high, rows = (late[keep], start[keep], judgment[keep], decided[keep], high[keep],
                                                  rows[keep])
    per_month = p.at("per_day", start) * DAYS_PER_MONTH
    for cap_weight, cap in ((1.0 - high, p.at("cap.standard", judgment)), (high, p.at("cap.high", judgment))):
        end = np.minimum(decided, start + cap / per_month)
        ledger.linear("court_penalty", start, end, per_month * late * cap_weight)

    repeats = late * (decided > start) * _branch(p.at("repeat.probability", start), draws, "repeat", rows)
    keep = repeats > 0
    repeats, start, decided = repeats[keep], start[keep], decided[keep]
    repeat_judgment = start + p.at("repeat.lag_months", start)
    repeat_costs = p.at("legal_costs", repeat_judgment) + p.at("court_fee", repeat_judgment)
    ledger.point(ledger.amounts["costs"], np.minimum(repeat_judgment, decided), repeats * repeat_costs)
    repeat_start = repeat_judgment + p.at("repeat.term_weeks", repeat_judgment) / WEEKS_PER_MONTH
    repeat_per_month = p.at("repeat.per_day", repeat_start) * DAYS_PER_MONTH
    repeat_end = np.minimum(decided, repeat_start + p.at("repeat.cap", repeat_judgment) / repeat_per_month)
    ledger.linear("repeat_penalty", repeat_start, repeat_end,
                  repeat_per_month * repeats * (decided > repeat_judgment))


def _admin_penalty(ledger: Ledger, p: PenaltyParams, decided: np.ndarray, start: np.ndarray,
                   cases: np.ndarray) -> None:
    """Awb 4:17: from two weeks after the notice, tiers of ``tier_days`` at rising daily amounts, capped."""
    cases = np.broadcast_to(cases, start.shape)
    if not cases.any():
        return
    keep = cases > 0
    decided, start, cases = decided[keep], start[keep], cases[keep]
    tier = p.at("admin.tier_days", start) / DAYS_PER_MONTH
    cap = p.at("admin.cap", start)
    paid_before = np.zeros_like(start)
    for index, rate_name in enumerate(("admin.tier1_per_day", "admin.tier2_per_day", "admin.tier3_per_day")):
        per_month = p.at(rate_name, start) * DAYS_PER_MONTH
        tier_start = start + index * tier
        room = np.maximum(cap - paid_before, 0.0)
        length = room / per_month if index == 2 else np.minimum(tier, room / per_month)
        ledger.linear("admin_penalty", tier_start, np.minimum(decided, tier_start + length),
                      per_month * cases)
        paid_before = paid_before + per_month * length


@dataclass
class CaseRows:
    """Cases grouped by filing and decision time (grid months); ``cases`` may be fractional (expected).

    ``deadline`` and ``claim_from`` may be given (computed once per cohort cell before expanding to cases);
    otherwise the regime computes them."""

    filed: np.ndarray
    decided: np.ndarray
    cases: np.ndarray
    deadline: np.ndarray | None = None
    claim_from: np.ndarray | None = None

    def take(self, index) -> "CaseRows":
        pick = (lambda a: None if a is None else a[index])
        return CaseRows(self.filed[index], self.decided[index], self.cases[index], pick(self.deadline),
                        pick(self.claim_from))

    def with_deadlines(self, regime: DeadlineRegime) -> "CaseRows":
        deadline, claim_from = regime.deadlines(self.filed, self.decided)
        return CaseRows(self.filed, self.decided, self.cases, deadline, claim_from)


def rows_from_matrix(matrix: CohortMatrix, min_wait_months: float) -> CaseRows:
    """Every (cohort, decision month) cell and every cohort still pending at the end that waits long enough."""
    filed_months = (matrix.filing_months - matrix.decision_months[0]).astype(float) + 0.5
    cohort, month = np.nonzero(matrix.decided)
    filed = np.concatenate([filed_months[cohort], filed_months])
    decided = np.concatenate([month + 0.5, np.full(filed_months.size, PENDING_BEYOND)])
    cases = np.concatenate([matrix.decided[cohort, month], matrix.pending_end[:, -1]])
    keep = (decided - filed > min_wait_months) & (cases > 0)
    return CaseRows(filed[keep], decided[keep], cases[keep])


@dataclass
class TrackPenalties:
    """Monthly amounts (EUR) per component and counts for one track."""

    track: str
    amounts: dict[str, np.ndarray]
    counts: dict[str, np.ndarray]

    @property
    def total(self) -> np.ndarray:
        return sum(self.amounts.values())


def _book_overdue(ledger: Ledger, decided: np.ndarray, deadline: np.ndarray, cases: np.ndarray) -> None:
    ledger.point(ledger.counts["cases_overdue"], deadline, cases * (decided > deadline))


def chain_span(params: PenaltyParams) -> float:
    """Months from the claim start after which nothing more can be booked for a case, whatever its decision
    date (the longest lag, terms and accruals to the caps, the repeat round and the administrative tiers)."""
    top = {name: float(values.max()) for name, values in params.series.items()}
    low = {name: float(values.min()) for name, values in params.series.items()}
    court = (top["notice_lag_months"] * max(LAG_POINTS) + top["appeal_wait_weeks"] / WEEKS_PER_MONTH
             + top["judgment_months"] + max(top["term_weeks.heard"], top["term_weeks.not_heard"]) / WEEKS_PER_MONTH
             + max(top["cap.standard"], top["cap.high"]) / (low["per_day"] * DAYS_PER_MONTH))
    repeat = top["repeat.lag_months"] + top["repeat.term_weeks"] / WEEKS_PER_MONTH + top["repeat.cap"] / (
        low["repeat.per_day"] * DAYS_PER_MONTH)
    admin = top["notice_lag_months"] * max(LAG_POINTS) + top["appeal_wait_weeks"] / WEEKS_PER_MONTH + (
        2 * top["admin.tier_days"] / DAYS_PER_MONTH + top["admin.cap"] / (low["admin.tier1_per_day"] * DAYS_PER_MONTH))
    return max(court + repeat, admin) + 1.0


def merge_settled(rows: CaseRows, span: float) -> CaseRows:
    """Rows decided more than ``span`` months after their claim start book exactly the same whatever the
    decision date: merge them per (filing, deadline, claim start) into one row, so the work grows with the
    number of cohorts rather than with cohorts x months."""
    settled = rows.decided > rows.claim_from + span
    if settled.sum() < 2:
        return rows
    columns = (rows.filed[settled], rows.deadline[settled], rows.claim_from[settled])
    key = np.zeros(columns[0].size, dtype=np.int64)
    for column in columns:  # one integer code per distinct (filing, deadline, claim start)
        _, code = np.unique(column, return_inverse=True)
        key = key * (int(code.max()) + 1) + code
    _, first, group = np.unique(key, return_index=True, return_inverse=True)
    merged_cases = np.bincount(group, weights=rows.cases[settled], minlength=first.size)
    keep = ~settled
    return CaseRows(np.concatenate([rows.filed[keep], columns[0][first]]),
                    np.concatenate([rows.decided[keep], np.full(first.size, PENDING_BEYOND)]),
                    np.concatenate([rows.cases[keep], merged_cases]),
                    np.concatenate([rows.deadline[keep], columns[1][first]]),
                    np.concatenate([rows.claim_from[keep], columns[2][first]]))


def expected_penalties(rows: CaseRows, regime: DeadlineRegime, params: PenaltyParams, size: int) -> TrackPenalties:
    """Expected-value estimate: every lag and term branch, stacked into one kernel call, weighted by probability."""
    ledger = Ledger(size)
    rows = rows.with_deadlines(regime)
    overdue = rows.decided > rows.deadline
    rows = merge_settled(rows.take(overdue), chain_span(params))
    decided, claim_from, cases = rows.decided, rows.claim_from, rows.cases
    _book_overdue(ledger, decided, rows.deadline, cases)
    n, lags = decided.size, len(LAG_POINTS)
    share_heard = np.broadcast_to(params.at("share_heard", claim_from), claim_from.shape)
    branch_weight = np.concatenate([share_heard, 1.0 - share_heard]) / lags
    weight = np.tile(np.tile(cases, 2) * branch_weight, lags)
    lag = np.repeat(np.asarray(LAG_POINTS), 2 * n)
    heard = np.tile(np.repeat([1.0, 0.0], n), lags)
    _kernel(ledger, params, np.tile(decided, 2 * lags), np.tile(claim_from, 2 * lags), weight, lag, heard, None)
    return ledger.close(regime.track)


def expand_cases(rows: CaseRows, rng: np.random.Generator) -> CaseRows:
    """One row per case: each row's expected count is rounded stochastically (unbiased)."""
    whole = np.floor(rows.cases)
    counts = (whole + (rng.random(rows.cases.size) < rows.cases - whole)).astype(np.int64)
    index = np.repeat(np.arange(rows.cases.size), counts)
    expanded = rows.take(index)
    expanded.cases = np.ones(index.size)
    return expanded


def simulate_penalties(cases: CaseRows, regime: DeadlineRegime, params: PenaltyParams, size: int,
                       random_state: int | np.random.Generator = 0, chunk: int = 100_000,
                       threads: int | None = None) -> TrackPenalties:
    """Case-level simulation: one row per case, seeded draws for lag, hearing, take-up, cap and repeat.

    Cases go in chunks (bounded memory), each with its own child seed, so the result does not depend on
    ``threads`` (numpy releases the GIL in its loops, so threads run chunks side by side)."""
    starts = range(0, cases.decided.size, chunk)
    if isinstance(random_state, np.random.Generator):
        generators = random_state.spawn(len(starts))
    else:
        generators = [np.random.default_rng(s) for s in np.random.SeedSequence(random_state).spawn(len(starts))]

    def one(job):
        first, rng = job
        ledger = Ledger(size)
        part = cases.take(slice(first, first + chunk))
        simulate_chunk(ledger, part, regime, params, draw_uniforms(rng, part.decided.size))
        return ledger

    jobs = list(zip(starts, generators))
    threads = threads or os.cpu_count() or 1
    if threads > 1 and len(jobs) > 1:
        with ThreadPoolExecutor(threads) as pool:
            ledgers = list(pool.map(one, jobs))
    else:
        ledgers = [one(job) for job in jobs]
    total = Ledger(size)
    for ledger in ledgers:  # in chunk order: the same sums whatever the thread count
        total.absorb(ledger)
    return total.close(regime.track)


def simulate_chunk(ledger: Ledger, cases: CaseRows, regime: DeadlineRegime, params: PenaltyParams,
                   draws: dict[str, np.ndarray]) -> None:
    """Book the cases with the given uniform draws (see ``draw_uniforms``)."""
    if cases.deadline is None:
        cases = cases.with_deadlines(regime)
    deadline, claim_from = cases.deadline, cases.claim_from
    _book_overdue(ledger, cases.decided, deadline, cases.cases)
    lag = np.asarray(LAG_POINTS)[np.minimum((draws["lag"] * len(LAG_POINTS)).astype(int), len(LAG_POINTS) - 1)]
    heard = _branch(params.at("share_heard", claim_from), draws, "heard")
    _kernel(ledger, params, cases.decided, claim_from, cases.cases * (cases.decided > deadline), lag, heard, draws)


@dataclass
class PenaltyRun:
    """Penalties of one scenario under one variant, per track."""

    scenario: str
    variant: str
    tracks: dict[str, TrackPenalties] = field(default_factory=dict)


def _signature(regime: DeadlineRegime, params: PenaltyParams, size: int) -> bytes:
    """A digest of everything a track's penalty depends on besides its queue."""
    digest = hashlib.blake2b(repr((regime.track, regime.statutory_months, regime.claims_from_void_date, size)).encode(),
                             digest_size=16)
    for inst in regime.instruments:
        digest.update(repr((inst.name, inst.kind, inst.in_force, inst.void_retroactive_from,
                            inst.withdrawn_from)).encode())
        digest.update(inst.months_by_filing_month.tobytes())
    for name, values in sorted(params.series.items()):
        digest.update(name.encode() + values.tobytes())
    return digest.digest()


def run_penalties(aset: AssumptionSet, scenario: str, variant: str, grid: TimeGrid,
                  queues: dict[str, CohortMatrix], reuse: LruCache | None = None) -> PenaltyRun:
    """Penalties of every track; ``reuse`` (kept by the caller) returns a track already computed from the
    same queue, regime and parameters (e.g. nareis, which the WBV variants do not touch)."""
    run = PenaltyRun(scenario, variant)
    reuse = reuse if reuse is not None else LruCache(8)
    for track, matrix in queues.items():
        regime = build_regime(aset, track, scenario, grid)
        params = read_params(aset, track, scenario, grid)

        def compute(matrix=matrix, regime=regime, params=params):
            rows = rows_from_matrix(matrix, min_wait_months=regime.statutory_months)
            return expected_penalties(rows, regime, params, grid.size)

        run.tracks[track] = reuse.fetch((matrix.fingerprint, _signature(regime, params, grid.size)), compute)
    return run
