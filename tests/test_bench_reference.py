"""One source for the legal chain: the interpreter running ``penalty_kernel``'s own source (the reference engine
and the benchmark's per-case loop) books what the compiled kernel books, case by case with the same draws."""

import numpy as np
import pytest

from mpp_xl import penalty_kernel, queue_kernel
from mpp_xl.penalties import draw_uniforms, expand_cases, read_params

pytestmark = pytest.mark.skipif(not queue_kernel.AVAILABLE, reason="numba is not installed")


@pytest.mark.parametrize("track", ["asylum", "nareis"])
def test_per_case_loop_equals_the_compiled_kernel(default_set, grid, default_run, track):
    queue = default_run.chain("medio").queues[track]
    params = read_params(default_set, track, "medio", grid)
    rng = np.random.default_rng(7)
    rows = queue.legal
    cases = expand_cases(rows.take(rng.choice(rows.cases.size, size=3000, p=rows.cases / rows.cases.sum())), rng)
    draws = draw_uniforms(rng, cases.decided.size)
    matrix = penalty_kernel.parameter_matrix(params)
    columns = [np.ascontiguousarray(c, dtype=float) for c in (cases.notice, cases.heard, cases.decided, cases.cases)]
    compiled, loop = np.zeros((2, 5, grid.size)), np.zeros((2, 5, grid.size))
    chunk = -(-cases.decided.size // 2)
    penalty_kernel.simulate_chunks(matrix, *columns, draws["high_cap"], draws["repeat"], chunk, compiled)
    queue_kernel.plain(penalty_kernel.simulate_chunks)(matrix, *columns, draws["high_cap"], draws["repeat"], chunk,
                                                       loop)
    assert compiled[:, :4].sum() > 1e6  # the sample must exercise the chain
    assert loop == pytest.approx(compiled, abs=1e-6)
