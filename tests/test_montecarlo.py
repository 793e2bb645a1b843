"""The Monte Carlo over assumptions: the zero-shock path is the deterministic run, the compiled batch equals
the numpy reference, draws are seeded, bands are ordered, a degenerate distribution has no spread, history
never moves, and the tornado's ends equal deterministic runs with the assumption moved by hand."""

import subprocess
import sys

import numpy as np
import pytest

from conftest import override
from mpp_xl import montecarlo as mc
from mpp_xl.errors import MppError
from mpp_xl.model import run_model
from mpp_xl.simulation import PERCENTILE_COLUMNS, bands_frame, simulate, tornado_frame
from mpp_xl.variants import NAMED_VARIANTS, default_variants

WINDOW = (2024, 2027)


@pytest.fixture(scope="module")
def variants(default_set):
    available = default_variants(default_set.registry)
    return {name: available[name] for name in NAMED_VARIANTS}


@pytest.fixture(scope="module")
def prepared(default_set, variants, grid):
    return mc.prepare(default_set, variants, "medio", grid, mc.default_spec(default_set))


def _close(a, b, rtol=1e-9):
    scale = max(float(np.nanmax(np.abs(b))), 1.0)
    assert np.nanmax(np.abs(np.asarray(a) - np.asarray(b))) <= rtol * scale


def test_zero_shock_path_is_the_deterministic_run(prepared, default_run, variants):
    batch = mc.run_paths(prepared, np.zeros((2, len(prepared.groups))))
    for name in variants:
        chain = default_run.chains[("medio", name)]
        for metric in mc.BAND_METRICS:
            for path in range(2):
                _close(batch.metrics[name][metric][path], chain.metrics[metric])
        yearly = default_run.yearly_penalties[("medio", name, "total")]["amount_eur"]
        _close(batch.penalties[name][0], yearly)


def test_compiled_batch_equals_the_numpy_reference(prepared, monkeypatch):
    """Every compiled stage (queues, COA loops, stocks) against the numpy path, path by path."""
    z = mc.draws(prepared.spec, 4, seed=7) * 1.5  # wide draws: every stage moves
    compiled = mc.run_paths(prepared, z, "compiled")
    monkeypatch.setenv("MPP_XL_ENGINE", "numpy")
    reference = mc.run_paths(prepared, z, "numpy")
    for name in compiled.metrics:
        for metric in mc.BAND_METRICS:
            _close(compiled.metrics[name][metric], reference.metrics[name][metric])
        _close(compiled.penalties[name], reference.penalties[name])
    spread = compiled.metrics["base"]["coa.capacity_need"].std(axis=0).max()
    assert spread > 100  # the draws did move the chain (else the equality above would be empty)


def test_paths_run_with_blas_on_one_thread_and_the_same_numbers(prepared, monkeypatch):
    """BLAS threads spin after a matmul and slow the parallel kernels that follow: the chain's matmuls of a batch
    run on one BLAS thread, and the limit ends with the batch."""
    from threadpoolctl import threadpool_info, threadpool_limits
    if not any(pool["user_api"] == "blas" for pool in threadpool_info()):
        pytest.skip("no BLAS that threadpoolctl controls (the limit then does nothing)")
    seen = []
    sponsor_grants = mc.sponsor_grants

    def spy(*args):
        seen.extend(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")
        return sponsor_grants(*args)

    monkeypatch.setattr(mc, "sponsor_grants", spy)
    z = mc.draws(prepared.spec, 3, seed=11)
    with threadpool_limits(limits=2, user_api="blas"):
        limited = mc.run_paths(prepared, z)
        after = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert seen and set(seen) == {1}
    assert not after or set(after) == {2}  # the caller's setting is back
    monkeypatch.setattr(mc.queue_kernel, "blas_on_one_thread", lambda: threadpool_limits(limits=2, user_api="blas"))
    free = mc.run_paths(prepared, z)
    for name in limited.metrics:
        for metric in mc.BAND_METRICS:
            assert np.array_equal(limited.metrics[name][metric], free.metrics[name][metric])
        assert np.array_equal(limited.penalties[name], free.penalties[name])


def test_a_batch_gives_each_path_what_it_gives_that_path_alone(prepared, monkeypatch):
    """The batch kernel books several paths of one table node side by side and shares the first months: each
    path's results must be the bytes it gets alone (no lane, worker or node order leaks into another path)."""
    from mpp_xl import queue_kernel
    calls = []
    run_batch = queue_kernel.run_batch

    def capture(*args):
        calls.append([a.copy() if isinstance(a, np.ndarray) else a for a in args])
        return run_batch(*args)

    monkeypatch.setattr(queue_kernel, "run_batch", capture)
    z = mc.draws(prepared.spec, 90, seed=3)  # 90 paths over nine nodes: full lanes and part-filled ones
    mc.run_paths(prepared, z)
    by_path = (0, 1, 2, 5, 10, 13)  # filings, openings, capacity, take-up, the path's table node
    outputs = range(len(calls[0]) - 4, len(calls[0]))  # decisions, fast decisions, pending, penalties
    for args in calls:
        nodes = args[13]
        assert np.unique(nodes).size > 1 and np.bincount(nodes).max() > queue_kernel.BOOK_LANES
        for workers in (1, 3):
            together = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
            together[22] = workers
            for i in outputs:
                together[i][:] = 0.0
            run_batch(*together)
            for p in range(nodes.size):
                alone = [a[p:p + 1].copy() if i in by_path or i in outputs else a for i, a in enumerate(args)]
                alone[22] = 1
                for i in outputs:
                    alone[i][:] = 0.0
                run_batch(*alone)
                for i in outputs:
                    assert together[i][p].tobytes() == alone[i][0].tobytes(), (i, p, workers)


def test_history_never_moves(prepared, grid):
    """Months of realised history are the same on every path; so are the years before them."""
    batch = mc.run_paths(prepared, mc.draws(prepared.spec, 30, seed=3))
    realised = prepared.inflow["is_history"]
    assert realised.any() and not realised.all()
    for metric in mc.BAND_METRICS:
        values = batch.metrics["base"][metric]
        assert np.ptp(values[:, realised], axis=0).max() < 1e-6
        assert np.ptp(values[:, ~realised], axis=0).max() > 1.0
    years = np.unique(grid.years)
    whole_realised = np.array([realised[grid.years == y].all() for y in years])
    assert np.ptp(batch.penalties["base"][:, whole_realised], axis=0).max() < 1e-3


def test_shocks_from_a_date_change_nothing_before_it(prepared, grid):
    """Every assumption but inflow is uncertain from 2025: 2024 stays as it is. Inflow moves the second half of
    2024 (forecast months of the edition): nareis applications precede the arrivals they lead to."""
    years = np.unique(grid.years)
    for column, group in enumerate(prepared.groups):
        z = np.zeros((2, len(prepared.groups)))
        z[1, column] = 1.5
        batch = mc.run_paths(prepared, z)
        moved = np.abs(batch.penalties["base"][1] - batch.penalties["base"][0])
        before = moved[years < (2024 if group == "inflow" else 2025)]
        assert before.max() < 1e-3, group


def _small(default_set, variants, grid, seed, paths=40, spec=None, spread="mpp"):
    return simulate(default_set, variants, ("medio",), grid, WINDOW, paths, seed, spec, spread)


def test_same_seed_same_bytes_and_another_seed_differs(default_set, variants, grid):
    first = bands_frame(_small(default_set, variants, grid, 11)).to_csv(index=False)
    again = bands_frame(_small(default_set, variants, grid, 11)).to_csv(index=False)
    other = bands_frame(_small(default_set, variants, grid, 12)).to_csv(index=False)
    assert first == again
    assert first != other


def test_percentiles_are_ordered_everywhere(default_set, variants, grid):
    bands = bands_frame(_small(default_set, variants, grid, 5, paths=60))
    values = bands[list(PERCENTILE_COLUMNS)].to_numpy()
    assert (np.diff(values, axis=1) >= 0).all()
    assert set(bands.metric) >= {*mc.BAND_METRICS, "penalty.amount_eur", "penalty.window_total_eur",
                                 "penalty.delta_vs_base_window_eur"}
    wide = bands[(bands.metric == "coa.capacity_need") & (bands.date == "2026-12-31") & (bands.variant == "base")]
    assert float(wide.p95.iloc[0] - wide.p05.iloc[0]) > 1000  # a real band, not a line


def test_degenerate_distribution_has_no_spread(default_set, variants, grid, default_run):
    text = ("name,parameter,from,distribution,low,high,group\n"
            "capacity,ind.capacity.asylum,2025-01-01,two_piece_normal,1,1,capacity\n"
            "housing,housing.realisation_rate,2025-01-01,two_piece_uniform,1,1,housing\n"
            "judgment,penalty.judgment_months,2025-01-01,two_piece_normal,1,1,judgment\n")
    spec = mc.parse_spec(text, "flat.csv", default_set)
    bands = bands_frame(_small(default_set, variants, grid, 1, paths=25, spec=spec))
    values = bands[[*PERCENTILE_COLUMNS, "mean"]].to_numpy()
    assert np.abs(values - values[:, :1]).max() <= 1e-6 * max(np.abs(values).max(), 1)
    need = bands[(bands.metric == "coa.capacity_need") & (bands.variant == "base")].p50.to_numpy()
    _close(need, default_run.chains[("medio", "base")].metrics["coa.capacity_need"])


def test_tornado_ends_equal_deterministic_runs_with_the_assumption_moved(default_set, variants, grid):
    tornado = tornado_frame(default_set, variants, "medio", grid, WINDOW)
    for target in set(tornado.target):
        swings = tornado[tornado.target == target].swing.to_numpy()
        assert (np.diff(swings) <= 0).all()  # largest first
    # IND capacity x 0.8 from 2025 by hand: the medio record (4,750 a month) times the uncertainty's low factor
    low = 0.8 * default_set.scalar("ind.capacity.asylum", "medio", np.datetime64("2025-01-01"))
    moved = override(default_set, ("ind.capacity.asylum", "medio", "2025-01-01", "", low, "cases/month"))
    by_hand = run_model(moved, grid, ["medio"], ["base", "all_undone"])
    row = tornado[(tornado.target == "coa.capacity_need.2026-01-01") & (tornado.assumption == "ind_capacity")]
    need = by_hand.chains[("medio", "base")].metrics["coa.capacity_need"][grid.month_ends == np.datetime64("2025-12-31")]
    assert float(row.value_low.iloc[0]) == pytest.approx(float(need[0]), rel=1e-9)
    row = tornado[(tornado.target == "penalty.window_total_eur") & (tornado.assumption == "ind_capacity")]
    assert float(row.value_low.iloc[0]) == pytest.approx(by_hand.window_total("medio", "base")[0], rel=1e-9)
    row = tornado[(tornado.target == "penalty.delta_all_undone_eur") & (tornado.assumption == "ind_capacity")]
    assert float(row.value_low.iloc[0]) == pytest.approx(by_hand.window_total("medio", "all_undone")[1], rel=1e-9)


def test_judgment_node_equals_a_deterministic_run(default_set, variants, grid):
    """The time to judgment x 2.0 (its 95th percentile) through the tables equals the model with it set."""
    tornado = tornado_frame(default_set, variants, "medio", grid, WINDOW)
    row = tornado[(tornado.target == "penalty.window_total_eur") & (tornado.assumption == "judgment")]
    moved = override(default_set, ("penalty.judgment_months", "all", "2025-01-01", "", 1.5 * 2.0, "months"))
    by_hand = run_model(moved, grid, ["medio"], ["base"])
    assert float(row.value_high.iloc[0]) == pytest.approx(by_hand.window_total("medio", "base")[0], rel=1e-9)


@pytest.mark.parametrize("text, expected", [
    ("name,parameter,from,distribution,low,high,group\nx,ind.capacity.asylum,2025-01-01,normal,0.9,1.1,x\n",
     "row 2, column 'distribution'"),
    ("name,parameter,from,distribution,low,high,group\nx,ind.capacty.asylum,2025-01-01,two_piece_normal,0.9,1.1,x\n",
     "row 2, column 'parameter'"),
    ("name,parameter,from,distribution,low,high,group\nx,ind.capacity.asylum,2025-01-01,two_piece_normal,1.2,1.1,x\n",
     "row 2: low (1.2) and high (1.1)"),
    ("name,parameter,from,distribution,low,high,group\nx,ind.capacity.asylum,2025-01-15,two_piece_normal,0.9,1.1,x\n",
     "first day of a month"),
    ("name,parameter,from,distribution,low,high,group\nx,ind.capacity.asylum,2025-01-01,two_piece_normal,abc,1.1,x\n",
     "column 'low': 'abc' is not a number"),
    ("name,parameter,distribution,low,high\nx,ind.capacity.asylum,two_piece_normal,0.9,1.1\n", "missing column 'from'"),
    ("name,parameter,from,distribution,low,high,group\nx,ind.capacity.asylum,2025-01-01,mpp,,,x\n", "inflow.* only"),
])
def test_bad_uncertainty_rows_name_row_and_column(default_set, text, expected):
    with pytest.raises(MppError) as caught:
        mc.parse_spec(text, "mine.csv", default_set)
    assert expected in str(caught.value) and "mine.csv" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_backtest_spread_draws_from_the_forecast_errors(default_set, variants, grid):
    sim = _small(default_set, variants, grid, 2, paths=40, spread="backtest")
    bands = bands_frame(sim)
    need = bands[(bands.metric == "coa.capacity_need") & (bands.variant == "base") & (bands.date == "2026-12-31")]
    assert float(need.p95.iloc[0]) > float(need.p05.iloc[0])
    # the medio forecast ran high on record: realised / forecast is mostly below 1, so the median path is lower
    mpp = bands_frame(_small(default_set, variants, grid, 2, paths=40))
    mpp_need = mpp[(mpp.metric == "coa.capacity_need") & (mpp.variant == "base") & (mpp.date == "2026-12-31")]
    assert float(need.p50.iloc[0]) < float(mpp_need.p50.iloc[0])


@pytest.mark.parametrize("args, expected", [
    (["--paths", "0"], "--paths 0: give a whole number from 1"),
    (["--paths", "many"], "--paths 'many': give a whole number"),
    (["--paths", "2.5"], "--paths 2.5: give a whole number"),
    (["--seed", "-1"], "--seed -1: give a whole number from 0"),
    (["--spread", "wide"], "invalid choice: 'wide'"),
])
def test_cli_refuses_bad_options_in_one_line(tmp_path, args, expected):
    done = subprocess.run([sys.executable, "-m", "mpp_xl.cli", "simulate", "--out", str(tmp_path / "o"), *args],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert expected in done.stderr and done.stderr.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_cli_simulate_writes_bands_tornado_and_charts(tmp_path):
    out = tmp_path / "sim"
    command = [sys.executable, "-m", "mpp_xl.cli", "simulate", "--paths", "30", "--seed", "4", "--scenario", "medio",
               "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    names = {p.name for p in out.iterdir()}
    assert names == {"bands.csv", "tornado.csv", "uncertainty_used.csv", "fan_chart.png", "tornado.png",
                     "provenance.json"}
    header = (out / "bands.csv").read_text().splitlines()[1]
    assert header == "scenario,variant,metric,date,p05,p10,p25,p50,p75,p90,p95,mean"
    first = (out / "bands.csv").read_bytes()
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.returncode == 0 and (out / "bands.csv").read_bytes() == first


def test_readme_uncertainty_table_is_generated_from_the_data():
    """docs/uncertainty.md's table of uncertain assumptions is the output of tools/uncertainty_table.py."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    expected = subprocess.run([sys.executable, str(root / "tools" / "uncertainty_table.py")], capture_output=True,
                              text=True, check=True).stdout.strip()
    assert expected in (root / "docs" / "uncertainty.md").read_text(encoding="utf-8")


def test_tornado_chart_shows_one_scenario(default_set, variants, grid):
    """The tornado chart has one bar pair per assumption of the chosen scenario (not every scenario's rows)."""
    import pandas as pd
    from mpp_xl import simulation
    frames = [tornado_frame(default_set, variants, s, grid, WINDOW) for s in ("min", "medio")]
    tornado = pd.concat(frames, ignore_index=True)
    bands = bands_frame(_small(default_set, variants, grid, 3, paths=10))
    drawn = []
    original = simulation._png

    legends = []

    def keep(figure, plt):
        drawn.append([len(axis.patches) for axis in figure.axes])
        legends.append([[t.get_text() for t in axis.get_legend().get_texts()] if axis.get_legend() else []
                        for axis in figure.axes])
        return original(figure, plt)

    simulation._png = keep
    try:
        simulation.chart_pngs(bands, tornado, "medio")
    finally:
        simulation._png = original
    groups = len(set(tornado.assumption))
    assert drawn[1] == [2 * groups] * len(set(tornado.target))
    for texts in legends[1]:  # every tornado panel says which bar is the low and which the high end
        assert any("laag" in t for t in texts) and any("hoog" in t for t in texts)


def test_a_variant_of_the_front_is_simulated_with_its_own_front(default_set, grid):
    """A variant that changes registration (or the nareis front) runs its own front: its zero-shock path is its
    deterministic run."""
    from mpp_xl.variants import Variant
    available = default_variants(default_set.registry)
    slow = override(default_set, ("coa.registration_wait_weeks", "all", "2025-01-01", "", 20, "weeks"),
                    label="variant slow")
    variant = Variant("slow", "slow registration", "trage registratie", slow.layers[-1][1])
    chosen = {"base": available["base"], "slow": variant}
    prep = mc.prepare(default_set, chosen, "medio", grid, mc.default_spec(default_set))
    batch = mc.run_paths(prep, np.zeros((1, len(prep.groups))))
    deterministic = run_model(default_set, grid, ["medio"], ["base", "slow"], {**available, "slow": variant})
    for name in chosen:
        for metric in mc.BAND_METRICS:
            _close(batch.metrics[name][metric][0], deterministic.chains[("medio", name)].metrics[metric])
        _close(batch.penalties[name][0], deterministic.yearly_penalties[("medio", name, "total")]["amount_eur"])
    assert not np.allclose(batch.metrics["slow"]["ind.pending.asylum"], batch.metrics["base"]["ind.pending.asylum"])


def test_two_piece_uniform_puts_low_and_high_at_the_5th_and_95th_percentile(default_set):
    rec = mc.parse_spec("name,parameter,from,distribution,low,high,group\n"
                        "u,ind.capacity.asylum,2025-01-01,two_piece_uniform,0.5,1.5,u\n", "u.csv", default_set)[0]
    factors = mc.factor(rec, np.random.default_rng(1).standard_normal(200_000))
    assert np.percentile(factors, [5, 50, 95]) == pytest.approx([0.5, 1.0, 1.5], abs=0.01)
    assert factors.min() >= 1 - 0.5 / 0.9 - 1e-9 and factors.max() <= 1 + 0.5 / 0.9 + 1e-9


def test_a_groups_draws_depend_only_on_the_seed_and_its_name(default_set):
    spec = mc.default_spec(default_set)
    fewer = tuple(r for r in spec if r.group != "grant_rate")
    full, part = mc.draws(spec, 50, 3), mc.draws(fewer, 50, 3)
    for group in mc.groups_of(fewer):
        assert np.array_equal(full[:, mc.groups_of(spec).index(group)], part[:, mc.groups_of(fewer).index(group)])


@pytest.mark.parametrize("text, expected", [
    ("name,parameter,from,distribution,low,high,group\n", "holds no uncertain assumptions"),
    ("name;parameter;from;distribution;low;high;group\nx;ind.capacity.asylum;2025-01-01;two_piece_normal;0.9;1.1;x\n",
     "separated by semicolons"),
    ("name,parameter,from,distribution,low,high,group\nx,ind.capacity.asylum,2025-01-01,two_piece_normal,0.9,1e9,x\n",
     "more than 10 times"),
    ("name,parameter,from,distribution,low,high,group\nx,inflow.first,2025-01-01,mpp,0.9,1.1,x\n",
     "leave low and high empty"),
])
def test_more_bad_uncertainty_tables(default_set, text, expected):
    with pytest.raises(MppError, match=expected):
        mc.parse_spec(text, "mine.csv", default_set)


def test_rates_per_month_are_clipped_like_shares(default_set, variants, grid):
    """A factor that would push a departure rate (share/month) above 1 is clipped: the run does not break."""
    spec = mc.parse_spec("name,parameter,from,distribution,low,high,group\n"
                         "d,coa.departure_rate.rejected,2025-01-01,two_piece_normal,0.5,10,d\n", "d.csv", default_set)
    bands = bands_frame(_small(default_set, variants, grid, 1, paths=30, spec=spec))
    assert (bands[bands.metric == "coa.capacity_need"].p05 > 0).all()
