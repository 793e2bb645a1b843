"""Decision deadlines as dated instruments over a statutory base, read forward in time.

A regime for one track is the statutory deadline (read at each case's filing date) plus instruments:

- ``deadline.<track>.<name>.extension_months``: the record's from/to is the filing-date window it covers;
- ``deadline.<track>.<name>.moratorium_months``: a total deadline for the filing window (art. 43 Vw);
- ``deadline.<track>.<name>.in_force`` (flag, dated): the instrument covers only cases whose statutory
  deadline had not yet expired on the day it entered into force;
- ``deadline.<track>.<name>.void_retroactive`` (flag, dated): from that day (the peildatum) the instrument
  is void for cases then pending: they fall back to the statutory deadline;
- ``deadline.<track>.<name>.withdrawn`` (flag, dated): withdrawn for the future from that day: a case then
  pending keeps no extension beyond that day (its deadline becomes the later of the statutory one and it).

Time runs one way: :meth:`DeadlineRegime.known_at` gives the deadline and claim start of pending cases as
known at a moment, so a voiding or withdrawal changes nothing before its date, and no claim that the regime
already allowed before it is delayed. How a retroactive void counts (``penalty.void_reading``, read at the
void date): 0 = the plain legal rule (the deadline is known to have passed from the peildatum, so a claim
starts there and the usual notice lag follows); 1 = the letter's maximum reading "as if the 15 months never
existed" (the notice lag counts from the original statutory deadline, but no event is dated before the
peildatum). Times are months on the run's grid (0.0 = first day of the first month).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .assumptions import AssumptionSet
from .errors import MppError
from .timegrid import DAYS_PER_MONTH, TimeGrid

NEVER = np.inf
LOOKBACK_MONTHS = 60  # filing months before the grid that the lookup tables cover (opening cohorts)


@dataclass(frozen=True)
class Instrument:
    """One extension or moratorium of a track; event dates as grid months (``NEVER`` if it never happens).

    ``months_by_filing_month[k]`` is the instrument's months (0 = not covered) for cases filed in grid
    month ``k - LOOKBACK_MONTHS``, read from the layered assumptions at mid-month.
    """

    track: str
    name: str
    kind: str  # "extension" or "moratorium"
    months_by_filing_month: np.ndarray
    in_force: float
    void_retroactive_from: float
    withdrawn_from: float
    retroactive_reading: bool  # penalty.void_reading at the void date

    def months_for(self, filed: np.ndarray) -> np.ndarray:
        index = np.clip(np.floor(filed).astype(int) + LOOKBACK_MONTHS, 0, self.months_by_filing_month.size - 1)
        return self.months_by_filing_month[index]


@dataclass(frozen=True)
class KnownDeadlines:
    """Per case (arrays like ``filed``), as known at one moment: the deadline in force, the time from which
    a claim counts (the notice lag runs from it) and the earliest date any event of that claim may carry."""

    deadline: np.ndarray
    claim_from: np.ndarray
    event_floor: np.ndarray


@dataclass(frozen=True)
class DeadlineRegime:
    track: str
    statutory_by_filing_month: np.ndarray  # months, indexed like Instrument.months_by_filing_month
    instruments: tuple[Instrument, ...]

    def statutory_months(self, filed: np.ndarray) -> np.ndarray:
        """The statutory deadline in force on each filing date (months)."""
        index = np.clip(np.floor(filed).astype(int) + LOOKBACK_MONTHS, 0, self.statutory_by_filing_month.size - 1)
        return self.statutory_by_filing_month[index]

    @property
    def event_dates(self) -> tuple[float, ...]:
        """Grid times at which what is known about deadlines changes (voids and withdrawals)."""
        return tuple(sorted({d for i in self.instruments for d in (i.void_retroactive_from, i.withdrawn_from)
                             if d != NEVER}))

    def known_at(self, filed: np.ndarray, now: float) -> KnownDeadlines:
        """Deadlines of cases filed at ``filed`` that are still pending at ``now`` (grid months)."""
        statutory = filed + self.statutory_months(filed)
        deadline = statutory.copy()
        claim_from = statutory.copy()
        floor = np.full(filed.shape, -NEVER)
        for inst in self.instruments:
            months = inst.months_for(filed)
            covered = (months > 0) & (statutory >= inst.in_force)
            if not covered.any():
                continue
            extended = statutory + months if inst.kind == "extension" else filed + months
            extended = np.maximum(extended, statutory)
            if now >= inst.void_retroactive_from:
                void = inst.void_retroactive_from
                already = covered & (extended <= void)  # the base deadline had passed: nothing changes for it
                voided = covered & ~already
                deadline = np.where(already, extended, np.where(voided, statutory, deadline))
                if inst.retroactive_reading:
                    claim_from = np.where(already, extended, claim_from)
                    floor = np.where(voided, np.maximum(floor, void), floor)
                else:
                    claim_from = np.where(already, extended, np.where(voided, np.maximum(statutory, void), claim_from))
            elif now >= inst.withdrawn_from:
                cut = covered & (extended > inst.withdrawn_from)
                keeps = covered & ~cut
                deadline = np.where(keeps, extended, np.where(cut, np.maximum(statutory, inst.withdrawn_from),
                                                               deadline))
                claim_from = np.where(covered, deadline, claim_from)
            else:
                deadline = np.where(covered, extended, deadline)
                claim_from = np.where(covered, extended, claim_from)
        return KnownDeadlines(deadline, claim_from, floor)


def _switch_index(aset: AssumptionSet, name: str, scenario: str, grid: TimeGrid, missing: float) -> float:
    day = aset.switch_date(name, scenario)
    return missing if day is None else grid.index_of(day)


def build_regime(aset: AssumptionSet, track: str, scenario: str, grid: TimeGrid) -> DeadlineRegime:
    """Read the statutory deadline (per filing month) and every instrument of ``track``."""
    filing_days = (np.arange(grid.start - LOOKBACK_MONTHS, grid.end + 1, dtype="datetime64[M]")
                   .astype("datetime64[D]") + 15)
    if aset.has(f"deadline.{track}.statutory_months"):
        statutory = aset.at(f"deadline.{track}.statutory_months", scenario, filing_days)
    else:
        statutory = aset.at(f"deadline.{track}.statutory_days", scenario, filing_days) / DAYS_PER_MONTH
    instruments = []
    for kind in ("extension", "moratorium"):
        for name in aset.names_like(rf"deadline\.{track}\.[a-z0-9_]+\.{kind}_months"):
            inst = name.split(".")[2]
            months = np.nan_to_num(aset.at(name, scenario, filing_days, required=False))
            prefix = f"deadline.{track}.{inst}"
            void_day = aset.switch_date(f"{prefix}.void_retroactive", scenario)
            reading = (void_day is not None
                       and aset.scalar("penalty.void_reading", scenario, void_day) == 1.0)
            instruments.append(Instrument(
                track, inst, kind, months,
                _switch_index(aset, f"{prefix}.in_force", scenario, grid, -NEVER),
                NEVER if void_day is None else grid.index_of(void_day),
                _switch_index(aset, f"{prefix}.withdrawn", scenario, grid, NEVER), reading))
    for a_index, first in enumerate(instruments):
        for second in instruments[a_index + 1:]:
            both = (first.months_by_filing_month > 0) & (second.months_by_filing_month > 0)
            if both.any():
                month = np.datetime64(grid.start - LOOKBACK_MONTHS + int(np.argmax(both)), "M")
                raise MppError(f"deadline instruments {first.name} and {second.name} of track {track} both cover "
                               f"applications filed in {month}: a case can have only one extended deadline")
    for inst in instruments:
        if inst.void_retroactive_from != NEVER and not 0 <= inst.void_retroactive_from <= grid.size:
            raise MppError(f"deadline.{track}.{inst.name}.void_retroactive: the peildatum lies outside the "
                           f"horizon {grid.start}..{grid.end}")
    return DeadlineRegime(track, statutory, tuple(instruments))
