"""What a run is made of, built one way by every adapter: the CLI (``run``, ``simulate``, ``compare``) and the
Excel functions build a run's assumption set from a ``RunSpec``; the Monte Carlo runs on the set they built."""

from __future__ import annotations

from dataclasses import dataclass

from .assumptions import Assumption, AssumptionSet
from .editions import DEFAULT_EDITION, edition_set
from .measures import apply_measures


@dataclass(frozen=True)
class RunSpec:
    """An edition, the measures switched on (in order) and the user's layers over them (override files, the
    workbook's changed Aannames rows), applied in that order: later layers win."""

    edition: str = DEFAULT_EDITION
    measures: tuple[str, ...] = ()
    layers: tuple[tuple[str, tuple[Assumption, ...]], ...] = ()

    def edition_base(self, scenarios, grid) -> AssumptionSet:
        """The edition's assumption set for these scenarios over ``grid``."""
        return edition_set(self.edition, scenarios, grid)

    def with_measures(self, base: AssumptionSet, available=None) -> AssumptionSet:
        """``base`` (the edition's set) with the measures applied in order (a bad measure: one ``MppError``)."""
        return apply_measures(base, self.measures, available) if self.measures else base

    def with_layers(self, aset: AssumptionSet) -> AssumptionSet:
        """``aset`` (the edition with the measures) with the user's layers over it: the run's assumption set.
        The steps are separate so an adapter can say which of its arguments a problem lies in."""
        for label, records in self.layers:
            aset = aset.with_layer(label, records)
        return aset
