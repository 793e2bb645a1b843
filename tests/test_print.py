"""The workbook as a meeting-ready printed product (issue 18), checked on the file: one set of choices on Start,
a Dutch header line on every page, no codes or English where a budget analyst reads, the budget mutation table,
a Controles sheet with a master check, protected results, Aannames by theme with actuals apart and changed rows
marked, charts that read cleanly, and the monthly tables off the printed pages. The rendered pages themselves are
checked with tools/render_workbook.py (at most 30 pages, no page continuing a table without its headers)."""

import io
import math
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import sheets_of
from openpyxl.utils import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

from mpp_xl import workbook as wbm
from mpp_xl.assumptions import COLUMNS, AssumptionSet
from mpp_xl.catalogue import VARIANTS_NL
from mpp_xl.workbook import build_workbook_bytes

BUILT = {}
PRINTED = ("Start", *wbm.SHEETS)


@pytest.fixture(scope="module", autouse=True)
def builds():
    BUILT["xlsm"] = build_workbook_bytes()
    BUILT["values"] = build_workbook_bytes(values_only=True)


def book(which="xlsm", **options):
    return openpyxl.load_workbook(io.BytesIO(BUILT[which]), **options)


def xml_of(which="xlsm") -> dict[str, str]:
    """Each sheet's XML by sheet name."""
    return sheets_of(BUILT[which])


def charts(which="xlsm") -> list[str]:
    with zipfile.ZipFile(io.BytesIO(BUILT[which])) as archive:
        return [archive.read(n).decode() for n in sorted(archive.namelist())
                if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]


def hidden_cols(ws) -> set[int]:
    out = set()
    for dim in ws.column_dimensions.values():
        if dim.hidden and dim.min:
            out.update(range(dim.min, dim.max + 1))
    return out


def visible_texts(ws):
    """(cell, text) of every visible text cell inside the print area."""
    min_col, min_row, max_col, max_row = range_boundaries(ws.print_area.split("!")[1].replace("$", ""))
    hidden = hidden_cols(ws)
    for row in ws.iter_rows(min_row=1, max_row=max_row, max_col=max_col):
        for cell in row:
            if isinstance(cell.value, str) and cell.column not in hidden:
                yield cell, cell.value


# ---------------------------------------------------------------- pages, headers, the data sheet

def test_the_monthly_tables_behind_the_charts_are_on_a_hidden_data_sheet():
    cached = book(data_only=True)
    assert cached[wbm.DATA_SHEET].sheet_state == "hidden"
    assert [s for s in cached.sheetnames if cached[s].sheet_state == "visible"][:len(PRINTED)] == list(PRINTED)
    for name in PRINTED:  # no monthly table (a column of month dates) on a printed sheet, except Realisaties
        if name == "Realisaties":
            continue
        for row in cached[name].iter_rows():
            for cell in row:
                assert getattr(cell, "number_format", "") != "mmm yyyy", (name, cell.coordinate)


def test_no_table_runs_over_a_page_without_its_header():
    """A printed table either fits on one page (estimated from the row heights at the sheet's print scale) or has
    its header row among the rows repeated on every page (Aannames)."""
    page = wbm.PRINT_HEIGHT_PT
    for ws in book():
        if ws.title not in PRINTED:
            continue
        one_page = ws.page_setup.fitToHeight in (1, "1")
        heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, ArrayFormula) and ":" in cell.value.ref:
                    _, top, _, bottom = range_boundaries(cell.value.ref)
                    tall = sum(heights.get(r, 15) for r in range(top, bottom + 1))
                    repeated = ws.print_title_rows and int(ws.print_title_rows.split(":")[1].strip("$")) >= top
                    assert one_page or repeated or tall * 0.72 <= page, (ws.title, cell.coordinate, tall)


def test_every_printed_page_has_the_date_and_a_dutch_header_line_with_edition_scenario_variant_and_status():
    formulas, cached = book(), book(data_only=True)
    xml = xml_of()
    for name in PRINTED:
        header = re.search(r"<oddHeader>(.*?)</oddHeader>", xml[name]).group(1)
        assert "&amp;D" in header, name  # the print date
        if name == "Aannames":  # its repeated row is the table header; the inputs hold for every choice
            assert "elke editie, elk scenario en elke variant" in header
            continue
        ws, values = formulas[name], cached[name]
        last = int(ws.print_title_rows.split(":")[1].strip("$"))
        line = next(c for row in ws.iter_rows(max_row=last) for c in row
                    if isinstance(c.value, str) and "KeuzeVariantNaam" in c.value)
        for needed in ("KeuzeEditieNaam", "KeuzeScenarioNaam", "KeuzeVariantNaam", "Status"):
            assert needed in line.value, (name, needed)
        assert values[line.coordinate].value == "MPP 2024-II | scenario medio | variant basis | status: concept"


def test_no_code_or_english_label_where_an_analyst_reads():
    """No variant code, edition code, scenario code as a label, and no English column header on a printed page
    (Aannames' data cells are the user's input and stay as typed; its headers show Dutch names)."""
    codes = set(VARIANTS_NL) | {"mpp-2024-II", "mpp-2024-I", "mpp-2023-II", "realised"}
    cached = book(data_only=True)
    seen = 0
    for name in PRINTED:
        ws = cached[name]
        for cell, text in visible_texts(ws):
            if name == "Aannames" and cell.row > 1:
                continue
            for code in codes:
                assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text), (name, cell.coordinate, code)
            seen += 1
    assert seen > 300
    aannames = book()["Aannames"]
    header = [c for c in aannames[1] if c.value in COLUMNS]
    assert [c.value for c in header] == list(COLUMNS)  # what the reader needs ...
    shown = [re.fullmatch(r';;;"(.*)"', c.number_format).group(1) for c in header]  # ... shown in Dutch
    assert shown == [wbm.AANNAMES_HEADERS[c] for c in COLUMNS] and "vanaf" in shown and "bron" in shown


def test_one_scenario_and_variant_chosen_on_start_for_every_sheet():
    wb = book()
    names = {n: d.attr_text for n, d in wb.defined_names.items()}
    assert not any(re.fullmatch(r"KeuzeScenario\w+|KeuzeVariant\w+", n) and not n.endswith("Naam") for n in names)
    selectors = []
    for ws in wb:
        for dv in ws.data_validations.dataValidation:
            if dv.formula1 in ("ScenarioNamen", "VariantNamen"):
                selectors.append((ws.title, dv.formula1))
    assert sorted(selectors) == [("Start", "ScenarioNamen"), ("Start", "VariantNamen")]
    assert names["KeuzeScenarioNaam"].startswith("Start!") and names["KeuzeVariantNaam"].startswith("Start!")
    # the code each formula gets is looked up from the Dutch name (a typed code still works)
    lists = wb[wbm.LISTS_SHEET]
    cell = names["KeuzeVariant"].split("!")[1].replace("$", "")
    assert lists[cell].value == "=IFERROR(INDEX(VariantCodes,MATCH(KeuzeVariantNaam,VariantNamen,0)),KeuzeVariantNaam)"
    used = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row
                    if isinstance(c.value, (str, ArrayFormula)) for c in [c])
    assert "KeuzeScenarioDwangsom" not in used and "KeuzeVariantBegroting" not in used


def test_the_current_legal_situation_is_offered_and_first_holds_is_explained():
    wb, cached = book(), book(data_only=True)
    lists = wb[wbm.LISTS_SHEET]
    offered = wb.defined_names["VariantNamen"].attr_text
    col, first, last = re.fullmatch(r"Keuzelijsten!\$([A-Z]+)\$(\d+):\$[A-Z]+\$(\d+)", offered).groups()
    names = [lists[f"{col}{r}"].value for r in range(int(first), int(last) + 1)]
    assert names == [VARIANTS_NL[v].name for v in wbm.WORKBOOK_VARIANTS]
    if "wbv_2023_26_withdrawn" in wbm.WORKBOOK_VARIANTS:
        assert VARIANTS_NL["wbv_2023_26_withdrawn"].name in names
    texts = " ".join(c.value for row in cached["Dwangsommen"].iter_rows() for c in row if isinstance(c.value, str))
    assert wbm.FIRST_HOLDS_NOTE in texts


# ---------------------------------------------------------------- Vergelijking, Controles, protection

def test_vergelijking_is_the_budget_mutation_table():
    """Budget lines x (window total, years) for A, for B and the difference B - A, in millions of euros; each line
    label once per block (never a label repeated per year)."""
    wb, cached = book(), book(data_only=True)
    ws, values = wb["Vergelijking"], cached["Vergelijking"]
    spills = [(c, c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, ArrayFormula)]
    budgets = [(c, f) for c, f in spills if f.text.startswith("=MPP_BUDGET(")]
    assert [("KeuzeEditieA" in f.text, "KeuzeEditieB" in f.text) for _, f in budgets] == [(True, False), (False, True)]
    assert not any("MPP_COMPARE" in f.text for _, f in spills)
    texts = [c.value for row in values.iter_rows() for c in row if isinstance(c.value, str)]
    assert sum("(mln euro)" in t for t in texts) >= 3 and any(t.startswith("Verschil B min A") for t in texts)
    (a_cell, a), (b_cell, b) = budgets
    _, a_top, a_right, a_bottom = range_boundaries(a.ref)
    _, b_top, _, _ = range_boundaries(b.ref)
    height = a_bottom - a_top + 1
    diff_top = next(r for r in range(b_top + height, b_top + height + 6) if ws.cell(r, 2).value == f"=B{a_top}")
    labels = [values.cell(r, 2).value for r in range(a_top + 1, a_bottom + 1)]
    assert len(labels) == len(set(labels)) and "COA totaal" in labels
    checked = 0
    for r in range(1, height):
        for c in range(3, a_right + 1):
            va, vb = values.cell(a_top + r, c).value, values.cell(b_top + r, c).value
            vd = values.cell(diff_top + r, c).value
            if isinstance(va, float) and isinstance(vb, float):
                assert math.isclose(vd, vb - va, rel_tol=1e-9, abs_tol=1e-3)
                assert "mln" in values.cell(diff_top + r, c).number_format
                checked += 1
            else:
                assert vd in (None, "")
    assert checked >= 30


def test_controles_has_sum_checks_the_published_figures_and_one_master_check_shown_on_start():
    wb, cached = book(), book(data_only=True)
    target = wb.defined_names["ControleTotaal"].attr_text
    sheet, cell = target.split("!")
    assert sheet == "Controles"
    master = wb["Controles"][cell.replace("$", "")].value
    assert master.startswith('=IF(COUNTIF(') and "FOUT" in master
    rows = [[c.value for c in row] for row in cached["Controles"].iter_rows()]
    results = [r for r in rows if r[3] in ("in orde", "FOUT")]
    assert len(results) >= 8
    sums = [r for r in results if r[0] and not r[0].startswith(("Gepubliceerde", "Totaal"))]
    assert all(r[3] == "in orde" for r in sums), sums  # the default run adds up
    header = next(r for r in rows if r[0] == "cijfer")
    assert {"gepubliceerd", "model", "rol", "binnen de marge"} <= set(header)
    start = [c for row in wb["Start"].iter_rows() for c in row if c.value == "=ControleTotaal"]
    assert len(start) == 1


def test_results_and_formulas_are_protected_and_inputs_are_not():
    wb = book()
    for name in (*PRINTED, wbm.DATA_SHEET, wbm.LISTS_SHEET):
        ws = wb[name]
        assert ws.protection.sheet, name
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, ArrayFormula) or (isinstance(cell.value, str) and cell.value.startswith("=")):
                    assert cell.protection.locked is not False, (name, cell.coordinate)
    assert not wb["xlwings.conf"].protection.sheet
    start = wb["Start"]
    for key in ("KeuzeScenarioNaam", "KeuzeVariantNaam", "KeuzeEditieNaam", "Venster", "Status"):
        cell = wb.defined_names[key].attr_text.split("!")[1].replace("$", "")
        assert start[cell].protection.locked is False, key
    aannames = wb["Aannames"]
    assert aannames["F3"].protection.locked is False or aannames["F2"].protection.locked is False


def test_start_warns_against_saving_in_libreoffice():
    texts = [c.value for row in book()["Start"].iter_rows(max_row=8) for c in row if isinstance(c.value, str)]
    assert any("LibreOffice" in t and "#NAME?" in t and "opslaat" in t for t in texts)


# ---------------------------------------------------------------- Aannames and Realisaties

def test_aannames_grouped_by_theme_actuals_apart_changes_marked_and_spare_rows_not_printed():
    wb = book()
    ws = wb["Aannames"]
    records = [r for _, r in AssumptionSet.default().records()]
    params = [ws.cell(r, 2).value for r in range(2, ws.max_row + 1)]
    assert not any(isinstance(p, str) and p.startswith("history.") for p in params)
    headings = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value]
    themes = [t for t, _ in wbm.THEMES]
    assert [h for h in headings if h in themes] == [t for t in themes if t in headings] and len(headings) >= 7
    assert sum(isinstance(p, str) for p in params) == sum(not r.parameter.startswith("history.") for r in records)
    # the range the functions read starts at the header row, so 'rij N' in a message is the sheet's row N
    assert wb.defined_names["Aannames"].attr_text.startswith("Aannames!$B$1:$H$")
    # a changed row turns orange: a formula against hidden copies of the default
    rules = [rule for cf in ws.conditional_formatting for rule in cf.rules]
    assert any(rule.type == "expression" and "<>" in rule.formula[0] for rule in rules)
    hidden = hidden_cols(ws)
    formula = next(rule.formula[0] for rule in rules if rule.type == "expression")
    compared = [openpyxl.utils.column_index_from_string(c) for c in re.findall(r"\$([A-Z]+)2", formula)]
    assert set(compared[1::2]) <= hidden and set(compared[::2]) == set(range(2, 7))
    # print area: the records, not the spare rows
    _, _, _, printed = range_boundaries(ws.print_area.split("!")[1].replace("$", ""))
    last_record = max(r for r in range(2, ws.max_row + 1) if ws.cell(r, 2).value)
    assert printed == last_record and int(wb.defined_names["Aannames"].attr_text.rsplit("$", 1)[1]) > printed + 50


def test_realisaties_holds_the_actuals():
    history = [r for _, r in AssumptionSet.default().records() if r.parameter.startswith("history.")]
    cached = book(data_only=True)["Realisaties"]
    numbers = {c.value for row in cached.iter_rows() for c in row if isinstance(c.value, (int, float))}
    assert history and all(r.value in numbers for r in history)


# ---------------------------------------------------------------- charts

def test_charts_read_cleanly():
    """No title text hidden behind a chart on a printed sheet (titles link to the data sheet), euro axes titled in
    'mln euro' with ticks in millions without a unit of their own, and no empty year slot in a column chart."""
    formulas = book()
    for name in PRINTED:
        for row in formulas[name].iter_rows():
            for cell in row:
                assert not (cell.font and cell.font.sz == 8 and cell.font.color is not None
                            and cell.font.color.rgb == "FF808080"), (name, cell.coordinate)
    found = charts()
    assert len(found) >= 12
    for xml in found:
        title = re.search(r"<c:title><c:tx><c:strRef><c:f>'?([^'!<]+)'?!", xml)
        assert title is None or title.group(1) == wbm.DATA_SHEET
        for axis in re.findall(r"<c:valAx>.*?</c:valAx>", xml, flags=re.S):
            name = " ".join(re.findall(r"<a:t>([^<]*)</a:t>", axis))
            if "euro" in name or "EUR" in name:
                assert "mln euro" in name and 'formatCode="#,##0,,"' in axis, name
        if "<c:barChart>" in xml and '<c:barDir val="col"/>' in xml:
            caches = [re.findall(r'<c:pt idx="(\d+)"><c:v>([^<]*)</c:v>', cache)
                      for cache in re.findall(r"<c:val>.*?</c:val>", xml, flags=re.S)]
            slots = max(int(n) for n in re.findall(r'<c:val>.*?<c:ptCount val="(\d+)"/>', xml, flags=re.S))
            filled = {int(i) for cache in caches for i, v in cache if v not in ("", "0")}
            assert filled == set(range(slots)), ("an empty year slot", sorted(set(range(slots)) - filled))


def test_first_holds_is_drawn_so_that_it_does_not_hide_alles_vervallen():
    penalty = next(x for x in charts() if "per variant" in x or "Dwangsommen en kosten per jaar per variant" in x
                   or "eerste blijft" in x and "<c:barChart>" in x)
    series = penalty.split("<c:ser>")[1:]
    first_holds = next(s for s in series if "eerste blijft" in s)
    assert "<a:pattFill" in first_holds


def test_the_current_legal_situation_can_be_chosen_in_the_workbook():
    """Issue: WBV 2023/26 withdrawn for the future (June 2025) is what happened; the workbook's variant list on
    Start offers it by its Dutch name next to the letter's three."""
    import openpyxl
    from mpp_xl.catalogue import variant_name
    from mpp_xl.workbook import WORKBOOK_VARIANTS
    assert "wbv_2023_26_withdrawn" in WORKBOOK_VARIANTS
    book = openpyxl.load_workbook(Path(__file__).resolve().parents[1] / "workbooks" / "mpp_model.xlsm",
                                  keep_vba=True)
    sheet, ref = book.defined_names["VariantNamen"].attr_text.split("!")
    cells = book[sheet.strip("'")][ref.replace("$", "")]
    names = [row[0].value for row in cells] if isinstance(cells, tuple) else [cells.value]
    assert variant_name("wbv_2023_26_withdrawn") in names


def test_results_xlsx_opens_on_a_cover_and_prints_a4_landscape(default_run):
    """results.xlsx: a Voorblad (A4) with the run's provenance first, and every table sheet set to A4 landscape,
    one page wide, header row repeated."""
    from mpp_xl.report import results_workbook
    book = openpyxl.load_workbook(io.BytesIO(results_workbook(default_run)))
    assert book.sheetnames[0] == "Voorblad"
    cover = " ".join(str(c.value) for row in book["Voorblad"].iter_rows() for c in row if c.value is not None)
    assert default_run.aset.digest in cover
    for sheet in book.worksheets:
        assert sheet.page_setup.paperSize == 9, sheet.title
        if sheet.title != "Voorblad":
            assert sheet.page_setup.orientation == "landscape", sheet.title
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title  # fitted to pages
            assert sheet.page_setup.fitToWidth in (None, 1), sheet.title  # one page wide (1 is the file default)
            if sheet.title not in ("Grafieken", "Grafiekdata"):  # charts; small tables each under its own header
                assert sheet.print_title_rows, sheet.title


def test_memo_charts_fit_half_an_a4_page(default_run):
    """Memo PNGs: 3.3 inches wide at their resolution (half an A4 text width)."""
    from PIL import Image
    from mpp_xl.report import chart_pngs
    pngs = chart_pngs(default_run)
    assert pngs
    for name, data in pngs.items():
        image = Image.open(io.BytesIO(data))
        dpi = image.info.get("dpi", (200, 200))[0]
        assert abs(image.size[0] / dpi - 3.3) < 0.05, name
