"""The monthly time grid of a run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .errors import MppError

DEFAULT_START, DEFAULT_END = "2022-01", "2030-12"  # the horizon of a run unless one is given
DAYS_PER_MONTH = 365.25 / 12  # a mean month: penalty accrual and waiting times are measured in these
WEEKS_PER_MONTH = DAYS_PER_MONTH / 7


@dataclass(frozen=True)
class TimeGrid:
    """Calendar months ``start`` .. ``end`` inclusive (numpy ``datetime64[M]``)."""

    start: np.datetime64
    end: np.datetime64

    @classmethod
    def from_text(cls, start: str = DEFAULT_START, end: str = DEFAULT_END) -> "TimeGrid":
        start, end = str(start).strip(), str(end).strip()
        # a year alone means the whole year: its first month as a start, its last month as an end
        start = f"{start}-01" if re.fullmatch(r"\d{4}", start) else start
        end = f"{end}-12" if re.fullmatch(r"\d{4}", end) else end
        if not (re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", start) and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", end)):
            raise MppError(f"horizon: '{start}' .. '{end}' is not a pair of months (use YYYY-MM)")
        try:
            first, last = np.datetime64(start[:7], "M"), np.datetime64(end[:7], "M")
        except ValueError:
            raise MppError(f"horizon: '{start}' .. '{end}' is not a pair of months (use YYYY-MM)") from None
        if last < first:
            raise MppError(f"horizon: end {last} is before start {first}")
        if not np.datetime64("1990-01", "M") <= first <= last <= np.datetime64("2200-12", "M"):
            raise MppError(f"horizon: {first} .. {last} lies outside 1990-01 .. 2200-12")
        return cls(first, last)

    @cached_property
    def months(self) -> np.ndarray:
        return np.arange(self.start, self.end + 1, dtype="datetime64[M]")

    @property
    def size(self) -> int:
        return int(self.months.size)

    @cached_property
    def month_starts(self) -> np.ndarray:
        return self.months.astype("datetime64[D]")

    @cached_property
    def month_ends(self) -> np.ndarray:
        return (self.months + 1).astype("datetime64[D]") - 1

    @cached_property
    def years(self) -> np.ndarray:
        return self.months.astype("datetime64[Y]").astype(int) + 1970

    @cached_property
    def calendar_years(self) -> np.ndarray:
        """The calendar years on the grid, ascending (read-only: one array shared by every reader)."""
        years = np.unique(self.years)
        years.flags.writeable = False
        return years

    def in_window(self, window: tuple[int, int]) -> np.ndarray:
        """(Y,) bool: which of ``calendar_years`` lie in ``window`` (first and last year, inclusive)."""
        return (self.calendar_years >= window[0]) & (self.calendar_years <= window[1])

    @cached_property
    def year_starts(self) -> np.ndarray:
        """The index of each calendar year's first month: ``np.add.reduceat(series, year_starts)`` sums per year."""
        starts = np.searchsorted(self.years, self.calendar_years)
        starts.flags.writeable = False
        return starts

    @cached_property
    def year_spans(self) -> dict[int, slice]:
        """Year -> the slice of its months on the grid (the months of a year are consecutive)."""
        years = self.years
        starts = np.flatnonzero(np.r_[True, years[1:] != years[:-1]])
        ends = np.r_[starts[1:], years.size]
        return {int(years[a]): slice(int(a), int(b)) for a, b in zip(starts, ends)}

    @cached_property
    def complete_years(self) -> tuple[int, int] | None:
        """(first, last) calendar year that lies wholly on the grid, or None."""
        first = int(self.years[0]) + (0 if self.calendar_month[0] == 1 else 1)
        last = int(self.years[-1]) - (0 if self.calendar_month[-1] == 12 else 1)
        return (first, last) if first <= last else None

    @cached_property
    def calendar_month(self) -> np.ndarray:
        """1..12 for each month of the grid."""
        return (self.months.astype(int) % 12) + 1

    @cached_property
    def full_years(self) -> "TimeGrid":
        """The grid widened to whole calendar years."""
        return TimeGrid(self.start.astype("datetime64[Y]").astype("datetime64[M]"),
                        (self.end.astype("datetime64[Y]") + 1).astype("datetime64[M]") - 1)

    def index_of(self, date) -> float:
        """Position of a date on the grid in months (0.0 = first day of the first month)."""
        day = np.datetime64(date, "D")
        month = day.astype("datetime64[M]")
        into = (day - month.astype("datetime64[D]")).astype(int) / DAYS_PER_MONTH
        return float((month - self.start).astype(int) + into)
