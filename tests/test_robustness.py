"""Robustness cases from the hostile-tester review: wrong numbers with exit 0, lost or mixed results, and exit 3
on plain bad input. Each case names the class it stands for."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mpp_xl import cli
from mpp_xl.cli import main

HEADER = "parameter,scenario,from,to,value,unit,source\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def run_fails(argv, message, capsys, out):
    code = main(argv + ["--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err and err.count("\n") == 1, err
    assert not out.exists()


# ---------------------------------------------------------------- wrong numbers with exit 0

@pytest.mark.parametrize("cell, message", [
    ("2025", "'2025' is a year, not a date: write 2025-01-01"),
    ("202501", "'202501' looks like YYYYMM: write 2025-01"),
    ("2025.0", "'2025' is a year, not a date"),
    ("1905", "'1905' is a year, not a date"),
])
def test_a_year_or_yyyymm_in_a_date_cell_is_refused_not_read_as_a_serial(tmp_path, capsys, cell, message):
    path = write(tmp_path / "o.csv", HEADER + f"ind.capacity.asylum,all,{cell},,3000,cases/month,x\n")
    run_fails(["run", "--assumptions", str(path)], message, capsys, tmp_path / "out")


def test_a_plausible_excel_serial_still_reads_as_a_date(tmp_path):
    path = write(tmp_path / "o.csv", HEADER + "coa.capacity_buffer,all,45658,,10,places,x\n")  # 45658 = 2025-01-01
    assert main(["params", "--csv", "--assumptions", str(path)]) == 0


def test_a_year_as_end_means_its_december_and_the_summary_says_which_window(tmp_path, capsys):
    assert main(["run", "--scenario", "medio", "--variant", "base", "--end", "2027", "--out", str(tmp_path / "o")]) == 0
    provenance = json.loads((tmp_path / "o" / "provenance.json").read_text())
    assert provenance["horizon"] == "2022-01..2027-12" and provenance["window"] == "2024-2027"
    assert main(["run", "--scenario", "medio", "--variant", "base", "--end", "2027-01", "--out",
                 str(tmp_path / "p")]) == 0
    assert "2024-2026 in total" in capsys.readouterr().out  # only whole years count: never a cut-off 2027


def test_two_different_variant_files_never_share_a_hash_and_their_records_are_reported(tmp_path):
    hashes = []
    for months in (1, 2):
        variants = write(tmp_path / f"v{months}.csv", "variant," + HEADER +
                         f"mine,penalty.notice_lag_months,all,2025-01-01,,{months},months,x\n")
        out = tmp_path / f"out{months}"
        assert main(["run", "--quiet", "--scenario", "medio", "--variants", str(variants), "--variant", "mine",
                     "--out", str(out)]) == 0
        hashes.append(json.loads((out / "provenance.json").read_text())["variants_hash"])
        used = pd.read_csv(out / "assumptions_used.csv", comment="#")
        mine = used[used.layer == "variant mine"]
        assert mine.value.tolist() == [months]
        assert json.loads((out / "provenance.json").read_text())["variants_file"]["name"] == str(variants)
    assert hashes[0] != hashes[1]


def test_repeated_assumption_files_are_all_applied_in_order(tmp_path):
    first = write(tmp_path / "a.csv", HEADER + "coa.capacity_buffer,all,,,100,places,x\n"
                  "coa.occupancy_norm,all,,,0.9,share,x\n")
    second = write(tmp_path / "b.csv", HEADER + "coa.capacity_buffer,all,,,200,places,x\n")
    out = tmp_path / "out"
    assert main(["run", "--quiet", "--scenario", "medio", "--variant", "base", "--assumptions", str(first),
                 "--assumptions", str(second), "--out", str(out)]) == 0
    used = pd.read_csv(out / "assumptions_used.csv", comment="#")
    layers = used[used.layer.str.startswith("override")]
    assert set(layers.layer) == {"override a.csv", "override b.csv"}
    provenance = json.loads((out / "provenance.json").read_text())
    assert [f["name"] for f in provenance["override_files"]] == [str(first), str(second)]
    projection = pd.read_csv(out / "projection.csv", comment="#")
    need = projection[(projection.metric == "coa.capacity_need")].value.iloc[-1]
    occupancy = projection[(projection.metric == "coa.occupancy")].value.iloc[-1]
    assert need == pytest.approx(occupancy / 0.9 + 200)  # the norm from a.csv, the buffer from b.csv


# ---------------------------------------------------------------- lost or mixed results

def test_leftovers_of_a_killed_run_are_removed_at_the_next_run(tmp_path):
    out = tmp_path / "out"
    dead = tmp_path / ".out.mpp-tmp-999999999"
    dead.mkdir()
    (dead / "projection.csv").write_text("half", encoding="utf-8")
    assert main(["run", "--quiet", "--scenario", "medio", "--variant", "base", "--out", str(out)]) == 0
    assert not dead.exists()


def test_a_folder_with_files_of_the_user_is_never_swapped_away(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.docx").write_bytes(b"precious")
    assert main(["run", "--quiet", "--out", str(out)]) == 2
    assert "holds files mpp-xl did not write" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.docx"] and (out / "notes.docx").read_bytes() == b"precious"


def test_text_that_would_run_as_a_formula_is_written_as_text(tmp_path):
    path = write(tmp_path / "o.csv", HEADER + 'coa.capacity_buffer,all,,,5,places,"=HYPERLINK(""http://x"")"\n'
                 "coa.occupancy_norm,all,,,0.9,share,@SUM(A1)\n")
    out = tmp_path / "out"
    assert main(["run", "--quiet", "--scenario", "medio", "--variant", "base", "--assumptions", str(path),
                 "--out", str(out)]) == 0
    text = (out / "assumptions_used.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert not any(line.split(",")[6].startswith(("=", "@")) for line in text.splitlines()[2:] if line.count(",") >= 7)


def test_a_broken_pipe_after_writing_ends_quietly(tmp_path):
    command = (f"{sys.executable} -m mpp_xl.cli run --scenario medio --variant base --out {tmp_path / 'o'} | head -1; "
               "exit ${PIPESTATUS[0]}")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    assert (tmp_path / "o" / "projection.csv").exists()


def test_the_error_log_does_not_follow_a_planted_link(tmp_path, monkeypatch, capsys):
    target = tmp_path / "victim.txt"
    target.write_text("keep", encoding="utf-8")
    link = tmp_path / "mpp-xl.log"
    link.symlink_to(target)
    monkeypatch.setattr(cli, "LOG_FILE", link)
    monkeypatch.setattr(cli, "_run", lambda args: 1 / 0)
    assert main(["run"]) == 3
    assert target.read_text(encoding="utf-8") == "keep"
    assert "internal error" in capsys.readouterr().err


# ---------------------------------------------------------------- exit 2 with one line, never 3

def test_random_bytes_as_assumptions(tmp_path, capsys):
    path = tmp_path / "noise.csv"
    path.write_bytes(bytes(range(1, 256)) * 40)  # no NUL byte: it decodes, but is no table
    run_fails(["run", "--assumptions", str(path)], str(path), capsys, tmp_path / "out")


def test_an_overlong_line_and_an_oversized_file(tmp_path, capsys):
    long_line = write(tmp_path / "long.csv", HEADER + "x" * 20000 + "\n")
    run_fails(["run", "--assumptions", str(long_line)], "row 2: longer than 10,000 characters", capsys,
              tmp_path / "out")
    huge = tmp_path / "huge.csv"
    with open(huge, "wb") as stream:
        stream.truncate(21 * 2**20)
    run_fails(["run", "--assumptions", str(huge)], "is more than an assumptions file needs", capsys, tmp_path / "out")


def test_too_many_variants_for_one_run(tmp_path, capsys):
    rows = "".join(f"v{i},penalty.notice_lag_months,all,2025-01-01,,1,months,x\n" for i in range(40))
    variants = write(tmp_path / "many.csv", "variant," + HEADER + rows)
    argv = ["run", "--variants", str(variants)] + sum((["--variant", f"v{i}"] for i in range(40)), [])
    run_fails(argv, "3 scenarios x 41 variants = 123 chains; a run holds at most 36", capsys, tmp_path / "out")


def test_a_previous_folder_moved_aside_by_a_killed_run_comes_back(tmp_path):
    """Killed (SIGKILL) between the two renames: --out is gone and the previous results sit in a hidden folder of
    a dead process; the next run puts them back before it writes."""
    out = tmp_path / "out"
    assert main(["run", "--quiet", "--scenario", "medio", "--variant", "base", "--out", str(out)]) == 0
    moved = tmp_path / ".out.mpp-old-999999999"
    os.replace(out, moved)
    from mpp_xl.output import _clean_leftovers
    _clean_leftovers(out)
    assert out.is_dir() and not moved.exists() and (out / "projection.csv").exists()


# ---------------------------------------------------------------- everyday use: results.xlsx and charts

def test_every_run_writes_results_xlsx_and_the_charts(tmp_path):
    import openpyxl
    out = tmp_path / "out"
    assert main(["run", "--quiet", "--scenario", "medio", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out / "results.xlsx")
    assert {"Projectie", "Dwangsommen", "Dwangsommen per maand", "Begroting", "Wachttijden", "Aannames",
            "Grafieken"} <= set(book.sheetnames)
    projection = book["Projectie"]
    assert projection["C1"].value == "datum" and projection["C2"].is_date  # dates as dates
    assert projection["D1"].value == "instroom totaal (personen/maand)"  # Dutch header with its unit
    assert projection.freeze_panes == "D2"
    penalties = book["Dwangsommen"]
    headers = [c.value for c in penalties[1]]
    assert "betaald (EUR, kasbasis)" in headers and not any(h.startswith(("amount", "delta")) for h in headers)
    assert len(book["Grafieken"]._charts) == 4
    for name in ("inflow.png", "ind_pending.png", "coa_need.png", "penalties.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reruns_write_identical_workbooks_and_charts(tmp_path):
    for out in ("a", "b"):
        assert main(["run", "--quiet", "--scenario", "medio", "--variant", "base", "--out", str(tmp_path / out)]) == 0
    for name in ("results.xlsx", "coa_need.png", "penalties.png"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.parametrize("argv, message", [
    (["run", "--edition", ""], "unknown edition ''"),
    (["run", "--measure", ""], "unknown measure ''"),
    (["compare", "mpp-2024-I", "mpp-2099"], "unknown edition 'mpp-2099'"),
    (["run", "--start", "2022-1"], "horizon: '2022-1' .. '2030-12' is not a pair of months"),
])
def test_plain_bad_choices_of_the_new_commands(tmp_path, capsys, argv, message):
    run_fails(argv, message, capsys, tmp_path / "out")


def test_backtest_out_naming_a_file(tmp_path, capsys):
    target = write(tmp_path / "afile", "mine")
    assert main(["backtest", "--out", str(target)]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err and target.read_text() == "mine"


# ---------------------------------------------------------------- housekeeping

def test_build_metadata_is_not_tracked():
    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout
    assert ".egg-info/" not in tracked


def test_ci_stops_when_the_install_fails(tmp_path):
    """The README's test command runs under set -e inside an && list, which set -e does not stop on: the
    script must stop anyway. Run its install-and-test line with an install that fails."""
    root = Path(__file__).resolve().parents[1]
    line = next(l for l in (root / ".ci" / "run").read_text().splitlines() if l.startswith("pip install -e"))
    script = tmp_path / "ci.sh"
    script.write_text("set -euo pipefail\npip() { return 1; }\npython() { return 0; }\n" + line + "\necho reached\n")
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    assert done.returncode != 0 and "reached" not in done.stdout


def test_a_users_file_named_like_a_result_is_never_replaced(tmp_path, capsys):
    """A file called results.xlsx that mpp-xl did not write (no provenance.json lists it) stays."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "results.xlsx").write_bytes(b"my own workbook")
    assert main(["run", "--quiet", "--scenario", "medio", "--out", str(out)]) == 2
    assert (out / "results.xlsx").read_bytes() == b"my own workbook"


def test_one_command_never_replaces_another_commands_results(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", "--quiet", "--scenario", "medio", "--variant", "base", "--out", str(out)]) == 0
    assert main(["backtest", "--out", str(out)]) == 2
    assert "holds the results of `mpp-xl run`" in capsys.readouterr().err
    assert (out / "projection.csv").exists()


@pytest.mark.parametrize("row, message", [
    ("inflow.total_annual,medio,2023-01-01,2023-12-31,99999,persons/year,x", "2023 is realised history"),
    ("ind.capacity.asylum,all,2025-06-02,2025-06-30,3000,cases/month,x", "is read per month: start on the first"),
    ("budget.ukraine.normbedrag_per_day,all,2025-06-15,,1000,EUR/day,x", "is read per month: start on the first"),
    ("ind.capacity.asylum,all,2025-01-01,2025-12-31,3.000,cases/month,x", "'3.000' is ambiguous"),
])
def test_records_that_would_silently_do_nothing_are_refused(tmp_path, capsys, row, message):
    path = write(tmp_path / "o.csv", HEADER + row + "\n")
    run_fails(["run", "--assumptions", str(path)], message, capsys, tmp_path / "out")


def test_a_variants_file_given_as_assumptions_is_refused(tmp_path, capsys):
    path = write(tmp_path / "v.csv", "variant," + HEADER + "mine,ind.capacity.asylum,all,2025-01-01,,3000,cases/month,x\n")
    run_fails(["run", "--assumptions", str(path)], "unknown column 'variant' (a variants file: give it with --variants)",
              capsys, tmp_path / "out")


def test_a_device_is_read_no_further_than_the_limit(tmp_path, capsys):
    run_fails(["run", "--assumptions", "/dev/zero"], "more than 20 MB", capsys, tmp_path / "out")


def test_the_tools_own_assumptions_file_and_utf16_files_read_back(tmp_path):
    out = tmp_path / "out"
    assert main(["run", "--quiet", "--scenario", "medio", "--variant", "base", "--out", str(out)]) == 0
    used = out / "assumptions_used.csv"
    assert main(["params", "--csv", "--assumptions", str(used)]) == 0
    utf16 = tmp_path / "u16.csv"
    utf16.write_bytes((HEADER + "coa.capacity_buffer,all,,,10,places,x\n").encode("utf-16"))
    assert main(["params", "--csv", "--assumptions", str(utf16)]) == 0


def test_a_full_output_device_is_one_line_and_exit_2(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    done = subprocess.run(f"{sys.executable} -m mpp_xl.cli editions > /dev/full", shell=True, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "cannot write the output" in done.stderr
