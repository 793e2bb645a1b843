"""Print (or, with --write, refresh in docs/method.md) the table of deadline and penalty assumptions with sources.

    python tools/penalty_parameter_table.py --write
"""

import sys
from pathlib import Path

from mpp_xl.assumptions import AssumptionSet

README = Path(__file__).resolve().parents[1] / "docs" / "method.md"  # the document that holds the table
BEGIN, END = "<!-- penalty-parameters:begin -->", "<!-- penalty-parameters:end -->"


def table() -> str:
    lines = ["| parameter | period | value | unit | source |", "|---|---|---|---|---|"]
    for _, rec in AssumptionSet.default().records():
        if rec.parameter.startswith(("penalty.", "deadline.")):
            name, _, start, end, value, unit, source = rec.as_row()
            period = f"{start or '…'} – {end or '…'}" if (start or end) else "all"
            lines.append(f"| `{name}` | {period} | {value} | {unit} | {source} |")
    return "\n".join(lines)


def readme_with_table(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


if __name__ == "__main__":
    if "--write" in sys.argv:
        README.write_text(readme_with_table(README.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(table())
