"""The Excel face, tested in five layers. Which layer is real and which is emulated:

1. UDFs called as plain Python (real: the same functions Excel calls).
2. The UDF contract under xlwings' real Windows decorator module, imported with stand-in pywin32 modules
   (emulated platform; the metadata and the VBA wrapper text are xlwings' own code).
3. Argument and return conversion through xlwings' own ``xlwings.conversion`` with a minimal stand-in
   engine modelled on the Windows engine (emulated engine).
4. The workbook file read back with openpyxl (real file, real reader).
5. Whole-workbook recalculation with the ``formulas`` package and our UDFs registered (emulated Excel).
What only Windows + Excel can show is in the README's manual checklist.
"""

import datetime as dt
import math
import re
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlwings
from openpyxl.worksheet.formula import ArrayFormula

from mpp_xl import excel_api, excel_args, excel_session, udfs
from mpp_xl.assumptions import COLUMNS, AssumptionSet
from mpp_xl.budget import LINES
from mpp_xl.cli import main
from mpp_xl.workbook import build_workbook_bytes, build_workbook_file

ROOT = Path(__file__).parents[1]
COMMITTED = ROOT / "workbooks" / "mpp_model.xlsm"  # only compared with a fresh build (that it is in step)
EXAMPLES = ROOT / "examples"
BUILT = {}


@pytest.fixture(scope="module", autouse=True)
def fresh_workbook(tmp_path_factory):
    """A workbook built from the code under test: every test of the workbook's content, formulas and protection
    reads this one, so a model change fails only the test that the committed file is in step."""
    path = tmp_path_factory.mktemp("workbook") / "mpp_model.xlsm"
    path.write_bytes(build_workbook_bytes())
    BUILT["path"] = path
    return path


def workbook() -> Path:
    return BUILT["path"]


@pytest.fixture(autouse=True)
def fresh_caches():
    excel_api.clear_caches()
    yield


def assumption_rows():
    """The workbook's assumptions table as xlwings would pass it: header, default records, empty rows."""
    book = openpyxl.load_workbook(workbook())
    sheet, cells = book.defined_names["Aannames"].attr_text.split("!")  # the named range the formulas pass
    rows = [[c.value for c in row] for row in book[sheet][cells.replace("$", "")]]
    return rows


def capacity_2025() -> float:
    """The embedded IND asylum capacity for 2025 (the value the cell-edit tests change)."""
    from mpp_xl.assumptions import AssumptionSet
    return next(r.value for _, r in AssumptionSet.default().records()
                if r.parameter == "ind.capacity.asylum" and str(r.start) == "2025-01-01")


_CLI_RUNS = {}  # arguments -> (penalties.csv, projection.csv): a CLI run writes every output file, so run each once


def cli_tables(tmp_path, *extra):
    if extra not in _CLI_RUNS:
        out = tmp_path / "cli"
        assert main(["run", "--quiet", "--out", str(out), *extra]) == 0
        _CLI_RUNS[extra] = (pd.read_csv(out / "penalties.csv", comment="#"),
                            pd.read_csv(out / "projection.csv", comment="#"))
    return tuple(frame.copy() for frame in _CLI_RUNS[extra])


# ---------------------------------------------------------------- layer 1: plain Python

def test_summary_equals_the_cli(tmp_path):
    penalties, _ = cli_tables(tmp_path)
    table = udfs.MPP_SUMMARY(assumption_rows())
    assert table[0][0] == "scenario" and [r[0] for r in table[1:]] == ["min", "medio", "max"]
    window = penalties[(penalties.track == "total") & penalties.year.between(2024, 2027)]
    for row in table[1:]:
        totals = window[window.scenario == row[0]].groupby("variant").amount_eur.sum()
        assert row[1:4] == pytest.approx([totals["base"], totals["all_undone"], totals["first_holds"]], abs=0.01)


def test_unedited_sheet_gives_the_default_hash():
    from mpp_xl.assumptions import AssumptionSet
    text = udfs.MPP_VERSION(assumption_rows())[0][0]
    assert text == f"mpp-xl 0.1.0 | MPP 2024-II (public reconstruction) | {AssumptionSet.default().digest}"


def test_params_lists_every_record_with_numeric_values():
    from mpp_xl.assumptions import AssumptionSet
    table = udfs.MPP_PARAMS(None)
    assert table[0] == list(COLUMNS) + ["laag"]
    assert len(table) - 1 == len(AssumptionSet.default().records())
    capacity = [r for r in table[1:] if r[0] == "ind.capacity.asylum" and r[2] == "2025-01-01"]
    assert capacity[0][4] == capacity_2025() and isinstance(capacity[0][4], float)


def test_projection_shapes_and_values(tmp_path):
    _, projection = cli_tables(tmp_path)
    monthly = udfs.MPP_PROJECTION("coa.capacity_need", "all", None, "maand")
    assert monthly[0] == ["datum", "min (plaatsen)", "medio (plaatsen)", "max (plaatsen)"] and len(monthly) == 1 + 108
    cli = projection[(projection.metric == "coa.capacity_need") & (projection.scenario == "medio")
                     & (projection.variant == "base")].value.to_numpy()  # the workbook's chain is the base variant's
    assert np.array([r[2] for r in monthly[1:]]) == pytest.approx(cli, abs=1e-3)
    assert monthly[1][0] == 44592.0  # Excel serial of 31 Jan 2022
    yearly = udfs.MPP_PROJECTION("inflow.total", "all", None, "jaar")
    assert yearly[4] == pytest.approx([2025.0, 45000.0, 66000.0, 74800.0], abs=1e-6)  # Kamerbrief MPP 2024-II
    # 2024: the MPP's totals except the nareis arrivals of Jul-Sep 2024, which follow from decisions made before
    # the data cut-off of June 2024 (README, "Nareis in causal order")
    nareis = projection[(projection.metric == "inflow.nareis") & (projection.variant == "base")]
    from mpp_xl.assumptions import AssumptionSet
    from mpp_xl.inflow import project_inflow
    from mpp_xl.timegrid import TimeGrid
    grid = TimeGrid.from_text()
    q3 = (grid.months >= np.datetime64("2024-07")) & (grid.months <= np.datetime64("2024-09"))
    for col, (scenario, published) in enumerate((("min", 37600), ("medio", 57600), ("max", 66700)), start=1):
        mpp = project_inflow(AssumptionSet.default(), scenario, grid)["nareis"][q3].sum()
        model = nareis[nareis.scenario == scenario].value.to_numpy()[q3].sum()
        assert yearly[3][col] == pytest.approx(published - mpp + model, abs=1e-3)


def test_penalties_by_track_with_the_cash_column_and_the_new_metrics_equal_the_cli(tmp_path):
    penalties, projection = cli_tables(tmp_path)
    table = udfs.MPP_PENALTIES("medio", "all_undone", None)
    assert table[0] == ["jaar", "asiel (EUR)", "nareis (EUR)", "totaal (EUR)", "betaald (EUR, kasbasis)",
                        "verschil met basis (EUR)", "zaken over de termijn (aantal)", "ingebrekestellingen (aantal)",
                        "beroepen niet tijdig beslissen (aantal)"]
    cli = penalties[(penalties.scenario == "medio") & (penalties.variant == "all_undone")]
    by_track = {t: cli[cli.track == t].set_index("year") for t in ("asylum", "nareis", "total")}
    assert [r[0] for r in table[1:-1]] == [float(y) for y in by_track["total"].index]
    assert table[-1][0] == "totaal 2024-2027"  # the window's total closes the table
    table = table[:-1]
    columns = [by_track["asylum"].amount_eur, by_track["nareis"].amount_eur, by_track["total"].amount_eur,
               by_track["total"].amount_paid_eur, by_track["total"].delta_vs_base_eur, by_track["total"].cases_overdue,
               by_track["total"].notices, by_track["total"].appeals]
    for col, expected in enumerate(columns, start=1):
        assert [r[col] for r in table[1:]] == pytest.approx(expected.to_numpy(), abs=0.01), table[0][col]
    assert sum(r[4] for r in table[1:]) > 0
    monthly = udfs.MPP_PROJECTION("all", "medio", None, "maand")
    for metric in ("ind.legal_decisions.asylum", "ind.legal_decisions.nareis", "coa.permit_holder_share"):
        expected = projection[(projection.metric == metric) & (projection.scenario == "medio")
                              & (projection.variant == "base")].value.to_numpy()
        column = monthly[0].index(excel_api.metric_label(metric))
        assert [r[column] for r in monthly[1:]] == pytest.approx(expected, abs=1e-4), metric  # CSV: 4 decimals


def test_a_month_without_decisions_has_no_mean_wait_an_empty_cell_not_zero():
    rows = assumption_rows()
    edited = [list(r) for r in rows if r[0] is not None]
    start, end = dt.datetime(2026, 1, 1), dt.datetime(2026, 3, 31)
    covering = [i for i, r in enumerate(edited) if r[0] == "ind.capacity.asylum" and r[1] in ("medio", "all")
                and r[2] <= start and (r[3] is None or r[3] >= end)]
    assert covering
    for index in covering:  # the records in force split around the first quarter of 2026, which gets capacity 0
        record = edited[index]
        tail = [*record[:2], dt.datetime(2026, 4, 1), *record[3:]]
        if record[2] < start:
            record[3] = start - dt.timedelta(days=1)
            edited.append(tail)
        else:
            edited[index] = tail
        edited.append(["ind.capacity.asylum", record[1], start, end, 0, "cases/month",
                       "test: no asylum decisions in the first quarter of 2026"])
    table = udfs.MPP_PROJECTION("ind.*", "medio", edited, "maand")
    decisions = table[0].index(excel_api.metric_label("ind.decisions.asylum"))
    wait = table[0].index(excel_api.metric_label("ind.mean_wait_weeks.asylum"))
    quarter = [r for r in table[1:] if 46053 <= r[0] <= 46112]  # Excel serials of 31 Jan .. 31 Mar 2026
    assert len(quarter) == 3 and all(r[decisions] == 0 and r[wait] is None for r in quarter)
    assert all(isinstance(r[wait], float) and r[wait] > 0 for r in table[1:] if r[decisions] > 0)
    yearly = udfs.MPP_PROJECTION("ind.mean_wait_weeks.asylum", "medio", edited, "jaar")
    assert all(isinstance(r[1], float) and r[1] > 0 for r in yearly[1:])  # the year 2026 still has decisions


def test_spilled_headers_show_dutch_labels_from_the_catalogue_never_a_metric_code():
    """Every header of every table the workbook spills is Dutch: a metric's label and unit from mpp_xl.catalogue
    (per year for a flow summed over a year), no code such as coa.capacity_need."""
    from openpyxl.utils import range_boundaries
    from mpp_xl.catalogue import METRICS
    codes = set(METRICS) | {"asiel_eur", "verschil_met_base_eur", "zaken_over_termijn"}  # the old penalty headers
    monthly = udfs.MPP_PROJECTION("all", "medio", None, "maand")[0]
    yearly = udfs.MPP_PROJECTION("all", "medio", None, "jaar")[0]
    assert monthly[1:] == [excel_api.metric_label(m) for m in METRICS]
    label = {m: METRICS[m].label_nl for m in ("inflow.total", "ind.mean_wait_weeks.asylum", "coa.permit_holder_share")}
    assert {f"{label['inflow.total']} (personen/maand)", f"{label['coa.permit_holder_share']} (%)"} <= set(monthly)
    assert {f"{label['inflow.total']} (personen/jaar)", f"{label['ind.mean_wait_weeks.asylum']} (weken)"} <= set(yearly)
    book = openpyxl.load_workbook(workbook(), data_only=True)
    formulas = openpyxl.load_workbook(workbook())
    spills = 0
    for ws in formulas:
        if ws.title in ("Aannames", "xlwings.conf", "Keuzelijsten"):
            continue
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, ArrayFormula) and ":" in cell.value.ref:
                    spills += 1
                    min_col, min_row, max_col, max_row = range_boundaries(cell.value.ref)
                    heads = [(min_row, col) for col in range(min_col, max_col + 1)]
                    if cell.value.text.startswith("=TRANSPOSE("):  # series down: the labels are in the first column
                        heads += [(row, min_col) for row in range(min_row + 1, max_row + 1)]
                    for row_no, col in heads:
                        head = book[ws.title].cell(row_no, col).value
                        code_like = isinstance(head, str) and head.startswith(("ind.", "coa.", "inflow."))
                        assert head not in codes and not code_like, (ws.title, cell.value.ref, head)
    # Instroom 2, Keten 3, Dwangsommen 3, Begroting 1, Vergelijking 2, Terugblik 3, Onzekerheid 4 and the 5 tables
    # behind the charts on the hidden Rekenblad (monthly inflow, monthly COA, the budget's horizon, the comparison,
    # the monthly band of the COA need)
    assert spills == 23


def test_repeated_calls_hit_the_cache_and_an_edit_invalidates_it():
    rows = assumption_rows()
    first = udfs.MPP_SUMMARY(rows)
    again = udfs.MPP_SUMMARY([list(r) for r in rows])
    assert again == first and excel_session.cache_stats()["tables"][0] >= 1
    runs_before = excel_session.cache_stats()["runs"][1]
    index = next(i for i, r in enumerate(rows) if r[0] == "ind.capacity.asylum" and r[4] == capacity_2025())
    edited = [list(r) for r in rows]
    edited[index][4] = 3000
    changed = udfs.MPP_SUMMARY(edited)
    assert excel_session.cache_stats()["runs"][1] == runs_before + 1
    assert changed != first
    assert udfs.MPP_SUMMARY(rows) == first  # back to the original content: served from the cache again


@pytest.mark.parametrize("call, message", [
    (lambda rows: udfs.MPP_PROJECTION("coa.bezetting", "medio", rows),
     "Fout: reeks: onbekende reeks 'coa.bezetting'"),
    (lambda rows: udfs.MPP_PROJECTION("coa.occupancy", "mediu", rows),
     "Fout: scenario: onbekend scenario 'mediu' (bedoelt u 'medio'?); kies min, medio, max, all"),
    (lambda rows: udfs.MPP_PENALTIES("medio", "all_undon", rows),
     "Fout: variant: onbekende variant 'all_undon' (bedoelt u 'all_undone'?); kies base, all_undone, first_holds, "
     "wbv_2023_26_withdrawn of all"),
    (lambda rows: udfs.MPP_PROJECTION("all", "all", rows),
     "Fout: reeks en scenario kunnen niet allebei 'all' zijn: kies één reeks of één scenario"),
    (lambda rows: udfs.MPP_PROJECTION("coa.occupancy", "#N/A", rows),
     "Fout: scenario: de cel bevat de Excel-fout #N/A"),
    (lambda rows: udfs.MPP_PROJECTION("coa.occupancy", 3.0, rows),
     "Fout: scenario: verwacht tekst, maar kreeg het getal 3.0"),
    (lambda rows: udfs.MPP_SUMMARY(rows[0]),
     "Fout: aannames: verwacht de tabel Aannames met 7 kolommen (parameter,scenario,from,to,value,unit,source) "
     "met de kopregel, maar kreeg één cel of rij"),
    (lambda rows: udfs.MPP_SUMMARY([r[:3] for r in rows]),
     "Fout: aannames: de tabel Aannames heeft nodig: 7 kolommen (parameter,scenario,from,to,value,unit,source), kreeg 3"),
])
def test_bad_arguments_give_one_line(call, message):
    result = call(assumption_rows())
    assert result == [[message]]


def test_bad_assumption_cells_name_the_row():
    rows = assumption_rows()
    cases = [(4, "#DIV/0!", "Fout: Aannames, rij 5, kolom 'value': de cel bevat de Excel-fout #DIV/0!"),
             (4, "veel", "Fout: Aannames, rij 5, kolom 'value': 'veel' is geen getal"),
             (4, float("nan"), "Fout: Aannames, rij 5, kolom 'value': verplichte waarde ontbreekt"),
             (4, 1e308, "Fout: Aannames, rij 5, kolom 'value': 1e+308 is onwaarschijnlijk groot (meer dan 1e+12)"),
             (1, "mediu", "Fout: Aannames, rij 5, kolom 'scenario': onbekend scenario 'mediu' (bedoelt u 'medio'?); "
                          "kies uit min, medio, max, all")]
    for column, value, message in cases:
        edited = [list(r) for r in rows]
        edited[4][column] = value
        assert udfs.MPP_SUMMARY(edited) == [[message]]


def test_cells_as_excel_delivers_them_are_normalised():
    """Dates as serials, numbers as text, None for empty cells: the same result as the clean table."""
    rows = assumption_rows()
    messy = [list(r) for r in rows]
    for row in messy[1:]:
        if isinstance(row[2], dt.datetime):
            row[2] = float((row[2] - dt.datetime(1899, 12, 30)).days)
        if isinstance(row[4], (int, float)):
            row[4] = str(row[4])
    assert udfs.MPP_VERSION(messy) == udfs.MPP_VERSION(rows)


def test_unexpected_errors_are_logged_not_shown(monkeypatch, tmp_path):
    monkeypatch.setattr(excel_session, "LOG_FILE", tmp_path / "udf.log")
    monkeypatch.setattr(excel_session, "run_model", lambda *a, **k: 1 / 0)
    result = udfs.MPP_SUMMARY(None)
    assert len(result) == 1 and result[0][0].startswith("Fout: interne fout in summary_table (ZeroDivisionError)")
    assert "Traceback" in (tmp_path / "udf.log").read_text()


# ---------------------------------------------------------------- layer 1: window, budget, editions, measures

SWITCHES_OFF = [["beleidspad_instroom", "nee"], ["nareisrem", "nee"], ["ind_capaciteitsplan", "nee"],
                ["huisvesting_versneld", "nee"]]


def _switches(*on):
    return [[name, "ja" if name in on else "nee"] for name, _ in SWITCHES_OFF]


@pytest.fixture(scope="module")
def default_result():
    from mpp_xl.model import run_model
    return run_model(AssumptionSet.default(), variants=excel_api.WORKBOOK_VARIANTS)


def test_every_total_and_delta_takes_a_window(default_result):
    """MPP_SUMMARY over 2026-2030 equals the core's penalties (penalties.csv) summed over those years; its header
    shows the window; the per-year tables end in the window's total."""
    penalties = default_result.penalty_frame()
    table = udfs.MPP_SUMMARY(assumption_rows(), "2026-2030")
    from mpp_xl.catalogue import variant_name
    variants = list(excel_api.WORKBOOK_VARIANTS)  # the letter's three and the current legal situation
    others = variants[1:]
    assert table[0] == ["scenario", *(f"{variant_name(v)} 2026-2030 (EUR)" for v in variants),
                        *(f"verschil {variant_name(v)} 2026-2030 (EUR)" for v in others)]
    window = penalties[(penalties.track == "total") & penalties.year.between(2026, 2030)]
    for row in table[1:]:
        sums = window[window.scenario == row[0]].groupby("variant")[["amount_eur", "delta_vs_base_eur"]].sum()
        assert row[1:1 + len(variants)] == pytest.approx(sums.amount_eur[variants].to_numpy(), abs=0.01)
        assert row[1 + len(variants):] == pytest.approx(sums.delta_vs_base_eur[others].to_numpy(), abs=0.01)
    assert udfs.MPP_SUMMARY(None)[0][1] == "basis 2024-2027 (EUR)"  # empty window: the letter's
    yearly = udfs.MPP_PENALTIES("medio", "all_undone", None, "2026-2030")
    assert [r[0] for r in yearly[1:-1]] == [float(y) for y in range(2022, 2031)]
    assert yearly[-1][0] == "totaal 2026-2030"
    inside = [r for r in yearly[1:-1] if 2026 <= r[0] <= 2030]
    assert yearly[-1][1:] == pytest.approx([sum(r[c] for r in inside) for c in range(1, len(yearly[0]))])
    assert yearly[-1][3] == pytest.approx(table[2][2], abs=0.01)  # medio all_undone: the same total both ways


def test_budget_equals_the_budget_frame(default_result):
    """MPP_BUDGET: lines down, the window's total and its years across; amounts equal budget_frame()."""
    table = udfs.MPP_BUDGET("medio", "all_undone", "2026-2030", assumption_rows())
    assert table[0] == ["code", "begrotingsregel", "totaal 2026-2030 (EUR)", 2026.0, 2027.0, 2028.0, 2029.0, 2030.0]
    assert [r[0] for r in table[1:]] == list(LINES)
    assert [r[1] for r in table[1:]][0] == "COA regulier, bezette plaatsen"
    frame = default_result.budget_frame()
    frame = frame[(frame.scenario == "medio") & (frame.variant == "all_undone")].set_index(["line", "year"])
    for row in table[1:]:
        expected = [frame.amount_eur[(row[0], year)] for year in range(2026, 2031)]
        assert row[3:] == pytest.approx(expected, rel=1e-12), row[0]
        assert row[2] == pytest.approx(sum(expected), rel=1e-12), row[0]


def test_budget_of_an_edition_with_measures_equals_the_core():
    """The same inputs through the core: edition mpp-2024-I, the nareis restriction switched on, max, base."""
    from mpp_xl.editions import edition_set
    from mpp_xl.measures import apply_measures
    from mpp_xl.model import run_model
    aset = apply_measures(edition_set("mpp-2024-I", ("min", "medio", "max"), excel_api.GRID), ["nareisrem"])
    frame = run_model(aset, excel_api.GRID, ["max"], ["base"]).budget_frame().set_index(["line", "year"])
    table = udfs.MPP_BUDGET("max", "base", "2027-2030", None, "mpp-2024-I", _switches("nareisrem"))
    for row in table[1:]:
        assert row[3:] == pytest.approx([frame.amount_eur[(row[0], y)] for y in range(2027, 2031)], rel=1e-12)


def test_a_price_gap_is_an_empty_cell_never_zero():
    """No normbedrag for Ukraine before 2025: its 2024 and its window total stay empty; the total line shows the
    lines with a known price, marked in its label with what it leaves out."""
    table = udfs.MPP_BUDGET("medio", "base", None, None)
    assert table[0][2:] == ["totaal 2024-2027 (EUR)", 2024.0, 2025.0, 2026.0, 2027.0]
    rows = {r[0]: r for r in table[1:]}
    assert rows["ukraine.municipal"][2:4] == [None, None] and rows["ukraine.municipal"][4] > 0
    assert rows["total"][3] > 0 and rows["total"][2] == pytest.approx(sum(rows["total"][3:]))
    assert rows["total"][1].endswith("* (zonder opvang Oekraïne (normbedrag gemeenten) 2024: geen prijs bekend)")
    assert all(v is not None and v > 0 for v in rows["coa.total"][2:])


def test_compare_2024_I_with_2024_II():
    """Kamerbrief 2 Dec 2024: medio 2025 was 76,400 in MPP 2024-I and is 66,000 in 2024-II, verschil -10,400."""
    table = udfs.MPP_COMPARE("mpp-2024-I", "mpp-2024-II", "inflow.total", None)
    assert table[0] == ["code", "omschrijving", "periode", "A: MPP 2024-I", "B: MPP 2024-II", "verschil (B - A)",
                        "eenheid"]
    row = next(r for r in table[1:] if r[2] == "2025")
    assert row[3:6] == pytest.approx([76400, 66000, -10400], abs=1e-6) and row[6] == "personen"
    everything = udfs.MPP_COMPARE("mpp-2024-I", "mpp-2024-II", "all", None)
    codes = list(dict.fromkeys(r[0] for r in everything[1:]))
    assert codes == list(excel_api.COMPARE_WHAT) and set(codes) <= set(excel_api.COMPARE_LABELS_NL)
    need = next(r for r in everything[1:] if r[0] == "coa.capacity_need" and r[2] == "2025-12-31")
    coa = [r for r in everything[1:] if r[0] == "budget.coa.total"]
    assert need[5] < 0 and coa[-1][2] == "2024-2027" and coa[-1][5] < 0  # the window total comes last
    assert coa[-1][5] == pytest.approx(sum(r[5] for r in coa if r[2] in ("2024", "2025", "2026", "2027")))
    budget = udfs.MPP_COMPARE("mpp-2024-I", "mpp-2024-II", "budget.*", None, "max", "all_undone", "2026-2030")
    assert {r[0] for r in budget[1:]} == {f"budget.{line}" for line in LINES}
    assert [r[2] for r in budget[1:] if r[0] == "budget.total"][-1] == "2026-2030"


def test_compare_equals_the_core_comparison():
    from mpp_xl.compare import comparison_frame
    from mpp_xl.editions import edition_set
    from mpp_xl.model import run_model
    runs = [run_model(edition_set(name, ["medio"], excel_api.GRID), excel_api.GRID, ["medio"], ["base"])
            for name in ("mpp-2024-I", "mpp-2024-II")]
    frame = comparison_frame(*runs).set_index(["what", "period"])
    table = udfs.MPP_COMPARE("mpp-2024-I", "mpp-2024-II", "all", None)
    assert len(table) - 1 == len(frame)
    for row in table[1:]:
        expected = frame.loc[(row[0], row[2])]
        for value, core in zip(row[3:6], (expected.value_a, expected.value_b, expected.delta)):
            assert (value is None and np.isnan(core)) or value == pytest.approx(core, rel=1e-12, abs=1e-6), row


def test_measures_switches_change_the_result_as_apply_measures():
    from mpp_xl.cli import effective_assumptions
    from mpp_xl.measures import apply_measures
    from mpp_xl.model import run_model
    assert udfs.MPP_SUMMARY(None, None, None, SWITCHES_OFF) == udfs.MPP_SUMMARY(None)  # all nee: nothing changes
    switched = udfs.MPP_SUMMARY(None, "2026-2030", None, _switches("nareisrem", "ind_capaciteitsplan"))
    aset = apply_measures(AssumptionSet.default(), ["nareisrem", "ind_capaciteitsplan"])
    totals = run_model(aset, window="2026-2030").window_totals().set_index(["scenario", "variant"])
    for row in switched[1:]:
        expected = [totals.amount_eur[(row[0], v)] for v in ("base", "all_undone", "first_holds")]
        assert row[1:4] == pytest.approx(expected, abs=0.01)
    assert switched != udfs.MPP_SUMMARY(None, "2026-2030")
    # the same assumption set as the command line with the same measures, in the order listed: the same hash
    version = udfs.MPP_VERSION(None, None, _switches("nareisrem", "ind_capaciteitsplan"))[0][0]
    cli_set, _, _ = effective_assumptions(None, None, ["nareisrem", "ind_capaciteitsplan"])
    assert version == f"mpp-xl 0.1.0 | {cli_set.name} | {cli_set.digest}"
    assert "+ measures nareisrem, ind_capaciteitsplan" in version
    reordered = [["ind_capaciteitsplan", "ja"], ["nareisrem", "ja"]]
    assert "+ measures ind_capaciteitsplan, nareisrem" in udfs.MPP_VERSION(None, None, reordered)[0][0]
    inflow = udfs.MPP_PROJECTION("inflow.total", "all", None, "jaar", "mpp-2024-II", _switches("beleidspad_instroom"))
    assert inflow[-1] == pytest.approx([2030.0, 24730.0, 24730.0, 24730.0])  # the budget's inflow path from 2027


@pytest.mark.parametrize("call, message", [
    (lambda: udfs.MPP_SUMMARY(None, "2026/2030"),
     "Fout: venster '2026/2030': schrijf het als JJJJ-JJJJ, bijvoorbeeld 2026-2030"),
    (lambda: udfs.MPP_BUDGET("medio", "base", "2020-2024"),
     "Fout: venster 2020-2024 ligt buiten de horizon 2022-01..2030-12 (een venster bestaat uit hele jaren binnen "
     "de horizon)"),
    (lambda: udfs.MPP_PENALTIES("medio", "base", None, "2030-2026"),
     "Fout: venster 2030-2026: eindigt voordat het begint"),
    (lambda: udfs.MPP_SUMMARY(None, 2026.0),
     "Fout: venster '2026': schrijf het als JJJJ-JJJJ, bijvoorbeeld 2026-2030"),
    (lambda: udfs.MPP_COMPARE("mpp-2024-I", "mpp-2024-II", "all", None, "medio", "base", "#N/A"),
     "Fout: venster: de cel bevat de Excel-fout #N/A"),
    (lambda: udfs.MPP_BUDGET("medio", "base", None, None, "mpp-2024-III"),
     re.compile(re.escape("Fout: editie: onbekende editie 'mpp-2024-III' (bedoelt u 'mpp-2024-II'?); beschikbaar: "
                          "mpp-2022-II, mpp-2023-I, mpp-2023-II, mpp-2024-I, mpp-2024-II, mpp-2025-I, mpp-2025-II")
                + "(, realised)?" + re.escape(" (zie de keuzelijst Editie op Start)"))),
    (lambda: udfs.MPP_COMPARE("mpp-2024-I", "MPP 2024-II", "all"),
     re.compile(re.escape("Fout: b: onbekende editie 'MPP 2024-II' (bedoelt u 'mpp-2024-II'?); beschikbaar: "
                          "mpp-2022-II, mpp-2023-I, mpp-2023-II, mpp-2024-I, mpp-2024-II, mpp-2025-I, mpp-2025-II")
                + "(, realised)?" + re.escape(" (zie de keuzelijst Editie op Start)"))),
    (lambda: udfs.MPP_COMPARE("mpp-2024-I", None, "all"), "Fout: b: verplichte waarde ontbreekt"),
    (lambda: udfs.MPP_SUMMARY(None, None, "mpp-2023-II"),
     "Fout: editie MPP 2023-II publiceert geen medio instroom voor 2024 (ontbrekende cijfers worden niet bedacht); "
     "cijfers zijn er voor 2023: min medio max; 2024: min max: kies een andere editie"),
    (lambda: udfs.MPP_COMPARE("mpp-2024-I", "mpp-2024-II", "coa.need"),
     "Fout: wat: onbekende vergelijking 'coa.need' (bedoelt u 'coa.capacity_need'?); kies all of een van "
     + ", ".join(excel_api.COMPARE_WHAT)),
    (lambda: udfs.MPP_BUDGET("medio", "all"),
     "Fout: variant: 'all' kan hier niet; kies base, all_undone, first_holds, wbv_2023_26_withdrawn"),
    (lambda: udfs.MPP_SUMMARY(None, None, None, [["nareisrem", "misschien"]]),
     "Fout: maatregelen, rij 1: 'misschien' is niet ja of nee"),
    (lambda: udfs.MPP_SUMMARY(None, None, None, [["nareisrm", "ja"]]),
     "Fout: maatregelen: onbekende maatregel 'nareisrm' (bedoelt u 'nareisrem'?); beschikbaar: beleidspad_instroom, "
     "nareisrem, ind_capaciteitsplan, huisvesting_versneld (zie de maatregelen op Start)"),
    (lambda: udfs.MPP_SUMMARY(None, None, None, [["nareisrem", "ja"], ["nareisrem", "ja"]]),
     "Fout: maatregelen: nareisrem staat er twee keer in"),
])
def test_bad_window_edition_and_measures_give_one_dutch_line(call, message):
    result = call()
    if isinstance(message, re.Pattern):  # the list of editions may end in realised
        assert len(result) == 1 and len(result[0]) == 1 and message.fullmatch(result[0][0]), result
    else:
        assert result == [[message]]


# ---------------------------------------------------------------- layer 2: Windows decorators (emulated platform)

def test_udf_contract_under_the_windows_decorators():
    from xlwings_windows import windows_udfs
    _, module = windows_udfs()
    for name in udfs.UDF_NAMES:
        info = getattr(module, name).__xlfunc__
        assert info["name"] == name and info["ret"]["doc"] and info["category"] == "mpp-xl", name
        assert not info["ret"]["options"].get("expand"), f"{name} must return a native dynamic array"
        for arg in info["args"]:
            assert arg["doc"], f"{name}.{arg['name']} has no explanation for the function wizard"
            assert arg["options"].get("err_to_str") is True
            if arg["name"] == "assumptions":
                assert arg["options"].get("ndim") == 2
    def args(name):
        return [a["name"] for a in getattr(module, name).__xlfunc__["args"]]
    assert args("MPP_PROJECTION") == ["metric", "scenario", "assumptions", "frequency", "edition", "measures"]
    assert args("MPP_BUDGET")[:4] == ["scenario", "variant", "window", "assumptions"]
    assert args("MPP_COMPARE")[:4] == ["a", "b", "what", "assumptions"]
    assert args("MPP_BACKTEST") == ["metric", "what"]  # the published record: no assumptions, edition or measures
    for name in set(udfs.UDF_NAMES) - {"MPP_BACKTEST"}:  # every total and delta takes a window; every table the
        assert {"edition" if name != "MPP_COMPARE" else "a", "measures"} <= set(args(name)), name  # choices of Start
        if name in ("MPP_SUMMARY", "MPP_PENALTIES", "MPP_BUDGET", "MPP_COMPARE"):
            assert "window" in args(name), name


def test_committed_vba_wrappers_are_in_step_with_the_code():
    from xlwings_windows import vba_wrapper_text
    assert (ROOT / "workbooks" / "xlwings_udfs.bas").read_text(encoding="utf-8") == vba_wrapper_text()


# ---------------------------------------------------------------- layer 3: xlwings conversion (emulated engine)

class _StandInEngine:
    """Modelled on xlwings._xlwindows.Engine: COM hands empty cells as None and errors as integer codes."""

    name, type = "excel", "desktop"
    errors = {-2146826281: "#DIV/0!", -2146826246: "#N/A"}

    @staticmethod
    def prepare_xl_data_element(x, date_format):
        if x is None or (isinstance(x, float) and np.isnan(x)):
            return ""
        return float(x) if isinstance(x, np.number) else x

    @classmethod
    def clean_value_data(cls, data, datetime_builder, empty_as, number_builder, err_to_str):
        def clean(c):
            if c in ("", None):
                return empty_as
            if isinstance(c, int) and c in cls.errors:
                return cls.errors[c] if err_to_str else None
            return c
        return [[clean(c) for c in row] for row in data]


@pytest.fixture
def stand_in_engine(monkeypatch):
    from xlwings.main import Engine
    engine = Engine(impl=_StandInEngine())
    monkeypatch.setitem(xlwings.engines.engines_by_name, "excel", engine)  # what Windows registers at import
    return engine


def test_arguments_and_results_through_xlwings_conversion(stand_in_engine):
    from xlwings import conversion
    from xlwings_windows import windows_udfs
    _, module = windows_udfs()
    info = module.MPP_PROJECTION.__xlfunc__
    com_rows = tuple(tuple("" if c is None else c for c in r) for r in assumption_rows())
    options = {a["name"]: a["options"] for a in info["args"]}
    assumptions = conversion.read(None, com_rows, options["assumptions"])
    assert isinstance(assumptions, list) and len(assumptions[0]) == 7 and assumptions[-1][0] is None
    scenario = conversion.read(None, "medio", options["scenario"])
    table = module.MPP_PROJECTION("coa.capacity_need", scenario, assumptions, "jaar")
    written = conversion.write(table, None, info["ret"]["options"])
    assert written[0] == ["jaar", excel_api.metric_label("coa.capacity_need")] and len(written) == 10
    assert 109250 <= written[4][1] <= 120750  # 1 Jan 2026 = year end 2025: Kamerbrief 115,000 +-5%
    error_rows = tuple(r if i != 4 else (r[0], r[1], r[2], r[3], -2146826246, r[5], r[6]) for i, r in enumerate(com_rows))
    failed = module.MPP_SUMMARY(conversion.read(None, error_rows, options["assumptions"]))
    assert conversion.write(failed, None, info["ret"]["options"]) == [
        ["Fout: Aannames, rij 5, kolom 'value': de cel bevat de Excel-fout #N/A"]]


# ---------------------------------------------------------------- layer 4: the file, read back with openpyxl

BUILTINS = {"IF", "IFERROR", "INDEX", "MATCH", "SUM", "TRANSPOSE", "AND", "ISNUMBER",  # Keten, Vergelijking
            "SUMPRODUCT", "ABS", "VALUE", "LEFT", "RIGHT", "COUNTIF", "COUNTIFS"}  # the sum checks on Controles


def test_committed_workbook_equals_a_fresh_build():
    """The committed deliverable is in step with the code (regenerate with mpp-xl build-workbook --force)."""
    assert COMMITTED.read_bytes() == workbook().read_bytes()


def test_opening_keeps_the_cached_results():
    """No full calculation on load (it would replace the cached numbers by #NAME? before the UDFs exist)."""
    import zipfile
    with zipfile.ZipFile(workbook()) as archive:
        workbook_xml = archive.read("xl/workbook.xml").decode()
    calc = re.search(r"<calcPr[^>]*>", workbook_xml).group(0)
    assert "fullCalcOnLoad" not in calc and int(re.search(r'calcId="(\d+)"', calc).group(1)) >= 191029


def test_workbook_structure():
    book = openpyxl.load_workbook(workbook(), keep_vba=True)
    from mpp_xl.workbook import AANNAMES_HEADERS
    assert book.sheetnames == ["Start", "Aannames", "Realisaties", "Instroom", "Keten", "Dwangsommen", "Begroting",
                               "Vergelijking", "Terugblik", "Onzekerheid", "Grafieken", "Controles", "Rekenblad",
                               "xlwings.conf", "Keuzelijsten"]
    assert [ws.title for ws in book if ws.sheet_state == "hidden"] == ["Rekenblad", "Keuzelijsten"]
    assert {"Aannames", "KeuzeScenario", "KeuzeScenarioNaam", "KeuzeVariant", "KeuzeVariantNaam", "KeuzeEditie",
            "KeuzeEditieNaam"} <= set(book.defined_names.keys())
    assert not [n for n in book.defined_names.keys()  # one choice on Start, no selector per sheet
                if re.fullmatch(r"Keuze(Scenario|Variant)\w+", n) and not n.endswith("Naam")]
    assert book.defined_names["Aannames"].attr_text.startswith("Aannames!$B$1:$H$")
    header = book["Aannames"]["B1:H1"][0]
    assert [c.value for c in header] == list(COLUMNS)  # the keys the reader needs, shown by their Dutch names
    assert [c.number_format for c in header] == [f';;;"{AANNAMES_HEADERS[k]}"' for k in COLUMNS]
    assert not any(book["Aannames"].cell(r, 2).value and str(book["Aannames"].cell(r, 2).value).startswith("history.")
                   for r in range(2, book["Aannames"].max_row + 1))  # realised figures are on Realisaties
    conf = {r[0]: r[1] for r in book["xlwings.conf"].iter_rows(values_only=True)}
    assert conf["UDF Modules"] == "mpp_xl.udfs" and conf["Use UDF Server"] is False
    assert book.vba_archive is not None and "xl/vbaProject.bin" in book.vba_archive.namelist()
    lists = [dv.formula1 for ws in book for dv in ws.data_validations.dataValidation]
    assert {"ScenarioNamen", "VariantNamen", "EditieNamen"} <= set(lists)  # the Dutch names, on Start
    charts = {ws.title: len(ws._charts) for ws in book if ws._charts}
    assert charts == {"Begroting": 3, "Vergelijking": 2, "Terugblik": 1, "Onzekerheid": 3, "Grafieken": 3}


def test_start_holds_the_edition_the_window_and_a_switch_per_measure():
    from mpp_xl.editions import available_editions
    from mpp_xl.measures import available_measures
    book = openpyxl.load_workbook(workbook())
    names = {n: d.attr_text for n, d in book.defined_names.items()}
    from mpp_xl.catalogue import SCENARIOS_NL, variant_name
    from mpp_xl.workbook import WORKBOOK_VARIANTS
    assert {"KeuzeEditie", "KeuzeEditieNaam", "Venster", "Maatregelen", "KeuzeScenario", "KeuzeScenarioNaam",
            "KeuzeVariant", "KeuzeVariantNaam", "KeuzeEditieA", "KeuzeEditieB"} <= set(names)
    start = book["Start"]
    cell = {n: names[n].split("!")[1].replace("$", "") for n in names}
    for chosen in ("KeuzeEditieNaam", "Venster", "KeuzeScenarioNaam", "KeuzeVariantNaam", "Maatregelen"):
        assert names[chosen].startswith("Start!"), chosen  # every choice on Start
    assert start[cell["KeuzeEditieNaam"]].value == excel_api.edition_title("mpp-2024-II")
    assert start[cell["Venster"]].value == "2024-2027"
    assert start[cell["KeuzeScenarioNaam"]].value == SCENARIOS_NL["medio"]
    assert start[cell["KeuzeVariantNaam"]].value == variant_name("base")
    validations = {str(dv.sqref): dv.formula1 for dv in start.data_validations.dataValidation}

    def listed(name: str) -> list:
        sheet, cells = names[name].split("!")
        return [c.value for row in book[sheet][cells.replace("$", "")] for c in row]

    editions = [*available_editions(), "realised"]
    assert validations[cell["KeuzeEditieNaam"]] == "EditieNamen" and listed("EditieCodes") == editions
    assert listed("EditieNamen") == [excel_api.edition_title(e) for e in editions]
    assert validations[cell["KeuzeScenarioNaam"]] == "ScenarioNamen"
    assert listed("ScenarioNamen") == [SCENARIOS_NL[s] for s in ("min", "medio", "max")]
    assert validations[cell["KeuzeVariantNaam"]] == "VariantNamen"
    assert listed("VariantNamen") == [variant_name(v) for v in WORKBOOK_VARIANTS]
    lists = book["Keuzelijsten"]  # the codes the formulas pass: looked up from the Dutch names chosen on Start
    for code, shown in (("KeuzeEditie", "KeuzeEditieNaam"), ("KeuzeScenario", "KeuzeScenarioNaam"),
                        ("KeuzeVariant", "KeuzeVariantNaam")):
        assert names[code].startswith("Keuzelijsten!") and shown in lists[cell[code]].value, code
    switches = start[names["Maatregelen"].split("!")[1].replace("$", "")]
    shipped = available_measures(AssumptionSet.default().registry)
    assert [row[0].value for row in switches] == list(shipped)  # one switch per shipped measure, in their order
    for row in switches:
        name, switch = row[0].value, row[1]
        status, description = start.cell(switch.row, 3).value, start.cell(switch.row, 4).value
        assert switch.value == "nee" and validations[switch.coordinate] == '"ja,nee"'
        assert description == shipped[name].description_nl
        assert status.startswith({"policy assumption": "beleidsaanname", "illustrative": "illustratief"}[
            shipped[name].status])
    assert book["Begroting"][_spill_ref("Begroting", "MPP_BUDGET").split(":")[0]].value.text.startswith(
        "=MPP_BUDGET(KeuzeScenario,KeuzeVariant,Venster,Aannames,KeuzeEditie,Maatregelen)")


def test_charts_show_years_never_a_window_total():
    """Begroting: the charts read the year columns (D onwards, as many as the horizon has years, so a longer
    window shows whole) and not the window total in column C; the penalty chart stops above the total row."""
    import zipfile
    with zipfile.ZipFile(workbook()) as archive:
        refs = [ref for name in archive.namelist() if name.startswith("xl/charts/chart")
                for ref in re.findall(r"<c:f>([^<]*)</c:f>", archive.read(name).decode())]
    from openpyxl.utils import column_index_from_string, range_boundaries
    from mpp_xl.workbook import N_YEARS
    book = openpyxl.load_workbook(workbook(), data_only=True)
    # the Begroting charts read the budget over the whole horizon on Rekenblad: its year columns (D onwards, each
    # group from the first year it has a price, up to the horizon's last year), never the total in column C
    horizon = _spill_ref("Rekenblad", "MPP_BUDGET")
    left, top, _, _ = range_boundaries(horizon)
    first_year, last_year = left + 3, left + 2 + N_YEARS
    assert str(book["Rekenblad"].cell(top, left + 2).value).startswith("totaal")
    budget = [s.val.numRef.f for chart in openpyxl.load_workbook(workbook())["Begroting"]._charts
              for s in chart.series]
    assert len(budget) >= 3
    for ref in budget:
        match = re.fullmatch(r"Rekenblad!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$\2", ref)
        assert match and int(match.group(2)) > top, ref
        assert first_year <= column_index_from_string(match.group(1)) and column_index_from_string(
            match.group(3)) == last_year, ref
    total = _spill_ref("Begroting", "MPP_BUDGET").split(":")[0].replace("A", "C")
    assert book["Begroting"][total].value == "totaal 2024-2027 (EUR)"
    for ref in refs:
        sheet, cells = ref.split("!")
        for row in book[sheet][cells.replace("$", "")] if ":" in cells else ():
            for cell in row:
                assert not str(cell.value).startswith("totaal"), (ref, cell.coordinate)


def test_every_formula_calls_only_builtins_or_our_udfs_and_has_a_cached_value():
    book = openpyxl.load_workbook(workbook())
    cached = openpyxl.load_workbook(workbook(), data_only=True)
    udf_calls, model_calls = 0, 0
    for ws in book:
        for row in ws.iter_rows():
            for cell in row:
                text = cell.value.text if isinstance(cell.value, ArrayFormula) else cell.value
                if isinstance(text, str) and text.startswith("="):
                    calls = re.findall(r"\b(MPP_[A-Z]+)\(", text)  # Keten: =TRANSPOSE(MPP_PROJECTION(...))
                    udf_calls += bool(calls)  # the others are titles, labels that name a choice and the checks
                    model_calls += bool(calls) and calls != ["MPP_BACKTEST"]
                    names = set(re.findall(r"([A-Z][A-Z0-9_.]*)\(", text))
                    assert names <= set(udfs.UDF_NAMES) | BUILTINS, (ws.title, cell.coordinate, names)
                    value = cached[ws.title][cell.coordinate].value
                    arithmetic = re.fullmatch(r"=\$?[A-Z]+\$?\d+(-\$?[A-Z]+\$?\d+)?", text)  # a band's width may be 0
                    # Vergelijking's B - A: IF(both numbers, B - A, ""): blank where a price is unknown, 0 where
                    # the editions agree
                    difference = re.fullmatch(r'=IF\(AND\(ISNUMBER\((\$?[A-Z]+\$?\d+)\),ISNUMBER\((\$?[A-Z]+\$?\d+)\)\),'
                                              r'\2-\1,""\)', text)
                    if difference and value is not None:  # a number only where both editions have one
                        assert all(isinstance(cached[ws.title][ref.replace("$", "")].value, (int, float))
                                   for ref in difference.groups()), (ws.title, cell.coordinate)
                    assert (value is not None or difference) and (value != 0 or arithmetic or difference), (
                        ws.title, cell.coordinate)
                    assert not str(value).startswith("Fout"), (ws.title, cell.coordinate)
                    assert set(re.findall(r"\b(MPP_[A-Z]+)\(", text)) <= set(udfs.UDF_NAMES)
    # every UDF call of a full recalculation: 16 read the deterministic model (Start 1, Instroom 2, Keten 3,
    # Dwangsommen 3, Begroting 1, Vergelijking 2, Rekenblad 4), 5 the Monte Carlo (the 3 bands, one of them on
    # Rekenblad, share one simulation; 2 tornadoes); the 3 of Terugblik read only the published record (cached, and
    # with no input cell Excel never recalculates them on an edit)
    assert (model_calls, udf_calls) == (21, 24)


def test_build_refuses_to_overwrite_a_different_workbook(tmp_path):
    target = tmp_path / "book.xlsm"
    shutil.copy(workbook(), target)
    assert "up to date" in build_workbook_file(target)
    target.write_bytes(b"edited by hand")
    with pytest.raises(Exception, match="differs from a fresh build"):
        build_workbook_file(target)
    assert target.read_bytes() == b"edited by hand"
    message = build_workbook_file(target, force=True)
    backups = list(tmp_path.glob("book.backup-*.xlsm"))
    assert len(backups) == 1 and backups[0].read_bytes() == b"edited by hand" and "kept as" in message
    assert target.read_bytes() == workbook().read_bytes()


# ---------------------------------------------------------------- layer 5: recalculation with `formulas` (emulated)

def _spill_ref(sheet: str, udf: str) -> str:
    ws = openpyxl.load_workbook(workbook())[sheet]
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, ArrayFormula) and cell.value.text.startswith(f"={udf}("):
                return cell.value.ref
    raise AssertionError(f"{udf} not found on {sheet}")


def _aannames_cell(index: int, column: str) -> str:
    """The sheet cell of row ``index`` (counted in the named range Aannames) and one of its COLUMNS."""
    from openpyxl.utils import get_column_letter, range_boundaries
    book = openpyxl.load_workbook(workbook())
    min_col, min_row, _, _ = range_boundaries(book.defined_names["Aannames"].attr_text.split("!")[1].replace("$", ""))
    return f"{get_column_letter(min_col + COLUMNS.index(column))}{min_row + index}"


def _value_cell_of(parameter: str, value: float) -> str:
    rows = assumption_rows()
    index = next(i for i, r in enumerate(rows) if r[0] == parameter and r[4] == value)
    return _aannames_cell(index, "value")


@pytest.fixture(scope="module")
def recalculated():
    from formulas_engine import load
    excel_api.clear_caches()
    model = load(workbook())
    return model, model.calculate()


def test_recalculated_workbook_equals_the_cli(recalculated, tmp_path):
    from formulas_engine import cell_ref
    _, solution = recalculated
    penalties, _ = cli_tables(tmp_path)
    summary = np.asarray(solution[cell_ref("mpp_model.xlsm", "Dwangsommen", _spill_ref("Dwangsommen", "MPP_SUMMARY"))].value)
    window = penalties[(penalties.track == "total") & penalties.year.between(2024, 2027)]
    medio = window[window.scenario == "medio"].groupby("variant").amount_eur.sum()
    row = [r for r in summary.tolist() if r[0] == "medio"][0]
    assert row[1:4] == pytest.approx([medio["base"], medio["all_undone"], medio["first_holds"]], abs=0.01)


def test_changing_an_input_cell_changes_outputs_as_the_cli_override(recalculated, tmp_path):
    """Aannames: IND capacity 2025 from its default to the value of examples/override_ind_capacity.csv, the same
    as that override on the command line."""
    from formulas_engine import cell_ref
    model, _ = recalculated
    example = EXAMPLES / "override_ind_capacity.csv"
    override = pd.read_csv(example).set_index(["parameter", "from"]).value[("ind.capacity.asylum", "2025-01-01")]
    assert override != capacity_2025()
    # the example's record typed into a spare row of Aannames, as the sheet says a correction is made
    record = pd.read_csv(example, keep_default_na=False).iloc[0]
    spare = len(assumption_rows()) - 1
    assert all(v is None for v in assumption_rows()[spare])
    serial = lambda day: float((dt.datetime.fromisoformat(day) - dt.datetime(1899, 12, 30)).days)  # noqa: E731
    typed = {"parameter": record.parameter, "scenario": record.scenario, "from": serial(record["from"]),
             "to": serial(record.to), "value": float(record.value), "unit": record.unit, "source": record.source}
    solution = model.calculate(inputs={cell_ref("mpp_model.xlsm", "Aannames", _aannames_cell(spare, column)): value
                                       for column, value in typed.items()})
    penalties, projection = cli_tables(tmp_path, "--assumptions", str(example))
    unchanged = np.asarray(model.calculate()[cell_ref("mpp_model.xlsm", "Dwangsommen",
                                                      _spill_ref("Dwangsommen", "MPP_SUMMARY"))].value).tolist()
    summary = np.asarray(solution[cell_ref("mpp_model.xlsm", "Dwangsommen", _spill_ref("Dwangsommen", "MPP_SUMMARY"))].value)
    window = penalties[(penalties.track == "total") & penalties.year.between(2024, 2027)]
    medio = window[window.scenario == "medio"].groupby("variant").amount_eur.sum()
    row = [r for r in summary.tolist() if r[0] == "medio"][0]
    assert row[1:4] == pytest.approx([medio["base"], medio["all_undone"], medio["first_holds"]], abs=0.01)
    assert summary.tolist() != unchanged  # the edit moved the outputs
    (ind_ref,) = [ref for ref, text in _spill_texts("Keten", "TRANSPOSE") if 'MPP_PROJECTION("ind.*"' in text]
    chain = np.asarray(solution[cell_ref("mpp_model.xlsm", "Keten", ind_ref)].value).T  # Keten: series down
    header = chain[0].tolist()
    year_2025 = [r for r in chain.tolist() if r[0] == 2025][0]
    cli_pending = projection[(projection.metric == "ind.pending.asylum") & (projection.scenario == "medio")
                             & (projection.variant == "base") & (projection.date == "2025-12-31")].value.item()
    assert year_2025[header.index(excel_api.metric_label("ind.pending.asylum", "year"))] == pytest.approx(
        cli_pending, abs=1e-3)


def _table(solution, sheet: str, udf: str) -> list[list]:
    from formulas_engine import cell_ref
    return np.asarray(solution[cell_ref("mpp_model.xlsm", sheet, _spill_ref(sheet, udf))].value).tolist()


def _budget_rows(solution) -> dict[str, list]:
    table = _table(solution, "Begroting", "MPP_BUDGET")
    return {r[0]: r for r in table[1:]} | {"header": table[0]}


def _budget_expected(frame: pd.DataFrame, line: str, year: int) -> float:
    """A budget line's amount in ``frame`` (indexed by line and year); the total line of a year where a line has no
    price is the sum of the lines that have one (the table's label says which line is left out)."""
    value = frame.amount_eur[(line, year)]
    if line == "total" and np.isnan(value):
        parts = [frame.amount_eur[(part, year)] for part in LINES if part not in ("coa.total", "total",
                                                                                  "coa.oda_first_year")]
        value = math.fsum(v for v in parts if not np.isnan(v))
    return value


def _cli_budget(tmp_path, *extra) -> pd.DataFrame:
    out = tmp_path / "cli-budget"
    assert main(["run", "--quiet", "--scenario", "medio", "--variant", "base", "--out", str(out), *extra]) == 0
    frame = pd.read_csv(out / "budget.csv", comment="#")
    return frame[(frame.scenario == "medio") & (frame.variant == "base")].set_index(["line", "year"])


def test_recalculated_budget_and_comparison_sheets(recalculated, default_result):
    """Begroting (medio, base, 2024-2027) equals budget.csv of the default run, an empty cell where it is empty;
    the comparison behind Vergelijking (on Rekenblad) shows the published -10,400 for medio 2025."""
    _, solution = recalculated
    rows = _budget_rows(solution)
    assert rows["header"][2:] == ["totaal 2024-2027 (EUR)", 2024.0, 2025.0, 2026.0, 2027.0]
    cli = default_result.budget_frame()
    cli = cli[(cli.scenario == "medio") & (cli.variant == "base")].set_index(["line", "year"])
    for line in LINES:
        expected = [_budget_expected(cli, line, year) for year in range(2024, 2028)]
        for value, core in zip(rows[line][3:], expected):
            assert (value is None and np.isnan(core)) or value == pytest.approx(core, rel=1e-9), line
    comparison = _table(solution, "Rekenblad", "MPP_COMPARE")
    assert comparison[0][3:5] == ["A: MPP 2024-I", "B: MPP 2024-II"]
    row = next(r for r in comparison if r[0] == "inflow.total" and r[2] == "2025")
    assert row[5] == pytest.approx(-10400, abs=1e-6)


def test_doubling_a_price_on_aannames_doubles_its_line_only(recalculated, tmp_path):
    """budget.coa.price_per_empty_day.regular doubled on Aannames: that line doubles in every year (also in the
    comparison behind Vergelijking, for both editions), the COA total rises by as much, nothing else moves, and the
    sheet equals `mpp-xl run --assumptions` with the same record."""
    from formulas_engine import cell_ref
    model, before = recalculated
    parameter = "budget.coa.price_per_empty_day.regular"
    price = next(r.value for _, r in AssumptionSet.default().records() if r.parameter == parameter)
    cell = cell_ref("mpp_model.xlsm", "Aannames", _value_cell_of(parameter, price))
    after = model.calculate(inputs={cell: 2 * price})
    old, new = _budget_rows(before), _budget_rows(after)
    line = "coa.regular.empty"
    assert new[line][2:] == pytest.approx([2 * v for v in old[line][2:]], rel=1e-12)
    rise = [n - o for n, o in zip(new[line][2:], old[line][2:])]
    assert [n - o for n, o in zip(new["coa.total"][2:], old["coa.total"][2:])] == pytest.approx(rise, rel=1e-9)
    for other in set(LINES) - {line, "coa.total", "total"}:
        assert new[other] == old[other], other
    override = tmp_path / "price.csv"
    override.write_text(f"parameter,scenario,from,to,value,unit,source\n{parameter},all,2022-01-01,,{2 * price:g},"
                        "EUR/day,test: price doubled\n", encoding="utf-8")
    cli = _cli_budget(tmp_path, "--assumptions", str(override))
    for name in LINES:
        expected = [_budget_expected(cli, name, year) for year in range(2024, 2028)]
        for value, core in zip(new[name][3:], expected):
            assert (value is None and np.isnan(core)) or value == pytest.approx(core, rel=1e-9), name
    compared = {(r[0], r[2]): r for r in _table(after, "Rekenblad", "MPP_COMPARE")[1:]}
    original = {(r[0], r[2]): r for r in _table(before, "Rekenblad", "MPP_COMPARE")[1:]}
    key = (f"budget.{line}", "2026")
    assert compared[key][3:5] == pytest.approx([2 * v for v in original[key][3:5]], rel=1e-12)
    assert compared[("inflow.total", "2025")] == original[("inflow.total", "2025")]


def test_the_choices_on_start_drive_every_table(recalculated):
    """Start: edition mpp-2024-I, window 2027-2030 and the nareis restriction switched on give the tables of the
    core run on the same set (a window of the same length keeps the stored spill sizes of the emulation)."""
    from formulas_engine import cell_ref
    from mpp_xl.editions import edition_set
    from mpp_xl.measures import apply_measures
    from mpp_xl.model import run_model
    model, _ = recalculated
    book = openpyxl.load_workbook(workbook())
    names = {n: d.attr_text.split("!")[1].replace("$", "") for n, d in book.defined_names.items()}
    switch = next(row[1].coordinate for row in book["Start"][names["Maatregelen"]] if row[0].value == "nareisrem")
    solution = model.calculate(inputs={cell_ref("mpp_model.xlsm", "Start", names["KeuzeEditieNaam"]):
                                           excel_api.edition_title("mpp-2024-I"),  # the drop-down shows names
                                       cell_ref("mpp_model.xlsm", "Start", names["Venster"]): "2027-2030",
                                       cell_ref("mpp_model.xlsm", "Start", switch): "ja"})
    aset = apply_measures(edition_set("mpp-2024-I", ("min", "medio", "max"), excel_api.GRID), ["nareisrem"])
    run = run_model(aset, excel_api.GRID, window="2027-2030")
    summary = _table(solution, "Dwangsommen", "MPP_SUMMARY")
    assert summary[0][1] == "basis 2027-2030 (EUR)"
    totals = run.window_totals().set_index(["scenario", "variant"]).amount_eur
    for row in summary[1:]:
        assert row[1:4] == pytest.approx([totals[(row[0], v)] for v in ("base", "all_undone", "first_holds")],
                                         abs=0.01)
    rows = _budget_rows(solution)
    frame = run.budget_frame()
    frame = frame[(frame.scenario == "medio") & (frame.variant == "base")].set_index(["line", "year"])
    assert rows["header"][2] == "totaal 2027-2030 (EUR)"
    assert rows["coa.total"][3:] == pytest.approx([frame.amount_eur[("coa.total", y)] for y in range(2027, 2031)])
    version = np.asarray(solution[cell_ref("mpp_model.xlsm", "Start", _spill_ref("Start", "MPP_VERSION"))].value)
    assert "MPP 2024-I" in str(version.ravel()[0]) and "+ measures nareisrem" in str(version.ravel()[0])


def test_chart_titles_follow_the_selectors(recalculated):
    """The title cells of the charts are formulas on the choices on Start: choosing maximum and alles vervallen there
    renames the COA chart on Grafieken and the budget charts and table heading on Begroting (Dutch names)."""
    from formulas_engine import cell_ref
    from mpp_xl.catalogue import SCENARIOS_NL, variant_name
    model, before = recalculated
    book = openpyxl.load_workbook(workbook())
    names = {n: d.attr_text.split("!")[1].replace("$", "") for n, d in book.defined_names.items()}

    def chart_titles(sheet: str, selector: str) -> list[tuple[str, str]]:
        out = []
        for chart in book[sheet]._charts:
            ref = chart.title.tx.strRef.f if chart.title and chart.title.tx and chart.title.tx.strRef else None
            if ref:
                where, cell = ref.split("!")
                if re.search(rf"\b{selector}\b", str(book[where][cell.replace("$", "")].value)):
                    out.append((where, cell.replace("$", "")))
        return out

    coa = [t for t in chart_titles("Grafieken", "KeuzeScenarioNaam")
           if book[t[0]][t[1]].value.startswith('="COA')]
    budget = chart_titles("Begroting", "KeuzeVariantNaam")
    budget += [("Begroting", c.coordinate) for row in book["Begroting"].iter_rows() for c in row  # the heading
               if isinstance(c.value, str) and c.value.startswith('="') and "KeuzeVariantNaam" in c.value
               and "Status" not in c.value]  # not the header line under the title (it ends in the status)
    assert len(coa) == 1 and len(budget) >= 4  # the heading of the table and one title per chart
    after = model.calculate(inputs={cell_ref("mpp_model.xlsm", "Start", names["KeuzeScenarioNaam"]):
                                    SCENARIOS_NL["max"],
                                    cell_ref("mpp_model.xlsm", "Start", names["KeuzeVariantNaam"]):
                                        variant_name("all_undone")})

    def text(solution, sheet, ref):
        return str(np.asarray(solution[cell_ref("mpp_model.xlsm", sheet, ref)].value).ravel()[0])

    assert text(before, *coa[0]).endswith(f"scenario {SCENARIOS_NL['medio']}")
    assert text(after, *coa[0]).endswith(f"scenario {SCENARIOS_NL['max']}")
    for sheet, ref in budget:
        assert text(before, sheet, ref).endswith(f"variant {variant_name('base')}")
        assert text(after, sheet, ref).endswith(f"variant {variant_name('all_undone')}")


# ---------------------------------------------------------------- issue 11: the backtest in the workbook

def test_mpp_backtest_equals_the_backtest_frame():
    """MPP_BACKTEST: every published forecast of backtest_frame() in its edition-year row and scenario column, the
    realised figure and the error in %; blank (None, never 0) where nothing is published; the summary is
    backtest_summary()."""
    from mpp_xl.backtest import backtest_frame, backtest_summary
    frame = backtest_frame()
    metrics = list(dict.fromkeys(frame.metric))
    assert metrics[0] == "inflow.total" and len(metrics) == 2  # and the COA need against occupancy
    for metric in metrics:
        table = udfs.MPP_BACKTEST(metric, "panel")
        header = table[0]
        assert header[:4] == ["jaar", "editie", "gepubliceerd", "prognose vooruit (jaren)"]
        realised_at = header.index(excel_api.realised_label(metric))
        rows = {(int(r[0]), r[1]): r for r in table[1:]}
        part = frame[frame.metric == metric]
        assert set(rows) == {(int(r.year), r.edition) for r in part.itertuples()}
        assert [k[0] for k in rows] == sorted(k[0] for k in rows)  # by year
        for r in part.itertuples():
            row = rows[(int(r.year), r.edition)]
            assert row[2] == r.published and row[3] == r.lead_years
            assert row[header.index(excel_api.forecast_label(r.scenario, metric))] == r.forecast
            realised, error = row[realised_at], row[header.index(f"fout {r.scenario} (%)")]
            assert (realised is None and np.isnan(r.realised)) or realised == r.realised
            assert (error is None and np.isnan(r.error_pct)) or error == pytest.approx(r.error_pct, rel=1e-12)
        published = {(int(r.year), r.edition, r.scenario) for r in part.itertuples()}
        for (year, edition), row in rows.items():  # a scenario an edition does not publish stays blank
            for scenario in ("min", "medio", "max"):
                if (year, edition, scenario) not in published:
                    assert row[header.index(excel_api.forecast_label(scenario, metric))] is None
    summary = udfs.MPP_BACKTEST("inflow.total", "summary")
    core = backtest_summary(frame[frame.metric == "inflow.total"])
    assert len(summary) - 1 == len(core)
    by_key = {(r[0], r[1]): r for r in summary[1:]}
    for r in core.itertuples():
        row = by_key[(r.scenario, float(r.lead_years))]
        for value, expected in zip(row[2:], (r.forecasts, r.with_realised, r.mean_error_pct, r.sd_error_pct,
                                             r.mean_abs_error_pct, r.inside_min_max, r.min_max_pairs)):
            assert (value is None and np.isnan(expected)) or value == pytest.approx(expected, rel=1e-12)
    assert udfs.MPP_BACKTEST() == udfs.MPP_BACKTEST("inflow.total", "panel")
    assert udfs.MPP_BACKTEST("coa.capacity_need", "paneel") == udfs.MPP_BACKTEST(metrics[1])
    coa = udfs.MPP_BACKTEST("coa.capacity_need")
    assert [r[coa[0].index("behoefte op")] for r in coa[1:]][:2] == ["2024-01-01", "2024-01-01"]  # MPP 2023-I, -II
    assert udfs.MPP_BACKTEST("inflow", "panel") == [[
        "Fout: reeks: onbekende terugblikreeks 'inflow' (bedoelt u 'inflow.total'?); kies " + ", ".join(metrics)]]
    assert udfs.MPP_BACKTEST("inflow.total", "tabel") == [[
        "Fout: wat: 'tabel' is niet panel (paneel) of summary (samenvatting)"]]


def test_backtest_mpp_2023_II_medio_2023_by_hand():
    """Issue 11: MPP 2023-II medio for 2023 (60,000) against the realised 50,600: (60,000 - 50,600) / 50,600 =
    +18.6 %."""
    table = udfs.MPP_BACKTEST("inflow.total", "panel")
    header = table[0]
    row = next(r for r in table[1:] if r[0] == 2023 and r[1] == "MPP 2023-II")
    assert row[header.index("prognose medio (personen)")] == 60000 and row[header.index("gerealiseerd (personen)")] == 50600
    assert row[header.index("fout medio (%)")] == pytest.approx(100 * (60000 - 50600) / 50600)
    assert round(row[header.index("fout medio (%)")], 1) == 18.6


def test_terugblik_shows_the_panel_and_a_chart_against_the_realised_line():
    import zipfile
    book = openpyxl.load_workbook(workbook())
    cached = openpyxl.load_workbook(workbook(), data_only=True)["Terugblik"]
    ws = book["Terugblik"]
    anchors = {c.value.text: c.value.ref for row in ws.iter_rows() for c in row if isinstance(c.value, ArrayFormula)}
    assert set(anchors) == {'=MPP_BACKTEST("inflow.total","panel")', '=MPP_BACKTEST("inflow.total","summary")',
                            '=MPP_BACKTEST("coa.capacity_need","panel")'}
    panel = udfs.MPP_BACKTEST("inflow.total", "panel")
    ref = anchors['=MPP_BACKTEST("inflow.total","panel")']
    shown = [[c.value for c in row] for row in cached[ref]]
    assert len(shown) == len(panel)
    for got, expected in zip(shown, panel):  # the cached values are the function's result, blanks blank
        for value, want in zip(got, expected, strict=True):
            assert value == want if want is None or isinstance(want, str) else value == pytest.approx(want, rel=1e-12)
    top = int(re.sub(r"[A-Z]+", "", ref.split(":")[0]))
    last = top + len(panel) - 1
    (chart,) = ws._charts
    with zipfile.ZipFile(workbook()) as archive:
        xml = next(archive.read(n).decode() for n in archive.namelist()
                   if n.startswith("xl/charts/chart") and "Terugblik!" in archive.read(n).decode())
    bars = re.search(r"<c:barChart>.*</c:barChart>", xml).group(0)
    line = re.search(r"<c:lineChart>.*</c:lineChart>", xml).group(0)
    assert re.findall(r"<c:val><c:numRef><c:f>([^<]*)</c:f>", bars) == [
        f"Terugblik!${col}${top + 1}:${col}${last}" for col in "EFG"]  # prognose min, medio, max
    assert re.findall(r"<c:val><c:numRef><c:f>([^<]*)</c:f>", line) == [f"Terugblik!$H${top + 1}:$H${last}"]
    assert f"<c:multiLvlStrRef><c:f>Terugblik!$A${top + 1}:$B${last}</c:f>" in xml  # year and edition
    assert cached[f"H{top}"].value == "gerealiseerd (personen)" and cached[f"F{top}"].value == "prognose medio (personen)"


def test_the_realised_edition_runs_from_the_workbook():
    """Start offers realised (test_start_holds_...); the tables on it run the set of `mpp-xl run --edition realised`
    (same name and hash) and show the realised inflow by category of 2024 and 2025."""
    from mpp_xl.cli import effective_assumptions
    from mpp_xl.editions import REALISED_CATEGORIES
    cli_set, _, _ = effective_assumptions(None, "realised")
    assert udfs.MPP_VERSION(assumption_rows(), "realised") == [[f"mpp-xl 0.1.0 | {cli_set.name} | {cli_set.digest}"]]
    table = udfs.MPP_PROJECTION("inflow.*", "medio", None, "jaar", "Realised", SWITCHES_OFF)
    header = table[0]
    for year, categories in REALISED_CATEGORIES.items():
        row = next(r for r in table[1:] if r[0] == year)
        for category in ("first", "nareis", "repeat", "resettlement"):
            column = header.index(excel_api.metric_label(f"inflow.{category}", "year"))
            assert row[column] == pytest.approx(categories[category][0], abs=1e-6)
    compared = udfs.MPP_COMPARE("realised", "mpp-2024-II", "inflow.total")
    assert compared[0][3] == "A: gerealiseerd"
    row = next(r for r in compared[1:] if r[2] == "2025")
    assert row[3:5] == pytest.approx([sum(v for v, _ in REALISED_CATEGORIES[2025].values()), 66000], abs=1e-6)


# ---------------------------------------------------------------- issue 12: cache keys, blanks, Start, Aannames

def _version_with(rows, index: int, value) -> str:
    edited = [list(r) for r in rows]
    edited[index][4] = value
    return udfs.MPP_VERSION(edited)[0][0]


def test_the_cache_key_is_the_exact_content_of_the_range():
    """hash(-1.0) == hash(-2.0) and hash(1.0) == hash(True) == hash(2 ** -61): keyed on Python's hash(), a changed
    cell was served the result of the old one. Each pair must give what a cold cache gives."""
    rows = assumption_rows()
    signed = next(i for i, r in enumerate(rows) if r[0] == "ukraine.net_inflow_per_week")
    share = next(i for i, r in enumerate(rows) if r[0] == "coa.occupancy_norm")
    for index, first, second in ((signed, -1.0, -2.0), (share, 1.0, 2.0 ** -61), (share, 1.0, True)):
        excel_api.clear_caches()
        cold = _version_with(rows, index, second)
        excel_api.clear_caches()
        warm_first = _version_with(rows, index, first)
        assert _version_with(rows, index, second) == cold != warm_first, (first, second)
    assert _version_with(rows, share, True) == f"Fout: Aannames, rij {share + 1}, kolom 'value': 'True' is geen getal"
    digest = excel_args.content_digest
    assert digest([[-1.0]]) != digest([[-2.0]]) and digest([[1.0]]) != digest([[True]]) != digest([[2.0 ** -61]])
    assert digest(rows) == digest([list(r) for r in rows]) and len(digest(rows)) == 64  # SHA-256 of the content
    assert digest(np.array([[1.0, 2.0]])) == digest([[1.0, 2.0]]) != digest([[1.0, "2.0"]])
    assert digest([["nareisrem", 1.0]]) != digest([["nareisrem", True]])  # the measures range: the same key rule


def test_undefined_values_are_empty_cells_never_zero(monkeypatch, tmp_path):
    """NaN never becomes 0: in a table (a NaN total is an empty cell), in the workbook's cached cells (also the
    formula's own cell) and in the charts' cached data (XlsxWriter would cache an empty cell as 0)."""
    import zipfile
    import xlsxwriter
    from mpp_xl.results import RunResult
    from mpp_xl.workbook import Book
    monkeypatch.setattr(RunResult, "window_total", lambda self, s, v: (float("nan"), float("nan")))
    table = udfs.MPP_SUMMARY(None, "2026-2030")
    assert all(v is None for row in table[1:] for v in row[1:])
    path = tmp_path / "blank.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    book = Book(wb, values_only=False, provenance="test")
    book.sheet(wb.add_worksheet("S")).table("=MPP_X()", [[None, 1.0], [2.0, None]], ["count", "count"])
    wb.close()
    cells = openpyxl.load_workbook(path, data_only=True)["S"]
    assert [[c.value for c in row] for row in cells["A1:B2"]] == [[None, 1.0], [2.0, None]]
    book = openpyxl.load_workbook(workbook(), data_only=True)
    checked = 0
    with zipfile.ZipFile(workbook()) as archive:
        for name in (n for n in archive.namelist() if n.startswith("xl/charts/chart")):
            for ref, cache in re.findall(r"<c:val><c:numRef><c:f>([^<]*)</c:f><c:numCache>(.*?)</c:numCache>",
                                         archive.read(name).decode()):
                sheet, cells = ref.split("!")
                values = [c.value for row in book[sheet][cells.replace("$", "")] for c in row]
                points = dict(re.findall(r'<c:pt idx="(\d+)"><c:v>([^<]*)</c:v>', cache))
                for i, value in enumerate(values):
                    assert (str(i) not in points) if value is None else float(points[str(i)]) == pytest.approx(value)
                    checked += value is None
    assert checked >= 3  # the Ukraine price gap (2022-2024) on Begroting and the unpublished figures on Terugblik


def test_start_gives_the_real_installation_steps_and_no_build_machine_path():
    import tempfile
    from mpp_xl import __version__
    from mpp_xl.workbook import xlwings_pin
    start = openpyxl.load_workbook(workbook())["Start"]
    text = " ".join(str(c.value) for row in start.iter_rows() for c in row if isinstance(c.value, str))
    assert tempfile.gettempdir() not in text and str(excel_session.LOG_FILE) not in text
    assert r"%TEMP%\mpp-xl-udf.log" in text
    assert "pip install mpp-xl" not in text  # not published on PyPI
    assert '"python -m pip install ."' in text and '"python -m pip wheel --no-deps . -w dist"' in text
    assert f'"python -m pip install mpp_xl-{__version__}-py3-none-any.whl"' in text
    assert f"xlwings {xlwings_pin()}" in text


def test_aannames_has_drop_downs_for_parameter_scenario_and_unit():
    book = openpyxl.load_workbook(workbook())
    ws = book["Aannames"]
    last = int(book.defined_names["Aannames"].attr_text.rsplit("$", 1)[1])
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    lists = {}
    for name in ("LijstParameters", "LijstScenarios", "LijstEenheden"):
        sheet, cells = book.defined_names[name].attr_text.split("!")
        assert sheet == "Keuzelijsten"
        lists[name] = [c.value for row in book[sheet][cells.replace("$", "")] for c in row]
    column = {key: _aannames_cell(0, key).rstrip("0123456789") for key in ("parameter", "scenario", "unit")}
    for key, name in (("parameter", "LijstParameters"), ("scenario", "LijstScenarios"), ("unit", "LijstEenheden")):
        dv = validations[f"{column[key]}2:{column[key]}{last}"]  # every row of the table, the spare rows included
        assert dv.type == "list" and dv.formula1 == name
    # a new instrument's name is allowed after a warning
    assert validations[f"{column['parameter']}2:{column['parameter']}{last}"].errorStyle == "warning"
    registry = AssumptionSet.default().registry
    assert {r.parameter for _, r in AssumptionSet.default().records()} <= set(lists["LijstParameters"])
    assert lists["LijstScenarios"] == ["min", "medio", "max", "all"]
    assert set(lists["LijstEenheden"]) == {spec.unit for spec in registry.specs}


def test_function_help_promises_only_the_variants_the_workbook_has():
    """Custom variant files are a command-line feature: the function help lists exactly the workbook's variants."""
    from mpp_xl.variants import NAMED_VARIANTS
    from xlwings_windows import windows_udfs
    _, module = windows_udfs()
    for name in udfs.UDF_NAMES:
        for arg in getattr(module, name).__xlfunc__["args"]:
            if arg["name"] == "variant":
                assert "eigen" not in arg["doc"] and all(v in arg["doc"] for v in NAMED_VARIANTS), (name, arg["doc"])
    start = openpyxl.load_workbook(workbook())["Start"]
    assert any("alleen op de opdrachtregel (mpp-xl run --variants)" in str(c.value) for row in start.iter_rows()
               for c in row)


def test_one_source_for_the_xlwings_pin_the_blank_rule_and_the_horizon():
    import configparser
    import inspect
    from mpp_xl import assumptions, timegrid, workbook as builder
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    pins = [line.split("==")[1] for line in config["options"]["install_requires"].split() if
            line.startswith("xlwings==")]
    assert pins == [builder.xlwings_pin()]  # read from mpp-xl's requirements, i.e. setup.cfg
    for module in (builder, excel_api, excel_args, excel_session, udfs):  # the pin, horizon and window are not repeated
        source = inspect.getsource(module)
        assert pins[0] not in source, module.__name__
        for literal in ("2022-01", "2030-12", "2022-2030", "2024-2027"):
            assert literal not in source, (module.__name__, literal)
    assert not hasattr(excel_args, "_is_empty") and excel_args.is_blank is assumptions.is_blank
    assert excel_api.GRID == timegrid.TimeGrid.from_text(timegrid.DEFAULT_START, timegrid.DEFAULT_END)
    for blank in (None, "", "  ", float("nan")):  # one rule: the same as the assumptions loader
        assert udfs.MPP_SUMMARY(blank, blank) == udfs.MPP_SUMMARY(None, None)


def test_the_row_cursor_hands_out_rows_from_the_top_down():
    from mpp_xl.workbook import Rows
    rows = Rows()
    assert rows.take() == 0 and rows.take(3) == 1
    rows.skip()
    assert rows.take(2) == 5 and rows.next == 7
    with pytest.raises(ValueError):
        rows.take(0)
    assert Rows(4).take() == 4


def test_the_udf_log_never_follows_a_planted_link(monkeypatch, tmp_path):
    """A sibling of the command line's log: a link planted at the log's name in the temp folder is not followed."""
    target = tmp_path / "someone_elses_file"
    target.write_text("keep me")
    link = tmp_path / "mpp-xl-udf.log"
    link.symlink_to(target)
    monkeypatch.setattr(excel_session, "LOG_FILE", link)
    monkeypatch.setattr(excel_session, "run_model", lambda *a, **k: 1 / 0)
    result = udfs.MPP_SUMMARY(None)
    assert len(result) == 1 and result[0][0].startswith("Fout: interne fout in summary_table (ZeroDivisionError)")
    assert target.read_text() == "keep me"


def _spill_texts(sheet: str, udf: str) -> list[tuple[str, str]]:
    ws = openpyxl.load_workbook(workbook())[sheet]
    return [(cell.value.ref, cell.value.text) for row in ws.iter_rows() for cell in row
            if isinstance(cell.value, ArrayFormula) and cell.value.text.startswith(f"={udf}(")]


def _spill_refs(sheet: str, udf: str) -> list[str]:
    return [ref for ref, _ in _spill_texts(sheet, udf)]


def test_onzekerheid_recalculates_in_the_formula_engine(recalculated):
    """Onzekerheid in the `formulas` layer (emulated): the bands and the tornado equal the core's tables; the paths
    and seed cells drive the bands (another seed, other bands; the seed back, the same bands again)."""
    from formulas_engine import cell_ref
    from mpp_xl import excel_uncertainty as eu
    model, solution = recalculated
    book = openpyxl.load_workbook(workbook())
    names = {n: d.attr_text.split("!")[1].replace("$", "") for n, d in book.defined_names.items()}
    # the monthly band behind the fan chart is on Rekenblad; the paths and seed cells on Onzekerheid drive it
    (need_ref,) = [ref for ref, text in _spill_texts("Rekenblad", "MPP_BAND") if '"coa.capacity_need"' in text]
    band = np.asarray(solution[cell_ref("mpp_model.xlsm", "Rekenblad", need_ref)].value).tolist()
    expected = eu.band_table("coa.capacity_need", "medio", "5;25;50;75;95", 1000, 20241202)
    assert band[0] == expected[0]
    assert np.allclose(np.array(band[1:], dtype=float), np.array(expected[1:], dtype=float))
    body = np.array(band[1:], dtype=float)[:, 1:]
    assert (np.diff(body, axis=1) >= 0).all() and (body[:, -1] - body[:, 0]).max() > 1000
    tornado = np.asarray(solution[cell_ref("mpp_model.xlsm", "Onzekerheid",
                                           _spill_refs("Onzekerheid", "MPP_TORNADO")[0])].value).tolist()
    assert tornado == eu.tornado_table("coa.capacity_need.2026-01-01", None, "medio")
    seed = cell_ref("mpp_model.xlsm", "Onzekerheid", names["KeuzeStartgetal"])
    paths = cell_ref("mpp_model.xlsm", "Onzekerheid", names["KeuzePaden"])
    other = model.calculate(inputs={seed: "7", paths: "300"})
    moved = np.asarray(other[cell_ref("mpp_model.xlsm", "Rekenblad", need_ref)].value).tolist()
    assert moved[0] == band[0] and moved[1:] != band[1:]
    again = model.calculate(inputs={seed: "20241202", paths: "1000"})
    assert np.asarray(again[cell_ref("mpp_model.xlsm", "Rekenblad", need_ref)].value).tolist() == band


@pytest.mark.parametrize("paths, percentiles, expected_paths, expected_header", [
    ("1.000", "5;50;95", 1000, ["5e", "50e", "95e"]),      # Dutch thousands
    ("1,000", "5,50,95", 1000, ["5e", "50e", "95e"]),      # English thousands; a list with commas
    (250, [[95, 5, 50, 50]], 250, ["5e", "50e", "95e"]),    # a range: sorted, duplicates once
    ("300", "2,5;97,5", 300, ["2,5e", "97,5e"]),            # Dutch decimal commas between semicolons
])
def test_band_arguments_as_budget_staff_type_them(paths, percentiles, expected_paths, expected_header):
    from mpp_xl import excel_uncertainty as eu
    assert eu.paths_arg(paths) == expected_paths
    table = udfs.MPP_BAND("coa.capacity_need", "medio", percentiles, 20, 1)
    assert [h.split(" ")[0] for h in table[0][1:]] == expected_header


@pytest.mark.parametrize("percentiles, message", [
    ("5,95", "percentielen: '5,95': scheid percentielen met ; (bv. 5;50;95)"),
    ([[0.05, 0.5, 0.95]], "percentielen: 0.05;0.5;0.95 lijken fracties"),
    ("5;150", "percentielen: '150' is geen percentiel van 0 tot en met 100"),
])
def test_band_percentiles_that_would_mislead_are_refused(percentiles, message):
    table = udfs.MPP_BAND("coa.capacity_need", "medio", percentiles, 20, 1)
    assert len(table) == 1 and table[0][0].startswith(f"Fout: {message}")


def test_band_and_tornado_follow_the_window():
    narrow = udfs.MPP_BAND("penalty.window_total_eur", "medio", "50", 30, 1, None, "base", "2025-2026")
    wide = udfs.MPP_BAND("penalty.window_total_eur", "medio", "50", 30, 1, None, "base", "2024-2027")
    assert narrow[1][0] == "2025-2026" and wide[1][0] == "2024-2027" and narrow[1][1] < wide[1][1]
    yearly = udfs.MPP_BAND("penalty.amount_eur", "medio", "50", 30, 1)
    by_year = {row[0]: row[1] for row in yearly[1:]}
    # one path set: the window total of the median path is not the sum of yearly medians, but both windows come
    # from the same paths, so the wider window holds at least the narrower one's years
    assert wide[1][1] > by_year[2025.0] and wide[1][1] > by_year[2026.0]
    tornado = udfs.MPP_TORNADO("penalty.window_total_eur", None, "medio", "2025-2026")
    assert tornado[0][0] == "aanname" and all(row[4] < wide[1][1] for row in tornado[1:])


def test_a_range_equal_to_a_kept_one_takes_its_key_only_with_the_same_number_types():
    """The fast path of ``content_key`` (``RECENT``) must be as exact as building the key: 1.0 == True and
    1 == 1.0, but their keys differ; a caller that changes its list after keying cannot change the kept copy."""
    excel_api.clear_caches()
    rows = [["parameter", "value", "from"], ["a", 1.0, dt.datetime(2025, 1, 1)], ["b", None, "x"]]
    key = excel_args.content_key(rows)
    assert excel_args.content_key([list(r) for r in rows]) is key  # equal copy: the kept key
    for other in (True, 1):
        changed = [list(r) for r in rows]
        changed[1][1] = other
        assert excel_args.content_key(changed) != key, other
    changed = [list(r) for r in rows]
    changed[1][2] = np.datetime64("2025-01-01T00:00:00")  # == the datetime, but another type
    assert changed == rows and excel_args.content_key(changed) != key
    rows[1][1] = 2.0  # the caller changes the list it was keyed by
    assert excel_args.content_key(rows) != key
    rows[1][1] = 1.0
    assert excel_args.content_key(rows) == key


def test_arrays_in_the_assumptions_range_give_the_cold_answer_warm():
    """Rows handed over as numpy arrays, or a cell holding an array, compare as arrays: the warm session must
    answer as a cold one (a message naming the cell), never with an internal error."""
    rows = assumption_rows()
    i = next(k for k, r in enumerate(rows) if r[0] == "coa.occupancy_norm")
    as_arrays = [np.array(r, dtype=object) for r in rows]
    array_cell = [list(r) for r in rows]
    array_cell[i][4] = np.array([0.9, 0.8])
    for state in (as_arrays, array_cell):
        excel_api.clear_caches()
        cold = udfs.MPP_VERSION(state)
        excel_api.clear_caches()
        udfs.MPP_VERSION(rows)
        udfs.MPP_VERSION([list(r) for r in rows])
        assert udfs.MPP_VERSION(state) == cold and "interne fout" not in str(cold)
