"""The Dutch-language workbook ``workbooks/mpp_model.xlsm``, generated with XlsxWriter from the default run.

Every formula is written with the default run's result as its cached value, so the file shows real
numbers before Python is attached. The VBA project is the one in xlwings' standalone quickstart template
of the pinned xlwings version (the pin is read from mpp-xl's own requirements, i.e. setup.cfg; the template
from the installed package; xlwings itself is not imported here). Content is placed from the top of each
sheet down by a row cursor (``Rows``), never at a literal row number.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.util
import io
import re
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from . import __version__, excel_api
from .assumptions import ALL, COLUMNS, SCENARIOS, AssumptionSet
from .budget import LINES
from .catalogue import METRIC_UNITS, METRICS
from .editions import DEFAULT_EDITION, REALISED
from .errors import MppError
from .model import WINDOW
from .output import atomic_write_many
from .variants import NAMED_VARIANTS

FIXED_DATE = dt.datetime(2024, 12, 2)  # the MPP 2024-II letter; a fixed date keeps builds byte-identical
SPARE_ROWS = 60  # empty rows in the assumptions table for the user's own records
DEFAULT_SCENARIO, DEFAULT_VARIANT = "medio", "all_undone"
DEFAULT_BUDGET_VARIANT = "base"
DEFAULT_COMPARE = ("mpp-2024-I", DEFAULT_EDITION)  # Kamerbrief 2 Dec 2024: 2024-I restated next to 2024-II
DEFAULT_WINDOW = f"{WINDOW[0]}-{WINDOW[1]}"
SWITCH_DEFAULT = "nee"
STATUS_NL = {"policy assumption": "beleidsaanname", "illustrative": "illustratief (geen gepubliceerd effect)"}
YEARS = np.unique(excel_api.GRID.years)
N_YEARS = len(YEARS)  # the widest window: every year of the workbook's horizon
HORIZON_YEARS = f"{YEARS[0]}-{YEARS[-1]}"
EXCEL_CALC_ID = 191029  # the calculation engine id of Excel 2016 and later (Microsoft 365)
XLWINGS_CONF = (("Interpreter_Win", ""), ("PYTHONPATH", ""), ("Conda Path", ""), ("Conda Env", ""),
                ("UDF Modules", "mpp_xl.udfs"), ("Debug UDFs", False), ("Use UDF Server", False),
                ("Show Console", False))
WHEEL = f"mpp_xl-{__version__}-py3-none-any.whl"  # what `pip wheel` makes of this project
SHEETS = ("Aannames", "Instroom", "Keten", "Dwangsommen", "Begroting", "Vergelijking", "Terugblik", "Grafieken")
LISTS_SHEET = "Keuzelijsten"  # hidden: the lists behind the drop-downs of Aannames


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


@dataclass
class Formats:
    title: object
    h2: object
    text: object
    wrap: object
    input: object
    input_date: object
    input_num: object
    input_text: object
    header: object
    header_year: object
    number: object
    euro: object
    percent: object
    percent_points: object
    decimal: object
    year: object
    date: object
    note: object
    out_text: object


def _formats(wb) -> Formats:
    base = {"font_name": "Calibri", "font_size": 11}
    out = {"bg_color": "#EDF2F9", "border": 1, "border_color": "#B4C6E7"}
    inp = {"bg_color": "#FFF2CC", "border": 1, "border_color": "#BF9000", "locked": False}
    return Formats(
        title=wb.add_format({**base, "bold": True, "font_size": 16, "font_color": "#1F3864"}),
        h2=wb.add_format({**base, "bold": True, "font_size": 12, "font_color": "#1F3864", "valign": "top"}),
        text=wb.add_format(base), wrap=wb.add_format({**base, "text_wrap": True, "valign": "top"}),
        input=wb.add_format({**base, **inp}), input_date=wb.add_format({**base, **inp, "num_format": "yyyy-mm-dd"}),
        input_num=wb.add_format({**base, **inp, "num_format": "General"}),
        input_text=wb.add_format({**base, **inp, "num_format": "@"}),
        header=wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True,
                              "valign": "top"}),
        header_year=wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "num_format": "0"}),
        number=wb.add_format({**base, **out, "num_format": "#,##0"}),
        euro=wb.add_format({**base, **out, "num_format": "€ #,##0"}),
        percent=wb.add_format({**base, **out, "num_format": "0.0%"}),
        percent_points=wb.add_format({**base, **out, "num_format": '+0.0" %";-0.0" %";0.0" %"'}),
        decimal=wb.add_format({**base, **out, "num_format": "0.0"}),
        year=wb.add_format({**base, **out, "num_format": "0"}),
        date=wb.add_format({**base, **out, "num_format": "mmm yyyy"}),
        note=wb.add_format({**base, "italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"}),
        out_text=wb.add_format({**base, **out}),
    )


def _spill(ws, row: int, col: int, formula: str, table: list[list], fmt: Formats, body_format, first_format=None,
           column_formats=None):
    """Write a dynamic-array formula at (row, col) whose cached result is ``table`` (header row first); None is an
    empty cell (an undefined value, never 0: also in the formula's own cell); ``column_formats`` maps a column of
    the table to its own body format."""
    if len(table) == 1 and len(table[0]) == 1 and str(table[0][0]).startswith("Fout:"):
        raise MppError(f"the default run gives an error for {formula}: {table[0][0]}")
    last_row, last_col = row + len(table) - 1, col + len(table[0]) - 1
    top = table[0][0]
    ws.write_dynamic_array_formula(row, col, last_row, last_col, formula,
                                   fmt.header if isinstance(top, str) else body_format, "" if top is None else top)
    for r, values in enumerate(table):
        for c, value in enumerate(values):
            if r == 0 and c == 0:
                continue
            if isinstance(value, str):
                ws.write_string(row + r, col + c, value, fmt.header if r == 0 else fmt.out_text)
                continue
            cell_format = first_format if (c == 0 and first_format is not None) else body_format
            cell_format = (column_formats or {}).get(c, cell_format) or fmt.out_text  # an unformatted blank would
            if r == 0:  # a year in a header row                                      # leave the array's 0 in place
                cell_format = fmt.header_year
            if value is None:
                ws.write_blank(row + r, col + c, None, cell_format)
            else:
                ws.write_number(row + r, col + c, value, cell_format)
    return last_row, last_col


def _cached(table: list[list], col: int, first: int = 1, last: int | None = None) -> list:
    """A column of a table as a chart's cached data (rows ``first`` .. ``last`` of the table): an empty cell stays
    empty (None: a gap), where XlsxWriter, reading the sheet, would cache it as 0."""
    values = [row[col] for row in table[first:(len(table) if last is None else last + 1)]]
    return [f"{v:.16g}" if isinstance(v, float) else v for v in values]  # numbers as XlsxWriter caches them


def _metric_formats(metrics, fmt: Formats) -> dict:
    """Body formats of a projection table's columns (column 0 is the date or year): shares as percentages,
    weeks with a decimal (mpp_xl.catalogue: the kind of each metric)."""
    by_kind = {"share": fmt.percent, "weeks": fmt.decimal}
    return {c: by_kind[METRICS[m].kind] for c, m in enumerate(metrics, start=1) if METRICS[m].kind in by_kind}


def _selector(wb, ws, row: int, col: int, label: str, choices, default: str, name: str, fmt: Formats) -> None:
    """A label and a drop-down input cell at (row, col + 1) named ``name``."""
    ws.write(row, col, label, fmt.h2)
    ws.data_validation(row, col + 1, row, col + 1, {"validate": "list", "source": list(choices)})
    ws.write_string(row, col + 1, default, fmt.input)
    wb.define_name(name, f"={ws.name}!{xl_rowcol_to_cell(row, col + 1, row_abs=True, col_abs=True)}")


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
            "3. Open dit bestand en sta macro's toe. 4. Druk op Alt+F8 en voer ImportPythonUDFs uit (eenmalig; "
            "opnieuw alleen als functienamen of argumenten wijzigen). 5. Druk op Ctrl+Alt+F9 om alles opnieuw te "
            "berekenen. Instellingen staan op het blad xlwings.conf (UDF Modules = mpp_xl.udfs; Interpreter_Win "
            "leeg = de python op het PATH, of het volledige pad naar python.exe).")


def _start_sheet(wb, ws, fmt: Formats, version_text: str) -> None:
    """Start: the choices every table follows (edition, window, measures), the version and how to use it."""
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 18)
    ws.set_column(2, 2, 30)
    ws.set_column(3, 3, 95)
    rows = Rows()
    ws.write(rows.take(), 0, "mpp-xl: asielketen, dwangsommen en begroting uit de Meerjaren Productie Prognose",
             fmt.title)
    rows.skip()

    ws.write(rows.take(), 0, "Keuzes (gelden voor alle tabellen en grafieken)", fmt.h2)
    row = rows.take()
    ws.write(row, 0, "Editie (MPP)", fmt.text)
    ws.data_validation(row, 1, row, 1, {"validate": "list", "source": excel_api.edition_choices()})
    ws.write_string(row, 1, DEFAULT_EDITION, fmt.input)
    ws.merge_range(row, 2, row, 3, "De instroomcijfers van deze MPP-editie; de andere aannames zijn die van MPP "
                   "2024-II. Een editie zonder cijfer voor een scenario of jaar geeft een foutmelding: een gat wordt "
                   f"niet ingevuld. {REALISED} = wat er gebeurde: de gerealiseerde instroom tot en met het laatste "
                   "gepubliceerde jaar, daarna de laatste editie (zie Terugblik).", fmt.note)
    wb.define_name("KeuzeEditie", f"=Start!{xl_rowcol_to_cell(row, 1, row_abs=True, col_abs=True)}")
    ws.set_row(row, 45)
    row = rows.take()
    ws.write(row, 0, "Venster (jaren)", fmt.text)
    ws.write_string(row, 1, DEFAULT_WINDOW, fmt.input_text)
    ws.merge_range(row, 2, row, 3, "Jaren van elk totaal en verschil (Dwangsommen, Begroting, Vergelijking), als "
                   f"JJJJ-JJJJ, bijvoorbeeld 2026-2030 voor de Voorjaarsnota 2026; binnen {HORIZON_YEARS}.", fmt.note)
    wb.define_name("Venster", f"=Start!{xl_rowcol_to_cell(row, 1, row_abs=True, col_abs=True)}")
    ws.set_row(row, 30)
    rows.skip()

    row = rows.take()
    ws.write(row, 0, "Beleidsmaatregelen", fmt.h2)
    for col, name in enumerate(("toepassen (ja/nee)", "status", "beschrijving"), start=1):
        ws.write_string(row, col, name, fmt.header)
    catalogue = list(excel_api.measures().values())
    first = rows.take(len(catalogue))
    for row, measure in enumerate(catalogue, start=first):
        ws.write_string(row, 0, measure.name, fmt.out_text)
        ws.data_validation(row, 1, row, 1, {"validate": "list", "source": ["ja", "nee"]})
        ws.write_string(row, 1, SWITCH_DEFAULT, fmt.input)
        ws.write_string(row, 2, STATUS_NL.get(measure.status, measure.status), fmt.out_text)
        ws.write_string(row, 3, measure.description_nl, fmt.wrap)
    last = first + len(catalogue) - 1
    wb.define_name("Maatregelen", f"=Start!{xl_rowcol_to_cell(first, 0, row_abs=True, col_abs=True)}:"
                                  f"{xl_rowcol_to_cell(last, 1, row_abs=True, col_abs=True)}")
    row = rows.take()
    ws.merge_range(row, 0, row, 3, "ja = de maatregel geldt, in de volgorde van deze lijst (van boven naar "
                   "beneden), boven op de gekozen editie en onder de wijzigingen op Aannames. De MPP zelf is "
                   "beleidsneutraal; 'illustratief' betekent dat er geen gepubliceerd effect is: de cijfers zijn een "
                   "voorbeeld.", fmt.note)
    ws.set_row(row, 30)
    rows.skip()

    row = rows.take()
    ws.write(row, 0, "Versie en herkomst", fmt.h2)
    ws.write_dynamic_array_formula(row, 1, row, 1, "=MPP_VERSION(Aannames,KeuzeEditie,Maatregelen)", fmt.out_text,
                                   version_text)
    row = rows.take()
    ws.write(row, 0, "Invoer", fmt.text)
    ws.write(row, 1, "gele cel: invoer", fmt.input)
    row = rows.take()
    ws.write(row, 0, "Uitvoer", fmt.text)
    ws.write(row, 1, "blauwe cel: uitkomst van een functie", fmt.out_text)
    rows.skip()

    texts = [
        ("Wat is dit", "Een rekenmodel voor de Voorjaarsnota. Het zet de MPP-instroom (minimum, medio, maximum) om in "
                       "de hele asielketen: instroom per categorie, de IND-voorraad per indieningsmaand, beslissingen en "
                       "inwilligingen, de COA-bezetting en capaciteitsbehoefte, statushouders, amv en Oekraïners. Het "
                       "schat ook de dwangsommen die de IND kan verschuldigd zijn bij te late beslissingen, onder de "
                       "juridische varianten van de beslistermijn (6 maanden wettelijk; 15 maanden onder de drie WBV's), "
                       "en de bedragen per begrotingsregel (COA-opvang, Oekraïne, dwangsommen en proceskosten). "
                       "Terugblik zet elke gepubliceerde MPP naast wat er gebeurde.", 60),
        ("Zo gebruikt u het", "1. Kies hierboven de editie, het venster en de maatregelen. 2. Pas gele invoercellen aan "
                              "op het blad Aannames (waarde, periode, bron; parameter, scenario en eenheid kiest u uit "
                              "een keuzelijst). 3. Excel rekent opnieuw; alle tabellen en grafieken volgen. 4. Kies "
                              "scenario en variant met de keuzelijsten op de bladen Keten, Dwangsommen, Begroting en "
                              "Vergelijking. Een rij op Aannames die gelijk is aan de ingebouwde standaard verandert "
                              "niets; een gewijzigde rij overschrijft de standaard voor die periode (zoals mpp-xl run "
                              "--assumptions). Een verwijderde rij zet de standaard terug. Varianten: de drie uit de "
                              "Kamerbrief (" + ", ".join(NAMED_VARIANTS) + "); een eigen variantbestand kan alleen "
                              "op de opdrachtregel (mpp-xl run --variants).", 75),
        ("Invoer en uitvoer", "Gele cellen zijn invoer. Blauwe cellen zijn uitkomsten van de functies MPP_VERSION, "
                              "MPP_PROJECTION, MPP_PENALTIES, MPP_SUMMARY, MPP_BUDGET, MPP_COMPARE en MPP_BACKTEST; "
                              "overschrijf ze niet. Zonder Python toont het bestand de uitkomsten van de standaardrun "
                              f"({excel_api.edition_title(DEFAULT_EDITION)}, venster {DEFAULT_WINDOW}, geen "
                              "maatregelen).", 45),
        ("Eenmalig op Windows", install_text(), 120),
        ("Foutmeldingen", "Een functie die niet kan rekenen toont één regel 'Fout: ...' met wat en waar (bijvoorbeeld "
                          f"welke rij van Aannames, of een venster buiten {HORIZON_YEARS}). Een onverwachte fout "
                          f"schrijft de details in {excel_api.LOG_FILE_SHOWN} (de map voor tijdelijke bestanden van "
                          "uw Windows-account).", 45),
        ("Bron standaardaannames", "MPP 2024-II (Kamerbrief 2 december 2024), IND- en COA-jaarcijfers; waar geen "
                                   "publieke bron bestaat staat 'model assumption' met de reden in de kolom source. "
                                   "Edities: de gepubliceerde instroomcijfers per MPP (mpp-xl editions).", 35),
    ]
    for label, text, height in texts:
        row = rows.take()
        ws.write(row, 0, label, fmt.h2)
        ws.merge_range(row, 1, row, 3, text, fmt.wrap)
        ws.set_row(row, height)


def _lists_sheet(wb, ws, aset: AssumptionSet) -> dict[str, str]:
    """The hidden sheet with the lists behind the drop-downs of Aannames: every declared parameter (and every
    one the default set uses), the scenarios and the units. Returns the defined name of each list."""
    registry = aset.registry
    parameters = sorted({name for spec in registry.specs for name in (spec.expansions() if spec.is_family
                                                                      else [spec.name])}
                        | {rec.parameter for _, rec in aset.records()})
    lists = {"LijstParameters": parameters, "LijstScenarios": [*SCENARIOS, ALL],
             "LijstEenheden": sorted({spec.unit for spec in registry.specs})}
    for col, (name, values) in enumerate(lists.items()):
        ws.write_string(0, col, name)
        for row, value in enumerate(values, start=1):
            ws.write_string(row, col, value)
        wb.define_name(name, f"={ws.name}!{xl_rowcol_to_cell(1, col, row_abs=True, col_abs=True)}:"
                             f"{xl_rowcol_to_cell(len(values), col, row_abs=True, col_abs=True)}")
    ws.hide()
    return {name: f"={name}" for name in lists}


def _assumptions_sheet(ws, fmt: Formats, aset: AssumptionSet, lists: dict[str, str]) -> int:
    widths = (38, 10, 12, 12, 12, 16, 90, 60)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    for col, name in enumerate(COLUMNS + ("toelichting (niet ingelezen)",)):
        ws.write_string(0, col, name, fmt.header)
    registry = aset.registry
    row = 0
    for row, (_, rec) in enumerate(aset.records(), start=1):
        param, scenario, start, end, value, unit, source = rec.as_row()
        ws.write_string(row, 0, param, fmt.input)
        ws.write_string(row, 1, scenario, fmt.input)
        for col, day in ((2, start), (3, end)):
            if day:
                ws.write_datetime(row, col, dt.datetime.fromisoformat(day), fmt.input_date)
            else:
                ws.write_blank(row, col, None, fmt.input_date)
        ws.write_number(row, 4, rec.value, fmt.input_num)
        ws.write_string(row, 5, unit, fmt.input)
        ws.write_string(row, 6, source, fmt.input)
        ws.write_string(row, 7, registry.find(param).description, fmt.note)
    last = row + SPARE_ROWS
    for spare in range(row + 1, last + 1):
        for col in range(7):
            ws.write_blank(spare, col, None, fmt.input_date if col in (2, 3) else fmt.input)
    # drop-downs: a parameter outside the list only warns (a new instrument, e.g. deadline.asylum.<name>.in_force,
    # is a valid name the list cannot know); scenario and unit must come from their lists
    ws.data_validation(1, 0, last, 0, {"validate": "list", "source": lists["LijstParameters"], "error_type": "warning",
                                       "error_title": "Onbekende parameter",
                                       "error_message": "Deze parameter staat niet in de lijst. Doorgaan alleen voor "
                                                        "een nieuwe termijnverlenging (deadline.<spoor>.<naam>.*)."})
    ws.data_validation(1, 1, last, 1, {"validate": "list", "source": lists["LijstScenarios"],
                                       "error_title": "Scenario", "error_message": "Kies min, medio, max of all."})
    ws.data_validation(1, 5, last, 5, {"validate": "list", "source": lists["LijstEenheden"],
                                       "error_title": "Eenheid",
                                       "error_message": "Kies de eenheid van de parameter uit de lijst."})
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, last, 6)
    return last


SELECTION = "KeuzeEditie,Maatregelen"  # the last two arguments of every formula: the choices on Start


def _budget_sheet(wb, ws, fmt: Formats) -> None:
    """Begroting: budget lines per year of the window for the chosen scenario and variant, a chart per group."""
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 52)
    ws.set_column(2, 2 + N_YEARS, 17)
    rows = Rows()
    ws.write(rows.take(), 0, "Begroting: bedragen per begrotingsregel (euro), per jaar van het venster en in totaal",
             fmt.title)
    ws.write(rows.take(), 0, "Editie, venster en maatregelen kiest u op Start. Prijzen en prijsindex staan op "
                             "Aannames (budget.*). Dwangsommen en proceskosten op kasbasis (betaald). Een lege cel: "
                             "geen prijs bekend (bv. het normbedrag Oekraïne vóór 2025); het totaal is dan ook leeg. "
                             "De ODA-regel is een 'waarvan' en telt niet mee in het totaal.", fmt.text)
    rows.skip()
    row = rows.take()
    _selector(wb, ws, row, 0, "Scenario:", SCENARIOS, DEFAULT_SCENARIO, "KeuzeScenarioBegroting", fmt)
    _selector(wb, ws, row, 2, "Variant:", NAMED_VARIANTS, DEFAULT_BUDGET_VARIANT, "KeuzeVariantBegroting", fmt)
    rows.skip()
    table = excel_api.budget_table(DEFAULT_SCENARIO, DEFAULT_BUDGET_VARIANT, None, None)
    top = rows.take(len(table))
    _spill(ws, top, 0, f"=MPP_BUDGET(KeuzeScenarioBegroting,KeuzeVariantBegroting,Venster,Aannames,{SELECTION})",
           table, fmt, fmt.euro, fmt.out_text, {1: fmt.out_text})
    rows.skip(2)
    # charts: years across from column D; they span every year of the horizon, so a longer window shows whole
    # (the window total stands before the years, in column C, and is not charted)
    first_year_col, last_year_col = 3, 3 + N_YEARS - 1
    row_of = {line: top + 1 + i for i, line in enumerate(LINES)}
    for title, lines in excel_api.BUDGET_GROUPS.items():
        chart = wb.add_chart({"type": "column", "subtype": "stacked"} if len(lines) > 1 else {"type": "column"})
        for line in lines:
            chart.add_series({"name": ["Begroting", row_of[line], 1],
                              "categories": ["Begroting", top, first_year_col, top, last_year_col],
                              "values": ["Begroting", row_of[line], first_year_col, row_of[line], last_year_col],
                              "values_data": table[row_of[line] - top][first_year_col:last_year_col + 1]})
        chart.set_title({"name": f"{title} per jaar (gekozen scenario en variant)"})
        chart.set_y_axis({"num_format": "€ #,##0", "name": "euro"})
        chart.set_legend({"position": "bottom"})
        ws.insert_chart(rows.take(22), 1, chart, {"x_scale": 1.6, "y_scale": 1.3})


def _compare_sheet(wb, ws, fmt: Formats) -> None:
    """Vergelijking: two editions side by side with deltas (B - A), for the chosen scenario and variant."""
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 50)
    ws.set_column(2, 2, 12)
    ws.set_column(3, 5, 18)
    ws.set_column(6, 6, 10)
    rows = Rows()
    ws.write(rows.take(), 0, "Vergelijking van twee MPP-edities: de mutaties voor de Voorjaarsnota (verschil = B min "
                             "A)", fmt.title)
    ws.write(rows.take(), 0, "De wijzigingen op Aannames, de maatregelen en het venster (Start) gelden voor beide "
                             "edities. Stromen per jaar, voorraden op 31 december, bedragen in euro; de rij met het "
                             f"venster (bv. {DEFAULT_WINDOW}) is het totaal daarover. Een lege cel: geen prijs "
                             f"bekend. {REALISED} = wat er gebeurde.", fmt.text)
    rows.skip()
    choices = excel_api.edition_choices()
    row = rows.take()
    _selector(wb, ws, row, 0, "Editie A:", choices, DEFAULT_COMPARE[0], "KeuzeEditieA", fmt)
    _selector(wb, ws, row, 2, "Editie B:", choices, DEFAULT_COMPARE[1], "KeuzeEditieB", fmt)
    row = rows.take()
    _selector(wb, ws, row, 0, "Scenario:", SCENARIOS, DEFAULT_SCENARIO, "KeuzeScenarioVergelijking", fmt)
    _selector(wb, ws, row, 2, "Variant:", NAMED_VARIANTS, DEFAULT_BUDGET_VARIANT, "KeuzeVariantVergelijking", fmt)
    rows.skip()
    table = excel_api.compare_table(*DEFAULT_COMPARE, "all", None, DEFAULT_SCENARIO, DEFAULT_BUDGET_VARIANT)
    top = rows.take(len(table))
    _spill(ws, top, 0, "=MPP_COMPARE(KeuzeEditieA,KeuzeEditieB,\"all\",Aannames,KeuzeScenarioVergelijking,"
           "KeuzeVariantVergelijking,Venster,Maatregelen)", table, fmt, fmt.number, fmt.out_text,
           {1: fmt.out_text, 2: fmt.out_text, 6: fmt.out_text})

    def year_rows(code: str) -> tuple[int, int]:
        """First and last sheet row of a code's years (the rows do not depend on the choices: every edition has
        every code and year of the fixed horizon, and the window total comes after the years)."""
        found = [top + i for i, r in enumerate(table) if r[0] == code and re.fullmatch(r"\d{4}(-12-31)?", r[2])]
        if not found or found != list(range(found[0], found[0] + N_YEARS)):
            raise MppError(f"the comparison table has no {N_YEARS} consecutive years of {code} to chart")
        return found[0], found[-1]

    charts = Rows(top + 1)  # beside the table, from its first row down
    for code, title, axis, number in (
            ("inflow.total", "Asielinstroom per jaar: editie A en B", "personen", "#,##0"),
            ("budget.coa.total", "COA-opvang per jaar (begroting): editie A en B", "euro", "€ #,##0")):
        first, last = year_rows(code)
        chart = wb.add_chart({"type": "column"})
        for col in (3, 4):
            chart.add_series({"name": ["Vergelijking", top, col], "categories": ["Vergelijking", first, 2, last, 2],
                              "values": ["Vergelijking", first, col, last, col],
                              "values_data": _cached(table, col, first - top, last - top)})
        chart.set_title({"name": title + " (gekozen scenario en variant)"})
        chart.set_y_axis({"num_format": number, "name": axis})
        chart.set_legend({"position": "bottom"})
        ws.insert_chart(charts.take(22), 8, chart, {"x_scale": 1.5, "y_scale": 1.3})


BACKTEST_NOTE = ("Elke gepubliceerde MPP-prognose naast wat er gebeurde (de vastgelegde cijfers van de edities, niet "
                 "de aannames op Aannames: deze tabellen volgen de keuzes op Start niet). Fout = (prognose - "
                 "gerealiseerd) / gerealiseerd; jaren vooruit = prognosejaar - jaar van publicatie. Een lege cel: niet "
                 "gepubliceerd (een gat wordt niet ingevuld). Gerealiseerd 2025 telt alleen eerste aanvragen en nareis (herhaalde "
                 "aanvragen en hervestiging zijn niet gepubliceerd): een ondergrens, dus de fouten voor 2025 zijn "
                 "bovengrenzen. De run van wat er gebeurde: kies editie realised op Start.")


def _backtest_formats(table: list[list], fmt: Formats) -> dict:
    """Column formats of a backtest table by its header: errors in %, counts and years as whole numbers."""
    out = {}
    for c, name in enumerate(table[0]):
        if name.startswith(("fout", "gemiddelde", "spreiding")):
            out[c] = fmt.percent_points
        elif name in ("jaren vooruit", "prognoses", "met realisatie", "realisatie binnen [min, max]",
                      "paren [min, max]"):
            out[c] = fmt.year
        elif name in ("editie", "gepubliceerd", "scenario", "behoefte op"):
            out[c] = fmt.out_text
    return out


def _backtest_sheet(wb, ws, fmt: Formats) -> None:
    """Terugblik: every edition's forecast against what happened (editions x years), a chart of each edition's
    min, medio and max against the realised inflow, the mean error per lead, and COA need against occupancy."""
    ws.set_column(0, 0, 14)
    ws.set_column(1, 2, 13)
    ws.set_column(3, 10, 14)
    rows = Rows()
    ws.write(rows.take(), 0, "Terugblik: de MPP-prognoses tegen wat er gebeurde", fmt.title)
    row = rows.take()
    ws.merge_range(row, 0, row, 10, BACKTEST_NOTE, fmt.note)
    ws.set_row(row, 75)
    rows.skip()

    ws.write(rows.take(), 0, "Asielinstroom per jaar (personen): per jaar elke editie die er een prognose voor gaf",
             fmt.h2)
    panel = excel_api.backtest_table("inflow.total", "panel")
    top = rows.take(len(panel))
    _spill(ws, top, 0, '=MPP_BACKTEST("inflow.total","panel")', panel, fmt, fmt.number, fmt.year,
           _backtest_formats(panel, fmt))
    ws.set_row(top, 30)
    rows.skip()

    header = panel[0]
    first, last = top + 1, top + len(panel) - 1
    categories = {"categories": ["Terugblik", first, 0, last, 1],  # two levels: the year, then the edition
                  "categories_data": [[f"{r[0]:.0f}" for r in panel[1:]], _cached(panel, 1)]}
    chart = wb.add_chart({"type": "column"})
    for scenario, colour in zip(SCENARIOS, ("#9DC3E6", "#2E75B6", "#1F3864")):
        col = header.index(f"prognose {scenario}")
        chart.add_series({"name": ["Terugblik", top, col], **categories, "values": ["Terugblik", first, col, last, col],
                          "values_data": _cached(panel, col), "fill": {"color": colour}})
    realised = wb.add_chart({"type": "line"})
    col = header.index("gerealiseerd")
    realised.add_series({"name": ["Terugblik", top, col], **categories, "values": ["Terugblik", first, col, last, col],
                         "values_data": _cached(panel, col), "line": {"color": "#C00000", "width": 2.25},
                         "marker": {"type": "diamond", "size": 8, "fill": {"color": "#C00000"},
                                    "border": {"color": "#C00000"}}})
    chart.combine(realised)
    chart.set_title({"name": "Prognose per editie (min, medio, max) tegen de gerealiseerde instroom"})
    chart.set_y_axis({"num_format": "#,##0", "name": "personen per jaar"})
    chart.set_legend({"position": "bottom"})
    ws.insert_chart(rows.take(24), 0, chart, {"x_scale": 2.2, "y_scale": 1.5})
    rows.skip()

    ws.write(rows.take(), 0, "Gemiddelde fout per aantal jaren vooruit (asielinstroom; min-max: hoe vaak de realisatie "
                             "binnen [min, max] viel)", fmt.h2)
    summary = excel_api.backtest_table("inflow.total", "summary")
    top = rows.take(len(summary))
    _spill(ws, top, 0, '=MPP_BACKTEST("inflow.total","summary")', summary, fmt, fmt.number, fmt.out_text,
           _backtest_formats(summary, fmt))
    ws.set_row(top, 45)
    rows.skip()

    ws.write(rows.take(), 0, "COA-capaciteitsbehoefte op 1 januari (plaatsen) tegen de bezetting de dag ervoor "
                             "(personen; bij de bezettingsnorm van 91 % ligt een juiste behoefte zo'n 10 % erboven)",
             fmt.h2)
    coa = excel_api.backtest_table("coa.capacity_need", "panel")
    top = rows.take(len(coa))
    _spill(ws, top, 0, '=MPP_BACKTEST("coa.capacity_need","panel")', coa, fmt, fmt.number, fmt.year,
           _backtest_formats(coa, fmt))
    ws.set_row(top, 45)


def build_workbook_bytes() -> bytes:
    """The workbook as bytes: the same inputs give the same bytes."""
    excel_api.clear_caches()
    aset = excel_api.default_set()
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    wb.set_properties({"title": "mpp-xl", "subject": "MPP-ketenprojectie, dwangsommen en begroting", "author": "mpp-xl",
                       "company": "", "created": FIXED_DATE, "comments": f"mpp-xl {__version__}"})
    # no recalculation on opening: the cached results stay visible until Python is attached, and a current
    # calcId keeps Excel from recalculating a file it thinks an older Excel saved
    wb.set_calc_mode("auto", calc_id=EXCEL_CALC_ID)
    wb.calc_on_load = False
    fmt = _formats(wb)
    wb.add_vba_project(io.BytesIO(vba_project()), is_stream=True)
    wb.set_vba_name("ThisWorkbook")

    start = wb.add_worksheet("Start")
    start.set_vba_name("Sheet1")
    sheets = {name: wb.add_worksheet(name) for name in SHEETS}
    conf = wb.add_worksheet("xlwings.conf")
    conf.set_vba_name("Sheet2")
    lists_sheet = wb.add_worksheet(LISTS_SHEET)
    for i, ws in enumerate([*sheets.values(), lists_sheet], start=3):
        ws.set_vba_name(f"Sheet{i}")

    lists = _lists_sheet(wb, lists_sheet, aset)
    last = _assumptions_sheet(sheets["Aannames"], fmt, aset, lists)
    wb.define_name("Aannames", f"=Aannames!$A$1:$G${last + 1}")
    A = "Aannames"
    _start_sheet(wb, start, fmt, excel_api.version_table(None)[0][0])

    # Instroom: yearly totals per scenario, per category for the chosen scenario, monthly totals for the chart
    ws = sheets["Instroom"]
    ws.set_column(0, 0, 12)
    ws.set_column(1, 8, 16)
    rows = Rows()
    ws.write(rows.take(), 0, "Instroom per scenario (personen)", fmt.title)
    rows.skip()
    ws.write(rows.take(), 0, "Per jaar, totaal", fmt.h2)
    yearly = excel_api.projection_table("inflow.total", "all", None, "jaar")
    _spill(ws, rows.take(len(yearly)), 0, f'=MPP_PROJECTION("inflow.total","all",{A},"jaar",{SELECTION})', yearly,
           fmt, fmt.number, fmt.year)
    rows.skip()
    row = rows.take()
    ws.write(row, 0, "Per categorie voor scenario:", fmt.h2)
    ws.data_validation(row, 2, row, 2, {"validate": "list", "source": list(SCENARIOS)})
    ws.write_string(row, 2, DEFAULT_SCENARIO, fmt.input)
    wb.define_name("KeuzeScenarioInstroom", f"=Instroom!{xl_rowcol_to_cell(row, 2, row_abs=True, col_abs=True)}")
    categories = excel_api.projection_table("inflow.*", DEFAULT_SCENARIO, None, "jaar")
    cat_row = rows.take(len(categories))
    _spill(ws, cat_row, 0, f'=MPP_PROJECTION("inflow.*",KeuzeScenarioInstroom,{A},"jaar",{SELECTION})', categories,
           fmt, fmt.number, fmt.year)
    ws.set_row(cat_row, 45)
    rows.skip()
    ws.write(rows.take(), 0, "Per maand, totaal (voor de grafiek)", fmt.h2)
    monthly = excel_api.projection_table("inflow.total", "all", None, "maand")
    month_row = rows.take(len(monthly))
    inflow_end, _ = _spill(ws, month_row, 0, f'=MPP_PROJECTION("inflow.total","all",{A},"maand",{SELECTION})',
                           monthly, fmt, fmt.number, fmt.date)

    # Keten: the chosen scenario's chain per year (headers: Dutch label and unit), and COA per month for the chart
    ws = sheets["Keten"]
    ws.set_column(0, 0, 12)
    ws.set_column(1, len(METRIC_UNITS), 15)
    rows = Rows()
    ws.write(rows.take(), 0, "Ketenprojectie per jaar, variant base (stromen: jaartotaal; voorraden en aandelen: stand "
                             "op 31 december)", fmt.title)
    rows.skip()
    row = rows.take()
    ws.write(row, 0, "Scenario:", fmt.h2)
    ws.data_validation(row, 1, row, 1, {"validate": "list", "source": list(SCENARIOS)})
    ws.write_string(row, 1, DEFAULT_SCENARIO, fmt.input)
    wb.define_name("KeuzeScenario", f"=Keten!{xl_rowcol_to_cell(row, 1, row_abs=True, col_abs=True)}")
    rows.skip()
    chain = excel_api.projection_table("all", DEFAULT_SCENARIO, None, "jaar")
    chain_row = rows.take(len(chain))
    _spill(ws, chain_row, 0, f'=MPP_PROJECTION("all",KeuzeScenario,{A},"jaar",{SELECTION})', chain, fmt,
           fmt.number, fmt.year, _metric_formats(METRIC_UNITS, fmt))
    ws.set_row(chain_row, 75)
    rows.skip()
    ws.write(rows.take(), 0, "COA per maand voor het gekozen scenario (voor de grafiek)", fmt.h2)
    coa_metrics = excel_api.metric_arg("coa.*")
    coa = excel_api.projection_table("coa.*", DEFAULT_SCENARIO, None, "maand")
    coa_row = rows.take(len(coa))
    coa_end, _ = _spill(ws, coa_row, 0, f'=MPP_PROJECTION("coa.*",KeuzeScenario,{A},"maand",{SELECTION})', coa, fmt,
                        fmt.number, fmt.date, _metric_formats(coa_metrics, fmt))
    ws.set_row(coa_row, 45)

    # Dwangsommen: headline, all scenarios x variants per year, the chosen scenario, the chosen detail; every
    # per-year table ends in the total over the window chosen on Start
    ws = sheets["Dwangsommen"]
    ws.set_column(0, 0, 16)
    ws.set_column(1, 16, 18)
    rows = Rows()
    ws.write(rows.take(), 0, "Dwangsommen en proceskosten (euro; verschil = variant min base)", fmt.title)
    ws.write(rows.take(), 0, f"Bedragen staan in het jaar waarin ze ontstaan; '{excel_api.PAID_LABEL}' staat in het "
                             "jaar van betaling (penalty.payment_lag_months later). Totalen over het venster dat u op "
                             "Start kiest.", fmt.text)
    ws.write(rows.take(), 0, "Totaal over het venster per scenario en variant", fmt.h2)
    summary = excel_api.summary_table(None)
    _spill(ws, rows.take(len(summary)), 0, f"=MPP_SUMMARY({A},Venster,{SELECTION})", summary, fmt, fmt.euro)
    rows.skip()
    ws.write(rows.take(), 0, "Per jaar, alle scenario's en varianten", fmt.h2)
    every = excel_api.penalties_table("all", "all", None)
    _spill(ws, rows.take(len(every)), 0, f'=MPP_PENALTIES("all","all",{A},Venster,{SELECTION})', every, fmt, fmt.euro,
           fmt.year)
    rows.skip()
    row = rows.take()
    _selector(wb, ws, row, 0, "Scenario:", SCENARIOS, DEFAULT_SCENARIO, "KeuzeScenarioDwangsom", fmt)
    _selector(wb, ws, row, 2, "Variant:", NAMED_VARIANTS, DEFAULT_VARIANT, "KeuzeVariant", fmt)
    ws.write(rows.take(), 0, "Per jaar voor het gekozen scenario, alle varianten", fmt.h2)
    chosen = excel_api.penalties_table(DEFAULT_SCENARIO, "all", None)
    chosen_row = rows.take(len(chosen))
    _spill(ws, chosen_row, 0, f'=MPP_PENALTIES(KeuzeScenarioDwangsom,"all",{A},Venster,{SELECTION})', chosen, fmt,
           fmt.euro, fmt.year)
    chosen_years_end = chosen_row + N_YEARS  # the chart shows the years, not the window total below them
    rows.skip()
    ws.write(rows.take(), 0, "Per jaar en spoor voor het gekozen scenario en de gekozen variant", fmt.h2)
    detail = excel_api.penalties_table(DEFAULT_SCENARIO, DEFAULT_VARIANT, None)
    counts = {c: fmt.number for c, name in enumerate(detail[0]) if name in excel_api.COUNT_LABELS.values()}
    detail_row = rows.take(len(detail))
    _spill(ws, detail_row, 0, f"=MPP_PENALTIES(KeuzeScenarioDwangsom,KeuzeVariant,{A},Venster,{SELECTION})", detail,
           fmt, fmt.euro, fmt.year, counts)
    ws.set_row(detail_row, 45)

    _budget_sheet(wb, sheets["Begroting"], fmt)
    _compare_sheet(wb, sheets["Vergelijking"], fmt)
    _backtest_sheet(wb, sheets["Terugblik"], fmt)

    # Grafieken
    ws = sheets["Grafieken"]
    rows = Rows()
    ws.write(rows.take(), 0, "Grafieken (volgen de keuzes op Start en op de bladen Instroom, Keten en Dwangsommen; de "
                             "begrotingsgrafieken staan op Begroting en Vergelijking, de terugblik op Terugblik)",
             fmt.title)
    rows.skip()
    first, final = month_row + 1, inflow_end
    chart = wb.add_chart({"type": "line"})
    for col, name in enumerate(SCENARIOS, start=1):
        chart.add_series({"name": name, "categories": ["Instroom", first, 0, final, 0],
                          "values": ["Instroom", first, col, final, col], "values_data": _cached(monthly, col)})
    chart.set_title({"name": "Asielinstroom per maand: minimum, medio, maximum"})
    chart.set_x_axis({"date_axis": True, "num_format": "yyyy"})
    chart.set_y_axis({"num_format": "#,##0", "name": "personen per maand"})
    ws.insert_chart(rows.take(22), 0, chart, {"x_scale": 1.6, "y_scale": 1.3})

    chart = wb.add_chart({"type": "line"})
    for key, label in (("coa.occupancy", "bezetting"), ("coa.capacity_need", "capaciteitsbehoefte"),
                       ("coa.spreidingswet_capacity", "Spreidingswet 96.000")):
        col = coa[0].index(excel_api.metric_label(key))
        chart.add_series({"name": label, "categories": ["Keten", coa_row + 1, 0, coa_end, 0],
                          "values": ["Keten", coa_row + 1, col, coa_end, col], "values_data": _cached(coa, col),
                          **({"line": {"dash_type": "dash", "color": "#C00000"}} if "spreidingswet" in key else {})})
    chart.set_title({"name": "COA-bezetting en capaciteitsbehoefte (gekozen scenario)"})
    chart.set_x_axis({"date_axis": True, "num_format": "yyyy"})
    chart.set_y_axis({"num_format": "#,##0", "name": "plaatsen"})
    ws.insert_chart(rows.take(22), 0, chart, {"x_scale": 1.6, "y_scale": 1.3})

    chart = wb.add_chart({"type": "column"})
    for col, name in enumerate(chosen[0][1:len(NAMED_VARIANTS) + 1], start=1):
        chart.add_series({"name": name.split(" ", 1)[1],
                          "categories": ["Dwangsommen", chosen_row + 1, 0, chosen_years_end, 0],
                          "values": ["Dwangsommen", chosen_row + 1, col, chosen_years_end, col],
                          "values_data": _cached(chosen, col, 1, N_YEARS)})
    chart.set_title({"name": "Dwangsommen en kosten per jaar per variant (gekozen scenario)"})
    chart.set_y_axis({"num_format": "€ #,##0", "name": "euro"})
    ws.insert_chart(rows.take(22), 0, chart, {"x_scale": 1.6, "y_scale": 1.3})

    conf.set_column(0, 0, 18)
    conf.set_column(1, 1, 30)
    for row, (key, value) in enumerate(XLWINGS_CONF):
        conf.write_string(row, 0, key)
        if isinstance(value, bool):
            conf.write_boolean(row, 1, value)
        elif value:
            conf.write_string(row, 1, value)
    start.activate()
    wb.close()
    return buffer.getvalue()


def build_workbook_file(path: str | Path, force: bool = False) -> str:
    """Write the workbook; never replace a differing file without ``force`` (then keep a backup)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsm":
        raise MppError(f"{path}: the workbook must end in .xlsm (it carries the xlwings VBA module)")
    fresh = build_workbook_bytes()
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
