"""Every message a user can see in a cell of the workbook, in both languages, in one catalogue.

An entry holds the English text as the core raises it (``en``: the command line shows it as it is), the
Dutch text the cell shows (``nl``) and a real example of the English text. Templates are literal text with
fields in braces; a field may name a kind after a colon:

- ``{name}``: kept as it is (a value, a parameter name, a date); never empty;
- ``{name:int}``: digits; ``{name:num}``: a number written with English separators (``1,234.5``), shown in
  Dutch (``1.234,5``);
- ``{name:arg}``: the name of a function argument (``window`` -> ``venster``);
- ``{name:hint}``: the optional ``(did you mean 'x'?)`` that follows an unknown name;
- ``{name:origin}``: where a record came from (``Aannames row 7`` -> ``Aannames rij 7``);
- ``{name:msg}``: a message of its own, translated by the same catalogue (the reason after
  ``Aannames, row 5, column 'value':``); ``{name:msg_opt}`` the same, or nothing.

``to_dutch`` finds the first entry whose English template matches the whole message and writes the Dutch
template with the same fields; a message no entry matches stays as it is (the tests keep that from
happening for every message they can provoke). The Excel layer raises its own messages through
``english(key, ...)``, so their English text lives here and nowhere else; the core's modules write theirs
inline, and the tests check each of those against the core's real output.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Message(NamedTuple):
    key: str
    en: str
    nl: str
    example: str  # an English message as the core (or the Excel layer) raises it


# function arguments as the cell messages name them (English as the code names them, Dutch as the workbook)
ARGUMENTS = {"metric": "reeks", "scenario": "scenario", "variant": "variant", "frequency": "frequentie",
             "window": "venster", "edition": "editie", "measures": "maatregelen", "what": "wat",
             "assumptions": "aannames", "a": "a", "b": "b", "paths": "paden", "seed": "startgetal",
             "percentiles": "percentielen", "target": "uitkomst"}

M = Message
CATALOGUE: tuple[Message, ...] = (
    # ------------------------------------------------------------ the arguments of the Excel functions
    M("both_all", "metric and scenario cannot both be 'all': choose one metric or one scenario",
      "reeks en scenario kunnen niet allebei 'all' zijn: kies één reeks of één scenario",
      "metric and scenario cannot both be 'all': choose one metric or one scenario"),
    M("window_format", "window '{text}': write it as YYYY-YYYY, e.g. 2026-2030",
      "venster '{text}': schrijf het als JJJJ-JJJJ, bijvoorbeeld 2026-2030",
      "window '2026/2030': write it as YYYY-YYYY, e.g. 2026-2030"),
    M("window_reversed", "window {window}: ends before it starts", "venster {window}: eindigt voordat het begint",
      "window 2030-2026: ends before it starts"),
    M("window_outside", "window {window} lies outside the horizon {horizon} (a window needs whole years on it)",
      "venster {window} ligt buiten de horizon {horizon} (een venster bestaat uit hele jaren binnen de horizon)",
      "window 2020-2024 lies outside the horizon 2022-01..2030-12 (a window needs whole years on it)"),
    M("window_no_year", "window {window}: no year of it lies on the horizon",
      "venster {window}: geen jaar ervan ligt binnen de horizon",
      "window 2031-2032: no year of it lies on the horizon"),
    M("edition_gap", "edition {title} publishes no {scenario} inflow for {year} (gaps stay gaps); it has {coverage}: "
                     "choose other scenarios or another edition",
      "editie {title} publiceert geen {scenario} instroom voor {year} (ontbrekende cijfers worden niet bedacht); "
      "cijfers zijn er voor {coverage}: kies een andere editie",
      "edition MPP 2023-II publishes no medio inflow for 2024 (gaps stay gaps); it has 2023: min medio max; "
      "2024: min max: choose other scenarios or another edition"),
    M("measures_row", "measures, row {row:int}: {reason:msg}", "maatregelen, rij {row}: {reason}",
      "measures, row 1: 'misschien' is not ja or nee"),
    M("measures_clash", "measures: measures {a} and {b} both set {parameter} from {date}: apply one of them",
      "maatregelen: {a} en {b} zetten allebei {parameter} vanaf {date}: zet er één op nee",
      "measures: measures nareisrem and nareisrem_light both set ind.nareis.delayed_share from 2026-01-01: "
      "apply one of them"),
    M("measure_both", "measure {name} is also listed in row {first:int} with the other switch (ja/nee): keep one row",
      "maatregel {name} staat ook in rij {first} met de andere keuze (ja/nee): houd één rij over",
      "measure nareisrem is also listed in row 1 with the other switch (ja/nee): keep one row"),
    M("measure_twice", "measures: measure {name} is given twice", "maatregelen: {name} staat er twee keer in",
      "measures: measure nareisrem is given twice"),
    M("cell", "{where}, row {row:int}, column '{column}': {reason:msg}",
      "{where}, rij {row}, kolom '{column}': {reason}",
      "Aannames, row 5, column 'value': 'veel' is not a number"),
    M("header", "{where}: header must contain {columns}; missing column '{column}'",
      "{where}: de kopregel moet bevatten: {columns}; ontbrekende kolom '{column}'",
      "Aannames: header must contain parameter,scenario,from,to,value,unit,source; missing column 'parameter'"),
    M("table_empty", "{where}: the table is empty; expected the header {columns}",
      "{where}: de tabel is leeg; verwacht de kopregel {columns}",
      "Aannames: the table is empty; expected the header parameter,scenario,from,to,value,unit,source"),
    M("overlap", "{origin:origin}: period {start}..{end} of {parameter} ({scenario}) overlaps {other:origin} "
                 "({other_start}..{other_end})",
      "{origin}: periode {start}..{end} van {parameter} ({scenario}) overlapt met {other} ({other_start}..{other_end})",
      "Aannames row 9: period 2025-01-01..2025-12-31 of ind.capacity.asylum (all) overlaps Aannames row 8 "
      "(2025-01-01..9999-12-31)"),
    M("unknown_column", "{where}: unknown column '{column}'{hint:msg_opt}; the columns are {columns}",
      "{where}: onbekende kolom '{column}'{hint}; de kolommen zijn {columns}",
      "Aannames: unknown column 'bron'; the columns are parameter,scenario,from,to,value,unit,source"),
    M("annual_total_history", "{origin:origin}: inflow.total_annual for {year} has no effect: {year} is realised "
                              "history (history.inflow.*); change the history records instead",
      "{origin}: inflow.total_annual voor {year} heeft geen effect: {year} ligt in de gerealiseerde instroom "
      "(history.inflow.*); wijzig daar de cijfers",
      "Aannames row 7: inflow.total_annual for 2023 has no effect: 2023 is realised history (history.inflow.*); "
      "change the history records instead"),
    M("needs_from", "{origin:origin}: {name} needs a 'from' date: the day the stock was counted",
      "{origin}: {name} heeft een datum in 'from' nodig: de dag waarop de voorraad is geteld",
      "workbook Aannames row 40: ukraine.stock_anchor needs a 'from' date: the day the stock was counted"),
    M("argument", "{arg:arg}: {reason:msg}", "{arg}: {reason}", "scenario: required value is empty"),

    # ------------------------------------------------------------ reasons (after an argument or a cell)
    M("required", "required value is empty", "verplichte waarde ontbreekt", "required value is empty"),
    M("excel_error", "the cell holds the Excel error {value}", "de cel bevat de Excel-fout {value}",
      "the cell holds the Excel error #N/A"),
    M("expected_text", "expected text, got the number {value}", "verwacht tekst, maar kreeg het getal {value}",
      "expected text, got the number 3.0"),
    M("one_cell", "expected one cell, got a range of {count:int}",
      "verwacht één cel, maar kreeg een bereik van {count}",
      "expected one cell, got a range of 2"),
    M("scenario_in_table", "unknown scenario '{name}'{hint:hint}; use one of {choices}",
      "onbekend scenario '{name}'{hint}; kies uit {choices}",
      "unknown scenario 'mediu' (did you mean 'medio'?); use one of min, medio, max, all"),
    M("unknown_scenario", "unknown scenario '{name}'{hint:hint}; use {choices}",
      "onbekend scenario '{name}'{hint}; kies {choices}",
      "unknown scenario 'mediu' (did you mean 'medio'?); use min, medio, max, all"),
    M("unknown_variant", "unknown variant '{name}'{hint:hint}; use {choices} or all",
      "onbekende variant '{name}'{hint}; kies {choices} of all",
      "unknown variant 'all_undon' (did you mean 'all_undone'?); use base, all_undone, first_holds or all"),
    M("variant_not_all", "'all' is not possible here; use {choices}", "'all' kan hier niet; kies {choices}",
      "'all' is not possible here; use base, all_undone, first_holds"),
    M("unknown_metric", "unknown metric '{name}'{hint:hint}", "onbekende reeks '{name}'{hint}",
      "unknown metric 'coa.bezetting'"),
    M("unknown_backtest", "unknown backtest metric '{name}'{hint:hint}; use {choices}",
      "onbekende terugblikreeks '{name}'{hint}; kies {choices}",
      "unknown backtest metric 'inflow' (did you mean 'inflow.total'?); use inflow.total, "
      "coa.capacity_need_vs_occupancy"),
    M("band_metric", "unknown band metric '{name}'{hint:hint}; use {choices}",
      "onbekende bandreeks '{name}'{hint}; kies {choices}",
      "unknown band metric 'coa.need' (did you mean 'coa.capacity_need'?); use ind.pending.asylum, coa.capacity_need"),
    M("band_variant", "unknown variant '{name}'{hint:hint}; use {choices}",
      "onbekende variant '{name}'{hint}; kies {choices}",
      "unknown variant 'alle' (did you mean 'all_undone'?); use base, all_undone, first_holds"),
    M("tornado_target", "unknown sensitivity target '{name}'{hint:hint}; use {choices}",
      "onbekende uitkomst '{name}'{hint}; kies {choices}",
      "unknown sensitivity target 'coa' (did you mean 'coa.capacity_need.2026-01-01'?); use "
      "coa.capacity_need.2026-01-01, penalty.window_total_eur"),
    M("whole_number", "'{value}' is not a whole number from {low:num} to {high:num}",
      "'{value}' is geen geheel getal van {low} tot en met {high}", "'0' is not a whole number from 1 to 20,000"),
    M("percentile", "'{value}' is not a percentile from 0 to 100", "'{value}' is geen percentiel van 0 tot en met 100",
      "'150' is not a percentile from 0 to 100"),
    M("percentiles_many", "{count:num} percentiles; give at most {limit:int}",
      "{count} percentielen; geef er hoogstens {limit}", "20,001 percentiles; give at most 101"),
    M("percentile_separator", "'{value}': separate percentiles with ; (e.g. 5;50;95)",
      "'{value}': scheid percentielen met ; (bv. 5;50;95)", "'5,95': separate percentiles with ; (e.g. 5;50;95)"),
    M("percentile_fractions", "{values} look like fractions: give percentiles from 0 to 100 (e.g. 5;50;95)",
      "{values} lijken fracties: geef percentielen van 0 tot en met 100 (bv. 5;50;95)",
      "0.05;0.5;0.95 look like fractions: give percentiles from 0 to 100 (e.g. 5;50;95)"),
    M("backtest_what", "'{name}' is not panel or summary", "'{name}' is niet panel (paneel) of summary (samenvatting)",
      "'tabel' is not panel or summary"),
    M("frequency", "'{name}' is not one of maand, jaar (month, year)", "'{name}' is niet maand of jaar",
      "'week' is not one of maand, jaar (month, year)"),
    M("unknown_comparison", "unknown comparison '{name}'{hint:hint}; use all or one of {choices}",
      "onbekende vergelijking '{name}'{hint}; kies all of een van {choices}",
      "unknown comparison 'coa.need' (did you mean 'coa.capacity_need'?); use all or one of inflow.total, "
      "coa.capacity_need"),
    M("table_shape", "expected the {range} table with {count:int} columns ({columns}) including its header row, got a "
                     "single cell or row",
      "verwacht de tabel {range} met {count} kolommen ({columns}) met de kopregel, maar kreeg één cel of rij",
      "expected the Aannames table with 7 columns (parameter,scenario,from,to,value,unit,source) including its "
      "header row, got a single cell or row"),
    M("table_narrow", "the {range} table needs {count:int} columns ({columns}), got {got:int}",
      "de tabel {range} heeft nodig: {count} kolommen ({columns}), kreeg {got}",
      "the Aannames table needs 7 columns (parameter,scenario,from,to,value,unit,source), got 3"),
    M("unknown_edition", "unknown edition '{name}'{hint:hint}; available: {choices} (mpp-xl editions lists them)",
      "onbekende editie '{name}'{hint}; beschikbaar: {choices} (zie de keuzelijst Editie op Start)",
      "unknown edition 'mpp-2024-III' (did you mean 'mpp-2024-II'?); available: mpp-2024-I, mpp-2024-II "
      "(mpp-xl editions lists them)"),
    M("unknown_measure", "unknown measure '{name}'{hint:hint}; available: {choices} (mpp-xl measures lists them)",
      "onbekende maatregel '{name}'{hint}; beschikbaar: {choices} (zie de maatregelen op Start)",
      "unknown measure 'nareisrm' (did you mean 'nareisrem'?); available: nareisrem (mpp-xl measures lists them)"),
    M("switch", "'{value}' is not ja or nee", "'{value}' is niet ja of nee", "'misschien' is not ja or nee"),
    M("measure_number", "expected a measure name, got the number {value}",
      "verwacht de naam van een maatregel, maar kreeg het getal {value}",
      "expected a measure name, got the number 2.0"),
    M("unknown_parameter", "unknown parameter '{name}'{hint:hint}", "onbekende parameter '{name}'{hint}",
      "unknown parameter 'ind.capacity.asylun' (did you mean 'ind.capacity.asylum'?)"),
    M("year_not_date", "'{value}' is a year, not a date: write {year}-01-01 (or {year}-12-31 in 'to')",
      "'{value}' is een jaar, geen datum: schrijf {year}-01-01 (of {year}-12-31 in 'to')",
      "'2025' is a year, not a date: write 2025-01-01 (or 2025-12-31 in 'to')"),
    M("yyyymm", "'{value}' looks like YYYYMM: write {month}", "'{value}' lijkt op JJJJMM: schrijf {month}",
      "'202501' looks like YYYYMM: write 2025-01"),
    M("not_a_date_iso", "'{value}' is not a date (use YYYY-MM-DD)", "'{value}' is geen datum (gebruik JJJJ-MM-DD)",
      "'morgen' is not a date (use YYYY-MM-DD)"),
    M("not_a_date", "'{value}' is not a date", "'{value}' is geen datum", "'1.5' is not a date"),
    M("error_value", "Excel error value '{value}'", "Excel-foutwaarde '{value}'", "Excel error value '#FOUT'"),
    M("period_reversed", "period ends ({end}) before it starts ({start})",
      "periode eindigt ({end}) voordat hij begint ({start})", "period ends (2024-12-31) before it starts (2025-01-01)"),
    M("not_a_number", "'{value}' is not a number", "'{value}' is geen getal", "'veel' is not a number"),
    M("not_finite", "'{value}' is not a finite number", "'{value}' is geen eindig getal",
      "'inf' is not a finite number"),
    M("too_large", "{value} is implausibly large (more than {limit})",
      "{value} is onwaarschijnlijk groot (meer dan {limit})", "1e+308 is implausibly large (more than 1e+12)"),
    M("thousands", "'{value}' is ambiguous (3 or 3000?): write the number without a thousands separator",
      "'{value}' is dubbelzinnig (3 of 3000?): schrijf het getal zonder scheidingsteken voor duizendtallen",
      "'3.000' is ambiguous (3 or 3000?): write the number without a thousands separator"),
    M("monthly_start", "{name} is read per month: start on the first of a month ({first} or {following})",
      "{name} wordt per maand gelezen: begin op de eerste dag van een maand ({first} of {following})",
      "ind.capacity.asylum is read per month: start on the first of a month (2025-01-01 or 2025-02-01)"),
    M("monthly_end", "{name} is read per month: end on the last day of a month",
      "{name} wordt per maand gelezen: eindig op de laatste dag van een maand",
      "ind.capacity.asylum is read per month: end on the last day of a month"),
    M("out_of_range", "{name} = {value} lies outside its plausible range {low} to {high}{unit:unit} (data/parameters.csv)",
      "{name} = {value} ligt buiten het aannemelijke bereik {low} tot en met {high}{unit} (data/parameters.csv)",
      "coa.registration_wait_weeks = 1000000000000 lies outside its plausible range 0 to 52 weeks "
      "(data/parameters.csv)"),
    M("not_allowed", "{value} is not allowed for {name}: {reason:msg}",
      "{value} is niet toegestaan voor {name}: {reason}",
      "-5 is not allowed for ind.capacity.asylum: a count cannot be negative"),
    M("count_negative", "a count cannot be negative", "een aantal kan niet negatief zijn",
      "a count cannot be negative"),
    M("amount_negative", "an amount cannot be negative", "een bedrag kan niet negatief zijn",
      "an amount cannot be negative"),
    M("duration_negative", "a duration cannot be negative", "een duur kan niet negatief zijn",
      "a duration cannot be negative"),
    M("ratio_negative", "a ratio cannot be negative", "een verhouding kan niet negatief zijn",
      "a ratio cannot be negative"),
    M("share_range", "a share must lie between 0 and 1", "een aandeel ligt tussen 0 en 1",
      "a share must lie between 0 and 1"),
    M("flag_values", "a flag must be 0 or 1", "een vlag is 0 of 1", "a flag must be 0 or 1"),
    M("unit_empty", "{name} is measured in '{unit}', not an empty unit",
      "{name} heeft als eenheid '{unit}', niet een lege eenheid",
      "ind.capacity.asylum is measured in 'cases/month', not an empty unit"),
    M("unit", "{name} is measured in '{unit}', not '{got}'", "{name} heeft als eenheid '{unit}', niet '{got}'",
      "ind.capacity.asylum is measured in 'cases/month', not '%'"),
    M("needs_source", "every assumption needs a source (document + date, or 'model assumption: why')",
      "elke aanname heeft een bron nodig (document en datum, of 'model assumption: waarom')",
      "every assumption needs a source (document + date, or 'model assumption: why')"),

    # ------------------------------------------------------------ cross checks of a run (an edited Aannames sheet)
    M("seasonal_sum", "inflow.seasonal.01..12 for {scenario} in force in {month} sum to {total}, not 1",
      "inflow.seasonal.01..12 voor {scenario} geldig in {month} tellen op tot {total}, niet 1",
      "inflow.seasonal.01..12 for medio in force in 2022-01 sum to 1.05, not 1"),
    M("share_sum", "inflow.share.first/nareis/repeat/resettlement for {scenario} in {month} sum to {total}, not 1",
      "inflow.share.first/nareis/repeat/resettlement voor {scenario} in {month} tellen op tot {total}, niet 1",
      "inflow.share.first/nareis/repeat/resettlement for medio in 2024-07 sum to 1.2, not 1"),
    M("annual_within_year", "inflow.total_annual for {scenario} changes within {year}: an annual total covers whole "
                            "calendar years (from 1 January, to 31 December)",
      "inflow.total_annual voor {scenario} verandert binnen {year}: een jaartotaal geldt voor hele kalenderjaren "
      "(van 1 januari tot en met 31 december)",
      "inflow.total_annual for medio changes within 2025: an annual total covers whole calendar years (from "
      "1 January, to 31 December)"),
    M("below_history", "inflow.total_annual for {scenario} in {year} ({annual:num}) is below the realised history of "
                       "that year ({realised:num})",
      "inflow.total_annual voor {scenario} in {year} ({annual}) ligt onder de al gerealiseerde instroom van dat "
      "jaar ({realised})",
      "inflow.total_annual for medio in 2024 (1,000) is below the realised history of that year (23,456)"),
    M("cap_below_day", "penalty.{cap} ({cap_value}) is below one day's penalty.{daily} ({daily_value}) in {month}",
      "penalty.{cap} ({cap_value}) ligt onder de dwangsom van één dag, penalty.{daily} ({daily_value}), in {month}",
      "penalty.cap.standard (50) is below one day's penalty.per_day (100) in 2022-01"),
    M("penalty_positive", "penalty.{name} must be above 0", "penalty.{name} moet groter zijn dan 0",
      "penalty.per_day must be above 0"),
    M("opening_age_sum", "ind.opening_age.{track}.* bands sum to {total}, not 1",
      "ind.opening_age.{track}.* banden tellen op tot {total}, niet 1",
      "ind.opening_age.asylum.* bands sum to 1.2, not 1"),
    M("opening_month_none", "{name} describes the start month of no run, not {start}: give the opening stocks "
                            "(ind.opening_*, coa.opening.*) for {start} in an override file",
      "{name} beschrijft de beginmaand van geen enkele run, niet {start}: geef de beginvoorraden (ind.opening_*, "
      "coa.opening.*) voor {start} op Aannames of in een eigen aannamebestand (--assumptions)",
      "ind.opening_stock.asylum describes the start month of no run, not 2022-01: give the opening stocks "
      "(ind.opening_*, coa.opening.*) for 2022-01 in an override file"),
    M("opening_month", "{name} describes the start month {months}, not {start}: give the opening stocks "
                       "(ind.opening_*, coa.opening.*) for {start} in an override file",
      "{name} beschrijft de beginmaand {months}, niet {start}: geef de beginvoorraden (ind.opening_*, "
      "coa.opening.*) voor {start} op Aannames of in een eigen aannamebestand (--assumptions)",
      "ind.opening_stock.asylum describes the start month 2023-01, not 2022-01: give the opening stocks "
      "(ind.opening_*, coa.opening.*) for 2022-01 in an override file"),
    M("stock_negative", "stock {name} would become negative in month {month:int} of the horizon: check its inflows and "
                        "outflows",
      "voorraad {name} zou negatief worden in maand {month} van de horizon: controleer de instroom en uitstroom",
      "stock coa.rejected would become negative in month 14 of the horizon: check its inflows and outflows"),
    M("missing_in_set", "assumption '{name}' is missing from the assumption set{hint:hint}",
      "aanname '{name}' ontbreekt in de aannameset{hint}",
      "assumption 'coa.buffer' is missing from the assumption set"),
    M("no_value", "assumption '{name}' has no value for scenario {scenario} on {date}",
      "aanname '{name}' heeft geen waarde voor scenario {scenario} op {date}",
      "assumption 'ind.capacity.asylum' has no value for scenario medio on 2022-01-01"),
    M("missing_for_scenario", "assumption '{name}' is missing for scenario {scenario}",
      "aanname '{name}' ontbreekt voor scenario {scenario}",
      "assumption 'ukraine.stock_anchor' is missing for scenario max"),
    M("ukraine_negative", "ukraine.net_inflow_per_week and ukraine.stock_anchor ({origin:origin}) imply a negative "
                          "stock on {date}",
      "ukraine.net_inflow_per_week en ukraine.stock_anchor ({origin}) geven een negatieve voorraad op {date}",
      "ukraine.net_inflow_per_week and ukraine.stock_anchor (workbook Aannames row 12) imply a negative stock on "
      "2022-03-01"),
    M("nareis_grants", "ind.grant_rate.nareis x ind.nareis.arrivals_per_grant must be above 0: nareis arrivals need "
                       "granted applications",
      "ind.grant_rate.nareis x ind.nareis.arrivals_per_grant moet groter zijn dan 0: nareizigers komen alleen na "
      "ingewilligde aanvragen",
      "ind.grant_rate.nareis x ind.nareis.arrivals_per_grant must be above 0: nareis arrivals need granted "
      "applications"),
    M("lead_months", "ind.nareis.lead_months ({lead}) must be below {limit} months",
      "ind.nareis.lead_months ({lead}) moet kleiner zijn dan {limit} maanden",
      "ind.nareis.lead_months (60) must be below 47 months"),
    M("occupancy_norm", "coa.occupancy_norm must be above 0", "coa.occupancy_norm moet groter zijn dan 0",
      "coa.occupancy_norm must be above 0"),
    M("instruments_overlap", "deadline instruments {first} and {second} of track {track} both cover applications filed "
                             "in {month}: a case can have only one extended deadline",
      "de termijnverlengingen {first} en {second} van spoor {track} gelden allebei voor aanvragen ingediend in "
      "{month}: een zaak kan maar één verlengde termijn hebben",
      "deadline instruments wbv_2022_22 and wbv_2023_3 of track asylum both cover applications filed in 2023-01: "
      "a case can have only one extended deadline"),
    M("peildatum_outside", "deadline.{track}.{name}.void_retroactive: the peildatum lies outside the horizon "
                           "{start}..{end}",
      "deadline.{track}.{name}.void_retroactive: de peildatum ligt buiten de horizon {start}..{end}",
      "deadline.asylum.wbv_2023_3.void_retroactive: the peildatum lies outside the horizon 2022-01..2030-12"),

    # ------------------------------------------------------------ not the user's input
    M("internal", "internal error in {function} ({kind}); details in {log}",
      "interne fout in {function} ({kind}); details in {log}",
      "internal error in summary_table (ZeroDivisionError); details in C:\\Temp\\mpp-xl-udf.log"),
    M("hint", " (did you mean '{word}'?)", " (bedoelt u '{word}'?)", " (did you mean 'medio'?)"),
    M("variants_file_hint", " (a variants file: give it with --variants)",
      " (een variantenbestand: dat kan alleen op de opdrachtregel, met --variants)",
      " (a variants file: give it with --variants)"),
)
del M

BY_KEY = {m.key: m for m in CATALOGUE}
_FIELD = re.compile(r"\{(\w+)(?::(\w+))?\}")
_KIND_PATTERNS = {
    "": r".+?", "int": r"\d+", "num": r"-?\d{1,3}(?:,\d{3})*(?:\.\d+)?", "msg": r".+?", "origin": r".+?",
    "hint": r"(?: \(did you mean '[^']*'\?\))?", "msg_opt": r".*?", "unit": r"(?: \S+)?",
    "arg": "(?:" + "|".join(re.escape(a) for a in sorted(ARGUMENTS, key=len, reverse=True)) + ")",
}


def fields(template: str) -> dict[str, str]:
    """The fields of a template and their kinds, e.g. {'row': 'int', 'reason': 'msg'}."""
    return {name: kind or "" for name, kind in _FIELD.findall(template)}


def _compile(template: str) -> re.Pattern:
    parts, seen, at = [], set(), 0
    for match in _FIELD.finditer(template):
        parts.append(re.escape(template[at:match.start()]))
        name, kind = match.group(1), match.group(2) or ""
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{_KIND_PATTERNS[kind]})")
        seen.add(name)
        at = match.end()
    parts.append(re.escape(template[at:]))
    return re.compile("".join(parts), re.DOTALL)


_PATTERNS = [(m, _compile(m.en)) for m in CATALOGUE]


def render(template: str, **values) -> str:
    """A template with its fields filled in (the kinds only matter when reading a message)."""
    missing = set(fields(template)) - set(values)
    if missing:
        raise KeyError(f"message template needs {sorted(missing)}: {template}")
    return _FIELD.sub(lambda match: str(values[match.group(1)]), template)


def english(key: str, **values) -> str:
    """The English text of a catalogue message (as the Excel layer raises it and the command line shows it)."""
    return render(BY_KEY[key].en, **values)


def dutch(key: str, **values) -> str:
    """The Dutch text of a catalogue message, from its fields."""
    return render(BY_KEY[key].nl, **values)


def _dutch_number(text: str) -> str:
    """'1,234.5' -> '1.234,5'."""
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _origin(text: str) -> str:
    """'workbook Aannames row 7' -> 'werkmap Aannames rij 7'; 'edition MPP 2024-I' -> 'editie MPP 2024-I'."""
    text = re.sub(r"\brow (\d+)", r"rij \1", text)
    text = re.sub(r"^workbook ", "werkmap ", text)
    return re.sub(r"^edition ", "editie ", text)


def find(message: str) -> Message | None:
    """The catalogue entry whose English template matches the whole message (the first, in catalogue order)."""
    return next((entry for entry, pattern in _PATTERNS if pattern.fullmatch(message)), None)


def translate(message: str) -> tuple[str, bool]:
    """(the Dutch text, whether every part of it was found in the catalogue); an unknown message (or part)
    stays English."""
    for entry, pattern in _PATTERNS:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        complete = True
        values = {}
        for name, kind in fields(entry.en).items():
            value = match.group(name)
            if kind == "msg" or (kind == "msg_opt" and value):
                value, known = translate(value)
                complete = complete and known
            elif kind == "hint":
                value = translate(value)[0] if value else ""
            elif kind == "arg":
                value = ARGUMENTS[value]
            elif kind == "num":
                value = _dutch_number(value)
            elif kind == "origin":
                value = _origin(value)
            elif kind == "unit" and value:  # ' weeks' -> ' weken' (the catalogue's Dutch unit)
                from .catalogue import UNITS
                value = " " + (UNITS[value.strip()].nl if value.strip() in UNITS else value.strip())
            values[name] = value
        return render(entry.nl, **values), complete
    return message, False


def to_dutch(message: str) -> str:
    """The one-line message of the core as a Dutch cell shows it."""
    return translate(message)[0]
