"""Print the table of the letter's delta (all_undone - base) per year, scenario and cause, from a default run
(markdown; docs/method.md holds it and a test keeps the two in step)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mpp_xl.assumptions import AssumptionSet  # noqa: E402
from mpp_xl.decompose import penalty_delta_frame  # noqa: E402
from mpp_xl.model import run_model  # noqa: E402
from mpp_xl.results import WINDOW  # noqa: E402


def main() -> None:
    result = run_model(AssumptionSet.default(), variants=["all_undone"])
    parts = penalty_delta_frame(result)
    years = list(range(WINDOW[0], WINDOW[1] + 1))
    print("| scenario | " + " | ".join(str(y) for y in years) + f" | {WINDOW[0]}-{WINDOW[1]} | of which direct | "
          "of which displaced |")
    print("|---" * (len(years) + 4) + "|")
    for scenario in result.scenarios:
        own = parts[(parts.scenario == scenario) & (parts.variant == "all_undone")]
        per_year = own.groupby("year").delta_eur.sum()
        window = own[own.year.between(*WINDOW)]
        cells = [f"{per_year.get(y, 0.0) / 1e6:,.1f}" for y in years]
        by_part = window.groupby("part").delta_eur.sum()
        print(f"| {scenario} | " + " | ".join(cells) + f" | {window.delta_eur.sum() / 1e6:,.1f} | "
              f"{by_part.get('direct', 0.0) / 1e6:,.1f} | {by_part.get('displaced', 0.0) / 1e6:,.1f} |")


if __name__ == "__main__":
    main()
