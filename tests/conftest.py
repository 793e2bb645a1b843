"""Shared fixtures: the default assumption set, the default grid and the default full run."""

import io
import re
import zipfile

import pytest

from mpp_xl.assumptions import COLUMNS, AssumptionSet, parse_table
from mpp_xl.model import run_model
from mpp_xl.timegrid import TimeGrid


def override(aset: AssumptionSet, *rows, label="test override") -> AssumptionSet:
    """``aset`` with rows (parameter, scenario, from, to, value, unit) applied over it."""
    table = [list(COLUMNS)] + [list(r) + ["test"] for r in rows]
    return aset.with_layer(label, parse_table(table, label, aset.registry))


def sheets_of(workbook: bytes) -> dict[str, str]:
    """Each sheet's XML by sheet name, from the bytes of a workbook file."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"',
                                  archive.read("xl/_rels/workbook.xml.rels").decode()))
        sheets = [(re.search(r'name="([^"]+)"', tag).group(1), re.search(r'r:id="([^"]+)"', tag).group(1))
                  for tag in re.findall(r"<sheet [^>]*>", archive.read("xl/workbook.xml").decode())]
        return {name: archive.read("xl/" + targets[rid]).decode() for name, rid in sheets}


@pytest.fixture(scope="session")
def default_set() -> AssumptionSet:
    return AssumptionSet.default()


@pytest.fixture(scope="session")
def grid() -> TimeGrid:
    return TimeGrid.from_text("2022-01", "2030-12")


@pytest.fixture(scope="session")
def default_run(default_set, grid):
    return run_model(default_set, grid)


# Test tiers: the default run (README's test command) is the fast tier; `pytest -m e2e` runs the end-to-end
# tier (the command line in processes, the workbook and its Excel layers, the hostile harness, printing) and
# `pytest -m slow` the slow one (the interpreter reference of the compiled kernels); `.ci/run` runs all three,
# then the fuzz run.
TIERS = {
    "test_excel.py": "e2e", "test_robustness.py": "e2e", "test_hostile.py": "e2e", "test_safety.py": "e2e",
    "test_workbook_layout.py": "e2e", "test_print.py": "e2e", "test_cache_truth.py": "e2e",
    "test_bench_reference.py": "slow",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        tier = TIERS.get(item.path.name)
        if tier:
            item.add_marker(getattr(pytest.mark, tier))
