"""One catalogue of what the model reports and how it is shown: for every unit its Dutch name and the kind of
number it is; for every kind its Excel number format and its format on the command line; for every metric its
unit, Dutch label and meaning; the Dutch names of the output tables' columns, the budget lines, the legal
variants and the parameters. The CLI, the CSV files, results.xlsx and the workbook read their labels and
formats from here.

A header shows its unit last, in brackets: ``label (unit)``, e.g. ``IND voorraad asiel (zaken)``.
"""

from __future__ import annotations

from typing import NamedTuple


class Kind(NamedTuple):
    excel: str        # Excel number format code (Dutch Excel shows its own separators)
    text: str         # format spec for printed tables, applied to value / scale
    scale: float = 1.0


# how a number is shown, by the kind of number it is
KINDS = {
    "count": Kind("#,##0", ",.0f"),                          # persons, cases, places: whole numbers
    "weeks": Kind("0.0", ",.1f"),
    "months": Kind("0.0", ",.1f"),
    "share": Kind("0.0%", ".1%"),                            # a fraction shown as a percentage
    "pct": Kind('+0.0" %";-0.0" %";0.0" %"', "+.1f"),         # a percentage held as its number (18.6 = 18.6 %)
    "eur": Kind("€ #,##0", ",.0f"),
    "eur_m": Kind('€ #,##0.0,," mln"', ",.1f", 1e6),          # euros shown in millions; the value stays in euros
    "millions": Kind("#,##0.0", ",.1f"),                      # a number already divided by a million
    "price": Kind("€ #,##0.00", ",.2f"),
    "number": Kind("General", "g"),
    "year": Kind("0", ".0f"),
    "date": Kind("yyyy-mm-dd", ""),
    "month": Kind("mmm yyyy", ""),
    "text": Kind("@", ""),
}
FORMATS = {name: kind.excel for name, kind in KINDS.items()}


def format_value(value: float, kind: str) -> str:
    """A number as the command line prints it for its kind (euros in millions for eur_m)."""
    spec = KINDS[kind]
    return format(value / spec.scale, spec.text)


class Unit(NamedTuple):
    nl: str      # the Dutch unit a header shows
    kind: str    # a key of KINDS


UNITS = {
    "persons": Unit("personen", "count"), "persons/month": Unit("personen/maand", "count"),
    "persons/year": Unit("personen/jaar", "count"), "persons/week": Unit("personen/week", "count"),
    "persons/half-year": Unit("personen/halfjaar", "count"),
    "cases": Unit("zaken", "count"), "cases/month": Unit("zaken/maand", "count"),
    "places": Unit("plaatsen", "count"),
    "weeks": Unit("weken", "weeks"), "months": Unit("maanden", "months"), "days": Unit("dagen", "count"),
    "share": Unit("%", "share"), "share/month": Unit("%/maand", "share"),
    "ratio": Unit("verhouding", "number"), "flag": Unit("0 of 1", "number"),
    "EUR": Unit("EUR", "eur"), "EUR/day": Unit("EUR/dag", "price"),
}


def unit_per_year(unit_nl: str) -> str:
    """The Dutch unit of a monthly flow summed over a year: 'personen/maand' -> 'personen/jaar'."""
    return unit_nl[: -len("maand")] + "jaar" if unit_nl.endswith("/maand") else unit_nl


class Metric(NamedTuple):
    unit: str
    label_nl: str
    unit_nl: str
    kind: str  # a key of KINDS
    description: str = ""


def _metric(unit: str, label_nl: str, description: str) -> Metric:
    """A metric whose Dutch unit and kind follow from its unit (one table, UNITS, for every face)."""
    return Metric(unit, label_nl, UNITS[unit].nl, UNITS[unit].kind, description)


# metric -> Metric; the order is the order of projection.csv
METRICS = {
    "inflow.total": _metric("persons/month", "instroom totaal", "MPP asylum inflow: first + nareis + repeat + resettlement"),
    "inflow.first": _metric("persons/month", "eerste aanvragen", "first asylum applications (arrivals)"),
    "inflow.nareis": _metric("persons/month", "nareizigers", "nareizigers arriving (family members of permit holders)"),
    "inflow.repeat": _metric("persons/month", "herhaalde aanvragen", "repeat asylum applications"),
    "inflow.resettlement": _metric("persons/month", "hervestigers", "resettled refugees"),
    "inflow.amv": _metric("persons/month", "amv (eerste)", "unaccompanied minors among first applications"),
    "ind.filings.asylum": _metric("cases/month", "IND aanvragen asiel", "asylum applications entering the IND queue (registered first applications + repeat)"),
    "ind.filings.nareis": _metric("cases/month", "IND aanvragen nareis", "nareis applications entering the IND queue (they precede the MPP's arrivals)"),
    "ind.pending.asylum": _metric("cases", "IND voorraad asiel", "pending asylum applications at month end"),
    "ind.pending.nareis": _metric("cases", "IND voorraad nareis", "pending nareis applications (persons) at month end"),
    "ind.decisions.asylum": _metric("cases/month", "IND beslissingen asiel", "asylum decisions (priority tracks, answers to notices and court orders, regular work)"),
    "ind.decisions.nareis": _metric("cases/month", "IND beslissingen nareis", "nareis decisions (persons)"),
    "ind.legal_decisions.asylum": _metric("cases/month", "IND beslissingen na ingebrekestelling of uitspraak asiel", "asylum decisions that answer a notice of default or a court order"),
    "ind.legal_decisions.nareis": _metric("cases/month", "IND beslissingen na ingebrekestelling of uitspraak nareis", "nareis decisions that answer a notice of default or a court order"),
    "ind.mean_wait_weeks.asylum": _metric("weeks", "doorlooptijd asiel", "mean time from filing to decision of the month's asylum decisions (blank without decisions)"),
    "ind.mean_wait_weeks.nareis": _metric("weeks", "doorlooptijd nareis", "mean time from filing to decision of the month's nareis decisions (blank without decisions)"),
    "ind.pending_over_6m.asylum": _metric("cases", "asiel > 6 mnd", "pending asylum cases filed at least 6 full months earlier"),
    "ind.pending_over_15m.asylum": _metric("cases", "asiel > 15 mnd", "pending asylum cases filed at least 15 full months earlier"),
    "ind.pending_over_3m.nareis": _metric("cases", "nareis > 3 mnd", "pending nareis cases filed at least 3 full months earlier"),
    "ind.grants.asylum": _metric("persons/month", "inwilligingen asiel", "asylum grants"),
    "ind.rejections.asylum": _metric("persons/month", "afwijzingen asiel", "asylum rejections"),
    "ind.grants.nareis": _metric("persons/month", "inwilligingen nareis", "nareis grants"),
    "ind.arrivals.nareis": _metric("persons/month", "aankomsten nareis (model)",
                                   "nareis arrivals that follow from the modelled grants (realised months as published)"),
    "coa.not_registered": _metric("persons", "COA nog niet geregistreerd", "arrivals in COA whose application is not yet registered"),
    "coa.in_procedure": _metric("persons", "COA in procedure", "asylum seekers in procedure living in COA"),
    "coa.statushouders": _metric("persons", "COA statushouders", "permit holders in COA waiting for a home"),
    "coa.rejected": _metric("persons", "COA afgewezen", "rejected applicants in COA awaiting departure"),
    "coa.nareis_short_stay": _metric("persons", "COA nareis kort", "nareizigers staying briefly in COA"),
    "coa.occupancy": _metric("persons", "COA bezetting", "everyone in COA: the sum of the five groups above"),
    "coa.permit_holder_share": _metric("share", "aandeel statushouders in COA", "permit holders waiting in COA / occupancy"),
    "coa.amv": _metric("persons", "COA amv", "unaccompanied minors in COA (a subset of the occupancy)"),
    "coa.housed": _metric("persons/month", "gehuisveste statushouders", "permit holders leaving COA for a municipal home"),
    "coa.capacity_need": _metric("places", "capaciteitsbehoefte", "occupancy / occupancy norm + buffer; the value at 31 December is the need on 1 January"),
    "coa.capacity_need_amv": _metric("places", "capaciteitsbehoefte amv", "amv / occupancy norm"),
    "coa.spreidingswet_capacity": _metric("places", "capaciteit Spreidingswet", "the Spreidingswet capacity (96,000; 88,000 from 5 Feb 2026)"),
    "coa.spreidingswet_shortfall": _metric("places", "tekort t.o.v. Spreidingswet", "capacity need above the Spreidingswet capacity"),
    "ukraine.net_inflow": _metric("persons/month", "Oekraïne netto instroom", "net inflow of displaced persons from Ukraine"),
    "ukraine.stock": _metric("persons", "Oekraïners", "displaced persons from Ukraine"),
    "ukraine.municipal_places": _metric("places", "gemeentelijke plekken Oekraïne", "municipal places for displaced persons from Ukraine"),
}
METRIC_UNITS = {name: m.unit for name, m in METRICS.items()}


def header(label: str, unit_nl: str) -> str:
    """A column header: the label, then its unit in brackets."""
    return f"{label} ({unit_nl})"


def metric_header(metric: str, per_year: bool = False) -> str:
    """A metric's column header, e.g. 'IND voorraad asiel (zaken)'; a monthly flow summed over a year is per year."""
    entry = METRICS[metric]
    return header(entry.label_nl, unit_per_year(entry.unit_nl) if per_year else entry.unit_nl)


# column of an output table -> (Dutch header, kind)
COLUMNS_NL = {
    "scenario": ("scenario", "text"), "variant": ("variant", "text"), "metric": ("reeks", "text"),
    "date": ("datum", "date"), "value": ("waarde", "number"), "unit": ("eenheid", "text"),
    "year": ("jaar", "year"), "track": ("spoor", "text"), "amount_eur": ("bedrag (EUR, opbouw)", "eur"),
    "amount_paid_eur": ("betaald (EUR, kasbasis)", "eur"), "delta_vs_base_eur": ("verschil met basis (EUR)", "eur"),
    "cases_overdue": ("zaken over de termijn (aantal)", "count"), "notices": ("ingebrekestellingen (aantal)", "count"),
    "appeals": ("beroepen niet tijdig beslissen (aantal)", "count"),
    "court_penalty_eur": ("dwangsom rechter (EUR)", "eur"),
    "repeat_penalty_eur": ("dwangsom herhaald beroep (EUR)", "eur"), "costs_eur": ("proceskosten en griffierecht (EUR)", "eur"),
    "admin_penalty_eur": ("bestuurlijke dwangsom (EUR)", "eur"), "line": ("begrotingsregel", "text"),
    "quantity": ("hoeveelheid (plaatsdagen)", "count"), "price_eur": ("prijs (EUR per plaatsdag)", "price"),
    "filing_month": ("indieningsmaand", "date"),
    "month": ("maand", "date"), "decided": ("beslist (zaken)", "count"), "pending_end": ("in voorraad aan het eind (zaken)", "count"),
    "wait_months": ("wachttijd (maanden)", "text"), "decisions": ("beslissingen (zaken)", "count"),
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

SCENARIOS_NL = {"min": "minimum", "medio": "medio", "max": "maximum"}


class VariantText(NamedTuple):
    name: str   # short Dutch name, for headers and legends
    line: str   # one line of explanation, short enough for a drop-down's input message


# the legal variants of the decision deadline (mpp_xl/data/variants.csv) in Dutch
VARIANTS_NL = {
    "base": VariantText("basis", "alle drie verlengingen (WBV's) geldig: 15 maanden"),
    "all_undone": VariantText("alles vervallen", "alle drie vervallen per peildatum 1-9-2024: 6 maanden"),
    "first_holds": VariantText("eerste blijft", "alleen WBV 2022/22 geldig; 2023/3 en 2023/26 vervallen"),
    "wbv_2023_26_withdrawn": VariantText("2023/26 ingetrokken", "wat er gebeurde: WBV 2023/26 per juni 2025 "
                                                                "ingetrokken"),
}


def variant_name(variant: str) -> str:
    """The Dutch name of a variant; an own variant (from a file) keeps its code."""
    return VARIANTS_NL[variant].name if variant in VARIANTS_NL else variant


# the Dutch meaning of every declared parameter (mpp_xl/data/parameters.csv), for the Aannames sheet
PARAMETERS_NL = {
    "inflow.total_annual": "Totale MPP-asielinstroom in een kalenderjaar (eerste aanvragen + nareis + herhaald + hervestiging)",
    "inflow.share.first": "Aandeel eerste asielaanvragen in de totale instroom",
    "inflow.share.nareis": "Aandeel nareizigers (gezinsleden die zich bij een statushouder voegen) in de totale instroom",
    "inflow.share.repeat": "Aandeel herhaalde asielaanvragen in de totale instroom",
    "inflow.share.resettlement": "Aandeel hervestigde vluchtelingen in de totale instroom",
    "inflow.amv_share_first": "Aandeel alleenstaande minderjarige vreemdelingen (amv) onder de eerste aanvragen",
    "inflow.seasonal.{01|02|03|04|05|06|07|08|09|10|11|12}": "Gewicht van een kalendermaand (01-12) in de jaarinstroom; de twaalf gewichten tellen op tot 1",
    "history.inflow.first": "Gerealiseerde eerste asielaanvragen per maand (tot de peildatum van de gegevens)",
    "history.inflow.nareis": "Gerealiseerde instroom van nareizigers per maand",
    "history.inflow.repeat": "Gerealiseerde herhaalde aanvragen per maand",
    "history.inflow.resettlement": "Gerealiseerde hervestigde vluchtelingen per maand",
    "ind.opening_stock.asylum": "IND-voorraad asielaanvragen bij de start van het model",
    "ind.opening_stock.nareis": "IND-voorraad nareisaanvragen (personen) bij de start van het model",
    "ind.opening_age.nareis.{00_02m|03_05m|06_11m|12_23m}": "Aandeel van de beginvoorraad nareis per leeftijdsklasse (maanden sinds indiening); de klassen tellen op tot 1",
    "history.ind.pending.asylum": "Gepubliceerde IND-voorraad asiel op 31 december: met de voorraad een jaar eerder en de aanvragen bepaalt die de beslissingen van het jaar",
    "history.ind.pending.nareis": "Gepubliceerde IND-voorraad nareis (personen) op 31 december: met de voorraad een jaar eerder en de aanvragen bepaalt die de beslissingen van het jaar",
    "history.ind.nareis.applications": "Gerealiseerde nareisaanvragen per maand (personen); waar die ontbreken volgen de aanvragen uit de asielinwilligingen",
    "ind.nareis.application_lag_months": "Hele maanden van de asielinwilliging van de referent tot de nareisaanvraag voor het gezin",
    "ind.nareis.applications_per_grant": "Aangevraagde gezinsleden (nareis, personen) per ingewilligde asielreferent",
    "ind.spread_share.{asylum|nareis}": "Deel van de resterende capaciteit dat over alle leeftijden wordt verdeeld naar rato van de wachtende zaken (sporen en zaaksoorten naast elkaar); de rest gaat naar de oudste",
    "ind.moratorium_share.{asylum|nareis}": "Aandeel van de gewone zaken van elke indieningsmaand dat door een besluitmoratorium bevroren is",
    "ind.fast_lane_patience_months": "Hele maanden dat een zaak in de voorrangssporen op snelle behandeling wacht voordat zij naar de gewone voorraad gaat",
    "housing.target_period_months": "Hele maanden van een taakstellingsperiode (een halfjaar: 6); aan het begin van elke periode wordt de taakstelling vastgesteld",
    "housing.outflow_window_months": "Hele maanden uitstroom naar woningen waarover de gemiddelde wachttijd van een referent wordt gelezen",
    "ind.capacity.nareis": "IND-nareisbeslissingen per maand (personen); een jaar met gepubliceerde voorraden aan begin en eind beslist wat de voorraadidentiteit zegt",
    "ind.opening_age.asylum.{00_02m|03_05m|06_11m|12_23m}": "Aandeel van de beginvoorraad asiel per leeftijdsklasse (maanden sinds indiening); de klassen tellen op tot 1",
    "ind.fast_lane_share.asylum": "Aandeel asielaanvragen in de voorrangssporen (spoor 1 Dublin, spoor 2 veilig land, spoor 4 weinig kans): beslist vanaf de maand na indiening",
    "ind.newest_first_share.{asylum|nareis}": "Deel van de capaciteit na de voorrangssporen en de juridische keten dat naar de nieuwste zaken gaat; de rest gaat naar de oudste",
    "ind.capacity.asylum": "IND-asielbeslissingen per maand (eerste en herhaalde aanvragen, inclusief voorrangssporen en beslissingen na ingebrekestelling of uitspraak); een jaar met gepubliceerde voorraden aan begin en eind beslist wat de voorraadidentiteit zegt",
    "ind.nareis.travel_months": "Hele maanden van inwilliging nareis tot aankomst van het gezinslid",
    "ind.nareis.arrivals_per_grant": "Aankomende gezinsleden per ingewilligde nareiziger (niet iedereen reist)",
    "ind.grant_rate.{asylum|fast_lane|nareis}": "Inwilligingspercentage: aandeel beslissingen dat een vergunning geeft (asiel = gewone procedure; voorrangssporen; nareis)",
    "coa.opening.{statushouders|rejected|nareis_short_stay|amv}": "COA-bewoners in een groep bij de start van het model",
    "coa.share_in_coa.asylum_seekers": "Aandeel geregistreerde asielzoekers (en herhaalde aanvragers) dat tijdens de procedure in het COA woont",
    "coa.share_in_coa.rejected": "Aandeel afgewezen COA-bewoners dat na de beslissing in het COA blijft (de rest vertrekt direct)",
    "coa.repeat_share_from_rejected": "Aandeel herhaalde aanvragers in het COA dat uit de groep afgewezenen komt (zij gaan terug naar 'in procedure')",
    "coa.nareis.share_short_stay": "Aandeel aankomende nareizigers zonder referent in het COA dat kort door het COA gaat (de rest gaat direct naar de woning)",
    "coa.nareis.months_from_grant_to_arrival": "Gemiddelde maanden van inwilliging van de referent tot aankomst van het gezin: of de referent dan nog in het COA op een woning wacht",
    "coa.registration_wait_weeks": "Weken tussen aankomst en registratie van de aanvraag (aankomsten die in het COA wachten)",
    "coa.departure_rate.rejected": "Maandelijks aandeel afgewezen asielzoekers in het COA dat vertrekt",
    "coa.stay_months.{nareis|amv}": "Gemiddelde verblijfsduur in het COA van een groep (nareis kort verblijf; amv)",
    "housing.taakstelling": "Halfjaarlijkse taakstelling: statushouders die gemeenten moeten huisvesten",
    "housing.realisation_rate": "Aandeel van de taakstelling dat als gehuisveste statushouder het COA verlaat",
    "housing.target_backlog_share": "Zonder gepubliceerde taakstelling: aandeel van de wachtende statushouders aan het begin van een halfjaar dat de taakstelling toevoegt aan de verwachte statushouders",
    "coa.occupancy_norm": "Bezettingsnorm: capaciteitsbehoefte = bezetting / norm",
    "coa.capacity_buffer": "Extra plaatsen boven op bezetting / norm",
    "coa.spreidingswet_capacity": "Capaciteit waarin de Spreidingswet voorziet",
    "ukraine.net_inflow_per_week": "Netto instroom van ontheemden uit Oekraïne per week",
    "ukraine.stock_anchor": "Ontheemden uit Oekraïne op de begindatum van het record (het ankerpunt van de reeks)",
    "ukraine.municipal_share": "Aandeel ontheemden uit Oekraïne in gemeentelijke opvang (benodigde plaatsen per persoon)",
    "deadline.{asylum|nareis}.statutory_months": "Wettelijke beslistermijn van het spoor in maanden (asiel: art. 42 lid 1 Vw)",
    "deadline.{asylum|nareis}.statutory_days": "Wettelijke beslistermijn van het spoor in dagen (nareis: 90 dagen)",
    "deadline.{asylum|nareis}.*.extension_months": "Verlenging van de beslistermijn door een besluit (WBV); van/tot is de periode van indiening waarvoor ze geldt",
    "deadline.{asylum|nareis}.*.moratorium_months": "Totale beslistermijn onder een besluitmoratorium (art. 43 Vw) voor de indieningsperiode van het record",
    "deadline.{asylum|nareis}.*.in_force": "1 vanaf de datum van inwerkingtreding; geldt alleen voor zaken waarvan de wettelijke termijn toen nog niet verstreken was",
    "deadline.{asylum|nareis}.*.void_retroactive": "1 vanaf de peildatum waarop het besluit met terugwerkende kracht vervalt voor dan lopende zaken",
    "deadline.{asylum|nareis}.*.withdrawn": "1 vanaf de datum waarop het besluit voor de toekomst wordt ingetrokken (lopende zaken krijgen de latere van hun wettelijke termijn en die datum)",
    "penalty.take_up.{asylum|nareis}": "Aandeel aanvragers met een zaak over de termijn dat een ingebrekestelling stuurt (naar datum van ingebrekestelling)",
    "penalty.notice_lag_months": "Gemiddelde tijd van het verstrijken van de termijn tot de ingebrekestelling",
    "penalty.appeal_wait_weeks": "Wachttijd na de ingebrekestelling voordat beroep wegens niet tijdig beslissen kan",
    "penalty.judgment_months": "Tijd van beroep tot uitspraak van de rechter",
    "penalty.term_weeks.not_heard": "Termijn van de rechter om te beslissen als de aanvrager nog niet is gehoord",
    "penalty.term_weeks.heard": "Termijn van de rechter om te beslissen als de aanvrager al is gehoord",
    "penalty.share_heard": "Aandeel beroepen waarin de aanvrager al is gehoord (termijn van 8 weken)",
    "penalty.share_decided_after_notice": "Aandeel zaken met een ingebrekestelling waarin de IND beslist in de twee weken voordat beroep mogelijk is",
    "penalty.share_decided_within_term": "Aandeel zaken met een uitspraak waarin de IND binnen de termijn van de rechter beslist (zulke zaken krijgen voorrang)",
    "penalty.per_day": "Dwangsom per dag te laat na de termijn van de rechter",
    "penalty.cap.standard": "Maximum per uitspraak volgens de gebruikelijke lijn",
    "penalty.cap.high": "Hoger maximum per uitspraak dat een aantal rechtbanken sinds eind 2024 hanteert",
    "penalty.share_high_cap": "Aandeel uitspraken met het hoge maximum (naar datum van uitspraak)",
    "penalty.repeat.probability": "Kans op een herhaald beroep als de IND de termijn van de rechter mist",
    "penalty.repeat.lag_months": "Tijd van de gemiste termijn tot de herhaalde uitspraak",
    "penalty.repeat.term_weeks": "Termijn die de rechter in een herhaalde uitspraak stelt",
    "penalty.repeat.per_day": "Verhoogde dwangsom per dag in een herhaalde uitspraak",
    "penalty.repeat.cap": "Maximum per herhaalde uitspraak",
    "penalty.legal_costs": "Toegekende proceskosten per beroep",
    "penalty.court_fee": "Terugbetaald griffierecht per beroep",
    "penalty.void_reading": "Hoe vervallen met terugwerkende kracht telt: 0 = gewone rechtsregel (vanaf de peildatum); 1 = de ruimste lezing van de Kamerbrief (vanaf de oorspronkelijke termijn)",
    "penalty.payment_lag_months": "Maanden van het ontstaan van een dwangsom of kosten tot de betaling (kasbasis)",
    "penalty.admin.applies.{asylum|nareis}": "1 zolang de bestuurlijke dwangsom (Awb 4:17) voor het spoor geldt",
    "penalty.admin.tier_days": "Lengte van elke trede van de bestuurlijke dwangsom",
    "penalty.admin.tier1_per_day": "Bestuurlijke dwangsom per dag in de eerste trede",
    "penalty.admin.tier2_per_day": "Bestuurlijke dwangsom per dag in de tweede trede",
    "penalty.admin.tier3_per_day": "Bestuurlijke dwangsom per dag vanaf de derde trede",
    "penalty.admin.cap": "Maximale bestuurlijke dwangsom per zaak",
    "budget.coa.price_per_occupied_day.{regular|emergency|amv}": "COA-prijs per bezette plaats per dag (regulier, noodopvang of amv), op het prijsniveau van budget.price_index.coa = 1",
    "budget.coa.price_per_empty_day.{regular|emergency}": "COA-prijs per lege plaats per dag (plaatsen boven de bezetting), op het prijsniveau van budget.price_index.coa = 1",
    "budget.coa.emergency_share": "Aandeel COA-plaatsen (bezet en leeg) in de noodopvang",
    "budget.price_index.coa": "COA-prijsniveau ten opzichte van de prijsrecords (1 = hun prijsniveau); per jaar",
    "budget.ukraine.normbedrag_per_day": "Normbedrag per ontheemde uit Oekraïne per dag voor gemeenten (nominaal)",
    "ind.nareis.delayed_share": "Aandeel ingewilligde nareizigers van wie de aankomst door een beperking later valt (0 = geen)",
    "ind.nareis.delay_months": "Hele maanden waarmee een beperking de aankomst van dat aandeel uitstelt",
}
