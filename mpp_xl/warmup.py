"""Compile the numba kernels once and keep them in numba's cache (``mpp-xl compile``), so no compile time
lands on a budget user's first recalculation; the install steps run it after ``pip install``."""

from __future__ import annotations

import time

import numpy as np

from . import queue_kernel


def compile_kernels() -> tuple[float, str]:
    """Run every compiled kernel on a small case (its types are those of real runs); (seconds, engine)."""
    from .assumptions import AssumptionSet
    from .model import run_model
    from .penalties import expand_cases, read_params, simulate_penalties
    from .simulation import simulate
    from .timegrid import TimeGrid
    from .variants import NAMED_VARIANTS, default_variants
    if not queue_kernel.AVAILABLE:
        return 0.0, "numpy (numba is not installed: nothing to compile)"
    start = time.perf_counter()
    aset = AssumptionSet.default()
    grid = TimeGrid.from_text("2022-01", "2024-12")
    run = run_model(aset, grid, ["medio"], ["base"], window=(2022, 2024))
    run.budget_frame()  # the first-year residents' loop
    available = default_variants(aset.registry)
    simulate(aset, {n: available[n] for n in NAMED_VARIANTS}, ("medio",), grid, (2022, 2024), 2, 1)
    rows = run.chain("medio").queues["asylum"].legal
    cases = expand_cases(rows.take(np.flatnonzero(rows.cases > 0)[:50]), np.random.default_rng(1))
    simulate_penalties(cases, read_params(aset, "asylum", "medio", grid), grid.size, 1, engine="compiled")
    return time.perf_counter() - start, "compiled"
