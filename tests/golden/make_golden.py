"""Regenerate the golden yearly summary of the default medio run: python tests/golden/make_golden.py

The golden file pins the model's own output so that an unintended change shows up; it is not evidence of
correctness (the reconciliation tests are). Compared with a relative tolerance of 1e-9 (GOLDEN_RTOL).
"""

from pathlib import Path

import numpy as np
import pandas as pd

from mpp_xl.assumptions import AssumptionSet
from mpp_xl.model import run_model

GOLDEN = Path(__file__).with_name("medio_yearly.csv")
GOLDEN_RTOL = 1e-9
STOCKS = ("ind.pending.asylum", "ind.pending.nareis", "coa.occupancy", "coa.capacity_need", "coa.statushouders",
          "ukraine.stock")
FLOWS = ("inflow.total", "ind.decisions.asylum", "ind.decisions.nareis", "coa.housed")


def golden_frame() -> pd.DataFrame:
    result = run_model(AssumptionSet.default(), scenarios=["medio"])
    grid, metrics = result.grid, result.chain("medio").metrics
    rows = []
    for year in np.unique(grid.years):
        sel = grid.years == year
        rows += [(int(year), f"{m} (year end)", float(metrics[m][sel][-1])) for m in STOCKS]
        rows += [(int(year), f"{m} (year sum)", float(metrics[m][sel].sum())) for m in FLOWS]
    table = result.penalty_frame()
    for row in table[table.track == "total"].itertuples():
        rows.append((row.year, f"penalties {row.variant} (EUR)", row.amount_eur))
    for row in table[table.track == "total"].itertuples():
        rows.append((row.year, f"penalties paid {row.variant} (EUR)", row.amount_paid_eur))
    return pd.DataFrame(rows, columns=["year", "quantity", "value"])


if __name__ == "__main__":
    golden_frame().to_csv(GOLDEN, index=False, float_format="%.10g")
    print(f"wrote {GOLDEN}")
