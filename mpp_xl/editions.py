"""MPP editions: named, dated assumption sets built from the published record (``data/editions.csv``).

An edition replaces the MPP inflow totals (``inflow.total_annual``) of the default set by its own published
figures; everything else is as in the default set (MPP 2024-II) unless a source says otherwise. Years before
the edition's publication year take the realised total where one is published (what the edition knew);
after its last published year a scenario's total is held at that level, the rule the default set uses after
2025. A figure an edition does not give stays a gap: a run that needs it stops with one line that says so.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from importlib import resources

import numpy as np
import pandas as pd

from .assumptions import DEFAULT_SET_NAME, SCENARIOS, Assumption, AssumptionSet, OPEN_END
from .errors import MppError, did_you_mean

DEFAULT_EDITION = "mpp-2024-II"
REALISED = "realised"


def published_record() -> pd.DataFrame:
    """The package's copy of the editions record: edition, published, year, scenario, metric, value, unit,
    source, note (comment lines skipped)."""
    text = resources.files("mpp_xl").joinpath("data/editions.csv").read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text), comment="#", dtype={"year": str, "published": str, "scenario": str,
                                                            "note": str})


def _key(title: str) -> str:
    """'MPP 2024-II' -> 'mpp-2024-II' (the name users type; matched without regard to case)."""
    return re.sub(r"^MPP\s+", "mpp-", title.strip())


@dataclass(frozen=True)
class Edition:
    name: str  # e.g. mpp-2024-II
    title: str  # e.g. MPP 2024-II
    published: str
    source: str
    inflow: dict  # (scenario, year) -> (value, source)
    realised: dict  # year -> (value, source)

    @property
    def is_default(self) -> bool:
        return self.name == DEFAULT_EDITION

    def coverage(self) -> str:
        """Which inflow totals the edition publishes, e.g. '2024: min medio max; 2025: min max'."""
        years = sorted({y for _, y in self.inflow})
        return "; ".join(f"{y}: " + " ".join(s for s in SCENARIOS if (s, y) in self.inflow) for y in years) or "none"

    def records(self, scenarios, first_year: int, last_year: int) -> tuple[Assumption, ...]:
        """``inflow.total_annual`` records for every selected scenario from ``first_year`` on; raises one line
        naming the first gap a run would need filled."""
        published_year = int(self.published[:4])
        out = []
        for scenario in scenarios:
            last_value, last_source = None, None
            for year in range(first_year, last_year + 1):
                if (scenario, year) in self.inflow:
                    value, source = self.inflow[(scenario, year)]
                    last_value, last_source = value, source
                elif year < published_year and year in self.realised:
                    value, source = self.realised[year]
                    source = f"realised inflow {year} ({source}), known when {self.title} was published"
                elif last_value is not None and year > max(y for _, y in self.inflow):
                    value = last_value
                    source = f"model assumption: {self.title} gives no figure for {year}; held at its last level " \
                             f"({last_source})"
                else:
                    raise MppError(f"edition {self.title} publishes no {scenario} inflow for {year} (gaps stay "
                                   f"gaps); it has {self.coverage()}: choose other scenarios or another edition")
                start = np.datetime64(f"{year}-01-01", "D")
                end = OPEN_END if year == last_year else np.datetime64(f"{year}-12-31", "D")
                out.append(Assumption("inflow.total_annual", scenario, start, end, float(value), "persons/year",
                                      source, f"edition {self.title}"))
        return tuple(out)


def available_editions() -> dict[str, Edition]:
    """Every edition in the record with at least one inflow total, by name, oldest first."""
    record = published_record()
    realised = {int(r.year): (float(r.value), r.source) for r in record.itertuples()
                if r.edition == REALISED and r.metric == "inflow.total" and str(r.year).isdigit()}
    out = {}
    for title, rows in record[record.edition != REALISED].groupby("edition", sort=False):
        inflow = {(r.scenario, int(r.year)): (float(r.value), r.source) for r in rows.itertuples()
                  if r.metric == "inflow.total" and str(r.year).isdigit() and isinstance(r.scenario, str)}
        first = rows.iloc[0]
        out[_key(title)] = Edition(_key(title), title, str(first.published), str(first.source), inflow, realised)
    return dict(sorted(out.items(), key=lambda item: item[1].published))


def first_open_year(aset: AssumptionSet) -> int:
    """The first calendar year not wholly covered by realised history (it needs an annual total)."""
    history_end = max((r.end for _, r in aset.records() if r.parameter.startswith("history.inflow.")),
                      default=np.datetime64("1900-01-01"))
    return int(str(history_end + 1)[:4])


def find_edition(name: str) -> Edition:
    editions = available_editions()
    if str(name).strip().lower() == REALISED:
        return Edition(REALISED, "realised", "", "realised inflow through 2025 (editions record), then the latest "
                       "editions", {}, {})
    by_lower = {k.lower(): v for k, v in editions.items()}
    edition = by_lower.get(str(name).strip().lower())
    if edition is None:
        raise MppError(f"unknown edition '{name}'{did_you_mean(str(name), [*editions, REALISED])}; available: "
                       f"{', '.join(editions)}, {REALISED} (mpp-xl editions lists them)")
    return edition


REALISED_CATEGORIES = {  # year -> category -> (persons, source); a gap is a model assumption, stated as such
    2024: {"first": (32180, "Answer Kamervragen 2025Z00616 (4 Mar 2025)"),
           "nareis": (11880, "Answer Kamervragen 2025Z00616 (4 Mar 2025)"),
           "repeat": (1590, "Answer Kamervragen 2025Z00616 (4 Mar 2025)"),
           "resettlement": (760, "Answer Kamervragen 2025Z00616 (4 Mar 2025)")},
    2025: {"first": (24070, "IND annual figures 2025 via upday 3 Feb 2026 (secondary source)"),
           "nareis": (16000, "CBS via ANP early 2026: more than 16000 (a lower bound)"),
           "repeat": (1590, "model assumption: repeat applications 2025 not published; held at the 2024 level"),
           "resettlement": (760, "model assumption: resettlement 2025 not published; held at the 2024 level")},
}


REALISED_IND = (  # what the realised run knows of the IND beyond the default set; capacity after it is a stated policy
    Assumption("history.ind.pending.asylum", "all", np.datetime64("2024-12-31"), np.datetime64("2024-12-31"), 51000.0,
               "cases", "IND jaarcijfers 2024 (upday/ANP Jan 2025): about 51000 pending at year end", "edition realised"),
    Assumption("history.ind.pending.nareis", "all", np.datetime64("2024-12-31"), np.datetime64("2024-12-31"), 66000.0,
               "persons", "IND jaarcijfers 2024: more than 66000 persons in pending nareis applications",
               "edition realised"),
    Assumption("ind.capacity.asylum", "all", np.datetime64("2025-01-01"), OPEN_END, 2763.0, "cases/month",
               "model assumption: IND production after 2024 is not published; held at the 2024 rate the published "
               "stocks imply (50000 + 34152 filings in 2024 (realised first applications, registered, and repeat) "
               "- 51000 = 33152 decisions, 2763 a month)", "edition realised"),
    Assumption("ind.capacity.nareis", "all", np.datetime64("2025-01-01"), OPEN_END, 1975.0, "persons/month",
               "derived: realised nareis arrivals 2025 (more than 16000; CBS via ANP) over the nareis grant rate "
               "(0.75) x arrivals per grant (0.9) is about 23700 decisions a year; held after 2025",
               "edition realised"),
)


def realised_set(scenarios, grid) -> AssumptionSet:
    """What happened: realised inflow by category through 2025 (monthly, spread by the seasonal profile over
    the months after the default set's history), then per scenario the latest edition that publishes it
    (min and max: MPP 2025-II; medio: MPP 2024-II, the latest with a medio), held."""
    base = AssumptionSet.default()
    records = []
    history_end = max(r.end for _, r in base.records() if r.parameter.startswith("history.inflow."))
    for year, categories in REALISED_CATEGORIES.items():
        months = np.arange(np.datetime64(f"{year}-01"), np.datetime64(f"{year + 1}-01"), dtype="datetime64[M]")
        open_months = months[months.astype("datetime64[D]") > history_end]
        weights = np.array([base.scalar(f"inflow.seasonal.{int(str(m)[5:7]):02d}", "medio", m.astype("datetime64[D]"))
                            for m in open_months])
        for category, (total, source) in categories.items():
            known = base.at(f"history.inflow.{category}", "medio", months.astype("datetime64[D]"), required=False)
            remainder = total - np.nansum(known)
            for month, weight in zip(open_months, weights):
                start = month.astype("datetime64[D]")
                end = (month + 1).astype("datetime64[D]") - 1
                records.append(Assumption(f"history.inflow.{category}", "all", start, end,
                                          float(remainder * weight / weights.sum()), "persons/month",
                                          f"derived: realised {year} total {total} ({source}) spread by the seasonal "
                                          f"profile", "edition realised"))
    editions = available_editions()
    latest = {"min": editions["mpp-2025-II"], "max": editions["mpp-2025-II"], "medio": editions["mpp-2024-II"]}
    first_open = max(REALISED_CATEGORIES) + 1
    for scenario in scenarios:
        edition = latest[scenario]
        first_published = min(year for _, year in edition.inflow)
        open_from = np.datetime64(f"{first_open}-01-01")  # what the realised records do not cover
        records += [replace(r, start=max(r.start, open_from))
                    for r in edition.records([scenario], first_published, max(int(grid.years[-1]), first_open))
                    if r.end >= open_from]
    records += REALISED_IND
    return AssumptionSet("realised (what happened; then the latest editions)",
                         [("default", tuple(r for _, r in base.records())), ("edition realised", tuple(records))],
                         base.registry)


def edition_set(name: str, scenarios, grid) -> AssumptionSet:
    """The assumption set of an edition for a run over ``grid``: the default set, its inflow totals replaced
    by the edition's (for the default edition: the default set itself)."""
    if str(name).strip().lower() == REALISED:
        return realised_set(scenarios, grid)
    base = AssumptionSet.default()
    edition = find_edition(name)
    if edition.is_default:
        return base
    first_year, last_year = max(int(grid.years[0]), first_open_year(base)), int(grid.years[-1])
    records = []
    for scenario in SCENARIOS:  # every scenario the edition can give, so the hash does not depend on the selection
        try:
            records += edition.records([scenario], first_year, last_year)
        except MppError:
            if scenario in scenarios:
                raise
    kept = tuple(r for _, r in base.records() if r.parameter != "inflow.total_annual")
    title = f"{edition.title} (public reconstruction; other assumptions as {DEFAULT_SET_NAME.split(' (')[0]})"
    return AssumptionSet(title, [("default", kept), (f"edition {edition.title}", tuple(records))], base.registry)
