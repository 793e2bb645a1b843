"""The workbook as a printed ministry product (issue 13), checked on the file without looking at it: print settings
on every sheet, titled charts and axes, Dutch headers with units, the number format of every column from its unit,
rows high enough for their wrapped text, explained variants, and the values-only copy. What only the eye can judge
is checked with tools/render_workbook.py (README, "Visual check")."""

import io
import math
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import sheets_of
from openpyxl.utils import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

from mpp_xl import __version__
from mpp_xl.assumptions import AssumptionSet
from mpp_xl.catalogue import METRICS, PARAMETERS_NL, VARIANTS_NL
from mpp_xl.cli import main
from mpp_xl.variants import NAMED_VARIANTS, default_variants
from mpp_xl.workbook import build_workbook_bytes

ROOT = Path(__file__).parents[1]
BUILT = {}
WITHOUT_TITLE = {"xlwings.conf", "Keuzelijsten"}  # settings and lists: no title rows to repeat
DATA_SHEETS = {"Aannames", "xlwings.conf", "Keuzelijsten", "Rekenblad"}  # codes are their content (Rekenblad: hidden)


@pytest.fixture(scope="module", autouse=True)
def builds():
    BUILT["xlsm"] = build_workbook_bytes()
    BUILT["values"] = build_workbook_bytes(values_only=True)


def book(which: str = "xlsm", **options) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(BUILT[which]), **options)


def sheet_xml(which: str = "xlsm") -> dict[str, str]:
    """Each sheet's XML by sheet name."""
    return sheets_of(BUILT[which])


def column(ws, col: int):
    """The column dimension that covers a column (XlsxWriter writes neighbours of one width as one range)."""
    return next((d for d in ws.column_dimensions.values() if d.min and d.min <= col <= d.max), None)


def width(ws, col: int) -> float:
    found = column(ws, col)
    return 0.0 if found is not None and found.hidden else (found.width if found is not None and found.width
                                                           else 8.43)


def charts(which: str = "xlsm") -> list[tuple[str, str]]:
    """(sheet, chart XML) of every chart."""
    with zipfile.ZipFile(io.BytesIO(BUILT[which])) as archive:
        out = []
        for name in sorted(n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)):
            xml = archive.read(name).decode()
            sheet = re.search(r"<c:f>'?([^'!<]+)'?!", xml).group(1)
            out.append((sheet, xml))
        return out


def spills():
    """Every spilled table of the .xlsm: (sheet, formula, its range) with the sheet's cached values."""
    formulas, cached = book(), book(data_only=True)
    for ws in formulas:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, ArrayFormula) and ":" in cell.value.ref:
                    yield ws.title, cell.value.text, cell.value.ref, cached[ws.title]


# ---------------------------------------------------------------- printing

def test_every_sheet_prints_a4_landscape_fitted_to_the_width_with_the_provenance_footer():
    """Every sheet: a print area, A4 landscape fitted to the page width (more pages across only for a sheet too
    wide to read at one), the title rows on every page and a footer with the version, the assumption set's name
    and its hash (the default set, read here from the core, not from the builder)."""
    default = AssumptionSet.default()
    for which in ("xlsm", "values"):
        xml = sheet_xml(which)
        for ws in book(which):
            assert ws.print_area, (which, ws.title)
            assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9"), ws.title
            assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
            # as many pages down as the content needs, or one page for a sheet a little longer than a page
            assert str(ws.page_setup.fitToHeight) in ("0", "1", "None"), ws.title
            assert int(ws.page_setup.fitToWidth or 1) <= 3, ws.title
            if ws.title not in WITHOUT_TITLE:
                assert ws.print_title_rows and ws.print_title_rows.startswith("$1:"), ws.title
            footer = re.search(r"<oddFooter>(.*?)</oddFooter>", xml[ws.title]).group(1)
            for part in (f"mpp-xl {__version__}", default.name, default.digest):
                assert part.replace("&", "&amp;&amp;") in footer, (ws.title, part)


def test_the_print_area_holds_every_cell_and_chart():
    """Nothing prints cut off at the right or the bottom: every written cell and every chart's anchor lie inside
    the print area."""
    for which in ("xlsm", "values"):
        for ws in book(which):
            min_col, min_row, max_col, max_row = range_boundaries(ws.print_area.split("!")[1].replace("$", ""))
            assert (min_col, min_row) == (1, 1)
            hidden = {c for d in ws.column_dimensions.values() if d.hidden and d.min for c in range(d.min, d.max + 1)}
            used = [c for row in ws.iter_rows() for c in row if c.value is not None and c.column not in hidden]
            outside = [c for c in used if not (c.row <= max_row and c.column <= max_col)]
            if ws.title == "Aannames":  # the spare rows for the user's own records do not print
                outside = [c for c in outside if not str(c.value).startswith("Eigen regels")]
            assert not outside, (ws.title, outside[:3])
            for chart in ws._charts:
                end = chart.anchor.to
                assert end.row + 1 <= max_row and end.col + 1 <= max_col, (ws.title, end.row, end.col)


def test_rows_are_high_enough_for_their_wrapped_text():
    """No overprinting: a wrapped text (a header, a note, a description on Aannames) gets a row as high as its lines
    need. The bound is loose on purpose: Calibri 11 fits at most 1.5 characters per unit of column width and a
    line takes at least 14 points, so a row lower than that certainly overprints."""
    for ws in book(data_only=True):
        if ws.title in WITHOUT_TITLE:
            continue
        merged = {r.min_row * 100000 + r.min_col: r for r in ws.merged_cells.ranges}
        checked = 0
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                    continue
                span = merged.get(cell.row * 100000 + cell.column)
                last = span.max_col if span else cell.column
                chars = sum(width(ws, c) for c in range(cell.column, last + 1))
                if not chars:
                    continue
                size = (cell.font.sz if cell.font and cell.font.sz else 11) / 11  # 9 pt notes on Aannames
                lines = max(1, math.ceil(len(cell.value) * size / (1.5 * chars)))
                height = ws.row_dimensions[cell.row].height or 15
                assert height >= 14 * size * lines, (ws.title, cell.coordinate, cell.value[:40], height, lines)
                checked += 1
        assert checked, ws.title


# ---------------------------------------------------------------- charts

def test_every_chart_has_a_title_and_named_axes():
    found = charts()
    assert len(found) == 12  # Grafieken 3, Begroting 3, Vergelijking 2, Terugblik 1, Onzekerheid 3
    for sheet, xml in found:
        plot = xml.split("<c:plotArea>")[0]
        assert "<c:title>" in plot, (sheet, "chart title")
        axes = re.findall(r"<c:(catAx|dateAx|valAx)>(.*?)</c:\1>", xml, flags=re.S)
        assert len(axes) >= 2, sheet
        for kind, axis in axes:
            assert "<c:title>" in axis, (sheet, kind)


def test_chart_titles_name_the_choices_of_the_table_they_show():
    """A chart of a table that follows a selector has its title linked to a cell whose formula names that
    selector (Grafieken's COA chart says which scenario, Begroting's which scenario and variant)."""
    formulas = book()
    tables = {(sheet, ref): text for sheet, text, ref, _ in spills()}
    linked = 0
    for sheet, xml in charts():
        # the first series that reads a spilled table (a fan chart's bands read helper columns beside it)
        formula = next((text for series in re.finditer(r"<c:val><c:numRef><c:f>'?([^'!<]+)'?!\$([A-Z]+)\$(\d+):", xml)
                       for (s, ref), text in tables.items() if s == series.group(1) and
                       range_boundaries(ref)[1] <= int(series.group(3)) <= range_boundaries(ref)[3] and
                       range_boundaries(ref)[0] <= openpyxl.utils.column_index_from_string(series.group(2))
                       <= range_boundaries(ref)[2]), None)
        if formula is None:
            continue
        needed = {n + "Naam" if n in ("KeuzeScenario", "KeuzeVariant", "KeuzeEditieA", "KeuzeEditieB") else n for n in re.findall(r"Keuze\w+", formula)
                  if n != "KeuzeEditie"}  # scenario and variant by their Dutch names; the edition is in the header
        if not needed:
            continue
        title = re.search(r"<c:title><c:tx><c:strRef><c:f>'?([^'!<]+)'?!\$([A-Z]+)\$(\d+)</c:f>", xml)
        assert title, (sheet, "a title linked to a cell")
        cell = formulas[title.group(1)][f"{title.group(2)}{title.group(3)}"].value
        assert isinstance(cell, str) and needed <= set(re.findall(r"Keuze\w+", cell)), (sheet, cell, needed)
        linked += 1
    assert linked >= 6


def test_demand_and_the_spreidingswet_line_differ_and_euros_show_in_millions():
    coa = next(xml for sheet, xml in charts() if "Spreidingswet (plaatsen)" in xml)
    colours = [re.findall(r'<a:srgbClr val="([0-9A-F]{6})"', s)[:1] for s in coa.split("<c:ser>")[1:]]
    assert len(colours) == 3 and len({c[0] for c in colours}) == 3
    for sheet, xml in charts():
        if "mln euro" in xml:
            assert 'formatCode="#,##0,,"' in xml, sheet


def test_monthly_charts_label_each_year_once():
    monthly = [xml for _, xml in charts() if "<c:dateAx>" in xml]
    assert len(monthly) == 3  # inflow and COA on Grafieken, the fan chart on Onzekerheid
    for xml in monthly:
        axis = re.search(r"<c:dateAx>.*?</c:dateAx>", xml, flags=re.S).group(0)
        assert '<c:majorUnit val="1"/>' in axis and '<c:majorTimeUnit val="years"/>' in axis
        assert 'formatCode="yyyy"' in axis


# ---------------------------------------------------------------- headers and formats

UNIT_FORMATS = {  # what a column of each unit must look like (a unit is the last bracketed part of a header)
    "personen": "#,##0", "zaken": "#,##0", "plaatsen": "#,##0", "aantal": "#,##0", "jaren": "0", "weken": "0.0",
}
KEY_COLUMNS = {"jaar", "datum", "scenario", "editie", "gepubliceerd", "behoefte op", "code", "begrotingsregel",
               "omschrijving", "periode", "eenheid", "venster", "aanname", "instelling laag", "instelling hoog"}


def unit_of(header) -> str | None:
    """The unit of a header: its last bracketed part without a per-period suffix ('zaken/jaar' -> 'zaken'), the
    part that is a unit where it holds more ('EUR, kasbasis' -> 'EUR', 'sd, %' -> '%')."""
    found = re.search(r"\(([^()]*)\)\s*$", str(header))
    if not found:
        return None
    for part in (p.strip() for p in found.group(1).split(",")):
        part = part.split("/")[0]
        if part in UNIT_FORMATS or part in ("EUR", "%"):
            return part
    return None


def check_format(unit: str, number_format: str, values: list, where) -> None:
    if unit == "EUR":  # every table of euros is about the budget: millions, the cell keeps the whole amount
        assert "€" in number_format and ",," in number_format and "mln" in number_format, where
    elif unit == "%":
        assert "%" in number_format, where
        if number_format == "0.0%":  # a share: a fraction, shown as a percentage
            assert all(abs(v) <= 1 for v in values), where
    else:
        assert number_format == UNIT_FORMATS[unit], (where, number_format)


def test_every_table_column_has_a_dutch_header_with_its_unit_and_the_format_of_that_unit():
    """Every column of every spilled table is a key (year, date, name) or has a unit in its header (or, in a table
    with an 'eenheid' column, per row), and every number in it has the format of that unit: counts of persons,
    cases and places as whole numbers (also on Dwangsommen, where they stood in euros), weeks with a decimal,
    shares as percentages, euros in millions."""
    checked = set()
    for sheet, formula, ref, cached in spills():
        ws = cached
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        header = [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
        per_row = "eenheid" in header
        unit_col = min_col + header.index("eenheid") if per_row else None
        current = None
        for offset, head in enumerate(header):
            col = min_col + offset
            cells = [ws.cell(r, col) for r in range(min_row + 1, max_row + 1)]
            numbers = [c for c in cells if isinstance(c.value, (int, float))]
            if not isinstance(head, str) and offset and isinstance(header[0], str) and header[0] == "jaar":
                # series down, years across (Keten): each row's unit is in its label
                for c in numbers:
                    label = ws.cell(c.row, min_col).value
                    check_format(unit_of(label), c.number_format, [n.value for n in numbers
                                                                   if n.row == c.row], (sheet, c.coordinate))
                checked.update(unit_of(ws.cell(r, min_col).value) for r in range(min_row + 1, max_row + 1))
                continue
            if isinstance(head, str) and head in KEY_COLUMNS:
                if head == "jaar":
                    assert all(c.number_format == "0" for c in numbers), (sheet, ref, head)
                elif head == "datum":
                    assert all("yy" in c.number_format for c in numbers), (sheet, ref, head)
                continue
            unit = unit_of(head) if isinstance(head, str) else current  # a year across takes the total's unit
            current = unit or current
            if per_row:
                for c in numbers:
                    row_unit = {"personen": "personen", "zaken": "zaken", "plaatsen": "plaatsen",
                                "EUR": "EUR"}[ws.cell(c.row, unit_col).value]
                    check_format(row_unit, c.number_format, [c.value], (sheet, c.coordinate))
                continue
            assert unit, (sheet, ref, head, "a header without a unit")
            for c in numbers:
                check_format(unit, c.number_format, [n.value for n in numbers], (sheet, c.coordinate, head))
            checked.add(unit)
    assert checked == {"personen", "zaken", "plaatsen", "aantal", "jaren", "weken", "%", "EUR"}


CODE = re.compile(r"\b[a-z][a-z0-9]+(?:[._][a-z0-9]{2,})+\b")  # metric.codes and snake_case names, not t.o.v.


def test_no_code_in_a_visible_header_or_row_label_outside_aannames():
    """Headers and row labels a reader sees are Dutch: no metric code (ind.pending.asylum), no old column code
    (asiel_eur, verschil_met_base_eur) and no variant code (all_undone); codes stay in hidden columns."""
    seen = 0
    for sheet, formula, ref, cached in spills():
        if sheet in DATA_SHEETS:
            continue
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        visible = [c for c in range(min_col, max_col + 1) if width(cached, c) > 0]
        labels = [cached.cell(min_row, c).value for c in visible]
        labels += [cached.cell(r, visible[0]).value for r in range(min_row + 1, max_row + 1)]
        for label in labels:
            if isinstance(label, str):
                assert label not in METRICS and not CODE.search(label), (sheet, ref, label)
                seen += 1
    assert seen > 150


# ---------------------------------------------------------------- variants and the Aannames descriptions

def test_every_variant_has_a_dutch_name_and_is_explained_beside_the_tables():
    registry = AssumptionSet.default().registry
    assert set(default_variants(registry)) == set(VARIANTS_NL)  # base, all_undone, first_holds, wbv_2023_26_withdrawn
    cached = book(data_only=True)
    for sheet in ("Dwangsommen", "Grafieken"):
        texts = [c.value for row in cached[sheet].iter_rows() for c in row if isinstance(c.value, str)]
        for code, text in VARIANTS_NL.items():
            assert any(t.startswith(f"{text.name}: ") for t in texts), (sheet, code)


def test_variant_drop_downs_explain_each_choice_in_their_input_message():
    found = 0
    for ws in book():
        for dv in ws.data_validations.dataValidation:
            if dv.formula1 == "VariantNamen":
                found += 1
                assert dv.showInputMessage and len(dv.prompt) <= 255, ws.title
                for code in NAMED_VARIANTS:
                    assert f"{VARIANTS_NL[code].name}: " in dv.prompt and code not in dv.prompt, (ws.title, code)
    assert found == 1  # one variant for every sheet, on Start


def test_aannames_keeps_its_data_columns_and_describes_each_record_in_dutch():
    registry = AssumptionSet.default().registry
    assert {spec.name for spec in registry.specs} <= set(PARAMETERS_NL), "a parameter without a Dutch description"
    ws = book()["Aannames"]
    assert [c.value for c in ws[1]][1:9] == ["parameter", "scenario", "from", "to", "value", "unit", "source",
                                             "omschrijving en eenheid (niet ingelezen)"]
    rows = 0
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[1] is None:
            continue
        spec = registry.find(row[1])
        assert row[8].startswith(PARAMETERS_NL[spec.name]) and spec.description not in row[8], row[1]
        rows += 1
    history = sum(r.parameter.startswith("history.") for _, r in AssumptionSet.default().records())
    assert rows == len(AssumptionSet.default().records()) - history  # the actuals are on Realisaties


def test_start_says_which_programs_show_name_errors_and_how_to_get_the_values_only_copy():
    text = " ".join(str(c.value) for row in book()["Start"].iter_rows() for c in row if isinstance(c.value, str))
    assert "LibreOffice" in text and "#NAME?" in text and "mpp-xl build-workbook --values-only" in text


# ---------------------------------------------------------------- the values-only copy

def test_the_values_only_copy_holds_the_cached_results_as_values_with_the_same_formats_and_charts():
    """No formula, no VBA, no xlwings settings; every cell of the content sheets equals the .xlsm's cached value
    in the same place and format, and the charts read the same ranges."""
    with zipfile.ZipFile(io.BytesIO(BUILT["values"])) as archive:
        names = archive.namelist()
        assert "xl/vbaProject.bin" not in names
        assert "macroEnabled" not in archive.read("[Content_Types].xml").decode()
    values, cached = book("values"), book(data_only=True)
    assert values.sheetnames == [s for s in cached.sheetnames if s not in ("xlwings.conf", "Keuzelijsten")]
    compared = 0
    for ws in values:
        for row in ws.iter_rows():
            for cell in row:
                assert not (isinstance(cell.value, str) and cell.value.startswith("=")), (ws.title, cell.coordinate)
                if ws.title == "Start":  # a note on the copy moves Start's rows
                    continue
                twin = cached[ws.title][cell.coordinate]
                assert cell.value == twin.value and cell.number_format == twin.number_format, (
                    ws.title, cell.coordinate)
                compared += cell.value is not None
    assert compared > 5000
    version = cached["Start"]["B2"].value
    assert any(c.value == version for row in values["Start"].iter_rows() for c in row)
    strip = lambda xml: re.sub(r"<c:(?:numCache|strCache)>.*?</c:(?:numCache|strCache)>", "", xml)  # noqa: E731
    assert [strip(x) for _, x in charts("values")] == [strip(x) for _, x in charts()]


def test_the_values_only_copy_is_byte_identical_on_a_rebuild():
    assert build_workbook_bytes(values_only=True) == BUILT["values"]


def test_build_workbook_values_only_on_the_command_line(tmp_path, capsys):
    target = tmp_path / "kopie.xlsx"
    assert main(["build-workbook", "--values-only", "--out", str(target)]) == 0
    assert target.read_bytes() == BUILT["values"]
    assert main(["build-workbook", "--values-only", "--out", str(tmp_path / "kopie.xlsm")]) == 2
    assert "must end in .xlsx" in capsys.readouterr().err
    target.write_bytes(b"mine")
    assert main(["build-workbook", "--values-only", "--out", str(target)]) == 2
    assert target.read_bytes() == b"mine"


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftoppm") and shutil.which("pdftotext")),
                    reason="LibreOffice and poppler are not installed (the visual check is a tool, not CI)")
def test_the_visual_check_renders_every_sheet(tmp_path):
    """tools/render_workbook.py prints the values-only copy with LibreOffice: every page carries the footer and
    every printed sheet prints (the hidden data sheet does not), at most 30 pages in all, with the checks of the
    tool passing (every page with its date and header line, no table continued without its header)."""
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "render_workbook.py"), "--out", str(tmp_path),
                             "--dpi", "20"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    pages = {line.split()[0]: int(line.split()[1]) for line in result.stdout.splitlines() if "page(s)" in line}
    values = book("values")
    assert set(pages) == {ws.title for ws in values if ws.sheet_state == "visible"}
    assert all(n <= 8 for n in pages.values()) and sum(pages.values()) <= 30
