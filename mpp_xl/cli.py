"""Command line: ``mpp-xl run``, ``compare``, ``editions``, ``measures``, ``params``, ``variants``,
``reconcile``, ``simulate``, ``build-workbook``.

Every failure ends in one line on stderr; an unexpected one also leaves its traceback in a log file.
"""

from __future__ import annotations

import argparse
import csv
import errno
import io
import os
import sys
import tempfile
import traceback
from pathlib import Path

from . import __version__
from .assumptions import AssumptionSet, check_effect, load_csv_hashed, with_origin
from .errors import MppError
from .timegrid import DEFAULT_END, DEFAULT_START

LOG_FILE = Path(tempfile.gettempdir()) / f"mpp-xl-{os.getuid() if hasattr(os, 'getuid') else 'user'}.log"
RECONCILE_COLUMNS = ["figure", "source", "role", "published", "model", "lower", "upper", "holds"]


class _Once(argparse.Action):
    """An option that may be given once: a second value is an error, never a silent override."""

    def __call__(self, parser, namespace, values, option_string=None):
        if getattr(namespace, f"_seen_{self.dest}", False):
            raise MppError(f"{option_string} is given twice; give it once")
        setattr(namespace, f"_seen_{self.dest}", True)
        setattr(namespace, self.dest, values)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise MppError(f"{message} (see mpp-xl {self.prog.split()[-1]} --help)" if " " in self.prog
                       else f"{message} (see mpp-xl --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mpp-xl", description="Asylum-chain projections and penalty estimates from the MPP.")
    parser.add_argument("--version", action="version", version=f"mpp-xl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run every scenario and variant, print a summary, write the results")
    _inputs_options(run)
    run.add_argument("--out", default="mpp-output", action=_Once, metavar="DIR", help="output folder (default: mpp-output)")
    run.add_argument("--quiet", action="store_true", help="print only where the results were written")

    compare = sub.add_parser("compare", help="two editions or override files side by side: the budget mutation "
                             "table (comparison.csv)")
    compare.add_argument("a", metavar="A", help="an edition name (mpp-xl editions) or an override file (CSV)")
    compare.add_argument("b", metavar="B", help="an edition name or an override file; delta = B - A")
    _inputs_options(compare, with_sources=False)
    compare.add_argument("--out", default="mpp-compare", action=_Once, metavar="DIR", help="output folder (default: mpp-compare)")

    simulate = sub.add_parser("simulate", help="Monte Carlo over the uncertain assumptions: bands.csv, tornado.csv "
                              "and their charts")
    _inputs_options(simulate)
    simulate.add_argument("--paths", default=None, action=_Once, metavar="N",
                          help="number of paths (default 1000)")
    simulate.add_argument("--seed", default=None, action=_Once, metavar="S",
                          help="seed of the draws (default 20241202); the same seed gives the same files")
    simulate.add_argument("--spread", default="mpp", action=_Once, choices=("mpp", "backtest"),
                          help="spread of inflow: the edition's min/max scenarios (mpp, default) or the record of "
                               "the MPP's forecast errors (backtest)")
    simulate.add_argument("--uncertainty", metavar="FILE.csv", action=_Once,
                          help="uncertain assumptions: name,parameter,from,distribution,low,high,group,label_nl,"
                               "source (default: the shipped table; see mpp-xl simulate --help)")
    simulate.add_argument("--out", default="mpp-simulate", action=_Once, metavar="DIR",
                          help="output folder (default: mpp-simulate)")

    sub.add_parser("compile", help="compile the fast kernels once (after installing), so no first run waits for it")
    sub.add_parser("editions", help="list the MPP editions and which inflow figures each publishes")
    backtest = sub.add_parser("backtest", help="every MPP edition against what happened (backtest.csv and "
                              "backtest_summary.csv)")
    backtest.add_argument("--out", default="mpp-backtest", action=_Once, metavar="DIR", help="output folder (default: mpp-backtest)")
    sub.add_parser("measures", help="list the policy measures (apply with run --measure NAME)")

    params = sub.add_parser("params", help="print every assumption (name, scenario, from, to, value, unit, source)")
    params.add_argument("--csv", action="store_true", help="print as CSV")
    params.add_argument("--assumptions", action="append", metavar="FILE.csv",
                        help="show the effect of override files (repeatable; later files win)")

    sub.add_parser("variants", help="list the available legal variants")
    reconcile = sub.add_parser("reconcile", help="published figures next to the model's (default assumptions)")
    reconcile.add_argument("--csv", action="store_true", help="print as CSV (" + ",".join(RECONCILE_COLUMNS) + ")")
    reconcile.add_argument("--sensitivity", action="store_true",
                           help="for each calibration target: which tuned assumptions move it, and by how much (+-5 %%)")

    build = sub.add_parser("build-workbook", help="generate the Excel workbook from the default run")
    build.add_argument("--out", metavar="PATH", help="where to write the workbook (default workbooks/mpp_model.xlsm; "
                       "with --values-only workbooks/mpp_model_waarden.xlsx)")
    build.add_argument("--force", action="store_true", help="replace a workbook that differs (a backup is kept)")
    build.add_argument("--values-only", action="store_true", help="write a copy with the results as plain values "
                       "(.xlsx: same layout, formats and charts; no functions, no Python needed)")
    return parser


def _inputs_options(parser, with_sources: bool = True) -> None:
    """The options that choose what a run computes (shared by run and compare)."""
    if with_sources:
        parser.add_argument("--edition", metavar="NAME", action=_Once, help="MPP edition to run (default mpp-2024-II; see "
                            "mpp-xl editions)")
    parser.add_argument("--assumptions", action="append", metavar="FILE.csv",
                        help="overrides: parameter,scenario,from,to,value,unit,source (repeatable; later files win; "
                             "with compare: applied to both A and B)")
    parser.add_argument("--measure", action="append", metavar="NAME", help="policy measure to apply (repeatable, in "
                        "the order given; see mpp-xl measures)")
    parser.add_argument("--variants", metavar="FILE.csv", action=_Once, help="extra variants: variant,parameter,scenario,from,to,...")
    parser.add_argument("--variant", action="append", metavar="NAME", help="variant to run (repeatable; default all "
                        "named variants: base, all_undone, first_holds)")
    parser.add_argument("--scenario", action="append", metavar="NAME", help="min, medio or max (repeatable; default "
                        "all)")
    parser.add_argument("--start", default=DEFAULT_START, action=_Once, metavar="YYYY-MM", help=f"first month (default {DEFAULT_START}; "
                        "a year alone means its January)")
    parser.add_argument("--end", default=DEFAULT_END, action=_Once, metavar="YYYY-MM", help=f"last month (default {DEFAULT_END}; a year "
                        "alone means its December)")
    parser.add_argument("--window", metavar="YYYY-YYYY", action=_Once, help="years of every total and delta (default 2024-2027, "
                        "the letter's)")


def effective_assumptions(paths=None, edition: str | None = None, measures=None, scenarios=None,
                          grid=None) -> tuple[AssumptionSet, tuple[Path, ...], dict]:
    """The assumption set of a run: an edition, then measures, then override files (later files win);
    returns the set, the files that must not be overwritten, and the provenance of these inputs."""
    from dataclasses import replace
    from .editions import DEFAULT_EDITION, find_edition
    from .model import select_scenarios
    from .runspec import RunSpec
    from .timegrid import TimeGrid
    grid = grid or TimeGrid.from_text()
    paths = [paths] if isinstance(paths, str) else list(paths or [])
    chosen = find_edition(DEFAULT_EDITION if edition is None else edition)
    spec = RunSpec(chosen.name, tuple(measures or ()))
    measured = spec.with_measures(spec.edition_base(select_scenarios(scenarios), grid))  # a bad measure first
    inputs = {"edition": chosen.title, "edition_published": chosen.published,
              "measures": [str(m).lower() for m in measures or ()], "override_files": []}
    layers = []
    for path in paths:
        records, digest = load_csv_hashed(path, measured.registry, default_source=f"user override {Path(path).name}")
        layers.append((f"override {Path(path).name}", records))
        inputs["override_files"].append({"name": str(path), "sha256": digest})  # of the bytes read
    aset = replace(spec, layers=tuple(layers)).with_layers(measured)
    check_effect(aset, grid)  # a record of the user's that the run would read nowhere is refused, not ignored
    name = aset.name + "".join(f" + {label}" for label, _ in layers)
    return aset.renamed(name), tuple(Path(p) for p in paths), inputs


def _run_model(aset, grid, scenarios, variants, available, window, inputs=None):
    """run_model, whose cross-checks then name the file, row and column of the record they rest on."""
    from .model import run_model
    try:
        return run_model(aset, grid, scenarios, variants, available, window=window, inputs=inputs)
    except MppError as exc:
        raise with_origin(exc, aset) from None


def _prepared(args, source: str | None = None):
    """(assumption set, grid, variants, protected files, inputs) from the shared options; ``source`` is a
    compare argument (an edition name or an override file) instead of --edition/--assumptions."""
    from .timegrid import TimeGrid
    from .variants import default_variants, load_variant_file_hashed
    grid = TimeGrid.from_text(args.start, args.end)
    if source is None:
        aset, protected, inputs = effective_assumptions(args.assumptions, args.edition, args.measure, args.scenario,
                                                        grid)
    elif source.lower().endswith(".csv") or os.sep in source or "/" in source:  # a file; otherwise an edition name
        aset, protected, inputs = effective_assumptions([source, *(args.assumptions or [])], None, args.measure,
                                                        args.scenario, grid)
    else:
        aset, protected, inputs = effective_assumptions(args.assumptions, source, args.measure, args.scenario, grid)
    available = default_variants(aset.registry)
    if args.variants:
        extra, digest = load_variant_file_hashed(args.variants, aset.registry, available)
        for variant in extra.values():  # the same checks as an override file's records
            check_effect(aset.with_layer(f"override variant {variant.name}", variant.records), grid)
        available.update(extra)
        protected += (Path(args.variants),)
        inputs["variants_file"] = {"name": args.variants, "sha256": digest}
    return aset, grid, available, protected, inputs


def _run(args) -> int:
    from .output import write_results
    from .summary import summary_text

    aset, grid, available, protected, inputs = _prepared(args)
    result = _run_model(aset, grid, args.scenario, args.variant, available, args.window, inputs)
    written = write_results(result, args.out, protected)
    if not args.quiet:
        print(summary_text(result))
    print(f"Results written to {Path(args.out)}/ ({', '.join(p.name for p in written)})")
    return 0


def _compare(args) -> int:
    from .compare import comparison_frame
    from .output import write_comparison
    from .summary import comparison_summary

    results, protected = [], ()
    for source in (args.a, args.b):
        aset, grid, available, files, inputs = _prepared(args, source)
        protected += files
        results.append(_run_model(aset, grid, args.scenario, args.variant, available, args.window, inputs))
    frame = comparison_frame(*results)
    written = write_comparison(frame, results, args.out, protected)
    print(comparison_summary(frame, results))
    print(f"Comparison written to {written}")
    return 0


def _backtest(args) -> int:
    from .backtest import backtest_frame, backtest_summary
    from .output import write_tables
    panel = backtest_frame()
    summary = backtest_summary(panel)
    shown = panel.assign(error_pct=panel.error_pct.round(1))
    written = write_tables(args.out, {"backtest.csv": panel, "backtest_summary.csv": summary},
                           "# mpp-xl backtest; source: mpp_xl/data/editions.csv (published figures only)\n", "backtest")
    print("Published MPP forecasts against what happened (error = forecast - realised; blank = not published)")
    whole = lambda v: "" if v != v else f"{v:,.0f}"  # noqa: E731
    print(shown.to_string(index=False, na_rep="", formatters={"forecast": whole, "realised": whole, "error": whole,
                                                              "error_pct": lambda v: "" if v != v else f"{v:+.1f}%"}))
    print("\nPer lead (years between publication and the forecast year): mean and spread of the error in %, and how "
          "often the realised value fell inside [min, max]")
    print(summary.to_string(index=False, na_rep="", float_format=lambda v: f"{v:,.1f}"))
    print("\nRealised 2025 (40,000) is a lower bound: first applications and nareis only; repeat and resettlement "
          "2025 are not published.")
    print(f"Backtest written to {written}")
    return 0


def _simulate(args) -> int:
    import json

    import pandas as pd

    from .model import parse_window, select_scenarios, select_variants
    from .montecarlo import default_spec
    from .output import _csv, run_date, write_folder
    from .queue import default_engine
    from .simulation import (DEFAULT_PATHS, DEFAULT_SEED, bands_frame, chart_pngs, check_paths, check_seed,
                             load_uncertainty, simulate, spec_frame, summary_text, tornado_frame)

    paths = check_paths(DEFAULT_PATHS if args.paths is None else args.paths)
    seed = check_seed(DEFAULT_SEED if args.seed is None else args.seed)
    aset, grid, available, protected, inputs = _prepared(args)
    scenarios = select_scenarios(args.scenario)
    variants = select_variants(args.variant, available)
    window = parse_window(args.window, grid)
    if args.uncertainty:
        spec, digest = load_uncertainty(args.uncertainty, aset)
        protected += (Path(args.uncertainty),)
        inputs["uncertainty_file"] = {"name": args.uncertainty, "sha256": digest}
    else:
        spec = default_spec(aset)
    # the deterministic run first: simulate accepts exactly the assumption sets run accepts (its checks, its errors)
    _run_model(aset, grid, args.scenario, args.variant, available, args.window)
    print(f"Monte Carlo: {paths:,} paths x {len(scenarios)} scenario(s) x {len(variants)} variant(s) over "
          f"{grid.size} months (the first run after installing also compiles the kernels, up to a minute and a half; "
          f"mpp-xl compile does that once ahead) ...", file=sys.stderr, flush=True)
    sim = simulate(aset, variants, scenarios, grid, window, paths, seed, spec, args.spread, progress=True)
    bands = bands_frame(sim)
    tornado = pd.concat([tornado_frame(aset, variants, s, grid, window, spec, args.spread) for s in scenarios],
                        ignore_index=True)
    focus = "medio" if "medio" in scenarios else scenarios[0]
    header = (f"# mpp-xl {__version__}; assumptions: {aset.name}; hash: {aset.digest}; paths: {paths}; seed: {seed}; "
              f"spread: {args.spread}; horizon: {grid.start}..{grid.end}; window: {window[0]}-{window[1]}\n")
    files = {"bands.csv": header + _csv(bands), "tornado.csv": header + _csv(tornado),
             "uncertainty_used.csv": header + _csv(spec_frame(sim.spec)), **chart_pngs(bands, tornado, focus)}
    provenance = {"command": "simulate", "package_version": __version__, "run_date": run_date(),
                  "assumption_set": aset.name, "assumptions_hash": aset.digest, "paths": paths, "seed": seed,
                  "spread": args.spread, "engine": default_engine(), "horizon": f"{grid.start}..{grid.end}",
                  "window": f"{window[0]}-{window[1]}", "scenarios": ",".join(scenarios),
                  "variants": ",".join(variants), "files": list(files), **inputs}
    files["provenance.json"] = json.dumps(provenance, indent=2, sort_keys=True) + "\n"
    written = write_folder(args.out, files, protected)
    print(summary_text(sim, tornado[tornado.scenario == focus], focus))
    print(f"Bands and sensitivity written to {written}/ ({', '.join(n for n in files)})")
    return 0


def _compile(args) -> int:
    from .warmup import compile_kernels
    print("Compiling the fast kernels once (half a minute to a minute and a half; every later run and "
          "recalculation uses them) ...", flush=True)
    seconds, engine = compile_kernels()
    print(f"Kernels ready ({engine}) in {seconds:.1f} s; numba keeps them in its cache for the next runs")
    return 0


def _editions(args) -> int:
    from .editions import DEFAULT_EDITION, available_editions
    for edition in available_editions().values():
        mark = " (default)" if edition.name == DEFAULT_EDITION else ""
        print(f"{edition.name:13s} published {edition.published:10s} inflow: {edition.coverage()}{mark}")
        print(f"{'':13s} source: {edition.source}")
    print(f"{'realised':13s} what happened: realised inflow by category through 2025, then the latest editions; "
          f"run it with --variant wbv_2023_26_withdrawn for the legal history as it happened")
    print("\nA run needs an inflow total for every scenario and year after the realised history: a year before the edition's "
          "publication takes the realised total, a year after its last published year is held at that level, a "
          "gap in between stops the run.")
    return 0


def _measures(args) -> int:
    from .measures import available_measures
    for measure in available_measures(AssumptionSet.default().registry).values():
        print(f"{measure.name:22s} [{measure.status}] {measure.description}")
        for rec in measure.records:
            period = f"from {rec.start}" + ("" if str(rec.end) >= "9999" else f" to {rec.end}")
            print(f"{'':22s}   {rec.parameter} = {rec.value:g} {rec.unit} ({rec.scenario}, {period}); {rec.source}")
    return 0


def _params(args) -> int:
    aset, _, _ = effective_assumptions(args.assumptions)
    header = ("parameter", "scenario", "from", "to", "value", "unit", "source", "layer")
    rows = aset.table_rows()
    if args.csv:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        sys.stdout.write(out.getvalue())
    else:
        widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(6)]
        for row in [header] + rows:
            print("  ".join(str(v).ljust(w) for v, w in zip(row[:6], widths)) + "  " + row[6])
    return 0


def _variants(args) -> int:
    from .variants import default_variants
    for variant in default_variants(AssumptionSet.default().registry).values():
        print(f"{variant.name:12s} {variant.description}")
    return 0


def _figure(value: float) -> str:
    """A published or model figure for the screen: thousands separated; small values (shares, weeks) with
    their decimals."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _reconcile(args) -> int:
    import pandas as pd

    from .model import run_model
    from .reconcile import conflicts, reconciliation, sensitivity
    if args.sensitivity:
        table = sensitivity(AssumptionSet.default())
        if args.csv:
            sys.stdout.write(table.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
            return 0
        shown = table.assign(down=table["down"].map("{:+.1%}".format), up=table["up"].map("{:+.1%}".format))
        shown["model"] = shown["model"].map(lambda v: f"{v:,.4g}" if abs(v) < 10 else f"{v:,.0f}")
        print(shown.to_string(index=False))
        print("\ndown/up: relative change of the model's value when every record of the assumption moves 5 % down/up "
              "(medio; the letter's delta with all_undone)")
        return 0
    result = run_model(AssumptionSet.default())
    contradictions = conflicts(result)
    table = reconciliation(result, contradictions)[RECONCILE_COLUMNS]
    if args.csv:
        sys.stdout.write(table.to_csv(index=False, float_format="%.10g", lineterminator="\n"))
        return 0
    shown = table.drop(columns="source")
    shown["holds"] = ["-" if pd.isna(v) else "yes" if v else "no" for v in shown["holds"]]
    print(shown.to_string(index=False, na_rep="",
                          formatters={c: _figure for c in ("published", "model", "lower", "upper")}))
    print("\nrole target: a tuned assumption serves the figure; check: nothing was tuned to it; derived: the model "
          "reproduces it by construction.\n"
          "holds: the model lies within [lower, upper]; -: no tolerance, not reconciled "
          "(see data/published_figures.csv)")
    print("\nPublished figures that contradict each other under the model's identities:")
    for row in contradictions.itertuples():
        print(f"- {row.figures}: {row.identity}: {_figure(row.left)} against {_figure(row.right)} (gap "
              f"{_figure(row.gap)}, tolerance {_figure(row.tolerance)}): {'contradiction' if row.conflict == 'yes' else 'holds'}")
    return 0


MAX_WORKBOOK_BYTES = 200 * 2**20  # the workbook is a few MB; a larger file at the target is not one of ours


def _check_workbook_target(path: Path) -> None:
    """What build-workbook may write to: a regular file (or a new name) in a writable folder. Checked before the
    build, so a folder, a named pipe, a device, a huge file or a read-only place is one line, never a hang."""
    import stat
    try:
        too_long = next((part for part in path.parts if len(os.fsencode(part)) > 255), None)
        if too_long is not None:
            raise MppError(f"{path}: the name '{too_long[:40]}...' has {len(too_long)} characters; give at most 255")
        for parent in path.parents:
            if parent.exists() and not parent.is_dir():
                raise MppError(f"{path}: {parent} is a file, not a folder")
        if path.is_symlink():
            raise MppError(f"{path}: is a symbolic link; give the file itself")
        if path.exists():
            mode = path.stat().st_mode
            if stat.S_ISDIR(mode):
                raise MppError(f"{path}: is a folder; give a file name (e.g. {path / 'mpp_model.xlsm'})")
            if not stat.S_ISREG(mode):
                raise MppError(f"{path}: is not a regular file (a named pipe, a device or a socket); give a file name")
            if path.stat().st_size > MAX_WORKBOOK_BYTES:
                raise MppError(f"{path}: {path.stat().st_size / 2**20:,.0f} MB is not a workbook mpp-xl wrote (at most "
                               f"{MAX_WORKBOOK_BYTES // 2**20} MB); give another name")
        folder = next((p for p in path.parents if p.exists()), Path("."))
        handle, probe = tempfile.mkstemp(prefix=".mpp-xl-probe-", dir=folder)  # a read-only folder or disk shows here
        os.close(handle)
        os.remove(probe)
    except OSError as exc:
        raise MppError(f"{path}: cannot write the workbook there ({exc.strerror or exc})") from None


def _build(args) -> int:
    from .workbook import DEFAULT_PATHS, build_workbook_file
    target = Path(DEFAULT_PATHS[args.values_only] if args.out is None else args.out)
    _check_workbook_target(target)
    try:
        print(build_workbook_file(args.out, force=args.force, values_only=args.values_only))
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        raise MppError(f"{target}: cannot write the workbook ({exc.strerror or exc})") from None
    return 0


def main(argv=None) -> int:
    try:
        args = _parser().parse_args(argv)
        commands = {"run": _run, "compare": _compare, "editions": _editions, "measures": _measures,
                    "backtest": _backtest, "simulate": _simulate, "compile": _compile, "params": _params, "variants": _variants, "reconcile": _reconcile,
                    "build-workbook": _build}
        return commands[args.command](args)
    except MppError as exc:
        print(f"mpp-xl: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mpp-xl: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):  # the reader of our output went away (e.g. `| head`): the work is done
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except OSError:
                pass
            return 0
        if exc.errno not in (errno.ENOSPC, errno.EIO):
            return _internal_error(exc)
        try:
            print(f"mpp-xl: error: cannot write the output ({exc.strerror})", file=sys.stderr)
        except OSError:
            pass
        return 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line for the user, details in the log
        return _internal_error(exc)


def _internal_error(exc: BaseException) -> int:
    """One line for the user and the traceback in the user's own log (exit code 3)."""
    try:  # never follow a link planted at the log's name; the log is the user's own file
        handle = os.open(LOG_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(handle, "a", encoding="utf-8") as log:
            log.write(traceback.format_exc() + "\n")
        where = f" (details in {LOG_FILE})"
    except OSError:
        where = ""
    print(f"mpp-xl: internal error: {type(exc).__name__}: {exc}{where}", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
