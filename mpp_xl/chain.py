"""The asylum chain for one scenario: inflow -> IND queues -> decisions -> COA occupancy; Ukraine beside it.

All flows are persons (or cases) per month, all stocks persons (or cases) at month end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .assumptions import ALL, AssumptionSet, OPEN_START
from .errors import MppError
from .inflow import project_inflow
from .queue import CohortMatrix, run_queue
from .stocks import StockAccount, drain
from .timegrid import WEEKS_PER_MONTH, TimeGrid

TRACKS = ("asylum", "nareis")

# metric -> unit; the order is the order of projection.csv
METRIC_UNITS = {
    "inflow.total": "persons/month",
    "inflow.first": "persons/month",
    "inflow.nareis": "persons/month",
    "inflow.repeat": "persons/month",
    "inflow.resettlement": "persons/month",
    "inflow.amv": "persons/month",
    "ind.filings.asylum": "cases/month",
    "ind.filings.nareis": "cases/month",
    "ind.pending.asylum": "cases",
    "ind.pending.nareis": "cases",
    "ind.decisions.asylum": "cases/month",
    "ind.decisions.nareis": "cases/month",
    "ind.mean_wait_weeks.asylum": "weeks",
    "ind.mean_wait_weeks.nareis": "weeks",
    "ind.pending_over_6m.asylum": "cases",
    "ind.pending_over_15m.asylum": "cases",
    "ind.pending_over_3m.nareis": "cases",
    "ind.grants.asylum": "persons/month",
    "ind.rejections.asylum": "persons/month",
    "ind.grants.nareis": "persons/month",
    "coa.in_procedure": "persons",
    "coa.not_registered": "persons",
    "coa.statushouders": "persons",
    "coa.rejected": "persons",
    "coa.nareis_short_stay": "persons",
    "coa.occupancy": "persons",
    "coa.amv": "persons",
    "coa.housed": "persons/month",
    "coa.capacity_need": "places",
    "coa.capacity_need_amv": "places",
    "coa.spreidingswet_capacity": "places",
    "coa.spreidingswet_shortfall": "places",
    "ukraine.net_inflow": "persons/month",
    "ukraine.stock": "persons",
    "ukraine.municipal_places": "places",
}


@dataclass
class ChainResult:
    """Everything one scenario run produces; ``metrics`` maps metric name -> (T,) array."""

    scenario: str
    grid: TimeGrid
    queues: dict[str, CohortMatrix]
    stocks: dict[str, StockAccount]
    metrics: dict[str, np.ndarray] = field(default_factory=dict)


def _anchor(aset: AssumptionSet, name: str, scenario: str):
    """The effective anchor record (value on its from-date) of ``name`` for ``scenario``."""
    chosen = None
    for _, records in aset.layers:  # the same precedence as every other assumption: later layer, then scenario
        for wanted in (ALL, scenario):
            for rec in records:
                if rec.parameter == name and rec.scenario == wanted:
                    chosen = rec
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


FRONT_PARAMETERS = ("inflow.", "history.", "ind.")  # all that the inflow and the IND queues depend on


def run_front(aset: AssumptionSet, scenario: str, grid: TimeGrid) -> tuple[dict, dict[str, CohortMatrix]]:
    """Inflow by category and the IND queues: the part of the chain that depends only on FRONT_PARAMETERS."""
    inflow = project_inflow(aset, scenario, grid)
    asylum_filings = inflow["first"] + inflow["repeat"]
    nareis_filings = inflow["nareis"] * aset.at("ind.nareis.applications_per_arrival", scenario, grid.month_starts)
    queues = {"asylum": run_queue(aset, "asylum", scenario, grid, asylum_filings),
              "nareis": run_queue(aset, "nareis", scenario, grid, nareis_filings)}
    return inflow, queues


def run_chain(aset: AssumptionSet, scenario: str, grid: TimeGrid, front=None) -> ChainResult:
    """The whole chain; ``front`` may pass in ``run_front``'s result for the same inputs."""
    days = grid.month_starts
    at = lambda name: aset.at(name, scenario, days)  # noqa: E731 - a local shorthand
    inflow, queues = front if front is not None else run_front(aset, scenario, grid)
    asylum_filings = inflow["first"] + inflow["repeat"]
    asylum, nareis = queues["asylum"], queues["nareis"]

    fast = asylum.fast_decided
    regular = asylum.decisions() - fast
    grants = regular * at("ind.grant_rate.asylum") + fast * at("ind.grant_rate.fast_lane")
    rejections = asylum.decisions() - grants
    nareis_grants = nareis.decisions() * at("ind.grant_rate.nareis")

    share_seekers = at("coa.share_in_coa.asylum_seekers")
    opening_pending = asylum.filed[:asylum.n_opening].sum()
    in_procedure = StockAccount("coa.in_procedure", "persons", share_seekers[0] * opening_pending,
                                {"applications": share_seekers * asylum_filings},
                                {"decisions": share_seekers * asylum.decisions()}).close()

    waiting_target = inflow["first"] * at("coa.registration_wait_weeks") / WEEKS_PER_MONTH
    not_registered_open = waiting_target[0]
    registered, _ = drain(not_registered_open, inflow["first"],
                          lambda t, stock, available: available - waiting_target[t])
    not_registered = StockAccount("coa.not_registered", "persons", not_registered_open,
                                  {"arrivals": inflow["first"]}, {"registered": registered}).close()

    half_year_target = at("housing.taakstelling") / 6.0 * at("housing.realisation_rate")
    holders_in = (grants * at("coa.share_in_coa.permit_holders") + inflow["resettlement"]
                  + inflow["nareis"] * at("coa.share_in_coa.nareis_awaiting_housing"))
    holders_open = at("coa.opening.statushouders")[0]
    housed, _ = drain(holders_open, holders_in, lambda t, stock, available: half_year_target[t])
    statushouders = StockAccount("coa.statushouders", "persons", holders_open,
                                 {"grants_and_resettlement": holders_in}, {"housed": housed}).close()

    rejected_in = rejections * at("coa.share_in_coa.rejected")
    departure_rate = at("coa.departure_rate.rejected")
    rejected_open = at("coa.opening.rejected")[0]
    departed, _ = drain(rejected_open, rejected_in, lambda t, stock, available: stock * departure_rate[t])
    rejected = StockAccount("coa.rejected", "persons", rejected_open, {"rejections": rejected_in},
                            {"departures": departed}).close()

    nareis_in = inflow["nareis"] * at("coa.share_via_coa.nareis")
    nareis_stay = at("coa.stay_months.nareis")
    nareis_open = at("coa.opening.nareis_short_stay")[0]
    joined, _ = drain(nareis_open, nareis_in, lambda t, stock, available: stock / max(nareis_stay[t], 1.0))
    nareis_short = StockAccount("coa.nareis_short_stay", "persons", nareis_open, {"arrivals": nareis_in},
                                {"joined_sponsor": joined}).close()

    amv_stay = at("coa.stay_months.amv")
    amv_open = at("coa.opening.amv")[0]
    amv_out, _ = drain(amv_open, inflow["amv"], lambda t, stock, available: stock / max(amv_stay[t], 1.0))
    amv = StockAccount("coa.amv", "persons", amv_open, {"arrivals": inflow["amv"]}, {"left": amv_out}).close()

    ukraine = ukraine_account(aset, scenario, grid)
    ind_accounts = {
        f"ind.pending.{q.track}": StockAccount(f"ind.pending.{q.track}", "cases", q.filed[:q.n_opening].sum(),
                                               {"filings": q.filings()}, {"decisions": q.decisions()}).close()
        for q in queues.values()}
    stocks = {s.name: s for s in (in_procedure, not_registered, statushouders, rejected, nareis_short, amv, ukraine)}
    stocks.update(ind_accounts)

    occupancy = sum(stocks[n].closing for n in ("coa.in_procedure", "coa.not_registered", "coa.statushouders",
                                                "coa.rejected", "coa.nareis_short_stay"))
    norm = at("coa.occupancy_norm")
    if (norm <= 0).any():
        raise MppError("coa.occupancy_norm must be above 0")
    capacity_need = occupancy / norm + at("coa.capacity_buffer")

    m = {f"inflow.{c}": inflow[c] for c in ("total", "first", "nareis", "repeat", "resettlement", "amv")}
    m.update({
        "ind.filings.asylum": asylum.filings(), "ind.filings.nareis": nareis.filings(),
        "ind.pending.asylum": asylum.pending(), "ind.pending.nareis": nareis.pending(),
        "ind.decisions.asylum": asylum.decisions(), "ind.decisions.nareis": nareis.decisions(),
        "ind.mean_wait_weeks.asylum": asylum.mean_wait_weeks(), "ind.mean_wait_weeks.nareis": nareis.mean_wait_weeks(),
        "ind.pending_over_6m.asylum": asylum.pending_older_than(6),
        "ind.pending_over_15m.asylum": asylum.pending_older_than(15),
        "ind.pending_over_3m.nareis": nareis.pending_older_than(3),
        "ind.grants.asylum": grants, "ind.rejections.asylum": rejections, "ind.grants.nareis": nareis_grants,
        "coa.in_procedure": in_procedure.closing, "coa.not_registered": not_registered.closing,
        "coa.statushouders": statushouders.closing, "coa.rejected": rejected.closing,
        "coa.nareis_short_stay": nareis_short.closing, "coa.occupancy": occupancy, "coa.amv": amv.closing,
        "coa.housed": housed, "coa.capacity_need": capacity_need,
        "coa.capacity_need_amv": amv.closing / norm,
        "coa.spreidingswet_capacity": at("coa.spreidingswet_capacity"),
        "coa.spreidingswet_shortfall": np.maximum(capacity_need - at("coa.spreidingswet_capacity"), 0.0),
        "ukraine.net_inflow": ukraine.inflows["net_inflow"], "ukraine.stock": ukraine.closing,
        "ukraine.municipal_places": ukraine.closing * at("ukraine.municipal_share"),
    })
    return ChainResult(scenario, grid, queues, stocks, m)
