"""The IND queue of pending applications as a cohort structure (filing month × decision month).

Each filing month is a cohort. A cohort splits on arrival into
- a fast lane (asylum only: Dublin / safe country of origin), decided in the month after filing;
- a long tail (complex cases, missing documents) decided at a low monthly rate, whatever its age;
- the regular part, decided first-in first-out by filing month.
Regular and long-tail decisions together are bounded by the track's capacity and by what is pending;
the fast lane is a separate process with its own staff and does not use that capacity.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .assumptions import AssumptionSet
from .errors import MppError
from .timegrid import WEEKS_PER_MONTH, TimeGrid

OPENING_AGE_BANDS = {"00_02m": (0, 3), "03_05m": (3, 6), "06_11m": (6, 12), "12_23m": (12, 24)}
OPENING_COHORTS = 24  # the opening stock is spread over the 24 filing months before the start


@dataclass(frozen=True)
class CohortMatrix:
    """Decisions and pending cases of one IND track by filing month (rows) and calendar month (columns).

    Attributes (all in cases):
        track: ``asylum`` or ``nareis``.
        filing_months: (C,) ``datetime64[M]``, oldest first; the first cohorts precede the grid and hold
            the opening stock.
        decision_months: (T,) ``datetime64[M]``, the model grid.
        filed: (C,) cases filed per cohort (for opening cohorts: their pending cases at the start).
        decided: (C, T) decisions on cohort c during month t.
        pending_end: (C, T) cases of cohort c still pending at the end of month t.
        fast_decided: (T,) the part of ``decided`` (summed over cohorts) that came through the fast lane.

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

    @cached_property
    def wait_months(self) -> np.ndarray:
        """(C, T) months between filing and each decision month; negative where the cohort was not yet filed."""
        return (self.decision_months[None, :] - self.filing_months[:, None]).astype(int)

    @cached_property
    def fingerprint(self) -> bytes:
        """A digest of the whole matrix: equal fingerprints, equal queues (used to reuse penalty results)."""
        digest = hashlib.blake2b(self.track.encode(), digest_size=16)
        for array in (self.filing_months, self.decision_months, self.filed, self.decided, self.pending_end,
                      self.fast_decided):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.digest()

    @property
    def n_opening(self) -> int:
        return int((self.filing_months < self.decision_months[0]).sum())

    def decisions(self) -> np.ndarray:
        """(T,) decisions per month."""
        return self.decided.sum(axis=0)

    def pending(self) -> np.ndarray:
        """(T,) pending cases at each month end."""
        return self.pending_end.sum(axis=0)

    def filings(self) -> np.ndarray:
        """(T,) new applications per grid month."""
        return self.filed[self.n_opening:]

    def mean_wait_weeks(self) -> np.ndarray:
        """(T,) mean time to decision of the month's decisions, in weeks (0 in a month without decisions)."""
        total = self.decided.sum(axis=0)
        weighted = (self.decided * self.wait_months).sum(axis=0)
        return np.divide(weighted, total, out=np.zeros_like(total), where=total > 0) * WEEKS_PER_MONTH

    def mean_wait_weeks_over(self, months: np.ndarray) -> float:
        """Mean time to decision of all decisions in the selected months (boolean (T,) mask), in weeks."""
        decided = self.decided[:, months]
        total = decided.sum()
        return float((decided * self.wait_months[:, months]).sum() / total * WEEKS_PER_MONTH) if total > 0 else 0.0

    def pending_older_than(self, months: int) -> np.ndarray:
        """(T,) pending cases at month end that were filed at least ``months`` full months earlier."""
        return np.where(self.wait_months >= months, self.pending_end, 0.0).sum(axis=0)

    def wait_distribution(self, edges_months=(0, 3, 6, 9, 12, 15, 18, 24, 36)) -> np.ndarray:
        """(len(edges), T) decisions per month by waiting-time band [edge_i, edge_i+1) months; last band open."""
        bands = np.searchsorted(np.asarray(edges_months), self.wait_months, side="right") - 1
        out = np.zeros((len(edges_months), self.decided.shape[1]))
        for band in range(len(edges_months)):
            out[band] = np.where(bands == band, self.decided, 0.0).sum(axis=0)
        return out


def _opening_cohorts(aset: AssumptionSet, track: str, scenario: str, grid: TimeGrid) -> np.ndarray:
    """Opening stock spread over the 24 filing months before the start, oldest first (cases)."""
    start_day = grid.month_starts[:1]
    stock = aset.at(f"ind.opening_stock.{track}", scenario, start_day)[0]
    shares = {band: aset.at(f"ind.opening_age.{track}.{band}", scenario, start_day)[0] for band in OPENING_AGE_BANDS}
    total_share = sum(shares.values())
    if abs(total_share - 1.0) > 1e-6:
        raise MppError(f"ind.opening_age.{track}.* bands sum to {total_share:.6g}, not 1")
    by_age = np.zeros(OPENING_COHORTS)  # index = full months of age at the start
    for band, (low, high) in OPENING_AGE_BANDS.items():
        by_age[low:high] = stock * shares[band] / (high - low)
    return by_age[::-1]


def run_queue(aset: AssumptionSet, track: str, scenario: str, grid: TimeGrid, filings: np.ndarray) -> CohortMatrix:
    """Run one track's queue over the grid; ``filings`` are new applications per month (cases)."""
    days = grid.month_starts
    capacity = aset.at(f"ind.capacity.{track}", scenario, days)
    tail_share = aset.at(f"ind.long_tail_share.{track}", scenario, days)
    tail_rate = aset.at(f"ind.long_tail_rate.{track}", scenario, days)
    fast_share = aset.at(f"ind.fast_lane_share.{track}", scenario, days) if aset.has(
        f"ind.fast_lane_share.{track}") else np.zeros(grid.size)

    opening = _opening_cohorts(aset, track, scenario, grid)
    n_open, size = opening.size, grid.size
    cohorts = n_open + size
    filing_months = np.arange(grid.start - n_open, grid.end + 1, dtype="datetime64[M]")
    filed = np.concatenate([opening, filings])

    regular = np.zeros(cohorts)
    tail = np.zeros(cohorts)
    regular[:n_open] = opening * (1 - tail_share[0])
    tail[:n_open] = opening * tail_share[0]
    fast_waiting = 0.0  # fast-lane cases filed last month, decided this month
    decided = np.zeros((cohorts, size))
    pending_end = np.zeros((cohorts, size))
    fast_decided = np.zeros(size)

    for t in range(size):
        c = n_open + t
        new_fast = filings[t] * fast_share[t]
        rest = filings[t] - new_fast
        tail[c] = rest * tail_share[t]
        regular[c] = rest - tail[c]
        if t > 0:
            decided[c - 1, t] += fast_waiting
            fast_decided[t] = fast_waiting
        fast_waiting = new_fast

        tail_take = tail * tail_rate[t]
        tail_total = tail_take.sum()
        if tail_total > capacity[t]:  # capacity binds even the long tail
            tail_take *= capacity[t] / tail_total
            tail_total = capacity[t]
        left = capacity[t] - tail_total
        queued_before = np.cumsum(regular) - regular
        regular_take = np.clip(left - queued_before, 0.0, regular)

        decided[:, t] += tail_take + regular_take
        tail -= tail_take
        regular -= regular_take
        pending_end[:, t] = regular + tail
        pending_end[c, t] += fast_waiting
    return CohortMatrix(track, filing_months, grid.months.copy(), filed, decided, pending_end, fast_decided)
