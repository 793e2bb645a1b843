"""The assumption records: loading, validation, layering and hashing."""

import numpy as np
import pytest

from mpp_xl.assumptions import COLUMNS, AssumptionSet, Registry, load_csv, parse_date, parse_number, parse_table
from mpp_xl.errors import MppError

from conftest import override


def test_default_set_has_a_source_and_declared_unit_for_every_record(default_set):
    registry = Registry.default()
    for _, rec in default_set.records():
        assert rec.source.strip(), rec
        assert registry.find(rec.parameter).unit == rec.unit


def test_model_assumptions_say_why(default_set):
    """Every value without a published source is marked 'model assumption: <reason>'."""
    for _, rec in default_set.records():
        if rec.source.lower().startswith("model assumption"):
            assert len(rec.source.split(":", 1)[1].strip()) > 10, rec


def test_later_layer_wins_only_inside_its_period(default_set):
    days = np.array(["2024-06-01", "2025-03-01", "2026-03-01"], dtype="datetime64[D]")
    before = default_set.at("ind.capacity.asylum", "medio", days)
    changed = override(default_set, ("ind.capacity.asylum", "all", "2025-01-01", "2025-12-31", 1234, "cases/month"))
    after = changed.at("ind.capacity.asylum", "medio", days)
    assert after[1] == 1234
    assert after[0] == before[0] and after[2] == before[2]


def test_scenario_record_beats_all_record_in_the_same_layer(default_set):
    changed = override(default_set,
                       ("coa.occupancy_norm", "all", "", "", 0.9, "share"),
                       ("coa.occupancy_norm", "max", "", "", 0.8, "share"))
    assert changed.scalar("coa.occupancy_norm", "max", "2025-01-01") == 0.8
    assert changed.scalar("coa.occupancy_norm", "min", "2025-01-01") == 0.9


def test_digest_changes_with_an_override_and_is_stable(default_set):
    again = AssumptionSet.default()
    assert again.digest == default_set.digest
    changed = override(default_set, ("coa.occupancy_norm", "all", "", "", 0.9, "share"))
    assert changed.digest != default_set.digest


@pytest.mark.parametrize("row, message", [
    (["ind.capacity.asylm", "all", "", "", "1", "cases/month", "x"],
     "row 2, column 'parameter': unknown parameter 'ind.capacity.asylm' (did you mean 'ind.capacity.asylum'?)"),
    (["ind.capacity.asylum", "medium", "", "", "1", "cases/month", "x"],
     "row 2, column 'scenario': unknown scenario 'medium' (did you mean 'medio'?); use one of min, medio, max, all"),
    (["ind.capacity.asylum", "all", "2025-13-01", "", "1", "cases/month", "x"],
     "row 2, column 'from': '2025-13-01' is not a date (use YYYY-MM-DD)"),
    (["ind.capacity.asylum", "all", "2025-06-01", "2025-01-01", "1", "cases/month", "x"],
     "row 2, column 'to': period ends (2025-01-01) before it starts (2025-06-01)"),
    (["ind.capacity.asylum", "all", "", "", "veel", "cases/month", "x"],
     "row 2, column 'value': 'veel' is not a number"),
    (["ind.capacity.asylum", "all", "", "", "-5", "cases/month", "x"],
     "row 2, column 'value': -5 is not allowed for ind.capacity.asylum: a count cannot be negative"),
    (["coa.occupancy_norm", "all", "", "", "1.2", "share", "x"],
     "row 2, column 'value': 1.2 is not allowed for coa.occupancy_norm: a share must lie between 0 and 1"),
    (["coa.occupancy_norm", "all", "", "", "0.9", "%", "x"],
     "row 2, column 'unit': coa.occupancy_norm is measured in 'share', not '%'"),
    (["coa.occupancy_norm", "all", "", "", "nan", "share", "x"],
     "row 2, column 'value': 'nan' is not a number"),
    (["coa.occupancy_norm", "all", "", "", "", "share", "x"],
     "row 2, column 'value': required value is empty"),
])
def test_bad_rows_are_rejected_with_file_row_and_column(row, message):
    with pytest.raises(MppError) as err:
        parse_table([list(COLUMNS), row], "f.csv", Registry.default())
    assert str(err.value) == f"f.csv, {message}"


def test_overlapping_periods_are_rejected():
    rows = [list(COLUMNS),
            ["ind.capacity.asylum", "all", "2025-01-01", "2025-12-31", "1", "cases/month", "x"],
            ["ind.capacity.asylum", "all", "2025-06-01", "", "2", "cases/month", "x"]]
    with pytest.raises(MppError, match=r"f.csv row 3: period 2025-06-01..9999-12-31 of ind.capacity.asylum \(all\) "
                                       r"overlaps f.csv row 2"):
        parse_table(rows, "f.csv", Registry.default())


def test_dutch_excel_csv_with_bom_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "nl.csv"
    path.write_bytes("\ufeffparameter;scenario;from;to;value;unit;source\n"
                     "coa.occupancy_norm;all;01-01-2025;;0,88;share;eigen schatting\n".encode("utf-8"))
    (rec,) = load_csv(path, Registry.default())
    assert rec.value == 0.88 and rec.start == np.datetime64("2025-01-01")


def test_ambiguous_dutch_thousands_are_rejected():
    with pytest.raises(ValueError, match="ambiguous"):
        parse_number("1.234", decimal_comma=True)
    assert parse_number("1.234,5", decimal_comma=True) == 1234.5


def test_dates_in_the_accepted_forms():
    assert parse_date("2024-09", is_end=False) == np.datetime64("2024-09-01")
    assert parse_date("2024-02", is_end=True) == np.datetime64("2024-02-29")
    assert parse_date(45536, is_end=False) == np.datetime64("2024-09-01")  # Excel serial of 1 Sep 2024
    assert parse_date("01-09-2024", is_end=False) == np.datetime64("2024-09-01")


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(MppError, match=r"nope.csv: file not found"):
        load_csv(tmp_path / "nope.csv", Registry.default())


def test_missing_value_for_a_month_is_named(default_set):
    gap = default_set.with_layer("x", ())
    with pytest.raises(MppError, match="assumption 'no.such' is missing"):
        gap.at("no.such", "medio", np.array(["2025-01-01"], dtype="datetime64[D]"))


def test_a_flag_switches_on_the_day_after_an_override_ends(default_set):
    """Baseline 1 from 2024 on; an override sets 0 until 31 May 2025: the flag takes effect on 1 Jun 2025,
    a day no record starts on."""
    aset = override(default_set, ("deadline.asylum.wbv_2023_26.withdrawn", "all", "2024-01-01", "", 1, "flag"),
                    label="baseline-like")
    aset = override(aset, ("deadline.asylum.wbv_2023_26.withdrawn", "all", "", "2025-05-31", 0, "flag"))
    assert aset.switch_date("deadline.asylum.wbv_2023_26.withdrawn", "medio") == np.datetime64("2025-06-01")


def test_a_layered_set_has_the_digest_of_the_same_set_built_at_once(default_set):
    """The digest continues the parent's per layer: equal to the set built in one go, over an empty parent too,
    and a different layer is a different digest."""
    from mpp_xl.assumptions import AssumptionSet
    records = default_set.layers[0][1]
    empty = AssumptionSet("x", [], default_set.registry)
    layered = empty.with_layer("a", records[:3]).with_layer("b", records[3:5])
    at_once = AssumptionSet("x", [("a", records[:3]), ("b", records[3:5])], default_set.registry)
    assert layered.digest == at_once.digest
    assert len({empty.digest, empty.with_layer("a", records[:3]).digest, layered.digest,
                empty.with_layer("a", records[:2]).digest}) == 4
