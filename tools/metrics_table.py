"""Print docs/output.md's table of the metrics in projection.csv from the one metric catalogue (markdown)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mpp_xl.catalogue import METRICS  # noqa: E402


def table() -> str:
    lines = ["| metric | unit | Dutch label (workbook, results.xlsx) | meaning |", "|---|---|---|---|"]
    for name, metric in METRICS.items():
        lines.append(f"| `{name}` | {metric.unit} | {metric.label_nl} ({metric.unit_nl}) | {metric.description} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
