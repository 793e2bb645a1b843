"""Excel functions (xlwings UDFs): thin adapters over ``mpp_xl.excel_api``. The only module importing xlwings.

Each function returns a whole table as a native dynamic array (no ``expand=``). Arguments arrive as
raw cell values (``ndim=2`` for the assumptions range) and are normalised in the core.
"""

from xlwings import arg, func, ret

from . import excel_api

ASSUMPTIONS_DOC = ("Het bereik Aannames (kolommen parameter, scenario, from, to, value, unit, source, met kopregel); "
                   "leeg = de ingebouwde standaardaannames")


@func(category="mpp-xl")
@arg("assumptions", ndim=2, err_to_str=True, doc=ASSUMPTIONS_DOC)
@ret(index=False, header=False)
def MPP_VERSION(assumptions=None):
    """Versie van mpp-xl, naam van de aannameset en de hash van de geldende aannames."""
    return excel_api.version_table(assumptions)


@func(category="mpp-xl")
@arg("assumptions", ndim=2, err_to_str=True, doc=ASSUMPTIONS_DOC)
@ret(index=False, header=False)
def MPP_PARAMS(assumptions=None):
    """Alle geldende aannames: parameter, scenario, van, tot, waarde, eenheid, bron, laag."""
    return excel_api.params_table(assumptions)


@func(category="mpp-xl")
@arg("metric", err_to_str=True, doc="Naam van een reeks (bv. coa.capacity_need), een voorvoegsel met * (bv. coa.*) of all")
@arg("scenario", err_to_str=True, doc="min, medio, max of all (all alleen bij één reeks)")
@arg("assumptions", ndim=2, err_to_str=True, doc=ASSUMPTIONS_DOC)
@arg("frequency", err_to_str=True, doc="maand (standaard) of jaar: jaar telt stromen op en geeft voorraden aan het jaareinde")
@ret(index=False, header=False)
def MPP_PROJECTION(metric="all", scenario="medio", assumptions=None, frequency="maand"):
    """Ketenprojectie: datums (of jaren) onder elkaar, reeksen of scenario's naast elkaar."""
    return excel_api.projection_table(metric, scenario, assumptions, frequency)


@func(category="mpp-xl")
@arg("scenario", err_to_str=True, doc="min, medio, max of all")
@arg("variant", err_to_str=True, doc="base, all_undone, first_holds (of een eigen variant) of all")
@arg("assumptions", ndim=2, err_to_str=True, doc=ASSUMPTIONS_DOC)
@ret(index=False, header=False)
def MPP_PENALTIES(scenario="medio", variant="base", assumptions=None):
    """Dwangsommen en kosten per jaar (euro): per spoor, betaald (kasbasis) en verschil, of per scenario en variant."""
    return excel_api.penalties_table(scenario, variant, assumptions)


@func(category="mpp-xl")
@arg("assumptions", ndim=2, err_to_str=True, doc=ASSUMPTIONS_DOC)
@ret(index=False, header=False)
def MPP_SUMMARY(assumptions=None):
    """Kerntabel: dwangsommen en kosten 2024-2027 per scenario en variant, en het verschil met base (euro)."""
    return excel_api.summary_table(assumptions)


UDF_NAMES = ("MPP_VERSION", "MPP_PARAMS", "MPP_PROJECTION", "MPP_PENALTIES", "MPP_SUMMARY")
