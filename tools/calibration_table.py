"""Print the calibration table of docs/calibration.md from data/published_figures.csv and a default run (markdown)."""

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mpp_xl.assumptions import AssumptionSet  # noqa: E402
from mpp_xl.model import run_model  # noqa: E402
from mpp_xl.reconcile import reconciliation  # noqa: E402


def number(value: float, unit: str) -> str:
    if value != value:
        return ""
    if unit == "share":
        return f"{value:.0%}" if abs(value - round(value, 2)) < 1e-9 else f"{value:.1%}"
    if unit == "EUR":
        return f"{value / 1e6:,.1f} m"
    return f"{value:,.0f}"


def main() -> None:
    table = reconciliation(run_model(AssumptionSet.default()))
    print("| figure | role | published | model | bounds | holds |")
    print("|---|---|---|---|---|---|")
    for _, row in table.iterrows():
        bounds = "" if math.isnan(row["lower"]) else f"{number(row['lower'], row['unit'])} - {number(row['upper'], row['unit'])}"
        holds = "not reconciled" if math.isnan(row["lower"]) else ("yes" if row["holds"] else "**no**")
        print(f"| {row['description']} | {row['role']} | {number(row['published'], row['unit'])} | "
              f"{number(row['model'], row['unit'])} | {bounds} | {holds} |")


if __name__ == "__main__":
    main()
