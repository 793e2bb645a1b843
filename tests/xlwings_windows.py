"""xlwings' real Windows UDF decorators, imported on Linux with stand-in pywin32 modules (emulated platform).

On Windows, ``from xlwings import func, arg, ret`` are the decorators of ``xlwings.udfs``; on Linux they are
no-ops. This helper loads a second copy of ``mpp_xl.udfs`` decorated by the real ones, so tests can read
the ``__xlfunc__`` metadata Excel sees and generate the VBA wrapper text of "Import Python UDFs".
"""

import importlib.util
import io
import sys
import types

import xlwings


def _stub_pywin32():
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["pythoncom"].CoInitialize = lambda *a, **k: None
    sys.modules["win32com.client"].Dispatch = lambda *a, **k: None
    sys.modules["win32com"].client = sys.modules["win32com.client"]


def windows_udfs():
    """(xlwings.udfs module, mpp_xl.udfs decorated with the Windows decorators)."""
    _stub_pywin32()
    import xlwings.udfs as xl_udfs

    saved = xlwings.func, xlwings.arg, xlwings.ret
    xlwings.func, xlwings.arg, xlwings.ret = xl_udfs.xlfunc, xl_udfs.xlarg, xl_udfs.xlret
    try:
        spec = importlib.util.find_spec("mpp_xl.udfs")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        xlwings.func, xlwings.arg, xlwings.ret = saved
    return xl_udfs, module


class _Book:
    Name = "mpp_model.xlsm"


def vba_wrapper_text() -> str:
    """The text Excel's "Import Python UDFs" puts into the xlwings_udfs module for UDF Modules = mpp_xl.udfs."""
    xl_udfs, module = windows_udfs()
    out = io.StringIO()
    xl_udfs.generate_vba_wrapper("mpp_xl.udfs", module, out, _Book())
    return out.getvalue()
