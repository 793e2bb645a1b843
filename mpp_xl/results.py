"""The result of a run and the tables made from it (projection, cohorts, waiting times, penalties, budget).

``mpp_xl.model`` runs; this module tabulates: a newcomer finds each job in its own module.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from . import __version__
from .assumptions import AssumptionSet
from .catalogue import METRIC_UNITS
from .chain import TRACKS, ChainResult
from .memo import LazyTable
from .penalties import COUNTS
from .queue import WAIT_BANDS
from .timegrid import TimeGrid
from .variants import BASE, Variant

WINDOW = (2024, 2027)  # the letter of 2 Dec 2024 reports the penalty debt for 2024 up to and including 2027


@dataclass
class RunResult:
    aset: AssumptionSet
    grid: TimeGrid
    scenarios: tuple[str, ...]
    variants: dict[str, Variant]
    chains: LazyTable = field(default_factory=lambda: LazyTable((), None))  # (scenario, variant) -> ChainResult
    penalties: LazyTable = field(default_factory=lambda: LazyTable((), None))  # (scenario, variant) -> PenaltyRun
    window: tuple[int, int] = WINDOW
    inputs: dict = field(default_factory=dict)  # edition, measures and override files (name and hash)

    @property
    def provenance(self) -> dict:
        return {"package_version": __version__, "assumption_set": self.aset.name, "assumptions_hash": self.aset.digest,
                "horizon": f"{self.grid.start}..{self.grid.end}", "scenarios": ",".join(self.scenarios),
                "variants": ",".join(self.variants), "variants_hash": self.variants_digest,
                "window": f"{self.window[0]}-{self.window[1]}", **self.inputs}

    @cached_property
    def variants_digest(self) -> str:
        """Short SHA-256 of every variant's name and records: two different variant files never share it."""
        sha = hashlib.sha256()
        for name, variant in self.variants.items():
            sha.update(f"\n[{name}]".encode())
            for rec in variant.records:
                sha.update(("\n" + "|".join(rec.as_row())).encode())
        return sha.hexdigest()[:12]

    @cached_property
    def variant_sets(self) -> dict[str, AssumptionSet]:
        """The assumptions each variant runs on: the run's set with the variant's records over it (built once)."""
        return {name: self.aset.with_layer(f"variant {name}", variant.records)
                for name, variant in self.variants.items()}

    def variant_set(self, variant: str) -> AssumptionSet:
        return self.variant_sets[variant]

    @property
    def focus_scenario(self) -> str:
        """The scenario a one-scenario view shows: medio when it was run, else the first."""
        return "medio" if "medio" in self.scenarios else self.scenarios[0]

    def assumption_rows(self) -> list[tuple]:
        """Every record of every layer and of every variant, with its layer (assumptions_used.csv)."""
        return self.aset.table_rows() + [rec.as_row() + (f"variant {name}",) for name, variant in
                                         self.variants.items() for rec in variant.records]

    @cached_property
    def _budget(self) -> pd.DataFrame:
        from .budget import COLUMNS
        return pd.DataFrame([row for pair in self.penalties for row in self._budget_rows[pair]], columns=COLUMNS)

    @cached_property
    def _budget_rows(self) -> LazyTable:
        from .budget import budget_rows
        return LazyTable(self.penalties, lambda pair: budget_rows(self, *pair))

    def budget_frame(self) -> pd.DataFrame:
        """The budget.csv contract (see ``mpp_xl.budget.budget_rows``), every scenario and variant of the run."""
        return self._budget.copy()

    def budget_rows(self, scenario: str, variant: str) -> list:
        """The budget.csv rows of one scenario and variant (``budget.BudgetRow``; computes that pair only)."""
        return self._budget_rows[(scenario, variant)]

    def view(self, scenario: str, variant: str, window: tuple[int, int] | None = None) -> "RunResult":
        """The run restricted to one scenario and one variant (with base, which deltas are against) and, if
        given, another window: a table of one pair computes that pair only. Chains, penalty runs, yearly
        penalties and budget rows computed by either are shared."""
        keep = {(scenario, BASE), (scenario, variant)}
        out = replace(self, chains=self.chains.only(keep), penalties=self.penalties.only(keep),
                      scenarios=(scenario,), variants={k: v for k, v in self.variants.items() if k in (BASE, variant)},
                      window=tuple(window or self.window))
        out.__dict__.update(variant_sets=self.variant_sets, _yearly_pair=self._yearly_pair.only(keep),
                            _budget_rows=self._budget_rows.only(keep))
        return out

    def windowed(self, window: tuple[int, int]) -> "RunResult":
        """The run with another window for its totals and deltas; nothing is rerun (the window only selects
        years) and the copy shares everything computed per year."""
        if tuple(window) == tuple(self.window):
            return self
        out = replace(self, window=tuple(window))
        out.__dict__.update(variant_sets=self.variant_sets, _yearly_pair=self._yearly_pair,
                            _budget_rows=self._budget_rows, yearly_penalties=self.yearly_penalties)
        return out

    def chain(self, scenario: str, variant: str = BASE) -> ChainResult:
        """The chain of a scenario and variant (base where the run has no such variant); a failure while
        computing it is raised, never answered with base's chain."""
        key = (scenario, variant) if (scenario, variant) in self.chains else (scenario, BASE)
        return self.chains[key]

    def projection_frame(self) -> pd.DataFrame:
        """Tidy monthly table: scenario, variant, metric, date (month end), value, unit."""
        parts = []
        dates = self.grid.month_ends.astype(str)
        for (scenario, variant), chain in self.chains.items():
            for metric, unit in METRIC_UNITS.items():
                parts.append(pd.DataFrame({"scenario": scenario, "variant": variant, "metric": metric,
                                           "date": dates, "value": chain.metrics[metric], "unit": unit}))
        return pd.concat(parts, ignore_index=True)

    def cohort_frame(self) -> pd.DataFrame:
        """The IND cohort matrices (base chain): scenario, track, filing month, decision month, decided and
        still pending at the end of that month (cases); only cells where something is decided or pending."""
        parts = []
        for (scenario, variant), chain in self.chains.items():
            for track, matrix in chain.queues.items():
                cohort, month = np.nonzero((matrix.decided > 0) | (matrix.pending_end > 0))
                parts.append(pd.DataFrame({
                    "scenario": scenario, "variant": variant, "track": track,
                    "filing_month": matrix.filing_months[cohort].astype(str),
                    "month": matrix.decision_months[month].astype(str),
                    "decided": matrix.decided[cohort, month], "pending_end": matrix.pending_end[cohort, month]}))
        return pd.concat(parts, ignore_index=True)

    def wait_frame(self, edges_months=WAIT_BANDS) -> pd.DataFrame:
        """Decisions per year by time to decision (months since filing, bands [low, high))."""
        rows = []
        labels = [f"{low}-{high}" for low, high in zip(edges_months, edges_months[1:])] + [f"{edges_months[-1]}+"]
        years = self.grid.calendar_years
        for (scenario, variant), chain in self.chains.items():
            for track, matrix in chain.queues.items():
                bands = matrix.wait_distribution(edges_months)
                for year in years:
                    in_year = bands[:, self.grid.years == year].sum(axis=1)
                    rows += [(scenario, variant, track, int(year), label, float(value))
                             for label, value in zip(labels, in_year)]
        return pd.DataFrame(rows, columns=["scenario", "variant", "track", "year", "wait_months", "decisions"])

    def penalty_monthly_frame(self) -> pd.DataFrame:
        """Monthly penalties per scenario, variant, track and component (EUR) and counts (cases)."""
        return self._monthly_frame.copy()

    @cached_property
    def _monthly_frame(self) -> pd.DataFrame:
        dates = self.grid.month_ends.astype(str)
        keys = [(s, v, t) for (s, v), run in self.penalties.items() for t in run.tracks]
        tracks = [self.penalties[(s, v)].tracks[t] for s, v, t in keys]
        size = dates.size
        columns = {"scenario": np.repeat([k[0] for k in keys], size), "variant": np.repeat([k[1] for k in keys], size),
                   "track": np.repeat([k[2] for k in keys], size), "date": np.tile(dates, len(keys)),
                   "amount_eur": np.concatenate([tp.total for tp in tracks]),
                   "amount_paid_eur": np.concatenate([tp.total_paid for tp in tracks])}
        for name in tracks[0].amounts:
            columns[f"{name}_eur"] = np.concatenate([tp.amounts[name] for tp in tracks])
        for name in COUNTS:
            columns[name] = np.concatenate([tp.counts[name] for tp in tracks])
        return pd.DataFrame(columns)

    def penalty_frame(self) -> pd.DataFrame:
        """The penalties.csv contract: one row per scenario, variant, year and track (asylum, nareis, total)."""
        return self._penalty_frame.copy()

    @cached_property
    def yearly_penalties(self) -> LazyTable:
        """(scenario, variant, track incl. 'total') -> yearly arrays: amount_eur, delta_vs_base_eur and counts;
        each pair computed when first read (a view of the run shares them)."""
        keys = [(s, v, t) for s, v in self.penalties for t in (*TRACKS, "total")]
        return LazyTable(keys, lambda key: self._yearly_pair[key[:2]][key[2]])

    @cached_property
    def _yearly_pair(self) -> LazyTable:
        starts = self.grid.year_starts

        def compute(pair):
            scenario, variant = pair
            per_track = {t: {"amount_eur": np.add.reduceat(tp.total, starts),
                             "amount_paid_eur": np.add.reduceat(tp.total_paid, starts),
                             **{c: np.add.reduceat(tp.counts[c], starts) for c in COUNTS}}
                         for t, tp in self.penalties[pair].tracks.items()}
            per_track["total"] = {k: sum(v[k] for v in per_track.values())
                                  for k in ("amount_eur", "amount_paid_eur", *COUNTS)}
            base = self._yearly_pair[(scenario, BASE)] if variant != BASE else per_track
            return {track: {**values, "delta_vs_base_eur": values["amount_eur"] - base[track]["amount_eur"]}
                    for track, values in per_track.items()}
        return LazyTable(self.penalties, compute)

    @cached_property
    def _penalty_frame(self) -> pd.DataFrame:
        years = self.grid.calendar_years.astype(int)
        columns = ("amount_eur", "amount_paid_eur", "delta_vs_base_eur", *COUNTS)
        rows = [(s, v, int(year), t, *(float(values[c][i]) for c in columns))
                for (s, v), run in self.penalties.items()
                for i, year in enumerate(years)
                for t in (*run.tracks, "total")
                for values in [self.yearly_penalties[(s, v, t)]]]
        return pd.DataFrame(rows, columns=["scenario", "variant", "year", "track", *columns])

    def window_total(self, scenario: str, variant: str) -> tuple[float, float]:
        """Total penalties (all tracks, as accrued) in the run's window and the delta against base (EUR)."""
        values = self.yearly_penalties[(scenario, variant, "total")]
        inside = self.grid.in_window(self.window)
        return float(values["amount_eur"][inside].sum()), float(values["delta_vs_base_eur"][inside].sum())

    def window_totals(self) -> pd.DataFrame:
        """Scenario x variant: total penalties (all tracks) in the window and the delta against base (EUR)."""
        rows = [(s, v, *self.window_total(s, v)) for s, v in self.penalties]
        return pd.DataFrame(rows, columns=["scenario", "variant", "amount_eur", "delta_vs_base_eur"])
