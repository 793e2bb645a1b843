"""The asylum chain for one scenario: inflow -> IND queues -> decisions -> COA occupancy; Ukraine beside it.

All flows are persons (or cases) per month, all stocks persons (or cases) at month end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .assumptions import AssumptionSet, OPEN_START
from .catalogue import METRIC_UNITS  # noqa: F401 - re-exported: metric -> unit, in the order of projection.csv
from .errors import MppError
from .inflow import project_inflow
from .memo import ModelCaches
from .penalties import legal_of
from . import coa_kernel
from .queue import (CohortMatrix, WorkOrder, opening_by_age, require_opening,
                    run_queue)
from .stocks import StockAccount, drain
from .timegrid import WEEKS_PER_MONTH, TimeGrid

TRACKS = ("asylum", "nareis")



@dataclass
class ChainResult:
    """Everything one scenario run produces; ``metrics`` maps metric name -> (T,) array."""

    scenario: str
    grid: TimeGrid
    queues: dict[str, CohortMatrix]
    stocks: dict[str, StockAccount]
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    coa_entries: dict[str, np.ndarray] = field(default_factory=dict)
    coa_exits: dict[str, np.ndarray] = field(default_factory=dict)


def _anchor(aset: AssumptionSet, name: str, scenario: str):
    """The effective anchor record (value on its from-date) of ``name`` for ``scenario``."""
    ranked = aset.in_precedence(name, scenario)  # the same precedence as every other assumption
    chosen = ranked[-1] if ranked else None
    if chosen is None:
        raise MppError(f"assumption '{name}' is missing for scenario {scenario}")
    if chosen.start == OPEN_START:
        raise MppError(f"{chosen.origin}: {name} needs a 'from' date: the day the stock was counted")
    return chosen


def ukraine_account(aset: AssumptionSet, scenario: str, grid: TimeGrid) -> StockAccount:
    """Displaced persons from Ukraine: weekly net inflow integrated by day around a counted stock."""
    anchor = _anchor(aset, "ukraine.stock_anchor", scenario)
    first = min(grid.month_starts[0], anchor.start)
    last = max(grid.month_ends[-1] + 1, anchor.start)
    days = np.arange(first, last + 1, dtype="datetime64[D]")
    per_day = aset.at("ukraine.net_inflow_per_week", scenario, days[:-1]) / 7.0
    before = np.concatenate([[0.0], np.cumsum(per_day)])  # net inflow before the start of each day
    stock_at = anchor.value + before - before[(anchor.start - first).astype(int)]
    edges = np.concatenate([grid.month_starts, [grid.month_ends[-1] + 1]])
    at_edges = stock_at[(edges - first).astype(int)]
    if (at_edges < 0).any():
        when = edges[np.argmax(at_edges < 0)]
        raise MppError(f"ukraine.net_inflow_per_week and ukraine.stock_anchor ({anchor.origin}) imply a "
                       f"negative stock on {when}")
    account = StockAccount("ukraine.stock", "persons", at_edges[0], {"net_inflow": np.diff(at_edges)})
    return account.close()


def registration(aset: AssumptionSet, scenario: str, grid: TimeGrid, first: np.ndarray):
    """First arrivals wait in COA a few weeks before their application is registered (and filed)."""
    waiting_target = first * aset.at("coa.registration_wait_weeks", scenario, grid.month_starts) / WEEKS_PER_MONTH
    registered, _ = drain(waiting_target[..., 0], first, target=waiting_target)
    return registered, waiting_target[..., 0]


def published_stocks(aset: AssumptionSet, track: str, scenario: str, grid: TimeGrid) -> dict[int, float]:
    """Year -> the published pending stock of a track on 31 December (``history.ind.pending.<track>``), for the
    years of the grid; a record dated otherwise is refused (it would be read nowhere)."""
    name = f"history.ind.pending.{track}"

    def compute(own):
        for rec in own.in_precedence(name, scenario):
            if rec.start != rec.end or str(rec.start)[5:] != "12-31":
                raise MppError(f"{rec.origin}: {name} is a stock counted on 31 December: give from = to = "
                               f"YYYY-12-31 (not {rec.start}..{rec.end})")
        ends = np.array([f"{y}-12-31" for y in grid.calendar_years], dtype="datetime64[D]")
        values = own.at(name, scenario, ends, required=False)
        return {int(str(d)[:4]): float(v) for d, v in zip(ends, values) if not np.isnan(v)}
    return dict(aset.derived(name, scenario, f"year-end stocks {grid.start}..{grid.end}", compute))


def identity_years(published: dict[int, float], grid: TimeGrid) -> dict[int, float]:
    """Of the published year-end stocks (``published_stocks``), the years whose decisions the stock-flow identity
    sets: the stock at the start is known (the opening stock when the grid starts in January, or the year
    before's published stock)."""
    first = int(grid.years[0])
    return {y: v for y, v in published.items()
            if (y - 1 in published) or (y == first and str(grid.start)[5:7] == "01")}


def decision_capacity(aset: AssumptionSet, track: str, scenario: str, grid: TimeGrid, filings: np.ndarray,
                      opening_total) -> np.ndarray:
    """Decisions per month of a track (cases/month; arrays (..., T)).

    A calendar year whose stock is published at both ends (``history.ind.pending.<track>`` on 31 December of
    the year before, or the opening stock when the grid starts on 1 January, and on 31 December of the year)
    decides what the stock-flow identity says: start + filings - end, spread evenly over its months (a last year
    the grid covers in part: its filings scaled to the year). What happened is not an assumption, so the
    identity wins there; every other month reads the dated policy assumption ``ind.capacity.<track>`` (never a
    rule that keeps pace with the inflow)."""
    name = f"ind.capacity.{track}"
    capacity = np.broadcast_to(aset.at(name, scenario, grid.month_starts, required=False),
                               np.shape(filings)).copy()
    published = published_stocks(aset, track, scenario, grid)
    starts = {int(grid.years[0]) - 1: np.asarray(opening_total, float)} if str(grid.start)[5:7] == "01" else {}
    starts.update({y: np.asarray(v) for y, v in published.items()})
    for year, end in identity_years(published, grid).items():
        in_year = grid.years == year
        filed = filings[..., in_year].sum(axis=-1) * 12.0 / in_year.sum()
        decided = starts[year - 1] + filed - end
        if np.any(decided < 0):
            raise MppError(f"history.ind.pending.{track} {year - 1} -> {year}: the published stocks and the filings "
                           f"imply {float(np.min(decided)):,.0f} decisions in {year} (start + filings - end < 0)")
        capacity[..., in_year] = np.expand_dims(decided, -1) / 12.0
    missing = np.isnan(capacity).any(axis=tuple(range(capacity.ndim - 1))) if capacity.ndim > 1 else np.isnan(capacity)
    if missing.any():
        raise MppError(f"{name} is missing for {grid.months[np.argmax(missing)]} (scenario {scenario}) and no "
                       f"published year-end stocks (history.ind.pending.{track}) cover that year: give a dated "
                       f"{name} record")
    return capacity


def check_identity_reached(aset: AssumptionSet, queue: CohortMatrix, scenario: str, grid: TimeGrid) -> None:
    """The queue must end each identity year on its published stock: where it cannot use the capacity the
    identity gives (a moratorium, too few decidable cases), say so instead of showing another stock."""
    pending = queue.pending()
    for year, published in identity_years(published_stocks(aset, queue.track, scenario, grid), grid).items():
        in_year = np.flatnonzero(grid.years == year)
        if in_year.size < 12:
            continue
        ended = float(pending[in_year[-1]])
        if abs(ended - published) > max(0.005 * published, 50.0):
            raise MppError(f"history.ind.pending.{queue.track} {year} ({published:,.0f}) cannot be reached: the "
                           f"queue ends {year} at {ended:,.0f}, because the decisions the published stocks imply "
                           f"cannot all be made (a moratorium, or too few cases that can be decided, in {year})")


def month_shift(ahead: np.ndarray) -> np.ndarray:
    """(T, T) matrix that moves what happens in month t to month t + ``ahead[t]`` (whole months); what would land
    beyond the grid is dropped. ``flow @ month_shift(ahead)`` is the flow as it lands."""
    size = ahead.size
    lands = np.arange(size) + ahead
    inside = lands < size
    shift = np.zeros((size, size))
    shift[np.flatnonzero(inside), lands[inside]] = 1.0
    return shift


def sponsor_grants(read, decisions: np.ndarray, fast_decided: np.ndarray) -> np.ndarray:
    """Asylum grants per month (persons): regular decisions x the asylum grant rate, priority-track decisions x
    theirs. The one rule for grants, read by the nareis applications and by COA."""
    return (decisions - fast_decided) * read("ind.grant_rate.asylum") + fast_decided * read("ind.grant_rate.fast_lane")


def nareis_applications(aset: AssumptionSet, scenario: str, grid: TimeGrid, grants: np.ndarray) -> np.ndarray:
    """Nareis applications per month (persons; arrays (..., T)).

    ``history.ind.nareis.applications`` where given (realised counts, e.g. internal figures); otherwise the
    sponsors granted asylum ``ind.nareis.application_lag_months`` earlier (whole months, read at the grant
    month) times ``ind.nareis.applications_per_grant`` (family members applied for per granted sponsor).
    Applications thus always follow grants made earlier; a month whose sponsors were granted before the start
    needs a history record."""
    size = grid.size
    days = grid.month_starts
    history = aset.at("history.ind.nareis.applications", scenario, days, required=False)
    lag = np.rint(aset.at("ind.nareis.application_lag_months", scenario, days)).astype(int)
    per_grant = aset.at("ind.nareis.applications_per_grant", scenario, days)
    if (lag < 1).any():
        raise MppError("ind.nareis.application_lag_months must be at least 1: an application follows its grant")
    shift = month_shift(lag)  # grant month -> application month
    following = (grants * per_grant) @ shift
    reached = (np.ones(size) @ shift) > 0
    applications = np.where(np.isnan(history), following, history)
    gap = np.isnan(history) & ~reached
    if gap.any():
        raise MppError(f"history.ind.nareis.applications is needed for {grid.months[np.argmax(gap)]}: its sponsors "
                       f"were granted before the start of the run")
    return applications


@dataclass(frozen=True)
class Front:
    """The chain up to and including the IND queues (persons or cases per month; arrays (..., T), leading axes
    are the Monte Carlo's paths): inflow by category (``project_inflow``), registered first applications, the
    unregistered arrivals in COA at the start, and the queues per track (the Monte Carlo runs them itself)."""

    inflow: dict
    registered: np.ndarray
    not_registered_open: np.ndarray | float
    queues: dict = field(default_factory=dict)


def _arrivals(aset: AssumptionSet, scenario: str, grid: TimeGrid) -> tuple:
    """Inflow by category, the registered first applications and the unregistered in COA at the start."""
    inflow = project_inflow(aset, scenario, grid)
    return (inflow, *registration(aset, scenario, grid, inflow["first"]))


def work_order(aset: AssumptionSet, track: str, scenario: str, grid: TimeGrid, filings: np.ndarray,
               opening_total, capacity_factor=1.0) -> WorkOrder:
    """How the IND works a track's queue (arrays (..., T)): its decision capacity (cases/month, times a factor
    per path in the Monte Carlo), the priority share (asylum only), the newest-first, spread and moratorium
    shares, and the months a priority case waits before it joins the regular queue."""
    at = lambda name: aset.at(name, scenario, grid.month_starts)  # noqa: E731 - a local shorthand
    capacity = decision_capacity(aset, track, scenario, grid, filings, opening_total) * capacity_factor
    return WorkOrder(capacity, at(f"ind.fast_lane_share.{track}") if track == "asylum" else np.zeros(grid.size),
                     at(f"ind.newest_first_share.{track}"), at(f"ind.spread_share.{track}"),
                     at(f"ind.moratorium_share.{track}"),
                     whole_months(aset, "ind.fast_lane_patience_months", scenario, grid))


def run_front(aset: AssumptionSet, scenario: str, grid: TimeGrid, caches: ModelCaches | None = None,
              groups=None) -> Front:
    """Inflow by category, registration and the IND queues with their legal chain. The asylum queue runs first:
    its grants drive the nareis applications. ``caches`` (kept by the caller) reuses the arrivals, a track's
    legal inputs and a track's queue whose inputs are unchanged (the parameters they read and, for a queue,
    its applications); ``groups`` (track -> (C,) group per cohort) keeps the legal record of cohort groups
    apart (no queue cache)."""
    read = series_reader(aset, scenario, grid)
    if caches is None:
        inflow, registered, not_registered_open = _arrivals(aset, scenario, grid)
    else:  # the same for every legal variant
        inflow, registered, not_registered_open = caches.arrivals.fetch(
            (scenario, str(grid.start), str(grid.end)), aset, lambda reader: _arrivals(reader, scenario, grid))
    openings = {track: opening_by_age(aset, track, scenario, grid) for track in TRACKS}
    filings = {"asylum": registered + inflow["repeat"]}
    queues = {}

    def queue_of(track, key_extra=b""):
        opening_total = openings[track].sum()
        if caches is None:
            order = work_order(aset, track, scenario, grid, filings[track], opening_total)
        else:  # the legal variants of a scenario share the asylum queue's order of work
            order = caches.orders.fetch(
                (track, scenario, str(grid.start), str(grid.end), key_extra, float(opening_total)), aset,
                lambda reader: work_order(reader, track, scenario, grid, filings[track], opening_total))

        def compute(reader=aset):
            regime, params = legal_of(reader, track, scenario, grid, caches)
            return run_queue(track, grid, filings[track], openings[track], order, regime, params,
                             group=None if groups is None else groups[track],
                             legal_cache=None if caches is None else caches.legal_inputs)
        if groups is not None or caches is None:
            return compute()
        # the order of work and the openings were read above; the cache key holds them as arrays
        key = (track, scenario, str(grid.start), str(grid.end), key_extra,
               *(np.ascontiguousarray(x).tobytes() for x in (order.capacity, order.fast_share,
                                                             order.newest_first_share, order.spread_share,
                                                             order.frozen_share, openings[track])),
               order.fast_patience)
        return caches.queues.fetch(key, aset, compute)

    queues["asylum"] = queue_of("asylum", np.ascontiguousarray(filings["asylum"]).tobytes())
    check_identity_reached(aset, queues["asylum"], scenario, grid)
    grants = sponsor_grants(read, queues["asylum"].decisions(), queues["asylum"].fast_decided)
    filings["nareis"] = nareis_applications(aset, scenario, grid, grants)
    queues["nareis"] = queue_of("nareis", np.ascontiguousarray(filings["nareis"]).tobytes())
    check_identity_reached(aset, queues["nareis"], scenario, grid)
    return Front(inflow, registered, not_registered_open, queues)


def nareis_arrivals(read, grid: TimeGrid, inflow: dict, nareis_grants: np.ndarray) -> np.ndarray:
    """Nareis arrivals per month (persons; arrays (..., T)): realised history as published; afterwards the
    persons granted ``ind.nareis.travel_months`` earlier (whole months, read at the decision month) times
    ``ind.nareis.arrivals_per_grant``; a restriction (a measure) delays a share by whole months."""
    size = grid.size
    travel = np.rint(read("ind.nareis.travel_months")).astype(int)
    delayed = read("ind.nareis.delayed_share")
    delay = np.rint(read("ind.nareis.delay_months")).astype(int)
    travelling = nareis_grants * read("ind.nareis.arrivals_per_grant")  # by decision month
    model = (travelling * (1.0 - delayed)) @ month_shift(travel) + (travelling * delayed) @ month_shift(travel + delay)
    is_history = inflow["is_history"]
    # a month before the first arrival decided on the grid could land takes the MPP's own figure
    reached = np.arange(size) >= travel[0]
    return np.where(is_history, inflow["nareis"], np.where(reached, model, inflow["nareis"]))


@dataclass(frozen=True)
class QueueFlows:
    """What the rest of the chain reads of an IND queue (cases; arrays (..., T), leading axes are paths)."""

    opening_total: np.ndarray  # pending at the start
    filings: np.ndarray
    decisions: np.ndarray
    pending: np.ndarray
    fast_decided: np.ndarray

    @classmethod
    def of(cls, q: CohortMatrix) -> "QueueFlows":
        return cls(np.asarray(q.filed[:q.n_opening].sum()), q.filings(), q.decisions(), q.pending(), q.fast_decided)


def series_reader(aset: AssumptionSet, scenario: str, grid: TimeGrid, shocked: dict | None = None):
    """name -> its monthly series (T,); ``shocked`` replaces some by (..., T) arrays (the Monte Carlo's paths)."""
    shocked = shocked or {}
    return lambda name: shocked[name] if name in shocked else aset.at(name, scenario, grid.month_starts)


def chain_core(aset: AssumptionSet, scenario: str, grid: TimeGrid, front: Front, asylum: QueueFlows,
               nareis_decisions: np.ndarray, read) -> dict:
    """From the IND's decisions to COA: grants, nareis arrivals, the five COA groups, amv and the capacity need
    (persons or places; arrays (..., T)). ``front`` gives inflow, registered and not_registered_open; ``read``
    is a ``series_reader``. The deterministic chain and the Monte Carlo both run through here."""
    inflow = front.inflow
    grants = sponsor_grants(read, asylum.decisions, asylum.fast_decided)
    rejections = asylum.decisions - grants
    nareis_grants = nareis_decisions * read("ind.grant_rate.nareis")
    arrivals = nareis_arrivals(read, grid, inflow, nareis_grants)
    coa = coa_groups(aset, scenario, grid, front, asylum, grants, rejections, arrivals, read)
    amv_stay = read("coa.stay_months.amv")
    amv_open = _opening(aset, "coa.opening.amv", scenario, grid)
    amv_out, _ = drain(amv_open, inflow["amv"], stay=amv_stay)
    amv = StockAccount("coa.amv", "persons", amv_open, {"arrivals": inflow["amv"]}, {"left": amv_out}).close()
    occupancy = sum(coa.accounts[n].closing for n in COA_GROUPS)
    norm = read("coa.occupancy_norm")
    if (norm <= 0).any():
        raise MppError("coa.occupancy_norm must be above 0")
    return {"grants": grants, "rejections": rejections, "nareis_grants": nareis_grants,
            "nareis_arrivals": arrivals, "coa": coa, "amv": amv, "occupancy": occupancy, "norm": norm,
            "capacity_need": occupancy / norm + read("coa.capacity_buffer")}


def run_chain(aset: AssumptionSet, scenario: str, grid: TimeGrid, front=None) -> ChainResult:
    """The whole chain; ``front`` may pass in ``run_front``'s result for the same inputs."""
    read = series_reader(aset, scenario, grid)
    front = front if front is not None else run_front(aset, scenario, grid)
    inflow, queues = front.inflow, front.queues
    asylum, nareis = queues["asylum"], queues["nareis"]
    size = grid.size
    core = chain_core(aset, scenario, grid, front, QueueFlows.of(asylum), nareis.decisions(), read)
    coa, amv, occupancy, norm = core["coa"], core["amv"], core["occupancy"], core["norm"]
    grants, nareis_arrivals, capacity_need = core["grants"], core["nareis_arrivals"], core["capacity_need"]

    ukraine = ukraine_account(aset, scenario, grid)
    ind_accounts = {
        f"ind.pending.{q.track}": StockAccount(f"ind.pending.{q.track}", "cases", q.filed[:q.n_opening].sum(),
                                               {"filings": q.filings()}, {"decisions": q.decisions()}).close()
        for q in queues.values()}
    stocks = {**coa.accounts, "coa.amv": amv, "ukraine.stock": ukraine, **ind_accounts}
    holders = stocks["coa.statushouders"].closing

    # the MPP's inflow as the edition gives it; the nareis arrivals COA receives follow from the modelled grants
    total = inflow["first"] + inflow["nareis"] + inflow["repeat"] + inflow["resettlement"]
    m = {"inflow.total": total, "inflow.first": inflow["first"], "inflow.nareis": inflow["nareis"],
         "ind.arrivals.nareis": nareis_arrivals,
         "inflow.repeat": inflow["repeat"], "inflow.resettlement": inflow["resettlement"], "inflow.amv": inflow["amv"]}
    m.update({
        "ind.filings.asylum": asylum.filings(), "ind.filings.nareis": nareis.filings(),
        "ind.pending.asylum": asylum.pending(), "ind.pending.nareis": nareis.pending(),
        "ind.decisions.asylum": asylum.decisions(), "ind.decisions.nareis": nareis.decisions(),
        "ind.legal_decisions.asylum": asylum.legal_decided, "ind.legal_decisions.nareis": nareis.legal_decided,
        "ind.mean_wait_weeks.asylum": asylum.mean_wait_weeks(), "ind.mean_wait_weeks.nareis": nareis.mean_wait_weeks(),
        "ind.pending_over_6m.asylum": asylum.pending_older_than(6),
        "ind.pending_over_15m.asylum": asylum.pending_older_than(15),
        "ind.pending_over_3m.nareis": nareis.pending_older_than(3),
        "ind.grants.asylum": grants, "ind.rejections.asylum": core["rejections"],
        "ind.grants.nareis": core["nareis_grants"],
        **{name: stocks[name].closing for name in COA_GROUPS},
        "coa.occupancy": occupancy, "coa.permit_holder_share": np.divide(
            holders, occupancy, out=np.full(size, np.nan), where=occupancy > 0),
        "coa.amv": amv.closing, "coa.housed": coa.housed, "coa.capacity_need": capacity_need,
        "coa.capacity_need_amv": amv.closing / norm,
        "coa.spreidingswet_capacity": read("coa.spreidingswet_capacity"),
        "coa.spreidingswet_shortfall": np.maximum(capacity_need - read("coa.spreidingswet_capacity"), 0.0),
        "ukraine.net_inflow": ukraine.inflows["net_inflow"], "ukraine.stock": ukraine.closing,
        "ukraine.municipal_places": ukraine.closing * read("ukraine.municipal_share"),
    })
    return ChainResult(scenario, grid, queues, stocks, m, coa.entries, coa.exits)


def _opening(aset: AssumptionSet, name: str, scenario: str, grid: TimeGrid) -> float:
    """A stock at the start of the run (persons), read on the first day only."""
    require_opening(aset, name, scenario, grid)
    return float(aset.at(name, scenario, grid.month_starts[:1])[0])


COA_GROUPS = ("coa.not_registered", "coa.in_procedure", "coa.statushouders", "coa.rejected", "coa.nareis_short_stay")


@dataclass
class CoaGroups:
    """The five COA groups as stock accounts; ``entries``/``exits`` are the flows across COA's boundary
    (persons/month), every other flow moves a person from one group to another."""

    accounts: dict[str, StockAccount]
    entries: dict[str, np.ndarray]
    exits: dict[str, np.ndarray]
    housed: np.ndarray


def coa_groups(aset: AssumptionSet, scenario: str, grid: TimeGrid, front: Front, asylum: QueueFlows,
               grants: np.ndarray, rejections: np.ndarray, nareis_arrivals: np.ndarray, read) -> CoaGroups:
    """Every person in COA is in exactly one group; a decision moves a resident from ``in_procedure`` to
    ``statushouders`` (grant) or ``rejected``; a repeat application moves a rejected resident back.
    Arrays are (..., T): leading axes are the Monte Carlo's paths."""
    inflow = front.inflow
    registered = front.registered
    seekers_share = read("coa.share_in_coa.asylum_seekers")
    from_rejected_share = read("coa.repeat_share_from_rejected")
    stay_rejected = read("coa.share_in_coa.rejected")
    departure_rate = read("coa.departure_rate.rejected")
    decisions = asylum.decisions
    shape = np.broadcast_shapes(np.shape(decisions), np.shape(registered), np.shape(grants))
    opening_total = np.expand_dims(asylum.opening_total, -1)
    pending_before = np.concatenate([np.broadcast_to(opening_total, asylum.pending.shape[:-1] + (1,)),
                                     asylum.pending[..., :-1]], axis=-1)
    pool = pending_before + asylum.filings
    decided_share = np.clip(np.divide(decisions, pool, out=np.zeros(np.shape(pool)), where=pool > 1e-9), 0.0, 1.0)
    grant_share = np.divide(grants, decisions, out=np.zeros(shape), where=decisions > 0)

    # arrivals wait unregistered in COA; at registration those who stay in COA move to in_procedure
    not_registered = StockAccount("coa.not_registered", "persons", front.not_registered_open,
                                  {"arrivals": inflow["first"]},
                                  {"registered_in_coa": registered * seekers_share,
                                   "registered_elsewhere": registered * (1.0 - seekers_share)}).close()

    repeat_in_coa = inflow["repeat"] * seekers_share
    in_procedure = seekers_share[..., 0] * pending_before[..., 0] + np.zeros(shape[:-1])
    rejected = np.full(shape[:-1], _opening(aset, "coa.opening.rejected", scenario, grid))
    in_procedure_open, rejected_open = in_procedure, rejected
    from_rejected, from_outside, decided_in_coa, left_at_once, departed = coa_kernel.over_paths(
        "procedure_and_rejected", shape,
        (repeat_in_coa, from_rejected_share, registered, seekers_share, decided_share, grant_share, stay_rejected,
         departure_rate), (in_procedure, rejected), 5)
    coa_grants = decided_in_coa * grant_share
    in_procedure_acc = StockAccount(
        "coa.in_procedure", "persons", in_procedure_open,
        {"registered": registered * seekers_share, "repeat_from_rejected": from_rejected,
         "repeat_from_outside": from_outside},
        {"granted": coa_grants, "rejected": decided_in_coa - coa_grants}).close()
    rejected_acc = StockAccount("coa.rejected", "persons", rejected_open,
                                {"rejections": decided_in_coa - coa_grants},
                                {"repeat_application": from_rejected, "left_at_once": left_at_once,
                                 "departures": departed}).close()

    holders = _statushouders(aset, scenario, grid, coa_grants, grants, nareis_arrivals, inflow["resettlement"], read)
    with_sponsor, short_stay_in, housed = holders["with_sponsor"], holders["short_stay"], holders["housed"]
    statushouders = StockAccount("coa.statushouders", "persons", _opening(aset, "coa.opening.statushouders", scenario, grid),
                                 {"granted": coa_grants, "resettled": inflow["resettlement"],
                                  "nareis_with_sponsor": with_sponsor}, {"housed": housed}).close()

    nareis_stay = read("coa.stay_months.nareis")
    nareis_open = _opening(aset, "coa.opening.nareis_short_stay", scenario, grid)
    joined, _ = drain(nareis_open, short_stay_in, stay=nareis_stay)
    nareis_short = StockAccount("coa.nareis_short_stay", "persons", nareis_open, {"arrivals": short_stay_in},
                                {"joined_sponsor": joined}).close()

    entries = {"first_arrivals": inflow["first"], "repeat_from_outside": from_outside,
               "resettled": inflow["resettlement"], "nareis_with_sponsor": with_sponsor,
               "nareis_short_stay": short_stay_in}
    exits = {"registered_elsewhere": registered * (1.0 - seekers_share), "housed": housed,
             "rejected_left_at_once": left_at_once, "rejected_departed": departed, "nareis_joined_sponsor": joined}
    accounts = {a.name: a for a in (not_registered, in_procedure_acc, statushouders, rejected_acc, nareis_short)}
    return CoaGroups(accounts, entries, exits, housed)


def whole_months(aset: AssumptionSet, name: str, scenario: str, grid: TimeGrid) -> int:
    """A length in whole months that holds for the whole run (read once; a dated change is refused)."""
    values = aset.at(name, scenario, grid.month_starts)
    if (values != values[0]).any() or values[0] != int(values[0]) or values[0] < 1:
        raise MppError(f"{name} must be one whole number of months (at least 1) for the whole run, not "
                       f"{', '.join(f'{v:g}' for v in np.unique(values))}")
    return int(values[0])


def _statushouders(aset: AssumptionSet, scenario: str, grid: TimeGrid, coa_grants: np.ndarray,
                   grants: np.ndarray, nareis_arrivals: np.ndarray, resettled: np.ndarray,
                   read) -> dict[str, np.ndarray]:
    """Permit holders waiting in COA, month by month (persons/month flows).

    Housing: realisation rate x the target of the period (``housing.target_period_months``: six, a half-year)
    per month. Where a taakstelling is published the target is that figure; otherwise it follows the permit
    holders to house, as the government sets it: the permit holders who entered COA in the previous period plus
    ``housing.target_backlog_share`` of those waiting at its start (known on that date: no foresight). The mean
    housing wait reads the outflow of the last ``housing.outflow_window_months`` (twelve).
    Nareis: an arriving family member joins a sponsor still in COA with the chance that the sponsor still
    waits for a home, exp(-gap / mean housing wait), where the gap is the time from the sponsor's grant to
    the family's arrival (``coa.nareis.months_from_grant_to_arrival``) and the mean wait is the permit-holder
    stock over the housing outflow (Little's law); only sponsors who lived in COA count (the COA share of
    grants). Faster housing thus sends fewer families to COA. Of the other arrivals, ``coa.nareis.share_short_stay`` pass through COA.
    """
    period = whole_months(aset, "housing.target_period_months", scenario, grid)
    window = whole_months(aset, "housing.outflow_window_months", scenario, grid)
    published = aset.at("housing.taakstelling", scenario, grid.month_starts, required=False) / period
    realisation, backlog_share = read("housing.realisation_rate"), read("housing.target_backlog_share")
    gap, short_share = read("coa.nareis.months_from_grant_to_arrival"), read("coa.nareis.share_short_stay")
    shape = np.broadcast_shapes(np.shape(coa_grants), np.shape(nareis_arrivals), np.shape(realisation))
    coa_share = np.divide(coa_grants, grants, out=np.zeros(shape), where=grants > 0)
    stock = np.full(shape[:-1], float(_opening(aset, "coa.opening.statushouders", scenario, grid)))
    starts_period = (grid.calendar_month - 1) % period == 0
    housed, with_sponsor, short_stay, entered = coa_kernel.over_paths(
        "permit_holders", shape, (realisation, backlog_share, gap, short_share, coa_share, coa_grants, resettled,
                                  nareis_arrivals), (stock,), 4,
        before=(np.ascontiguousarray(published), starts_period, period, window))
    return {"housed": housed, "with_sponsor": with_sponsor, "short_stay": short_stay}
