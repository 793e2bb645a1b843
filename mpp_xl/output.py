"""Writing results: every file complete or not at all, each carrying its provenance."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

from .decompose import penalty_delta_frame
from .errors import MppError
from .results import RunResult
from .report import chart_pngs, results_workbook

FLOAT_FORMAT = "%.4f"
CHART_FILES = ("inflow.png", "ind_pending.png", "coa_need.png", "penalties.png")
OUTPUT_FILES = ("projection.csv", "penalties.csv", "penalties_monthly.csv", "penalty_delta.csv", "budget.csv", "cohorts.csv",
                "wait_times.csv", "assumptions_used.csv", "results.xlsx", *CHART_FILES, "provenance.json")


def run_date() -> str:
    """Today, or the date fixed by SOURCE_DATE_EPOCH (for byte-identical reruns)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return when.date().isoformat()


def provenance_line(result: RunResult) -> str:
    p = {k: re.sub(r"[\x00-\x1f\x7f]", " ", v) if isinstance(v, str) else v for k, v in result.provenance.items()}
    return (f"# mpp-xl {p['package_version']}; assumptions: {p['assumption_set']}; hash: {p['assumptions_hash']}; "
            f"variants: {p['variants']} (hash {p['variants_hash']}); horizon: {p['horizon']}; window: {p['window']}\n")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defused(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (it then shows as text)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _csv(frame: pd.DataFrame) -> str:
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or str(safe[column].dtype).startswith(("string", "str")):
            safe[column] = safe[column].map(defused)
        elif safe[column].dtype.kind == "f":  # as written (4 decimals), and never a negative zero
            safe[column] = safe[column].round(4) + 0.0
    return safe.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def csv_text(frame: pd.DataFrame, result: RunResult) -> str:
    return provenance_line(result) + _csv(frame)


def atomic_write_many(folder: Path, contents: dict[str, str | bytes]) -> None:
    """Write every file (text as UTF-8, or bytes) to a temporary name first, then rename them all: no file
    is ever half-written, and a failure leaves the previous files as they were."""
    folder.mkdir(parents=True, exist_ok=True)
    staged = []
    try:
        for name, data in contents.items():
            handle, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
            staged.append((temp, folder / name))
            with os.fdopen(handle, "wb") as stream:
                stream.write(data.encode("utf-8") if isinstance(data, str) else data)
        umask = os.umask(0)
        os.umask(umask)
        for temp, final in staged:
            os.chmod(temp, 0o666 & ~umask)  # mkstemp creates 0600; results are ordinary files
            os.replace(temp, final)
    finally:
        for temp, _ in staged:
            if os.path.exists(temp):
                os.remove(temp)


_TEMP_MARK = ".mpp-tmp-"
_OLD_MARK = ".mpp-old-"
NAME_MAX = 255  # the longest file name most file systems take
# lock files of a workbook or CSV open in Excel (~$name) or LibreOffice (.~lock.name#): the application's, not the user's
_LOCK = re.compile(r"^(~\$.+|\.~lock\..+#)$")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists but belongs to someone else
    return True


def _clean_leftovers(folder: Path) -> None:
    """Tidy up after killed runs (their process is gone): a previous results folder that a run had moved aside
    comes back if nothing took its place; half-written new folders are removed."""
    for mark in (_OLD_MARK, _TEMP_MARK):
        for leftover in folder.parent.glob(f".{folder.name}{mark}*"):
            pid = leftover.name.rsplit("-", 1)[-1]
            if not leftover.is_dir() or leftover.is_symlink() or not pid.isdigit() or _pid_alive(int(pid)):
                continue
            if mark == _OLD_MARK and not folder.exists():
                os.replace(leftover, folder)
            else:
                shutil.rmtree(leftover, ignore_errors=True)


def _in_use(path: Path) -> bool:
    """Whether a program holds ``path`` open for editing (Excel on Windows denies a rename of an open file;
    LibreOffice elsewhere holds a lock on it)."""
    try:
        if os.name == "nt":
            os.rename(path, path)
            return False
        import fcntl
        handle = os.open(path, os.O_RDWR)
    except PermissionError:
        return os.name == "nt"
    except OSError:
        return False
    try:
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.lockf(handle, fcntl.LOCK_UN)
        return False
    except OSError:
        return True
    finally:
        os.close(handle)


def _locked_target(lock: str) -> str:
    """'~$results.xlsx' or '.~lock.results.xlsx#' -> 'results.xlsx' (Excel may drop the first letters)."""
    return lock[len(".~lock."):-1] if lock.startswith(".~lock.") else lock[2:]


def _check_open(folder: Path, names) -> None:
    """A results file open in Excel or LibreOffice stops the run with a message that says so (its lock file is
    then live); a lock file left behind by a crash or a copy is stale and is ignored."""
    locks = sorted(n for n in names if _LOCK.match(n))
    present = [n for n in names if not _LOCK.match(n)]
    for lock in locks:
        target = _locked_target(lock)
        match = next((n for n in present if n == target or n.endswith(target)), None)
        if match and _in_use(folder / match):
            raise MppError(f"--out {folder}: {match} is open in Excel or LibreOffice (lock file {lock}): close it "
                           f"and run again")
    for name in present:
        if name.endswith((".xlsx", ".xlsm", ".csv")) and _in_use(folder / name):
            raise MppError(f"--out {folder}: {name} is open in another program (Excel?): close it and run again")


def _file_hashes(contents: dict[str, str | bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()[:16]
            for name, data in contents.items() if name != "provenance.json"}


def _check_ours(folder: Path, command: str) -> None:
    """A non-empty --out may be replaced only when its provenance.json says mpp-xl wrote exactly the files in it,
    with the same command, and none of them was changed since: a file of the user's, another command's results or
    an edited results file is never swapped away. Lock files of Excel and LibreOffice are not the user's files."""
    try:
        written = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
        listed = set(written.get("files", [])) | {"provenance.json"}
        previous = written.get("command", "run")
        hashes = dict(written.get("sha256") or {})
    except (OSError, ValueError, AttributeError, TypeError):
        raise MppError(f"--out {folder}: holds files mpp-xl did not write (no provenance.json of a results folder);"
                       f" choose an empty folder") from None
    present = {p.name for p in folder.iterdir()}
    foreign = sorted(n for n in present - listed if not _LOCK.match(n))
    if foreign:
        raise MppError(f"--out {folder}: holds files mpp-xl did not write ({foreign[0]}"
                       f"{' and more' if len(foreign) > 1 else ''}); choose an empty folder or a results folder")
    if previous != command:
        raise MppError(f"--out {folder}: holds the results of `mpp-xl {previous}`; choose another folder for "
                       f"`mpp-xl {command}`")
    _check_open(folder, present)
    for name in sorted(hashes):
        target = folder / name
        try:
            changed = target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest()[:16] != hashes[name]
        except OSError:
            changed = False
        if changed:
            raise MppError(f"--out {folder}: {name} was changed after mpp-xl wrote it; save your version under "
                           f"another name outside the folder (or delete it) and run again, so nothing of yours is lost")


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE), so the results folder never goes missing;
    False where the system cannot (the caller then renames twice)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), exchange) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(error, os.strerror(error), str(b))


def _check_name(folder: Path) -> None:
    """A folder name the file system takes, with room for the hidden names beside it (one clear line instead of
    'File name too long' halfway)."""
    longest = NAME_MAX - len(f".{_TEMP_MARK}{os.getpid()}") - 1
    too_long = next((part for part in folder.parts if len(os.fsencode(part)) > NAME_MAX), None)
    if too_long is not None or len(os.fsencode(folder.name)) > longest:
        name = too_long if too_long is not None else folder.name
        raise MppError(f"--out {folder}: the folder name '{name[:40]}...' has {len(name)} characters; give at most "
                       f"{longest}")


def write_folder(folder: str | Path, contents: dict[str, str | bytes], protected: tuple[Path, ...] = ()) -> Path:
    """Results appear whole or not at all: every file is written into a new hidden folder beside ``folder``,
    which then replaces it by rename. ``folder`` may hold only files mpp-xl writes (nothing the user gave is
    ever moved or lost); leftovers of a killed run are tidied at the next run, before anything else."""
    folder = Path(folder)
    contents = dict(contents)
    provenance = json.loads(contents["provenance.json"])
    provenance["sha256"] = _file_hashes(contents)  # an edited results file is then recognised and never replaced
    contents["provenance.json"] = json.dumps(provenance, indent=2, sort_keys=True) + "\n"
    _check_name(folder)
    try:
        if folder.is_symlink():
            raise MppError(f"--out {folder}: is a symbolic link; give the folder itself")
        if folder.exists() and not folder.is_dir():
            raise MppError(f"--out {folder}: exists and is not a folder")
        for parent in folder.parents:
            if parent.exists() and not parent.is_dir():
                raise MppError(f"--out {folder}: {parent} is a file, not a folder")
        for target in (folder / name for name in contents):
            if any(target.resolve() == p.resolve() for p in protected):
                raise MppError(f"--out {folder}: would overwrite your input file {target}; choose another folder")
        if folder.resolve() == Path.cwd().resolve() or folder.resolve() == folder.resolve().parent:
            raise MppError(f"--out {folder}: give a folder below this one (a results folder is replaced as a whole)")
        if folder.parent.is_dir():
            _clean_leftovers(folder)  # a killed run's previous results come back first, and are then checked
        if folder.is_dir() and any(folder.iterdir()):
            _check_ours(folder, provenance.get("command", ""))
    except OSError as exc:
        raise MppError(f"--out {folder}: cannot use this folder ({exc.strerror or exc})") from None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        temp = folder.parent / f".{folder.name}{_TEMP_MARK}{os.getpid()}"
        old = folder.parent / f".{folder.name}{_OLD_MARK}{os.getpid()}"
        shutil.rmtree(temp, ignore_errors=True)
        temp.mkdir()
        try:
            for name, data in contents.items():
                with os.fdopen(os.open(temp / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb") as stream:
                    stream.write(data.encode("utf-8") if isinstance(data, str) else data)
            if folder.exists():
                os.chmod(temp, folder.stat().st_mode & 0o7777)  # the folder keeps its permissions
                if not _exchange(temp, folder):  # temp now holds the previous results, removed below
                    os.replace(folder, old)
                    try:
                        os.replace(temp, folder)
                    except BaseException:  # an error or an interrupt between the renames: the previous results return
                        if not folder.exists():
                            os.replace(old, folder)
                        raise
                    shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(temp, folder)
        finally:
            shutil.rmtree(temp, ignore_errors=True)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EBUSY) and folder.is_dir():
            _check_open(folder, [p.name for p in folder.iterdir()])
        raise MppError(f"--out {folder}: cannot write results ({exc.strerror or exc})") from None
    return folder


def write_results(result: RunResult, folder: str | Path, protected: tuple[Path, ...] = ()) -> list[Path]:
    """Write the output contract to ``folder``; refuse to overwrite any file in ``protected`` (user input)."""
    folder = Path(folder)
    targets = [folder / name for name in OUTPUT_FILES]
    assumptions = pd.DataFrame(result.assumption_rows(), columns=["parameter", "scenario", "from", "to", "value", "unit", "source", "layer"])
    provenance = dict(result.provenance, command="run", run_date=run_date(), files=list(OUTPUT_FILES[:-1]))
    contents = {
        "projection.csv": csv_text(result.projection_frame(), result),
        "penalties.csv": csv_text(result.penalty_frame(), result),
        "penalties_monthly.csv": csv_text(result.penalty_monthly_frame(), result),
        "penalty_delta.csv": csv_text(penalty_delta_frame(result), result),
        "budget.csv": csv_text(result.budget_frame(), result),
        "cohorts.csv": csv_text(result.cohort_frame(), result),
        "wait_times.csv": csv_text(result.wait_frame(), result),
        "assumptions_used.csv": csv_text(assumptions, result),
        "results.xlsx": results_workbook(result),
        **chart_pngs(result),
        "provenance.json": json.dumps(provenance, indent=2, sort_keys=True) + "\n",
    }
    write_folder(folder, contents, protected)
    return targets


def write_comparison(frame: pd.DataFrame, results, folder: str | Path, protected: tuple[Path, ...] = ()) -> Path:
    """comparison.csv (with a comment line naming both runs) and provenance.json, each whole or not at all."""
    folder = Path(folder)
    target = folder / "comparison.csv"
    a, b = results
    header = (f"# mpp-xl {a.provenance['package_version']}; A: {a.aset.name} (hash {a.aset.digest}); "
              f"B: {b.aset.name} (hash {b.aset.digest}); delta = B - A; window {a.window[0]}-{a.window[1]}\n")
    provenance = {"command": "compare", "run_date": run_date(), "a": a.provenance, "b": b.provenance,
                  "files": ["comparison.csv"]}
    write_folder(folder, {"comparison.csv": header + _csv(frame),
                          "provenance.json": json.dumps(provenance, indent=2, sort_keys=True) + "\n"}, protected)
    return target


def write_tables(folder: str | Path, tables: dict[str, pd.DataFrame], header: str, command: str) -> Path:
    """Write CSV tables (each with a comment header line) and a provenance.json to ``folder``, whole or not at all."""
    from . import __version__
    provenance = {"command": command, "package_version": __version__, "run_date": run_date(), "files": list(tables)}
    contents = {name: header + _csv(frame) for name, frame in tables.items()}
    contents["provenance.json"] = json.dumps(provenance, indent=2, sort_keys=True) + "\n"
    return write_folder(folder, contents)
