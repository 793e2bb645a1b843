"""The IND queue of pending applications as a cohort structure (filing month x decision month), with the legal
chain of late decisions inside it.

One decision capacity per track serves, each month, in this order (the IND's order of work as the letter of
2 Dec 2024 describes it):

1. the priority tracks of new filings (asylum: spoor 1 Dublin, spoor 2 safe country, little-chance spoor 4):
   a share of each month's filings, decided from the month after filing;
2. cases answered after a notice of default (a share of the month's notices, within the two weeks before an
   appeal is possible) and court-ordered cases whose term runs out (a share of judged cases, within the
   term): such work displaces other cases;
3. new cases "scheduled and handled as soon as possible": a share of what is left, newest filing month first;
4. tracks and case types worked side by side: a share of what is then left, drawn across every filing month in
   proportion to the cases waiting there (so decisions fall at every age, as the IND's published waiting
   times show);
5. the rest of the stock, oldest filing month first.
A dated moratorium freezes a share of every filing month's regular cases: regular work cannot reach them.
Within a filing month a regular decision falls on pending cases in proportion to their legal state (the
queue does not know who sent a notice), so a noticed case is decided in the queue exactly once: the cohort
matrix is the one record of who is decided when, and the legal chain reads its decision times from it.

Legal state of a pending regular case: *open* (its claim has not started, or the applicant has not yet
decided whether to claim), *declined* (overdue, no notice sent) or *noticed* in month n (heard or not heard,
which sets the court term). A claim starts at the deadline known at that moment
(:meth:`DeadlineRegime.known_at`); the notice follows after a lag (uniform on [0, 2 x mean], three equal
points) if the applicant claims (take-up read at the notice month).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from . import queue_kernel
from .queue_kernel import default_engine  # noqa: F401 - re-exported: the engine choice, as the model reads it
from .assumptions import AssumptionSet
from .deadlines import DeadlineRegime
from .errors import MppError
from .memo import LruCache, Same
from .timegrid import WEEKS_PER_MONTH, TimeGrid

OPENING_AGE_BANDS = {"00_02m": (0, 3), "03_05m": (3, 6), "06_11m": (6, 12), "12_23m": (12, 24)}
OPENING_COHORTS = 24  # the opening stock is spread over the 24 filing months before the start
LAG_POINTS = (1 / 3, 1.0, 5 / 3)  # the notice lag is uniform on [0, 2 x mean]; three equal-weight midpoints
HEARD, NOT_HEARD = 0, 1  # the two court-term branches of a noticed case
PENDING_BEYOND = 1e4  # decision time (grid months) used for cases still pending at the end of the grid
WAIT_BANDS = (0, 3, 6, 9, 12, 15, 18, 24, 36)  # months since filing: the bands of waiting-time tables


@dataclass(frozen=True)
class LegalRows:
    """Noticed cases by notice time, term branch and decision time (grid months; ``cases`` may be fractional).

    ``decided`` is ``PENDING_BEYOND`` for cases still pending at the end of the grid; ``group`` is the cohort
    group of each row (None unless the queue ran with groups, see ``run_queue``)."""

    notice: np.ndarray
    heard: np.ndarray  # 1.0 = heard (short term), 0.0 = not heard
    decided: np.ndarray
    cases: np.ndarray
    group: np.ndarray | None = None

    def take(self, index) -> "LegalRows":
        return LegalRows(self.notice[index], self.heard[index], self.decided[index], self.cases[index],
                         None if self.group is None else self.group[index])


@dataclass(frozen=True)
class CohortMatrix:
    """Decisions and pending cases of one IND track by filing month (rows) and calendar month (columns).

    Attributes (cases; persons for nareis):
        track: ``asylum`` or ``nareis``.
        filing_months: (C,) ``datetime64[M]``, oldest first; the first cohorts precede the grid and hold
            the opening stock.
        decision_months: (T,) ``datetime64[M]``, the model grid.
        filed: (C,) cases filed per cohort (for opening cohorts: their pending cases at the start).
        decided: (C, T) decisions on cohort c during month t (every kind of work).
        pending_end: (C, T) cases of cohort c still pending at the end of month t.
        fast_decided: (T,) decisions through the priority tracks of new filings.
        legal_decided: (T,) decisions answering a notice or a court order (step 2 of the order of work).
        notices: (T,) notices of default sent per month.
        cases_overdue: (T,) pending cases whose deadline passed in the month (or became known to have passed).
        legal: the noticed cases with their decision times.

    A case filed in month c and decided in month t waited ``t - c`` months (both mid-month on average).
    Invariant: for every cohort, ``filed = decided.sum(axis=1) + pending_end[:, -1]`` (for cohorts
    filed inside the grid).
    """

    track: str
    filing_months: np.ndarray
    decision_months: np.ndarray
    filed: np.ndarray
    decided: np.ndarray
    pending_end: np.ndarray
    fast_decided: np.ndarray
    legal_decided: np.ndarray
    notices: np.ndarray
    cases_overdue: np.ndarray
    legal: LegalRows

    @cached_property
    def wait_months(self) -> np.ndarray:
        """(C, T) months between filing and each decision month; negative where the cohort was not yet filed."""
        return (self.decision_months[None, :] - self.filing_months[:, None]).astype(int)

    @cached_property
    def n_opening(self) -> int:
        return int((self.filing_months < self.decision_months[0]).sum())

    def decisions(self) -> np.ndarray:
        """(T,) decisions per month (read-only: computed once, shared by every reader)."""
        return self._month_totals[0]

    def pending(self) -> np.ndarray:
        """(T,) pending cases at each month end (read-only: computed once, shared by every reader)."""
        return self._month_totals[1]

    @cached_property
    def _month_totals(self) -> tuple[np.ndarray, np.ndarray]:
        totals = (self.decided.sum(axis=0), self.pending_end.sum(axis=0))
        for total in totals:
            total.flags.writeable = False
        return totals

    def filings(self) -> np.ndarray:
        """(T,) new applications per grid month."""
        return self.filed[self.n_opening:]

    def mean_wait_weeks(self) -> np.ndarray:
        """(T,) mean time to decision of the month's decisions, in weeks (NaN in a month without decisions)."""
        total = self.decided.sum(axis=0)
        weighted = (self.decided * self.wait_months).sum(axis=0)
        return np.divide(weighted, total, out=np.full_like(total, np.nan), where=total > 0) * WEEKS_PER_MONTH

    def mean_wait_weeks_over(self, months: np.ndarray) -> float:
        """Mean time to decision of all decisions in the selected months (boolean (T,) mask), in weeks
        (NaN when nothing is decided)."""
        decided = self.decided[:, months]
        total = decided.sum()
        return float((decided * self.wait_months[:, months]).sum() / total * WEEKS_PER_MONTH) if total > 0 else np.nan

    def share_decided_within(self, months_limit: int, months: np.ndarray) -> float:
        """Share of the decisions in the selected months taken fewer than ``months_limit`` months after filing."""
        decided = self.decided[:, months]
        total = decided.sum()
        return float(decided[self.wait_months[:, months] < months_limit].sum() / total) if total > 0 else np.nan

    def pending_older_than(self, months: int) -> np.ndarray:
        """(T,) pending cases at month end that were filed at least ``months`` full months earlier."""
        return np.where(self.wait_months >= months, self.pending_end, 0.0).sum(axis=0)

    def wait_distribution(self, edges_months=WAIT_BANDS) -> np.ndarray:
        """(len(edges), T) decisions per month by waiting-time band [edge_i, edge_i+1) months; last band open."""
        bands = np.searchsorted(np.asarray(edges_months), self.wait_months, side="right") - 1
        out = np.zeros((len(edges_months), self.decided.shape[1]))
        for band in range(len(edges_months)):
            out[band] = np.where(bands == band, self.decided, 0.0).sum(axis=0)
        return out


@dataclass(frozen=True)
class WorkOrder:
    """Monthly series (T,) that set a track's order of work: total decisions (cases/month), the priority-track
    share of new filings, the share of the remaining capacity given to the newest cases, the share of what is
    then left drawn across all ages, and the share of the regular stock frozen by a moratorium."""

    capacity: np.ndarray
    fast_share: np.ndarray
    newest_first_share: np.ndarray
    spread_share: np.ndarray | float = 0.0
    frozen_share: np.ndarray | float = 0.0
    fast_patience: int = 3  # whole months a priority case waits for quick work (ind.fast_lane_patience_months)


def opening_by_age(aset: AssumptionSet, track: str, scenario: str, grid: TimeGrid) -> np.ndarray:
    """Opening stock spread over the 24 filing months before the start, oldest first (cases)."""
    start_day = grid.month_starts[:1]
    require_opening(aset, f"ind.opening_stock.{track}", scenario, grid)
    stock = aset.at(f"ind.opening_stock.{track}", scenario, start_day)[0]
    shares = {band: aset.at(f"ind.opening_age.{track}.{band}", scenario, start_day)[0] for band in OPENING_AGE_BANDS}
    total_share = sum(shares.values())
    if abs(total_share - 1.0) > 1e-6:
        raise MppError(f"ind.opening_age.{track}.* bands sum to {total_share:.6g}, not 1")
    by_age = np.zeros(OPENING_COHORTS)  # index = full months of age at the start
    for band, (low, high) in OPENING_AGE_BANDS.items():
        by_age[low:high] = stock * shares[band] / (high - low)
    return by_age[::-1]


def require_opening(aset: AssumptionSet, name: str, scenario: str, grid: TimeGrid) -> None:
    """Opening stocks describe one start month: a run that starts elsewhere needs its own (one-line error)."""
    if np.isnan(aset.at(name, scenario, grid.month_starts[:1], required=False)[0]):
        described = sorted({str(r.start)[:7] for _, r in aset.records() if r.parameter == name})
        raise MppError(f"{name} describes the start month {', '.join(described) or 'of no run'}, not {grid.start}: "
                       f"give the opening stocks (ind.opening_*, coa.opening.*) for {grid.start} in an override file")


@dataclass(frozen=True)
class QueueInputs:
    """Everything the monthly loop reads, as arrays (grid months for times; cases for amounts).

    ``deadline`` (S, C) and ``notice_times`` (S, 3, C) are what is known about each cohort's deadline and
    notice times in each of the S states of knowledge (a state changes at a void or withdrawal);
    ``state_of_month`` (T,) says which state holds in each month. ``open0``/``declined0``/``lag_used0``/
    ``overdue0`` (C,) are the legal states at the start."""

    filings: np.ndarray
    capacity: np.ndarray
    fast_share: np.ndarray
    newest_share: np.ndarray
    spread_share: np.ndarray
    frozen_share: np.ndarray
    notice_time: np.ndarray
    appeal_time: np.ndarray
    judgment_time: np.ndarray
    term_end: np.ndarray
    term_month: np.ndarray
    within_term_share: np.ndarray
    after_notice_share: np.ndarray
    take_up: np.ndarray
    share_heard: np.ndarray
    state_of_month: np.ndarray
    deadline: np.ndarray
    notice_times: np.ndarray
    open0: np.ndarray
    declined0: np.ndarray
    lag_used0: np.ndarray
    overdue0: np.ndarray
    group: np.ndarray | None = None  # (C,) cohort group of each cohort (None: one group)
    fast_patience: int = 3  # whole months a priority case waits for quick work before it joins the regular queue

    @property
    def size(self) -> int:
        return self.filings.size

    @property
    def n_open(self) -> int:
        return self.open0.size - self.filings.size


def court_timeline(params, size: int, judgment_factor=1.0) -> dict[str, np.ndarray]:
    """The timeline of a notice sent in month n: appeal, judgment and the end of the court term per branch
    (grid months); ``judgment_factor`` scales the time to judgment (the Monte Carlo's shock; 1 = as assumed)."""
    notice_time = np.arange(size) + 0.5
    appeal_time = notice_time + params.at("appeal_wait_weeks", notice_time) / WEEKS_PER_MONTH
    judgment_time = appeal_time + params.at("judgment_months", appeal_time) * judgment_factor
    term_end = np.empty(np.shape(judgment_time) + (2,))
    term_end[..., HEARD] = judgment_time + params.at("term_weeks.heard", judgment_time) / WEEKS_PER_MONTH
    term_end[..., NOT_HEARD] = judgment_time + params.at("term_weeks.not_heard", judgment_time) / WEEKS_PER_MONTH
    return {"notice_time": notice_time, "appeal_time": appeal_time, "judgment_time": judgment_time,
            "term_end": term_end, "term_month": np.floor(term_end).astype(np.int64),
            "within_term_share": np.broadcast_to(params.at("share_decided_within_term", judgment_time),
                                                 np.shape(judgment_time)).astype(float)}


def legal_inputs(grid: TimeGrid, opening: np.ndarray, regime: DeadlineRegime, params) -> dict:
    """The queue's inputs that follow from the law and the opening stock alone: deadlines as known in each state
    of knowledge, the court timeline per notice month and the opening stock's legal state."""
    size, n_open = grid.size, opening.size
    filed_time = np.arange(-n_open, size) + 0.5  # mid-month filing, grid months
    line = court_timeline(params, size)
    notice_time = line["notice_time"]
    full = lambda name: np.broadcast_to(params.at(name, notice_time), (size,)).astype(float)  # noqa: E731

    # the opening stock starts unclaimed: claims made before the start lie outside the model, so a case whose
    # whole notice lag ran out before the start counts as not claiming (README: opening stock)
    known = regime.known_at(filed_time, 0.0)
    lag_mean = params.at("notice_lag_months", np.maximum(known.claim_from, 0.0))
    before_start = np.maximum(known.claim_from + np.multiply(lag_mean, max(LAG_POINTS)), known.event_floor) < 0
    cohorts = n_open + size
    open0, declined0, lag_used0 = np.zeros(cohorts), np.zeros(cohorts), np.zeros(cohorts)
    open0[:n_open] = np.where(before_start[:n_open], 0.0, opening)
    declined0[:n_open] = np.where(before_start[:n_open], opening, 0.0)
    lag_used0[:n_open] = np.where(before_start[:n_open], 1.0, 0.0)
    overdue0 = np.zeros(cohorts, dtype=bool)
    overdue0[:n_open] = known.deadline[:n_open] < 0

    # what is known about deadlines changes only at a void or withdrawal: one state per stretch of months,
    # read in the first month of the stretch
    events = regime.event_dates
    state_of_month = np.array([sum(1 for e in events if e < t + 1) for t in range(size)], dtype=np.int64)
    states = int(state_of_month.max()) + 1 if size else 1
    deadline = np.zeros((states, cohorts))
    notice_times = np.zeros((states, len(LAG_POINTS), cohorts))
    for state in np.unique(state_of_month):
        t = int(np.argmax(state_of_month == state))
        kd = regime.known_at(filed_time, t + 1 - 1e-9)
        lag = params.at("notice_lag_months", np.clip(kd.claim_from, 0, size - 1))
        deadline[state] = kd.deadline
        notice_times[state] = np.stack([np.maximum(kd.claim_from + np.multiply(lag, p), kd.event_floor)
                                        for p in LAG_POINTS])
    return dict(notice_time=notice_time, appeal_time=line["appeal_time"], judgment_time=line["judgment_time"],
                term_end=line["term_end"], term_month=line["term_month"], within_term_share=line["within_term_share"],
                after_notice_share=full("share_decided_after_notice"), take_up=full("take_up"),
                share_heard=full("share_heard"), state_of_month=state_of_month, deadline=deadline,
                notice_times=notice_times, open0=open0, declined0=declined0, lag_used0=lag_used0, overdue0=overdue0)


def prepare_queue(grid: TimeGrid, filings: np.ndarray, opening: np.ndarray, order: WorkOrder,
                  regime: DeadlineRegime, params, legal_cache: LruCache | None = None) -> QueueInputs:
    """The loop's inputs: the order of work and the filings, and the legal inputs (``legal_inputs``; kept in
    ``legal_cache`` per regime, parameters and opening stock when given: the very same objects, the same law)."""
    opening = np.asarray(opening, float)
    if legal_cache is None:
        legal = legal_inputs(grid, opening, regime, params)
    else:
        legal = legal_cache.fetch((Same(regime), Same(params), opening.tobytes(), str(grid.start), str(grid.end)),
                               lambda: legal_inputs(grid, opening, regime, params))
    size = grid.size
    monthly = lambda x: np.ascontiguousarray(np.broadcast_to(np.asarray(x, float), (size,)))  # noqa: E731
    return QueueInputs(np.asarray(filings, float), np.asarray(order.capacity, float),
                       np.asarray(order.fast_share, float), np.asarray(order.newest_first_share, float),
                       monthly(order.spread_share), monthly(order.frozen_share), **legal,
                       fast_patience=int(order.fast_patience))


def run_queue(track: str, grid: TimeGrid, filings: np.ndarray, opening: np.ndarray, order: WorkOrder,
              regime: DeadlineRegime, params, engine: str | None = None, group: np.ndarray | None = None,
              legal_cache: LruCache | None = None) -> CohortMatrix:
    """Run one track's queue with its legal chain over the grid.

    ``filings``: new applications per month; ``opening``: pending cases at the start per filing month before
    it (oldest first); ``params``: the penalty assumptions (``PenaltyParams``), read at each event's month;
    ``engine``: compiled (numba) or numpy (the reference), by default ``default_engine()``; ``group``: (C,) a
    group index per cohort (opening cohorts first) whose noticed cases the legal record keeps apart
    (``LegalRows.group``).
    """
    inputs = prepare_queue(grid, filings, opening, order, regime, params, legal_cache)
    if group is not None:
        inputs = replace(inputs, group=np.ascontiguousarray(group, dtype=np.int64))
    raw = run_loop(inputs, engine)
    return assemble(track, grid, inputs, raw, engine)


def empty_outputs(size: int, cohorts: int, groups: int = 1) -> dict[str, np.ndarray]:
    """Zeroed output arrays of the loop (the legal ones per cohort group)."""
    return {"decided": np.zeros((cohorts, size)), "pending_end": np.zeros((cohorts, size)),
            "fast_decided": np.zeros(size), "legal_decided": np.zeros(size), "notices": np.zeros(size),
            "cases_overdue": np.zeros(size), "legal_regular": np.zeros((groups, size, 2, size)),
            "decisions_total": np.zeros(size), "pending_total": np.zeros(size),
            "after_notice": np.zeros((groups, size, 2)), "within_term": np.zeros((groups, size, 2)),
            "within_term_time": np.zeros((size, 2)), "pending_legal": np.zeros((groups, size, 2))}


def run_loop(q: QueueInputs, engine: str | None = None) -> dict[str, np.ndarray]:
    """The monthly loop by the chosen engine (one source: compiled, or run by the interpreter)."""
    run_path = queue_kernel.by_engine(queue_kernel.run_path, engine)
    group = q.group if q.group is not None else np.zeros(q.open0.size, dtype=np.int64)
    out = empty_outputs(q.size, q.open0.size, int(group.max()) + 1)
    run_path(q.filings, q.open0[:q.n_open], q.declined0[:q.n_open], q.lag_used0, q.overdue0, q.capacity,
             q.fast_share, q.newest_share, q.spread_share, q.frozen_share, q.judgment_time, q.term_end,
             q.term_month, q.within_term_share, q.after_notice_share, q.take_up, q.share_heard, q.state_of_month,
             q.deadline, q.notice_times, q.fast_patience, np.zeros((q.open0.size, q.size, 2)), True, group,
             out["decided"], out["pending_end"], out["decisions_total"], out["pending_total"],
             out["fast_decided"], out["legal_decided"], out["notices"], out["cases_overdue"],
             out["legal_regular"], out["after_notice"], out["within_term"], out["within_term_time"],
             out["pending_legal"])
    return out


def legal_rows(q: QueueInputs, raw: dict[str, np.ndarray], engine: str | None = None) -> LegalRows:
    """The noticed cases with their decision times, from the loop's outputs: per group and branch (heard
    first), the regular decisions (by notice month, then months to the decision), the answers after a notice,
    those within a court term and those still pending at the end, in that order (``queue_kernel.legal_rows``)."""
    month, branch, decided, cases, group = queue_kernel.by_engine(queue_kernel.legal_rows, engine)(
        raw["legal_regular"], raw["after_notice"], raw["within_term"], raw["within_term_time"], raw["pending_legal"],
        q.notice_time, q.appeal_time, PENDING_BEYOND)
    return LegalRows(q.notice_time[month], np.where(branch == HEARD, 1.0, 0.0), decided, cases,
                     group if q.group is not None else None)


def assemble(track: str, grid: TimeGrid, q: QueueInputs, raw: dict[str, np.ndarray],
             engine: str | None = None) -> CohortMatrix:
    filing_months = np.arange(grid.start - q.n_open, grid.end + 1, dtype="datetime64[M]")
    filed = np.concatenate([q.open0[:q.n_open] + q.declined0[:q.n_open], q.filings])
    return CohortMatrix(track, filing_months, grid.months.copy(), filed, raw["decided"], raw["pending_end"],
                        raw["fast_decided"], raw["legal_decided"], raw["notices"], raw["cases_overdue"],
                        legal_rows(q, raw, engine))
