"""The COA month-by-month loops (paths x months): the rejected and in-procedure groups, the permit holders
waiting for a home, and the running stock of an account. One source each: compiled with numba, one path per
thread for many paths and serially for a few (a parallel launch costs more than a short loop), and the same
source run by the interpreter as the reference (``MPP_XL_ENGINE=numpy``; ``kernel(name, paths, engine)``)."""

from __future__ import annotations

import math

import numpy as np

from .queue_kernel import AVAILABLE, default_engine, njit, plain, prange

PARALLEL_FROM_PATHS = 32  # below this many paths a loop runs serially (measured: bench recalc)


@njit(cache=True, parallel=True, error_model="numpy")
def procedure_and_rejected(repeat_in_coa, from_rejected_share, registered, seekers_share, decided_share,
                           grant_share, stay_rejected, departure_rate, in_procedure0, rejected0,
                           from_rejected, from_outside, decided_in_coa, left_at_once, departed):
    """In procedure and rejected residents (persons; inputs and outputs (P, T), openings (P,))."""
    paths, size = registered.shape
    for p in prange(paths):
        in_procedure = in_procedure0[p]
        rejected = rejected0[p]
        for t in range(size):
            moved = min(repeat_in_coa[p, t] * from_rejected_share[p, t], rejected)
            from_rejected[p, t] = moved
            from_outside[p, t] = repeat_in_coa[p, t] - moved
            available = in_procedure + registered[p, t] * seekers_share[p, t] + repeat_in_coa[p, t]
            decided = available * decided_share[p, t]
            decided_in_coa[p, t] = decided
            in_procedure = available - decided
            coa_rejections = decided * (1.0 - grant_share[p, t])
            leaving = coa_rejections * (1.0 - stay_rejected[p, t])
            left_at_once[p, t] = leaving
            staying = rejected - moved + coa_rejections - leaving
            gone = staying * departure_rate[p, t]
            departed[p, t] = gone
            rejected = staying - gone


@njit(cache=True, parallel=True, error_model="numpy")
def permit_holders(published, target_month, period, window, realisation, backlog_share, gap, short_share, coa_share,
                   coa_grants, resettled, nareis_arrivals, stock0, housed, with_sponsor, short_stay, entered):
    """Permit holders waiting in COA (see ``chain._statushouders``): ``published`` (T,) the target per month
    (NaN where none), ``target_month`` (T,) True where a target period starts, ``period`` its length and
    ``window`` the months of housing outflow the mean wait reads (whole months); the rest (P, T); ``stock0`` (P,)."""
    paths, size = coa_grants.shape
    for p in prange(paths):
        stock = stock0[p]
        target = 0.0
        have_target = False
        for t in range(size):
            if math.isnan(published[t]) and (not have_target or target_month[t]):
                if t > 0:
                    first = max(0, t - period)
                    total = 0.0
                    for s in range(first, t):
                        total += entered[p, s]
                    expected = total / (t - first) * period
                else:
                    expected = (coa_grants[p, t] + resettled[p, t]) * period
                target = (expected + backlog_share[p, t] * stock) / period
                have_target = True
            wanted = published[t] if not math.isnan(published[t]) else target
            planned = max(realisation[p, t] * wanted, 0.0)
            outflow = planned
            if t > 0:
                first = max(0, t - window)
                total = 0.0
                for s in range(first, t):
                    total += housed[p, s]
                recent = total / (t - first)
                if recent > 0:
                    outflow = recent
            mean_wait = stock / outflow if outflow > 0 else np.inf
            still_waiting = math.exp(-gap[p, t] / mean_wait) if mean_wait > 0 else 0.0
            joining = nareis_arrivals[p, t] * still_waiting * coa_share[p, t]
            with_sponsor[p, t] = joining
            short_stay[p, t] = (nareis_arrivals[p, t] - joining) * short_share[p, t]
            came = coa_grants[p, t] + resettled[p, t] + joining
            entered[p, t] = came
            available = stock + came
            out = min(planned, available)
            housed[p, t] = out
            stock = available - out


@njit(cache=True, error_model="numpy")
def running_stock(net, initial, opening, closing):
    """opening/closing (P, T) of a stock from its initial value (P,) and net flow (P, T), month by month."""
    paths, size = net.shape
    for p in range(paths):  # serial: a parallel launch costs more than this loop
        stock = initial[p]
        for t in range(size):
            opening[p, t] = stock
            stock = stock + net[p, t]
            closing[p, t] = stock


@njit(cache=True, error_model="numpy")
def first_year_in_group(entering, by_decision, arriving, leaving, initial, n_open, months, recent):
    """Residents of one COA group who arrived less than ``months`` earlier, mean of the month's start and end
    (persons; see ``budget.first_year_residents``). ``entering`` (T,) enter from IND decisions, spread over the
    filing cohorts by ``by_decision`` (C, T), opening cohorts first (``n_open``); ``arriving`` (T,) enter the
    month they arrive; ``leaving`` (T,) leave in proportion to the stock; ``initial`` arrived long before."""
    n_filing, size = by_decision.shape
    cohorts = np.zeros(n_filing + size)  # IND filing cohorts, then arrival months of direct entries
    old = initial
    for t in range(size):
        for c in range(n_filing):
            cohorts[c] += entering[t] * by_decision[c, t]
        cohorts[n_filing + t] += arriving[t]
        available = old + cohorts.sum()
        keep = 1.0 - (leaving[t] / available if available > 0 else 0.0)
        young = 0.0
        for c in range(max(0, t + n_open - months + 1), n_filing):  # filed less than ``months`` ago
            young += cohorts[c]
        for s in range(max(0, t - months + 1), t + 1):  # arrived less than ``months`` ago
            young += cohorts[n_filing + s]
        for c in range(cohorts.size):
            cohorts[c] *= keep
        old *= keep
        recent[t] = young * (1.0 + keep) / 2.0  # everyone leaves in proportion: the end of the month keeps ``keep``


@njit(cache=True, error_model="numpy")
def drain_stock(by_stay, inflow, stay, target, initial, out, closing):
    """A stock run month by month (persons; (P, T), ``initial`` (P,)): the outflow is the opening stock over
    its stay in months (``by_stay``) or what is available above ``target``, capped by what is there."""
    paths, size = inflow.shape
    for p in range(paths):
        stock = initial[p]
        for t in range(size):
            available = stock + inflow[p, t]
            wanted = stock / stay[p, t] if by_stay else available - target[p, t]
            x = min(max(wanted, 0.0), available)
            out[p, t] = x
            stock = available - x
            closing[p, t] = stock


_SERIAL = {}


def kernel(name: str, paths: int, engine: str | None = None):
    """The loop ``name`` for ``paths`` paths: compiled (parallel over paths, or serial for a few) or plain;
    ``engine`` by default ``default_engine()``."""
    func = globals()[name]
    if (engine or default_engine()) != "compiled" or not AVAILABLE:
        return plain(func)
    if paths >= PARALLEL_FROM_PATHS or not func.targetoptions.get("parallel"):
        return func
    if name not in _SERIAL:
        _SERIAL[name] = njit(cache=True, error_model="numpy")(func.py_func)  # prange runs as range when serial
    return _SERIAL[name]


def over_paths(name: str, shape, series, openings, outputs: int, before=()):
    """Run the loop ``name`` over paths with the engine of ``default_engine``: ``before`` as given, ``series``
    broadcast to (paths, T), ``openings`` to (paths,); returns ``outputs`` arrays shaped like ``shape``
    ((..., T): leading axes are paths)."""
    flat = (int(np.prod(shape[:-1])), shape[-1])
    loop = kernel(name, flat[0])
    as_paths = lambda x: np.ascontiguousarray(np.broadcast_to(x, shape).reshape(flat), dtype=float)  # noqa: E731
    starts = [np.ascontiguousarray(np.broadcast_to(x, shape[:-1]).reshape(flat[0]), dtype=float) for x in openings]
    out = [np.zeros(flat) for _ in range(outputs)]
    loop(*before, *(as_paths(x) for x in series), *starts, *out)
    return [o.reshape(shape) for o in out]
