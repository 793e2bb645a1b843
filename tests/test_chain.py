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
@given(capacity=st.floats(0, 8000), inflow=st.floats(0, 200000), newest=st.floats(0, 1), per_grant=st.floats(0, 4),
       fast=st.floats(0, 1), norm=st.floats(0.5, 1), realisation=st.floats(0, 1))
def test_identities_hold_for_random_inputs(default_set, grid, capacity, inflow, newest, per_grant, fast, norm,
                                          realisation):
    aset = override(default_set,
                    ("ind.capacity.asylum", "all", "2024-07-01", "", capacity, "cases/month"),
                    ("inflow.total_annual", "all", "2025-01-01", "", inflow, "persons/year"),
                    ("ind.newest_first_share.asylum", "all", "", "", newest, "share"),
                    ("ind.nareis.applications_per_grant", "all", "2024-01-01", "", per_grant, "ratio"),
                    ("ind.fast_lane_share.asylum", "all", "2024-07-01", "", fast, "share"),
                    ("coa.occupancy_norm", "all", "", "", norm, "share"),
                    ("housing.realisation_rate", "all", "2025-01-01", "", realisation, "share"))
    chain = run_chain(aset, "medio", grid)
    assert_identities(chain)
    for account in chain.stocks.values():
        assert (account.closing >= -1e-6).all(), account.name


def test_a_stock_that_would_go_negative_is_refused():
    with pytest.raises(MppError, match="stock x would become negative in month 2"):
        StockAccount("x", "persons", 10.0, {"in": np.array([0.0, 0.0])}, {"out": np.array([5.0, 10.0])}).close()


def test_ukraine_350_a_week_reaches_135340_on_1_july_2025(default_set):
    """Kamerbrief 2 Dec 2024: 350 a week (median) gives about 135,340 on 1 Jul 2025. By hand: 123,240 on
    1 Nov 2024 + 350/7 a day x 242 days (1 Nov 2024 - 1 Jul 2025) = 123,240 + 12,100 = 135,340."""
    from mpp_xl.chain import ukraine_account
    from mpp_xl.timegrid import TimeGrid
    aset = override(default_set, ("ukraine.stock_anchor", "all", "2024-11-01", "2024-11-01", 123240, "persons"),
                    ("ukraine.net_inflow_per_week", "all", "2024-11-01", "", 350, "persons/week"))
    account = ukraine_account(aset, "medio", TimeGrid.from_text("2024-11", "2025-06"))
    assert account.closing[-1] == pytest.approx(135340, abs=1e-6)


def test_spreidingswet_shortfall_is_need_above_its_dated_capacity(default_run, grid):
    """96,000 places, lowered to 88,000 (Kamerbrief 5 Feb 2026): read per month, so from February 2026."""
    m = default_run.chain("max").metrics
    capacity = np.where(grid.months < np.datetime64("2026-02"), 96000, 88000)
    assert np.array_equal(m["coa.spreidingswet_capacity"], capacity)
    assert np.allclose(m["coa.spreidingswet_shortfall"], np.maximum(m["coa.capacity_need"] - capacity, 0))


def test_a_start_the_opening_stocks_do_not_describe_is_refused(default_set):
    from mpp_xl.errors import MppError
    from mpp_xl.timegrid import TimeGrid
    with pytest.raises(MppError, match="ind.opening_stock.asylum describes the start month 2022-01, not 2024-01"):
        run_chain(default_set, "medio", TimeGrid.from_text("2024-01", "2026-12"))


def test_an_annual_total_that_changes_within_a_year_is_refused(default_set, grid):
    from mpp_xl.errors import MppError
    aset = override(default_set, ("inflow.total_annual", "medio", "2026-07-01", "", 50000, "persons/year"))
    with pytest.raises(MppError, match="inflow.total_annual for medio changes within 2026"):
        run_chain(aset, "medio", grid)


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
def test_drain_by_hand(engine, monkeypatch):
    """A stock drained over its stay (10 over 2 months: 5, then (5 + 6) leaves 5 / 2 = 2.5) and one drained
    down to a target (14 available above 5: 9 leave, then 5 above 1: 4 leave)."""
    from mpp_xl.stocks import drain
    monkeypatch.setenv("MPP_XL_ENGINE", engine)
    out, closing = drain(10.0, np.array([0.0, 6.0]), stay=np.array([2.0, 2.0]))
    assert out.tolist() == [5.0, 2.5] and closing.tolist() == [5.0, 8.5]
    out, closing = drain(4.0, np.array([10.0, 0.0]), target=np.array([5.0, 1.0]))
    assert out.tolist() == [9.0, 4.0] and closing.tolist() == [5.0, 1.0]
    out, _ = drain(np.array([10.0, 20.0]), np.zeros((2, 1)), stay=0.5)  # paths; a stay below a month counts as one
    assert out.tolist() == [[10.0], [20.0]]
