"""One catalogue of what the model reports: for every metric its unit, Dutch label, Dutch unit and the kind
of number it is (which sets its format), and the Dutch names of the output tables' columns. The CLI, the
CSV files, results.xlsx and the workbook read their labels and formats from here."""

from __future__ import annotations

from typing import NamedTuple


class Metric(NamedTuple):
    unit: str
    label_nl: str
    unit_nl: str
    kind: str  # count, weeks, share, eur
    description: str = ""


# metric -> Metric; the order is the order of projection.csv
METRICS = {
    "inflow.total": Metric("persons/month", "instroom totaal", "personen/maand", "count", "MPP asylum inflow: first + nareis + repeat + resettlement"),
    "inflow.first": Metric("persons/month", "eerste aanvragen", "personen/maand", "count", "first asylum applications (arrivals)"),
    "inflow.nareis": Metric("persons/month", "nareizigers", "personen/maand", "count", "nareizigers arriving (family members of permit holders)"),
    "inflow.repeat": Metric("persons/month", "herhaalde aanvragen", "personen/maand", "count", "repeat asylum applications"),
    "inflow.resettlement": Metric("persons/month", "hervestigers", "personen/maand", "count", "resettled refugees"),
    "inflow.amv": Metric("persons/month", "amv (eerste)", "personen/maand", "count", "unaccompanied minors among first applications"),
    "ind.filings.asylum": Metric("cases/month", "IND aanvragen asiel", "zaken/maand", "count", "asylum applications entering the IND queue (registered first applications + repeat)"),
    "ind.filings.nareis": Metric("cases/month", "IND aanvragen nareis", "zaken/maand", "count", "nareis applications entering the IND queue (they precede the MPP's arrivals)"),
    "ind.pending.asylum": Metric("cases", "IND voorraad asiel", "zaken", "count", "pending asylum applications at month end"),
    "ind.pending.nareis": Metric("cases", "IND voorraad nareis", "zaken", "count", "pending nareis applications (persons) at month end"),
    "ind.decisions.asylum": Metric("cases/month", "IND beslissingen asiel", "zaken/maand", "count", "asylum decisions (priority tracks, answers to notices and court orders, regular work)"),
    "ind.decisions.nareis": Metric("cases/month", "IND beslissingen nareis", "zaken/maand", "count", "nareis decisions (persons)"),
    "ind.legal_decisions.asylum": Metric("cases/month", "IND beslissingen na ingebrekestelling of uitspraak asiel", "zaken/maand", "count", "asylum decisions that answer a notice of default or a court order"),
    "ind.legal_decisions.nareis": Metric("cases/month", "IND beslissingen na ingebrekestelling of uitspraak nareis", "zaken/maand", "count", "nareis decisions that answer a notice of default or a court order"),
    "ind.mean_wait_weeks.asylum": Metric("weeks", "doorlooptijd asiel", "weken", "weeks", "mean time from filing to decision of the month's asylum decisions (blank without decisions)"),
    "ind.mean_wait_weeks.nareis": Metric("weeks", "doorlooptijd nareis", "weken", "weeks", "mean time from filing to decision of the month's nareis decisions (blank without decisions)"),
    "ind.pending_over_6m.asylum": Metric("cases", "asiel > 6 mnd", "zaken", "count", "pending asylum cases filed at least 6 full months earlier"),
    "ind.pending_over_15m.asylum": Metric("cases", "asiel > 15 mnd", "zaken", "count", "pending asylum cases filed at least 15 full months earlier"),
    "ind.pending_over_3m.nareis": Metric("cases", "nareis > 3 mnd", "zaken", "count", "pending nareis cases filed at least 3 full months earlier"),
    "ind.grants.asylum": Metric("persons/month", "inwilligingen asiel", "personen/maand", "count", "asylum grants"),
    "ind.rejections.asylum": Metric("persons/month", "afwijzingen asiel", "personen/maand", "count", "asylum rejections"),
    "ind.grants.nareis": Metric("persons/month", "inwilligingen nareis", "personen/maand", "count", "nareis grants"),
    "coa.not_registered": Metric("persons", "COA nog niet geregistreerd", "personen", "count", "arrivals in COA whose application is not yet registered"),
    "coa.in_procedure": Metric("persons", "COA in procedure", "personen", "count", "asylum seekers in procedure living in COA"),
    "coa.statushouders": Metric("persons", "COA statushouders", "personen", "count", "permit holders in COA waiting for a home"),
    "coa.rejected": Metric("persons", "COA afgewezen", "personen", "count", "rejected applicants in COA awaiting departure"),
    "coa.nareis_short_stay": Metric("persons", "COA nareis kort", "personen", "count", "nareizigers staying briefly in COA"),
    "coa.occupancy": Metric("persons", "COA bezetting", "personen", "count", "everyone in COA: the sum of the five groups above"),
    "coa.permit_holder_share": Metric("share", "aandeel statushouders in COA", "aandeel", "share", "permit holders waiting in COA / occupancy"),
    "coa.amv": Metric("persons", "COA amv", "personen", "count", "unaccompanied minors in COA (a subset of the occupancy)"),
    "coa.housed": Metric("persons/month", "gehuisveste statushouders", "personen/maand", "count", "permit holders leaving COA for a municipal home"),
    "coa.capacity_need": Metric("places", "capaciteitsbehoefte", "plaatsen", "count", "occupancy / occupancy norm + buffer; the value at 31 December is the need on 1 January"),
    "coa.capacity_need_amv": Metric("places", "capaciteitsbehoefte amv", "plaatsen", "count", "amv / occupancy norm"),
    "coa.spreidingswet_capacity": Metric("places", "capaciteit Spreidingswet", "plaatsen", "count", "the Spreidingswet capacity (96,000; 88,000 from 5 Feb 2026)"),
    "coa.spreidingswet_shortfall": Metric("places", "tekort t.o.v. Spreidingswet", "plaatsen", "count", "capacity need above the Spreidingswet capacity"),
    "ukraine.net_inflow": Metric("persons/month", "Oekraïne netto instroom", "personen/maand", "count", "net inflow of displaced persons from Ukraine"),
    "ukraine.stock": Metric("persons", "Oekraïners", "personen", "count", "displaced persons from Ukraine"),
    "ukraine.municipal_places": Metric("places", "gemeentelijke plekken Oekraïne", "plaatsen", "count", "municipal places for displaced persons from Ukraine"),
}
METRIC_UNITS = {name: m.unit for name, m in METRICS.items()}

# number formats by kind (Excel format codes; Dutch Excel shows its own separators)
FORMATS = {"count": "#,##0", "weeks": "0.0", "share": "0.0%", "eur": "#,##0", "price": "#,##0.00", "number": "General",
           "eur_m": '#,##0.0,,"M"',
           "text": "@", "date": "yyyy-mm-dd", "year": "0"}

# column of an output table -> (Dutch header, kind)
COLUMNS_NL = {
    "scenario": ("scenario", "text"), "variant": ("variant", "text"), "metric": ("reeks", "text"),
    "date": ("datum", "date"), "value": ("waarde", "number"), "unit": ("eenheid", "text"),
    "year": ("jaar", "year"), "track": ("spoor", "text"), "amount_eur": ("bedrag (EUR, opbouw)", "eur"),
    "amount_paid_eur": ("betaald (EUR, kasbasis)", "eur"), "delta_vs_base_eur": ("verschil met base (EUR)", "eur"),
    "cases_overdue": ("zaken over de termijn", "count"), "notices": ("ingebrekestellingen", "count"),
    "appeals": ("beroepen niet tijdig beslissen", "count"), "court_penalty_eur": ("dwangsom rechter (EUR)", "eur"),
    "repeat_penalty_eur": ("dwangsom herhaald beroep (EUR)", "eur"), "costs_eur": ("proceskosten en griffierecht (EUR)", "eur"),
    "admin_penalty_eur": ("bestuurlijke dwangsom (EUR)", "eur"), "line": ("begrotingsregel", "text"),
    "quantity": ("hoeveelheid", "count"), "price_eur": ("prijs (EUR per eenheid)", "price"), "filing_month": ("indieningsmaand", "date"),
    "month": ("maand", "date"), "decided": ("beslist", "count"), "pending_end": ("in voorraad aan het eind", "count"),
    "wait_months": ("wachttijd (maanden)", "text"), "decisions": ("beslissingen", "count"),
    "parameter": ("parameter", "text"), "from": ("van", "date"), "to": ("tot en met", "date"),
    "source": ("bron", "text"), "layer": ("laag", "text"),
}

BUDGET_LINES_NL = {
    "coa.regular.occupied": "COA regulier, bezette plaatsen", "coa.regular.empty": "COA regulier, lege plaatsen",
    "coa.emergency.occupied": "COA noodopvang, bezette plaatsen", "coa.emergency.empty": "COA noodopvang, lege plaatsen",
    "coa.amv.occupied": "COA amv, bezette plaatsen", "coa.total": "COA totaal",
    "ukraine.municipal": "opvang Oekraïne (normbedrag gemeenten)", "ind.penalties.paid": "dwangsommen (kasbasis)",
    "ind.legal_costs.paid": "proceskosten en griffierecht (kasbasis)", "total": "totaal",
    "coa.oda_first_year": "waarvan ODA-toerekenbaar (eerste 12 maanden)",
}
