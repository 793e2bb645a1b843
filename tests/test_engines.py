"""The compiled queue loop (numba) and the numpy reference give the same results (1e-9); the batch kernel keeps
its outputs to the bit."""

import hashlib

import numpy as np
import pytest

from mpp_xl import queue_kernel
from mpp_xl.errors import MppError
from mpp_xl.model import run_model
from mpp_xl.queue import default_engine

pytestmark = pytest.mark.skipif(not queue_kernel.AVAILABLE, reason="numba is not installed")


def test_both_engines_give_the_same_run(default_set, grid, monkeypatch):
    runs, budgets = {}, {}
    for engine in ("numpy", "compiled"):
        monkeypatch.setenv("MPP_XL_ENGINE", engine)
        runs[engine] = run_model(default_set, grid)
        budgets[engine] = runs[engine].budget_frame()  # the first-year residents' loop runs here
    numpy_run, compiled = runs["numpy"], runs["compiled"]
    for column in ("quantity", "amount_eur"):
        a, b = budgets["numpy"][column].to_numpy(), budgets["compiled"][column].to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b)), column
        assert np.nanmax(np.abs(a - b) / np.maximum(np.abs(a), 1.0)) <= 1e-9, column
    for key, chain in numpy_run.chains.items():
        for name, values in chain.metrics.items():
            other = compiled.chains[key].metrics[name]
            scale = max(float(np.nanmax(np.abs(values))), 1.0)
            assert np.array_equal(np.isnan(values), np.isnan(other)), name
            assert np.nanmax(np.abs(values - other)) <= 1e-9 * scale, (key, name)
        for track, matrix in chain.queues.items():
            other = compiled.chains[key].queues[track]
            for field in ("decided", "pending_end", "notices", "cases_overdue", "legal_decided"):
                a, b = getattr(matrix, field), getattr(other, field)
                assert np.abs(a - b).max() <= 1e-9 * max(np.abs(a).max(), 1.0), (key, track, field)
            assert matrix.legal.cases.sum() == pytest.approx(other.legal.cases.sum(), rel=1e-9)
    for key, penalties in numpy_run.penalties.items():
        for track, booked in penalties.tracks.items():
            other = compiled.penalties[key].tracks[track]
            assert np.abs(booked.total - other.total).max() <= 1e-9 * max(np.abs(booked.total).max(), 1.0)


def test_engine_choice_is_checked(monkeypatch):
    monkeypatch.setenv("MPP_XL_ENGINE", "fortran")
    with pytest.raises(MppError, match="MPP_XL_ENGINE='fortran': use compiled or numpy"):
        default_engine()
    monkeypatch.setenv("MPP_XL_ENGINE", "numpy")
    assert default_engine() == "numpy"


def test_case_level_simulation_is_the_same_compiled_and_in_numpy(default_run):
    """The same seeded draws, case by case, compiled and run by the interpreter on the same source: the same
    bookings."""
    from mpp_xl.penalties import COMPONENTS, expand_cases, read_params, simulate_penalties
    rows = default_run.chain("medio").queues["nareis"].legal  # nareis: the administrative penalty applies too
    cases = expand_cases(rows.take(np.flatnonzero(rows.cases > 0)), np.random.default_rng(4))
    params = read_params(default_run.aset, "nareis", "medio", default_run.grid)
    size = default_run.grid.size
    numpy_ledger = simulate_penalties(cases, params, size, 9, chunk=50_000, engine="numpy").close("nareis", params)
    compiled = simulate_penalties(cases, params, size, 9, chunk=50_000, engine="compiled").close("nareis", params)
    for component in COMPONENTS:
        a, b = numpy_ledger.amounts[component], compiled.amounts[component]
        assert np.abs(a - b).max() <= 1e-9 * max(np.abs(a).max(), 1.0), component
    assert np.array_equal(numpy_ledger.counts["appeals"], compiled.counts["appeals"])
    assert numpy_ledger.amounts["admin_penalty"].sum() > 0 and numpy_ledger.amounts["repeat_penalty"].sum() > 0


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
def test_booked_years_span_the_nonzero_entries_of_each_row(engine):
    """By hand: a row's span runs from its first to one past its last nonzero year (zeros inside stay inside), an
    empty row spans nothing; the leading axes are kept."""
    table = np.array([[[0.0, 0.0, 3.0, 0.0, 5.0, 0.0], [0.0] * 6],
                      [[1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, -2.0]]])
    spans = queue_kernel.by_engine(queue_kernel.booked_years, engine)(table)
    assert spans.shape == (2, 2, 2)
    assert spans.tolist() == [[[2, 5], [0, 0]], [[0, 1], [5, 6]]]
    assert queue_kernel.by_engine(queue_kernel.booked_years, engine)(np.zeros((3, 0))).tolist() == [[0, 0]] * 3


# Bytes of the batch kernel's outputs on four random batches, as main 9036c3b computed them (both engines): each
# sum of the kernel must keep its order, so any rewrite that reorders one changes the last bits and fails here.
BATCH_BYTES_9036C3B = {0: "04ef7ec442075a12", 1: "7f427a93fa54676d", 2: "4d28bbc50df0684e", 3: "8bd15514952c8d33"}


def _random_batch(seed: int):
    """Finite random inputs of every shape ``queue_kernel.run_batch`` takes, and zeroed outputs."""
    rng = np.random.default_rng(seed)
    paths, size, n_open, nodes, states, years, width = 21, 30, 6, 3, 2, 4, 5
    cohorts = n_open + size
    shared = 8
    per_path = lambda low, high: np.repeat(rng.uniform(low, high, (1, size)), paths, 0)  # noqa: E731
    filings, capacity, take_up = per_path(50, 150), per_path(40, 160), per_path(0.2, 0.9)
    for x, (low, high) in ((filings, (0.5, 1.5)), (capacity, (0.5, 1.5)), (take_up, (0.5, 1.2))):
        x[:, shared:] *= rng.uniform(low, high, (paths, size - shared))
    take_up[:] = np.minimum(take_up, 1.0)
    open0 = np.repeat(rng.uniform(0, 200, (1, n_open)), paths, 0)
    judgment = np.repeat(rng.uniform(2, 10, (1, size)), nodes, 0) + np.arange(size)
    judgment[:, shared:] += rng.uniform(0, 3, (nodes, size - shared))
    term_end = judgment[:, :, None] + rng.uniform(0.5, 4, (nodes, size, 2))
    term_end[:, :shared] = term_end[:1, :shared]

    def sparse(*shape):
        x = rng.uniform(0, 1000, shape)
        x[rng.random(shape) < 0.5] = 0.0
        return x

    table_of_path = rng.integers(0, nodes, paths).astype(np.int64)
    inputs = [filings, open0, np.zeros((paths, n_open)), rng.uniform(0, 1.2, cohorts).clip(0, 1),
              rng.random(cohorts) < 0.2, capacity, rng.uniform(0, 0.5, size), rng.uniform(0, 0.3, size),
              rng.uniform(0, 0.6, size), np.where(rng.random(size) < 0.2, 0.3, 0.0), take_up,
              rng.uniform(0.3, 0.9, size), rng.uniform(0, 0.5, size), table_of_path, judgment, term_end,
              np.floor(term_end).astype(np.int64), np.repeat(rng.uniform(0, 0.8, (1, size)), nodes, 0),
              rng.integers(0, states, size).astype(np.int64), rng.uniform(0, size + 6, (states, cohorts)),
              np.sort(rng.uniform(-2, size + 4, (states, 3, cohorts)), axis=1), 2, 3, shared,
              sparse(nodes, size, 2, width, years), sparse(nodes, size, 2, years), sparse(nodes, size, 2, years),
              sparse(nodes, size, 2, years)]
    outputs = [np.zeros((paths, size)), np.zeros((paths, size)), np.zeros((paths, size)), np.zeros((paths, years))]
    return inputs, outputs


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
@pytest.mark.parametrize("seed", sorted(BATCH_BYTES_9036C3B))
def test_batch_kernel_outputs_keep_their_bytes(engine, seed):
    inputs, outputs = _random_batch(seed)
    assert np.bincount(inputs[13]).max() > queue_kernel.BOOK_LANES  # a node with more paths than lanes
    queue_kernel.by_engine(queue_kernel.run_batch, engine)(*inputs, *outputs)
    assert (outputs[3] > 0).all() and (outputs[0] > 0).any()  # every path books penalties; decisions were made
    found = hashlib.sha256(b"".join(np.ascontiguousarray(x).tobytes() for x in outputs)).hexdigest()[:16]
    assert found == BATCH_BYTES_9036C3B[seed]
