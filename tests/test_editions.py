"""Editions, measures and the comparison of two runs."""

import numpy as np
import pytest

from mpp_xl.assumptions import Assumption
from mpp_xl.cli import main
from mpp_xl.compare import COLUMNS, comparison_frame
from mpp_xl.editions import available_editions, edition_set, published_record
from mpp_xl.errors import MppError
from mpp_xl.measures import Measure, apply_measures, available_measures
from mpp_xl.model import run_model


def test_every_edition_in_the_record_is_listed_with_what_it_publishes():
    record = published_record()
    titles = set(record.edition) - {"realised"}
    editions = available_editions()
    assert {e.title for e in editions.values()} == titles
    assert editions["mpp-2024-I"].inflow[("medio", 2025)][0] == 76400  # Kamerbrief 2 Dec 2024 (restated)
    assert ("medio", 2024) not in editions["mpp-2023-II"].inflow  # a gap stays a gap


def test_an_edition_that_lacks_a_figure_says_so_in_one_line(grid):
    with pytest.raises(MppError, match="edition MPP 2023-II publishes no medio inflow for 2024"):
        edition_set("mpp-2023-II", ["medio"], grid)


def test_an_older_edition_knows_the_realised_years_before_it(grid):
    """MPP 2025-II (Sep 2025) treats 2024 as realised (46,400) and publishes 40,000 / 39,000 for min 2025/2026."""
    aset = edition_set("mpp-2025-II", ["min"], grid)
    assert aset.scalar("inflow.total_annual", "min", "2024-06-01") == 46400
    assert aset.scalar("inflow.total_annual", "min", "2025-06-01") == 40000
    assert aset.scalar("inflow.total_annual", "min", "2030-06-01") == 39000


def test_compare_2024_I_and_2024_II_gives_the_published_inflow_delta(grid):
    """Kamerbrief 2 Dec 2024: medio 2025 was 76,400 in MPP 2024-I and is 66,000 in 2024-II: -10,400."""
    runs = [run_model(edition_set(name, ["medio"], grid), grid, ["medio"], ["base"]) for name in
            ("mpp-2024-I", "mpp-2024-II")]
    frame = comparison_frame(*runs)
    assert list(frame.columns) == COLUMNS
    row = frame[(frame.what == "inflow.total") & (frame.period == "2025")].iloc[0]
    assert (row.value_a, row.value_b, row.delta) == pytest.approx((76400, 66000, -10400), abs=1e-6)
    need = frame[(frame.what == "coa.capacity_need") & (frame.period == "2025-12-31")].iloc[0]
    assert need.delta < 0
    budget = frame[(frame.what == "budget.coa.total") & (frame.period == "2024-2027")].iloc[0]
    assert budget.delta < 0 and budget.delta == pytest.approx(budget.value_b - budget.value_a)
    history = frame[frame.period.isin(["2022", "2023", "2022-12-31", "2023-12-31"])]
    assert (history.delta.dropna().abs() < 1e-6).all()  # an edition changes nothing in the realised years
    assert set(history[history.delta.isna()].what) == {"budget.ukraine.municipal", "budget.total"}  # price gaps


def test_measures_apply_in_order_and_a_conflict_names_both(default_set):
    available = available_measures(default_set.registry)
    aset = apply_measures(default_set, ["beleidspad_instroom"], available)
    assert aset.scalar("inflow.total_annual", "max", "2028-01-01") == 24730
    record = available["ind_capaciteitsplan"].records[0]
    clash = Measure("meer_capaciteit", "illustrative", "", "", (Assumption(
        record.parameter, "all", np.datetime64("2027-01-01"), record.end, 6000, record.unit, "test"),))
    with pytest.raises(MppError, match="measures ind_capaciteitsplan and meer_capaciteit both set "
                                       "ind.capacity.asylum from 2027-01-01"):
        apply_measures(default_set, ["ind_capaciteitsplan", "meer_capaciteit"],
                       {**available, "meer_capaciteit": clash})
    with pytest.raises(MppError, match="unknown measure 'nareisrm'"):
        apply_measures(default_set, ["nareisrm"], available)


def test_the_nareis_restriction_delays_arrivals_without_losing_them(default_set, grid, default_run):
    aset = apply_measures(default_set, ["nareisrem"])
    held = run_model(aset, grid, ["medio"], ["base"]).chain("medio").metrics["ind.arrivals.nareis"]
    base = default_run.chain("medio").metrics["ind.arrivals.nareis"]
    # decisions from Jan 2026 land from Apr 2026 (travel 3 months): 2026 = Jan-Mar in full + half of Apr-Dec,
    # and the delayed half of Apr 2026 lands in Apr 2027 (12 months later)
    month = {str(m): i for i, m in enumerate(grid.months)}
    jan_mar = base[month["2026-01"]:month["2026-04"]].sum()
    apr_dec = base[month["2026-04"]:month["2027-01"]].sum()
    assert held[grid.years == 2026].sum() == pytest.approx(jan_mar + 0.5 * apr_dec, rel=1e-9)
    assert held[month["2027-04"]] == pytest.approx(0.5 * base[month["2027-04"]] + 0.5 * base[month["2026-04"]])
    before = grid.months < np.datetime64("2026-04")
    assert np.allclose(held[before], base[before])  # decisions from 2026 land from April 2026 (travel 3)
    assert held.sum() < base.sum()  # the delayed half of the last year lands beyond the horizon


def test_cli_run_names_edition_measures_and_override_files_in_the_provenance(tmp_path, capsys):
    import json
    override = tmp_path / "o.csv"
    override.write_text("parameter,scenario,from,to,value,unit,source\n"
                        "coa.capacity_buffer,all,,,1000,places,test\n", encoding="utf-8")
    code = main(["run", "--edition", "mpp-2024-I", "--measure", "nareisrem", "--assumptions", str(override),
                 "--scenario", "medio", "--variant", "base", "--window", "2026-2030", "--out", str(tmp_path / "out"),
                 "--quiet"])
    assert code == 0
    provenance = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert provenance["edition"] == "MPP 2024-I" and provenance["measures"] == ["nareisrem"]
    assert provenance["override_files"][0]["name"] == str(override) and len(provenance["override_files"][0]["sha256"]) == 16
    assert provenance["window"] == "2026-2030"
    assert "MPP 2024-I" in provenance["assumption_set"] and "o.csv" in provenance["assumption_set"]
    assert (tmp_path / "out" / "budget.csv").exists()


def test_cli_compare_writes_the_mutation_table(tmp_path, capsys):
    code = main(["compare", "mpp-2024-I", "mpp-2024-II", "--scenario", "medio", "--variant", "base", "--out",
                 str(tmp_path)])
    assert code == 0
    text = capsys.readouterr().out
    assert "-10,400" in text
    import pandas as pd
    frame = pd.read_csv(tmp_path / "comparison.csv", comment="#")
    assert list(frame.columns) == COLUMNS


@pytest.mark.parametrize("argv, message", [
    (["run", "--edition", "mpp-2030-I"], "unknown edition 'mpp-2030-I'"),
    (["run", "--edition", "mpp-2023-II", "--scenario", "medio"], "publishes no medio inflow for 2024"),
    (["run", "--window", "2031-2032"], "window 2031-2032 lies outside the horizon"),
    (["run", "--measure", "nareisrem", "--measure", "nareisrem"], "measure nareisrem is given twice"),
    (["compare", "mpp-2024-I", "nope.csv"], "nope.csv: file not found"),
])
def test_cli_bad_edition_window_and_measure_get_one_line(argv, message, capsys, tmp_path):
    code = main(argv + ["--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert not (tmp_path / "x").exists()
