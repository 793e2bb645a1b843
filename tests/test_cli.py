"""The command line: output contract, provenance, reruns, and one-line errors."""

import re
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mpp_xl.chain import METRIC_UNITS
from mpp_xl.cli import main

EXAMPLES = Path(__file__).parents[1] / "examples"
PUBLISHED = Path(__file__).parents[1] / "mpp_xl" / "data" / "published_figures.csv"
VARIANTS = ("base", "all_undone", "first_holds")
CONTRACT_METRICS = ["inflow.total", "inflow.first", "inflow.nareis", "inflow.repeat", "inflow.resettlement",
                    "ind.pending.asylum", "ind.pending.nareis", "ind.decisions.asylum", "ind.mean_wait_weeks.asylum",
                    "ind.pending_over_6m.asylum", "ind.pending_over_15m.asylum", "coa.occupancy", "coa.statushouders",
                    "coa.amv", "coa.capacity_need", "ukraine.stock", "ukraine.municipal_places"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    assert main(["run", "--out", str(out), "--quiet"]) == 0
    return out


def test_projection_contract(run_dir):
    first = (run_dir / "projection.csv").read_text().splitlines()[0]
    assert first.startswith("# mpp-xl 0.1.0; assumptions: MPP 2024-II (public reconstruction); hash: ")
    table = pd.read_csv(run_dir / "projection.csv", comment="#")
    assert list(table.columns) == ["scenario", "variant", "metric", "date", "value", "unit"]
    assert set(CONTRACT_METRICS) <= set(table.metric)
    # every variant has its own chain (its legal events use IND capacity), so every variant has its own rows
    assert set(table.scenario) == {"min", "medio", "max"} and set(table.variant) == set(VARIANTS)
    assert len(table) == 3 * len(VARIANTS) * len(METRIC_UNITS) * 108
    assert not table.duplicated(["scenario", "variant", "metric", "date"]).any()
    assert table.date.str.match(r"\d{4}-\d{2}-\d{2}$").all() and table.value.notna().all()


def test_penalties_contract(run_dir):
    table = pd.read_csv(run_dir / "penalties.csv", comment="#")
    assert list(table.columns) == ["scenario", "variant", "year", "track", "amount_eur", "amount_paid_eur",
                                   "delta_vs_base_eur", "cases_overdue", "notices", "appeals"]
    assert len(table) == 3 * 3 * 9 * 3
    for column in ("amount_eur", "amount_paid_eur"):
        tracks = table.pivot_table(index=["scenario", "variant", "year"], columns="track", values=column)
        assert ((tracks["asylum"] + tracks["nareis"] - tracks["total"]).abs() < 1e-3).all()
    # cash follows accrual: by the end of every year no more has been paid than has accrued
    cumulative = table.sort_values("year").groupby(["scenario", "variant", "track"])[["amount_eur",
                                                                                      "amount_paid_eur"]].cumsum()
    assert (cumulative.amount_paid_eur <= cumulative.amount_eur + 1e-3).all()
    assert (table.amount_paid_eur >= 0).all()
    assert (table[table.variant == "base"].delta_vs_base_eur == 0).all()
    base = table[table.variant == "base"].set_index(["scenario", "year", "track"]).amount_eur
    undone = table[table.variant == "all_undone"].set_index(["scenario", "year", "track"])
    assert ((undone.amount_eur - base - undone.delta_vs_base_eur).abs() < 1e-3).all()


def test_cohort_and_wait_time_files_agree_with_the_projection(run_dir):
    projection = pd.read_csv(run_dir / "projection.csv", comment="#")
    cohorts = pd.read_csv(run_dir / "cohorts.csv", comment="#")
    waits = pd.read_csv(run_dir / "wait_times.csv", comment="#")
    assert set(cohorts.variant) == set(waits.variant) == set(VARIANTS)
    for variant in VARIANTS:  # files carry 4 decimals
        medio = cohorts[(cohorts.scenario == "medio") & (cohorts.variant == variant) & (cohorts.track == "asylum")]
        chain = projection[(projection.scenario == "medio") & (projection.variant == variant)]
        decided_2024 = medio[medio.month.str.startswith("2024")].decided.sum()
        metric = chain[chain.metric == "ind.decisions.asylum"]
        assert decided_2024 == pytest.approx(metric[metric.date.str.startswith("2024")].value.sum(), rel=1e-6)
        pending = medio[medio.month == "2024-12"].pending_end.sum()
        assert pending == pytest.approx(chain[(chain.metric == "ind.pending.asylum")
                                              & (chain.date == "2024-12-31")].value.iloc[0], rel=1e-6)
        in_bands = waits[(waits.scenario == "medio") & (waits.variant == variant) & (waits.track == "asylum")
                         & (waits.year == 2024)].decisions.sum()
        assert in_bands == pytest.approx(decided_2024, rel=1e-6)


def test_provenance_sidecar(run_dir):
    import json
    meta = json.loads((run_dir / "provenance.json").read_text())
    assert meta["assumption_set"] == "MPP 2024-II (public reconstruction)"
    assert len(meta["assumptions_hash"]) == 12 and meta["package_version"] == "0.1.0" and meta["run_date"]


def test_two_runs_in_separate_processes_are_byte_identical(tmp_path):
    env = dict(os.environ, SOURCE_DATE_EPOCH="1735689600")
    for name in ("a", "b"):
        subprocess.run([sys.executable, "-m", "mpp_xl.cli", "run", "--quiet", "--scenario", "medio", "--out",
                        str(tmp_path / name)], check=True, env=env, capture_output=True)
    from mpp_xl.output import OUTPUT_FILES
    for name in OUTPUT_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_summary_shows_the_headline_tables(capsys, tmp_path):
    assert main(["run", "--out", str(tmp_path), "--scenario", "medio"]) == 0
    out = capsys.readouterr().out
    for heading in ("Inflow per year and category", "IND at year end", "COA and Ukraine on 1 January",
                    "Penalty payments and costs 2024-2027 in total", "total base", "paid base",
                    "delta all_undone"):
        assert heading in out


def test_summary_shows_paid_next_to_accrued_for_the_window(capsys, tmp_path):
    assert main(["run", "--out", str(tmp_path), "--scenario", "medio", "--variant", "base"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Penalty payments and costs 2024-2027"))
    header, row = lines[at + 1].split(), next(line for line in lines[at + 2:] if line.startswith("medio"))
    shown = dict(zip([" ".join(header[i:i + 2]) for i in range(0, len(header), 2)], row.split()[1:]))
    table = pd.read_csv(tmp_path / "penalties.csv", comment="#")
    window = table[(table.track == "total") & table.year.between(2024, 2027)]
    assert float(shown["total base"].replace(",", "")) == pytest.approx(window.amount_eur.sum() / 1e6, abs=0.051)
    assert float(shown["paid base"].replace(",", "")) == pytest.approx(window.amount_paid_eur.sum() / 1e6, abs=0.051)


def test_custom_variant_file_runs(tmp_path):
    out = tmp_path / "out"
    assert main(["run", "--quiet", "--scenario", "medio", "--out", str(out),
                 "--variants", str(EXAMPLES / "variant_wbv_2023_3_withdrawn.csv"),
                 "--variant", "wbv_2023_3_withdrawn"]) == 0
    table = pd.read_csv(out / "penalties.csv", comment="#")
    assert set(table.variant) == {"base", "wbv_2023_3_withdrawn"}
    # WBV 2023/3 covers filings of 2023 (deadlines 2024): by June 2025 every one of them had passed, so a
    # withdrawal for the future then changes nothing: time runs one way
    rows = table[(table.variant == "wbv_2023_3_withdrawn") & (table.track == "total")]
    assert (rows.delta_vs_base_eur.abs() < 1e-6).all()


def test_the_shipped_withdrawal_of_wbv_2023_26_runs_on_the_realised_path(tmp_path):
    """IB 2025/28: WBV 2023/26 withdrawn in June 2025; filings of 2024 still pending then get 6 months again,
    which can only add claims from June 2025 on and changes nothing before it."""
    out = tmp_path / "out"
    assert main(["run", "--quiet", "--edition", "realised", "--variant", "wbv_2023_26_withdrawn", "--out",
                 str(out)]) == 0
    table = pd.read_csv(out / "penalties_monthly.csv", comment="#")
    rows = table[(table.variant == "wbv_2023_26_withdrawn") & (table.scenario == "medio")]
    base = table[(table.variant == "base") & (table.scenario == "medio")]
    merged = rows.merge(base, on=["track", "date"], suffixes=("", "_base"))
    before = merged[merged.date < "2025-06-01"]
    assert np.allclose(before.amount_eur, before.amount_eur_base, atol=1e-6)
    assert merged[merged.date.str[:4] == "2025"].amount_eur.sum() > merged[merged.date.str[:4] == "2025"].amount_eur_base.sum()
    for name in ("projection.csv", "budget.csv", "provenance.json"):
        assert (out / name).exists()


def test_override_changes_the_result(tmp_path):
    base_out, over_out = tmp_path / "a", tmp_path / "b"
    assert main(["run", "--quiet", "--scenario", "medio", "--out", str(base_out)]) == 0
    assert main(["run", "--quiet", "--scenario", "medio", "--out", str(over_out),
                 "--assumptions", str(EXAMPLES / "override_ind_capacity.csv")]) == 0
    a, b = (pd.read_csv(out / "projection.csv", comment="#").query("variant == 'base'").set_index(["metric", "date"])
            .value for out in (base_out, over_out))
    # the example sets the IND capacity for 2025: the stock at the end of 2025 moves against the capacity change
    from mpp_xl.assumptions import AssumptionSet
    example = pd.read_csv(EXAMPLES / "override_ind_capacity.csv")
    assert list(example.parameter) == ["ind.capacity.asylum"]
    default = AssumptionSet.default().at("ind.capacity.asylum", "medio", np.array(["2025-06-01"]))[0]
    change = example.value.iloc[0] - default
    assert change != 0
    moved = b[("ind.pending.asylum", "2025-12-31")] - a[("ind.pending.asylum", "2025-12-31")]
    assert moved * change < 0
    assert (over_out / "projection.csv").read_text().splitlines()[0] != (base_out / "projection.csv").read_text().splitlines()[0]


def test_params_csv_lists_every_record(capsys):
    assert main(["params", "--csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["parameter", "scenario", "from", "to", "value", "unit", "source", "layer"]
    from mpp_xl.assumptions import AssumptionSet
    assert len(rows) - 1 == len(AssumptionSet.default().records())


def test_penalties_monthly_pays_what_accrued_after_the_lag(run_dir):
    """Cash basis: an amount accrued in month s is paid penalty.payment_lag_months later (a fractional lag
    splits it over the two months around it); checked where the lag is one value over the whole horizon."""
    used = pd.read_csv(run_dir / "assumptions_used.csv", comment="#")
    lag = used[used.parameter == "penalty.payment_lag_months"]
    if len(lag) != 1 or lag["from"].notna().any() or lag["to"].notna().any():
        pytest.skip("the payment lag varies over the horizon")
    lag = float(lag.value.iloc[0])
    whole, part = int(lag), lag - int(lag)
    monthly = pd.read_csv(run_dir / "penalties_monthly.csv", comment="#")
    assert {"amount_eur", "amount_paid_eur"} <= set(monthly.columns)
    for _, series in monthly.groupby(["scenario", "variant", "track"]):
        accrued = series.amount_eur.to_numpy()
        expected = (1 - part) * pd.Series(accrued).shift(whole, fill_value=0.0) \
            + part * pd.Series(accrued).shift(whole + 1, fill_value=0.0)
        assert series.amount_paid_eur.to_numpy() == pytest.approx(expected.to_numpy(), abs=1e-3)


def _published_rows() -> list[dict]:
    with open(PUBLISHED, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_reconcile_csv_has_one_row_per_published_figure(capsys):
    assert main(["reconcile", "--csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["figure", "source", "role", "published", "model", "lower", "upper", "holds"]
    published = _published_rows()
    assert [r[0] for r in rows[1:]] == [p["figure"] for p in published]
    for (figure, source, role, value, model, lower, upper, holds), p in zip(rows[1:], published):
        assert (source, role) == (p["source"], p["role"]) and role in ("target", "check", "derived")
        assert float(value) == float(p["value"]) and model != ""
        if not p["tolerance"]:  # no tolerance: shown, not reconciled
            assert (lower, upper, holds) == ("", "", ""), figure
            continue
        v, tol = float(p["value"]), float(p["tolerance"])
        low, high = {"relative": (v * (1 - tol), v * (1 + tol)), "absolute": (v - tol, v + tol),
                     "factor": (v / tol, v * tol)}[p["tolerance_kind"]]
        assert (float(lower), float(upper)) == (pytest.approx(low, rel=1e-9), pytest.approx(high, rel=1e-9))
        assert holds == str(float(lower) <= float(model) <= float(upper)), figure


def test_reconcile_prints_the_table(capsys):
    assert main(["reconcile"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["figure", "role", "published", "model", "lower", "upper", "holds"]
    for p in _published_rows():
        row = [line.split() for line in lines[1:] if line.split()[:1] == [p["figure"]]]
        assert len(row) == 1, p["figure"]
        assert row[0][1] == p["role"] and row[0][-1] in (("yes", "no") if p["tolerance"] else ("-",))
        assert float(row[0][2].replace(",", "")) == pytest.approx(float(p["value"]))


@pytest.mark.parametrize("args, message", [
    (["run", "--variant", "all_undon"], "mpp-xl: error: unknown variant 'all_undon' (did you mean 'all_undone'?); "
                                        "available: base, all_undone, first_holds, wbv_2023_26_withdrawn\n"),
    (["run", "--scenario", "median"], "mpp-xl: error: unknown scenario 'median' (did you mean 'medio'?); "
                                      "use min, medio or max\n"),
    (["run", "--start", "2022-13"], "mpp-xl: error: horizon: '2022-13' .. '2030-12' is not a pair of months "
                                    "(use YYYY-MM)\n"),
    (["run", "--assumptions", "no_such_file.csv"], "mpp-xl: error: no_such_file.csv: file not found\n"),
    (["frobnicate"], None),
])
def test_bad_command_lines_end_in_one_line(capsys, tmp_path, args, message):
    out = tmp_path / "never"
    code = main(args + (["--out", str(out)] if args[0] == "run" else []))
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("mpp-xl: error: ")
    if message:
        assert err == message
    assert not out.exists()


def test_a_bad_override_file_runs_nothing_and_is_left_alone(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    text = "parameter,scenario,from,to,value,unit,source\nind.capacity.asylum,all,2025-01-01,,-3,cases/month,x\n"
    bad.write_text(text)
    out = tmp_path / "out"
    assert main(["run", "--assumptions", str(bad), "--out", str(out)]) == 2
    assert capsys.readouterr().err == (f"mpp-xl: error: {bad}, row 2, column 'value': -3 is not allowed for "
                                       f"ind.capacity.asylum: a count cannot be negative\n")
    assert not out.exists() and bad.read_text() == text


def test_out_folder_may_not_overwrite_the_input(capsys, tmp_path):
    override = tmp_path / "projection.csv"
    override.write_text("parameter,scenario,from,to,value,unit,source\n")
    assert main(["run", "--assumptions", str(override), "--out", str(tmp_path), "--quiet"]) == 2
    assert "would overwrite your input file" in capsys.readouterr().err


def test_readme_parameter_table_is_in_step_with_the_data():
    sys.path.insert(0, str(Path(__file__).parents[1] / "tools"))
    from penalty_parameter_table import README, readme_with_table
    text = README.read_text(encoding="utf-8")
    assert readme_with_table(text) == text


def test_the_summary_prints_no_negative_zero(tmp_path, capsys):
    assert main(["run", "--out", str(tmp_path / "o")]) == 0
    text = capsys.readouterr().out
    assert not re.search(r"(?<![\d.,])-0(\.0+)?(?![\d.,])", text)
