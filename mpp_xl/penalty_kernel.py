"""The legal chain of a noticed case, from the notice on, in one source (``_one_case``): appeal, the
administrative penalty where it applies, judgment and costs, the court term, the penalty to its cap, the repeat
appeal. Compiled with numba; ``queue_kernel.plain`` runs the same source in the interpreter (the reference
engine and the benchmark's per-case loop). Three drivers: the expected value of rows of noticed cases booked per
group (``book_rows``: the deterministic run, the delta by cohort), what one case of each row books per year
(``expected_rows``: the Monte Carlo's tables) and the case-level simulation with uniform draws
(``simulate_chunks``)."""

from __future__ import annotations

import math

import numpy as np

from .queue_kernel import njit, prange
from .timegrid import DAYS_PER_MONTH, WEEKS_PER_MONTH

# the penalty assumptions the kernel reads, in the order of the rows of its parameter matrix
NAMES = ("appeal_wait_weeks", "admin_applies", "admin.tier_days", "admin.cap", "admin.tier1_per_day",
         "admin.tier2_per_day", "admin.tier3_per_day", "judgment_months", "legal_costs", "court_fee",
         "term_weeks.heard", "term_weeks.not_heard", "share_high_cap", "per_day", "cap.high", "cap.standard",
         "repeat.probability", "repeat.lag_months", "repeat.term_weeks", "repeat.per_day", "repeat.cap")
(APPEAL_WAIT, ADMIN_APPLIES, ADMIN_TIER_DAYS, ADMIN_CAP, ADMIN_TIER1, ADMIN_TIER2, ADMIN_TIER3, JUDGMENT,
 LEGAL_COSTS, COURT_FEE, TERM_HEARD, TERM_NOT_HEARD, SHARE_HIGH_CAP, PER_DAY, CAP_HIGH, CAP_STANDARD,
 REPEAT_PROBABILITY, REPEAT_LAG, REPEAT_TERM, REPEAT_PER_DAY, REPEAT_CAP) = range(len(NAMES))
COURT, REPEAT, COSTS, ADMIN, APPEALS = range(5)  # rows of the booking array: the four components, then appeals


def parameter_matrix(params) -> np.ndarray:
    """(len(NAMES), T) monthly values of the assumptions the kernel reads."""
    return np.ascontiguousarray(np.stack([np.asarray(params.series[name], dtype=float) for name in NAMES]))


@njit(cache=True, inline="always", error_model="numpy")
def _month(p, time):
    """The column of ``p`` in effect at ``time`` (clamped to the grid), as ``PenaltyParams.at`` reads it."""
    month = math.floor(time)
    last = p.shape[1] - 1
    return 0 if month < 0 else last if month > last else int(month)


@njit(cache=True, inline="always", error_model="numpy")
def _point(book, row, time, value):
    month = math.floor(time)
    if 0 <= month < book.shape[1] and value != 0.0:
        book[row, int(month)] += value


@njit(cache=True, inline="always", error_model="numpy")
def _linear(book, row, start, end, rate):
    if end <= start or rate == 0.0:
        return
    size = book.shape[1]
    month = math.floor(start)
    while month < end and month < size:
        overlap = min(end, month + 1.0) - max(start, month)
        if month >= 0 and overlap > 0.0:
            book[row, int(month)] += overlap * rate
        month += 1.0


@njit(cache=True, inline="always", error_model="numpy")
def _one_case(book, p, notice, heard, decided, weight, high_draw, repeat_draw, expected):
    """One case from its notice on. ``expected``: book the expected value (the cap and repeat probabilities as
    weights, as ``penalties._kernel`` without draws); otherwise the draws decide."""
    at_notice = _month(p, notice)
    appeal = notice + p[APPEAL_WAIT, at_notice] / WEEKS_PER_MONTH
    applies = p[ADMIN_APPLIES, at_notice]
    if applies != 0.0 and weight != 0.0:
        at_appeal = _month(p, appeal)
        tier = p[ADMIN_TIER_DAYS, at_appeal] / DAYS_PER_MONTH
        cap = p[ADMIN_CAP, at_appeal]
        paid = 0.0
        for index in range(3):
            rate = p[ADMIN_TIER1 + index, at_appeal] * DAYS_PER_MONTH
            tier_start = appeal + index * tier
            room = max(cap - paid, 0.0)
            length = room / rate if index == 2 else min(tier, room / rate)
            _linear(book, ADMIN, tier_start, min(decided, tier_start + length), rate * weight * applies)
            paid += rate * length
    if not decided > appeal:
        return
    _point(book, APPEALS, appeal, weight)
    judgment = appeal + p[JUDGMENT, _month(p, appeal)]
    at_judgment = _month(p, judgment)
    _point(book, COSTS, min(judgment, decided), weight * (p[LEGAL_COSTS, at_judgment] + p[COURT_FEE, at_judgment]))
    term = p[TERM_HEARD, at_judgment] if heard > 0 else p[TERM_NOT_HEARD, at_judgment]
    start = judgment + term / WEEKS_PER_MONTH
    if not decided > start:
        return
    at_start = _month(p, start)
    rate = p[PER_DAY, at_start] * DAYS_PER_MONTH
    if expected:
        high = p[SHARE_HIGH_CAP, at_judgment]
        _linear(book, COURT, start, min(decided, start + p[CAP_STANDARD, at_judgment] / rate), rate * weight * (1.0 - high))
        _linear(book, COURT, start, min(decided, start + p[CAP_HIGH, at_judgment] / rate), rate * weight * high)
        repeats = weight * p[REPEAT_PROBABILITY, at_start]
        if repeats == 0.0:
            return
    else:
        cap = p[CAP_HIGH, at_judgment] if high_draw < p[SHARE_HIGH_CAP, at_judgment] else p[CAP_STANDARD, at_judgment]
        _linear(book, COURT, start, min(decided, start + cap / rate), rate * weight)
        if not repeat_draw < p[REPEAT_PROBABILITY, at_start]:
            return
        repeats = weight
    repeat_judgment = start + p[REPEAT_LAG, at_start]
    at_repeat = _month(p, repeat_judgment)
    _point(book, COSTS, min(repeat_judgment, decided), repeats * (p[LEGAL_COSTS, at_repeat] + p[COURT_FEE, at_repeat]))
    repeat_start = repeat_judgment + p[REPEAT_TERM, at_repeat] / WEEKS_PER_MONTH
    repeat_rate = p[REPEAT_PER_DAY, _month(p, repeat_start)] * DAYS_PER_MONTH
    if decided > repeat_judgment:
        _linear(book, REPEAT, repeat_start, min(decided, repeat_start + p[REPEAT_CAP, at_repeat] / repeat_rate),
                repeat_rate * repeats)


@njit(cache=True, parallel=True, error_model="numpy")
def simulate_chunks(p, notice, heard, decided, weight, high_draw, repeat_draw, chunk, books):
    """Book every case; chunk j (cases [j*chunk, (j+1)*chunk)) books into ``books[j]`` (5, T), so the sums do not
    depend on the number of threads."""
    cases = notice.shape[0]
    for j in prange(books.shape[0]):
        book = books[j]
        for i in range(j * chunk, min((j + 1) * chunk, cases)):
            _one_case(book, p, notice[i], heard[i], decided[i], weight[i], float(high_draw[i]), float(repeat_draw[i]),
                      False)


@njit(cache=True, error_model="numpy")
def book_rows(p, notice, heard, decided, weight, group, books):
    """The expected value of every row (``weight`` cases), booked into the book of its group: ``books``
    (G, 5, T): EUR per month in rows COURT, REPEAT, COSTS, ADMIN, and appeals in row APPEALS."""
    for r in range(notice.shape[0]):
        _one_case(books[group[r]], p, notice[r], heard[r], decided[r], weight[r], 0.0, 0.0, True)


@njit(cache=True, parallel=True, error_model="numpy")
def expected_rows(p, notice, heard, decided, year_of_month, out):
    """What one case of each row books (expected value), summed per year: ``out`` (rows, years), EUR."""
    rows, size = notice.shape[0], p.shape[1]
    for r in prange(rows):
        book = np.zeros((5, size))
        _one_case(book, p, notice[r], heard[r], decided[r], 1.0, 0.0, 0.0, True)
        for m in range(size):
            out[r, year_of_month[m]] += book[COURT, m] + book[REPEAT, m] + book[COSTS, m] + book[ADMIN, m]
