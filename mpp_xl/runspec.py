"""What a run is made of, built one way by every adapter: the CLI (``run``, ``simulate``, ``compare``), the Excel
functions and the Monte Carlo behind them all take their assumption set from a ``RunSpec``."""

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
        return apply_measures(base, self.measures, available) if self.measures else base

    def with_layers(self, aset: AssumptionSet) -> AssumptionSet:
        for label, records in self.layers:
            aset = aset.with_layer(label, records)
        return aset

    def assumptions(self, base: AssumptionSet, available=None) -> AssumptionSet:
        """The run's assumption set over ``base`` (``edition_base``, possibly kept by the caller): the measures,
        then the layers. Each step raises its own ``MppError``, so an adapter may run them one by one to say
        which of its arguments a problem lies in."""
        return self.with_layers(self.with_measures(base, available))
