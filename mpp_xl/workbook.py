"""The Dutch-language workbook ``workbooks/mpp_model.xlsm``, generated with XlsxWriter from the default run.

Every formula is written with the default run's result as its cached value, so the file shows real
numbers before Python is attached. The VBA project is the one in xlwings' standalone quickstart template
of the pinned xlwings version (read from the installed package; xlwings itself is not imported here).
"""

from __future__ import annotations

import datetime as dt
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
from .assumptions import COLUMNS, SCENARIOS, AssumptionSet
from .budget import LINES
from .chain import METRIC_UNITS
from .editions import DEFAULT_EDITION
from .errors import MppError
from .model import WINDOW
from .output import atomic_write_many
from .variants import NAMED_VARIANTS

XLWINGS_VERSION = "0.37.8"
FIXED_DATE = dt.datetime(2024, 12, 2)  # the MPP 2024-II letter; a fixed date keeps builds byte-identical
SPARE_ROWS = 60  # empty rows in the assumptions table for the user's own records
DEFAULT_SCENARIO, DEFAULT_VARIANT = "medio", "all_undone"
DEFAULT_BUDGET_VARIANT = "base"
DEFAULT_COMPARE = ("mpp-2024-I", DEFAULT_EDITION)  # Kamerbrief 2 Dec 2024: 2024-I restated next to 2024-II
DEFAULT_WINDOW = f"{WINDOW[0]}-{WINDOW[1]}"
SWITCH_DEFAULT = "nee"
STATUS_NL = {"policy assumption": "beleidsaanname", "illustrative": "illustratief (geen gepubliceerd effect)"}
N_YEARS = len(np.unique(excel_api.GRID.years))  # the widest window: every year of the workbook's horizon
EXCEL_CALC_ID = 191029  # the calculation engine id of Excel 2016 and later (Microsoft 365)
XLWINGS_CONF = (("Interpreter_Win", ""), ("PYTHONPATH", ""), ("Conda Path", ""), ("Conda Env", ""),
                ("UDF Modules", "mpp_xl.udfs"), ("Debug UDFs", False), ("Use UDF Server", False),
                ("Show Console", False))

METRIC_LABELS_NL = {
    "inflow.total": "instroom totaal", "inflow.first": "eerste aanvragen", "inflow.nareis": "nareizigers",
    "inflow.repeat": "herhaalde aanvragen", "inflow.resettlement": "hervestigers", "inflow.amv": "amv (eerste)",
    "ind.filings.asylum": "IND aanvragen asiel", "ind.filings.nareis": "IND aanvragen nareis",
    "ind.pending.asylum": "IND voorraad asiel", "ind.pending.nareis": "IND voorraad nareis",
    "ind.decisions.asylum": "IND beslissingen asiel", "ind.decisions.nareis": "IND beslissingen nareis",
    "ind.legal_decisions.asylum": "IND beslissingen na ingebrekestelling of uitspraak asiel",
    "ind.legal_decisions.nareis": "IND beslissingen na ingebrekestelling of uitspraak nareis",
    "ind.mean_wait_weeks.asylum": "doorlooptijd asiel (weken)", "ind.mean_wait_weeks.nareis": "doorlooptijd nareis (weken)",
    "ind.pending_over_6m.asylum": "asiel > 6 mnd", "ind.pending_over_15m.asylum": "asiel > 15 mnd",
    "ind.pending_over_3m.nareis": "nareis > 3 mnd", "ind.grants.asylum": "inwilligingen asiel",
    "ind.rejections.asylum": "afwijzingen asiel", "ind.grants.nareis": "inwilligingen nareis",
    "coa.in_procedure": "COA in procedure", "coa.not_registered": "COA nog niet geregistreerd",
    "coa.statushouders": "COA statushouders", "coa.rejected": "COA afgewezen", "coa.nareis_short_stay": "COA nareis kort",
    "coa.occupancy": "COA bezetting", "coa.permit_holder_share": "aandeel statushouders in COA", "coa.amv": "COA amv",
    "coa.housed": "gehuisveste statushouders",
    "coa.capacity_need": "capaciteitsbehoefte", "coa.capacity_need_amv": "capaciteitsbehoefte amv",
    "coa.spreidingswet_capacity": "capaciteit Spreidingswet", "coa.spreidingswet_shortfall": "tekort t.o.v. Spreidingswet",
    "ukraine.net_inflow": "Oekraïne netto instroom", "ukraine.stock": "Oekraïners", "ukraine.municipal_places": "gemeentelijke plekken Oekraïne",
}


def xlwings_template() -> Path:
    """The standalone quickstart workbook shipped with the pinned xlwings version."""
    try:
        installed = metadata.version("xlwings")
    except metadata.PackageNotFoundError:
        raise MppError(f"xlwings {XLWINGS_VERSION} is not installed: pip install xlwings=={XLWINGS_VERSION}") from None
    if installed != XLWINGS_VERSION:
        raise MppError(f"xlwings {installed} is installed but the workbook needs exactly {XLWINGS_VERSION}")
    spec = importlib.util.find_spec("xlwings")
    return Path(spec.origin).parent / "quickstart_standalone.xlsm"


def vba_project() -> bytes:
    with zipfile.ZipFile(xlwings_template()) as archive:
        return archive.read("xl/vbaProject.bin")


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
        header=wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True}),
        header_year=wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "num_format": "0"}),
        number=wb.add_format({**base, **out, "num_format": "#,##0"}),
        euro=wb.add_format({**base, **out, "num_format": "€ #,##0"}),
        percent=wb.add_format({**base, **out, "num_format": "0.0%"}),
        year=wb.add_format({**base, **out, "num_format": "0"}),
        date=wb.add_format({**base, **out, "num_format": "mmm yyyy"}),
        note=wb.add_format({**base, "italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"}),
        out_text=wb.add_format({**base, **out}),
    )


def _spill(ws, row: int, col: int, formula: str, table: list[list], fmt: Formats, body_format, first_format=None,
           column_formats=None):
    """Write a dynamic-array formula at (row, col) whose cached result is ``table`` (header row first); None is an
    empty cell (an undefined value); ``column_formats`` maps a column of the table to its own body format."""
    if len(table) == 1 and len(table[0]) == 1 and str(table[0][0]).startswith("Fout:"):
        raise MppError(f"the default run gives an error for {formula}: {table[0][0]}")
    last_row, last_col = row + len(table) - 1, col + len(table[0]) - 1
    top = table[0][0]
    ws.write_dynamic_array_formula(row, col, last_row, last_col, formula,
                                   fmt.header if isinstance(top, str) else body_format, top)
    for r, values in enumerate(table):
        for c, value in enumerate(values):
            if r == 0 and c == 0:
                continue
            if isinstance(value, str):
                ws.write_string(row + r, col + c, value, fmt.header if r == 0 else fmt.out_text)
                continue
            cell_format = first_format if (c == 0 and first_format is not None) else body_format
            cell_format = (column_formats or {}).get(c, cell_format)
            if r == 0:  # a year in a header row
                cell_format = fmt.header_year
            if value is None:
                ws.write_blank(row + r, col + c, None, cell_format)
            else:
                ws.write_number(row + r, col + c, value, cell_format)
    return last_row, last_col


def _share_columns(table: list[list], fmt: Formats) -> dict:
    """Columns of a projection table that hold a share (shown as a percentage)."""
    return {c: fmt.percent for c, name in enumerate(table[0]) if METRIC_UNITS.get(name) == "share"}


def _start_sheet(wb, ws, fmt: Formats, version_text: str) -> None:
    """Start: the choices every table follows (edition, window, measures), the version and how to use it."""
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 18)
    ws.set_column(2, 2, 30)
    ws.set_column(3, 3, 95)
    ws.write(0, 0, "mpp-xl: asielketen, dwangsommen en begroting uit de Meerjaren Productie Prognose", fmt.title)

    ws.write(2, 0, "Keuzes (gelden voor alle tabellen en grafieken)", fmt.h2)
    editions = list(excel_api.editions())
    ws.write(3, 0, "Editie (MPP)", fmt.text)
    ws.data_validation(3, 1, 3, 1, {"validate": "list", "source": editions})
    ws.write_string(3, 1, DEFAULT_EDITION, fmt.input)
    ws.merge_range(3, 2, 3, 3, "De instroomcijfers van deze MPP-editie; de andere aannames zijn die van MPP 2024-II. Een "
                   "editie zonder cijfer voor een scenario of jaar geeft een foutmelding: een gat wordt niet "
                   "ingevuld.", fmt.note)
    wb.define_name("KeuzeEditie", "=Start!$B$4")
    ws.write(4, 0, "Venster (jaren)", fmt.text)
    ws.write_string(4, 1, DEFAULT_WINDOW, fmt.input_text)
    ws.merge_range(4, 2, 4, 3, "Jaren van elk totaal en verschil (Dwangsommen, Begroting, Vergelijking), als JJJJ-JJJJ, "
                   "bijvoorbeeld 2026-2030 voor de Voorjaarsnota 2026; binnen 2022-2030.", fmt.note)
    wb.define_name("Venster", "=Start!$B$5")
    ws.set_row(3, 30)
    ws.set_row(4, 30)

    ws.write(6, 0, "Beleidsmaatregelen", fmt.h2)
    for col, name in enumerate(("toepassen (ja/nee)", "status", "beschrijving"), start=1):
        ws.write_string(6, col, name, fmt.header)
    catalogue = list(excel_api.measures().values())
    first = 7
    for row, measure in enumerate(catalogue, start=first):
        ws.write_string(row, 0, measure.name, fmt.out_text)
        ws.data_validation(row, 1, row, 1, {"validate": "list", "source": ["ja", "nee"]})
        ws.write_string(row, 1, SWITCH_DEFAULT, fmt.input)
        ws.write_string(row, 2, STATUS_NL.get(measure.status, measure.status), fmt.out_text)
        ws.write_string(row, 3, measure.description_nl, fmt.wrap)
    last = first + len(catalogue) - 1
    wb.define_name("Maatregelen", f"=Start!$A${first + 1}:$B${last + 1}")
    ws.merge_range(last + 1, 0, last + 1, 3, "ja = de maatregel geldt, in de volgorde van deze lijst (van boven naar "
                   "beneden), boven op de gekozen editie en onder de wijzigingen op Aannames. De MPP zelf is "
                   "beleidsneutraal; 'illustratief' betekent dat er geen gepubliceerd effect is: de cijfers zijn een "
                   "voorbeeld.", fmt.note)
    ws.set_row(last + 1, 30)

    row = last + 3
    ws.write(row, 0, "Versie en herkomst", fmt.h2)
    ws.write_dynamic_array_formula(row, 1, row, 1, "=MPP_VERSION(Aannames,KeuzeEditie,Maatregelen)", fmt.out_text,
                                   version_text)
    ws.write(row + 1, 0, "Invoer", fmt.text)
    ws.write(row + 1, 1, "gele cel: invoer", fmt.input)
    ws.write(row + 2, 0, "Uitvoer", fmt.text)
    ws.write(row + 2, 1, "blauwe cel: uitkomst van een functie", fmt.out_text)

    rows = [
        ("Wat is dit", "Een rekenmodel voor de Voorjaarsnota. Het zet de MPP-instroom (minimum, medio, maximum) om in "
                       "de hele asielketen: instroom per categorie, de IND-voorraad per indieningsmaand, beslissingen en "
                       "inwilligingen, de COA-bezetting en capaciteitsbehoefte, statushouders, amv en Oekraïners. Het "
                       "schat ook de dwangsommen die de IND kan verschuldigd zijn bij te late beslissingen, onder de "
                       "juridische varianten van de beslistermijn (6 maanden wettelijk; 15 maanden onder de drie WBV's), "
                       "en de bedragen per begrotingsregel (COA-opvang, Oekraïne, dwangsommen en proceskosten)."),
        ("Zo gebruikt u het", "1. Kies hierboven de editie, het venster en de maatregelen. 2. Pas gele invoercellen aan "
                              "op het blad Aannames (waarde, periode, bron). 3. Excel rekent opnieuw; alle tabellen en "
                              "grafieken volgen. 4. Kies scenario en variant met de keuzelijsten op de bladen Keten, "
                              "Dwangsommen, Begroting en Vergelijking. Een rij op Aannames die gelijk is aan de "
                              "ingebouwde standaard verandert niets; een gewijzigde rij overschrijft de standaard voor die "
                              "periode (zoals mpp-xl run --assumptions). Een verwijderde rij zet de standaard terug."),
        ("Invoer en uitvoer", "Gele cellen zijn invoer. Blauwe cellen zijn uitkomsten van de functies MPP_VERSION, "
                              "MPP_PROJECTION, MPP_PENALTIES, MPP_SUMMARY, MPP_BUDGET en MPP_COMPARE; overschrijf ze "
                              "niet. Zonder Python toont het bestand de uitkomsten van de standaardrun (MPP 2024-II, "
                              "venster 2024-2027, geen maatregelen)."),
        ("Eenmalig op Windows", "1. Installeer Python 3.11 en daarna dit pakket: pip install mpp-xl (of pip install -e . "
                                "in de map van het project); dat installeert ook xlwings " + XLWINGS_VERSION + ". "
                                "2. Open dit bestand en sta macro's toe. 3. Druk op Alt+F8 en voer ImportPythonUDFs uit "
                                "(eenmalig; opnieuw alleen als functienamen of argumenten wijzigen). 4. Druk op "
                                "Ctrl+Alt+F9 om alles opnieuw te berekenen. Instellingen staan op het blad xlwings.conf "
                                "(UDF Modules = mpp_xl.udfs; Interpreter_Win leeg = de python op het PATH)."),
        ("Foutmeldingen", "Een functie die niet kan rekenen toont één regel 'Fout: ...' met wat en waar (bijvoorbeeld "
                          "welke rij van Aannames, of een venster buiten 2022-2030). Details staan in "
                          + str(excel_api.LOG_FILE) + "."),
    ]
    for i, (label, text) in enumerate(rows, start=row + 4):
        ws.write(i, 0, label, fmt.h2)
        ws.merge_range(i, 1, i, 3, text, fmt.wrap)
        ws.set_row(i, 60)
    row = row + 4 + len(rows) + 1
    ws.write(row, 0, "Bron standaardaannames", fmt.h2)
    ws.merge_range(row, 1, row, 3, "MPP 2024-II (Kamerbrief 2 december 2024), IND- en COA-jaarcijfers; waar geen "
                   "publieke bron bestaat staat 'model assumption' met de reden in de kolom source. Edities: "
                   "de gepubliceerde instroomcijfers per MPP (mpp-xl editions).", fmt.wrap)
    ws.set_row(row, 35)


def _assumptions_sheet(ws, fmt: Formats, aset: AssumptionSet) -> int:
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
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, last, 6)
    return last


SELECTION = "KeuzeEditie,Maatregelen"  # the last two arguments of every formula: the choices on Start


def _selector(wb, ws, row: int, col: int, label: str, choices, default: str, name: str, fmt: Formats) -> None:
    """A label and a drop-down input cell at (row, col + 1) named ``name``."""
    ws.write(row, col, label, fmt.h2)
    ws.data_validation(row, col + 1, row, col + 1, {"validate": "list", "source": list(choices)})
    ws.write_string(row, col + 1, default, fmt.input)
    wb.define_name(name, f"={ws.name}!{xl_rowcol_to_cell(row, col + 1, row_abs=True, col_abs=True)}")


def _budget_sheet(wb, ws, fmt: Formats) -> None:
    """Begroting: budget lines per year of the window for the chosen scenario and variant, a chart per group."""
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 52)
    ws.set_column(2, 2 + N_YEARS, 17)
    ws.write(0, 0, "Begroting: bedragen per begrotingsregel (euro), per jaar van het venster en in totaal", fmt.title)
    ws.write(1, 0, "Editie, venster en maatregelen kiest u op Start. Prijzen en prijsindex staan op Aannames "
                   "(budget.*). Dwangsommen en proceskosten op kasbasis (betaald). Een lege cel: geen prijs bekend "
                   "(bv. het normbedrag Oekraïne vóór 2025); het totaal is dan ook leeg. De ODA-regel is een 'waarvan' "
                   "en telt niet mee in het totaal.", fmt.text)
    _selector(wb, ws, 3, 0, "Scenario:", SCENARIOS, DEFAULT_SCENARIO, "KeuzeScenarioBegroting", fmt)
    ws.write(3, 2, "Variant:", fmt.h2)
    ws.data_validation(3, 3, 3, 3, {"validate": "list", "source": list(NAMED_VARIANTS)})
    ws.write_string(3, 3, DEFAULT_BUDGET_VARIANT, fmt.input)
    wb.define_name("KeuzeVariantBegroting", "=Begroting!$D$4")
    top = 5
    table = excel_api.budget_table(DEFAULT_SCENARIO, DEFAULT_BUDGET_VARIANT, None, None)
    _spill(ws, top, 0, f"=MPP_BUDGET(KeuzeScenarioBegroting,KeuzeVariantBegroting,Venster,Aannames,{SELECTION})",
           table, fmt, fmt.euro, fmt.out_text, {1: fmt.out_text})
    # charts: years across from column D; they span every year of the horizon, so a longer window shows whole
    # (the window total stands before the years, in column C, and is not charted)
    first_year_col, last_year_col = 3, 3 + N_YEARS - 1
    row_of = {line: top + 1 + i for i, line in enumerate(LINES)}
    for i, (title, lines) in enumerate(excel_api.BUDGET_GROUPS.items()):
        chart = wb.add_chart({"type": "column", "subtype": "stacked"} if len(lines) > 1 else {"type": "column"})
        for line in lines:
            chart.add_series({"name": ["Begroting", row_of[line], 1],
                              "categories": ["Begroting", top, first_year_col, top, last_year_col],
                              "values": ["Begroting", row_of[line], first_year_col, row_of[line], last_year_col]})
        chart.set_title({"name": f"{title} per jaar (gekozen scenario en variant)"})
        chart.set_y_axis({"num_format": "€ #,##0", "name": "euro"})
        chart.set_legend({"position": "bottom"})
        ws.insert_chart(top + len(LINES) + 3 + 22 * i, 1, chart, {"x_scale": 1.6, "y_scale": 1.3})


def _compare_sheet(wb, ws, fmt: Formats) -> None:
    """Vergelijking: two editions side by side with deltas (B - A), for the chosen scenario and variant."""
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 50)
    ws.set_column(2, 2, 12)
    ws.set_column(3, 5, 18)
    ws.set_column(6, 6, 10)
    ws.write(0, 0, "Vergelijking van twee MPP-edities: de mutaties voor de Voorjaarsnota (verschil = B min A)",
             fmt.title)
    ws.write(1, 0, "De wijzigingen op Aannames, de maatregelen en het venster (Start) gelden voor beide edities. "
                   "Stromen per jaar, voorraden op 31 december, bedragen in euro; de rij met het venster (bv. "
                   "2024-2027) is het totaal daarover. Een lege cel: geen prijs bekend.", fmt.text)
    editions = list(excel_api.editions())
    _selector(wb, ws, 3, 0, "Editie A:", editions, DEFAULT_COMPARE[0], "KeuzeEditieA", fmt)
    ws.write(3, 2, "Editie B:", fmt.h2)
    ws.data_validation(3, 3, 3, 3, {"validate": "list", "source": editions})
    ws.write_string(3, 3, DEFAULT_COMPARE[1], fmt.input)
    wb.define_name("KeuzeEditieB", "=Vergelijking!$D$4")
    ws.write(4, 0, "Scenario:", fmt.h2)
    ws.data_validation(4, 1, 4, 1, {"validate": "list", "source": list(SCENARIOS)})
    ws.write_string(4, 1, DEFAULT_SCENARIO, fmt.input)
    wb.define_name("KeuzeScenarioVergelijking", "=Vergelijking!$B$5")
    ws.write(4, 2, "Variant:", fmt.h2)
    ws.data_validation(4, 3, 4, 3, {"validate": "list", "source": list(NAMED_VARIANTS)})
    ws.write_string(4, 3, DEFAULT_BUDGET_VARIANT, fmt.input)
    wb.define_name("KeuzeVariantVergelijking", "=Vergelijking!$D$5")
    top = 6
    table = excel_api.compare_table(*DEFAULT_COMPARE, "all", None, DEFAULT_SCENARIO, DEFAULT_BUDGET_VARIANT)
    _spill(ws, top, 0, "=MPP_COMPARE(KeuzeEditieA,KeuzeEditieB,\"all\",Aannames,KeuzeScenarioVergelijking,"
           "KeuzeVariantVergelijking,Venster,Maatregelen)", table, fmt, fmt.number, fmt.out_text,
           {1: fmt.out_text, 2: fmt.out_text, 6: fmt.out_text})

    def year_rows(code: str) -> tuple[int, int]:
        """First and last sheet row of a code's years (the rows do not depend on the choices: every edition has
        every code and year of the fixed horizon, and the window total comes after the years)."""
        rows = [top + i for i, r in enumerate(table) if r[0] == code and re.fullmatch(r"\d{4}(-12-31)?", r[2])]
        if not rows or rows != list(range(rows[0], rows[0] + N_YEARS)):
            raise MppError(f"the comparison table has no {N_YEARS} consecutive years of {code} to chart")
        return rows[0], rows[-1]

    for i, (code, title, axis, number) in enumerate((
            ("inflow.total", "Asielinstroom per jaar: editie A en B", "personen", "#,##0"),
            ("budget.coa.total", "COA-opvang per jaar (begroting): editie A en B", "euro", "€ #,##0"))):
        first, last = year_rows(code)
        chart = wb.add_chart({"type": "column"})
        for col in (3, 4):
            chart.add_series({"name": ["Vergelijking", top, col], "categories": ["Vergelijking", first, 2, last, 2],
                              "values": ["Vergelijking", first, col, last, col]})
        chart.set_title({"name": title + " (gekozen scenario en variant)"})
        chart.set_y_axis({"num_format": number, "name": axis})
        chart.set_legend({"position": "bottom"})
        ws.insert_chart(top + 1 + 22 * i, 8, chart, {"x_scale": 1.5, "y_scale": 1.3})


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
    sheets = {name: wb.add_worksheet(name) for name in ("Aannames", "Instroom", "Keten", "Dwangsommen", "Begroting",
                                                         "Vergelijking", "Grafieken")}
    conf = wb.add_worksheet("xlwings.conf")
    conf.set_vba_name("Sheet2")
    for i, name in enumerate(sheets, start=3):
        sheets[name].set_vba_name(f"Sheet{i}")

    last = _assumptions_sheet(sheets["Aannames"], fmt, aset)
    wb.define_name("Aannames", f"=Aannames!$A$1:$G${last + 1}")
    A = "Aannames"
    _start_sheet(wb, start, fmt, excel_api.version_table(None)[0][0])

    # Instroom: yearly totals per scenario, per category for the chosen scenario, monthly totals for the chart
    ws = sheets["Instroom"]
    ws.set_column(0, 0, 12)
    ws.set_column(1, 8, 16)
    ws.write(0, 0, "Instroom per scenario (personen)", fmt.title)
    ws.write(2, 0, "Per jaar, totaal", fmt.h2)
    yearly = excel_api.projection_table("inflow.total", "all", None, "jaar")
    end_row, _ = _spill(ws, 3, 0, f'=MPP_PROJECTION("inflow.total","all",{A},"jaar",{SELECTION})', yearly, fmt,
                        fmt.number, fmt.year)
    cat_row = end_row + 3
    ws.write(cat_row - 1, 0, "Per categorie voor scenario:", fmt.h2)
    ws.data_validation(cat_row - 1, 2, cat_row - 1, 2, {"validate": "list", "source": list(SCENARIOS)})
    ws.write_string(cat_row - 1, 2, DEFAULT_SCENARIO, fmt.input)
    wb.define_name("KeuzeScenarioInstroom", f"=Instroom!$C${cat_row}")
    categories = excel_api.projection_table("inflow.*", DEFAULT_SCENARIO, None, "jaar")
    end_row, _ = _spill(ws, cat_row, 0, f'=MPP_PROJECTION("inflow.*",KeuzeScenarioInstroom,{A},"jaar",{SELECTION})',
                        categories, fmt, fmt.number, fmt.year)
    month_row = end_row + 3
    ws.write(month_row - 1, 0, "Per maand, totaal (voor de grafiek)", fmt.h2)
    monthly = excel_api.projection_table("inflow.total", "all", None, "maand")
    inflow_end, _ = _spill(ws, month_row, 0, f'=MPP_PROJECTION("inflow.total","all",{A},"maand",{SELECTION})',
                           monthly, fmt, fmt.number, fmt.date)

    # Keten: the chosen scenario's chain per year, and COA per month for the chart
    ws = sheets["Keten"]
    ws.write(0, 0, "Ketenprojectie per jaar, variant base (stromen: jaartotaal; voorraden en aandelen: stand op "
                   "31 december)", fmt.title)
    ws.write(2, 0, "Scenario:", fmt.h2)
    ws.data_validation(2, 1, 2, 1, {"validate": "list", "source": list(SCENARIOS)})
    ws.write_string(2, 1, DEFAULT_SCENARIO, fmt.input)
    wb.define_name("KeuzeScenario", "=Keten!$B$3")
    ws.set_column(0, 0, 12)
    ws.set_column(1, len(METRIC_UNITS), 15)
    ws.write(4, 0, "omschrijving", fmt.h2)
    for col, metric in enumerate(METRIC_UNITS, start=1):
        ws.write_string(4, col, f"{METRIC_LABELS_NL[metric]} ({METRIC_UNITS[metric]})", fmt.wrap)
    ws.set_row(4, 75)
    chain = excel_api.projection_table("all", DEFAULT_SCENARIO, None, "jaar")
    end_row, _ = _spill(ws, 5, 0, f'=MPP_PROJECTION("all",KeuzeScenario,{A},"jaar",{SELECTION})', chain, fmt,
                        fmt.number, fmt.year, _share_columns(chain, fmt))
    coa_row = end_row + 3
    ws.write(coa_row - 1, 0, "COA per maand voor het gekozen scenario (voor de grafiek)", fmt.h2)
    coa = excel_api.projection_table("coa.*", DEFAULT_SCENARIO, None, "maand")
    coa_end, _ = _spill(ws, coa_row, 0, f'=MPP_PROJECTION("coa.*",KeuzeScenario,{A},"maand",{SELECTION})', coa, fmt,
                        fmt.number, fmt.date, _share_columns(coa, fmt))
    coa_cols = coa[0]

    # Dwangsommen: headline, all scenarios x variants per year, the chosen scenario, the chosen detail; every
    # per-year table ends in the total over the window chosen on Start
    ws = sheets["Dwangsommen"]
    ws.set_column(0, 0, 16)
    ws.set_column(1, 16, 18)
    ws.write(0, 0, "Dwangsommen en proceskosten (euro; verschil = variant min base)", fmt.title)
    ws.write(1, 0, f"Bedragen staan in het jaar waarin ze ontstaan; '{excel_api.PAID_LABEL}' staat in het jaar van "
                   "betaling (penalty.payment_lag_months later). Totalen over het venster dat u op Start kiest.",
             fmt.text)
    ws.write(2, 0, "Totaal over het venster per scenario en variant", fmt.h2)
    summary = excel_api.summary_table(None)
    end_row, _ = _spill(ws, 3, 0, f"=MPP_SUMMARY({A},Venster,{SELECTION})", summary, fmt, fmt.euro)
    row = end_row + 3
    ws.write(row - 1, 0, "Per jaar, alle scenario's en varianten", fmt.h2)
    every = excel_api.penalties_table("all", "all", None)
    end_row, _ = _spill(ws, row, 0, f'=MPP_PENALTIES("all","all",{A},Venster,{SELECTION})', every, fmt, fmt.euro,
                        fmt.year)
    row = end_row + 3
    ws.write(row - 2, 0, "Scenario:", fmt.h2)
    ws.data_validation(row - 2, 1, row - 2, 1, {"validate": "list", "source": list(SCENARIOS)})
    ws.write_string(row - 2, 1, DEFAULT_SCENARIO, fmt.input)
    wb.define_name("KeuzeScenarioDwangsom", f"=Dwangsommen!$B${row - 1}")
    ws.write(row - 2, 2, "Variant:", fmt.h2)
    ws.data_validation(row - 2, 3, row - 2, 3, {"validate": "list", "source": list(NAMED_VARIANTS)})
    ws.write_string(row - 2, 3, DEFAULT_VARIANT, fmt.input)
    wb.define_name("KeuzeVariant", f"=Dwangsommen!$D${row - 1}")
    ws.write(row - 1, 0, "Per jaar voor het gekozen scenario, alle varianten", fmt.h2)
    chosen = excel_api.penalties_table(DEFAULT_SCENARIO, "all", None)
    chosen_row = row
    _spill(ws, row, 0, f'=MPP_PENALTIES(KeuzeScenarioDwangsom,"all",{A},Venster,{SELECTION})', chosen, fmt, fmt.euro,
           fmt.year)
    chosen_years_end = chosen_row + N_YEARS  # the chart shows the years, not the window total below them
    row = chosen_row + len(chosen) + 2
    ws.write(row - 1, 0, "Per jaar en spoor voor het gekozen scenario en de gekozen variant", fmt.h2)
    detail = excel_api.penalties_table(DEFAULT_SCENARIO, DEFAULT_VARIANT, None)
    counts = {c: fmt.number for c, name in enumerate(detail[0]) if name in excel_api.COUNT_LABELS.values()}
    _spill(ws, row, 0, f"=MPP_PENALTIES(KeuzeScenarioDwangsom,KeuzeVariant,{A},Venster,{SELECTION})", detail, fmt,
           fmt.euro, fmt.year, counts)

    _budget_sheet(wb, sheets["Begroting"], fmt)
    _compare_sheet(wb, sheets["Vergelijking"], fmt)

    # Grafieken
    ws = sheets["Grafieken"]
    ws.write(0, 0, "Grafieken (volgen de keuzes op Start en op de bladen Instroom, Keten en Dwangsommen; de "
                   "begrotingsgrafieken staan op Begroting en Vergelijking)", fmt.title)
    first, final = month_row + 1, inflow_end
    chart = wb.add_chart({"type": "line"})
    for col, name in enumerate(SCENARIOS, start=1):
        chart.add_series({"name": name, "categories": ["Instroom", first, 0, final, 0],
                          "values": ["Instroom", first, col, final, col]})
    chart.set_title({"name": "Asielinstroom per maand: minimum, medio, maximum"})
    chart.set_x_axis({"date_axis": True, "num_format": "yyyy"})
    chart.set_y_axis({"num_format": "#,##0", "name": "personen per maand"})
    ws.insert_chart(2, 0, chart, {"x_scale": 1.6, "y_scale": 1.3})

    chart = wb.add_chart({"type": "line"})
    for key, label in (("coa.occupancy", "bezetting"), ("coa.capacity_need", "capaciteitsbehoefte"),
                       ("coa.spreidingswet_capacity", "Spreidingswet 96.000")):
        col = coa_cols.index(key)
        chart.add_series({"name": label, "categories": ["Keten", coa_row + 1, 0, coa_end, 0],
                          "values": ["Keten", coa_row + 1, col, coa_end, col],
                          **({"line": {"dash_type": "dash", "color": "#C00000"}} if "spreidingswet" in key else {})})
    chart.set_title({"name": "COA-bezetting en capaciteitsbehoefte (gekozen scenario)"})
    chart.set_x_axis({"date_axis": True, "num_format": "yyyy"})
    chart.set_y_axis({"num_format": "#,##0", "name": "plaatsen"})
    ws.insert_chart(24, 0, chart, {"x_scale": 1.6, "y_scale": 1.3})

    chart = wb.add_chart({"type": "column"})
    for col, name in enumerate(chosen[0][1:len(NAMED_VARIANTS) + 1], start=1):
        chart.add_series({"name": name.split(" ", 1)[1],
                          "categories": ["Dwangsommen", chosen_row + 1, 0, chosen_years_end, 0],
                          "values": ["Dwangsommen", chosen_row + 1, col, chosen_years_end, col]})
    chart.set_title({"name": "Dwangsommen en kosten per jaar per variant (gekozen scenario)"})
    chart.set_y_axis({"num_format": "€ #,##0", "name": "euro"})
    ws.insert_chart(46, 0, chart, {"x_scale": 1.6, "y_scale": 1.3})

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
