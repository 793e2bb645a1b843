"""The per-case Python loop of the benchmark computes the same as the vectorised simulation (same draws)."""

import sys
from pathlib import Path

import numpy as np
import pytest

from mpp_xl.penalties import Ledger, draw_uniforms, expand_cases, read_params, simulate_chunk

sys.path.insert(0, str(Path(__file__).parents[1]))
from bench.naive import simulate_loop  # noqa: E402


@pytest.mark.parametrize("track", ["asylum", "nareis"])
def test_per_case_loop_equals_the_vectorised_kernel(default_set, grid, default_run, track):
    queue = default_run.chain("medio").queues[track]
    params = read_params(default_set, track, "medio", grid)
    rng = np.random.default_rng(7)
    rows = queue.legal
    cases = expand_cases(rows.take(rng.choice(rows.cases.size, size=3000, p=rows.cases / rows.cases.sum())), rng)
    draws = draw_uniforms(rng, cases.decided.size)
    ledger = Ledger(grid.size)
    simulate_chunk(ledger, cases, params, draws)
    vectorised = ledger.close(track, params)
    loop = simulate_loop(cases, params, grid.size, draws)
    assert vectorised.total.sum() > 1e6  # the sample must exercise the chain
    for name, values in loop["amounts"].items():
        assert values == pytest.approx(vectorised.amounts[name], abs=1e-6), name
    assert loop["counts"]["appeals"] == pytest.approx(vectorised.counts["appeals"], abs=1e-9)
