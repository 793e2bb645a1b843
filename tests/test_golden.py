"""Golden output of the default medio run (regenerate with tests/golden/make_golden.py)."""

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent / "golden"))
from make_golden import GOLDEN, GOLDEN_RTOL, golden_frame  # noqa: E402


def test_default_medio_run_matches_the_golden_file():
    stored = pd.read_csv(GOLDEN)
    fresh = golden_frame()
    assert list(stored["quantity"]) == list(fresh["quantity"])
    pd.testing.assert_series_equal(stored["value"], fresh["value"], rtol=GOLDEN_RTOL, check_names=False)
