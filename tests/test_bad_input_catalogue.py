"""The bad-input catalogue: every case ends in one exact line, nothing is written, no input is changed.

Three entry points: the assumptions CSV (through ``mpp-xl run --assumptions``), the command line, and the
Excel functions. For the CLI cases the check is: exit code 2, exactly one line on stderr, the output folder
not created, the user's files byte-for-byte unchanged. For the UDF cases: the cell gets exactly one line.
"""

from pathlib import Path

import pytest

from mpp_xl import excel_api, excel_session, udfs
from mpp_xl.cli import main

HEADER = "parameter,scenario,from,to,value,unit,source\n"


def csv_row(row: str, header: str = HEADER) -> bytes:
    return (header + row + "\n").encode("utf-8")


# (case id, file content, expected message after "mpp-xl: error: {file}" -- "{file}" is the path)
CSV_CASES = [
    ("text in a number cell", csv_row("ind.capacity.asylum,all,2025-01-01,,veel,cases/month,x"),
     "{file}, row 2, column 'value': 'veel' is not a number"),
    ("empty required value", csv_row("ind.capacity.asylum,all,2025-01-01,,,cases/month,x"),
     "{file}, row 2, column 'value': required value is empty"),
    ("empty parameter", csv_row(",all,2025-01-01,,5,cases/month,x"),
     "{file}, row 2, column 'parameter': required value is empty"),
    ("NaN", csv_row("ind.capacity.asylum,all,,,NaN,cases/month,x"),
     "{file}, row 2, column 'value': 'NaN' is not a number"),
    ("infinity", csv_row("ind.capacity.asylum,all,,,inf,cases/month,x"),
     "{file}, row 2, column 'value': 'inf' is not a number"),
    ("huge number", csv_row("ind.capacity.asylum,all,,,1e308,cases/month,x"),
     "{file}, row 2, column 'value': 1e308 is implausibly large (more than 1e+12)"),
    ("negative count", csv_row("ind.capacity.asylum,all,,,-1,cases/month,x"),
     "{file}, row 2, column 'value': -1 is not allowed for ind.capacity.asylum: a count cannot be negative"),
    ("negative rate", csv_row("coa.departure_rate.rejected,all,,,-0.1,share/month,x"),
     "{file}, row 2, column 'value': -0.1 is not allowed for coa.departure_rate.rejected: a share must lie between 0 and 1"),
    ("negative amount", csv_row("penalty.per_day,all,,,-100,EUR/day,x"),
     "{file}, row 2, column 'value': -100 is not allowed for penalty.per_day: an amount cannot be negative"),
    ("share above 1", csv_row("penalty.take_up.asylum,all,,,1.5,share,x"),
     "{file}, row 2, column 'value': 1.5 is not allowed for penalty.take_up.asylum: a share must lie between 0 and 1"),
    ("flag not 0 or 1", csv_row("penalty.void_reading,all,,,0.5,flag,x"),
     "{file}, row 2, column 'value': 0.5 is not allowed for penalty.void_reading: a flag must be 0 or 1"),
    ("shares not summing to 1", csv_row("inflow.share.first,all,2025-01-01,,0.8,share,x"),
     "{file}, row 2, column 'value': inflow.share.first/nareis/repeat/resettlement for min in 2025-01 sum to 1.09, not 1"),
    ("seasonal weights not summing to 1", csv_row("inflow.seasonal.03,all,,,0.2,share,x"),
     "{file}, row 2, column 'value': inflow.seasonal.01..12 for min in force in 2022-01 sum to 1.13, not 1"),
    ("opening age bands not summing to 1", csv_row("ind.opening_age.asylum.12_23m,all,,,0.5,share,x"),
     "{file}, row 2, column 'value': ind.opening_age.asylum.* bands sum to 1.4, not 1"),
    ("dates reversed", csv_row("ind.capacity.asylum,all,2025-12-31,2025-01-01,5,cases/month,x"),
     "{file}, row 2, column 'to': period ends (2025-01-01) before it starts (2025-12-31)"),
    ("date not a date", csv_row("ind.capacity.asylum,all,31/12/2025,,5,cases/month,x"),
     "{file}, row 2, column 'from': '31/12/2025' is not a date (use YYYY-MM-DD)"),
    ("impossible date", csv_row("ind.capacity.asylum,all,2025-02-30,,5,cases/month,x"),
     "{file}, row 2, column 'from': '2025-02-30' is not a date (use YYYY-MM-DD)"),
    ("peildatum outside the horizon", csv_row("deadline.asylum.wbv_2023_3.void_retroactive,all,2040-01-01,,1,flag,x"),
     "{file}, row 2, column 'value': deadline.asylum.wbv_2023_3.void_retroactive: the peildatum lies outside the horizon 2022-01..2030-12"),
    ("overlapping periods", (HEADER + "ind.capacity.asylum,all,2025-01-01,2025-12-31,5,cases/month,x\n"
                             "ind.capacity.asylum,all,2025-06-01,,6,cases/month,x\n").encode(),
     "{file} row 3: period 2025-06-01..9999-12-31 of ind.capacity.asylum (all) overlaps {file} row 2 "
     "(2025-01-01..2025-12-31)"),
    ("overlapping deadline instruments", csv_row("deadline.asylum.extra.extension_months,all,2023-06-01,2023-12-31,3,months,x"),
     "deadline instruments extra and wbv_2023_3 of track asylum both cover applications filed in 2023-06: a case "
     "can have only one extended deadline"),
    ("unknown parameter", csv_row("ind.capacity.asylm,all,,,5,cases/month,x"),
     "{file}, row 2, column 'parameter': unknown parameter 'ind.capacity.asylm' (did you mean 'ind.capacity.asylum'?)"),
    ("unknown scenario", csv_row("ind.capacity.asylum,maximum,,,5,cases/month,x"),
     "{file}, row 2, column 'scenario': unknown scenario 'maximum' (did you mean 'max'?); use one of min, medio, max, all"),
    ("wrong unit", csv_row("ind.capacity.asylum,all,,,5,cases/year,x"),
     "{file}, row 2, column 'unit': ind.capacity.asylum is measured in 'cases/month', not 'cases/year'"),
    ("missing unit", csv_row("ind.capacity.asylum,all,,,5,,x"),
     "{file}, row 2, column 'unit': ind.capacity.asylum is measured in 'cases/month', not an empty unit"),
    ("missing column", b"parameter,scenario,from,to,value,unit\nind.capacity.asylum,all,,,5,cases/month\n",
     "{file}: header must contain parameter,scenario,from,to,value,unit,source; missing column 'source'"),
    ("empty file", b"",
     "{file}: the table is empty; expected the header parameter,scenario,from,to,value,unit,source"),
    ("binary file", b"PK\x03\x04\x00\x00binary",
     "{file}: not a text CSV file (binary content)"),
    ("ambiguous Dutch thousands", b"parameter;scenario;from;to;value;unit;source\nind.capacity.asylum;all;;;2.500;cases/month;x\n",
     "{file}, row 2, column 'value': '2.500' is ambiguous with a decimal comma: write it without the dot"),
    ("cap below one day", csv_row("penalty.cap.standard,all,,,50,EUR,x"),
     "{file}, row 2, column 'value': penalty.cap.standard (50) is below one day's penalty.per_day (100) in 2022-01"),
    ("annual total below history", csv_row("inflow.total_annual,all,2024-01-01,2024-12-31,100,persons/year,x"),
     # Jan-Jun 2024 history: 46,410 realised in 2024 x 0.425 (seasonal Jan-Jun) = 19,724, rounded per record
     "{file}, row 2, column 'value': inflow.total_annual for min in 2024 (100) is below the realised history of that year (19,725)"),
    ("occupancy norm of zero", csv_row("coa.occupancy_norm,all,,,0,share,x"),
     "{file}, row 2, column 'value': coa.occupancy_norm = 0 lies outside its plausible range 0.5 to 1 "
     "(data/parameters.csv)"),
    ("Ukraine anchor without a date", csv_row("ukraine.stock_anchor,min,,,100000,persons,x"),
     "{file} row 2: ukraine.stock_anchor needs a 'from' date: the day the stock was counted"),
]


@pytest.mark.parametrize("case, content, message", CSV_CASES, ids=[c[0] for c in CSV_CASES])
def test_assumptions_file_catalogue(tmp_path, capsys, case, content, message):
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    out = tmp_path / "out"
    code = main(["run", "--quiet", "--assumptions", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"mpp-xl: error: {message.format(file=path)}\n"
    assert not out.exists()
    assert path.read_bytes() == content


VARIANT_HEADER = "variant,parameter,scenario,from,to,value,unit,source\n"

# (case id, arguments (with {dir} = a scratch folder), files to create there, expected message)
CLI_CASES = [
    ("unknown variant", ["run", "--variant", "all_undon"], {},
     "unknown variant 'all_undon' (did you mean 'all_undone'?); available: base, all_undone, first_holds, "
     "wbv_2023_26_withdrawn"),
    ("unknown scenario", ["run", "--scenario", "maxi"], {},
     "unknown scenario 'maxi' (did you mean 'max'?); use min, medio or max"),
    ("bad start month", ["run", "--start", "2022-13"], {},
     "horizon: '2022-13' .. '2030-12' is not a pair of months (use YYYY-MM)"),
    ("end before start", ["run", "--start", "2025-01", "--end", "2024-12"], {},
     "horizon: end 2024-12 is before start 2025-01"),
    ("horizon outside range", ["run", "--start", "1900-01"], {},
     "horizon: 1900-01 .. 2030-12 lies outside 1990-01 .. 2200-12"),
    ("history not covering the start", ["run", "--start", "2020-01", "--end", "2030-12"], {},
     "assumption 'inflow.seasonal.01' has no value for scenario min on 2020-01-01"),
    ("missing assumptions file", ["run", "--assumptions", "{dir}/nope.csv"], {},
     "{dir}/nope.csv: file not found"),
    ("assumptions path is a folder", ["run", "--assumptions", "{dir}"], {},
     "{dir}: is a folder, expected a CSV file"),
    ("unknown command", ["frobnicate"], {},
     "argument command: invalid choice: 'frobnicate' (choose from 'run', 'compare', 'simulate', 'compile', "
     "'editions', 'backtest', 'measures', 'params', 'variants', 'reconcile', 'build-workbook') "
     "(see mpp-xl --help)"),
    ("option without its value", ["run", "--assumptions"], {},
     "argument --assumptions: expected one argument (see mpp-xl run --help)"),
    ("unknown option", ["run", "--frobnicate"], {},
     "unrecognized arguments: --frobnicate (see mpp-xl --help)"),
    ("bad variant name", ["run", "--variants", "{dir}/v.csv"],
     {"v.csv": VARIANT_HEADER + "My Variant,penalty.take_up.asylum,all,,,0.5,share,x\n"},
     "{dir}/v.csv, row 2, column 'variant': 'my variant' is not a valid variant name (lower-case letters, digits and _)"),
    ("variant redefined", ["run", "--variants", "{dir}/v.csv"],
     {"v.csv": VARIANT_HEADER + "all_undone,penalty.take_up.asylum,all,,,0.5,share,x\n"},
     "{dir}/v.csv, row 2, column 'variant': variant 'all_undone' is already defined"),
    ("variant file without variant column", ["run", "--variants", "{dir}/v.csv"],
     {"v.csv": HEADER + "penalty.take_up.asylum,all,,,0.5,share,x\n"},
     "{dir}/v.csv: header must contain variant,parameter,scenario,from,to,value,unit,source; missing column 'variant'"),
    ("out is a file", ["run", "--out", "{dir}/taken"], {"taken": "mine\n"},
     "--out {dir}/taken: exists and is not a folder"),
    ("workbook without .xlsm", ["build-workbook", "--out", "{dir}/book.xlsx"], {},
     "{dir}/book.xlsx: the workbook must end in .xlsm (it carries the xlwings VBA module)"),
]


@pytest.mark.parametrize("case, args, files, message", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_command_line_catalogue(tmp_path, capsys, monkeypatch, case, args, files, message):
    monkeypatch.chdir(tmp_path)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    code = main([a.format(dir=tmp_path) for a in args])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"mpp-xl: error: {message.format(dir=tmp_path)}\n"
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # nothing written, nothing of the user's changed
    assert not (tmp_path / "mpp-output").exists()


def _rows():
    rows = [["parameter", "scenario", "from", "to", "value", "unit", "source"]]
    rows.append(["ind.capacity.asylum", "all", None, None, 2500.0, "cases/month", "eigen schatting"])
    return rows


def _edit(column, value):
    rows = _rows()
    rows[1][column] = value
    return rows


UDF_CASES = [  # the workbook shows the messages in Dutch
    ("unknown metric", lambda: udfs.MPP_PROJECTION("coa.ocupancy", "medio"),
     "reeks: onbekende reeks 'coa.ocupancy' (bedoelt u 'coa.occupancy'?)"),
    ("unknown scenario", lambda: udfs.MPP_PROJECTION("coa.occupancy", "maxi"),
     "scenario: onbekend scenario 'maxi' (bedoelt u 'max'?); kies min, medio, max, all"),
    ("unknown variant", lambda: udfs.MPP_PENALTIES("medio", "first_hold"),
     "variant: onbekende variant 'first_hold' (bedoelt u 'first_holds'?); kies base, all_undone, first_holds, "
     "wbv_2023_26_withdrawn of all"),
    ("unknown frequency", lambda: udfs.MPP_PROJECTION("coa.occupancy", "medio", None, "week"),
     "frequentie: 'week' is niet maand of jaar"),
    ("both all", lambda: udfs.MPP_PROJECTION("all", "all"),
     "reeks en scenario kunnen niet allebei 'all' zijn: kies één reeks of één scenario"),
    ("Excel error as scenario", lambda: udfs.MPP_PENALTIES("#REF!", "base"),
     "scenario: de cel bevat de Excel-fout #REF!"),
    ("number as variant", lambda: udfs.MPP_PENALTIES("medio", 2.0),
     "variant: verwacht tekst, maar kreeg het getal 2.0"),
    ("range as scenario", lambda: udfs.MPP_PENALTIES(["medio", "max"], "base"),
     "scenario: verwacht één cel, maar kreeg een bereik van 2"),
    ("single cell as assumptions", lambda: udfs.MPP_SUMMARY("Aannames"),
     "aannames: verwacht de tabel Aannames met 7 kolommen (parameter,scenario,from,to,value,unit,source) "
     "met de kopregel, maar kreeg één cel of rij"),
    ("too narrow assumptions", lambda: udfs.MPP_SUMMARY([r[:5] for r in _rows()]),
     "aannames: de tabel Aannames heeft nodig: 7 kolommen (parameter,scenario,from,to,value,unit,source), kreeg 5"),
    ("no header", lambda: udfs.MPP_SUMMARY(_rows()[1:]),
     "Aannames: de kopregel moet bevatten: parameter,scenario,from,to,value,unit,source; ontbrekende kolom 'parameter'"),
    ("Excel error in a value", lambda: udfs.MPP_SUMMARY(_edit(4, "#DIV/0!")),
     "Aannames, rij 2, kolom 'value': de cel bevat de Excel-fout #DIV/0!"),
    ("text in a value", lambda: udfs.MPP_SUMMARY(_edit(4, "veel")),
     "Aannames, rij 2, kolom 'value': 'veel' is geen getal"),
    ("huge value", lambda: udfs.MPP_SUMMARY(_edit(4, 1e308)),
     "Aannames, rij 2, kolom 'value': 1e+308 is onwaarschijnlijk groot (meer dan 1e+12)"),
    ("NaN value", lambda: udfs.MPP_SUMMARY(_edit(4, float("nan"))),
     "Aannames, rij 2, kolom 'value': verplichte waarde ontbreekt"),
    ("negative count", lambda: udfs.MPP_SUMMARY(_edit(4, -5.0)),
     "Aannames, rij 2, kolom 'value': -5 is niet toegestaan voor ind.capacity.asylum: een aantal kan niet negatief zijn"),
    ("date as a bad serial", lambda: udfs.MPP_SUMMARY(_edit(2, 1.5)),
     "Aannames, rij 2, kolom 'from': '1.5' is geen datum"),
    ("unknown parameter", lambda: udfs.MPP_SUMMARY(_edit(0, "ind.capacity.asylun")),
     "Aannames, rij 2, kolom 'parameter': onbekende parameter 'ind.capacity.asylun' (bedoelt u 'ind.capacity.asylum'?)"),
    ("wrong unit", lambda: udfs.MPP_SUMMARY(_edit(5, "%")),
     "Aannames, rij 2, kolom 'unit': ind.capacity.asylum heeft als eenheid 'cases/month', niet '%'"),
]


@pytest.mark.parametrize("case, call, message", UDF_CASES, ids=[c[0] for c in UDF_CASES])
def test_udf_catalogue(case, call, message, monkeypatch):
    excel_api.clear_caches()
    handed = []
    real = excel_api.assumptions_arg
    monkeypatch.setattr(excel_session, "assumptions_arg",
                        lambda value: (handed.append((value, repr(value))), real(value))[1])
    assert call() == [[f"Fout: {message}"]]
    for value, before in handed:  # the range the user passed is not changed
        assert repr(value) == before


def test_the_catalogue_is_large_enough():
    assert len(CSV_CASES) + len(CLI_CASES) + len(UDF_CASES) >= 40


def test_accepted_forms_are_not_errors(tmp_path):
    """A BOM, ';' with decimal commas and Dutch dates are accepted (Dutch Excel export)."""
    path = tmp_path / "nl.csv"
    path.write_bytes("\ufeffparameter;scenario;from;to;value;unit;source\n"
                     "ind.capacity.asylum;all;01-01-2025;31-12-2025;2500,0;cases/month;eigen\n".encode("utf-8"))
    assert main(["run", "--quiet", "--scenario", "medio", "--variant", "base", "--assumptions", str(path),
                 "--out", str(tmp_path / "out")]) == 0
    assert Path(tmp_path / "out" / "projection.csv").exists()
