"""The Excel layer's caches never change an answer: after any sequence of edits, edition and measure switches, a
warm call gives exactly what the same call gives after ``excel_api.clear_caches()`` (cold).

The caches under test: the Aannames range keyed by its exact cells and parsed per row, the effective set per
(edition, measures, Aannames digest), the lazy run per digest, the stage caches keyed per (parameter, scenario)
read with digests shared with the parent set, the COA chains and penalty runs keyed on the identity of their
front, and the tables per (arguments, digest). Every edit below is chosen to reach one of them: a record of one
scenario, an ``all`` record, a penalty and a deadline record (what the legal variants differ in), a COA record,
a new row for one scenario over an ``all`` record, a deleted row, a revert, an edition, measures, a bad value.
"""

import datetime as dt
import io
import math

import numpy as np
import openpyxl
import pytest

from mpp_xl import excel_api, udfs
from mpp_xl.assumptions import SCENARIOS
from mpp_xl.model import run_model
from mpp_xl.workbook import build_workbook_bytes

D = dt.datetime
MEASURES = ("beleidspad_instroom", "nareisrem", "ind_capaciteitsplan", "huisvesting_versneld")


@pytest.fixture(scope="module")
def rows():
    """The Aannames range of a freshly built workbook as Excel hands it over (numbers as floats)."""
    book = openpyxl.load_workbook(io.BytesIO(build_workbook_bytes()))
    sheet, cells = book.defined_names["Aannames"].attr_text.split("!")
    table = [[c.value for c in row] for row in book[sheet][cells.replace("$", "")]]
    return [[float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in row] for row in table]


@pytest.fixture(autouse=True)
def cold_start():
    excel_api.clear_caches()
    yield
    excel_api.clear_caches()


def find(rows, parameter, scenario=None, start=None) -> int:
    """The index of the (first) row of ``parameter`` (for ``scenario``; from ``start``, YYYY-MM-DD)."""
    for i, r in enumerate(rows):
        if r[0] == parameter and scenario in (None, r[1]) and (start is None or (r[2] and str(r[2])[:10] == start)):
            return i
    raise KeyError(parameter)


def edited(rows, *changes):
    """A copy of ``rows`` with (row index, column index, value) changes."""
    out = [list(r) for r in rows]
    for i, column, value in changes:
        out[i][column] = value
    return out


def added(rows, record):
    """A copy of ``rows`` with ``record`` typed into the first empty row below the shipped records."""
    out = [list(r) for r in rows]
    last = max(i for i, r in enumerate(out) if r[0] is not None)
    spare = next(i for i in range(last + 1, len(out)) if all(c is None for c in out[i]))
    out[spare] = list(record) + [None] * (len(out[0]) - len(record))
    return out


def deleted(rows, i):
    out = [list(r) for r in rows]
    out[i] = [None] * len(out[i])
    return out


def shifted(rows):
    """The same content one row lower: a row inserted above the records (the range keeps its size)."""
    return [list(rows[0]), [None] * len(rows[0])] + [list(r) for r in rows[1:-1]]


def switches(*on):
    return [[name, "ja" if name in on else "nee"] for name in MEASURES]


# the calls compared: every function that reads a run, with scenarios, variants and windows that reach each cache
CALLS = {
    "version": lambda r, e, m: udfs.MPP_VERSION(r, e, m),
    "params": lambda r, e, m: udfs.MPP_PARAMS(r, e, m),
    "summary": lambda r, e, m: udfs.MPP_SUMMARY(r, None, e, m),
    "summary 2026-2030": lambda r, e, m: udfs.MPP_SUMMARY(r, "2026-2030", e, m),
    "penalties medio base": lambda r, e, m: udfs.MPP_PENALTIES("medio", "base", r, None, e, m),
    "penalties medio all_undone": lambda r, e, m: udfs.MPP_PENALTIES("medio", "all_undone", r, None, e, m),
    "penalties all all": lambda r, e, m: udfs.MPP_PENALTIES("all", "all", r, "2025-2028", e, m),
    "projection medio": lambda r, e, m: udfs.MPP_PROJECTION("all", "medio", r, "maand", e, m),
    "projection min ind.*": lambda r, e, m: udfs.MPP_PROJECTION("ind.*", "min", r, "jaar", e, m),
    "projection need all": lambda r, e, m: udfs.MPP_PROJECTION("coa.capacity_need", "all", r, "jaar", e, m),
    "budget medio base": lambda r, e, m: udfs.MPP_BUDGET("medio", "base", None, r, e, m),
    "budget max first_holds": lambda r, e, m: udfs.MPP_BUDGET("max", "first_holds", "2025-2030", r, e, m),
    "compare 2024-I": lambda r, e, m: udfs.MPP_COMPARE("mpp-2024-I", e or "mpp-2024-II", "all", r, "medio", "base",
                                                       None, m),
    "compare realised": lambda r, e, m: udfs.MPP_COMPARE("realised", e or "mpp-2024-II", "all", r, "min",
                                                         "wbv_2023_26_withdrawn", "2025-2028", m),
}


def first_difference(a, b, rel=1e-9):
    """Where two tables differ (None when every text is equal and every number within ``rel``)."""
    if len(a) != len(b):
        return f"{len(a)} rows against {len(b)}: {a[0]} / {b[0]}"
    for i, (row_a, row_b) in enumerate(zip(a, b)):
        if len(row_a) != len(row_b):
            return f"row {i}: {row_a} / {row_b}"
        for j, (x, y) in enumerate(zip(row_a, row_b)):
            if isinstance(x, float) and isinstance(y, float):
                if not (x == y or abs(x - y) <= rel * max(abs(x), abs(y))):
                    return f"row {i} ({row_a[0]!r}), column {j} ({a[0][j]!r}): {x!r} against {y!r}"
            elif x != y or type(x) is not type(y):
                return f"row {i}, column {j}: {x!r} against {y!r}"
    return None


def cold(state, names=CALLS):
    """Each call on a cleared cache."""
    out = {}
    for name in names:
        excel_api.clear_caches()
        out[name] = CALLS[name](*state)
    excel_api.clear_caches()
    return out


def states(rows):
    """(Aannames rows, edition, measures) by name."""
    cap_medio = find(rows, "ind.capacity.asylum", "medio")
    take_up = find(rows, "penalty.take_up.asylum", start="2024-01-01")
    wbv_2023_26 = find(rows, "deadline.asylum.wbv_2023_26.extension_months")
    return {
        "default": (rows, None, None),
        "capacity medio": (edited(rows, (cap_medio, 4, 4000.0)), None, None),
        "capacity medio other": (edited(rows, (cap_medio, 4, 5200.0)), None, None),
        "norm all": (edited(rows, (find(rows, "coa.occupancy_norm"), 4, 0.85)), None, None),
        "take-up": (edited(rows, (take_up, 4, 0.5)), None, None),
        "deadline": (edited(rows, (wbv_2023_26, 4, 6.0)), None, None),
        "coa stay amv": (edited(rows, (find(rows, "coa.stay_months.amv"), 4, 10.0)), None, None),
        "per-day medio row": (added(rows, ["penalty.per_day", "medio", None, None, 120.0, "EUR/day", "test"]),
                              None, None),
        "withdrawn medio row": (added(rows, ["deadline.asylum.wbv_2023_26.withdrawn", "medio", D(2025, 1, 1), None,
                                             1.0, "flag", "test"]), None, None),
        "new instrument row": (added(rows, ["deadline.asylum.test_law.extension_months", "all", D(2025, 1, 1),
                                            D(2025, 12, 31), 6.0, "months", "test"]), None, None),
        "deleted row": (deleted(rows, find(rows, "housing.realisation_rate", start="2026-01-01")), None, None),
        "realised": (rows, "realised", None),
        "realised capacity medio": (edited(rows, (cap_medio, 4, 4000.0)), "realised", None),
        "2024-I take-up": (edited(rows, (take_up, 4, 0.5)), "mpp-2024-I", None),
        "nareisrem": (rows, None, switches("nareisrem")),
        "capacity plan + housing": (rows, None, switches("ind_capaciteitsplan", "huisvesting_versneld")),
        "nareisrem take-up": (edited(rows, (take_up, 4, 0.5)), None, switches("nareisrem")),
        "bad norm": (edited(rows, (find(rows, "coa.occupancy_norm"), 4, 1.5)), None, None),
    }


# a walk that revisits states after others have filled the caches: A, B, A; edits stacked on editions and
# measures; an error between valid calls; and more distinct states than the stage caches hold
WALK = ["default", "capacity medio", "norm all", "capacity medio", "capacity medio other", "capacity medio",
        "default", "take-up", "deadline", "take-up", "coa stay amv", "per-day medio row", "withdrawn medio row",
        "default", "new instrument row", "deleted row", "realised", "realised capacity medio", "capacity medio",
        "realised", "2024-I take-up", "take-up", "nareisrem", "nareisrem take-up", "take-up", "nareisrem",
        "capacity plan + housing", "default", "bad norm", "norm all", "bad norm", "default", "per-day medio row",
        "withdrawn medio row", "deadline", "capacity medio", "realised capacity medio", "default"]


def test_every_state_of_an_edit_walk_equals_its_cold_result(rows):
    named = states(rows)
    expected = {name: cold(named[name]) for name in dict.fromkeys(WALK)}
    first_seen = {}
    failures = []
    for step, name in enumerate(WALK):
        for call in CALLS:
            got = CALLS[call](*named[name])
            where = first_difference(expected[name][call], got)
            if where:
                failures.append(f"step {step} ({name}), {call}: cold / warm differ at {where}")
            if (name, call) in first_seen:  # A, B, A: exactly what A gave the first time
                where = first_difference(first_seen[(name, call)], got, rel=0.0)
                if where:
                    failures.append(f"step {step} ({name}) revisited, {call}: {where}")
            first_seen.setdefault((name, call), got)
    assert not failures, "\n".join(failures[:20])


def test_the_walk_is_not_vacuous(rows):
    """Each edit changes what the functions give (else an equal cold and warm result would prove nothing), a
    medio-only edit leaves min as it was, and the bad value is a one-line error."""
    named = states(rows)
    base = cold(named["default"])
    for name in set(WALK) - {"default", "deleted row", "bad norm"}:
        assert any(cold(named[name], [call])[call] != base[call] for call in CALLS
                   if call not in ("version", "params")), name
    medio = cold(named["capacity medio"])
    assert medio["projection medio"] != base["projection medio"]
    assert medio["projection min ind.*"] == base["projection min ind.*"]
    withdrawn = cold(named["withdrawn medio row"])
    assert withdrawn["penalties medio base"] != base["penalties medio base"]
    bad = cold(named["bad norm"])
    assert all(len(t) == 1 and str(t[0][0]).startswith("Fout: Aannames, rij") for t in bad.values()), bad
    assert cold(named["deleted row"]) == base  # a shipped record stays in force when its row is emptied


def test_an_error_between_valid_calls_leaves_the_caches_right(rows):
    """A scenario-only cross-check error (max) between valid calls: the next calls give the cold numbers, and
    the pair that fails keeps failing."""
    bad = added(rows, ["penalty.cap.standard", "max", None, None, 50.0, "EUR", "test"])
    state = (bad, None, None)
    names = ["penalties medio base", "summary", "budget medio base", "penalties all all", "budget max first_holds",
             "projection medio"]
    expected = cold(state, names)
    assert expected["summary"][0][0].startswith("Fout:") and not expected["penalties medio base"][0][0].startswith(
        "Fout:")
    good = cold((rows, None, None), ["summary"])["summary"]
    for _ in range(2):
        for name in names:
            assert first_difference(expected[name], CALLS[name](*state)) is None, name
        assert CALLS["summary"](rows, None, None) == good


def test_the_warm_summary_equals_a_fresh_non_lazy_run_of_the_core(rows):
    """After the walk, the summary of an edited state equals the core's own run on fresh caches (no Excel cache,
    every chain computed up front)."""
    named = states(rows)
    for name in WALK:
        CALLS["summary"](*named[name])
    for name in ("withdrawn medio row", "realised capacity medio", "nareisrem take-up"):
        state = named[name]
        table = CALLS["summary"](*state)
        run = run_model(excel_api.effective_set(*state), excel_api.GRID, SCENARIOS, excel_api.WORKBOOK_VARIANTS)
        totals = run.window_totals().set_index(["scenario", "variant"]).amount_eur
        for row in table[1:]:
            for j, variant in enumerate(run.variants):
                assert math.isclose(row[1 + j], totals[(row[0], variant)], rel_tol=1e-9, abs_tol=1e-6), (name, row[0],
                                                                                                        variant)


# ---------------------------------------------------------------- errors name the row the record is on now
# A digest holds each record's values and source but not its origin (the row it was read from), so the lazy run
# and the effective set are kept per digest and the rows the user's records came from
# (``excel_session.origins``): move an erroneous row (a row inserted above it) and the message names its new row.


def test_a_cross_check_names_the_row_the_record_is_on_now(rows):
    bad = edited(rows, (find(rows, "penalty.cap.standard"), 4, 50.0))
    moved = shifted(bad)
    expected = cold((moved, None, None), ["penalties medio base"])["penalties medio base"]
    assert f"rij {find(rows, 'penalty.cap.standard') + 2}," in expected[0][0]
    CALLS["penalties medio base"](bad, None, None)
    assert CALLS["penalties medio base"](moved, None, None) == expected


def test_a_check_on_an_edition_names_the_row_the_record_is_on_now(rows):
    index = find(rows, "ind.opening_stock.asylum")
    bad = edited(rows, (index, 2, D(2022, 2, 1)), (index, 3, D(2022, 2, 28)))
    moved = shifted(bad)
    expected = cold((moved, "realised", None), ["summary"])["summary"]
    assert f"rij {index + 2}," in expected[0][0]
    CALLS["summary"](bad, "realised", None)
    assert CALLS["summary"](moved, "realised", None) == expected


def test_rows_kept_from_the_last_range_are_reparsed_when_their_content_or_type_changes(rows):
    """The Aannames range is parsed again only where a row differs from the last range parsed: an overlap made
    by one edited row, a value that turns from 1.0 into TRUE (equal in Python) and a reverted range must each
    give what a cold cache gives."""
    i = find(rows, "coa.occupancy_norm")
    j = next(k for k, r in enumerate(rows) if k != i and r[0] == rows[i][0] and r[1] == rows[i][1]) \
        if sum(r[0] == rows[i][0] and r[1] == rows[i][1] for r in rows) > 1 else None
    walk = [rows, edited(rows, (i, 4, 1.0)), edited(rows, (i, 4, True)), edited(rows, (i, 4, 1.0)), rows]
    if j is not None:  # a second record of the parameter: move it onto the first one's period
        walk += [edited(rows, (j, 2, rows[i][2]), (j, 3, rows[i][3])), rows]
    else:  # a new row over the same period
        walk += [added(rows, rows[i][:4] + [0.9, rows[i][5], "test"]), rows]
    expected = []
    for state in walk:
        excel_api.clear_caches()
        expected.append(udfs.MPP_VERSION(state)[0][0])
    excel_api.clear_caches()
    got = [udfs.MPP_VERSION(state)[0][0] for state in walk]
    assert got == expected
    assert expected[2].startswith("Fout:") and "kolom 'value'" in expected[2]
    assert expected[5].startswith("Fout:") and "overlap" in expected[5].lower()
    assert expected[0] == expected[4] == expected[6] != expected[1] == expected[3]


def test_rows_of_another_length_are_parsed_again(rows):
    """A range handed over with rows of other lengths (a caller's list, not an Excel range: one row a cell longer,
    an empty row a cell shorter, so the cells in a row are as many) is parsed as a cold cache parses it, also after an
    edit of another row: kept rows are matched by position and length, never by the run of cells alone."""
    i, j = find(rows, "coa.occupancy_norm"), find(rows, "ind.capacity.asylum")
    spare = next(k for k in range(len(rows) - 1, 0, -1) if all(c is None for c in rows[k]))
    ragged = [list(r) for r in rows]
    ragged[i] = ragged[i] + [None]
    ragged[spare] = ragged[spare][:-1]
    walk = [rows, ragged, edited(ragged, (j, 4, rows[j][4] + 1)), rows, ragged]
    expected = []
    for state in walk:
        excel_api.clear_caches()
        expected.append(udfs.MPP_VERSION(state)[0][0])
    excel_api.clear_caches()
    assert [udfs.MPP_VERSION(state)[0][0] for state in walk] == expected
    assert expected[2] != expected[1] and expected[0] == expected[3]


@pytest.mark.parametrize("pair", ["signed zero", "time zones", "numpy date"])
def test_equal_cells_read_otherwise_give_what_a_cold_cache_gives(rows, pair):
    """Two ranges whose cells compare equal but are read otherwise, warm in both orders as cold: 0.0 and -0.0 (one
    key; each error names its own cell), the same instant at other wall-clock dates (time zones: the date read
    differs) and np.datetime64 against the equal datetime (in a range that also holds a numpy number)."""
    j, i = find(rows, "ind.capacity.asylum"), find(rows, "coa.occupancy_norm")
    if pair == "signed zero":
        first, second = edited(rows, (j, 2, 0.0)), edited(rows, (j, 2, -0.0))
    elif pair == "time zones":
        first = edited(rows, (j, 3, dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)))
        second = edited(rows, (j, 3, dt.datetime(2024, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-1)))))
        assert first[j][3] == second[j][3]
    else:
        day = rows[j][2]
        first = edited(rows, (i, 4, np.float64(rows[i][4])), (j, 2, np.datetime64(day)))
        second = edited(rows, (i, 4, np.float64(rows[i][4])), (j, 2, day))
    cold_results = []
    for state in (first, second):
        excel_api.clear_caches()
        cold_results.append(udfs.MPP_VERSION(state))
    assert cold_results[0] != cold_results[1]
    for order in ((0, 1), (1, 0)):
        excel_api.clear_caches()
        assert [udfs.MPP_VERSION((first, second)[k]) for k in order] == [cold_results[k] for k in order]
