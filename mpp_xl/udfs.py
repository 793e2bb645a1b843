"""Excel functions (xlwings UDFs): thin adapters over ``mpp_xl.excel_api``. The only module importing xlwings.

Each function returns a whole table as a native dynamic array (no ``expand=``). Arguments arrive as
raw cell values (``ndim=2`` for the assumptions and measures ranges) and are normalised in the core.
The last arguments of every function that runs the model choose the edition and the policy measures (the
selectors on Start); left empty they mean MPP 2024-II without measures, as before. MPP_BACKTEST reads only the
published record of the editions. Variants: the three every workbook run has (own variant files are a
command-line feature: ``mpp-xl run --variants FILE``).
"""

import gc

from xlwings import arg, func, ret

from . import excel_api, excel_uncertainty
from .editions import DEFAULT_EDITION, REALISED
from .model import WINDOW
from .variants import NAMED_VARIANTS

ASSUMPTIONS_DOC = ("Het bereik Aannames (kolommen parameter, scenario, from, to, value, unit, source, met kopregel); "
                   "leeg = de ingebouwde standaardaannames")
WINDOW_DOC = f"Venster: jaren van elk totaal en verschil, als JJJJ-JJJJ (bv. 2026-2030); leeg = {WINDOW[0]}-{WINDOW[1]}"
EDITION_DOC = (f"MPP-editie, bv. {DEFAULT_EDITION} (standaard), mpp-2024-I of {REALISED} (wat er gebeurde); de "
               "keuzelijst op Start toont alle edities")
VARIANTS = ", ".join(NAMED_VARIANTS[:-1]) + " of " + NAMED_VARIANTS[-1]  # the variants every workbook run has
MEASURES_DOC = ("Het bereik Maatregelen (naam, ja/nee): maatregelen met ja gelden, in de volgorde van de lijst; "
                "leeg = geen maatregelen")


@func(category="mpp-xl")
@arg("assumptions", ndim=2, err_to_str=True, doc=ASSUMPTIONS_DOC)
@arg("edition", err_to_str=True, doc=EDITION_DOC)
@arg("measures", ndim=2, err_to_str=True, doc=MEASURES_DOC)
@ret(index=False, header=False)
def MPP_VERSION(assumptions=None, edition=None, measures=None):
    """Versie van mpp-xl, naam van de aannameset (editie, maatregelen) en de hash van de geldende aannames."""
    return excel_api.version_table(assumptions, edition, measures)


@func(category="mpp-xl")
@arg("assumptions", ndim=2, err_to_str=True, doc=ASSUMPTIONS_DOC)
@arg("edition", err_to_str=True, doc=EDITION_DOC)
@arg("measures", ndim=2, err_to_str=True, doc=MEASURES_DOC)
@ret(index=False, header=False)
def MPP_PARAMS(assumptions=None, edition=None, measures=None):
    """Alle geldende aannames: parameter, scenario, van, tot, waarde, eenheid, bron, laag."""
    return excel_api.params_table(assumptions, edition, measures)


@func(category="mpp-xl")
@arg("metric", err_to_str=True, doc="Naam van een reeks (bv. coa.capacity_need), een voorvoegsel met * (bv. coa.*) of all")
@arg("scenario", err_to_str=True, doc="min, medio, max of all (all alleen bij één reeks)")
@arg("assumptions", ndim=2, err_to_str=True, doc=ASSUMPTIONS_DOC)
@arg("frequency", err_to_str=True, doc="maand (standaard) of jaar: jaar telt stromen op en geeft voorraden aan het jaareinde")
@arg("edition", err_to_str=True, doc=EDITION_DOC)
@arg("measures", ndim=2, err_to_str=True, doc=MEASURES_DOC)
@ret(index=False, header=False)
def MPP_PROJECTION(metric="all", scenario="medio", assumptions=None, frequency="maand", edition=None, measures=None):
    """Ketenprojectie: datums (of jaren) onder elkaar, reeksen of scenario's naast elkaar."""
    return excel_api.projection_table(metric, scenario, assumptions, frequency, edition, measures)


@func(category="mpp-xl")
@arg("scenario", err_to_str=True, doc="min, medio, max of all")
@arg("variant", err_to_str=True, doc=f"{', '.join(NAMED_VARIANTS)} of all")
@arg("assumptions", ndim=2, err_to_str=True, doc=ASSUMPTIONS_DOC)
@arg("window", err_to_str=True, doc=WINDOW_DOC + " (de laatste rij telt het venster op)")
@arg("edition", err_to_str=True, doc=EDITION_DOC)
@arg("measures", ndim=2, err_to_str=True, doc=MEASURES_DOC)
@ret(index=False, header=False)
def MPP_PENALTIES(scenario="medio", variant="base", assumptions=None, window=None, edition=None, measures=None):
    """Dwangsommen en kosten per jaar (euro) en het totaal over het venster: per spoor, betaald en verschil, of per scenario en variant."""
    return excel_api.penalties_table(scenario, variant, assumptions, window, edition, measures)


@func(category="mpp-xl")
@arg("assumptions", ndim=2, err_to_str=True, doc=ASSUMPTIONS_DOC)
@arg("window", err_to_str=True, doc=WINDOW_DOC)
@arg("edition", err_to_str=True, doc=EDITION_DOC)
@arg("measures", ndim=2, err_to_str=True, doc=MEASURES_DOC)
@ret(index=False, header=False)
def MPP_SUMMARY(assumptions=None, window=None, edition=None, measures=None):
    """Kerntabel: dwangsommen en kosten over het venster per scenario en variant, en het verschil met base (euro)."""
    return excel_api.summary_table(assumptions, window, edition, measures)


@func(category="mpp-xl")
@arg("scenario", err_to_str=True, doc="min, medio of max")
@arg("variant", err_to_str=True, doc=f"{VARIANTS} (de dwangsommen verschillen per variant)")
@arg("window", err_to_str=True, doc=WINDOW_DOC)
@arg("assumptions", ndim=2, err_to_str=True, doc=ASSUMPTIONS_DOC)
@arg("edition", err_to_str=True, doc=EDITION_DOC)
@arg("measures", ndim=2, err_to_str=True, doc=MEASURES_DOC)
@ret(index=False, header=False)
def MPP_BUDGET(scenario="medio", variant="base", window=None, assumptions=None, edition=None, measures=None):
    """Begrotingsregels (euro): per regel het totaal over het venster en elk jaar ervan; leeg = geen prijs bekend."""
    return excel_api.budget_table(scenario, variant, window, assumptions, edition, measures)


@func(category="mpp-xl")
@arg("a", err_to_str=True, doc="Editie A, bv. mpp-2024-I (het verschil is B min A)")
@arg("b", err_to_str=True, doc="Editie B, bv. mpp-2024-II")
@arg("what", err_to_str=True, doc="Wat: een code (bv. inflow.total, coa.capacity_need, budget.coa.total), een voorvoegsel met * (bv. budget.*) of all")
@arg("assumptions", ndim=2, err_to_str=True, doc=ASSUMPTIONS_DOC + "; gelden voor A en B")
@arg("scenario", err_to_str=True, doc="min, medio (standaard) of max")
@arg("variant", err_to_str=True, doc=f"{VARIANTS}; standaard {NAMED_VARIANTS[0]}")
@arg("window", err_to_str=True, doc=WINDOW_DOC + " (de rij met het venstertotaal)")
@arg("measures", ndim=2, err_to_str=True, doc=MEASURES_DOC + "; gelden voor A en B")
@ret(index=False, header=False)
def MPP_COMPARE(a=None, b=None, what="all", assumptions=None, scenario="medio", variant="base", window=None,
                measures=None):
    """Twee MPP-edities naast elkaar voor één scenario en variant (standaard medio, base): periode, A, B, verschil (B - A)."""
    return excel_api.compare_table(a, b, what, assumptions, scenario, variant, window, measures)


@func(category="mpp-xl")
@arg("metric", err_to_str=True, doc="inflow.total (asielinstroom per jaar, standaard) of coa.capacity_need "
                                    "(COA-behoefte op 1 januari tegen de bezetting de dag ervoor)")
@arg("what", err_to_str=True, doc="panel (standaard): per jaar en editie de prognose min, medio, max, de realisatie en "
                                  "de fout in %; summary: gemiddelde fout per aantal jaren vooruit")
@ret(index=False, header=False)
def MPP_BACKTEST(metric="inflow.total", what="panel"):
    """Terugblik: de gepubliceerde prognoses van elke MPP-editie tegen wat er gebeurde (leeg = niet gepubliceerd)."""
    return excel_api.backtest_table(metric, what)


@func(category="mpp-xl")
@arg("metric", err_to_str=True, doc="coa.capacity_need (standaard), coa.statushouders, ind.pending.asylum, "
                                    "penalty.amount_eur (per jaar), penalty.window_total_eur of "
                                    "penalty.delta_vs_base_window_eur (over het venster)")
@arg("scenario", err_to_str=True, doc="min, medio (standaard) of max")
@arg("percentiles", ndim=2, err_to_str=True, doc="Percentielen: een bereik of een tekst als 5;50;95 (standaard 5;25;50;75;95)")
@arg("paths", err_to_str=True, doc="Aantal paden (standaard 1000, hoogstens 20000)")
@arg("seed", err_to_str=True, doc="Startgetal van de trekkingen (standaard 20241202): hetzelfde getal geeft dezelfde banden")
@arg("assumptions", ndim=2, err_to_str=True, doc=ASSUMPTIONS_DOC)
@arg("variant", err_to_str=True, doc=f"{VARIANTS}; standaard {NAMED_VARIANTS[0]}")
@arg("window", err_to_str=True, doc=WINDOW_DOC + " (bij de venstertotalen)")
@arg("edition", err_to_str=True, doc=EDITION_DOC)
@arg("measures", ndim=2, err_to_str=True, doc=MEASURES_DOC)
@ret(index=False, header=False)
def MPP_BAND(metric="coa.capacity_need", scenario="medio", percentiles=None, paths=None, seed=None, assumptions=None,
             variant="base", window=None, edition=None, measures=None):
    """Onzekerheidsbanden (Monte Carlo over de onzekere aannames): per datum of jaar de gevraagde percentielen."""
    return excel_uncertainty.band_table(metric, scenario, percentiles, paths, seed, assumptions, variant, window,
                                        edition, measures)


@func(category="mpp-xl")
@arg("target", err_to_str=True, doc="coa.capacity_need.2026-01-01 (standaard), penalty.window_total_eur of "
                                    "penalty.delta_all_undone_eur")
@arg("assumptions", ndim=2, err_to_str=True, doc=ASSUMPTIONS_DOC)
@arg("scenario", err_to_str=True, doc="min, medio (standaard) of max")
@arg("window", err_to_str=True, doc=WINDOW_DOC + " (bij de dwangsommen over het venster)")
@arg("edition", err_to_str=True, doc=EDITION_DOC)
@arg("measures", ndim=2, err_to_str=True, doc=MEASURES_DOC)
@ret(index=False, header=False)
def MPP_TORNADO(target="coa.capacity_need.2026-01-01", assumptions=None, scenario="medio", window=None, edition=None,
                measures=None):
    """Gevoeligheid: elke onzekere aanname op haar lage en hoge waarde (de rest centraal), grootste uitslag eerst."""
    return excel_uncertainty.tornado_table(target, assumptions, scenario, window, edition, measures)


UDF_NAMES = ("MPP_VERSION", "MPP_PARAMS", "MPP_PROJECTION", "MPP_PENALTIES", "MPP_SUMMARY", "MPP_BUDGET",
             "MPP_COMPARE", "MPP_BACKTEST", "MPP_BAND", "MPP_TORNADO")

# what the imports built lives as long as the add-in: full garbage collections need not walk it again
gc.freeze()
# a recalculation keeps some 2,000 new containers (table rows, range keys, records) until its caches evict them:
# at Python's default (a collection per 700) they were scanned about twice per recalculation and again once
# promoted, 2.3-2.8 ms of collection per recalculation; 1.05-1.4 ms at this threshold (docs/benchmarks.md)
YOUNG_GENERATION_THRESHOLD = 10_000
gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])
