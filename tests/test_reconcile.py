"""The published figures of data/published_figures.csv against the model: one test per figure.

Targets are figures a tuned assumption serves; checks are figures nothing was tuned to. Both must hold
within their tolerance, except those marked as failing below with the measured reason (README,
'Calibration'): they are reported, not widened."""

import subprocess
import sys
from pathlib import Path

import pytest

from mpp_xl.reconcile import published_figures, reconciliation

FIGURES = published_figures()
# measured trade-offs (README 'Calibration'): these do not hold with the current mechanisms and defaults
KNOWN_MISSES = {
    "ind.waiting_over_15m.asylum.2024-04": "the order of work that keeps the 2023 stock and waits also ages it",
    "ind.share_within_15m.asylum.2024": "2023 cohorts reach 15 months in 2024 while the oldest-first work is on them",
    "coa.permit_holder_share.2026-01-01": "permit holders entering COA in 2025 do not outpace housing enough",
    "penalty.notices.2023": "2023 filings have 15-month deadlines, so few asylum notices fall in 2023",
    "ind.pending.nareis.2024": "the lead that meets the 2022-2023 stocks and the paid penalties gives 42,000",
    "coa.occupancy.2023": "in procedure follows a pending stock that grows fast in 2023",
    "penalty.delta_all_undone.2024-2027": "capacity feedback: the void's claims displace other work",
    "ind.decisions_in_year.asylum.2023": "the 2023 capacity that meets the pending stocks gives 25,800 decisions",
}


@pytest.fixture(scope="module")
def table(default_run):
    return reconciliation(default_run).set_index("figure")


@pytest.mark.parametrize("figure", FIGURES.figure.tolist())
def test_published_figure(table, figure):
    row = table.loc[figure]
    if row["lower"] != row["lower"]:  # no tolerance: not reconciled, the note says why
        assert row["note"].startswith("not reconciled")
        return
    if figure in KNOWN_MISSES:
        assert not row["holds"], f"{figure} now holds: remove it from KNOWN_MISSES and the README"
        return
    assert row["lower"] <= row["model"] <= row["upper"], f"{figure}: {row['model']:,.3f} outside " \
                                                          f"[{row['lower']:,.3f}, {row['upper']:,.3f}]"


def test_every_figure_has_a_role_and_a_source():
    assert set(FIGURES.role) <= {"target", "check", "derived"}
    assert FIGURES.source.str.len().min() > 5
    assert FIGURES.figure.is_unique


def test_readme_calibration_table_is_generated_from_the_data(default_run):
    """README's calibration table is the output of tools/calibration_table.py (run it after a change)."""
    root = Path(__file__).resolve().parents[1]
    expected = subprocess.run([sys.executable, str(root / "tools" / "calibration_table.py")], capture_output=True,
                              text=True, check=True).stdout.strip()
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert expected in readme


def test_readme_metrics_table_is_generated_from_the_catalogue():
    """README's metrics table is the output of tools/metrics_table.py: one catalogue of units and labels."""
    root = Path(__file__).resolve().parents[1]
    expected = subprocess.run([sys.executable, str(root / "tools" / "metrics_table.py")], capture_output=True,
                              text=True, check=True).stdout.strip()
    assert expected in (root / "README.md").read_text(encoding="utf-8")
