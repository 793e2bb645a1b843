"""Whole-workbook recalculation without Excel (emulated): the `formulas` package with our UDFs registered.

Cell values reach the UDFs as xlwings would deliver them: empty cells as None, error values as their
text ('#N/A'), 1x1 ranges as scalars, larger ranges as lists of rows.
"""

import numpy as np
import formulas
from formulas.functions import wrap_ranges_func
from formulas.tokens.operand import XlError

from mpp_xl import udfs


def _cell(value):
    if value is None or type(value).__name__ in ("Token", "Empty"):
        return None
    if isinstance(value, XlError):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _to_python(value):
    if isinstance(value, np.ndarray):
        if value.size == 1:
            return _cell(value.ravel()[0])
        return [[_cell(v) for v in row] for row in np.atleast_2d(value)]
    return _cell(value)


def register_udfs(calls: list | None = None):
    """Register every UDF under its Excel name; ``calls`` (if given) records each call's name."""
    functions = formulas.get_functions()
    for name in udfs.UDF_NAMES:
        python_function = getattr(udfs, name)

        def excel_function(*args, _f=python_function, _n=name):
            if calls is not None:
                calls.append(_n)
            return np.array(_f(*[_to_python(a) for a in args]), dtype=object)

        functions[name] = wrap_ranges_func(excel_function)


def load(path):
    register_udfs()
    return formulas.ExcelModel().loads(str(path)).finish()


def cell_ref(book: str, sheet: str, ref: str) -> str:
    return f"'[{book}]{sheet.upper()}'!{ref}"
