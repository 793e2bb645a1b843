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
import re
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlwings
from openpyxl.worksheet.formula import ArrayFormula

from mpp_xl import excel_api, udfs
from mpp_xl.assumptions import COLUMNS
from mpp_xl.cli import main
from mpp_xl.workbook import build_workbook_bytes, build_workbook_file

ROOT = Path(__file__).parents[1]
WORKBOOK = ROOT / "workbooks" / "mpp_model.xlsm"
EXAMPLES = ROOT / "examples"


@pytest.fixture(autouse=True)
def fresh_caches():
    excel_api.clear_caches()
    yield


def assumption_rows():
    """The workbook's assumptions table as xlwings would pass it: header, default records, empty rows."""
    book = openpyxl.load_workbook(WORKBOOK)
    ws = book["Aannames"]
    rows = [list(r) for r in ws.iter_rows(min_row=1, max_col=7, values_only=True)]
    return rows


def capacity_2025() -> float:
    """The embedded IND asylum capacity for 2025 (the value the cell-edit tests change)."""
    from mpp_xl.assumptions import AssumptionSet
    return next(r.value for _, r in AssumptionSet.default().records()
                if r.parameter == "ind.capacity.asylum" and str(r.start) == "2025-01-01")


def cli_tables(tmp_path, *extra):
    out = tmp_path / "cli"
    assert main(["run", "--quiet", "--out", str(out), *extra]) == 0
    return pd.read_csv(out / "penalties.csv", comment="#"), pd.read_csv(out / "projection.csv", comment="#")


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
    assert monthly[0] == ["datum", "min", "medio", "max"] and len(monthly) == 1 + 108
    cli = projection[(projection.metric == "coa.capacity_need") & (projection.scenario == "medio")
                     & (projection.variant == "base")].value.to_numpy()  # the workbook's chain is the base variant's
    assert np.array([r[2] for r in monthly[1:]]) == pytest.approx(cli, abs=1e-3)
    assert monthly[1][0] == 44592.0  # Excel serial of 31 Jan 2022
    yearly = udfs.MPP_PROJECTION("inflow.total", "all", None, "jaar")
    assert yearly[3] == [2024.0, 37600.0, 57600.0, 66700.0]  # Kamerbrief MPP 2024-II, exact


def test_penalties_by_track_with_the_cash_column_and_the_new_metrics_equal_the_cli(tmp_path):
    penalties, projection = cli_tables(tmp_path)
    table = udfs.MPP_PENALTIES("medio", "all_undone", None)
    assert table[0] == ["jaar", "asiel_eur", "nareis_eur", "totaal_eur", "betaald (kasbasis)", "verschil_met_base_eur",
                        "zaken_over_termijn", "ingebrekestellingen", "beroepen"]
    cli = penalties[(penalties.scenario == "medio") & (penalties.variant == "all_undone")]
    by_track = {t: cli[cli.track == t].set_index("year") for t in ("asylum", "nareis", "total")}
    assert [r[0] for r in table[1:]] == [float(y) for y in by_track["total"].index]
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
        column = monthly[0].index(metric)
        assert [r[column] for r in monthly[1:]] == pytest.approx(expected, abs=1e-4), metric  # CSV: 4 decimals


def test_a_month_without_decisions_has_no_mean_wait_an_empty_cell_not_zero():
    rows = assumption_rows()
    edited = [list(r) for r in rows if r[0] is not None]
    index = next(i for i, r in enumerate(edited) if r[0] == "ind.capacity.asylum" and r[2] == dt.datetime(2026, 1, 1))
    edited[index][2] = dt.datetime(2026, 4, 1)
    edited.append(["ind.capacity.asylum", "all", dt.datetime(2026, 1, 1), dt.datetime(2026, 3, 31), 0, "cases/month",
                   "test: no asylum decisions in the first quarter of 2026"])
    table = udfs.MPP_PROJECTION("ind.*", "medio", edited, "maand")
    decisions, wait = table[0].index("ind.decisions.asylum"), table[0].index("ind.mean_wait_weeks.asylum")
    quarter = [r for r in table[1:] if 46053 <= r[0] <= 46112]  # Excel serials of 31 Jan .. 31 Mar 2026
    assert len(quarter) == 3 and all(r[decisions] == 0 and r[wait] is None for r in quarter)
    assert all(isinstance(r[wait], float) and r[wait] > 0 for r in table[1:] if r[decisions] > 0)
    yearly = udfs.MPP_PROJECTION("ind.mean_wait_weeks.asylum", "medio", edited, "jaar")
    assert all(isinstance(r[1], float) and r[1] > 0 for r in yearly[1:])  # the year 2026 still has decisions


def test_every_metric_has_a_dutch_label():
    from mpp_xl.chain import METRIC_UNITS
    from mpp_xl.workbook import METRIC_LABELS_NL
    assert set(METRIC_LABELS_NL) == set(METRIC_UNITS)


def test_repeated_calls_hit_the_cache_and_an_edit_invalidates_it():
    rows = assumption_rows()
    first = udfs.MPP_SUMMARY(rows)
    again = udfs.MPP_SUMMARY([list(r) for r in rows])
    assert again == first and excel_api.cache_stats()["tables"][0] >= 1
    runs_before = excel_api.cache_stats()["runs"][1]
    index = next(i for i, r in enumerate(rows) if r[0] == "ind.capacity.asylum" and r[4] == capacity_2025())
    edited = [list(r) for r in rows]
    edited[index][4] = 3000
    changed = udfs.MPP_SUMMARY(edited)
    assert excel_api.cache_stats()["runs"][1] == runs_before + 1
    assert changed != first
    assert udfs.MPP_SUMMARY(rows) == first  # back to the original content: served from the cache again


@pytest.mark.parametrize("call, message", [
    (lambda rows: udfs.MPP_PROJECTION("coa.bezetting", "medio", rows),
     "Fout: reeks: onbekende reeks 'coa.bezetting'"),
    (lambda rows: udfs.MPP_PROJECTION("coa.occupancy", "mediu", rows),
     "Fout: scenario: onbekend scenario 'mediu' (bedoelt u 'medio'?); kies min, medio, max, all"),
    (lambda rows: udfs.MPP_PENALTIES("medio", "all_undon", rows),
     "Fout: variant: onbekende variant 'all_undon' (bedoelt u 'all_undone'?); kies base, all_undone, first_holds of all"),
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
    monkeypatch.setattr(excel_api, "LOG_FILE", tmp_path / "udf.log")
    monkeypatch.setattr(excel_api, "run_model", lambda *a, **k: 1 / 0)
    result = udfs.MPP_SUMMARY(None)
    assert len(result) == 1 and result[0][0].startswith("Fout: interne fout in summary_table (ZeroDivisionError)")
    assert "Traceback" in (tmp_path / "udf.log").read_text()


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
    args = [a["name"] for a in module.MPP_PROJECTION.__xlfunc__["args"]]
    assert args == ["metric", "scenario", "assumptions", "frequency"]


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
    assert written[0] == ["jaar", "coa.capacity_need"] and len(written) == 10
    assert 109250 <= written[4][1] <= 120750  # 1 Jan 2026 = year end 2025: Kamerbrief 115,000 +-5%
    error_rows = tuple(r if i != 4 else (r[0], r[1], r[2], r[3], -2146826246, r[5], r[6]) for i, r in enumerate(com_rows))
    failed = module.MPP_SUMMARY(conversion.read(None, error_rows, options["assumptions"]))
    assert conversion.write(failed, None, info["ret"]["options"]) == [
        ["Fout: Aannames, rij 5, kolom 'value': de cel bevat de Excel-fout #N/A"]]


# ---------------------------------------------------------------- layer 4: the file, read back with openpyxl

BUILTINS = {"IF", "IFERROR", "INDEX", "SUM"}


def test_committed_workbook_equals_a_fresh_build():
    assert WORKBOOK.read_bytes() == build_workbook_bytes()


def test_opening_keeps_the_cached_results():
    """No full calculation on load (it would replace the cached numbers by #NAME? before the UDFs exist)."""
    import zipfile
    with zipfile.ZipFile(WORKBOOK) as archive:
        workbook_xml = archive.read("xl/workbook.xml").decode()
    calc = re.search(r"<calcPr[^>]*>", workbook_xml).group(0)
    assert "fullCalcOnLoad" not in calc and int(re.search(r'calcId="(\d+)"', calc).group(1)) >= 191029


def test_workbook_structure():
    book = openpyxl.load_workbook(WORKBOOK, keep_vba=True)
    assert book.sheetnames == ["Start", "Aannames", "Instroom", "Keten", "Dwangsommen", "Grafieken", "xlwings.conf"]
    assert {"Aannames", "KeuzeScenario", "KeuzeScenarioDwangsom", "KeuzeScenarioInstroom", "KeuzeVariant"} <= set(
        book.defined_names.keys())
    assert book.defined_names["Aannames"].attr_text.startswith("Aannames!$A$1:$G$")
    assert [c.value for c in book["Aannames"][1][:7]] == list(COLUMNS)
    conf = {r[0]: r[1] for r in book["xlwings.conf"].iter_rows(values_only=True)}
    assert conf["UDF Modules"] == "mpp_xl.udfs" and conf["Use UDF Server"] is False
    assert book.vba_archive is not None and "xl/vbaProject.bin" in book.vba_archive.namelist()
    lists = [dv.formula1 for ws in book for dv in ws.data_validations.dataValidation]
    assert '"min,medio,max"' in lists and '"base,all_undone,first_holds"' in lists
    charts = [len(ws._charts) for ws in book]
    assert sum(charts) == 3 and len(book["Grafieken"]._charts) == 3


def test_every_formula_calls_only_builtins_or_our_udfs_and_has_a_cached_value():
    book = openpyxl.load_workbook(WORKBOOK)
    cached = openpyxl.load_workbook(WORKBOOK, data_only=True)
    formulas_seen = 0
    for ws in book:
        for row in ws.iter_rows():
            for cell in row:
                text = cell.value.text if isinstance(cell.value, ArrayFormula) else cell.value
                if isinstance(text, str) and text.startswith("="):
                    formulas_seen += 1
                    names = set(re.findall(r"([A-Z][A-Z0-9_.]*)\(", text))
                    assert names <= set(udfs.UDF_NAMES) | BUILTINS, (ws.title, cell.coordinate, names)
                    value = cached[ws.title][cell.coordinate].value
                    assert value not in (None, 0) and not str(value).startswith("Fout"), (ws.title, cell.coordinate)
    assert 8 <= formulas_seen <= 12  # every UDF call of a full recalculation


def test_build_refuses_to_overwrite_a_different_workbook(tmp_path):
    target = tmp_path / "book.xlsm"
    shutil.copy(WORKBOOK, target)
    assert "up to date" in build_workbook_file(target)
    target.write_bytes(b"edited by hand")
    with pytest.raises(Exception, match="differs from a fresh build"):
        build_workbook_file(target)
    assert target.read_bytes() == b"edited by hand"
    message = build_workbook_file(target, force=True)
    backups = list(tmp_path.glob("book.backup-*.xlsm"))
    assert len(backups) == 1 and backups[0].read_bytes() == b"edited by hand" and "kept as" in message
    assert target.read_bytes() == WORKBOOK.read_bytes()


# ---------------------------------------------------------------- layer 5: recalculation with `formulas` (emulated)

def _spill_ref(sheet: str, udf: str) -> str:
    ws = openpyxl.load_workbook(WORKBOOK)[sheet]
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, ArrayFormula) and cell.value.text.startswith(f"={udf}("):
                return cell.value.ref
    raise AssertionError(f"{udf} not found on {sheet}")


def _value_cell_of(parameter: str, value: float) -> str:
    rows = assumption_rows()
    index = next(i for i, r in enumerate(rows) if r[0] == parameter and r[4] == value)
    return f"E{index + 1}"


@pytest.fixture(scope="module")
def recalculated():
    from formulas_engine import load
    excel_api.clear_caches()
    model = load(WORKBOOK)
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
    cell = cell_ref("mpp_model.xlsm", "Aannames", _value_cell_of("ind.capacity.asylum", capacity_2025()))
    solution = model.calculate(inputs={cell: float(override)})
    penalties, projection = cli_tables(tmp_path, "--assumptions", str(example))
    summary = np.asarray(solution[cell_ref("mpp_model.xlsm", "Dwangsommen", _spill_ref("Dwangsommen", "MPP_SUMMARY"))].value)
    window = penalties[(penalties.track == "total") & penalties.year.between(2024, 2027)]
    medio = window[window.scenario == "medio"].groupby("variant").amount_eur.sum()
    row = [r for r in summary.tolist() if r[0] == "medio"][0]
    assert row[1:4] == pytest.approx([medio["base"], medio["all_undone"], medio["first_holds"]], abs=0.01)
    chain = np.asarray(solution[cell_ref("mpp_model.xlsm", "Keten", _spill_ref("Keten", "MPP_PROJECTION"))].value)
    header = chain[0].tolist()
    year_2025 = [r for r in chain.tolist() if r[0] == 2025][0]
    cli_pending = projection[(projection.metric == "ind.pending.asylum") & (projection.scenario == "medio")
                             & (projection.variant == "base") & (projection.date == "2025-12-31")].value.item()
    assert year_2025[header.index("ind.pending.asylum")] == pytest.approx(cli_pending, abs=1e-3)
