"""The IND queue's monthly loop (the order of work is described in ``mpp_xl.queue``): one source, compiled
with numba, cohort by cohort, touching only the cohorts that still hold cases and the notice months a cohort
was noticed in, so a month costs what is pending, not the whole filing x decision matrix.

``run_path`` runs one path; ``run_batch`` runs many paths side by side (one per thread) and reduces each
to the monthly series and the penalty totals the Monte Carlo needs. ``plain(run_path)`` is the same source
run by the interpreter (every compiled callee replaced by its plain function): the reference engine
(``MPP_XL_ENGINE=numpy``, or where numba cannot load).
"""

from __future__ import annotations

import os

import numpy as np

from .errors import MppError

try:  # numba is a dependency; the import guard keeps the numpy path usable where it cannot load
    import numba
    from numba import njit, prange
    AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only without numba
    numba = None
    AVAILABLE = False

    def njit(*args, **kwargs):
        return (lambda f: f) if not (args and callable(args[0])) else args[0]

    prange = range

ENGINES = ("compiled", "numpy")


def default_engine() -> str:
    """``MPP_XL_ENGINE`` (compiled or numpy) if set; otherwise compiled where numba loads."""
    chosen = os.environ.get("MPP_XL_ENGINE", "").strip().lower()
    if chosen:
        if chosen not in ENGINES:
            raise MppError(f"MPP_XL_ENGINE='{chosen}': use compiled or numpy")
        if chosen == "compiled" and not AVAILABLE:
            raise MppError("MPP_XL_ENGINE=compiled, but numba cannot be imported: install numba or use numpy")
        return chosen
    return "compiled" if AVAILABLE else "numpy"


HEARD, NOT_HEARD = 0, 1
LAG_POINTS = 3
BOOK_LANES = 8  # paths booked side by side: independent sums, so no wait on one running total


def plain(func):
    """``func`` run by the interpreter: its own source, with every compiled function of its module that it calls
    (and they call) replaced by that function's plain source too; ``prange`` runs as ``range``. The reference
    engine: the same source as the compiled one, so the two cannot drift apart."""
    import types
    source = getattr(func, "py_func", func)
    names = dict(source.__globals__)
    names["prange"] = range

    def rebuilt(f):
        return types.FunctionType(f.__code__, names, f.__name__, f.__defaults__, f.__closure__)

    names.update({name: rebuilt(obj.py_func) for name, obj in source.__globals__.items() if hasattr(obj, "py_func")})
    return rebuilt(source)


def by_engine(func, engine: str | None = None):
    """``func`` as the chosen engine runs it (``engine``, by default ``default_engine()``): compiled, or its own
    source run by the interpreter (``plain``). The one place a loop's engine is chosen."""
    return func if (engine or default_engine()) == "compiled" else plain(func)


@njit(cache=True, error_model="numpy")
def init_state(opening_open, opening_declined, lag_used0, overdue0, size):
    """The queue's state at the start: per cohort the priority pool, open, declined and noticed cases (summed),
    the share of the notice lag passed, whether its deadline was counted, the notice months holding its
    legal cases [first, last], ``lo_box`` = [lo, settled] (cohorts below ``lo`` hold no cases and never will again;
    below ``settled`` their notice lag and deadline are behind them), and ``noticed`` (T, C + 1): per month n the
    number of cohorts noticed in it, ``noticed[n, 0]``, then those cohorts in ascending order (a cohort not noticed
    in n holds no case noticed in n, so the court terms of n look at these only)."""
    n_open = opening_open.shape[0]
    cohorts = n_open + size
    fast_pool = np.zeros(cohorts)
    open_cases = np.zeros(cohorts)
    declined = np.zeros(cohorts)
    legal_by_cohort = np.zeros(cohorts)
    lag_used = lag_used0.copy()
    overdue_counted = overdue0.copy()
    first_notice = np.full(cohorts, size, dtype=np.int64)
    last_notice = np.full(cohorts, -1, dtype=np.int64)
    for c in range(n_open):
        open_cases[c] = opening_open[c]
        declined[c] = opening_declined[c]
    lo_box = np.zeros(2, dtype=np.int64)
    noticed = np.zeros((size, cohorts + 1), dtype=np.int64)
    return (fast_pool, open_cases, declined, legal_by_cohort, lag_used, overdue_counted, first_notice, last_notice,
            lo_box, noticed)


@njit(cache=True, error_model="numpy")
def regular_held(open_cases, declined, legal_by_cohort, c):
    """Cases cohort c holds in the regular queue: open, declined to claim and noticed (summed; cases)."""
    return open_cases[c] + declined[c] + legal_by_cohort[c]


@njit(cache=True, error_model="numpy")
def decidable_pool(open_cases, declined, legal_by_cohort, c, decidable):
    """What regular work may decide of cohort c this month (cases): all it holds, less the frozen share."""
    return max(regular_held(open_cases, declined, legal_by_cohort, c), 0.0) * decidable


@njit(cache=True, error_model="numpy")
def advance(t_from, t_to, n_open, filings, capacity_in, fast_share, newest_share, spread_share, frozen_share,
            judgment_time, term_end, term_month,
            within_term_share, after_notice_share, take_up, share_heard, state_of_month, deadline_by_state,
            notice_times_by_state, fast_patience, fast_pool, open_cases, declined, legal, legal_by_cohort, lag_used,
            overdue_counted, first_notice, last_notice, lo_box, noticed_in, full, group, decided, pending_end,
            decisions_total, pending_total, fast_decided, legal_decided, notices, cases_overdue, legal_regular,
            after_notice, within_term, within_term_time):
    """Months t_from .. t_to - 1 of the queue (see ``run_path``), from and into the state of ``init_state``."""
    size = filings.shape[0]
    cohorts = n_open + size
    regular_start = np.zeros(cohorts)
    pool = np.zeros(cohorts)
    take = np.zeros(cohorts)
    reach = 0  # the longest time from a notice month to the month its court term ends
    for n in range(size):
        for b in range(2):
            reach = max(reach, term_month[n, b] - n)
    lo, settled = lo_box[0], lo_box[1]
    for t in range(t_from, t_to):
        c_new = n_open + t
        fast_pool[c_new] = filings[t] * fast_share[t]
        open_cases[c_new] = filings[t] - fast_pool[c_new]
        state = state_of_month[t]
        month_end = t + 1.0

        # 2. notices
        total = 0.0
        for c in range(max(lo, settled), c_new + 1):  # cohorts below ``settled`` have nothing left to do here
            if lag_used[c] >= 1.0:  # the whole notice lag has passed: nothing left to resolve
                if not overdue_counted[c]:  # step 6 reads the start of a cohort whose deadline is still to come
                    regular_start[c] = regular_held(open_cases, declined, legal_by_cohort, c)
                continue
            passed = 0.0
            for k in range(LAG_POINTS):
                if notice_times_by_state[state, k, c] < month_end:
                    passed += 1.0
            passed /= LAG_POINTS
            used = lag_used[c]
            fresh = max(passed - used, 0.0)
            resolving = open_cases[c] * fresh / (1.0 - used) if used < 1.0 else 0.0
            lag_used[c] = max(used, passed)
            if resolving != 0.0:
                open_cases[c] -= resolving
                noticed = resolving * take_up[t]
                declined[c] += resolving - noticed
                legal[c, t, HEARD] += noticed * share_heard[t]
                legal[c, t, NOT_HEARD] += noticed * (1.0 - share_heard[t])
                legal_by_cohort[c] += noticed
                total += noticed
                if noticed != 0.0:
                    if first_notice[c] > t:
                        first_notice[c] = t
                    last_notice[c] = t
                    noticed_in[t, 0] += 1
                    noticed_in[t, noticed_in[t, 0]] = c
            regular_start[c] = regular_held(open_cases, declined, legal_by_cohort, c)
        notices[t] = total
        capacity = capacity_in[t]

        # 3. priority tracks; a priority case waiting longer than fast_patience months joins the regular queue
        for c in range(max(lo, c_new - fast_patience - 2), max(c_new - fast_patience, 0)):
            if fast_pool[c] != 0.0:
                open_cases[c] += fast_pool[c]
                regular_start[c] += fast_pool[c]
                fast_pool[c] = 0.0
        before = 0.0
        fast_total = 0.0
        for c in range(max(lo, c_new - fast_patience - 1), c_new):
            x = min(max(capacity - before, 0.0), fast_pool[c])
            before += fast_pool[c]
            if x != 0.0:
                fast_pool[c] -= x
                if full:
                    decided[c, t] += x
                fast_total += x
        capacity -= fast_total
        fast_decided[t] = fast_total

        # 4. answers to notices and court orders whose term runs out
        demand = 0.0
        share_now = after_notice_share[t]
        for j in range(1, noticed_in[t, 0] + 1):  # only cohorts noticed this month have cases noticed this month
            c = noticed_in[t, j]
            demand += (legal[c, t, HEARD] + legal[c, t, NOT_HEARD]) * share_now
        n_due = 0
        first_due = max(0, t - reach)
        for n in range(first_due, t):
            if term_month[n, HEARD] == t or term_month[n, NOT_HEARD] == t:
                n_due += 1
                for b in range(2):
                    if term_month[n, b] == t:
                        for j in range(1, noticed_in[n, 0] + 1):  # a cohort not noticed in n holds none of n
                            c = noticed_in[n, j]
                            if c >= lo:
                                demand += legal[c, n, b] * within_term_share[n]
        if demand <= 0.0:
            scale = 0.0
        elif demand <= capacity:
            scale = 1.0
        else:
            scale = max(capacity, 0.0) / demand
        if scale > 0.0:
            by_total = 0.0
            for j in range(1, noticed_in[t, 0] + 1):
                c = noticed_in[t, j]
                for b in range(2):
                    answer = legal[c, t, b] * share_now * scale
                    if answer != 0.0:
                        legal[c, t, b] -= answer
                        legal_by_cohort[c] -= answer
                        after_notice[group[c], t, b] += answer
                        if full:
                            decided[c, t] += answer
                        by_total += answer
            if n_due > 0:
                for n in range(first_due, t):
                    for b in range(2):
                        if term_month[n, b] != t:
                            continue
                        for j in range(1, noticed_in[n, 0] + 1):
                            c = noticed_in[n, j]
                            if c >= lo:
                                order = legal[c, n, b] * within_term_share[n] * scale
                                if order != 0.0:
                                    legal[c, n, b] -= order
                                    legal_by_cohort[c] -= order
                                    within_term[group[c], n, b] += order
                                    if full:
                                        decided[c, t] += order
                                    by_total += order
                        start = max(judgment_time[n], float(t))
                        within_term_time[n, b] = (start + min(term_end[n, b], t + 1.0)) / 2.0
            legal_decided[t] = by_total
            capacity -= by_total
            decisions_total[t] += by_total
        decisions_total[t] += fast_total

        # 5. of what is left: newest first for a share, then a share drawn across every age in proportion to
        # what waits (tracks and case types worked side by side), then oldest first; a frozen share of every
        # cohort (a decision moratorium) is out of reach of regular work
        decidable = 1.0 - frozen_share[t]
        newest_amount = capacity * newest_share[t]
        before = 0.0
        newest_total = 0.0
        reached = c_new  # the newest-first pass reaches the cohorts from here up, and sets their pool first
        for c in range(c_new - 1, lo - 1, -1):
            if before >= newest_amount:
                break
            pool[c] = decidable_pool(open_cases, declined, legal_by_cohort, c, decidable)
            x = min(max(newest_amount - before, 0.0), pool[c])
            take[c] = 0.0 + x
            newest_total += x
            before += pool[c]
            reached = c
        spread_amount = max(capacity - newest_total, 0.0) * spread_share[t]
        waiting = 0.0
        for c in range(lo, c_new):
            if c < reached:
                pool[c] = decidable_pool(open_cases, declined, legal_by_cohort, c, decidable)
                take[c] = 0.0
            waiting += pool[c] - take[c]
        spread_total = 0.0
        if waiting > 0.0 and spread_amount > 0.0:
            drawn = min(spread_amount / waiting, 1.0)
            for c in range(lo, c_new):
                x = (pool[c] - take[c]) * drawn
                take[c] += x
                spread_total += x
        rest = max(capacity - newest_total - spread_total, 0.0)
        # then, cohort by cohort: oldest first with what is left, the decisions, and (6.) deadlines passing this
        # month, counted once
        before = 0.0
        oldest_open = True
        width = legal_regular.shape[3]
        decided_now = decisions_total[t]  # summed here in the same order, kept out of memory
        pending_now = pending_total[t]
        for c in range(lo, c_new + 1):
            if c < c_new:
                if oldest_open and before >= rest:
                    oldest_open = False
                if oldest_open:
                    x = min(max(rest - before, 0.0), pool[c] - take[c])
                    take[c] += x
                    before += x
                if not (take[c] <= 0.0 or pool[c] <= 0.0):
                    decided_now += take[c]
                    share = min(take[c] * decidable / pool[c], 1.0)  # of all the cohort holds, frozen part too
                    open_cases[c] -= open_cases[c] * share
                    declined[c] -= declined[c] * share
                    gone_total = 0.0
                    for n in range(first_notice[c], min(last_notice[c], t) + 1):
                        for b in range(2):
                            gone = legal[c, n, b] * share
                            if gone != 0.0:
                                legal[c, n, b] -= gone
                                legal_regular[group[c], n, b, min(t - n, width - 1)] += gone
                                gone_total += gone
                    legal_by_cohort[c] -= gone_total
                    if share == 1.0:  # wholly decided: no rounding residue keeps the cohort alive
                        legal_by_cohort[c] = 0.0
                    if full:
                        decided[c, t] += take[c]
            regular_now = regular_held(open_cases, declined, legal_by_cohort, c)
            dl = deadline_by_state[state, c]
            if not overdue_counted[c] and dl < month_end:
                into = min(max(dl - t, 0.0), 1.0)
                cases_overdue[t] += regular_start[c] - (regular_start[c] - regular_now) * into
                overdue_counted[c] = True
            if full:
                pending_end[c, t] = fast_pool[c] + regular_now
            pending_now += fast_pool[c] + regular_now
        decisions_total[t] = decided_now
        pending_total[t] = pending_now
        while lo < c_new and open_cases[lo] == 0.0 and declined[lo] == 0.0 and fast_pool[lo] == 0.0 \
                and legal_by_cohort[lo] == 0.0:
            lo += 1
        while settled < c_new and lag_used[settled] >= 1.0 and overdue_counted[settled]:
            settled += 1
    lo_box[0], lo_box[1] = lo, settled


@njit(cache=True, error_model="numpy")
def finish(legal, first_notice, last_notice, group, pending_legal):
    """Noticed cases still pending at the end, by notice month and branch; leaves ``legal`` zeroed."""
    for c in range(legal.shape[0]):
        for n in range(first_notice[c], last_notice[c] + 1):
            for b in range(2):
                pending_legal[group[c], n, b] += legal[c, n, b]
                legal[c, n, b] = 0.0


@njit(cache=True, error_model="numpy")
def legal_rows(legal_regular, after_notice, within_term, within_term_time, pending_legal, notice_time, appeal_time,
               pending_beyond):
    """The noticed cases of a path as rows (``queue.legal_rows`` says what each kind is), in their order: per
    group and branch (heard first), the regular decisions (by notice month, then months to the decision), the
    answers after a notice, those within a court term, those still pending at the end (time ``pending_beyond``).
    Returns per row the notice month index, the branch, the decision time (grid months), the cases and the
    group (the notice time is the caller's: ``notice_time[month]``)."""
    groups, size, _, width = legal_regular.shape
    count = 0
    for g in range(groups):
        for n in range(size):
            for b in range(2):
                for d in range(width):
                    if legal_regular[g, n, b, d] != 0.0:
                        count += 1
                if after_notice[g, n, b] != 0.0:
                    count += 1
                if within_term[g, n, b] != 0.0:
                    count += 1
                if pending_legal[g, n, b] > 0.0:
                    count += 1
    month = np.empty(count, dtype=np.int64)
    branch = np.empty(count, dtype=np.int64)
    decided = np.empty(count)
    cases = np.empty(count)
    group = np.empty(count, dtype=np.int64)
    i = 0
    for g in range(groups):
        for b in range(2):
            for n in range(size):
                for d in range(width):
                    x = legal_regular[g, n, b, d]
                    if x != 0.0:
                        month[i], branch[i], decided[i], cases[i], group[i] = n, b, n + d + 0.5, x, g
                        i += 1
            for n in range(size):
                x = after_notice[g, n, b]
                if x != 0.0:
                    month[i], branch[i], cases[i], group[i] = n, b, x, g
                    decided[i] = (notice_time[n] + appeal_time[n]) / 2
                    i += 1
            for n in range(size):
                x = within_term[g, n, b]
                if x != 0.0:
                    month[i], branch[i], decided[i], cases[i], group[i] = n, b, within_term_time[n, b], x, g
                    i += 1
            for n in range(size):
                x = pending_legal[g, n, b]
                if x > 0.0:
                    month[i], branch[i], decided[i], cases[i], group[i] = n, b, pending_beyond, x, g
                    i += 1
    return month, branch, decided, cases, group


@njit(cache=True, error_model="numpy")
def run_path(filings, opening_open, opening_declined, lag_used0, overdue0, capacity_in, fast_share,
             newest_share, spread_share, frozen_share, judgment_time, term_end, term_month, within_term_share,
             after_notice_share, take_up, share_heard, state_of_month, deadline_by_state, notice_times_by_state,
             fast_patience, legal, full, group, decided, pending_end, decisions_total, pending_total, fast_decided,
             legal_decided, notices, cases_overdue, legal_regular, after_notice, within_term, within_term_time,
             pending_legal):
    """One path of the queue; writes into the output arrays (zeroed by the caller).

    Shapes: T months, C = n_open + T cohorts. Inputs as in ``queue.QueueInputs``; outputs as in
    ``queue.empty_outputs``. ``legal`` (C, T, 2) is zeroed scratch, left zeroed on return (a
    batch reuses it). With ``full`` False the (C, T) matrices ``decided``/``pending_end`` are not written (only
    their monthly totals). ``group`` (C,) puts each cohort in a group (e.g. its filing year) and the legal
    outputs keep the groups apart: ``legal_regular[g, n, b, d]`` holds regular decisions d months after the notice
    month; its last column also takes every later one (the Monte Carlo keeps only a few columns)."""
    size = filings.shape[0]
    n_open = opening_open.shape[0]
    fast_pool, open_cases, declined, legal_by_cohort, lag_used, overdue_counted, first_notice, last_notice, lo_box, \
        noticed_in = init_state(opening_open, opening_declined, lag_used0, overdue0, size)
    advance(0, size, n_open, filings, capacity_in, fast_share, newest_share, spread_share, frozen_share,
            judgment_time, term_end, term_month,
            within_term_share, after_notice_share, take_up, share_heard, state_of_month, deadline_by_state,
            notice_times_by_state, fast_patience, fast_pool, open_cases, declined, legal, legal_by_cohort, lag_used,
            overdue_counted, first_notice, last_notice, lo_box, noticed_in, full, group, decided, pending_end,
            decisions_total, pending_total, fast_decided, legal_decided, notices, cases_overdue, legal_regular,
            after_notice, within_term, within_term_time)
    finish(legal, first_notice, last_notice, group, pending_legal)


@njit(cache=True, error_model="numpy")
def booked_years(table):
    """Per row of ``table`` (..., Y) the years [first, last + 1) between its first and last nonzero entry (a
    case books nothing outside them; an empty row gives [0, 0)). Skipping the years outside adds nothing but
    ``cases * 0.0``: the same sums for finite case counts (a NaN count no longer spreads to those years)."""
    rows = 1
    for extent in table.shape[:-1]:
        rows *= extent
    flat = table.reshape(rows, table.shape[-1])
    out = np.zeros((flat.shape[0], 2), dtype=np.int64)
    for i in range(flat.shape[0]):
        first, last = -1, -1
        for y in range(flat.shape[1]):
            if flat[i, y] != 0.0:
                if first < 0:
                    first = y
                last = y
        if first >= 0:
            out[i, 0], out[i, 1] = first, last + 1
    return out.reshape(table.shape[:-1] + (2,))


@njit(cache=True, parallel=True, error_model="numpy")
def run_batch(filings, open0, declined0, lag_used0, overdue0, capacity, fast_share, newest_share, spread_share,
              frozen_share, take_up,
              share_heard, after_notice_share, table_of_path, judgment_time, term_end, term_month,
              within_term_share, state_of_month, deadline_by_state, notice_times_by_state, fast_patience,
              workers, shared_months, per_case_regular, per_case_after, per_case_within, per_case_pending,
              decisions, fast_decided, pending, penalties):
    """Many paths of one track's queue side by side, each reduced to what the Monte Carlo reports.

    Per path p (inputs (P, ...)): filings, opening legal states ``open0``/``declined0`` (P, n_open), capacity and
    take-up (P, T); ``table_of_path[p]`` picks the court timeline (K, T[, 2]) and the per-case bookings
    (EUR by year) of the path's time to judgment: ``per_case_regular`` (K, T, 2, S, Y) for a noticed case
    decided by regular work d < S months after its notice (later: it books as if still pending),
    ``per_case_after``/``per_case_within``/``per_case_pending`` (K, T, 2, Y) for one answered after its notice,
    within its court term, or still pending at the end. The first ``shared_months`` months are the same on
    every path (the caller checked every input): they run once and every path goes on from there.
    Writes decisions, fast_decided, pending (P, T) and penalties (P, Y); ``workers`` threads take a share of
    the paths each, in order of their table node, and book up to ``BOOK_LANES`` paths of one node together
    (``book_lanes``; the result depends on none of this)."""
    paths, size = filings.shape
    n_open = open0.shape[1]
    cohorts = n_open + size
    width = per_case_regular.shape[3] + 1  # regular decisions up to S - 1 months after the notice, then later
    t0 = shared_months
    k0 = table_of_path[0]
    unused = np.zeros((1, 1))
    one_group = np.zeros(cohorts, dtype=np.int64)  # the batch keeps no groups apart
    regular_years = booked_years(per_case_regular)
    other_years = booked_years(np.abs(per_case_after) + np.abs(per_case_within) + np.abs(per_case_pending))
    by_node = np.argsort(table_of_path, kind="mergesort")  # paths of one table node in turn: its tables stay in cache
    # the shared months, once
    s_fast_pool, s_open, s_declined, s_by_cohort, s_lag, s_overdue, s_first, s_last, s_lo, s_noticed = init_state(
        open0[0], declined0[0], lag_used0, overdue0, size)
    s_legal = np.zeros((cohorts, size, 2))
    s_decisions, s_pending, s_fast = np.zeros(size), np.zeros(size), np.zeros(size)
    s_legal_decided, s_notices, s_overdue_cases = np.zeros(size), np.zeros(size), np.zeros(size)
    s_regular = np.zeros((1, size, 2, width))
    s_after, s_within, s_within_time = np.zeros((1, size, 2)), np.zeros((1, size, 2)), np.zeros((size, 2))
    advance(0, t0, n_open, filings[0], capacity[0], fast_share, newest_share, spread_share, frozen_share,
            judgment_time[k0], term_end[k0],
            term_month[k0], within_term_share[k0], after_notice_share, take_up[0], share_heard, state_of_month,
            deadline_by_state, notice_times_by_state, fast_patience, s_fast_pool, s_open, s_declined, s_legal,
            s_by_cohort, s_lag, s_overdue, s_first, s_last, s_lo, s_noticed, False, one_group, unused, unused, s_decisions,
            s_pending, s_fast, s_legal_decided, s_notices, s_overdue_cases, s_regular, s_after, s_within, s_within_time)
    for worker in prange(workers):
        legal = np.zeros((cohorts, size, 2))  # scratch, reused path after path (left zeroed by finish)
        legal_decided = np.zeros(size)
        notices = np.zeros(size)
        cases_overdue = np.zeros(size)
        within_term_time = np.zeros((size, 2))
        # the legal outcomes of up to BOOK_LANES paths of one table node, booked together (lane by lane)
        regular_lanes = np.zeros((BOOK_LANES, size, 2, width))
        after_lanes, within_lanes = np.zeros((BOOK_LANES, size, 2)), np.zeros((BOOK_LANES, size, 2))
        pending_lanes = np.zeros((BOOK_LANES, size, 2))
        lane_path = np.zeros(BOOK_LANES, dtype=np.int64)
        lanes, lane_node = 0, -1
        fast_pool, open_cases, declined = np.zeros(cohorts), np.zeros(cohorts), np.zeros(cohorts)
        by_cohort, lag_used = np.zeros(cohorts), np.zeros(cohorts)
        overdue_counted = np.zeros(cohorts, dtype=np.bool_)
        first_notice, last_notice = np.zeros(cohorts, dtype=np.int64), np.zeros(cohorts, dtype=np.int64)
        lo_box = np.zeros(2, dtype=np.int64)
        noticed_in = np.zeros((size, cohorts + 1), dtype=np.int64)
        for i in range(worker * paths // workers, (worker + 1) * paths // workers):
            p = by_node[i]
            k = table_of_path[p]
            if lanes == BOOK_LANES or (lanes > 0 and k != lane_node):
                book_lanes(lane_node, lanes, lane_path, regular_lanes, after_lanes, within_lanes, pending_lanes,
                           regular_years, other_years, per_case_regular, per_case_after, per_case_within,
                           per_case_pending, penalties)
                lanes = 0
            legal_regular = regular_lanes[lanes:lanes + 1]
            after_notice, within_term = after_lanes[lanes:lanes + 1], within_lanes[lanes:lanes + 1]
            pending_legal = pending_lanes[lanes:lanes + 1]
            lane_path[lanes], lane_node = p, k
            lanes += 1
            fast_pool[:] = s_fast_pool
            open_cases[:] = s_open
            declined[:] = s_declined
            by_cohort[:] = s_by_cohort
            lag_used[:] = s_lag
            overdue_counted[:] = s_overdue
            first_notice[:] = s_first
            last_notice[:] = s_last
            lo_box[0], lo_box[1] = s_lo[0], s_lo[1]
            for n in range(size):
                for j in range(s_noticed[n, 0] + 1):
                    noticed_in[n, j] = s_noticed[n, j]
            for c in range(cohorts):
                for n in range(s_first[c], s_last[c] + 1):
                    legal[c, n, 0] = s_legal[c, n, 0]
                    legal[c, n, 1] = s_legal[c, n, 1]
            legal_decided[:] = s_legal_decided
            notices[:] = s_notices
            cases_overdue[:] = s_overdue_cases
            legal_regular[:] = s_regular
            after_notice[:] = s_after
            within_term[:] = s_within
            within_term_time[:] = s_within_time
            pending_legal[:] = 0.0
            for t in range(size):
                decisions[p, t] = s_decisions[t]
                pending[p, t] = s_pending[t]
                fast_decided[p, t] = s_fast[t]
            advance(t0, size, n_open, filings[p], capacity[p], fast_share, newest_share, spread_share, frozen_share,
                    judgment_time[k], term_end[k], term_month[k], within_term_share[k], after_notice_share, take_up[p],
                    share_heard, state_of_month, deadline_by_state, notice_times_by_state, fast_patience, fast_pool,
                    open_cases, declined, legal, by_cohort, lag_used, overdue_counted, first_notice, last_notice,
                    lo_box, noticed_in, False, one_group, unused, unused, decisions[p], pending[p], fast_decided[p],
                    legal_decided, notices, cases_overdue, legal_regular, after_notice, within_term, within_term_time)
            finish(legal, first_notice, last_notice, one_group, pending_legal)
        if lanes > 0:
            book_lanes(lane_node, lanes, lane_path, regular_lanes, after_lanes, within_lanes, pending_lanes,
                       regular_years, other_years, per_case_regular, per_case_after, per_case_within,
                       per_case_pending, penalties)


@njit(cache=True, error_model="numpy")
def book_lanes(k, lanes, lane_path, regular, after, within, pending, regular_years, other_years, per_case_regular,
               per_case_after, per_case_within, per_case_pending, penalties):
    """Adds to ``penalties`` (P, Y) the bookings of the paths ``lane_path[:lanes]`` (all of table node k), lane
    j holding its legal outcomes in ``regular[j]`` ... ``pending[j]`` (see ``run_batch``). Every path's sum
    runs in the same order as one path alone: by notice month and branch, the regular decisions by months to
    the decision, then those answered, ordered, decided late or still pending. The lanes side by side keep the
    additions of one path apart from another's."""
    size, width = regular.shape[1], regular.shape[3]
    years = penalties.shape[1]
    total = np.empty((years, lanes))
    for y in range(years):
        for j in range(lanes):
            total[y, j] = penalties[lane_path[j], y]
    for n in range(size):
        for b in range(2):
            for d in range(width - 1):
                for y in range(regular_years[k, n, b, d, 0], regular_years[k, n, b, d, 1]):
                    rate = per_case_regular[k, n, b, d, y]
                    for j in range(lanes):
                        cases = regular[j, n, b, d]
                        if cases != 0.0:
                            total[y, j] += cases * rate
            for y in range(other_years[k, n, b, 0], other_years[k, n, b, 1]):
                for j in range(lanes):
                    total[y, j] += (after[j, n, b] * per_case_after[k, n, b, y]
                                    + within[j, n, b] * per_case_within[k, n, b, y]
                                    + (max(pending[j, n, b], 0.0) + regular[j, n, b, width - 1])
                                    * per_case_pending[k, n, b, y])
    for y in range(years):
        for j in range(lanes):
            penalties[lane_path[j], y] = total[y, j]


def blas_on_one_thread():
    """A context in which numpy's BLAS (the small matmuls of the chain) runs on one thread. After each call its idle
    threads spin for a while and take the cores from the parallel kernels that follow: between the chain's
    matmuls the Monte Carlo's batch kernel ran about 1.5x slower (docs/benchmarks.md)."""
    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=1, user_api="blas")


def threads() -> int:
    """Threads the batch kernel may use (numba's setting; NUMBA_NUM_THREADS limits it)."""
    return numba.get_num_threads() if AVAILABLE else 1
