"""The compiled queue loop (numba) and the numpy reference give the same results (1e-9)."""

import numpy as np
import pytest

from mpp_xl import queue_kernel
from mpp_xl.errors import MppError
from mpp_xl.model import run_model
from mpp_xl.queue import default_engine

pytestmark = pytest.mark.skipif(not queue_kernel.AVAILABLE, reason="numba is not installed")


def test_both_engines_give_the_same_run(default_set, grid, monkeypatch):
    runs = {}
    for engine in ("numpy", "compiled"):
        monkeypatch.setenv("MPP_XL_ENGINE", engine)
        runs[engine] = run_model(default_set, grid)
    numpy_run, compiled = runs["numpy"], runs["compiled"]
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
