"""Write workbooks/xlwings_udfs.bas: the VBA wrappers Excel would create on "Import Python UDFs".

    python tools/generate_vba_wrapper.py

Generated on Linux with xlwings' own generator and stand-in pywin32 modules (see tests/xlwings_windows.py).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from xlwings_windows import vba_wrapper_text  # noqa: E402

TARGET = ROOT / "workbooks" / "xlwings_udfs.bas"

if __name__ == "__main__":
    TARGET.write_text(vba_wrapper_text(), encoding="utf-8", newline="")
    print(f"wrote {TARGET}")
