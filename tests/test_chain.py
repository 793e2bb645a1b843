"""The chain: stock-flow identities, non-negativity and the published reconciliations."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from mpp_xl.assumptions import SCENARIOS
from mpp_xl.chain import METRIC_UNITS, run_chain
from mpp_xl.errors import MppError
from mpp_xl.stocks import StockAccount

from conftest import override


def month(grid, text):
    return int(np.flatnonzero(grid.months == np.datetime64(text))[0])


def assert_identities(chain):
    for account in chain.stocks.values():
        net = np.zeros(account.closing.size)
        for flow in account.inflows.values():
            net = net + flow
        for flow in account.outflows.values():
            net = net - flow
        assert np.array_equal(account.closing, account.opening + net), account.name
        assert np.array_equal(account.opening[1:], account.closing[:-1]), account.name
        assert account.opening[0] == account.initial
    for name in ("ind.pending.asylum", "ind.pending.nareis"):
        track = name.split(".")[-1]
        assert np.allclose(chain.stocks[name].closing, chain.queues[track].pending(), rtol=1e-12, atol=1e-6)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_stock_obeys_its_identity_and_stays_non_negative(default_run, scenario):
    chain = default_run.chain(scenario)
    assert_identities(chain)
    for account in chain.stocks.values():
        if account.name != "ukraine.stock":
            assert (account.closing >= -1e-9).all(), account.name
    assert set(chain.metrics) == set(METRIC_UNITS)
    assert all(np.isfinite(v).all() for v in chain.metrics.values())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(capacity=st.floats(0, 8000), inflow=st.floats(0, 200000), tail=st.floats(0, 1), rate=st.floats(0, 1),
       fast=st.floats(0, 1), norm=st.floats(0.5, 1), realisation=st.floats(0, 1))
def test_identities_hold_for_random_inputs(default_set, grid, capacity, inflow, tail, rate, fast, norm, realisation):
    aset = override(default_set,
                    ("ind.capacity.asylum", "all", "2024-07-01", "", capacity, "cases/month"),
                    ("inflow.total_annual", "all", "2025-01-01", "", inflow, "persons/year"),
                    ("ind.long_tail_share.asylum", "all", "", "", tail, "share"),
                    ("ind.long_tail_rate.asylum", "all", "", "", rate, "share/month"),
                    ("ind.fast_lane_share.asylum", "all", "", "", fast, "share"),
                    ("coa.occupancy_norm", "all", "", "", norm, "share"),
                    ("housing.realisation_rate", "all", "2025-01-01", "", realisation, "share"))
    chain = run_chain(aset, "medio", grid)
    assert_identities(chain)
    for account in chain.stocks.values():
        assert (account.closing >= -1e-6).all(), account.name


def test_a_stock_that_would_go_negative_is_refused():
    with pytest.raises(MppError, match="stock x would become negative in month 2"):
        StockAccount("x", "persons", 10.0, {"in": np.array([0.0, 0.0])}, {"out": np.array([5.0, 10.0])}).close()


def test_capacity_need_on_1_january_2026_medio(default_run, grid):
    """Kamerbrief MPP 2024-II (2 Dec 2024): COA capacity need on 1 Jan 2026 is 115,000 places (medio); +-5%."""
    need = default_run.chain("medio").metrics["coa.capacity_need"][month(grid, "2025-12")]
    assert 115000 * 0.95 <= need <= 115000 * 1.05


def test_amv_capacity_need_on_1_january_2026_medio(default_run, grid):
    """Kamerbrief MPP 2024-II: of the 115,000 places, 7,100 for amv (medio); +-10%."""
    need = default_run.chain("medio").metrics["coa.capacity_need_amv"][month(grid, "2025-12")]
    assert 7100 * 0.9 <= need <= 7100 * 1.1


def test_pending_first_asylum_stock_end_2024(default_run, grid):
    """IND jaarcijfers 2024 (upday/ANP Jan 2025): about 51,000 pending at the end of 2024; +-10%."""
    pending = default_run.chain("medio").metrics["ind.pending.asylum"][month(grid, "2024-12")]
    assert 51000 * 0.9 <= pending <= 51000 * 1.1


def test_pending_stock_end_2022_and_2023(default_run, grid):
    """IND jaarcijfers: 35,790 pending end 2022 and about 50,000 end 2023; +-10%."""
    pending = default_run.chain("medio").metrics["ind.pending.asylum"]
    assert 35790 * 0.9 <= pending[month(grid, "2022-12")] <= 35790 * 1.1
    assert 50000 * 0.9 <= pending[month(grid, "2023-12")] <= 50000 * 1.1


def test_mean_time_to_decision_2024_is_within_the_little_law_band(default_run, grid):
    """IND jaarcijfers 2024: 53 weeks. A stock of ~51,000 and ~40,000 decisions a year imply ~65 weeks
    (Little's law); the brief asks for 40-66 weeks."""
    queue = default_run.chain("medio").queues["asylum"]
    sel = grid.years == 2024
    decided = queue.decided[:, sel]
    weeks = (decided * queue.wait_months[:, sel]).sum() / decided.sum() * 365.25 / 12 / 7
    assert 40 <= weeks <= 66


def test_age_profile_against_the_april_2024_snapshot(default_run, grid):
    """IND maandcijfers April 2024: 19,060 applicants waiting 6-15 months and over 6,300 more than 15 months.
    The model counts cases, not persons, and its queue is stylised: 6-15 months within 30%, over 15 months
    at least 6,300 and at most twice that."""
    m = default_run.chain("medio").metrics
    april = month(grid, "2024-04")
    over_15 = m["ind.pending_over_15m.asylum"][april]
    between = m["ind.pending_over_6m.asylum"][april] - over_15
    assert 19060 * 0.7 <= between <= 19060 * 1.3
    assert 6300 <= over_15 <= 12600


def test_coa_occupancy_history(default_run, grid):
    """COA: about 52,000 residents end 2022 (financial report 2022) and about 63,000 in Dec 2023; +-15%."""
    occupancy = default_run.chain("medio").metrics["coa.occupancy"]
    assert 52000 * 0.85 <= occupancy[month(grid, "2022-12")] <= 52000 * 1.15
    assert 63000 * 0.85 <= occupancy[month(grid, "2023-12")] <= 63000 * 1.15


def test_ukraine_350_a_week_reaches_135340_on_1_july_2025(default_set):
    """Kamerbrief 2 Dec 2024: 350 a week (median) gives about 135,340 on 1 Jul 2025. By hand: 123,240 on
    1 Nov 2024 + 350/7 a day x 242 days (1 Nov 2024 - 1 Jul 2025) = 123,240 + 12,100 = 135,340."""
    from mpp_xl.chain import ukraine_account
    from mpp_xl.timegrid import TimeGrid
    aset = override(default_set, ("ukraine.stock_anchor", "all", "2024-11-01", "2024-11-01", 123240, "persons"),
                    ("ukraine.net_inflow_per_week", "all", "2024-11-01", "", 350, "persons/week"))
    account = ukraine_account(aset, "medio", TimeGrid.from_text("2024-11", "2025-06"))
    assert account.closing[-1] == pytest.approx(135340, abs=1e-6)


def test_ukraine_municipal_places_on_1_july_2025(default_run, grid):
    """Kamerbrief 2 Dec 2024: 109,000 municipal places needed on 1 Jul 2025; +-1%."""
    places = default_run.chain("medio").metrics["ukraine.municipal_places"][month(grid, "2025-06")]
    assert places == pytest.approx(109000, rel=0.01)


def test_spreidingswet_shortfall_is_need_above_96000(default_run):
    m = default_run.chain("max").metrics
    assert np.allclose(m["coa.spreidingswet_shortfall"], np.maximum(m["coa.capacity_need"] - 96000, 0))
