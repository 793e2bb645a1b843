"""Policy measures: named, dated override sets over an edition (the MPP itself is policy-neutral).

Shipped measures are in ``data/measures.csv`` with a status (``policy assumption`` or ``illustrative`` where
no quantified effect is published) and a description in ``data/measure_descriptions.csv``. Measures apply
in the order given; two measures that set the same parameter for the same scenario and dates are an error
naming both.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources

from .assumptions import ALL, Assumption, AssumptionSet
from .errors import MppError, did_you_mean
from .variants import parse_variant_rows


@dataclass(frozen=True)
class Measure:
    name: str
    status: str
    description: str
    description_nl: str
    records: tuple[Assumption, ...]


def available_measures(registry) -> dict[str, Measure]:
    data = resources.files("mpp_xl").joinpath("data")
    described = {r["measure"]: r for r in
                 csv.DictReader(io.StringIO(data.joinpath("measure_descriptions.csv").read_text(encoding="utf-8")))}
    rows = list(csv.reader(io.StringIO(data.joinpath("measures.csv").read_text(encoding="utf-8"))))
    rows[0] = ["variant" if c == "measure" else c for c in rows[0]]  # the same table shape as the variants
    parsed = parse_variant_rows(rows, "measures.csv", registry)
    return {name: Measure(name, described[name]["status"], described[name]["description"],
                          described[name]["beschrijving"], v.records) for name, v in parsed.items()}


def _overlap(a: Assumption, b: Assumption) -> bool:
    same_scenario = a.scenario == b.scenario or ALL in (a.scenario, b.scenario)
    return a.parameter == b.parameter and same_scenario and a.start <= b.end and b.start <= a.end


def apply_measures(aset: AssumptionSet, names, available: dict[str, Measure] | None = None) -> AssumptionSet:
    """``aset`` with the named measures applied as layers in the given order; its name says which."""
    available = available if available is not None else available_measures(aset.registry)
    chosen: list[Measure] = []
    for name in names or ():
        key = str(name).strip().lower()
        if key not in available:
            raise MppError(f"unknown measure '{name}'{did_you_mean(key, available)}; available: "
                           f"{', '.join(available)} (mpp-xl measures lists them)")
        measure = available[key]
        if measure in chosen:
            raise MppError(f"measure {key} is given twice")
        for earlier in chosen:
            clash = next(((a, b) for a in earlier.records for b in measure.records if _overlap(a, b)), None)
            if clash:
                raise MppError(f"measures {earlier.name} and {measure.name} both set {clash[0].parameter} "
                               f"from {max(clash[0].start, clash[1].start)}: apply one of them")
        chosen.append(measure)
    for measure in chosen:
        aset = aset.with_layer(f"measure {measure.name}", measure.records)
    return aset.renamed(f"{aset.name} + measures {', '.join(m.name for m in chosen)}") if chosen else aset
