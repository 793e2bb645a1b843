"""The hostile harness (issue 18): classes of bad input as a hostile tester and a new budget analyst meet them.

Every refusal is one line naming what is wrong and where (file, row, column), exit code 2, no traceback, nothing
written and nothing the user gave changed. Classes: odd dates (Excel serials, YYYYMM, years), numbers with a
thousands separator, records that would do nothing, values outside their plausible range, broken, huge, odd-encoded
or unbounded files (pipes, FIFOs, devices), read-only or odd targets, long names, killed runs, lock files and edited
results; then what a budget analyst trips over (the budget table, the comparison, prices, progress, the README).
Runs are tiny (medio, base, 2022-01..2024-12) so the whole file stays fast.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mpp_xl import cli, excel_api, output, udfs
from mpp_xl.assumptions import AssumptionSet, Registry
from mpp_xl.cli import main
from mpp_xl.errors import MppError

HEADER = "parameter,scenario,from,to,value,unit,source\n"
SPEC_HEADER = "name,parameter,from,distribution,low,high,group,label_nl,source\n"
TINY = ["--scenario", "medio", "--variant", "base", "--end", "2024-12", "--window", "2024-2024"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_compile_wait(monkeypatch):
    """The numpy engine (the same numbers as the compiled one, tested equal elsewhere): no test here waits for numba
    to compile its kernels into a fresh cache."""
    monkeypatch.setenv("MPP_XL_ENGINE", "numpy")


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def snapshot(folder: Path) -> dict:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def refused(argv, capsys, *parts, out: Path | None = None) -> str:
    """Exit code 2, exactly one line on stderr holding every part, no traceback, --out not created."""
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("mpp-xl: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for part in parts:
        assert part in err, err
    if out is not None:
        assert not out.exists()
    return err


# ================================================================ wrong numbers without an error

@pytest.mark.parametrize("value", ["1.000", "1,000", "2.500"])
def test_paths_with_a_thousands_separator_are_refused_not_read_as_one_path(tmp_path, capsys, value):
    out = tmp_path / "sim"
    refused(["simulate", *TINY, "--paths", value, "--out", str(out)], capsys, f"--paths '{value}' is ambiguous",
            "without a thousands separator", out=out)


def spec_row(start: str, name: str = "cap") -> str:
    return f"{name},ind.capacity.asylum,{start},two_piece_normal,0.8,1.1,{name},capaciteit,test\n"


def test_an_excel_serial_in_the_uncertainty_file_is_read_as_its_date(tmp_path, capsys, monkeypatch):
    spec = write(tmp_path / "u.csv", SPEC_HEADER + spec_row("45658"))  # 45658 = 2025-01-01
    out = tmp_path / "sim"
    assert main(["simulate", "--scenario", "medio", "--variant", "base", "--end", "2025-12", "--window",
                 "2025-2025", "--paths", "4", "--uncertainty", str(spec), "--out", str(out)]) == 0
    used = pd.read_csv(out / "uncertainty_used.csv", comment="#")
    assert used["from"].tolist() == ["2025-01-01"]  # was read as the year 45658: the uncertainty never applied
    bands = pd.read_csv(out / "bands.csv", comment="#")
    pending = bands[(bands.metric == "ind.pending.asylum") & (bands.date == "2025-12-31")]
    assert float(pending.p95.iloc[0]) > float(pending.p05.iloc[0])  # the capacity does vary in 2025
    err = capsys.readouterr().err
    assert "Monte Carlo: 4 paths" in err  # the first simulate says what it does (it may compile for a while)


@pytest.mark.parametrize("cell, message", [
    ("202501", "'202501' looks like YYYYMM: write 2025-01"),
    ("2025", "'2025' is a year, not a date"),
    ("20250101", "'20250101' is not a date"),
    ("01/01/2025", "'01/01/2025' is not a date"),
])
def test_odd_dates_in_the_uncertainty_file_are_refused_with_file_row_and_column(tmp_path, capsys, cell, message):
    spec = write(tmp_path / "u.csv", "# my comment\n" + SPEC_HEADER + spec_row("2025-01-01", "a") + "\n"
                 + spec_row(cell, "b"))
    before = snapshot(tmp_path)
    out = tmp_path / "sim"
    refused(["simulate", *TINY, "--paths", "4", "--uncertainty", str(spec), "--out", str(out)], capsys,
            f"{spec}, row 4, column 'from': {message}", out=out)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("row, column, message", [
    ("history.inflow.first,all,2027-01-01,2027-12-31,9000,persons/month,x", "from",
     "history.inflow.first for 2027-01-01..2027-12-31 has no effect"),
    ("history.inflow.nareis,all,2023-06-01,2023-06-30,900,persons/month,x", None, None),  # realised: takes effect
    ("ind.opening_stock.asylum,all,2025-01-01,2025-01-31,99999,cases,x", "from",
     "ind.opening_stock.asylum dated 2025-01-01..2025-01-31 has no effect: opening stocks are read on the first day "
     "of the run (2022-01-01)"),
    ("coa.opening.amv,all,2030-01-01,2030-01-31,99999,persons,x", "from", "coa.opening.amv dated 2030-01-01"),
    ("coa.opening.amv,all,2022-01-01,2022-01-31,3600,persons,x", None, None),  # the start month: takes effect
])
def test_records_that_would_do_nothing_are_refused(tmp_path, capsys, row, column, message):
    path = write(tmp_path / "o.csv", HEADER + row + "\n")
    out = tmp_path / "out"
    if message is None:
        assert main(["run", *TINY, "--quiet", "--assumptions", str(path), "--out", str(out)]) == 0
        return
    refused(["run", *TINY, "--assumptions", str(path), "--out", str(out)], capsys,
            f"{path}, row 2, column '{column}': {message}", out=out)


@pytest.mark.parametrize("row, message", [
    ("coa.registration_wait_weeks,all,2023-01-01,,1e12,weeks,x",
     "coa.registration_wait_weeks = 1000000000000 lies outside its plausible range 0 to 52 weeks"),
    ("ind.capacity.asylum,all,2023-01-01,,1e9,cases/month,x",
     "ind.capacity.asylum = 1000000000 lies outside its plausible range 0 to 50000 cases/month"),
    ("penalty.per_day,all,,,250000,EUR/day,x", "penalty.per_day = 250000 lies outside its plausible range 0 to 10000"),
    ("coa.occupancy_norm,all,,,0.01,share,x",
     "coa.occupancy_norm = 0.01 lies outside its plausible range 0.5 to 1 (data/parameters.csv)"),
    ("budget.price_index.coa,all,2024-01-01,2024-12-31,104,ratio,x",
     "budget.price_index.coa = 104 lies outside its plausible range 0.1 to 10"),
])
def test_values_outside_their_plausible_range_are_refused(tmp_path, capsys, row, message):
    path = write(tmp_path / "o.csv", HEADER + row + "\n")
    out = tmp_path / "out"
    refused(["run", *TINY, "--assumptions", str(path), "--out", str(out)], capsys,
            f"{path}, row 2, column 'value': {message}", "(data/parameters.csv)", out=out)


def test_every_parameter_has_a_plausible_range_that_every_shipped_record_keeps():
    """The ranges are catalogue data (data/parameters.csv, columns min and max), checked at load time; every
    record the package ships (defaults, editions, measures, variants) lies inside its range."""
    from mpp_xl.editions import available_editions, edition_set
    from mpp_xl.measures import available_measures
    from mpp_xl.timegrid import TimeGrid
    from mpp_xl.variants import default_variants
    registry = Registry.default()
    for spec in registry.specs:
        assert np.isfinite(spec.low) and np.isfinite(spec.high) and spec.low < spec.high, spec.name
    aset = AssumptionSet.default()
    records = [rec for _, rec in aset.records()]
    records += [r for v in default_variants(registry).values() for r in v.records]
    records += [r for m in available_measures(registry).values() for r in m.records]
    records += [r for _, r in edition_set("mpp-2024-I", ("min", "medio", "max"), TimeGrid.from_text()).records()]
    assert len(available_editions()) > 1
    for rec in records:
        spec = registry.find(rec.parameter)
        assert spec.low <= rec.value <= spec.high, rec


@pytest.mark.parametrize("kind, text, message", [
    ("assumptions", "parameter,scenario,from,to,value,unit,source,value\n"
                    "ind.capacity.asylum,all,2023-01-01,,3000,cases/month,x,9999\n", "column 'value' appears twice"),
    ("variants", "variant,parameter,scenario,from,to,value,value,unit,source\n"
                 "mine,penalty.per_day,all,,,100,200,EUR/day,x\n", "column 'value' appears twice"),
    ("uncertainty", "name,parameter,from,distribution,low,high,group,label_nl,source,weight\n"
                    "cap,ind.capacity.asylum,2025-01-01,two_piece_normal,0.8,1.1,cap,c,x,3\n",
     "unknown column 'weight'; the columns are name,parameter,from,distribution,low,high,group,label_nl,source"),
    ("uncertainty", "name,parameter,from,distribution,low,high,high,group,label_nl,source\n"
                    "cap,ind.capacity.asylum,2025-01-01,two_piece_normal,0.8,1.1,5,cap,c,x\n",
     "column 'high' appears twice"),
])
def test_a_doubled_or_unknown_column_is_refused(tmp_path, capsys, kind, text, message):
    path = write(tmp_path / "f.csv", text)
    option = {"assumptions": "--assumptions", "variants": "--variants", "uncertainty": "--uncertainty"}[kind]
    command = "simulate" if kind == "uncertainty" else "run"
    out = tmp_path / "out"
    refused([command, *TINY, option, str(path), "--out", str(out)], capsys, f"{path}: {message}", out=out)


def test_simulate_refuses_what_run_refuses(tmp_path, capsys):
    path = write(tmp_path / "o.csv", HEADER + "ukraine.net_inflow_per_week,all,2024-01-01,,-20000,persons/week,x\n")
    run_err = refused(["run", *TINY, "--assumptions", str(path), "--out", str(tmp_path / "r")], capsys,
                      "imply a negative stock")
    sim_err = refused(["simulate", *TINY, "--paths", "4", "--assumptions", str(path), "--out",
                       str(tmp_path / "s")], capsys, out=tmp_path / "s")
    assert sim_err == run_err


def test_a_measure_switched_both_ja_and_nee_is_refused_in_excel():
    excel_api.clear_caches()
    with pytest.raises(MppError, match=r"measures, row 3: measure nareisrem is also listed in row 1 with the other "
                                       r"switch \(ja/nee\): keep one row"):
        excel_api.measures_arg([["nareisrem", "ja"], ["ind_capaciteitsplan", "nee"], ["nareisrem", "nee"]])
    cell = udfs.MPP_VERSION(None, None, [["nareisrem", "nee"], ["nareisrem", "ja"]])
    assert cell[0][0].startswith("Fout: maatregelen, rij 2: maatregel nareisrem staat ook in rij 1")
    assert excel_api.measures_arg([["nareisrem", "ja"], ["nareisrem", "ja"]]) == ("nareisrem", "nareisrem")


def test_the_provenance_hash_of_a_pipe_is_the_hash_of_what_was_read(tmp_path):
    content = (HEADER + "coa.capacity_buffer,all,2023-01-01,,10,places,pipe\n").encode()
    read_end, write_end = os.pipe()
    os.write(write_end, content)
    os.close(write_end)
    out = tmp_path / "out"
    try:
        assert main(["run", *TINY, "--quiet", "--assumptions", f"/dev/fd/{read_end}", "--out", str(out)]) == 0
    finally:
        os.close(read_end)
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["override_files"][0]["sha256"] == hashlib.sha256(content).hexdigest()[:16]
    assert provenance["override_files"][0]["sha256"] != hashlib.sha256(b"").hexdigest()[:16]


def _killed_state(tmp_path: Path) -> tuple[Path, dict]:
    """out/ missing, the previous results moved aside by a run that was killed (its process is gone)."""
    out = tmp_path / "out"
    assert main(["run", *TINY, "--quiet", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    os.replace(out, tmp_path / f".out.mpp-old-{dead.pid}")
    return out, before


def test_a_killed_run_s_previous_results_survive_a_command_of_another_kind(tmp_path, capsys):
    out, before = _killed_state(tmp_path)
    refused(["backtest", "--out", str(out)], capsys, "holds the results of `mpp-xl run`")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # put back, and not replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_sigkill_between_the_renames_loses_nothing(tmp_path, capsys):
    """A real SIGKILL in the two-rename swap (systems without an atomic exchange): the next command, of another
    kind, puts the previous results back and refuses to replace them."""
    out = tmp_path / "out"
    assert main(["run", *TINY, "--quiet", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    script = textwrap.dedent(f"""
        import os, signal, sys
        from mpp_xl import output
        from mpp_xl.cli import main
        real = os.replace
        def replace(source, target):
            real(source, target)
            if str(target).endswith(".mpp-old-" + str(os.getpid())):
                os.kill(os.getpid(), signal.SIGKILL)
        output._exchange = lambda a, b: False
        output.os.replace = replace
        main({["run", *TINY, "--quiet", "--out", str(out)]!r})
    """)
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")})
    assert killed.returncode == -9, killed.stderr
    assert not out.exists()  # the kill came between the renames
    refused(["backtest", "--out", str(out)], capsys, "holds the results of `mpp-xl run`")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_the_results_folder_is_never_missing_during_the_swap(tmp_path, monkeypatch):
    """Where the system swaps two folders in one step, --out exists at every moment of a rerun."""
    out = tmp_path / "out"
    assert main(["run", *TINY, "--quiet", "--out", str(out)]) == 0
    seen = []
    real = output.os.replace
    monkeypatch.setattr(output.os, "replace", lambda a, b: (seen.append(out.exists()), real(a, b))[1])
    assert main(["run", *TINY, "--quiet", "--out", str(out)]) == 0
    if not output._exchange(out, out):  # pragma: no cover - a system without RENAME_EXCHANGE
        pytest.skip("no atomic exchange here")
    assert all(seen)


# ================================================================ crashes and unclear errors

def test_an_ind_without_capacity_runs_instead_of_crashing(tmp_path):
    path = write(tmp_path / "o.csv", HEADER + "ind.capacity.asylum,all,,,0,cases/month,x\n")
    out = tmp_path / "out"
    assert main(["run", *TINY, "--quiet", "--assumptions", str(path), "--out", str(out)]) == 0
    assert (out / "results.xlsx").exists()


def test_a_metric_blank_in_every_month_keeps_its_column_in_results_xlsx():
    """No decision in any month (no IND capacity): the mean wait is blank throughout, and results.xlsx still has
    its column (it stopped with KeyError, exit 3)."""
    import io
    import openpyxl
    from mpp_xl.model import run_model
    from mpp_xl.report import results_workbook
    from mpp_xl.timegrid import TimeGrid
    run = run_model(AssumptionSet.default(), TimeGrid.from_text("2022-01", "2022-12"), ["medio"], ["base"],
                    window=(2022, 2022))
    metrics = run.chain("medio", "base").metrics
    metrics["ind.mean_wait_weeks.asylum"] = np.full_like(metrics["ind.mean_wait_weeks.asylum"], np.nan)
    book = openpyxl.load_workbook(io.BytesIO(results_workbook(run)), read_only=True)
    header = next(book["Projectie"].iter_rows(max_row=1, values_only=True))
    assert any(str(h).startswith("doorlooptijd asiel") for h in header), header


@pytest.mark.parametrize("make, message", [
    (lambda p: write(p, SPEC_HEADER + "cap,ind.capacity.asylum,2025-01-01,two_piece_normal,0.8,1.1,cap,"
                     + "x" * 200_000 + ",src\n"), "row 2: longer than 10,000 characters; is this an uncertainty file?"),
    (lambda p: write(p, b"PK\x03\x04\x00\x00binary"), "not a text CSV file (binary content)"),
    (lambda p: write(p, b""), "the table is empty"),
    (lambda p: write(p, SPEC_HEADER), "the table holds no uncertain assumptions (only its header)"),
    (lambda p: write(p, "\xff\xfe\x00".encode("latin-1")), "not a readable UTF-16 text file"),
    (lambda p: p.mkdir(), "is a folder, expected a CSV file"),
    (lambda p: None, "file not found"),
])
def test_broken_uncertainty_files_get_one_line(tmp_path, capsys, make, message):
    path = tmp_path / "u.csv"
    make(path)
    out = tmp_path / "sim"
    refused(["simulate", *TINY, "--paths", "4", "--uncertainty", str(path), "--out", str(out)], capsys,
            f"{path}", message, out=out)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_an_endless_device_as_input_is_read_no_further_than_the_limit(tmp_path, capsys, device):
    start = time.perf_counter()
    for option, command in (("--uncertainty", "simulate"), ("--assumptions", "run")):
        refused([command, *TINY, option, device, "--out", str(tmp_path / "out")], capsys, device)
    assert time.perf_counter() - start < 30


def test_a_named_pipe_without_a_writer_is_read_as_empty_not_waited_for(tmp_path):
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    done = subprocess.run([sys.executable, "-m", "mpp_xl.cli", "run", *TINY, "--assumptions", str(fifo), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "the table is empty" in done.stderr


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252", "utf-8-sig"])
def test_uncertainty_files_in_excel_s_encodings_are_read(tmp_path, encoding):
    from mpp_xl.simulation import load_uncertainty
    text = SPEC_HEADER + "cap,ind.capacity.asylum,2025-01,two_piece_normal,0.8,1.1,cap,capaciteit (één plan),x\n"
    path = write(tmp_path / "u.csv", text.encode(encoding))
    spec, digest = load_uncertainty(path, AssumptionSet.default())
    assert spec[0].label_nl == "capaciteit (één plan)" and str(spec[0].start) == "2025-01-01"
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def test_a_dutch_uncertainty_file_with_semicolons_and_decimal_commas_is_read(tmp_path):
    from mpp_xl.simulation import load_uncertainty
    text = SPEC_HEADER.replace(",", ";") + "cap;ind.capacity.asylum;2025-01-01;two_piece_normal;0,8;1,1;cap;c;x\n"
    spec, _ = load_uncertainty(write(tmp_path / "u.csv", text.encode("cp1252")), AssumptionSet.default())
    assert (spec[0].low, spec[0].high) == (0.8, 1.1)


@pytest.mark.parametrize("length", [300, 250])
def test_a_long_out_name_is_one_line_and_nothing_is_created(tmp_path, capsys, length):
    out = tmp_path / ("r" * length)
    refused(["run", *TINY, "--out", str(out)], capsys, "characters; give at most")
    assert os.listdir(tmp_path) == []  # neither the folder nor a hidden one beside it


def test_an_out_below_a_file_is_one_line(tmp_path, capsys):
    plain = write(tmp_path / "plain.txt", "mine")
    refused(["run", *TINY, "--out", str(plain / "out")], capsys, f"{plain} is a file, not a folder")
    assert plain.read_text() == "mine"


def _build_target(kind: str, tmp_path: Path) -> tuple[Path, str]:
    if kind == "folder":
        (tmp_path / "wb.xlsm").mkdir()
        return tmp_path / "wb.xlsm", "is a folder; give a file name"
    if kind == "file as folder":
        write(tmp_path / "plain", "mine")
        return tmp_path / "plain" / "wb.xlsm", "is a file, not a folder"
    if kind == "fifo":
        os.mkfifo(tmp_path / "wb.xlsm")
        return tmp_path / "wb.xlsm", "is not a regular file"
    if kind == "huge":
        with open(tmp_path / "wb.xlsm", "wb") as stream:  # sparse: 4 GB on paper, nothing on disk
            stream.truncate(4 * 2**30)
        return tmp_path / "wb.xlsm", "4,096 MB is not a workbook mpp-xl wrote"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["folder", "file as folder", "fifo", "huge"])
def test_build_workbook_onto_an_odd_target_is_one_line_and_never_hangs(tmp_path, kind):
    target, message = _build_target(kind, tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    done = subprocess.run([sys.executable, "-m", "mpp_xl.cli", "build-workbook", "--out", str(target)],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert f"mpp-xl: error: {target}" in done.stderr and message in done.stderr, done.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_build_workbook_onto_a_read_only_place_is_one_line(tmp_path, capsys, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")
    monkeypatch.setattr(cli.tempfile, "mkstemp", read_only)  # the disk refuses every new file
    target = tmp_path / "wb.xlsm"
    refused(["build-workbook", "--out", str(target)], capsys,
            f"{target}: cannot write the workbook there (Read-only file system)")
    assert not target.exists()


def test_ten_thousand_one_day_instruments_are_refused_quickly(tmp_path, capsys):
    rows = [f"deadline.asylum.i{i:05d}.extension_months,all,{np.datetime64('2000-01-01') + i},"
            f"{np.datetime64('2000-01-01') + i},3,months,x" for i in range(10_000)]
    path = write(tmp_path / "o.csv", HEADER + "\n".join(rows) + "\n")
    start = time.perf_counter()
    refused(["run", *TINY, "--assumptions", str(path), "--out", str(tmp_path / "out")], capsys,
            f"{path}, row ", "column 'parameter': more than 100 deadline instruments for track asylum")
    assert time.perf_counter() - start < 20


@pytest.mark.parametrize("row, message", [
    ("inflow.share.first,all,2024-01-01,,0.8,share,x",
     "{file}, row 2, column 'value': inflow.share.first/nareis/repeat/resettlement for medio in 2024-01 sum to 1.09"),
    ("penalty.cap.standard,all,,,50,EUR,x",
     "{file}, row 2, column 'value': penalty.cap.standard (50) is below one day's penalty.per_day (100)"),
    ("inflow.seasonal.03,all,,,0.2,share,x", "{file}, row 2, column 'value': inflow.seasonal.01..12 for medio"),
    ("ind.opening_age.asylum.12_23m,all,,,0.5,share,x",
     "{file}, row 2, column 'value': ind.opening_age.asylum.* bands sum to 1.4, not 1"),
])
def test_cross_checks_name_the_file_row_and_column(tmp_path, capsys, row, message):
    path = write(tmp_path / "o.csv", HEADER + "coa.capacity_buffer,all,,,0,places,x\n" + row + "\n")
    refused(["run", *TINY, "--assumptions", str(path), "--out", str(tmp_path / "out")], capsys,
            message.format(file=path).replace("row 2", "row 3"))


def test_a_cross_check_on_the_aannames_range_names_its_row_in_dutch():
    excel_api.clear_caches()
    from mpp_xl.assumptions import COLUMNS
    rows = [list(COLUMNS), ["penalty.cap.standard", "all", None, None, 50.0, "EUR", "x"]]
    cell = udfs.MPP_SUMMARY(rows)
    assert cell[0][0].startswith("Fout: Aannames, rij 2, kolom 'value': penalty.cap.standard (50)"), cell


@pytest.mark.parametrize("call", [
    lambda text: udfs.MPP_PROJECTION(text, "medio", None),
    lambda text: udfs.MPP_PENALTIES(text, "base", None),
    lambda text: udfs.MPP_BUDGET("medio", "base", text, None),
])
def test_a_huge_argument_is_never_echoed_whole_into_a_cell(call):
    table = call("x" * 40_000)
    assert len(table) == 1 and table[0][0].startswith("Fout: ") and len(table[0][0]) < 400, table[0][0][:200]


def test_a_band_with_more_percentiles_than_excel_has_columns_is_refused():
    from mpp_xl import excel_uncertainty as eu
    many = ";".join(f"{i / 200:g}" for i in range(20_001))
    table = udfs.MPP_BAND("coa.capacity_need", "medio", many, 20, 1)
    assert len(table) == 1 and table[0][0] == "Fout: percentielen: 20.001 percentielen; geef er hoogstens 101"
    assert len(eu.percentiles_arg(";".join(str(i) for i in range(101)))) == 101


def test_minus_zero_is_the_zeroth_percentile_in_header_and_cache():
    from mpp_xl import excel_uncertainty as eu
    assert eu.percentiles_arg([[-0.0, 50.0]]) == eu.percentiles_arg([[0.0, 50.0]])
    assert [eu._percentile_header(q) for q in eu.percentiles_arg("-0;50")] == ["0e", "50e"]
    assert str(eu.percentiles_arg([[-0.0]])[0]) == "0.0"


# ================================================================ everyday use

def _results(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    assert main(["run", *TINY, "--quiet", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("lock", ["~$results.xlsx", ".~lock.results.xlsx#", "~$sults.xlsx"])
def test_a_stale_excel_lock_file_does_not_block_the_rerun(tmp_path, lock):
    out = _results(tmp_path)
    write(out / lock, b"\x08someone")
    assert main(["run", *TINY, "--quiet", "--out", str(out)]) == 0
    assert not (out / lock).exists() and (out / "results.xlsx").exists()


def test_a_workbook_open_in_excel_says_close_it(tmp_path, capsys):
    out = _results(tmp_path)
    write(out / ".~lock.results.xlsx#", ",someone,host,01.01.2025 10:00,file:///;")
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import fcntl, sys, time
        stream = open({str(out / 'results.xlsx')!r}, 'r+b')
        fcntl.lockf(stream, fcntl.LOCK_EX)
        print('locked', flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = snapshot(out)
        refused(["run", *TINY, "--out", str(out)], capsys,
                "results.xlsx is open in Excel or LibreOffice (lock file .~lock.results.xlsx#): close it and run again")
        assert snapshot(out) == before
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("name", ["results.xlsx", "budget.csv"])
def test_an_edited_results_file_is_never_replaced_silently(tmp_path, capsys, name):
    out = _results(tmp_path)
    write(out / name, (out / name).read_bytes() + b"my notes")
    before = snapshot(out)
    refused(["run", *TINY, "--out", str(out)], capsys, f"{name} was changed after mpp-xl wrote it")
    assert snapshot(out) == before


@pytest.fixture(scope="module")
def tiny_run():
    from mpp_xl.model import run_model
    from mpp_xl.timegrid import TimeGrid
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MPP_XL_ENGINE", "numpy")
        return run_model(AssumptionSet.default(), TimeGrid.from_text("2022-01", "2024-12"), ["medio"], ["base"],
                         window=(2024, 2024))


def test_the_budget_table_says_what_each_row_is(tiny_run):
    frame = tiny_run.budget_frame()
    assert list(frame.columns[:5]) == ["scenario", "variant", "year", "line", "kind"]
    kinds = dict(zip(frame.line, frame.kind))
    assert kinds["coa.total"] == "subtotal" and kinds["total"] == "total" and kinds["coa.oda_first_year"] == "of_which"
    assert kinds["coa.regular.occupied"] == kinds["ukraine.municipal"] == kinds["ind.penalties.paid"] == "line"
    year = frame[frame.year == 2023]
    coa = year[year.line.str.startswith("coa.") & (year.kind == "line")].amount_eur.sum()
    assert coa == pytest.approx(float(year[year.kind == "subtotal"].amount_eur.iloc[0]))  # lines add to the subtotal
    lines = year[year.kind == "line"]
    assert lines.amount_eur.isna().any() and year[year.kind == "total"].amount_eur.isna().all()  # Ukraine: no price
    assert lines.amount_eur.sum() == pytest.approx(coa + lines[lines.line.str.startswith("ind.")].amount_eur.sum())


def test_the_window_total_shows_the_known_lines_marked_with_a_footnote(tiny_run):
    from mpp_xl.summary import budget_summary
    text = budget_summary(tiny_run)
    total = next(line for line in text.splitlines() if line.split()[:2] == ["medio", "total"]
                 or line.split()[:1] == ["total"])
    assert total.rstrip().endswith("*") and len(total.split()) >= 3, text
    assert "* medio: total of the lines with a known price; without ukraine.municipal in 2024" in text
    ukraine = next(line for line in text.splitlines() if "ukraine.municipal" in line and not line.startswith("*"))
    assert len(ukraine.split()) == 1  # its own cells stay blank: a gap stays a gap


def test_the_excel_budget_total_shows_the_known_lines_marked():
    excel_api.clear_caches()
    table = udfs.MPP_BUDGET("medio", "base", None, None)
    rows = {r[0]: r for r in table[1:]}
    assert rows["ukraine.municipal"][2:4] == [None, None]
    assert rows["total"][3] == pytest.approx(sum(rows[l][3] for l in rows if l in (
        "coa.total", "ind.penalties.paid", "ind.legal_costs.paid")))
    assert rows["total"][2] is not None and "*" in rows["total"][1] and "2024: geen prijs bekend" in rows["total"][1]


def test_compare_prints_every_scenario_and_variant_in_millions_with_the_window_last(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "mpp-2024-I", "mpp-2024-II", "--scenario", "min", "--scenario", "max", "--variant", "base",
                 "--variant", "all_undone", "--end", "2025-12", "--window", "2024-2025", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for scenario in ("min", "max"):
        for variant in ("base", "all_undone"):
            assert f"scenario {scenario}, variant {variant}" in text
    assert "EUR mln" in text
    lines = text.splitlines()
    windows = [i for i, line in enumerate(lines) if " 2024-2025 " in f" {line} "]
    assert windows and all(" 2025 " in f" {lines[i - 1]} " for i in windows), text  # the window after its years
    frame = pd.read_csv(out / "comparison.csv", comment="#")
    rows = frame[(frame.what == "penalties.accrued") & (frame.scenario == "min") & (frame.variant == "base")]
    assert rows.period.tolist() == ["2022", "2023", "2024", "2025", "2024-2025"]


def test_an_entered_price_is_said_to_be_multiplied_by_the_price_index():
    """Every COA price record (shipped or entered) is at the price level of index 1 and is multiplied by the index
    of its year: the description says so (mpp-xl params, Aannames), and budget.csv shows the indexed price."""
    registry = Registry.default()
    for name in ("budget.coa.price_per_occupied_day.regular", "budget.coa.price_per_empty_day.emergency"):
        assert "the model multiplies it by the index of each year" in registry.find(name).description
    assert "every COA price (shipped or entered) is multiplied by it" in registry.find(
        "budget.price_index.coa").description


def test_compile_says_what_it_does_before_it_does_it(monkeypatch, capsys):
    from mpp_xl import warmup
    seen = []
    monkeypatch.setattr(warmup, "compile_kernels", lambda: (seen.append(capsys.readouterr().out), (1.0, "compiled"))[1])
    assert main(["compile"]) == 0
    assert seen and "Compiling the fast kernels" in seen[0]


def test_the_summary_names_the_spreidingswet_capacity_of_each_year():
    from mpp_xl.model import run_model
    from mpp_xl.summary import summary_text
    from mpp_xl.timegrid import TimeGrid
    run = run_model(AssumptionSet.default(), TimeGrid.from_text("2022-01", "2027-12"), ["medio"], ["base"])
    text = summary_text(run)
    assert "shortfall vs 96,000" not in text and "shortfall vs Spreidingswet" in text
    block = text.split("COA and Ukraine on 1 January")[1].split("\n\n")[0]
    capacities = [line.split()[-6] for line in block.splitlines()[-3:]]  # 1 January 2026, 2027, 2028
    assert capacities == ["96,000", "88,000", "88,000"], block


def test_the_readme_quick_start_compiles_and_the_excel_steps_cover_a_locked_down_desktop():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("```")[1]
    assert "mpp-xl compile" in quick
    excel = readme[readme.index("Excel"):]
    for step in ("Trust access to the VBA project object model", "Unblock", "Import File", "xlwings_udfs.bas"):
        assert step in excel, step
