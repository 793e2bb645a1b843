"""Decision deadlines as dated instruments over a statutory base.

A regime for one track is the statutory deadline plus instruments read from the assumptions:

- ``deadline.<track>.<name>.extension_months``: the record's from/to is the filing-date window it covers;
- ``deadline.<track>.<name>.moratorium_months``: a total deadline for the filing window (art. 43 Vw);
- ``deadline.<track>.<name>.in_force`` (flag, dated): the instrument covers only cases whose statutory
  deadline had not yet expired on the day it entered into force;
- ``deadline.<track>.<name>.void_retroactive`` (flag, dated): from that day (the peildatum) the instrument
  is void as if it never existed, for cases then pending: they fall back to the statutory deadline;
- ``deadline.<track>.<name>.withdrawn`` (flag, dated): withdrawn for the future from that day: a case then
  pending keeps no extension beyond that day (its deadline becomes the later of the statutory one and it).

Times are months on the run's grid (0.0 = first day of the first month).
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

    def months_for(self, filed: np.ndarray) -> np.ndarray:
        index = np.clip(np.floor(filed).astype(int) + LOOKBACK_MONTHS, 0, self.months_by_filing_month.size - 1)
        return self.months_by_filing_month[index]


@dataclass(frozen=True)
class DeadlineRegime:
    track: str
    statutory_months: float
    instruments: tuple[Instrument, ...]
    claims_from_void_date: bool

    def deadlines(self, filed: np.ndarray, decided: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Deadline and the earliest time a claim counts, per case (grid months).

        ``filed`` and ``decided`` are the filing and decision times (``decided`` may lie beyond the grid for
        cases still pending at its end).
        """
        statutory = filed + self.statutory_months
        deadline = statutory.copy()
        claim_from = statutory.copy()
        for inst in self.instruments:
            months = inst.months_for(filed)
            covered = (months > 0) & (statutory >= inst.in_force)
            extended = statutory + months if inst.kind == "extension" else filed + months
            extended = np.maximum(extended, statutory)
            voided = covered & (decided > inst.void_retroactive_from)
            withdrawn = covered & ~voided & (decided > inst.withdrawn_from) & (extended > inst.withdrawn_from)
            keeps = covered & ~voided & ~withdrawn
            deadline = np.where(keeps, extended, deadline)
            deadline = np.where(withdrawn, np.maximum(statutory, inst.withdrawn_from), deadline)
            claim_from = np.where(keeps | withdrawn, deadline, claim_from)
            if self.claims_from_void_date:
                claim_from = np.where(voided, np.maximum(statutory, inst.void_retroactive_from), claim_from)
        return deadline, claim_from


def _first_day_index(aset: AssumptionSet, name: str, scenario: str, grid: TimeGrid, missing: float) -> float:
    day = aset.switch_date(name, scenario)
    return missing if day is None else grid.index_of(day)


def build_regime(aset: AssumptionSet, track: str, scenario: str, grid: TimeGrid) -> DeadlineRegime:
    """Read the statutory deadline and every instrument of ``track`` from the assumptions."""
    first_day = grid.month_starts[0]
    if aset.has(f"deadline.{track}.statutory_months"):
        statutory = aset.scalar(f"deadline.{track}.statutory_months", scenario, first_day)
    else:
        statutory = aset.scalar(f"deadline.{track}.statutory_days", scenario, first_day) / DAYS_PER_MONTH
    filing_days = (np.arange(grid.start - LOOKBACK_MONTHS, grid.end + 1, dtype="datetime64[M]")
                   .astype("datetime64[D]") + 15)
    instruments = []
    for kind in ("extension", "moratorium"):
        for name in aset.names_like(rf"deadline\.{track}\.[a-z0-9_]+\.{kind}_months"):
            inst = name.split(".")[2]
            months = np.nan_to_num(aset.at(name, scenario, filing_days, required=False))
            prefix = f"deadline.{track}.{inst}"
            instruments.append(Instrument(
                track, inst, kind, months,
                _first_day_index(aset, f"{prefix}.in_force", scenario, grid, -NEVER),
                _first_day_index(aset, f"{prefix}.void_retroactive", scenario, grid, NEVER),
                _first_day_index(aset, f"{prefix}.withdrawn", scenario, grid, NEVER)))
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
    claims_from_void = aset.scalar("penalty.claims_from_void_date", scenario, first_day) == 1.0
    return DeadlineRegime(track, statutory, tuple(instruments), claims_from_void)
