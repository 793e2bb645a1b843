"""Budget lines for the Voorjaarsnota: euros per line, scenario, variant and year.

Every line is quantity x price, month by month, with prices as dated assumptions (``budget.*``):

- COA reception, occupied: place-days of the occupancy (mean of the month's opening and closing) x the
  price per occupied place-day, regular and emergency apart (``budget.coa.emergency_share`` of the places),
  amv apart at their own price; x the COA price index (every price record, shipped or entered, is at the price
  level of index 1, as its description in data/parameters.csv says);
- COA reception, empty: place-days of the places held above occupancy (capacity need - occupancy: the
  occupancy norm's buffer) x the price per empty place-day, regular and emergency apart; x the index;
- Ukraine municipal reception: municipal place-days x the normbedrag per day (nominal; blank where no
  normbedrag is known: a gap stays a gap);
- penalty payments and legal costs on the cash basis (the paid series of the penalty engine);
- of which ODA-attributable (not added to the total): the COA cost of residents in their first 12 months
  after arrival, counted from their cohorts of arrival (OECD-DAC 12-month rule).
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
import pandas as pd

from . import coa_kernel
from .chain import ChainResult
from .penalties import PenaltyRun
from .timegrid import TimeGrid

ODA_MONTHS = 12  # OECD-DAC: reception costs in the first 12 months after arrival count as development aid

# line -> (unit of the quantity, what it is); the order is the order of budget.csv
LINES = {
    "coa.regular.occupied": ("place-days", "COA regular reception, occupied places"),
    "coa.regular.empty": ("place-days", "COA regular reception, empty places (buffer above occupancy)"),
    "coa.emergency.occupied": ("place-days", "COA emergency reception, occupied places"),
    "coa.emergency.empty": ("place-days", "COA emergency reception, empty places (buffer above occupancy)"),
    "coa.amv.occupied": ("place-days", "COA amv reception, occupied places"),
    "coa.total": ("place-days", "COA reception in total (the five lines above)"),
    "ukraine.municipal": ("place-days", "Ukraine municipal reception (normbedrag)"),
    "ind.penalties.paid": ("EUR", "penalty payments (dwangsommen), cash basis"),
    "ind.legal_costs.paid": ("EUR", "legal costs and court fees, cash basis"),
    "total": ("EUR", "all lines (COA, Ukraine, penalties and legal costs)"),
    "coa.oda_first_year": ("place-days", "of which ODA-attributable: COA residents in their first 12 months"),
}
# what a row is, so a pivot or a sum never counts an amount twice: a line, a subtotal of lines above it, the total
# of every line, or an "of which" part of a line above it (never added to the total)
KINDS = {"coa.total": "subtotal", "total": "total", "coa.oda_first_year": "of_which"}
COLUMNS = ["scenario", "variant", "year", "line", "kind", "quantity", "unit", "price_eur", "amount_eur"]
BudgetRow = namedtuple("BudgetRow", COLUMNS)


def line_kind(line: str) -> str:
    """line, subtotal, total or of_which (see KINDS)."""
    return KINDS.get(line, "line")



def _mean_in_month(account) -> np.ndarray:
    return (account.opening + account.closing) / 2.0


def _mean_of_closings(closing: np.ndarray) -> np.ndarray:
    """Mean of each month from a series of month ends (the first month opens at its own end)."""
    return (np.concatenate([[closing[0]], closing[:-1]]) + closing) / 2.0


def _days_in_month(grid: TimeGrid) -> np.ndarray:
    return ((grid.months + 1).astype("datetime64[D]") - grid.month_starts).astype(int).astype(float)


def first_year_residents(chain: ChainResult) -> np.ndarray:
    """(T,) COA residents (persons, mean in the month) who arrived less than 12 months earlier.

    Counted per cohort of arrival: the unregistered and the nareizigers in short stay have all just arrived;
    residents in procedure are split by their filing cohort in the IND queue (filing follows arrival by a
    few weeks); permit holders and rejected residents are followed from the cohort of their decision, and
    leave their group in proportion to its stock."""
    queue = chain.queues["asylum"]
    size = chain.grid.size
    n_open = queue.n_opening
    cohort_age = np.arange(size)[None, :] - (np.arange(queue.filed.size) - n_open)[:, None]  # months since filing
    recent = cohort_age < ODA_MONTHS
    pending = queue.pending_end.sum(axis=0)
    recent_share = np.divide(np.where(recent, queue.pending_end, 0.0).sum(axis=0), pending,
                             out=np.zeros(size), where=pending > 0)
    stocks = chain.stocks
    total = (_mean_in_month(stocks["coa.not_registered"]) + _mean_in_month(stocks["coa.nareis_short_stay"])
             + _mean_in_month(stocks["coa.in_procedure"]) * recent_share)

    decided = queue.decided
    by_decision = np.divide(decided, decided.sum(axis=0), out=np.zeros_like(decided), where=decided.sum(axis=0) > 0)
    by_decision = np.ascontiguousarray(by_decision)
    loop = coa_kernel.kernel("first_year_in_group", 1)
    for name, inflow_names, arrivals_now in (("coa.statushouders", ("granted",), ("resettled", "nareis_with_sponsor")),
                                             ("coa.rejected", ("rejections",), ())):
        account = stocks[name]
        flows = lambda names: np.ascontiguousarray(  # noqa: E731 - the sum of some inflows
            sum((account.inflows[f] for f in names), np.zeros(size)))
        recent_in_group = np.zeros(size)
        leaving = np.ascontiguousarray(sum(account.outflows.values(), np.zeros(size)))
        loop(flows(inflow_names), by_decision, flows(arrivals_now), leaving, float(account.initial), n_open,
             ODA_MONTHS, recent_in_group)
        total = total + recent_in_group
    # the cohort shares are estimates per group: the first-year residents can never outnumber the residents
    residents = sum(_mean_in_month(stocks[name]) for name in ("coa.not_registered", "coa.nareis_short_stay",
                                                               "coa.in_procedure", "coa.statushouders", "coa.rejected"))
    return np.minimum(total, residents)


def budget_lines(aset, scenario: str, chain: ChainResult, penalties: PenaltyRun) -> dict[str, tuple]:
    """line -> (monthly quantity (T,), monthly amount (T,)) for one scenario and variant (EUR)."""
    grid = chain.grid
    days = _days_in_month(grid)
    at = lambda name, required=True: aset.at(name, scenario, grid.month_starts, required=required)  # noqa: E731
    stocks, metrics = chain.stocks, chain.metrics
    occupied = sum(_mean_in_month(stocks[g]) for g in
                   ("coa.not_registered", "coa.in_procedure", "coa.statushouders", "coa.rejected",
                    "coa.nareis_short_stay"))
    amv = np.minimum(_mean_in_month(stocks["coa.amv"]), occupied)
    need = metrics["coa.capacity_need"]
    need_mean = _mean_of_closings(need)
    empty = np.maximum(need_mean - occupied, 0.0)
    emergency = at("budget.coa.emergency_share")
    index = at("budget.price_index.coa")
    price = {name: at(f"budget.coa.{name}") * index for name in (  # every COA price record is at the index-1 level
        "price_per_occupied_day.regular", "price_per_occupied_day.emergency", "price_per_occupied_day.amv",
        "price_per_empty_day.regular", "price_per_empty_day.emergency")}
    lines = {}
    quantities = {
        "coa.regular.occupied": ((occupied - amv) * (1.0 - emergency) * days, price["price_per_occupied_day.regular"]),
        "coa.regular.empty": (empty * (1.0 - emergency) * days, price["price_per_empty_day.regular"]),
        "coa.emergency.occupied": ((occupied - amv) * emergency * days, price["price_per_occupied_day.emergency"]),
        "coa.emergency.empty": (empty * emergency * days, price["price_per_empty_day.emergency"]),
        "coa.amv.occupied": (amv * days, price["price_per_occupied_day.amv"]),
    }
    for line, (quantity, unit_price) in quantities.items():
        lines[line] = (quantity, quantity * unit_price)
    lines["coa.total"] = (sum(lines[k][0] for k in quantities), sum(lines[k][1] for k in quantities))
    municipal = metrics["ukraine.municipal_places"]
    municipal_mean = _mean_of_closings(municipal) * days
    lines["ukraine.municipal"] = (municipal_mean, municipal_mean * at("budget.ukraine.normbedrag_per_day", False))
    paid = {c: sum(tp.paid[c] for tp in penalties.tracks.values()) for c in
            ("court_penalty", "repeat_penalty", "admin_penalty", "costs")}
    penalties_paid = paid["court_penalty"] + paid["repeat_penalty"] + paid["admin_penalty"]
    lines["ind.penalties.paid"] = (penalties_paid, penalties_paid)
    lines["ind.legal_costs.paid"] = (paid["costs"], paid["costs"])
    lines["total"] = (np.full(grid.size, np.nan), lines["coa.total"][1] + lines["ukraine.municipal"][1]
                      + penalties_paid + paid["costs"])
    # ODA: first-year residents at the blended price of an occupied non-amv place
    first_year = first_year_residents(chain) * days
    blended = (1.0 - emergency) * price["price_per_occupied_day.regular"] + emergency * price[
        "price_per_occupied_day.emergency"]
    lines["coa.oda_first_year"] = (first_year, first_year * blended)
    return lines


def budget_rows(result, scenario: str, variant: str) -> list[BudgetRow]:
    """The budget.csv rows of one scenario and variant (``COLUMNS``): per line and year, ``kind`` says what a
    row is (line, subtotal, total, of_which: sum the rows of kind line for the total); ``price_eur`` is the
    year's mean price per unit of quantity (amount / quantity), blank for lines counted in euros;
    ``amount_eur`` is blank where no price is known for part of the year."""
    grid = result.grid
    years = grid.calendar_years
    starts = grid.year_starts
    lines = budget_lines(result.variant_set(variant), scenario, result.chain(scenario, variant),
                         result.penalties[(scenario, variant)])
    rows = []
    blank = [np.nan] * years.size
    for line, (unit, _) in LINES.items():
        quantity, amount = lines[line]
        q_year = np.add.reduceat(quantity, starts)
        a_year = np.add.reduceat(amount, starts)  # NaN where a month lacks a price
        if unit == "EUR":
            quantities = prices = blank
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                prices = np.where((q_year > 0) & np.isfinite(a_year), a_year / q_year, np.nan)
            quantities = q_year
        kind = line_kind(line)
        rows.extend(BudgetRow(scenario, variant, year, line, kind, q, unit, price, a)
                    for year, q, price, a in zip(years.tolist(), quantities, prices, a_year))
    return rows


def window_sum(amounts) -> float:
    """A budget amount summed over the years of a window (EUR): blank (NaN) when a year of it has no price."""
    values = [float(a) for a in amounts]
    return math.fsum(values) if all(math.isfinite(v) for v in values) else math.nan


def known_by_year(rows) -> dict[tuple, tuple[float, list[str]]]:
    """(scenario, variant, year) -> (the total of the lines whose price is known (EUR; NaN if none is),
    the lines left out for want of a price), from rows with the fields of ``BudgetRow``."""
    out = {}
    for row in rows:
        if row.kind != "line":
            continue
        entry = out.setdefault((row.scenario, row.variant, row.year), [np.nan, []])
        if math.isnan(row.amount_eur):
            entry[1].append(row.line)
        else:
            entry[0] = row.amount_eur if math.isnan(entry[0]) else entry[0] + row.amount_eur
    return {key: (known, missing) for key, (known, missing) in out.items()}


def known_total(frame: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, variant and year: the total of the lines whose price is known (``known_eur``) and the lines
    left out for want of a price (``missing``, e.g. 'ukraine.municipal'); equal to the line ``total`` where
    nothing is missing."""
    known = known_by_year(frame.itertuples(index=False))
    return pd.DataFrame([(*key, total, ", ".join(missing)) for key, (total, missing) in known.items()],
                        columns=["scenario", "variant", "year", "known_eur", "missing"])
