"""The backtest panel against hand calculations from data/editions.csv."""

import numpy as np
import pandas as pd
import pytest

from mpp_xl.backtest import COLUMNS, backtest_frame, backtest_summary, forecast_errors
from mpp_xl.cli import main
from mpp_xl.editions import published_record


@pytest.fixture(scope="module")
def panel():
    return backtest_frame()


def row(panel, edition, scenario, year, metric="inflow.total"):
    hits = panel[(panel.edition == edition) & (panel.scenario == scenario) & (panel.year == year)
                 & (panel.metric == metric)]
    assert len(hits) == 1
    return hits.iloc[0]


def test_every_published_forecast_is_in_the_panel(panel):
    record = published_record()
    forecasts = record[(record.edition != "realised") & record.metric.isin(["inflow.total", "coa.capacity_need"])]
    assert len(panel) == len(forecasts)
    assert list(panel.columns) == COLUMNS


@pytest.mark.parametrize("edition, scenario, year, forecast, realised, error_pct, lead", [
    ("MPP 2023-II", "medio", 2023, 60000, 50600, 100 * (60000 - 50600) / 50600, 0),   # +18.6 %
    ("MPP 2023-I", "medio", 2023, 67000, 50600, 100 * (67000 - 50600) / 50600, 0),    # +32.4 %
    ("MPP 2024-II", "medio", 2025, 66000, 40000, 100 * (66000 - 40000) / 40000, 1),   # +65.0 %
    ("MPP 2024-I", "min", 2024, 49800, 46400, 100 * (49800 - 46400) / 46400, 0),      # +7.3 %
    ("MPP 2022-II", "min", 2022, 48210, 48600, 100 * (48210 - 48600) / 48600, 0),     # -0.8 %
    ("MPP 2023-I", "max", 2024, 72000, 46400, 100 * (72000 - 46400) / 46400, 1),      # +55.2 %
])
def test_errors_by_hand(panel, edition, scenario, year, forecast, realised, error_pct, lead):
    r = row(panel, edition, scenario, year)
    assert (r.forecast, r.realised, r.error, r.lead_years) == (forecast, realised, forecast - realised, lead)
    assert r.error_pct == pytest.approx(error_pct, rel=1e-12)
    if (edition, scenario, year) == ("MPP 2023-II", "medio", 2023):
        assert round(r.error_pct, 1) == 18.6


def test_capacity_need_against_the_occupancy_of_the_day_before(panel):
    """MPP 2023-II: need 69,900 on 1 Jan 2024; COA occupancy 63,000 on 31 Dec 2023: +6,900 (+10.95 %)."""
    r = row(panel, "MPP 2023-II", "medio", 2023, "coa.capacity_need_vs_occupancy")
    assert (r.forecast, r.realised, r.error, r.lead_years) == (69900, 63000, 6900, 0)  # 7 weeks ahead: lead 0


def test_missing_figures_stay_blank(panel):
    assert np.isnan(row(panel, "MPP 2025-II", "max", 2026).realised)  # 2026 has not happened
    assert np.isnan(row(panel, "MPP 2024-II", "medio", 2025, "coa.capacity_need_vs_occupancy").error)
    assert not ((panel.edition == "MPP 2023-II") & (panel.scenario == "medio") & (panel.year == 2024)
                & (panel.metric == "inflow.total")).any()  # not published: no row is invented


def test_summary_by_hand(panel):
    """Lead 0, medio inflow: 2023-I 2023 +32.41 %, 2023-II 2023 +18.58 %, 2024-I 2024 +50.43 %, 2024-II 2024
    +24.14 %: mean +31.39 %. Inside [min, max] at lead 0: 5 of 7 pairs (2023-I 2023: 49,000-77,000 holds 50,600;
    2024-I 2024: 49,800-78,500 misses 46,400; 2024-II 2024 holds; 2022-II 2022 holds; 2023-II 2023 holds;
    2025-I 2025: 52,000-74,800 misses 40,000; 2025-II 2025: 40,000-55,300 holds)."""
    summary = backtest_summary(panel).set_index(["metric", "scenario", "lead_years"])
    medio = summary.loc[("inflow.total", "medio", 0)]
    expected = np.mean([100 * (67000 - 50600) / 50600, 100 * (60000 - 50600) / 50600,
                        100 * (69800 - 46400) / 46400, 100 * (57600 - 46400) / 46400])
    assert medio.mean_error_pct == pytest.approx(expected)
    cover = summary.loc[("inflow.total", "min-max", 0)]
    assert (cover.inside_min_max, cover.min_max_pairs) == (5, 7)


def test_forecast_errors_are_data_for_the_monte_carlo():
    errors = forecast_errors()
    assert errors[0] == pytest.approx(np.array([67000 / 50600, 60000 / 50600, 69800 / 46400, 57600 / 46400]) - 1)


def test_cli_backtest_writes_both_files(tmp_path, capsys):
    assert main(["backtest", "--out", str(tmp_path)]) == 0
    assert "18.6" in capsys.readouterr().out
    frame = pd.read_csv(tmp_path / "backtest.csv", comment="#")
    assert list(frame.columns) == COLUMNS
    assert (tmp_path / "backtest_summary.csv").exists()


def test_every_row_is_forecast_minus_the_published_realised_figure(panel):
    """For every row: realised looked up in the record by hand (inflow by year; occupancy on the day before a
    1 January need), error = forecast - realised, error_pct = 100 x error / realised, lead = year - published."""
    record = published_record()
    realised = record[record.edition == "realised"]
    for r in panel.itertuples():
        if r.metric == "inflow.total":
            hit = realised[(realised.metric == "inflow.total") & (realised.year == str(r.year))]
        else:
            hit = realised[(realised.metric == "coa.occupancy") & (realised.year == f"{r.year}-12-31")]
        if hit.empty:
            assert np.isnan(r.realised) and np.isnan(r.error) and np.isnan(r.error_pct)
            continue
        actual = float(hit.value.iloc[0])
        assert (r.realised, r.error) == (actual, r.forecast - actual)
        assert r.error_pct == pytest.approx(100 * (r.forecast - actual) / actual, rel=1e-12)
        assert r.lead_years == r.year - int(r.published[:4])
