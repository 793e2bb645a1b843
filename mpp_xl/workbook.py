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
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import xlsxwriter

from . import __version__, excel_api
from .assumptions import COLUMNS, SCENARIOS, AssumptionSet
from .chain import METRIC_UNITS
from .errors import MppError
from .output import atomic_write_many
from .variants import NAMED_VARIANTS

XLWINGS_VERSION = "0.37.8"
FIXED_DATE = dt.datetime(2024, 12, 2)  # the MPP 2024-II letter; a fixed date keeps builds byte-identical
SPARE_ROWS = 60  # empty rows in the assumptions table for the user's own records
DEFAULT_SCENARIO, DEFAULT_VARIANT = "medio", "all_undone"
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
    header: object
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
        header=wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True}),
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
            if value is None:
                ws.write_blank(row + r, col + c, None, cell_format)
            else:
                ws.write_number(row + r, col + c, value, cell_format)
    return last_row, last_col


def _share_columns(table: list[list], fmt: Formats) -> dict:
    """Columns of a projection table that hold a share (shown as a percentage)."""
    return {c: fmt.percent for c, name in enumerate(table[0]) if METRIC_UNITS.get(name) == "share"}


def _start_sheet(ws, fmt: Formats, version_text: str):
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 110)
    ws.write(0, 0, "mpp-xl: asielketen en dwangsommen uit de Meerjaren Productie Prognose", fmt.title)
    rows = [
        ("Wat is dit", "Een rekenmodel voor de Voorjaarsnota. Het zet de MPP-instroom (minimum, medio, maximum) om in "
                       "de hele asielketen: instroom per categorie, de IND-voorraad per indieningsmaand, beslissingen en "
                       "inwilligingen, de COA-bezetting en capaciteitsbehoefte, statushouders, amv en Oekraïners. Het "
                       "schat ook de dwangsommen die de IND kan verschuldigd zijn bij te late beslissingen, onder de "
                       "juridische varianten van de beslistermijn (6 maanden wettelijk; 15 maanden onder de drie WBV's)."),
        ("Zo gebruikt u het", "1. Pas gele invoercellen aan op het blad Aannames (waarde, periode, bron). "
                              "2. Excel rekent opnieuw; alle tabellen en grafieken volgen. 3. Kies scenario en variant "
                              "met de keuzelijsten op de bladen Keten en Dwangsommen. Een rij op Aannames die gelijk is "
                              "aan de ingebouwde standaard verandert niets; een gewijzigde rij overschrijft de standaard "
                              "voor die periode (zoals mpp-xl run --assumptions). Een verwijderde rij zet de standaard "
                              "terug."),
        ("Invoer en uitvoer", "Gele cellen zijn invoer. Blauwe cellen zijn uitkomsten van de functies MPP_VERSION, "
                              "MPP_PROJECTION, MPP_PENALTIES en MPP_SUMMARY; overschrijf ze niet. Zonder Python toont "
                              "het bestand de uitkomsten van de standaardrun."),
        ("Eenmalig op Windows", "1. Installeer Python 3.11 en daarna dit pakket: pip install mpp-xl (of pip install -e . "
                                "in de map van het project); dat installeert ook xlwings " + XLWINGS_VERSION + ". "
                                "2. Open dit bestand en sta macro's toe. 3. Druk op Alt+F8 en voer ImportPythonUDFs uit "
                                "(eenmalig; opnieuw alleen als functienamen of argumenten wijzigen). 4. Druk op "
                                "Ctrl+Alt+F9 om alles opnieuw te berekenen. Instellingen staan op het blad xlwings.conf "
                                "(UDF Modules = mpp_xl.udfs; Interpreter_Win leeg = de python op het PATH)."),
        ("Foutmeldingen", "Een functie die niet kan rekenen toont één regel 'Fout: ...' met wat en waar (bijvoorbeeld "
                          "welke rij van Aannames). Details staan in " + str(excel_api.LOG_FILE) + "."),
    ]
    for i, (label, text) in enumerate(rows, start=2):
        ws.write(i, 0, label, fmt.h2)
        ws.write(i, 1, text, fmt.wrap)
        ws.set_row(i, 75)
    row = len(rows) + 3
    ws.write(row, 0, "Versie en herkomst", fmt.h2)
    ws.write_dynamic_array_formula(row, 1, row, 1, "=MPP_VERSION(Aannames)", fmt.out_text, version_text)
    ws.write(row + 1, 0, "Invoer", fmt.text)
    ws.write(row + 1, 1, "gele cel: invoer", fmt.input)
    ws.write(row + 2, 0, "Uitvoer", fmt.text)
    ws.write(row + 2, 1, "blauwe cel: uitkomst van een functie", fmt.out_text)
    ws.write(row + 4, 0, "Bron standaardaannames", fmt.h2)
    ws.write(row + 4, 1, "MPP 2024-II (Kamerbrief 2 december 2024), IND- en COA-jaarcijfers; waar geen publieke bron "
                         "bestaat staat 'model assumption' met de reden in de kolom source.", fmt.wrap)
    ws.set_row(row + 4, 35)


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


def build_workbook_bytes() -> bytes:
    """The workbook as bytes: the same inputs give the same bytes."""
    excel_api.clear_caches()
    aset = excel_api.default_set()
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    wb.set_properties({"title": "mpp-xl", "subject": "MPP-ketenprojectie en dwangsommen", "author": "mpp-xl",
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
    sheets = {name: wb.add_worksheet(name) for name in ("Aannames", "Instroom", "Keten", "Dwangsommen", "Grafieken")}
    conf = wb.add_worksheet("xlwings.conf")
    conf.set_vba_name("Sheet2")
    for i, name in enumerate(sheets, start=3):
        sheets[name].set_vba_name(f"Sheet{i}")

    last = _assumptions_sheet(sheets["Aannames"], fmt, aset)
    wb.define_name("Aannames", f"=Aannames!$A$1:$G${last + 1}")
    A = "Aannames"
    _start_sheet(start, fmt, excel_api.version_table(None)[0][0])

    # Instroom: yearly totals per scenario, per category for the chosen scenario, monthly totals for the chart
    ws = sheets["Instroom"]
    ws.set_column(0, 0, 12)
    ws.set_column(1, 8, 16)
    ws.write(0, 0, "Instroom per scenario (personen)", fmt.title)
    ws.write(2, 0, "Per jaar, totaal", fmt.h2)
    yearly = excel_api.projection_table("inflow.total", "all", None, "jaar")
    end_row, _ = _spill(ws, 3, 0, f'=MPP_PROJECTION("inflow.total","all",{A},"jaar")', yearly, fmt, fmt.number,
                        fmt.year)
    cat_row = end_row + 3
    ws.write(cat_row - 1, 0, "Per categorie voor scenario:", fmt.h2)
    ws.data_validation(cat_row - 1, 2, cat_row - 1, 2, {"validate": "list", "source": list(SCENARIOS)})
    ws.write_string(cat_row - 1, 2, DEFAULT_SCENARIO, fmt.input)
    wb.define_name("KeuzeScenarioInstroom", f"=Instroom!$C${cat_row}")
    categories = excel_api.projection_table("inflow.*", DEFAULT_SCENARIO, None, "jaar")
    end_row, _ = _spill(ws, cat_row, 0, f'=MPP_PROJECTION("inflow.*",KeuzeScenarioInstroom,{A},"jaar")',
                        categories, fmt, fmt.number, fmt.year)
    month_row = end_row + 3
    ws.write(month_row - 1, 0, "Per maand, totaal (voor de grafiek)", fmt.h2)
    monthly = excel_api.projection_table("inflow.total", "all", None, "maand")
    inflow_end, _ = _spill(ws, month_row, 0, f'=MPP_PROJECTION("inflow.total","all",{A},"maand")', monthly, fmt,
                           fmt.number, fmt.date)

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
    end_row, _ = _spill(ws, 5, 0, f'=MPP_PROJECTION("all",KeuzeScenario,{A},"jaar")', chain, fmt, fmt.number, fmt.year,
                        _share_columns(chain, fmt))
    coa_row = end_row + 3
    ws.write(coa_row - 1, 0, "COA per maand voor het gekozen scenario (voor de grafiek)", fmt.h2)
    coa = excel_api.projection_table("coa.*", DEFAULT_SCENARIO, None, "maand")
    coa_end, _ = _spill(ws, coa_row, 0, f'=MPP_PROJECTION("coa.*",KeuzeScenario,{A},"maand")', coa, fmt, fmt.number,
                        fmt.date, _share_columns(coa, fmt))
    coa_cols = coa[0]

    # Dwangsommen: headline, all scenarios x variants per year, the chosen scenario, the chosen detail
    ws = sheets["Dwangsommen"]
    ws.set_column(0, 0, 14)
    ws.set_column(1, 16, 18)
    ws.write(0, 0, "Dwangsommen en proceskosten (euro; verschil = variant min base)", fmt.title)
    ws.write(1, 0, f"Bedragen staan in het jaar waarin ze ontstaan; '{excel_api.PAID_LABEL}' staat in het jaar van "
                   "betaling (penalty.payment_lag_months later).", fmt.text)
    ws.write(2, 0, "Totaal 2024-2027 per scenario en variant", fmt.h2)
    summary = excel_api.summary_table(None)
    end_row, _ = _spill(ws, 3, 0, f"=MPP_SUMMARY({A})", summary, fmt, fmt.euro)
    row = end_row + 3
    ws.write(row - 1, 0, "Per jaar, alle scenario's en varianten", fmt.h2)
    every = excel_api.penalties_table("all", "all", None)
    end_row, _ = _spill(ws, row, 0, f'=MPP_PENALTIES("all","all",{A})', every, fmt, fmt.euro, fmt.year)
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
    chosen_end, _ = _spill(ws, row, 0, f'=MPP_PENALTIES(KeuzeScenarioDwangsom,"all",{A})', chosen, fmt, fmt.euro,
                           fmt.year)
    row = chosen_end + 3
    ws.write(row - 1, 0, "Per jaar en spoor voor het gekozen scenario en de gekozen variant", fmt.h2)
    detail = excel_api.penalties_table(DEFAULT_SCENARIO, DEFAULT_VARIANT, None)
    counts = {c: fmt.number for c, name in enumerate(detail[0]) if name in excel_api.COUNT_LABELS.values()}
    _spill(ws, row, 0, f"=MPP_PENALTIES(KeuzeScenarioDwangsom,KeuzeVariant,{A})", detail, fmt, fmt.euro, fmt.year,
           counts)

    # Grafieken
    ws = sheets["Grafieken"]
    ws.write(0, 0, "Grafieken (volgen de keuzes op de bladen Instroom, Keten en Dwangsommen)", fmt.title)
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
        chart.add_series({"name": name.split(" ", 1)[1], "categories": ["Dwangsommen", chosen_row + 1, 0, chosen_end, 0],
                          "values": ["Dwangsommen", chosen_row + 1, col, chosen_end, col]})
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
