"""Print docs/uncertainty.md's table of the uncertain assumptions from mpp_xl/data/uncertainty.csv (markdown)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mpp_xl.assumptions import AssumptionSet  # noqa: E402
from mpp_xl.montecarlo import default_spec  # noqa: E402


def _spread(rec) -> str:
    if rec.distribution == "mpp":
        return "min/medio .. max/medio of the edition, per month"
    return f"x {rec.low:g} .. x {rec.high:g}"


def table() -> str:
    lines = ["| name (group) | parameter | from | distribution | 5th .. 95th percentile | source of the spread |",
             "|---|---|---|---|---|---|"]
    for rec in default_spec(AssumptionSet.default()):
        lines.append(f"| {rec.name} ({rec.group}) | `{rec.parameter}` | {str(rec.start)[:7]} | {rec.distribution} | "
                     f"{_spread(rec)} | {rec.source} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
