"""Command line: ``mpp-xl run``, ``mpp-xl params``, ``mpp-xl variants``, ``mpp-xl reconcile``,
``mpp-xl build-workbook``.

Every failure ends in one line on stderr; an unexpected one also leaves its traceback in a log file.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import traceback
from pathlib import Path

from . import __version__
from .assumptions import AssumptionSet, load_csv
from .errors import MppError

LOG_FILE = Path(tempfile.gettempdir()) / "mpp-xl.log"
RECONCILE_COLUMNS = ["figure", "source", "role", "published", "model", "lower", "upper", "holds"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise MppError(f"{message} (see mpp-xl {self.prog.split()[-1]} --help)" if " " in self.prog
                       else f"{message} (see mpp-xl --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mpp-xl", description="Asylum-chain projections and penalty estimates from the MPP.")
    parser.add_argument("--version", action="version", version=f"mpp-xl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run every scenario and variant, print a summary, write the results")
    run.add_argument("--assumptions", metavar="FILE.csv", help="overrides: parameter,scenario,from,to,value,unit,source")
    run.add_argument("--variants", metavar="FILE.csv", help="extra variants: variant,parameter,scenario,from,to,...")
    run.add_argument("--variant", action="append", metavar="NAME", help="variant to run (repeatable; default all "
                     "named variants: base, all_undone, first_holds)")
    run.add_argument("--scenario", action="append", metavar="NAME", help="min, medio or max (repeatable; default all)")
    run.add_argument("--out", default="mpp-output", metavar="DIR", help="output folder (default: mpp-output)")
    run.add_argument("--start", default="2022-01", metavar="YYYY-MM", help="first month (default 2022-01)")
    run.add_argument("--end", default="2030-12", metavar="YYYY-MM", help="last month (default 2030-12)")
    run.add_argument("--quiet", action="store_true", help="print only where the results were written")

    params = sub.add_parser("params", help="print every assumption (name, scenario, from, to, value, unit, source)")
    params.add_argument("--csv", action="store_true", help="print as CSV")
    params.add_argument("--assumptions", metavar="FILE.csv", help="show the effect of an override file")

    sub.add_parser("variants", help="list the available legal variants")
    reconcile = sub.add_parser("reconcile", help="published figures next to the model's (default assumptions)")
    reconcile.add_argument("--csv", action="store_true", help="print as CSV (" + ",".join(RECONCILE_COLUMNS) + ")")

    build = sub.add_parser("build-workbook", help="generate the Excel workbook from the default run")
    build.add_argument("--out", default="workbooks/mpp_model.xlsm", metavar="PATH")
    build.add_argument("--force", action="store_true", help="replace a workbook that differs (a backup is kept)")
    return parser


def effective_assumptions(path: str | None) -> tuple[AssumptionSet, tuple[Path, ...]]:
    aset = AssumptionSet.default()
    if not path:
        return aset, ()
    records = load_csv(path, aset.registry, default_source=f"user override {Path(path).name}")
    return aset.with_layer(f"override {Path(path).name}", records), (Path(path),)


def _run(args) -> int:
    from .model import run_model
    from .output import summary_text, write_results
    from .timegrid import TimeGrid
    from .variants import default_variants, load_variant_file

    grid = TimeGrid.from_text(args.start, args.end)
    aset, protected = effective_assumptions(args.assumptions)
    available = default_variants(aset.registry)
    if args.variants:
        available.update(load_variant_file(args.variants, aset.registry, available))
        protected += (Path(args.variants),)
    result = run_model(aset, grid, args.scenario, args.variant, available)
    written = write_results(result, args.out, protected)
    if not args.quiet:
        print(summary_text(result))
    print(f"Results written to {Path(args.out)}/ ({', '.join(p.name for p in written)})")
    return 0


def _params(args) -> int:
    aset, _ = effective_assumptions(args.assumptions)
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
    from .reconcile import reconciliation
    table = reconciliation(run_model(AssumptionSet.default()))[RECONCILE_COLUMNS]
    if args.csv:
        sys.stdout.write(table.to_csv(index=False, float_format="%.10g", lineterminator="\n"))
        return 0
    shown = table.drop(columns="source")
    shown["holds"] = ["-" if pd.isna(v) else "yes" if v else "no" for v in shown["holds"]]
    print(shown.to_string(index=False, na_rep="",
                          formatters={c: _figure for c in ("published", "model", "lower", "upper")}))
    print("\nrole target: a tuned assumption serves the figure; check: nothing was tuned to it.\n"
          "holds: the model lies within [lower, upper]; -: no tolerance, not reconciled "
          "(see data/published_figures.csv)")
    return 0


def _build(args) -> int:
    from .workbook import build_workbook_file
    print(build_workbook_file(args.out, force=args.force))
    return 0


def main(argv=None) -> int:
    try:
        args = _parser().parse_args(argv)
        return {"run": _run, "params": _params, "variants": _variants, "reconcile": _reconcile,
                "build-workbook": _build}[args.command](args)
    except MppError as exc:
        print(f"mpp-xl: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mpp-xl: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line for the user, details in the log
        try:
            with open(LOG_FILE, "a", encoding="utf-8") as log:
                log.write(traceback.format_exc() + "\n")
            where = f" (details in {LOG_FILE})"
        except OSError:
            where = ""
        print(f"mpp-xl: internal error: {type(exc).__name__}: {exc}{where}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
