"""Fuzzing (marked `fuzz`; run with `python -m pytest -m fuzz`, as .ci/run does): over 10,000 generated calls
of every Excel function and of the assumptions loader. Every call must return a table without NaN or inf, and
every error must be one line; nothing may raise."""

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from mpp_xl import excel_session, udfs
from mpp_xl.assumptions import COLUMNS, Registry, parse_table
from mpp_xl.errors import MppError

pytestmark = pytest.mark.fuzz
CALLS = {"count": 0}
SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

WORDS = ["medio", "min", "max", "all", "alle", "base", "all_undone", "first_holds", "coa.*", "inflow.total",
         "coa.capacity_need", "ind.pending.asylum", "jaar", "maand", "#N/A", "#VALUE!", "#REF!", " Medio ", "",
         "ind.*", "x" * 300, "1,5", "2025-01-01", "é", "\n"]
cells = st.one_of(st.none(), st.sampled_from(WORDS), st.text(max_size=12),
                  st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**18, 10**18), st.booleans(),
                  st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)))
arguments = st.one_of(cells, st.lists(cells, max_size=3), st.lists(st.lists(cells, min_size=1, max_size=8),
                                                                         max_size=3))


def check(table):
    CALLS["count"] += 1
    assert isinstance(table, list) and table and all(isinstance(row, list) and row for row in table)
    if isinstance(table[0][0], str) and table[0][0].startswith("Fout:"):
        assert len(table) == 1 and len(table[0]) == 1 and "\n" not in table[0][0]
        return
    for row in table:
        for value in row:
            if isinstance(value, float):
                assert math.isfinite(value)


@settings(max_examples=2500, **SETTINGS)
@given(metric=arguments, scenario=arguments, frequency=arguments)
def projection_never_raises(metric, scenario, frequency):
    check(udfs.MPP_PROJECTION(metric, scenario, None, frequency))


@settings(max_examples=2500, **SETTINGS)
@given(scenario=arguments, variant=arguments)
def penalties_never_raise(scenario, variant):
    check(udfs.MPP_PENALTIES(scenario, variant, None))


@settings(max_examples=1000, **SETTINGS)
@given(assumptions=arguments)
def version_params_and_summary_never_raise(assumptions):
    check(udfs.MPP_VERSION(assumptions))
    check(udfs.MPP_PARAMS(assumptions))
    check(udfs.MPP_SUMMARY(assumptions))


rows = st.lists(st.lists(cells, min_size=7, max_size=7), max_size=4)


@settings(max_examples=2500, **SETTINGS)
@given(body=rows)
def loader_never_raises_anything_but_one_line(body):
    CALLS["count"] += 1
    try:
        parse_table([list(COLUMNS)] + body, "fuzz.csv", Registry.default())
    except MppError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz.csv")


@pytest.fixture(scope="module")
def default_rows():
    body = [[None if c == "" else c for c in r[:7]] for r in udfs.MPP_PARAMS(None)[1:]]
    return [list(COLUMNS)] + body


@settings(max_examples=300, **SETTINGS)
@given(row=st.integers(1, 270), column=st.integers(0, 6), value=cells)
def one_edited_cell_of_the_assumptions_table(default_rows, row, column, value):
    edited = [list(r) for r in default_rows]
    edited[min(row, len(edited) - 1)][column] = value
    check(udfs.MPP_SUMMARY(edited))
    excel_session._runs.clear()  # keep memory flat: every valid edit is a new model run


def calls_of(prop, *args) -> int:
    """Run a property over all its examples and return how many calls it checked: each test stands alone, and
    their minimums (2,400 + 2,400 + 2,900 + 2,400 + 290) add up to over 10,000 checked calls."""
    before = CALLS["count"]
    prop(*args)
    return CALLS["count"] - before


def test_projection_never_raises():
    assert calls_of(projection_never_raises) >= 2400


def test_penalties_never_raise():
    assert calls_of(penalties_never_raise) >= 2400


def test_version_params_and_summary_never_raise():
    assert calls_of(version_params_and_summary_never_raise) >= 2900


def test_loader_never_raises_anything_but_one_line():
    assert calls_of(loader_never_raises_anything_but_one_line) >= 2400


def test_one_edited_cell_of_the_assumptions_table(default_rows):
    assert calls_of(one_edited_cell_of_the_assumptions_table, default_rows) >= 290
