"""The Dutch-language workbook ``workbooks/mpp_model.xlsm``, generated with XlsxWriter from the default run, and
its values-only copy (``mpp-xl build-workbook --values-only``) for readers without Python.

Every formula is written with the default run's result as its cached value, so the file shows real
numbers before Python is attached; the values-only copy writes those results as plain values (same layout,
formats and charts, no functions and no VBA). The VBA project is the one in xlwings' standalone quickstart
template of the pinned xlwings version (the pin is read from mpp-xl's own requirements, i.e. setup.cfg; the
template from the installed package; xlwings itself is not imported here).

Layout: every sheet is a ``Sheet`` that places its blocks from the top down with a row cursor (``Rows``), never
at a literal row number: a title, notes, headings, selectors, spilled tables (``Sheet.table``: a header
height that fits its wrapped text, a number format per column from the kind of its unit in
``mpp_xl.catalogue``) and charts (``Sheet.chart``: axis titles required). ``Sheet.finish`` gives every sheet
its print settings: print area, A4 landscape fitted to the width, repeated title rows, page breaks that keep
tables and charts whole, and a footer with the version, the assumption set and its hash. A new sheet with a
table, a chart and print settings is its name in SHEETS and a function of a handful of calls on the sheet
``build_workbook_bytes`` makes for it (which also calls ``finish``), e.g.::

    def _onzekerheid(book: Book, sheet: Sheet) -> None:
        sheet.title("Onzekerheid: ...")
        table = sheet.table("=MPP_BAND(...)", rows, kinds=["year", *["count"] * 5])
        title = book.formula(["Waaier, scenario ", ("KeuzeScenario", "medio")])  # follows the selector
        chart = book.chart("line", sheet.chart_title(title), x_title="jaar", y_title="plaatsen", y_kind="count")
        chart.add_series(table.series(3, "mediaan"))
        sheet.chart(chart)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import importlib.util
import io
import math
import re
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from . import __version__, excel_api
from .assumptions import ALL, COLUMNS, SCENARIOS, AssumptionSet
from .catalogue import KINDS, METRICS, PARAMETERS_NL, SCENARIOS_NL, UNITS, VARIANTS_NL, variant_name
from .editions import DEFAULT_EDITION
from .errors import MppError
from .model import WINDOW
from .output import atomic_write_many
from .variants import NAMED_VARIANTS, default_variants

FIXED_DATE = dt.datetime(2024, 12, 2)  # the MPP 2024-II letter; a fixed date keeps builds byte-identical
SPARE_ROWS = 60  # empty rows in the assumptions table for the user's own records (not printed)
DEFAULT_SCENARIO, DEFAULT_VARIANT = "medio", "base"
DEFAULT_STATUS = "concept"
STATUS_CHOICES = ("concept", "ter bespreking", "definitief")
DEFAULT_COMPARE = ("mpp-2024-I", DEFAULT_EDITION)  # Kamerbrief 2 Dec 2024: 2024-I restated next to 2024-II
DEFAULT_WINDOW = f"{WINDOW[0]}-{WINDOW[1]}"
SWITCH_DEFAULT = "nee"
STATUS_NL = {"policy assumption": "beleidsaanname", "illustrative": "illustratief (geen gepubliceerd effect)"}
YEARS = excel_api.GRID.calendar_years
N_YEARS = len(YEARS)  # the widest window: every year of the workbook's horizon
HORIZON_YEARS = f"{YEARS[0]}-{YEARS[-1]}"
EXCEL_CALC_ID = 191029  # the calculation engine id of Excel 2016 and later (Microsoft 365)
XLWINGS_CONF = (("Interpreter_Win", ""), ("PYTHONPATH", ""), ("Conda Path", ""), ("Conda Env", ""),
                ("UDF Modules", "mpp_xl.udfs"), ("Debug UDFs", False), ("Use UDF Server", False),
                ("Show Console", False))
WHEEL = f"mpp_xl-{__version__}-py3-none-any.whl"  # what `pip wheel` makes of this project
SHEETS = ("Aannames", "Realisaties", "Instroom", "Keten", "Dwangsommen", "Begroting", "Vergelijking", "Terugblik",
          "Onzekerheid", "Grafieken", "Controles")  # the printed sheets after Start
DATA_SHEET = "Rekenblad"  # hidden and never printed: the monthly tables and helper columns behind the charts
LISTS_SHEET = "Keuzelijsten"  # hidden: the lists behind the drop-downs, display names and the chosen codes
# the variants the workbook offers: those its model runs compute (the current legal situation included)
WORKBOOK_VARIANTS = tuple(getattr(excel_api, "WORKBOOK_VARIANTS", NAMED_VARIANTS))
DEFAULT_PATHS = {False: Path("workbooks/mpp_model.xlsm"), True: Path("workbooks/mpp_model_waarden.xlsx")}
SELECTION = "KeuzeEditie,Maatregelen"  # the last two arguments of every formula: the choices on Start

# printing: A4 landscape; Excel prints a pixel of the screen (96 dpi) as 0.75 pt
MARGINS = {"left": 0.3, "right": 0.3, "top": 0.55, "bottom": 0.75}  # inches; the footer sits in the bottom one
PRINT_WIDTH_PX = (11.69 - MARGINS["left"] - MARGINS["right"]) * 96
PRINT_HEIGHT_PT = (8.27 - MARGINS["top"] - MARGINS["bottom"]) * 72
MIN_SCALE = 0.65  # smaller print is hard to read: a wider sheet takes more pages across instead
ONE_PAGE_SCALE = 0.66  # a sheet that fits on one page at this scale or more prints on one page
ROW_PT, ROW_PX, LINE_PT = 15.0, 20, 15.0  # Excel's default row (Calibri 11) and one line of wrapped text
KEEP_ROWS = 6  # a table longer than a page starts on a page with room for its heading, header and first rows
PAGE_TOLERANCE = 0.08  # the page height is estimated: a block that nearly fills what is left starts a new page
DEFAULT_WIDTH = 8.43  # Excel's default column width in characters

# chart colours: one per series a reader must tell apart
SCENARIO_COLOURS = {"min": "#9DC3E6", "medio": "#2E75B6", "max": "#1F3864"}
VARIANT_COLOURS = {"base": "#2E75B6", "all_undone": "#C00000", "first_holds": "#ED7D31",
                   "wbv_2023_26_withdrawn": "#70AD47"}
LINE_COLOURS = ("#2E75B6", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47", "#264478")
NEED_COLOUR, OCCUPANCY_COLOUR, LAW_COLOUR, REALISED_COLOUR = "#ED7D31", "#2E75B6", "#C00000", "#C00000"
EDITION_COLOURS = ("#A5A5A5", "#2E75B6")


@functools.cache
def xlwings_pin() -> str:
    """The exact xlwings version mpp-xl requires: the one pin, in setup.cfg, read from the installed package's
    requirements (the workbook's VBA module must be of that version)."""
    try:
        requirements = metadata.requires("mpp-xl") or []
    except metadata.PackageNotFoundError:
        raise MppError("mpp-xl is not installed: install it from the project folder (pip install -e .) before "
                       "building the workbook") from None
    for requirement in requirements:
        match = re.fullmatch(r"xlwings\s*==\s*([\w.]+)", requirement.split(";")[0].strip(), flags=re.IGNORECASE)
        if match:
            return match.group(1)
    raise MppError("mpp-xl's requirements pin no exact xlwings version (xlwings==X.Y.Z in setup.cfg)")


def xlwings_template() -> Path:
    """The standalone quickstart workbook shipped with the pinned xlwings version."""
    pin = xlwings_pin()
    try:
        installed = metadata.version("xlwings")
    except metadata.PackageNotFoundError:
        raise MppError(f"xlwings {pin} is not installed: pip install xlwings=={pin}") from None
    if installed != pin:
        raise MppError(f"xlwings {installed} is installed but the workbook needs exactly {pin}")
    spec = importlib.util.find_spec("xlwings")
    return Path(spec.origin).parent / "quickstart_standalone.xlsm"


def vba_project() -> bytes:
    with zipfile.ZipFile(xlwings_template()) as archive:
        return archive.read("xl/vbaProject.bin")


class Rows:
    """A row cursor: hands out a sheet's rows from the top down, so every block is placed below the one before
    it and a block that grows moves the rest instead of running into it."""

    def __init__(self, first: int = 0):
        self.next = first

    def take(self, count: int = 1) -> int:
        """The first of ``count`` rows for the next block."""
        if count < 1:
            raise ValueError("a block has at least one row")
        first, self.next = self.next, self.next + count
        return first

    def skip(self, count: int = 1) -> None:
        """Leave ``count`` empty rows."""
        self.next += count


def text_lines(text: str, width: float, bold: bool = False) -> int:
    """Lines a wrapped text takes in a cell ``width`` characters wide (Calibri 11: a column width counts digits,
    and an average letter is narrower; bold letters are wider). Errs towards one line too many."""
    per_line = max(1, int(width * (1.1 if bold else 1.25)))
    lines = 0
    for paragraph in str(text).split("\n"):
        used, count = 0, 1
        for word in paragraph.split():
            size = len(word)
            if used and used + 1 + size > per_line:
                count, used = count + 1, 0
            used += size + (1 if used else 0)
            while used > per_line:  # a word longer than a line breaks inside it
                count, used = count + 1, used - per_line
        lines += count
    return max(lines, 1)


def column_px(width: float) -> int:
    """Excel's on-screen width in pixels of a column ``width`` characters wide (Calibri 11)."""
    if width <= 0:
        return 0
    return int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5


HEADER_TEXT = "&L&8Afgedrukt op &D&R&8&A"  # the print date on every page; the choices are in the repeated rows


def header_line_parts() -> list:
    """The line under every sheet's title, repeated on every printed page: the edition, scenario, variant and
    status chosen on Start, by their Dutch names (never a code)."""
    return [("KeuzeEditieNaam", excel_api.edition_title(DEFAULT_EDITION)), " | scenario ",
            ("KeuzeScenarioNaam", SCENARIOS_NL[DEFAULT_SCENARIO]), " | variant ",
            ("KeuzeVariantNaam", variant_name(DEFAULT_VARIANT)), " | status: ", ("Status", DEFAULT_STATUS)]


def footer_text(provenance: str) -> str:
    """The printed footer: the version, assumption set and hash of the build on the left, sheet and page right."""
    safe = provenance.replace("&", "&&")  # & starts a footer code
    return f"&L&8Gemaakt met {safe}&R&8&A, pagina &P van &N"


@dataclass
class Formats:
    title: object
    subtitle: object
    h2: object
    label: object
    text: object
    wrap: object
    note: object
    input: object
    input_date: object
    input_num: object
    input_text: object
    input_wrap: object
    header: object
    header_year: object
    out_text: object
    out_text_at: object
    out_wrap: object
    behind_chart: object
    warning: object
    changed: object
    check: object


AXIS_FORMATS = {"eur_m": "#,##0,,", "eur": "#,##0"}  # euro axes in millions: the axis title says "mln euro"


class Book:
    """The workbook being written: XlsxWriter's workbook, its formats, whether formulas are written (the .xlsm)
    or only their cached results (the values-only copy), and the provenance every sheet prints."""

    def __init__(self, wb, values_only: bool, provenance: str):
        self.wb, self.values_only, self.provenance = wb, values_only, provenance
        self.sheets: list[Sheet] = []
        self._out = {}
        base = {"font_name": "Calibri", "font_size": 11}
        out = {"bg_color": "#EDF2F9", "border": 1, "border_color": "#B4C6E7", "valign": "top"}
        inp = {"bg_color": "#FFF2CC", "border": 1, "border_color": "#BF9000", "locked": False, "valign": "top"}
        self._base, self._out_style = base, out
        add = wb.add_format
        self.f = Formats(
            title=add({**base, "bold": True, "font_size": 16, "font_color": "#1F3864"}),
            subtitle=add({**base, "italic": True, "font_size": 9, "font_color": "#595959"}),
            h2=add({**base, "bold": True, "font_size": 12, "font_color": "#1F3864", "valign": "top"}),
            label=add({**base, "bold": True, "font_color": "#1F3864", "valign": "top"}),
            text=add({**base, "valign": "top"}), wrap=add({**base, "text_wrap": True, "valign": "top"}),
            note=add({**base, "italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"}),
            input=add({**base, **inp}), input_date=add({**base, **inp, "num_format": KINDS["date"].excel}),
            input_num=add({**base, **inp, "num_format": KINDS["number"].excel}),
            input_text=add({**base, **inp, "num_format": KINDS["text"].excel}),
            input_wrap=add({**base, **inp, "text_wrap": True, "valign": "top"}),
            header=add({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True,
                        "valign": "top"}),
            header_year=add({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "valign": "top",
                             "num_format": KINDS["year"].excel}),
            out_text=add({**base, **out}), out_text_at=add({**base, **out, "num_format": KINDS["text"].excel}),
            out_wrap=add({**base, **out, "text_wrap": True, "valign": "top"}),
            behind_chart=add({**base, "font_size": 8, "font_color": "#808080"}),
            warning=add({**base, "bold": True, "font_color": "#C00000", "text_wrap": True, "valign": "top",
                         "border": 2, "border_color": "#C00000"}),
            changed=add({"bg_color": "#F8CBAD", "font_color": "#833C0B"}),
            check=add({**base, **out, "bold": True, "align": "center"}),
        )

    def out(self, kind: str):
        """The format of an output cell holding a number of this kind (mpp_xl.catalogue.KINDS)."""
        if kind == "text":
            return self.f.out_text
        if kind not in self._out:
            number = "#,##0.00" if kind == "figure" else KINDS[kind].excel  # figure: a published figure of any unit
            self._out[kind] = self.wb.add_format({**self._base, **self._out_style, "num_format": number})
        return self._out[kind]

    def sheet(self, ws, widths=(), hidden=()) -> "Sheet":
        sheet = Sheet(self, ws, widths, hidden)
        self.sheets.append(sheet)
        return sheet

    def chart(self, kind: str, title, x_title: str, y_title: str, y_kind: str, subtype: str | None = None,
              date_axis: bool = False, legend: str = "bottom"):
        """A native chart with a title (text, or a cell from ``Sheet.chart_title``), both axis titles and the
        value axis in the format of its kind (euros in millions: eur_m)."""
        chart = self.wb.add_chart({"type": kind, **({"subtype": subtype} if subtype else {})})
        chart.set_title({"name": title, "name_font": {"size": 12, "bold": True}} if isinstance(title, str)
                        else {"name": list(title), "name_font": {"size": 12, "bold": True}})
        axis = {"name": x_title, "name_font": {"size": 9, "bold": False}}
        if date_axis:  # one label per year, not per month
            axis.update({"date_axis": True, "num_format": "yyyy", "major_unit": 1, "major_unit_type": "years"})
        chart.set_x_axis(axis)
        if y_kind == "eur_m" and "mln euro" not in y_title:
            raise MppError(f"a euro axis shows millions: its title says 'mln euro' ({y_title})")
        number = AXIS_FORMATS.get(y_kind, KINDS[y_kind].excel)
        chart.set_y_axis({"name": y_title, "num_format": number, "name_font": {"size": 9, "bold": False},
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_legend({"position": legend, "font": {"size": 9}})
        chart.set_chartarea({"border": {"color": "#BFBFBF"}})
        return chart

    def formula(self, parts) -> tuple[str, str]:
        """A text formula from literal strings and choices, with its value for the default choices: a choice is
        (defined name, default code) or (defined name, default code, True) for a variant shown by its Dutch name."""
        pieces, value = [], ""
        for part in parts:
            if isinstance(part, str):
                pieces.append('"' + part.replace('"', '""') + '"')
                value += part
            else:
                name, default, *as_variant = part
                pieces.append(f"IFERROR(INDEX(VariantNamen,MATCH({name},VariantCodes,0)),{name})" if as_variant
                              else name)
                value += variant_name(default) if as_variant else default
        return "=" + "&".join(pieces), value


@dataclass
class Table:
    """A spilled table on a sheet: its top-left cell and its cached rows (header first)."""
    sheet: "Sheet"
    top: int
    left: int
    rows: list

    @property
    def first(self) -> int:
        return self.top + 1

    @property
    def last(self) -> int:
        return self.top + len(self.rows) - 1

    def col(self, header) -> int:
        """The sheet column of a header."""
        return self.left + self.rows[0].index(header)

    def series(self, col: int, name: str | None = None, first: int | None = None, last: int | None = None,
               categories_col: int = 0, **style) -> dict:
        """A chart series of table column ``col`` (counted in the table) over rows ``first``..``last`` (sheet
        rows; default the body), named ``name`` or by its header cell, with the table's first column as
        categories and the cached values."""
        first = self.first if first is None else first
        last = self.last if last is None else last
        name_ref = name if name is not None else [self.sheet.name, self.top, self.left + col]
        return {"name": name_ref,
                "categories": [self.sheet.name, first, self.left + categories_col, last, self.left + categories_col],
                "values": [self.sheet.name, first, self.left + col, last, self.left + col],
                "values_data": _cached(self.rows, col, first - self.top, last - self.top), **style}


class Sheet:
    """One sheet laid out from the top down (see the module's docstring)."""

    def __init__(self, book: Book, ws, widths=(), hidden=()):
        self.book, self.ws, self.name = book, ws, ws.name
        self.rows = Rows()
        self.widths: dict[int, float] = {}
        self.hidden: set[int] = set()
        self.heights: dict[int, float] = {}
        self.last_col = 0
        self.title_rows = 0  # the rows repeated on every printed page
        self.blocks: list[tuple[int, int]] = []  # rows kept on one page where they fit
        self._heading: int | None = None
        self.page_header: str | None = None  # the printed page header (default HEADER_TEXT: the print date)
        self.protect = True
        self.one_page = False
        self.print_rows: int | None = None  # the last printed row, if not the last used one
        for col, width in enumerate(widths):
            self.set_width(col, width, hidden=col in hidden)

    # ------------------------------------------------------------ geometry

    def set_width(self, col: int, width: float, hidden: bool = False) -> None:
        self.widths[col] = width
        if hidden:
            self.hidden.add(col)
        self.ws.set_column(col, col, width, None, {"hidden": True} if hidden else {})

    def first_visible(self) -> int:
        return next(c for c in range(len(self.widths) + 1) if c not in self.hidden)

    def width(self, col: int) -> float:
        return 0.0 if col in self.hidden else self.widths.get(col, DEFAULT_WIDTH)

    def chars(self, first: int, last: int) -> float:
        """The width in characters of columns first..last (merged cells hold text across them)."""
        return sum(self.width(c) for c in range(first, last + 1))

    def px(self, first: int, last: int) -> int:
        return sum(column_px(self.width(c)) for c in range(first, last + 1))

    def set_height(self, row: int, points: float) -> None:
        """A row at least ``points`` high (rows keep the highest height asked of them)."""
        if points > self.heights.get(row, ROW_PT):
            self.heights[row] = points
            self.ws.set_row(row, points)

    def fit(self, row: int, col: int, text: str, last_col: int | None = None, bold: bool = False) -> None:
        """Make a row high enough for a wrapped text in columns col..last_col."""
        lines = text_lines(text, self.chars(col, col if last_col is None else last_col), bold)
        if lines > 1:
            self.set_height(row, lines * LINE_PT + 2)

    def use(self, last_col: int) -> None:
        self.last_col = max(self.last_col, last_col)

    def keep_with_next(self, row: int) -> None:
        """Print ``row`` (a heading, or a selector above its table) on the same page as the next block."""
        if self._heading is None:
            self._heading = row

    @contextlib.contextmanager
    def at(self, row: int):
        """Place blocks from ``row`` down (e.g. beside a chart), then carry on below the lower of both."""
        saved, self.rows.next = self.rows.next, row
        yield
        self.rows.next = max(saved, self.rows.next)

    def _block(self, first: int, last: int) -> None:
        """Rows to keep on one page, with the heading just above them."""
        self.blocks.append((first if self._heading is None else min(self._heading, first), last))
        self._heading = None

    # ------------------------------------------------------------ content

    def title(self, text: str, subtitle: bool = True) -> None:
        """The sheet's title and, below it, the header line (edition, scenario, variant and status chosen on Start,
        in Dutch; a formula on those cells): both rows print on every page, above the date in the page header."""
        col = self.first_visible()
        row = self.rows.take()
        self.ws.write_string(row, col, text, self.book.f.title)
        self.set_height(row, 21)
        if subtitle:
            row = self.rows.take()
            self.write_formula(row, col, self.book.formula(header_line_parts()), self.book.f.subtitle)
        self.title_rows = self.rows.next
        self.rows.skip()

    def write_formula(self, row: int, col: int, formula_value: tuple[str, str], cell_format) -> None:
        """A formula with its value for the default choices (the value only, in the values-only copy)."""
        formula, value = formula_value
        if self.book.values_only:
            self.ws.write_string(row, col, value, cell_format)
        else:
            self.ws.write_formula(row, col, formula, cell_format, value)

    def text(self, text: str, first_col: int = 0, last_col: int | None = None, style: str = "note") -> int:
        """A paragraph in columns first_col..last_col (merged), its row as high as the wrapped text needs."""
        last_col = first_col + 7 if last_col is None else last_col
        row = self.rows.take()
        cell_format = getattr(self.book.f, style)
        if last_col > first_col:
            self.ws.merge_range(row, first_col, row, last_col, text, cell_format)
        else:
            self.ws.write_string(row, first_col, text, cell_format)
        self.fit(row, first_col, text, last_col)
        self.use(last_col)
        return row

    def heading(self, text, col: int = 0) -> int:
        """A section heading: a text, or a (formula, value) pair that names the current choices."""
        row = self.rows.take()
        if isinstance(text, tuple):
            self.write_formula(row, col, text, self.book.f.h2)
        else:
            self.ws.write_string(row, col, text, self.book.f.h2)
        self.keep_with_next(row)
        return row

    def selector(self, row: int, col: int, label: str, choices, default: str, name: str, title: str,
                 message: str, value_col: int | None = None, as_text: bool = False) -> int:
        """A label and an input cell named ``name`` with a drop-down (its input message explains the choices);
        in the values-only copy a plain cell with the choice the values were computed for."""
        value_col = col + 1 if value_col is None else value_col
        self.ws.write_string(row, col, label, self.book.f.label)
        if self.book.values_only:
            self.ws.write_string(row, value_col, default, self.book.f.out_text_at if as_text else self.book.f.out_text)
        else:
            validation = {"input_title": title[:32], "input_message": message}
            if choices is None:
                validation["validate"] = "any"
            elif isinstance(choices, str):  # a defined name holding the list
                validation.update({"validate": "list", "source": choices})
            else:
                validation.update({"validate": "list", "source": list(choices)})
            self.ws.data_validation(row, value_col, row, value_col, validation)
            self.ws.write_string(row, value_col, default, self.book.f.input_text if as_text else self.book.f.input)
        self.book.wb.define_name(name, f"={quote(self.name)}!"
                                       f"{xl_rowcol_to_cell(row, value_col, row_abs=True, col_abs=True)}")
        self.use(value_col)
        self.keep_with_next(row)  # a choice prints on the page of the table it drives
        return row

    def table(self, formula: str, table: list[list], kinds, col: int = 0, row_kinds: dict | None = None) -> Table:
        """A spilled table at the cursor: ``formula`` (or, in the values-only copy, its cached values) with
        ``table`` as cached result (header row first; None = an empty cell, never 0). ``kinds`` gives each
        column's kind (mpp_xl.catalogue.KINDS), ``row_kinds`` a kind per body row for the columns whose kind is
        None (a table with a unit per row). The header row is as high as its wrapped text needs."""
        if len(table) == 1 and len(table[0]) == 1 and str(table[0][0]).startswith("Fout:"):
            raise MppError(f"the default run gives an error for {formula}: {table[0][0]}")
        kinds = list(kinds)
        if len(kinds) != len(table[0]):
            raise MppError(f"{self.name}: {len(kinds)} column kinds for a table of {len(table[0])} columns")
        top = self.rows.take(len(table))
        book, ws = self.book, self.ws
        last_row, last_col = top + len(table) - 1, col + len(table[0]) - 1

        def cell_format(r: int, c: int):
            if r == 0:
                return book.f.header if isinstance(table[0][c], str) else book.f.header_year
            kind = kinds[c] if kinds[c] is not None else (row_kinds or {}).get(r, "count")
            return book.out("text" if isinstance(table[r][c], str) else kind)

        for r, values in enumerate(table):
            for c, value in enumerate(values):
                if r == 0 and c == 0 and not book.values_only:
                    ws.write_dynamic_array_formula(top, col, last_row, last_col, formula, cell_format(0, 0),
                                                   "" if value is None else value)
                elif isinstance(value, str):
                    ws.write_string(top + r, col + c, value, cell_format(r, c))
                elif value is None:  # a formatted blank: an unformatted one would leave the array's 0 showing
                    ws.write_blank(top + r, col + c, None, cell_format(r, c))
                else:
                    ws.write_number(top + r, col + c, value, cell_format(r, c))
        lines = max((text_lines(h, self.width(col + c), bold=True) for c, h in enumerate(table[0])
                     if isinstance(h, str) and self.width(col + c) > 0), default=1)
        self.set_height(top, lines * LINE_PT + 3)
        self._block(top, last_row)
        self.use(last_col)
        return Table(self, top, col, table)

    def chart_title(self, formula_value: tuple[str, str] | str, row: int | None = None,
                    col: int = 0) -> tuple[str, int, int]:
        """A chart title that follows the choices: a cell (behind the chart, top left) holding the title formula;
        the chart's title is linked to it."""
        row = self.rows.next if row is None else row
        if isinstance(formula_value, str):
            self.ws.write_string(row, col, formula_value, self.book.f.behind_chart)
        else:
            self.write_formula(row, col, formula_value, self.book.f.behind_chart)
        return self.name, row, col

    def chart(self, chart, col: int = 0, width: int = 760, height: int = 360, row: int | None = None) -> int:
        """Insert a chart of ``width`` x ``height`` pixels at the cursor (or at ``row``, e.g. beside another)."""
        rows_needed = math.ceil(height / ROW_PX) + 1
        if row is None:
            row = self.rows.take(rows_needed)
        else:
            self.rows.next = max(self.rows.next, row + rows_needed)
        chart.set_size({"width": width, "height": height})
        self.ws.insert_chart(row, col, chart, {"x_offset": 2, "y_offset": 4})
        last_col, covered = col, column_px(self.width(col))
        while covered < width + 2:
            last_col += 1
            covered += column_px(self.width(last_col))
        self._block(row, row + rows_needed - 1)
        self.use(last_col)
        return row

    # ------------------------------------------------------------ printing

    def finish(self, landscape: bool = True) -> None:
        """Print settings: the used area, A4 landscape fitted to as few pages across as keep the print at least
        MIN_SCALE, the title rows (and the first column, if more pages across) on every page, page breaks that
        keep tables and charts whole where they fit on a page, and the provenance footer."""
        ws = self.ws
        last_row = max(self.rows.next - 1, 0) if self.print_rows is None else self.print_rows
        ws.print_area(0, 0, last_row, self.last_col)
        ws.set_paper(9)
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.set_margins(**MARGINS)
        width_px = self.px(0, self.last_col)
        across = max(1, math.ceil(width_px / (PRINT_WIDTH_PX / MIN_SCALE)))
        total_pt = sum(self.heights.get(r, ROW_PT) for r in range(last_row + 1))
        width_scale = min(1.0, PRINT_WIDTH_PX / max(width_px, 1))
        if across == 1 and total_pt * width_scale > PRINT_HEIGHT_PT and PRINT_HEIGHT_PT / total_pt >= ONE_PAGE_SCALE:
            # a sheet a little longer than a page prints on one page, a little smaller, rather than on two
            ws.fit_to_pages(1, 1)
            self.one_page = True
        else:
            ws.fit_to_pages(across, 0)
        if self.title_rows:
            ws.repeat_rows(0, self.title_rows - 1)
        if across > 1:
            ws.repeat_columns(0)
            ws.print_across()  # a wide table prints its pages side by side before the next rows
        ws.set_footer(footer_text(self.book.provenance), {"margin": 0.3})
        ws.set_header(self.page_header or HEADER_TEXT, {"margin": 0.25})
        if self.protect:
            # formulas and results locked; the yellow input cells are not (their formats say locked: False)
            ws.protect("", {"autofilter": True, "sort": True, "format_columns": True, "format_rows": True,
                            "insert_rows": self.name == "Aannames", "delete_rows": self.name == "Aannames"})
        scale = min(1.0, across * PRINT_WIDTH_PX / max(width_px, 1))
        breaks = [] if self.one_page else self.page_breaks(PRINT_HEIGHT_PT / scale, last_row)
        if breaks:
            ws.set_h_pagebreaks(breaks)

    def page_breaks(self, page_pt: float, last_row: int) -> list[int]:
        """Rows that start a new page so that no block (a table or chart with its heading) is cut where it fits on
        one page (a longer table keeps its heading, header and first rows together); elsewhere the printer breaks
        where a page is full."""
        height = lambda r: self.heights.get(r, ROW_PT)  # noqa: E731
        room = page_pt - sum(height(r) for r in range(self.title_rows))
        starts = {}
        for first, last in self.blocks:
            starts[first] = max(starts.get(first, first), last)
        breaks, used = [], 0.0
        for row in range(self.title_rows, last_row + 1):
            if row in starts and used > 0:
                block = sum(height(r) for r in range(row, starts[row] + 1))
                if block > room:  # a long table: keep its start together
                    block = sum(height(r) for r in range(row, min(starts[row], row + KEEP_ROWS) + 1))
                if used + block > room * (1 - PAGE_TOLERANCE):
                    breaks.append(row)
                    used = 0.0
            if used + height(row) > room:
                used = 0.0
            used += height(row)
        return breaks


def quote(sheet: str) -> str:
    """A sheet name as a formula or defined name refers to it."""
    return f"'{sheet}'" if re.search(r"[^A-Za-z0-9_]", sheet) else sheet


def _cached(table: list[list], col: int, first: int = 1, last: int | None = None) -> list:
    """A column of a table as a chart's cached data (rows ``first`` .. ``last`` of the table): an empty cell stays
    empty (None: a gap), where XlsxWriter, reading the sheet, would cache it as 0."""
    values = [row[col] for row in table[first:(len(table) if last is None else last + 1)]]
    return [f"{v:.16g}" if isinstance(v, float) else v for v in values]  # numbers as XlsxWriter caches them


def install_text() -> str:
    """The set-up steps on Start: mpp-xl is not on PyPI, so it is installed from the project folder or from a
    wheel built there."""
    return ("1. Installeer Python 3.11 of nieuwer (python.org; vink 'Add python.exe to PATH' aan). "
            "2. Installeer mpp-xl. Het pakket staat niet op PyPI: installeer het uit de projectmap (de map met "
            "setup.cfg, waarin ook de map workbooks met dit bestand staat). Open in die map een opdrachtprompt en typ "
            "\"python -m pip install .\" (met de punt: deze map). Op een pc zonder de projectmap: maak in de projectmap "
            "eenmalig een wheel met \"python -m pip wheel --no-deps . -w dist\", kopieer dist\\" + WHEEL + " en dit "
            "bestand naar die pc en typ daar, in de map van de wheel, \"python -m pip install " + WHEEL + "\". Pip "
            "haalt daarbij de pakketten die mpp-xl nodig heeft (van PyPI of de pakketbron van uw organisatie), "
            "waaronder xlwings " + xlwings_pin() + " (precies deze versie: de VBA-module in dit bestand hoort erbij). "
            "Typ daarna eenmalig \"mpp-xl compile\" (een halve minuut): dan wacht de eerste berekening in Excel niet "
            "op het vertalen van de rekenkernen. 3. Open dit bestand en sta macro's toe. 4. Druk op Alt+F8 en voer ImportPythonUDFs uit (eenmalig; "
            "opnieuw alleen als functienamen of argumenten wijzigen). 5. Druk op Ctrl+Alt+F9 om alles opnieuw te "
            "berekenen. Instellingen staan op het blad xlwings.conf (UDF Modules = mpp_xl.udfs; Interpreter_Win "
            "leeg = de python op het PATH, of het volledige pad naar python.exe).")


OTHER_PROGRAMS = ("Dit bestand is gemaakt voor Microsoft Excel (met Python en xlwings, zie hieronder). LibreOffice, "
                  "Google Spreadsheets, Numbers en andere programma's kennen de functies MPP_... niet: zij tonen #NAME? "
                  "in elke uitkomstcel en lege grafieken, ook al staan de uitkomsten van de standaardrun in het "
                  "bestand. Voor lezers zonder Excel of Python is er een waardenkopie met dezelfde opmaak en "
                  "grafieken en de uitkomsten als vaste getallen: mpp-xl build-workbook --values-only (maakt "
                  "workbooks/mpp_model_waarden.xlsx).")
LIBREOFFICE_WARNING = ("Let op: open en bewaar dit bestand alleen in Microsoft Excel. Wie het opslaat in LibreOffice (of "
                       "Google Spreadsheets, Numbers) verliest de opgeslagen uitkomsten: elke uitkomstcel wordt dan "
                       "#NAME? en de macromodule wordt herschreven. Voor lezers zonder Excel: de waardenkopie "
                       "(mpp-xl build-workbook --values-only).")
VALUES_ONLY_NOTE = ("Dit is een waardenkopie van mpp_model.xlsm: de uitkomsten van de standaardrun als vaste getallen, "
                    "zonder functies, macro's of Python, zodat elk spreadsheetprogramma ze toont. De keuzes (editie, "
                    "venster, maatregelen, scenario en variant) liggen vast op wat hier staat, en Aannames is "
                    "alleen ter informatie: rekenen doet u in mpp_model.xlsm.")
FIRST_HOLDS_NOTE = ("eerste blijft geeft in deze cijfers dezelfde bedragen als alles vervallen, en dat is zo bedoeld: de "
                    "zaken onder WBV 2022/22 zijn op de peildatum (1-9-2024) al beslist of al over hun termijn, dus "
                    "alleen het vervallen van WBV 2023/3 en 2023/26 maakt verschil. De variant staat er om dat te laten "
                    "zien.")
THEMES = (  # Aannames grouped by theme: (heading, parameter prefixes)
    ("Instroom", ("inflow.",)),
    ("IND: voorraad, capaciteit en beslissingen", ("ind.",)),
    ("COA-opvang", ("coa.",)),
    ("Huisvesting van statushouders", ("housing.",)),
    ("Ontheemden uit Oekraïne", ("ukraine.",)),
    ("Beslistermijnen en verlengingsbesluiten", ("deadline.",)),
    ("Dwangsommen en proceskosten", ("penalty.",)),
    ("Begroting: prijzen en prijsindex", ("budget.",)),
)
OTHER_THEME = "Overige aannames"
HISTORY = "history."  # realised figures: their own sheet (Realisaties), not the editable table
AANNAMES_HEADERS = {  # the column keys the assumptions reader needs, shown by their Dutch names (a number format)
    "parameter": "parameter", "scenario": "scenario", "from": "vanaf", "to": "tot en met", "value": "waarde",
    "unit": "eenheid (code)", "source": "bron"}
AANNAMES_DESCRIPTION = "omschrijving en eenheid (niet ingelezen)"
AANNAMES_COLS = 1  # the table starts in column B; column A holds the theme headings
SMALL_LINE_PT = 12.0  # one line of 9 pt text


def variant_names() -> list[str]:
    return [variant_name(v) for v in WORKBOOK_VARIANTS]


def variant_message() -> str:
    """The input message of the variant drop-down: each Dutch name with one line (at most 255 characters)."""
    text = "\n".join(f"{VARIANTS_NL[v].name}: {VARIANTS_NL[v].line}" for v in WORKBOOK_VARIANTS)
    return text[:255]


SCENARIO_MESSAGE = "De drie MPP-scenario's voor de instroom: " + ", ".join(SCENARIOS_NL.values()) + "."


def variant_legend(sheet: Sheet, first_col: int, last_col: int) -> None:
    """Every legal variant the workbook offers: its Dutch name and what it means, and why eerste blijft equals alles
    vervallen."""
    top = sheet.heading("Varianten van de beslistermijn", first_col)
    described = default_variants(excel_api.default_set().registry)
    bodies = []
    for code in VARIANTS_NL:
        meaning = described[code].description_nl if code in described else VARIANTS_NL[code].line
        where = "" if code in WORKBOOK_VARIANTS else " Alleen op de opdrachtregel."
        bodies.append(f"{variant_name(code)}: {meaning}.{where}")
    bodies.append(FIRST_HOLDS_NOTE)
    for body in bodies:
        row = sheet.rows.take()
        sheet.ws.merge_range(row, first_col, row, last_col, body, sheet.book.f.out_wrap)
        sheet.fit(row, first_col, body, last_col)
    sheet._block(top, sheet.rows.next - 1)
    sheet.use(last_col)
    sheet.rows.skip()


def _start_sheet(book: Book, sheet: Sheet, version_text: str) -> None:
    """Start: the version, the warning against other programs, the choices every sheet follows (edition, window,
    scenario, variant, status, measures), the master check and how to use it."""
    f, ws, rows = book.f, sheet.ws, sheet.rows
    row = rows.take()
    ws.write_string(row, 0, "mpp-xl: asielketen, dwangsommen en begroting uit de Meerjaren Productie Prognose",
                    f.title)
    sheet.set_height(row, 21)
    row = rows.take()
    sheet.write_formula(row, 0, book.formula(header_line_parts()), f.subtitle)
    row = rows.take()
    ws.write_string(row, 0, "Versie en herkomst", f.label)
    if book.values_only:
        ws.write_string(row, 1, version_text, f.out_text)
    else:
        ws.write_dynamic_array_formula(row, 1, row, 1, "=MPP_VERSION(Aannames,KeuzeEditie,Maatregelen)", f.out_text,
                                       version_text)
    book.wb.define_name("Versie", f"=Start!{xl_rowcol_to_cell(row, 1, row_abs=True, col_abs=True)}")
    sheet.title_rows = 2
    rows.skip()
    row = rows.take()
    ws.merge_range(row, 0, row, 3, LIBREOFFICE_WARNING, f.warning)
    sheet.fit(row, 0, LIBREOFFICE_WARNING, 3, bold=True)
    rows.skip()
    if book.values_only:
        row = rows.take()
        ws.write_string(row, 0, "Waardenkopie", f.h2)
        ws.merge_range(row, 1, row, 3, VALUES_ONLY_NOTE, f.wrap)
        sheet.fit(row, 1, VALUES_ONLY_NOTE, 3)
        rows.skip()

    sheet.heading("Keuzes (gelden voor alle bladen, tabellen en grafieken)")
    variant_default = f"{VARIANTS_NL[DEFAULT_VARIANT].name}: {VARIANTS_NL[DEFAULT_VARIANT].line}"
    for label, choices, default, name, title, message, note in (
            ("Editie (MPP)", "=EditieNamen", excel_api.edition_title(DEFAULT_EDITION), "KeuzeEditieNaam", "Editie",
             "De MPP-editie waarvan de instroomcijfers gelden; gerealiseerd = wat er gebeurde.",
             "De instroomcijfers van deze MPP-editie; de andere aannames zijn die van MPP 2024-II. Een editie zonder "
             "cijfer voor een scenario of jaar geeft een foutmelding: een gat wordt niet ingevuld. Gerealiseerd = "
             "wat er gebeurde: de gerealiseerde instroom tot en met het laatste gepubliceerde jaar, daarna de "
             "laatste editie (zie Terugblik)."),
            ("Venster (jaren)", None, DEFAULT_WINDOW, "Venster", "Venster",
             f"Jaren van elk totaal en verschil, als JJJJ-JJJJ (bv. 2026-2030), binnen {HORIZON_YEARS}.",
             "Jaren van elk totaal en verschil (Dwangsommen, Begroting, Vergelijking), als JJJJ-JJJJ, bijvoorbeeld "
             f"2026-2030 voor de Voorjaarsnota 2026; binnen {HORIZON_YEARS}."),
            ("Scenario", "=ScenarioNamen", SCENARIOS_NL[DEFAULT_SCENARIO], "KeuzeScenarioNaam", "Scenario",
             SCENARIO_MESSAGE, "Het MPP-scenario van de instroom voor elk blad dat één scenario toont (Instroom per "
                               "categorie, Keten, Dwangsommen, Begroting, Vergelijking, Onzekerheid, Grafieken)."),
            ("Variant", "=VariantNamen", variant_name(DEFAULT_VARIANT), "KeuzeVariantNaam", "Variant",
             variant_message(), None),
            ("Status", list(STATUS_CHOICES), DEFAULT_STATUS, "Status", "Status",
             "Staat in de kopregel van elke afgedrukte pagina (vrije tekst mag ook).",
             "De status van de cijfers, in de kopregel van elke pagina (bijvoorbeeld concept of definitief).")):
        row = rows.take()
        sheet.selector(row, 0, label, choices, default, name, title, message, as_text=name == "Venster")
        if note is None:  # the chosen variant explained beside the drop-down
            formula = ('=IFERROR(INDEX(VariantNamen,MATCH(KeuzeVariant,VariantCodes,0))&": "&'
                       'INDEX(VariantUitleg,MATCH(KeuzeVariant,VariantCodes,0)),"")')
            ws.merge_range(row, 2, row, 3, "", f.note)
            sheet.write_formula(row, 2, (formula, variant_default), f.note)
            sheet.fit(row, 2, variant_default, 3)
        else:
            ws.merge_range(row, 2, row, 3, note, f.note)
            sheet.fit(row, 2, note, 3)
    row = rows.take()
    ws.write_string(row, 0, "Controles", f.label)
    sheet.write_formula(row, 1, ("=ControleTotaal", book.master_check), f.check)
    checks_note = "De som- en aansluitcontroles op het blad Controles; 'in orde' als alles klopt."
    ws.merge_range(row, 2, row, 3, checks_note, f.note)
    sheet.fit(row, 2, checks_note, 3)
    rows.skip()

    row = sheet.heading("Beleidsmaatregelen")
    for col, name in enumerate(("toepassen (ja/nee)", "status", "beschrijving"), start=1):
        ws.write_string(row, col, name, f.header)
    catalogue = list(excel_api.measures().values())
    first = rows.take(len(catalogue))
    for row, measure in enumerate(catalogue, start=first):
        ws.write_string(row, 0, measure.name, f.out_text)
        if book.values_only:
            ws.write_string(row, 1, SWITCH_DEFAULT, f.out_text)
        else:
            ws.data_validation(row, 1, row, 1, {"validate": "list", "source": ["ja", "nee"],
                                                "input_title": "Maatregel toepassen",
                                                "input_message": "ja = de maatregel geldt; nee = niet."})
            ws.write_string(row, 1, SWITCH_DEFAULT, f.input)
        ws.write_string(row, 2, STATUS_NL.get(measure.status, measure.status), f.out_text)
        ws.write_string(row, 3, measure.description_nl, f.wrap)
        sheet.fit(row, 3, measure.description_nl)
    last = first + len(catalogue) - 1
    book.wb.define_name("Maatregelen", f"=Start!{xl_rowcol_to_cell(first, 0, row_abs=True, col_abs=True)}:"
                                       f"{xl_rowcol_to_cell(last, 1, row_abs=True, col_abs=True)}")
    sheet.text("ja = de maatregel geldt, in de volgorde van deze lijst (van boven naar beneden), boven op de gekozen "
               "editie en onder de wijzigingen op Aannames. De MPP zelf is beleidsneutraal; 'illustratief' betekent "
               "dat er geen gepubliceerd effect is: de cijfers zijn een voorbeeld.", 0, 3)
    rows.skip()

    row = rows.take()
    ws.write_string(row, 0, "Invoer", f.text)
    ws.write_string(row, 1, "gele cel: invoer", f.input)
    row = rows.take()
    ws.write_string(row, 0, "Uitvoer", f.text)
    ws.write_string(row, 1, "blauwe cel: uitkomst", f.out_text)
    row = rows.take()
    ws.write_string(row, 0, "Gewijzigd", f.text)
    ws.write_string(row, 1, "oranje rij op Aannames", f.changed)
    rows.skip()

    texts = [
        ("Wat is dit", "Een rekenmodel voor de Voorjaarsnota. Het zet de MPP-instroom (minimum, medio, maximum) om in "
                       "de hele asielketen: instroom per categorie, de IND-voorraad per indieningsmaand, beslissingen en "
                       "inwilligingen, de COA-bezetting en capaciteitsbehoefte, statushouders, amv en Oekraïners. Het "
                       "schat ook de dwangsommen die de IND kan verschuldigd zijn bij te late beslissingen, onder de "
                       "juridische varianten van de beslistermijn (6 maanden wettelijk; 15 maanden onder de drie WBV's), "
                       "en de bedragen per begrotingsregel (COA-opvang, Oekraïne, dwangsommen en proceskosten). "
                       "Terugblik zet elke gepubliceerde MPP naast wat er gebeurde."),
        ("Zo gebruikt u het", "1. Kies hierboven de editie, het venster, het scenario, de variant en de maatregelen: "
                              "elk blad volgt deze keuzes. 2. Pas gele invoercellen aan op het blad Aannames (waarde, "
                              "periode, bron; parameter, scenario en eenheid kiest u uit een keuzelijst); een gewijzigde "
                              "rij kleurt oranje. 3. Excel rekent opnieuw; alle tabellen en grafieken volgen. Een rij op "
                              "Aannames die gelijk is aan de ingebouwde standaard verandert niets; een gewijzigde rij "
                              "overschrijft de standaard voor die periode (zoals mpp-xl run --assumptions). Een "
                              "verwijderde rij zet de standaard terug. De gerealiseerde cijfers staan op Realisaties. "
                              "Een eigen variantbestand kan alleen op de opdrachtregel (mpp-xl run --variants). Bedragen "
                              "staan in miljoenen euro; de cel bevat het hele bedrag. Uitkomstcellen zijn beveiligd "
                              "(zonder wachtwoord: Controleren > Beveiliging blad opheffen)."),
        ("Invoer en uitvoer", "Gele cellen zijn invoer. Blauwe cellen zijn uitkomsten van de functies MPP_VERSION, "
                              "MPP_PROJECTION, MPP_PENALTIES, MPP_SUMMARY, MPP_BUDGET, MPP_COMPARE, MPP_BACKTEST, "
                              "MPP_BAND en MPP_TORNADO; overschrijf ze niet. Zonder Python toont het bestand de "
                              "uitkomsten van de standaardrun "
                              f"({excel_api.edition_title(DEFAULT_EDITION)}, venster {DEFAULT_WINDOW}, geen "
                              "maatregelen)."),
        ("Andere programma's", OTHER_PROGRAMS),
        ("Eenmalig op Windows", install_text()),
        ("Foutmeldingen", "Een functie die niet kan rekenen toont één regel 'Fout: ...' met wat en waar (bijvoorbeeld "
                          f"welke rij van Aannames, of een venster buiten {HORIZON_YEARS}). Een onverwachte fout "
                          f"schrijft de details in {excel_api.LOG_FILE_SHOWN} (de map voor tijdelijke bestanden van "
                          "uw Windows-account)."),
        ("Afdrukken", "Elk blad drukt af op A4 liggend, passend in de breedte, met de titel en de kopregel (editie, "
                      "scenario, variant, status) boven elke pagina, de afdrukdatum in de koptekst en de versie, "
                      "aannameset en hash van de standaardrun in de voettekst. De tabellen achter de grafieken staan op "
                      "het verborgen blad Rekenblad en worden niet afgedrukt."),
        ("Bron standaardaannames", "MPP 2024-II (Kamerbrief 2 december 2024), IND- en COA-jaarcijfers; waar geen "
                                   "publieke bron bestaat staat 'model assumption' met de reden in de kolom bron. "
                                   "Edities: de gepubliceerde instroomcijfers per MPP (mpp-xl editions)."),
    ]
    for label, text in texts:
        row = rows.take()
        ws.write_string(row, 0, label, f.h2)
        ws.merge_range(row, 1, row, 3, text, f.wrap)
        sheet.fit(row, 1, text, 3)
    sheet.use(3)


def _lists_sheet(book: Book, sheet: Sheet, aset: AssumptionSet) -> dict[str, str]:
    """The hidden sheet with the lists behind the drop-downs (Aannames' parameters, scenarios and units; the Dutch
    names of editions, scenarios and variants) and the codes of the choices on Start and Vergelijking, looked up
    from the Dutch names the drop-downs show (a code typed instead still works). Returns each list's name."""
    registry = aset.registry
    parameters = sorted({name for spec in registry.specs for name in (spec.expansions() if spec.is_family
                                                                      else [spec.name])}
                        | {rec.parameter for _, rec in aset.records()})
    editions = excel_api.edition_choices()
    lists = {"LijstParameters": parameters, "LijstScenarios": [*SCENARIOS, ALL],
             "LijstEenheden": sorted({spec.unit for spec in registry.specs}),
             "VariantCodes": list(VARIANTS_NL), "VariantNamen": [v.name for v in VARIANTS_NL.values()],
             "VariantUitleg": [v.line for v in VARIANTS_NL.values()],
             "EditieCodes": editions, "EditieNamen": [excel_api.edition_title(e) for e in editions],
             "ScenarioCodes": list(SCENARIOS), "ScenarioNamen": [SCENARIOS_NL[s] for s in SCENARIOS]}
    offered = {"VariantNamen": variant_names()}  # the drop-down offers only what the workbook's runs compute
    ws = sheet.ws
    col = 0
    for name, values in lists.items():
        ws.write_string(0, col, name)
        for row, value in enumerate(values, start=1):
            ws.write_string(row, col, value)
        shown = len(offered.get(name, values))
        book.wb.define_name(name, f"={ws.name}!{xl_rowcol_to_cell(1, col, row_abs=True, col_abs=True)}:"
                                  f"{xl_rowcol_to_cell(shown, col, row_abs=True, col_abs=True)}")
        col += 1
    # the chosen codes
    col += 1
    ws.write_string(0, col, "keuze")
    ws.write_string(0, col + 1, "code")
    for row, (code_name, shown_name, codes, names, default) in enumerate((
            ("KeuzeEditie", "KeuzeEditieNaam", "EditieCodes", "EditieNamen", DEFAULT_EDITION),
            ("KeuzeScenario", "KeuzeScenarioNaam", "ScenarioCodes", "ScenarioNamen", DEFAULT_SCENARIO),
            ("KeuzeVariant", "KeuzeVariantNaam", "VariantCodes", "VariantNamen", DEFAULT_VARIANT),
            ("KeuzeEditieA", "KeuzeEditieANaam", "EditieCodes", "EditieNamen", DEFAULT_COMPARE[0]),
            ("KeuzeEditieB", "KeuzeEditieBNaam", "EditieCodes", "EditieNamen", DEFAULT_COMPARE[1])), start=1):
        ws.write_string(row, col, code_name)
        ws.write_formula(row, col + 1, f"=IFERROR(INDEX({codes},MATCH({shown_name},{names},0)),{shown_name})", None,
                         default)
        book.wb.define_name(code_name, f"={ws.name}!{xl_rowcol_to_cell(row, col + 1, row_abs=True, col_abs=True)}")
    sheet.rows.take(max(len(v) for v in lists.values()) + 1)
    sheet.use(col + 1)
    ws.hide()
    return {name: f"={name}" for name in lists}


def parameter_text(spec) -> str:
    """The Dutch meaning of a parameter on Aannames, with its unit in Dutch."""
    unit = UNITS[spec.unit].nl if spec.unit in UNITS else spec.unit
    if spec.unit.startswith("share"):  # typed as a fraction: 0.05 is 5 %
        unit = "aandeel als fractie, 0,05 = 5 %" + ("; per maand" if spec.unit == "share/month" else "")
    return f"{PARAMETERS_NL.get(spec.name, spec.description)} (eenheid: {unit})"


def theme_of(parameter: str) -> str:
    return next((title for title, prefixes in THEMES if parameter.startswith(prefixes)), OTHER_THEME)


def _assumptions_sheet(book: Book, sheet: Sheet, aset: AssumptionSet, lists: dict[str, str]) -> int:
    """Aannames: the editable table (the columns of an override file, from column B; yellow = input), grouped by
    theme under a heading in column A (a heading row is empty in the table, so it is never read), a Dutch
    description beside it (never read), and, in hidden columns, each record's default: a row that differs from it
    turns orange. Realised figures (history.*) are on Realisaties; the spare rows for the user's own records are
    below the print area. Returns the last row of the range."""
    f, ws = book.f, sheet.ws
    c0 = AANNAMES_COLS
    defaults_col = c0 + len(COLUMNS) + 1  # hidden: parameter, scenario, from, to, value of the default record
    for col, name in enumerate(COLUMNS):
        # the cell keeps the key the reader needs; a number format shows its Dutch name
        shown = AANNAMES_HEADERS[name].replace('"', "")
        ws.write_string(0, c0 + col, name, book.wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1,
                                                               "valign": "top", "font_name": "Calibri",
                                                               "num_format": f';;;"{shown}"'}))
    ws.write_string(0, c0 + len(COLUMNS), AANNAMES_DESCRIPTION, f.header)
    ws.write_blank(0, 0, None, f.header)
    sheet.rows.take()
    sheet.title_rows = 1
    sheet.page_header = "&L&8Aannames: invoer voor elke editie, elk scenario en elke variant&R&8Afgedrukt op &D"
    registry = aset.registry
    small_note = book.wb.add_format({"font_name": "Calibri", "font_size": 9, "italic": True, "font_color": "#595959",
                                     "text_wrap": True, "valign": "top"})
    small_input = book.wb.add_format({"font_name": "Calibri", "font_size": 9, "bg_color": "#FFF2CC", "border": 1,
                                      "border_color": "#BF9000", "locked": False, "text_wrap": True, "valign": "top"})
    theme_format = book.wb.add_format({"font_name": "Calibri", "bold": True, "font_size": 11, "font_color": "#1F3864",
                                       "bottom": 1, "bottom_color": "#1F3864", "valign": "bottom"})
    records = [rec for _, rec in aset.records() if not rec.parameter.startswith(HISTORY)]
    order = {title: i for i, (title, _) in enumerate(THEMES)}
    records.sort(key=lambda rec: order.get(theme_of(rec.parameter), len(THEMES)))  # stable within a theme
    theme = None
    row = 0
    for rec in records:
        if theme_of(rec.parameter) != theme:
            theme = theme_of(rec.parameter)
            row = sheet.rows.take()
            ws.write_string(row, 0, theme, theme_format)
            sheet.set_height(row, 20)
        row = sheet.rows.take()
        param, scenario, start, end, value, unit, source = rec.as_row()
        ws.write_string(row, c0, param, f.input)
        ws.write_string(row, c0 + 1, scenario, f.input)
        ws.write_string(row, defaults_col, param)
        ws.write_string(row, defaults_col + 1, scenario)
        for col, day in ((2, start), (3, end)):
            if day:
                ws.write_datetime(row, c0 + col, dt.datetime.fromisoformat(day), f.input_date)
                ws.write_datetime(row, defaults_col + col, dt.datetime.fromisoformat(day))
            else:
                ws.write_blank(row, c0 + col, None, f.input_date)
        ws.write_number(row, c0 + 4, rec.value, f.input_num)
        ws.write_number(row, defaults_col + 4, rec.value)
        ws.write_string(row, c0 + 5, unit, f.input)
        ws.write_string(row, c0 + 6, source, small_input)
        description = parameter_text(registry.find(param))
        ws.write_string(row, c0 + 7, description, small_note)
        lines = max(text_lines(text, sheet.width(c0 + col) * 11 / 9) for col, text in ((6, source), (7, description)))
        if lines > 1:
            sheet.set_height(row, lines * SMALL_LINE_PT + 2)
    sheet.print_rows = row  # the spare rows below do not print
    row = sheet.rows.take()
    ws.write_string(row, 0, "Eigen regels (worden ingelezen; niet afgedrukt)", theme_format)
    last = row + SPARE_ROWS
    for spare in range(row + 1, last + 1):
        sheet.rows.take()
        for col in range(len(COLUMNS)):
            ws.write_blank(spare, c0 + col, None, f.input_date if col in (2, 3) else f.input)
    for col in range(defaults_col, defaults_col + 5):
        sheet.set_width(col, 10, hidden=True)
    # a row that differs from its default (or a new row) turns orange
    cols = [xl_rowcol_to_cell(1, c0 + k, col_abs=True) + "<>" + xl_rowcol_to_cell(1, defaults_col + k, col_abs=True)
            for k in range(5)]
    ws.conditional_format(1, c0, last, c0 + len(COLUMNS) - 1,
                          {"type": "formula", "criteria": "=OR(" + ",".join(cols) + ")", "format": f.changed})
    # drop-downs: a parameter outside the list only warns (a new instrument, e.g. deadline.asylum.<name>.in_force,
    # is a valid name the list cannot know); scenario and unit must come from their lists
    if not book.values_only:
        ws.data_validation(1, c0, last, c0, {"validate": "list", "source": lists["LijstParameters"],
                                             "error_type": "warning", "error_title": "Onbekende parameter",
                                             "error_message": "Deze parameter staat niet in de lijst. Doorgaan alleen "
                                                              "voor een nieuwe termijnverlenging "
                                                              "(deadline.<spoor>.<naam>.*)."})
        ws.data_validation(1, c0 + 1, last, c0 + 1, {"validate": "list", "source": lists["LijstScenarios"],
                                                     "error_title": "Scenario",
                                                     "error_message": "Kies min, medio, max of all."})
        ws.data_validation(1, c0 + 5, last, c0 + 5, {"validate": "list", "source": lists["LijstEenheden"],
                                                     "error_title": "Eenheid",
                                                     "error_message": "Kies de eenheid van de parameter uit de lijst."})
    ws.freeze_panes(1, c0 + 1)
    ws.autofilter(0, c0, last, c0 + len(COLUMNS) - 1)
    sheet.use(c0 + len(COLUMNS))
    return last


def _realisaties(book: Book, sheet: Sheet, aset: AssumptionSet) -> None:
    """Realisaties: the realised figures (history.*), read-only: they are data, not choices. One table per set of
    series with the same dates (the months of the realised inflow; the year ends of published stocks)."""
    records = [rec for _, rec in aset.records() if rec.parameter.startswith(HISTORY)]
    sheet.title("Realisaties: gerealiseerde cijfers")
    sheet.text("Vaste gegevens uit de bronnen (CBS, IND); ze gelden in elke editie, elk scenario en elke variant en staan "
               "daarom niet op Aannames. Een correctie: voeg op Aannames een rij toe met dezelfde parameter en periode "
               "(die gaat voor), of geef een eigen bestand op de opdrachtregel (mpp-xl run --assumptions). De bron per "
               "cijfer: mpp-xl params.", 0, 6)
    series: dict[tuple, dict] = {}
    units = {}
    for rec in records:
        key = (rec.parameter, rec.scenario)
        series.setdefault(key, {})[rec.as_row()[2]] = rec.value
        units[key] = UNITS[rec.unit].nl if rec.unit in UNITS else rec.unit
    groups: dict[tuple, list] = {}
    for key, values in series.items():
        groups.setdefault(tuple(sorted(values)), []).append(key)
    sheet.set_width(0, 12)
    widest = 1
    first = True
    for dates, keys in sorted(groups.items(), key=lambda g: -len(g[0])):  # the longest (monthly) table first
        labels = []
        for parameter, scenario in keys:
            name = parameter[len(HISTORY):]
            label = METRICS[name].label_nl if name in METRICS else PARAMETERS_NL.get(parameter, name).split(" (")[0]
            labels.append(f"{label}{'' if scenario == ALL else ', ' + SCENARIOS_NL.get(scenario, scenario)} "
                          f"({units[(parameter, scenario)]})")
        monthly = len(dates) > 2 and all(d[8:] == "01" for d in dates)
        table = [["maand" if monthly else "vanaf", *labels]]
        table += [[excel_api.excel_serial(d), *[series[k].get(d) for k in keys]] for d in dates]
        for col in range(1, len(table[0])):
            sheet.set_width(col, 22)
        top = sheet.rows.take(len(table))
        for r, row_values in enumerate(table):
            for c, value in enumerate(row_values):
                if r == 0:
                    sheet.ws.write_string(top, c, value, book.f.header)
                elif value is None:
                    sheet.ws.write_blank(top + r, c, None, book.out("count"))
                else:
                    sheet.ws.write_number(top + r, c, value, book.out(("month" if monthly else "date") if c == 0
                                                                      else "count"))
        sheet.fit(top, 1, max(labels, key=len), 1, bold=True)
        if first:  # its header repeats on every page it runs over
            sheet.title_rows, first = top + 1, False
        sheet._block(top, top + len(table) - 1)
        sheet.rows.skip()
        widest = max(widest, len(table[0]))
    sheet.use(widest - 1)


def _projection_kinds(metrics, frequency: str, scenarios_across: bool = False) -> list[str]:
    """Column kinds of an MPP_PROJECTION table: the date or year, then each metric's kind (one metric's kind per
    scenario when scenarios are across)."""
    key = "year" if frequency == "jaar" else "month"
    return [key, *([METRICS[metrics[0]].kind] * len(SCENARIOS) if scenarios_across
                   else [METRICS[m].kind for m in metrics])]


def _penalty_kinds(table: list[list]) -> list[str]:
    """Column kinds of an MPP_PENALTIES table: the year, then euros (in millions), counts as whole numbers."""
    counts = set(excel_api.COUNT_LABELS.values())
    return ["year", *("count" if h in counts else "eur_m" for h in table[0][1:])]


def chosen_scenario() -> tuple[str, str]:
    return ("KeuzeScenarioNaam", SCENARIOS_NL[DEFAULT_SCENARIO])


def chosen_variant() -> tuple[str, str]:
    return ("KeuzeVariantNaam", variant_name(DEFAULT_VARIANT))


def data_title(data: Sheet, formula_value) -> tuple[str, int, int]:
    """A chart title cell on the data sheet (so no title text hides behind a chart on a printed sheet)."""
    row = data.rows.take()
    if isinstance(formula_value, str):
        data.ws.write_string(row, 0, formula_value, data.book.f.label)
    else:
        data.write_formula(row, 0, formula_value, data.book.f.label)
    return data.name, row, 0


def data_table(data: Sheet, heading: str, formula: str, table: list[list], kinds) -> Table:
    data.heading(heading)
    shown = data.table(formula, table, kinds)
    data.rows.skip()
    return shown


def _instroom(book: Book, sheet: Sheet, data: Sheet) -> Table:
    """Instroom: yearly totals per scenario and per category for the chosen scenario; the monthly totals behind
    the chart go to the data sheet."""
    A = "Aannames"
    sheet.title("Instroom per scenario")
    sheet.heading("Per jaar, totaal per scenario (personen)")
    yearly = excel_api.projection_table("inflow.total", "all", None, "jaar")
    sheet.table(f'=MPP_PROJECTION("inflow.total","all",{A},"jaar",{SELECTION})', yearly,
                _projection_kinds(["inflow.total"], "jaar", True))
    sheet.rows.skip()
    sheet.heading(book.formula(["Per jaar en categorie, scenario ", chosen_scenario(),
                                " (amv is een deel van de eerste aanvragen)"]))
    metrics = excel_api.metric_arg("inflow.*")
    categories = excel_api.projection_table("inflow.*", DEFAULT_SCENARIO, None, "jaar")
    shown = sheet.table(f'=MPP_PROJECTION("inflow.*",KeuzeScenario,{A},"jaar",{SELECTION})', categories,
                        _projection_kinds(metrics, "jaar"))
    book.checks["inflow"] = shown
    monthly = excel_api.projection_table("inflow.total", "all", None, "maand")
    return data_table(data, "Instroom per maand, totaal per scenario (grafiek op Grafieken)",
                      f'=MPP_PROJECTION("inflow.total","all",{A},"maand",{SELECTION})', monthly,
                      _projection_kinds(["inflow.total"], "maand", True))


KETEN_GROUPS = (("IND", "ind.*"), ("COA", "coa.*"), ("Ontheemden uit Oekraïne", "ukraine.*"))


def _keten(book: Book, sheet: Sheet, data: Sheet) -> Table:
    """Keten: the chosen scenario's chain per year, one table per part of the chain with the series down and the
    years across; COA per month (for the chart) on the data sheet."""
    A = "Aannames"
    sheet.title(f"Ketenprojectie per jaar, variant {variant_name('base')}")
    sheet.text("Stromen: totaal over het jaar; voorraden en aandelen: stand op 31 december (de capaciteitsbehoefte op "
               "31 december is die op 1 januari). Variant basis: de beslistermijn raakt de keten via de IND-capaciteit "
               "(zie Dwangsommen). De instroom staat op Instroom.", 0, 9)
    for label, prefix in KETEN_GROUPS:
        sheet.heading(book.formula([f"{label}, scenario ", chosen_scenario()]))
        metrics = excel_api.metric_arg(prefix)
        table = excel_api.projection_table(prefix, DEFAULT_SCENARIO, None, "jaar")
        across = [list(column) for column in zip(*table)]  # series down, years across
        row_kinds = {r: METRICS[m].kind for r, m in enumerate(metrics, start=1)}
        sheet.table(f'=TRANSPOSE(MPP_PROJECTION("{prefix}",KeuzeScenario,{A},"jaar",{SELECTION}))', across,
                    ["text", *[None] * (len(across[0]) - 1)], row_kinds=row_kinds)
        sheet.rows.skip()
    coa_metrics = excel_api.metric_arg("coa.*")
    coa = excel_api.projection_table("coa.*", DEFAULT_SCENARIO, None, "maand")
    return data_table(data, "COA per maand, gekozen scenario (grafiek op Grafieken)",
                      f'=MPP_PROJECTION("coa.*",KeuzeScenario,{A},"maand",{SELECTION})', coa,
                      _projection_kinds(coa_metrics, "maand"))


def _dwangsommen(book: Book, sheet: Sheet) -> Table:
    """Dwangsommen: window totals of every scenario and variant, per year for the chosen scenario (every variant),
    and per track for the chosen scenario and variant; every per-year table ends in the window total."""
    A = "Aannames"
    sheet.title("Dwangsommen en proceskosten (mln euro; verschil = variant min basis)")
    sheet.text(f"Bedragen staan in het jaar waarin ze ontstaan; '{excel_api.PAID_LABEL}' staat in het jaar van "
               "betaling (penalty.payment_lag_months later). Totalen over het venster dat u op Start kiest. Aantallen "
               "(zaken over de termijn, ingebrekestellingen, beroepen) zijn aantallen zaken, geen bedragen.", 0, 9)
    sheet.heading("Totaal over het venster per scenario en variant")
    summary = excel_api.summary_table(None)
    sheet.table(f"=MPP_SUMMARY({A},Venster,{SELECTION})", summary, ["text", *["eur_m"] * (len(summary[0]) - 1)])
    sheet.rows.skip()
    sheet.heading(book.formula(["Per jaar, scenario ", chosen_scenario(), ", alle varianten"]))
    chosen = excel_api.penalties_table(DEFAULT_SCENARIO, "all", None)
    chosen_table = sheet.table(f'=MPP_PENALTIES(KeuzeScenario,"all",{A},Venster,{SELECTION})', chosen,
                               _penalty_kinds(chosen))
    sheet.rows.skip()
    sheet.heading(book.formula(["Per jaar en spoor, scenario ", chosen_scenario(), ", variant ", chosen_variant()]))
    detail = excel_api.penalties_table(DEFAULT_SCENARIO, DEFAULT_VARIANT, None)
    book.checks["penalties"] = sheet.table(f"=MPP_PENALTIES(KeuzeScenario,KeuzeVariant,{A},Venster,{SELECTION})",
                                           detail, _penalty_kinds(detail))
    sheet.rows.skip()
    variant_legend(sheet, 0, 9)
    return chosen_table


def _begroting(book: Book, sheet: Sheet, data: Sheet) -> None:
    """Begroting: budget lines per year of the window for the chosen scenario and variant; charts per group over
    the years each group has a price for (their data on the data sheet)."""
    sheet.title("Begroting: bedragen per begrotingsregel, per jaar van het venster en in totaal (mln euro)")
    sheet.text("Editie, venster, scenario, variant en maatregelen kiest u op Start. Prijzen en prijsindex staan op "
               "Aannames (budget.*). Dwangsommen en proceskosten op kasbasis (betaald). Een lege cel: geen prijs "
               "bekend (bv. het normbedrag Oekraïne vóór 2025). COA totaal is een subtotaal; de ODA-regel is een "
               "'waarvan' en telt niet mee in het totaal. Kolom A (verborgen) bevat de codes van de regels.", 1, 11)
    choice = [chosen_scenario(), ", variant ", chosen_variant()]
    sheet.heading(book.formula(["Bedragen (mln euro), scenario ", *choice]), 1)
    table = excel_api.budget_table(DEFAULT_SCENARIO, DEFAULT_VARIANT, None, None)
    book.checks["budget"] = sheet.table(
        f"=MPP_BUDGET(KeuzeScenario,KeuzeVariant,Venster,Aannames,{SELECTION})", table,
        ["text", "text", *["eur_m"] * (len(table[0]) - 2)])
    sheet.rows.skip()
    # the charts read every year of the horizon from the data sheet, each group over the years it has prices for
    horizon = excel_api.budget_table(DEFAULT_SCENARIO, DEFAULT_VARIANT, HORIZON_YEARS, None)
    full = data_table(data, f"Begroting per jaar {HORIZON_YEARS}, gekozen scenario en variant (grafieken op Begroting)",
                      f'=MPP_BUDGET(KeuzeScenario,KeuzeVariant,"{HORIZON_YEARS}",Aannames,{SELECTION})', horizon,
                      ["text", "text", *["eur_m"] * (len(horizon[0]) - 2)])
    row_of = {row[0]: full.top + i for i, row in enumerate(horizon)}
    width, height = 420, 300
    at = sheet.rows.next
    col = 1
    for index, (title, lines) in enumerate(excel_api.BUDGET_GROUPS.items()):
        priced = [c for c in range(3, len(horizon[0]))
                  if any(horizon[row_of[line] - full.top][c] is not None for line in lines)]
        first_col, last_col = min(priced), max(priced)
        cell = data_title(data, book.formula([f"{title} per jaar {int(horizon[0][first_col])}-"
                                              f"{int(horizon[0][last_col])}, scenario ", *choice]))
        chart = book.chart("column", cell, x_title="jaar", y_title="bedrag (mln euro)", y_kind="eur_m",
                           subtype="stacked" if len(lines) > 1 else None)
        for i, line in enumerate(lines):
            r = row_of[line]
            chart.add_series({"name": [data.name, r, 1],
                              "categories": [data.name, full.top, first_col, full.top, last_col],
                              "values": [data.name, r, first_col, r, last_col],
                              "values_data": horizon[r - full.top][first_col:last_col + 1],
                              "fill": {"color": LINE_COLOURS[i % len(LINE_COLOURS)]}, "gap": 60})
        sheet.chart(chart, col, width=width, height=height, row=at)
        col += _cols_for(sheet, col, width + 8)


def _cols_for(sheet: Sheet, col: int, width_px: int) -> int:
    """How many columns from ``col`` a block of ``width_px`` pixels spans."""
    count, covered = 0, 0
    while covered < width_px:
        covered += column_px(sheet.width(col + count))
        count += 1
    return count


def _vergelijking(book: Book, sheet: Sheet, data: Sheet) -> None:
    """Vergelijking: the budget mutation table of two editions: the budget lines by year of the window and in total
    for A, for B and their difference (B - A), in millions of euros, for the chosen scenario and variant; charts of
    the inflow and the COA budget of both (their data on the data sheet)."""
    sheet.title("Vergelijking van twee MPP-edities: de begrotingsmutaties (mln euro; verschil = B min A)")
    sheet.text("De wijzigingen op Aannames, de maatregelen, het scenario, de variant en het venster (Start) gelden voor "
               "beide edities. Een lege cel: geen prijs bekend. Gerealiseerd = wat er gebeurde. Kolom A (verborgen) "
               "bevat de codes van de regels.", 1, 8)
    choices = "=EditieNamen"
    message = "Een MPP-editie; gerealiseerd = wat er gebeurde."
    row = sheet.rows.take()
    sheet.selector(row, 1, "Editie A:", choices, excel_api.edition_title(DEFAULT_COMPARE[0]), "KeuzeEditieANaam",
                   "Editie A", message, 2)
    sheet.selector(row, 3, "Editie B:", choices, excel_api.edition_title(DEFAULT_COMPARE[1]), "KeuzeEditieBNaam",
                   "Editie B", message, 4)
    sheet.rows.skip()
    choice = [", scenario ", chosen_scenario(), ", variant ", chosen_variant()]
    name_a = ("KeuzeEditieANaam", excel_api.edition_title(DEFAULT_COMPARE[0]))
    name_b = ("KeuzeEditieBNaam", excel_api.edition_title(DEFAULT_COMPARE[1]))
    blocks = []
    for label, edition, code in (("A: ", name_a, DEFAULT_COMPARE[0]), ("B: ", name_b, DEFAULT_COMPARE[1])):
        sheet.heading(book.formula([label, edition, " (mln euro)", *choice]), 1)
        table = excel_api.budget_table(DEFAULT_SCENARIO, DEFAULT_VARIANT, None, None, code)
        key = "KeuzeEditieA" if label.startswith("A") else "KeuzeEditieB"
        blocks.append(sheet.table(f"=MPP_BUDGET(KeuzeScenario,KeuzeVariant,Venster,Aannames,{key},Maatregelen)",
                                  table, ["text", "text", *["eur_m"] * (len(table[0]) - 2)]))
        sheet.rows.skip()
    a, b = blocks
    sheet.heading(book.formula(["Verschil B min A (mln euro): ", name_b, " min ", name_a, *choice]), 1)
    top = sheet.rows.take(len(a.rows))
    ws, f = sheet.ws, book.f
    diff_rows = []
    for r, (row_a, row_b) in enumerate(zip(a.rows, b.rows)):
        out = []
        for c, (va, vb) in enumerate(zip(row_a, row_b)):
            ref_a, ref_b = xl_rowcol_to_cell(a.top + r, a.left + c), xl_rowcol_to_cell(b.top + r, b.left + c)
            if r == 0 or c < 2:  # header and labels: those of A
                value, formula = va, f"={ref_a}"
                fmt = (f.header if isinstance(va, str) else f.header_year) if r == 0 else book.out("text")
            else:
                value = float(f"{vb - va:.12g}") if isinstance(va, float) and isinstance(vb, float) else None
                formula = f'=IF(AND(ISNUMBER({ref_a}),ISNUMBER({ref_b})),{ref_b}-{ref_a},"")'
                fmt = book.out("eur_m")
            out.append(value)
            if book.values_only:
                if value is None:
                    ws.write_blank(top + r, a.left + c, None, fmt)
                elif isinstance(value, str):
                    ws.write_string(top + r, a.left + c, value, fmt)
                else:
                    ws.write_number(top + r, a.left + c, value, fmt)
            else:
                ws.write_formula(top + r, a.left + c, formula, fmt, "" if value is None else value)
        diff_rows.append(out)
    sheet.set_height(top, sheet.heights.get(a.top, ROW_PT))
    sheet._block(top, top + len(a.rows) - 1)
    book.checks["compare"] = (a, b, Table(sheet, top, a.left, diff_rows))
    sheet.rows.skip()

    # charts: every year of both editions, from a comparison on the data sheet
    table = excel_api.compare_table(*DEFAULT_COMPARE, "all", None, DEFAULT_SCENARIO, DEFAULT_VARIANT)
    unit_col = table[0].index("eenheid")
    row_kinds = {r: "eur_m" if row[unit_col] == UNITS["EUR"].nl else "count" for r, row in enumerate(table)}
    data.heading("Vergelijking van de edities, alle reeksen (grafieken op Vergelijking)")
    compared = data.table("=MPP_COMPARE(KeuzeEditieA,KeuzeEditieB,\"all\",Aannames,KeuzeScenario,KeuzeVariant,"
                          "Venster,Maatregelen)", table, ["text", "text", "text", None, None, None, "text"],
                          row_kinds=row_kinds)
    data.rows.skip()

    def year_rows(code: str) -> tuple[int, int]:
        found = [compared.top + i for i, r in enumerate(table) if r[0] == code and re.fullmatch(r"\d{4}(-12-31)?", r[2])]
        if not found or found != list(range(found[0], found[0] + N_YEARS)):
            raise MppError(f"the comparison table has no {N_YEARS} consecutive years of {code} to chart")
        return found[0], found[-1]

    editions = [name_a, " en ", name_b, *choice]
    at, col = sheet.rows.next, 1
    for code, title, axis, kind in (("inflow.total", "Asielinstroom per jaar: ", "personen per jaar", "count"),
                                    ("budget.coa.total", "COA-opvang per jaar (begroting): ", "bedrag (mln euro)",
                                     "eur_m")):
        first, last = year_rows(code)
        cell = data_title(data, book.formula([title, *editions]))
        chart = book.chart("column", cell, x_title="jaar", y_title=axis, y_kind=kind)
        for col_in_table, colour in zip((3, 4), EDITION_COLOURS):
            chart.add_series(compared.series(col_in_table, None, first, last, categories_col=2,
                                             fill={"color": colour}))
        sheet.chart(chart, col, width=520, height=300, row=at)
        col += _cols_for(sheet, col, 530)


BACKTEST_NOTE = ("Elke gepubliceerde MPP-prognose naast wat er gebeurde (de vastgelegde cijfers van de edities, niet "
                 "de aannames op Aannames: deze tabellen volgen de keuzes op Start niet). Fout = (prognose - "
                 "gerealiseerd) / gerealiseerd; jaren vooruit = prognosejaar - jaar van publicatie. Een lege cel: niet "
                 "gepubliceerd (een gat wordt niet ingevuld). Gerealiseerd 2025 telt alleen eerste aanvragen en nareis (herhaalde "
                 "aanvragen en hervestiging zijn niet gepubliceerd): een ondergrens, dus de fouten voor 2025 zijn "
                 "bovengrenzen. De run van wat er gebeurde: kies editie gerealiseerd op Start.")


def _backtest_kinds(table: list[list]) -> list[str]:
    """Column kinds of a backtest table by its header: errors in %, counts and years as whole numbers."""
    out = []
    for name in table[0]:
        if name.startswith(("fout", "gemiddelde", "spreiding")):
            out.append("pct")
        elif name in ("jaar", excel_api.LEAD_LABEL):
            out.append("year")
        elif name in ("editie", "gepubliceerd", "scenario", "behoefte op"):
            out.append("text")
        else:
            out.append("count")
    return out


def _terugblik(book: Book, sheet: Sheet) -> None:
    """Terugblik: every edition's forecast against what happened (editions x years), a chart of each edition's
    min, medio and max against the realised inflow, the mean error per lead, and COA need against occupancy."""
    sheet.title("Terugblik: de MPP-prognoses tegen wat er gebeurde")
    sheet.text(BACKTEST_NOTE, 0, 11)
    sheet.heading("Asielinstroom per jaar (personen): per jaar elke editie die er een prognose voor gaf")
    panel = excel_api.backtest_table("inflow.total", "panel")
    shown = sheet.table('=MPP_BACKTEST("inflow.total","panel")', panel, _backtest_kinds(panel))
    sheet.rows.skip()

    header = panel[0]
    categories = {"categories": ["Terugblik", shown.first, 0, shown.last, 1],  # two levels: the year, the edition
                  "categories_data": [[f"{r[0]:.0f}" for r in panel[1:]], _cached(panel, 1)]}
    chart = book.chart("column", "Prognose per editie (min, medio, max) tegen de gerealiseerde asielinstroom",
                       x_title="prognosejaar en MPP-editie", y_title="personen per jaar", y_kind="count")
    for scenario in SCENARIOS:
        col = header.index(excel_api.forecast_label(scenario, "inflow.total"))
        chart.add_series({**shown.series(col, f"prognose {SCENARIOS_NL[scenario]}"), **categories,
                          "fill": {"color": SCENARIO_COLOURS[scenario]}})
    realised = book.wb.add_chart({"type": "line"})
    col = header.index(excel_api.realised_label("inflow.total"))
    realised.add_series({**shown.series(col, "gerealiseerd"), **categories,
                         "line": {"color": REALISED_COLOUR, "width": 2.25},
                         "marker": {"type": "diamond", "size": 8, "fill": {"color": REALISED_COLOUR},
                                    "border": {"color": REALISED_COLOUR}}})
    chart.combine(realised)
    sheet.chart(chart, 0, width=1000, height=380)
    sheet.rows.skip()

    sheet.heading("Gemiddelde fout per aantal jaren vooruit (asielinstroom; min-max: hoe vaak de realisatie binnen "
                  "[min, max] viel)")
    summary = excel_api.backtest_table("inflow.total", "summary")
    sheet.table('=MPP_BACKTEST("inflow.total","summary")', summary, _backtest_kinds(summary))
    sheet.rows.skip()

    sheet.heading("COA-capaciteitsbehoefte op 1 januari (plaatsen) tegen de bezetting de dag ervoor (personen; bij de "
                  "bezettingsnorm van 91 % ligt een juiste behoefte zo'n 10 % erboven)")
    coa = excel_api.backtest_table("coa.capacity_need", "panel")
    sheet.table('=MPP_BACKTEST("coa.capacity_need","panel")', coa, _backtest_kinds(coa))


UNCERTAINTY_NOTE = (
    "Monte Carlo over de onzekere aannames: elk pad trekt voor elke onzekere aanname een factor (de instroom binnen de "
    "bandbreedte van de MPP: min en max als 5e en 95e percentiel; IND-capaciteit, inwilligingspercentage, realisatie "
    "huisvesting, gebruik van de ingebrekestelling en de tijd tot de uitspraak binnen hun eigen marges, vanaf 2025) en "
    "rekent de hele keten door. De banden tonen per datum de percentielen over de paden; de mediaan hoeft niet gelijk te "
    "zijn aan de berekening zonder onzekerheid. De gevoeligheid zet één aanname op haar lage of hoge waarde en de rest "
    "centraal. De onzekere aannames en hun bronnen staan in mpp_xl/data/uncertainty.csv; een eigen tabel kan op de "
    "opdrachtregel (mpp-xl simulate --uncertainty). Rekentijd: ongeveer 1,5 seconde per 1.000 paden. De maandtabel "
    "achter de waaier staat op het verborgen blad Rekenblad.")
BAND_PERCENTILES = "5;25;50;75;95"


def _onzekerheid(book: Book, sheet: Sheet, data: Sheet) -> None:
    """Onzekerheid: the fan chart of the COA need (its monthly bands and helper columns on the data sheet), bands
    of the penalties per year and of the letter's delta, and the tornado of the COA need and of the penalties."""
    from . import excel_uncertainty as eu
    from .simulation import DEFAULT_PATHS as PATHS, DEFAULT_SEED as SEED
    A = "Aannames"
    sheet.title("Onzekerheid: banden en gevoeligheid")
    sheet.text(UNCERTAINTY_NOTE, 0, 8)
    row = sheet.rows.take()
    sheet.selector(row, 0, "Aantal paden:", None, str(PATHS), "KeuzePaden", "Aantal paden",
                   f"1 tot en met {eu.EXCEL_MAX_PATHS:,} paden".replace(",", ".") + "; meer paden: gladdere banden, "
                   "langere rekentijd", value_col=1, as_text=True)
    sheet.selector(row, 2, "Startgetal:", None, str(SEED), "KeuzeStartgetal", "Startgetal",
                   "Hetzelfde startgetal geeft dezelfde trekkingen en dus dezelfde banden", value_col=3, as_text=True)
    sheet.rows.skip()
    args = f'KeuzeScenario,"{BAND_PERCENTILES}",KeuzePaden,KeuzeStartgetal,{A}'
    chosen = chosen_scenario()

    need = eu.band_table("coa.capacity_need", DEFAULT_SCENARIO, BAND_PERCENTILES, PATHS, SEED)
    shown = data_table(data, "COA-capaciteitsbehoefte per maand, banden (waaier op Onzekerheid)",
                       f'=MPP_BAND("coa.capacity_need",{args},"base",Venster,{SELECTION})', need,
                       ["month", *["count"] * (len(need[0]) - 1)])
    title = book.formula(["COA-capaciteitsbehoefte, scenario ", chosen, ", variant basis: 5-95 % en 25-75 % van ",
                          ("KeuzePaden", str(PATHS)), " paden (startgetal ", ("KeuzeStartgetal", str(SEED)), ")"])
    chart = book.chart("area", data_title(data, title), x_title="jaar", y_title="plaatsen", y_kind="count",
                       date_axis=True, subtype="stacked")
    # stacked areas on helper columns beside the band (formulas on it): 5 % (no fill), then 5-25, 25-75, 75-95 %
    helper = len(need[0]) + 1
    steps = ((None, 1, "onder de band"), (1, 2, "5-25 %"), (2, 4, "25-75 %"), (4, 5, "75-95 %"))
    colours = (None, "#BDD7EE", "#5B9BD5", "#BDD7EE")
    for k, ((low, high, label), colour) in enumerate(zip(steps, colours)):
        col = helper + k
        data.ws.write_string(shown.top, col, label, book.f.header)
        for r in range(shown.first, shown.last + 1):
            row_values = need[r - shown.top]
            value = float(f"{row_values[high] - (row_values[low] if low is not None else 0.0):.16g}")  # as cached
            cell = xl_rowcol_to_cell(r, high)
            if book.values_only:
                data.ws.write_number(r, col, value, book.out("count"))
            else:
                formula = f"={cell}" if low is None else f"={cell}-{xl_rowcol_to_cell(r, low)}"
                data.ws.write_formula(r, col, formula, book.out("count"), value)
        fill = {"none": True} if colour is None else {"color": colour}
        chart.add_series({"name": [data.name, shown.top, col],
                          "categories": [data.name, shown.first, 0, shown.last, 0],
                          "values": [data.name, shown.first, col, shown.last, col],
                          "values_data": [need[r][high] - (need[r][low] if low is not None else 0.0)
                                          for r in range(1, len(need))],
                          "fill": fill, "border": {"none": True}})
    data.use(helper + 3)
    chart.set_legend({"position": "bottom", "font": {"size": 9}, "delete_series": [0]})
    median = book.wb.add_chart({"type": "line"})
    median.add_series(shown.series(3, "mediaan", line={"color": "#1F3864", "width": 2}))
    chart.combine(median)
    sheet.chart(chart, 0, width=900, height=340)

    sheet.heading(book.formula(["Dwangsommen en kosten per jaar (opbouw, mln euro), scenario ", chosen,
                                ", variant basis"]))
    yearly = eu.band_table("penalty.amount_eur", DEFAULT_SCENARIO, BAND_PERCENTILES, PATHS, SEED)
    book.checks["band"] = sheet.table(f'=MPP_BAND("penalty.amount_eur",{args},"base",Venster,{SELECTION})', yearly,
                                      ["year", *["eur_m"] * (len(yearly[0]) - 1)])
    sheet.rows.skip()
    sheet.heading(book.formula([f"Verschil {variant_name('all_undone')} min {variant_name('base')} over het venster "
                                "(mln euro), scenario ", chosen]))
    delta = eu.band_table("penalty.delta_vs_base_window_eur", DEFAULT_SCENARIO, BAND_PERCENTILES, PATHS, SEED,
                          None, "all_undone")
    sheet.table(f'=MPP_BAND("penalty.delta_vs_base_window_eur",{args},"all_undone",Venster,{SELECTION})', delta,
                ["text", *["eur_m"] * (len(delta[0]) - 1)])
    sheet.rows.skip()

    for target, unit, kind in (("coa.capacity_need.2026-01-01", "plaatsen", "count"),
                               ("penalty.window_total_eur", "mln euro", "eur_m")):
        label = eu.TARGETS[target]
        sheet.heading(book.formula([f"Gevoeligheid: {label}, scenario ", chosen]))
        table = eu.tornado_table(target, None, DEFAULT_SCENARIO)
        shown = sheet.table(f'=MPP_TORNADO("{target}",{A},KeuzeScenario,Venster,{SELECTION})', table,
                            ["text", "text", "text", *[kind] * 6])
        sheet.rows.skip()
        title = book.formula([f"Gevoeligheid: {label.split(' (')[0]}, scenario ", chosen])
        chart = book.chart("bar", data_title(data, title), x_title=f"verschil met centraal ({unit})",
                           y_title="aanname", y_kind="count")
        # a bar chart turns the axes: x is the horizontal value axis, y the categories (largest swing on top)
        chart.set_x_axis({"name": f"verschil met centraal ({unit})", "name_font": {"size": 9, "bold": False},
                          "num_format": AXIS_FORMATS.get(kind, KINDS[kind].excel),
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_y_axis({"name": "aanname", "name_font": {"size": 9, "bold": False}, "reverse": True,
                          "label_position": "low"})
        chart.add_series({**shown.series(6, "aanname laag", fill={"color": "#ED7D31"}), "overlap": 100, "gap": 40})
        chart.add_series({**shown.series(7, "aanname hoog", fill={"color": "#2E75B6"}), "overlap": 100, "gap": 40})
        sheet.chart(chart, 0, width=900, height=280)
        sheet.rows.skip()


def _grafieken(book: Book, sheet: Sheet, data: Sheet, monthly: Table, coa: Table, chosen: Table) -> None:
    """Grafieken: inflow per month (min, medio, max); COA occupancy and need against the Spreidingswet; penalties
    per year per variant. Titles name the scenario chosen on Start."""
    sheet.title("Grafieken")
    sheet.text("De grafieken volgen de keuzes op Start; de begrotingsgrafieken staan op Begroting en Vergelijking, de "
               "terugblik op Terugblik. De maandtabellen achter de grafieken staan op het verborgen blad Rekenblad.",
               0, 19)
    width, height = 620, 330
    right = _cols_for(sheet, 0, width + 10)
    row = sheet.rows.next
    chart = book.chart("line", data_title(data, "Asielinstroom per maand: minimum, medio en maximum"),
                       x_title="jaar", y_title="personen per maand", y_kind="count", date_axis=True)
    for col, scenario in enumerate(SCENARIOS, start=1):
        chart.add_series(monthly.series(col, SCENARIOS_NL[scenario],
                                        line={"color": SCENARIO_COLOURS[scenario], "width": 2}))
    sheet.chart(chart, 0, width, height, row=row)

    title = book.formula(["COA-bezetting en capaciteitsbehoefte, scenario ", chosen_scenario()])
    chart = book.chart("line", data_title(data, title), x_title="jaar", y_title="plaatsen en personen",
                       y_kind="count", date_axis=True)
    for key, label, style in (
            ("coa.occupancy", "bezetting (personen)", {"line": {"color": OCCUPANCY_COLOUR, "width": 2}}),
            ("coa.capacity_need", "capaciteitsbehoefte (plaatsen)", {"line": {"color": NEED_COLOUR, "width": 2}}),
            ("coa.spreidingswet_capacity", "Spreidingswet (plaatsen)",
             {"line": {"color": LAW_COLOUR, "width": 1.75, "dash_type": "dash"}})):
        chart.add_series(coa.series(coa.rows[0].index(excel_api.metric_label(key)), label, **style))
    sheet.chart(chart, right, width, height, row=row)
    sheet.rows.skip()

    row = sheet.rows.next
    title = book.formula(["Dwangsommen en kosten per jaar per variant, scenario ", chosen_scenario()])
    chart = book.chart("column", data_title(data, title), x_title="jaar", y_title="bedrag (mln euro, opbouw)",
                       y_kind="eur_m")
    for col, variant in enumerate(WORKBOOK_VARIANTS, start=1):
        style = {"fill": {"color": VARIANT_COLOURS[variant]}, "gap": 60}
        if variant == "first_holds":  # equal to alles vervallen by design: hatched, so neither hides the other
            style = {"pattern": {"pattern": "wide_upward_diagonal", "fg_color": VARIANT_COLOURS[variant],
                                 "bg_color": "#FFFFFF"}, "border": {"color": VARIANT_COLOURS[variant]}, "gap": 60}
        chart.add_series(chosen.series(col, variant_name(variant), chosen.first, chosen.first + N_YEARS - 1, **style))
    sheet.chart(chart, 0, width, height, row=row)
    with sheet.at(row):  # the legend beside the penalty chart
        variant_legend(sheet, right, right + 8)


RECONCILE_HEADERS = {"figure": "cijfer", "source": "bron", "role": "rol", "published": "gepubliceerd",
                     "model": "model", "lower": "ondergrens", "upper": "bovengrens", "holds": "binnen de marge",
                     "unit": "eenheid", "date": "datum", "conflict": "conflict", "conflicts": "conflict",
                     "note": "toelichting", "description": "omschrijving", "tolerance": "marge",
                     "contradicted": "tegenstrijdig met ander gepubliceerd cijfer"}
ROLES_NL = {"target": "ijkpunt (aanname afgesteld)", "check": "controle (niet afgesteld)",
            "derived": "afgeleid (aanname berekend)"}
FIGURES_NL = {
    "ind.decisions_in_year.asylum": "IND-beslissingen asiel in het jaar", "coa.outflow": "uitstroom uit het COA",
    "ind.waiting_6_15m.asylum": "asielaanvragen 6-15 maanden in behandeling",
    "ind.waiting_over_15m.asylum": "asielaanvragen langer dan 15 maanden in behandeling",
    "ind.mean_wait_weeks.asylum": "gemiddelde doorlooptijd asiel", "ind.share_within_15m.asylum":
    "aandeel asielbeslissingen binnen 15 maanden", "penalty.notices": "ingebrekestellingen",
    "penalty.paid": "betaalde dwangsommen", "penalty.delta_all_undone": "verschil alles vervallen min basis (venster)",
    "coa.housed": "gehuisveste statushouders"}


def figure_label(figure: str) -> str:
    """A published figure's Dutch name and period, e.g. 'IND voorraad asiel, 2023'."""
    kind, _, period = figure.rpartition(".")
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?|-\d{4})?", period):
        kind, period = figure, ""
    label = METRICS[kind].label_nl if kind in METRICS else FIGURES_NL.get(kind, figure)
    return f"{label}, {period}" if period else label


def _reconcile_rows() -> list[list]:
    """Published figures against the model (mpp_xl.reconcile, the default run): every column it gives, in Dutch."""
    from .reconcile import reconciliation
    frame = reconciliation(excel_api.model_run(excel_api.default_set()))
    columns = [c for c in frame.columns if c not in ("description", "note")]
    header = [RECONCILE_HEADERS.get(c, c.replace("_", " ")) for c in columns]
    rows = [header]
    for record in frame[columns].itertuples(index=False):
        out = []
        for column, value in zip(columns, record):
            if column == "figure":
                out.append(figure_label(str(value)))
            elif column == "role":
                out.append(ROLES_NL.get(value, value))
            elif column == "unit":
                out.append(UNITS[value].nl if value in UNITS else value)
            elif isinstance(value, (bool, np.bool_)):
                out.append("ja" if value else "nee")
            elif value is None or value is pd.NA or (
                    isinstance(value, float) and not math.isfinite(value)):
                out.append(None)
            elif isinstance(value, (int, float, np.number)):
                out.append(float(value))
            else:
                out.append(str(value))
        rows.append(out)
    return rows


def _checks(book: Book) -> list[tuple[str, str, bool]]:
    """The sum checks: (what, formula, value for the default run)."""
    out = []

    def rng(table: Table, r0: int, c0: int, r1: int, c1: int) -> str:
        return (f"{quote(table.sheet.name)}!{xl_rowcol_to_cell(table.top + r0, table.left + c0, True, True)}:"
                f"{xl_rowcol_to_cell(table.top + r1, table.left + c1, True, True)}")

    def num(v) -> float:
        return v if isinstance(v, float) else 0.0

    budget = book.checks["budget"]
    rows = budget.rows
    codes = [r[0] for r in rows]
    width = len(rows[0]) - 1
    index = {code: i for i, code in enumerate(codes)}
    parts = ["coa.regular.occupied", "coa.regular.empty", "coa.emergency.occupied", "coa.emergency.empty",
             "coa.amv.occupied"]
    if all(p in index for p in [*parts, "coa.total"]):
        expr = rng(budget, index["coa.total"], 2, index["coa.total"], width) + "".join(
            "-" + rng(budget, index[p], 2, index[p], width) for p in parts)
        value = all(abs(num(rows[index["coa.total"]][c]) - sum(num(rows[index[p]][c]) for p in parts)) < 1
                    for c in range(2, width + 1))
        out.append(("Begroting: COA totaal = de vijf COA-regels", f"SUMPRODUCT(IFERROR(ABS({expr}),0))<1", value))
    top = ["coa.total", "ukraine.municipal", "ind.penalties.paid", "ind.legal_costs.paid"]
    if all(p in index for p in [*top, "total"]):
        # per year (the window total of the total line counts the known years of every line: checked below)
        expr = rng(budget, index["total"], 3, index["total"], width) + "".join(
            "-" + rng(budget, index[p], 3, index[p], width) for p in top)
        value = all(rows[index["total"]][c] is None or
                    abs(rows[index["total"]][c] - sum(num(rows[index[p]][c]) for p in top)) < 1
                    for c in range(3, width + 1))
        out.append(("Begroting: totaal = COA totaal + Oekraïne + dwangsommen + proceskosten, per jaar (waar bekend)",
                    f"SUMPRODUCT(ISNUMBER({rng(budget, index['total'], 3, index['total'], width)})*"
                    f"IFERROR(ABS({expr}),0))<1", value))
    totals = rng(budget, 1, 2, len(rows) - 1, 2)
    years = rng(budget, 1, 3, len(rows) - 1, 2 + N_YEARS)  # room for the longest window
    value = all(r[2] is None or abs(r[2] - sum(num(v) for v in r[3:])) < 1 for r in rows[1:])
    out.append(("Begroting: totaal over het venster = som van de jaren",
                f"ABS(SUMPRODUCT(ISNUMBER({totals})*IFERROR({totals}*1,0))-SUMPRODUCT(ISNUMBER({totals})*"
                f"IFERROR({years}*1,0)))<1", value))

    penalties = book.checks["penalties"]
    header = penalties.rows[0]
    cols = [header.index(excel_api.TRACK_LABELS[t]) for t in ("asylum", "nareis", "total")]
    last = len(penalties.rows) - 1
    expr = "-".join(rng(penalties, 1, c, last, c) for c in (cols[2], cols[0], cols[1]))
    value = all(abs(num(r[cols[2]]) - num(r[cols[0]]) - num(r[cols[1]])) < 1 for r in penalties.rows[1:])
    out.append(("Dwangsommen: totaal = asiel + nareis, elk jaar en over het venster",
                f"SUMPRODUCT(IFERROR(ABS({expr}),0))<1", value))
    year_col, total_col = rng(penalties, 1, 0, N_YEARS, 0), rng(penalties, 1, cols[2], N_YEARS, cols[2])
    window = rng(penalties, last, cols[2], last, cols[2])
    first, end = WINDOW
    in_window = sum(num(r[cols[2]]) for r in penalties.rows[1:N_YEARS + 1] if first <= r[0] <= end)
    out.append(("Dwangsommen: totaalrij = som van de jaren van het venster",
                f"ABS({window}-SUMPRODUCT(({year_col}>=VALUE(LEFT(Venster,4)))*({year_col}<=VALUE(RIGHT(Venster,4)))"
                f"*{total_col}))<1", abs(num(penalties.rows[last][cols[2]]) - in_window) < 1))

    inflow = book.checks["inflow"]
    header = inflow.rows[0]
    names = {m: next(i for i, h in enumerate(header) if str(h).startswith(METRICS[m].label_nl + " (")) for m in
             ("inflow.total", "inflow.first", "inflow.nareis", "inflow.repeat", "inflow.resettlement")}
    last = len(inflow.rows) - 1
    expr = "-".join(rng(inflow, 1, names[m], last, names[m]) for m in names)
    value = all(abs(r[names["inflow.total"]] - sum(r[names[m]] for m in list(names)[1:])) < 0.5
                for r in inflow.rows[1:])
    out.append(("Instroom: totaal = eerste + nareis + herhaald + hervestiging", f"SUMPRODUCT(ABS({expr}))<1", value))

    a, b, diff = book.checks["compare"]
    width = len(a.rows[0]) - 1
    expr = f"{rng(b, 1, 2, len(b.rows) - 1, width)}-{rng(a, 1, 2, len(a.rows) - 1, width)}-" \
           f"{rng(diff, 1, 2, len(a.rows) - 1, width)}"
    out.append(("Vergelijking: verschil = B min A", f"SUMPRODUCT(IFERROR(ABS({expr}),0))<1", True))

    band = book.checks["band"]
    width, last = len(band.rows[0]) - 1, len(band.rows) - 1
    expr = "+".join(f"({rng(band, 1, c, last, c)}>{rng(band, 1, c + 1, last, c + 1)})" for c in range(1, width))
    value = all(all(num(r[c]) <= num(r[c + 1]) for c in range(1, width)) for r in band.rows[1:])
    out.append(("Onzekerheid: percentielen oplopend", f"SUMPRODUCT({expr})=0", value))
    return out


def _controles(book: Book, sheet: Sheet) -> None:
    """Controles: the sum checks (formulas on the tables, so they follow every choice) with one master check, and
    the published figures against the model (mpp-xl reconcile, the default run)."""
    sheet.title("Controles: somcontroles en aansluiting op gepubliceerde cijfers")
    sheet.text("De somcontroles rekenen op de tabellen van de andere bladen en volgen dus elke keuze; 'in orde' als het "
               "verschil kleiner is dan 1 (euro of persoon). De totaalcontrole staat ook op Start. De aansluiting op "
               "gepubliceerde cijfers (onderaan) is die van de standaardaannames (mpp-xl reconcile): scenario medio, "
               "variant basis.", 0, 7)
    f, ws = book.f, sheet.ws
    row = sheet.heading("Somcontroles")
    header = sheet.rows.take()
    ws.write_string(header, 0, "controle", f.header)
    ws.write_string(header, 3, "uitkomst", f.header)
    ws.merge_range(header, 0, header, 2, "controle", f.header)
    checks = _checks(book)
    rows = _reconcile_rows()
    reconcile_row = None
    contra_header = RECONCILE_HEADERS["contradicted"]
    if "rol" in rows[0] and "binnen de marge" in rows[0] and contra_header in rows[0]:
        role, holds = rows[0].index("rol"), rows[0].index("binnen de marge")
        contra = rows[0].index(contra_header)
        ok = all(r[holds] != "nee" for r in rows[1:] if r[role] == ROLES_NL["target"] and r[contra] != "ja")
        checks.append(("Gepubliceerde cijfers: elk ijkpunt binnen zijn marge, behalve cijfers die een ander "
                       "gepubliceerd cijfer tegenspreken (tabel hieronder; docs/calibration.md)", None, ok))
        reconcile_row = len(checks) - 1
    first = sheet.rows.take(len(checks))
    for i, (what, condition, value) in enumerate(checks):
        r = first + i
        ws.merge_range(r, 0, r, 2, what, f.out_wrap)
        sheet.fit(r, 0, what, 2)
        if condition is not None:
            sheet.write_formula(r, 3, (f'=IF({condition},"in orde","FOUT")', "in orde" if value else "FOUT"), f.check)
    last = first + len(checks) - 1
    master = sheet.rows.take()
    ws.merge_range(master, 0, master, 2, "Totaal: alle controles", f.header)
    results = f"$D${first + 1}:$D${last + 1}"
    book.master_check = "in orde" if all(v for _, _, v in checks) else "FOUT"
    sheet.write_formula(master, 3, (f'=IF(COUNTIF({results},"FOUT")=0,"in orde","FOUT")', book.master_check), f.check)
    book.wb.define_name("ControleTotaal", f"=Controles!$D${master + 1}")
    sheet._block(row, master)
    sheet.rows.skip()

    sheet.heading("Gepubliceerde cijfers tegen het model (standaardaannames, scenario medio, variant basis)")
    kinds = []
    for c, name in enumerate(rows[0]):
        values = [r[c] for r in rows[1:]]
        kinds.append("text" if all(v is None or isinstance(v, str) for v in values) else "number")
    top = sheet.rows.take(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if r == 0:
                ws.write_string(top, c, value, f.header)
            elif value is None:
                ws.write_blank(top + r, c, None, book.out(kinds[c]))
            elif isinstance(value, str):
                ws.write_string(top + r, c, value, book.out("text"))
            else:
                ws.write_number(top + r, c, value, book.out("figure"))
    lines = max(text_lines(h, sheet.width(c), bold=True) for c, h in enumerate(rows[0]))
    sheet.set_height(top, lines * LINE_PT + 3)
    sheet._block(top, top + len(rows) - 1)
    sheet.use(len(rows[0]) - 1)
    if reconcile_row is not None:
        letter = lambda c: xl_rowcol_to_cell(0, c, col_abs=True)[:-1]  # noqa: E731
        role_range = f"{letter(role)}${top + 2}:{letter(role)}${top + len(rows)}"
        holds_range = f"{letter(holds)}${top + 2}:{letter(holds)}${top + len(rows)}"
        contra_range = f"{letter(contra)}${top + 2}:{letter(contra)}${top + len(rows)}"
        condition = (f'COUNTIFS({role_range},"{ROLES_NL["target"]}",{holds_range},"nee",'
                     f'{contra_range},"nee")=0')
        value = "in orde" if checks[reconcile_row][2] else "FOUT"
        sheet.write_formula(first + reconcile_row, 3, (f'=IF({condition},"in orde","FOUT")', value), f.check)
    for rng in (f"D{first + 1}:D{master + 1}",):
        ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": '"FOUT"',
                                    "format": book.wb.add_format({"bg_color": "#F8CBAD", "font_color": "#9C0006"})})
        ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": '"in orde"',
                                    "format": book.wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})})


def build_workbook_bytes(values_only: bool = False) -> bytes:
    """The workbook as bytes (or its values-only copy): the same inputs give the same bytes."""
    excel_api.clear_caches()
    aset = excel_api.default_set()
    version_text = excel_api.version_table(None)[0][0]
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    wb.set_properties({"title": "mpp-xl" + (" (waardenkopie)" if values_only else ""),
                       "subject": "MPP-ketenprojectie, dwangsommen en begroting", "author": "mpp-xl",
                       "company": "", "created": FIXED_DATE, "comments": version_text})
    # no recalculation on opening: the cached results stay visible until Python is attached, and a current
    # calcId keeps Excel from recalculating a file it thinks an older Excel saved
    wb.set_calc_mode("auto", calc_id=EXCEL_CALC_ID)
    wb.calc_on_load = False
    book = Book(wb, values_only, version_text)
    book.checks, book.master_check = {}, "in orde"
    if not values_only:
        wb.add_vba_project(io.BytesIO(vba_project()), is_stream=True)
        wb.set_vba_name("ThisWorkbook")

    start = book.sheet(wb.add_worksheet("Start"), (30, 20, 30, 95))
    sheets = {name: wb.add_worksheet(name) for name in SHEETS}
    data = book.sheet(wb.add_worksheet(DATA_SHEET), (12, 40, *[16] * 14))
    conf = None if values_only else book.sheet(wb.add_worksheet("xlwings.conf"), (18, 30))
    lists = None if values_only else book.sheet(wb.add_worksheet(LISTS_SHEET), (22,) * 14)
    if not values_only:  # the code names inside xlwings' VBA project
        start.ws.set_vba_name("Sheet1")
        conf.ws.set_vba_name("Sheet2")
        for i, ws in enumerate([*sheets.values(), data.ws, lists.ws], start=3):
            ws.set_vba_name(f"Sheet{i}")

    names = {} if values_only else _lists_sheet(book, lists, aset)
    aannames = book.sheet(sheets["Aannames"], (3, 34, 8, 10.5, 10.5, 10, 13, 48, 56))
    last = _assumptions_sheet(book, aannames, aset, names)
    c0 = xl_rowcol_to_cell(0, AANNAMES_COLS, True, True)
    c1 = xl_rowcol_to_cell(last, AANNAMES_COLS + len(COLUMNS) - 1, True, True)
    wb.define_name("Aannames", f"=Aannames!{c0}:{c1}")
    _realisaties(book, book.sheet(sheets["Realisaties"]), aset)

    data.title("Rekenblad: de tabellen achter de grafieken (niet afgedrukt)", subtitle=False)
    monthly = _instroom(book, book.sheet(sheets["Instroom"], (12, *[16.5] * 7)), data)
    coa = _keten(book, book.sheet(sheets["Keten"], (44, *[11.5] * N_YEARS)), data)
    chosen = _dwangsommen(book, book.sheet(sheets["Dwangsommen"], (16, *[16.5] * 10, *[12] * 4)))
    _begroting(book, book.sheet(sheets["Begroting"], (26, 42, 15, *[13] * N_YEARS), hidden={0}), data)
    _vergelijking(book, book.sheet(sheets["Vergelijking"], (26, 42, 15, *[13] * N_YEARS), hidden={0}), data)
    _terugblik(book, book.sheet(sheets["Terugblik"], (12, 13, 12, 13, 13, *[13] * 7)))
    _onzekerheid(book, book.sheet(sheets["Onzekerheid"], (36, 26, 26, *[15] * 6)), data)
    _grafieken(book, book.sheet(sheets["Grafieken"], ()), data, monthly, coa, chosen)
    _controles(book, book.sheet(sheets["Controles"], (34, 30, 14, 14, 13, 13, 13, 13, 14, 14, 14, 14)))
    _start_sheet(book, start, version_text)
    data.ws.hide()

    if conf is not None:
        conf.protect = False  # the settings are the user's to edit
        for row, (key, value) in enumerate(XLWINGS_CONF):  # xlwings reads the keys from A1 down: no title here
            conf.rows.take()
            conf.ws.write_string(row, 0, key)
            if isinstance(value, bool):
                conf.ws.write_boolean(row, 1, value)
            elif value:
                conf.ws.write_string(row, 1, value)
        conf.use(1)
    for sheet in book.sheets:
        sheet.finish()
    start.ws.activate()
    wb.close()
    return buffer.getvalue()


def build_workbook_file(path: str | Path | None = None, force: bool = False, values_only: bool = False) -> str:
    """Write the workbook (or its values-only copy); never replace a differing file without ``force`` (then keep a
    backup)."""
    path = Path(DEFAULT_PATHS[values_only] if path is None else path)
    if values_only and path.suffix.lower() != ".xlsx":
        raise MppError(f"{path}: the values-only copy must end in .xlsx (it has no VBA module)")
    if not values_only and path.suffix.lower() != ".xlsm":
        raise MppError(f"{path}: the workbook must end in .xlsm (it carries the xlwings VBA module)")
    fresh = build_workbook_bytes(values_only)
    if path.exists():
        current = path.read_bytes()
        if current == fresh:
            return f"{path} is up to date"
        if not force:
            raise MppError(f"{path} differs from a fresh build (edited by hand or built by another version); "
                           f"use --force to replace it (a backup is kept)")
        backup = path.with_name(f"{path.stem}.backup-{hashlib.sha256(current).hexdigest()[:8]}{path.suffix}")
        backup.write_bytes(current)
        atomic_write_many(path.parent, {path.name: fresh})
        return f"{path} rebuilt; the previous file is kept as {backup.name}"
    atomic_write_many(path.parent, {path.name: fresh})
    return f"{path} written"
