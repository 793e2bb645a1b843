"""Safety: no network, no code execution from user content, a clean workbook, atomic outputs."""

import ast
import os
import socket
import zipfile
from pathlib import Path

import pytest

from mpp_xl import excel_api, output, udfs
from mpp_xl.cli import main
from mpp_xl.errors import MppError
from mpp_xl.workbook import build_workbook_bytes, vba_project

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "mpp_xl"
WORKBOOK = ROOT / "workbooks" / "mpp_model.xlsm"


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")
    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_a_full_run_uses_no_network(no_network, tmp_path):
    assert main(["run", "--quiet", "--out", str(tmp_path / "out")]) == 0
    excel_api.clear_caches()
    assert not udfs.MPP_SUMMARY(None)[0][0].startswith("Fout")
    assert build_workbook_bytes()[:2] == b"PK"


FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "input"}
FORBIDDEN_MODULES = {"pickle", "marshal", "shelve", "dill", "cloudpickle", "yaml", "subprocess"}


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_no_eval_exec_or_pickle_in_the_package(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno} calls {node.func.id}"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            assert not {n.split(".")[0] for n in names} & FORBIDDEN_MODULES, f"{path.name}:{node.lineno}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in {"read_pickle", "to_pickle"}, f"{path.name}:{node.lineno}"
            if node.func.attr == "load":
                assert not any(k.arg == "allow_pickle" for k in node.keywords), f"{path.name}:{node.lineno}"


def test_only_udfs_imports_xlwings():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = {a.name for n in imports if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in imports if isinstance(n, ast.ImportFrom) and n.module}
        if path.name != "udfs.py":
            assert not any(str(n).startswith("xlwings") for n in names), path.name


def test_workbook_has_no_external_links_and_only_xlwings_vba():
    import io
    with zipfile.ZipFile(io.BytesIO(build_workbook_bytes())) as archive:  # a fresh build: the point is safety
        names = archive.namelist()
        assert not [n for n in names if "externalLink" in n or "connections" in n or "queryTable" in n]
        assert archive.read("xl/vbaProject.bin") == vba_project()  # xlwings' own standalone module, unchanged
        workbook_xml = archive.read("xl/workbook.xml").decode()
        sheets = b"".join(archive.read(n) for n in names if n.startswith("xl/worksheets/sheet"))
    assert "[" not in workbook_xml.split("<definedNames>")[1].split("</definedNames>")[0]
    assert b"[1]" not in sheets and b".xls" not in sheets.lower()


def test_outputs_are_written_whole_or_not_at_all(monkeypatch, tmp_path):
    out = tmp_path / "out"
    assert main(["run", "--quiet", "--scenario", "medio", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_fdopen, opened = os.fdopen, []

    def failing_fdopen(fd, *args, **kwargs):
        opened.append(fd)
        if len(opened) == 3:
            os.close(fd)
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(output.os, "fdopen", failing_fdopen)
    assert main(["run", "--quiet", "--scenario", "max", "--out", str(out)]) == 2
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before  # the earlier results are untouched and no temporary file is left


def test_results_are_swapped_in_as_a_whole_folder(monkeypatch, tmp_path):
    """The new results are written into a hidden folder beside --out and swapped in by one rename; a run killed
    before the swap leaves the previous folder exactly as it was."""
    out = tmp_path / "out"
    assert main(["run", "--quiet", "--scenario", "medio", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_replace = os.replace
    fired = []

    def killed(source, target):
        if Path(target) == out and not fired:
            fired.append(source)
            raise KeyboardInterrupt  # as if the run were stopped between moving the old folder and the new one in
        return real_replace(source, target)

    monkeypatch.setattr(output.os, "replace", killed)
    monkeypatch.setattr(output, "_exchange", lambda a, b: False)  # the two-rename swap (no RENAME_EXCHANGE)
    assert main(["run", "--quiet", "--scenario", "max", "--out", str(out)]) == 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    monkeypatch.setattr(output.os, "replace", real_replace)
    assert main(["run", "--quiet", "--scenario", "max", "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing of the stopped run is left


def test_build_workbook_keeps_a_differing_file_unless_forced(tmp_path, capsys):
    target = tmp_path / "mpp_model.xlsm"
    fresh = build_workbook_bytes()  # the point is the refusal and the backup, not the committed file's content
    target.write_bytes(fresh)
    with zipfile.ZipFile(target, "a") as archive:
        archive.writestr("customXml/note.xml", "<note>edited</note>")
    edited = target.read_bytes()
    assert main(["build-workbook", "--out", str(target)]) == 2
    assert "differs from a fresh build" in capsys.readouterr().err
    assert target.read_bytes() == edited
    assert main(["build-workbook", "--out", str(target), "--force"]) == 0
    backups = list(tmp_path.glob("mpp_model.backup-*.xlsm"))
    assert len(backups) == 1 and backups[0].read_bytes() == edited
    assert target.read_bytes() == fresh


def test_errors_are_mpp_errors_with_one_line():
    assert "\n" not in str(MppError("two\nlines"))
