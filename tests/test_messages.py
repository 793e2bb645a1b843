"""The message catalogue (mpp_xl.messages): every message a cell can show, in English (as the core raises it and
the command line shows it) and in Dutch (as the cell shows it). Every entry has both; no English phrase survives
in a Dutch cell error, for the catalogue's own examples and for messages provoked through the Excel functions."""

import ast
import datetime as dt
import inspect
import re

import pytest

from mpp_xl import excel_api, excel_session, messages, udfs
from mpp_xl.assumptions import COLUMNS, AssumptionSet

# words and phrases of the core's English that have no place in a Dutch sentence (values, names and option
# words such as 'all', 'min' or 'panel' are taken out before the check)
ENGLISH = ("the", "is below", "below", "above", "realised", "history", "that", "year", "must", "cannot", "unknown",
           "expected", "available", "did you mean", "use", "with", "row", "column", "window", "edition", "measure",
           "measures", "got", "not", "sum", "needs", "missing", "empty", "and", "choose", "give", "between",
           "negative", "allowed", "number", "date", "holds", "error", "cell", "table", "header", "period", "ends",
           "starts", "lies", "outside", "would", "become", "check", "both", "cover", "applications", "filed", "case",
           "only", "one", "deadline", "stock", "month", "months", "start", "describes", "override", "file",
           "assumption", "value", "for", "from", "to", "an", "lists", "apply", "given", "twice", "implausibly",
           "large", "more", "than", "finite", "looks", "like", "write", "measured", "unit", "share", "flag", "count",
           "amount", "duration", "ratio", "lie", "calendar", "whole", "changes", "within", "covers", "annual",
           "total", "force", "bands", "internal", "function", "including", "single", "possible", "here", "comparison",
           "metric", "frequency", "month", "arrivals", "granted", "imply", "counted", "day", "which", "when", "it")
OPTION_WORDS = (r"\b(Start|realised|all|alle|min|medio|max|base|panel|summary|maand|jaar|ja|nee|mpp-xl|YYYY-MM-DD|YYYY-YYYY"
                r"|YYYYMM)\b")


def english_left(dutch: str) -> list[str]:
    """The English words left in a Dutch message, once quoted values, names and option words are taken out."""
    text = re.sub(r"'[^']*'", " ", dutch)                      # quoted values: the user's own text
    text = re.sub(r"\S*([._/\\0-9#%*]|\w,\w)\S*", " ", text)  # names, lists of names, dates, numbers, paths
    text = re.sub(OPTION_WORDS, " ", text)
    words = re.findall(r"[A-Za-z]+", text.lower())
    phrases = [p for p in ENGLISH if " " in p and p in text.lower()]
    return sorted(set(w for w in words if w in ENGLISH) | set(phrases))


def test_every_entry_has_both_languages_and_the_same_fields():
    keys = [m.key for m in messages.CATALOGUE]
    assert len(keys) == len(set(keys))
    for entry in messages.CATALOGUE:
        assert entry.en.strip() and entry.nl.strip() and entry.example.strip(), entry.key
        assert set(messages.fields(entry.en)) == set(messages.fields(entry.nl)), entry.key
        assert not any(kind for kind in messages.fields(entry.nl).values()), entry.key  # kinds belong to the English
        assert entry.en != entry.nl or not english_left(entry.nl), entry.key


@pytest.mark.parametrize("entry", messages.CATALOGUE, ids=lambda m: m.key)
def test_each_example_is_read_by_its_own_entry_and_shown_in_dutch(entry):
    """The example (as the core writes it) is matched by its entry, translated completely, and its Dutch has no
    English left."""
    assert messages.find(entry.example) is entry
    dutch, complete = messages.translate(entry.example)
    assert complete, (entry.key, dutch)
    assert english_left(dutch) == [], (entry.key, dutch)


def test_english_round_trip():
    """english() writes what the core writes: reading it back gives the same fields."""
    text = messages.english("cell", where="Aannames", row=5, column="value",
                            reason=messages.english("not_a_number", value="veel"))
    assert text == "Aannames, row 5, column 'value': 'veel' is not a number"
    assert messages.to_dutch(text) == "Aannames, rij 5, kolom 'value': 'veel' is geen getal"
    assert messages.to_dutch("something the catalogue does not know") == "something the catalogue does not know"


def test_the_excel_layer_raises_only_catalogue_messages():
    """Every MppError the Excel layer raises itself is built from the catalogue (english(), fail()) or passes on
    a core message; no English message text is written in excel_api."""
    tree = ast.parse(inspect.getsource(excel_api))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "MppError":
            (arg,) = node.args
            ok = (isinstance(arg, ast.Call) and getattr(arg.func, "id", None) in ("english", "str")) or (
                isinstance(arg, ast.IfExp))
            assert ok, ast.unparse(node)


# ---------------------------------------------------------------- messages provoked through the Excel functions

@pytest.fixture(scope="module")
def default_rows():
    body = [[None if c == "" else c for c in r[:7]] for r in udfs.MPP_PARAMS(None)[1:]]
    return [list(COLUMNS)] + body


def _edited(rows, parameter, column, value, start=None, scenario=None):
    rows = [list(r) for r in rows]
    index = next(i for i, r in enumerate(rows) if r[0] == parameter and (start is None or r[2] == start)
                 and (scenario is None or r[1] == scenario))
    rows[index][column] = value
    return rows


def _added(rows, *records):
    return [list(r) for r in rows] + [list(r) for r in records]


def cases(rows):
    """(what, call) for messages of every kind a cell can show."""
    capacity = next(r for r in rows if r[0] == "ind.capacity.asylum")
    yield "unknown metric", lambda: udfs.MPP_PROJECTION("coa.bezeting", "medio")
    yield "unknown scenario", lambda: udfs.MPP_PROJECTION("coa.occupancy", "mediu")
    yield "unknown variant", lambda: udfs.MPP_PENALTIES("medio", "all_undon")
    yield "frequency", lambda: udfs.MPP_PROJECTION("coa.occupancy", "medio", None, "week")
    yield "both all", lambda: udfs.MPP_PROJECTION("all", "all")
    yield "Excel error", lambda: udfs.MPP_PENALTIES("#REF!", "base")
    yield "number", lambda: udfs.MPP_PENALTIES("medio", 2.0)
    yield "range", lambda: udfs.MPP_PENALTIES(["medio", "max"], "base")
    yield "required", lambda: udfs.MPP_COMPARE("mpp-2024-I", None)
    yield "table shape", lambda: udfs.MPP_SUMMARY([1.0])
    yield "table narrow", lambda: udfs.MPP_SUMMARY([r[:3] for r in rows])
    yield "header", lambda: udfs.MPP_SUMMARY(rows[1:])
    yield "cell Excel error", lambda: udfs.MPP_SUMMARY(_edited(rows, "ind.capacity.asylum", 4, "#DIV/0!"))
    yield "not a number", lambda: udfs.MPP_SUMMARY(_edited(rows, "ind.capacity.asylum", 4, "veel"))
    yield "Excel error value", lambda: udfs.MPP_SUMMARY(_edited(rows, "ind.capacity.asylum", 4, "#FOUT"))
    yield "huge", lambda: udfs.MPP_SUMMARY(_edited(rows, "ind.capacity.asylum", 4, 1e308))
    yield "NaN", lambda: udfs.MPP_SUMMARY(_edited(rows, "ind.capacity.asylum", 4, float("nan")))
    yield "negative count", lambda: udfs.MPP_SUMMARY(_edited(rows, "ind.capacity.asylum", 4, -5.0))
    yield "share above 1", lambda: udfs.MPP_SUMMARY(_edited(rows, "coa.occupancy_norm", 4, 1.5))
    yield "flag", lambda: udfs.MPP_SUMMARY(_edited(rows, "penalty.void_reading", 4, 0.5))
    yield "bad serial", lambda: udfs.MPP_SUMMARY(_edited(rows, "ind.capacity.asylum", 2, 1.5))
    yield "year as date", lambda: udfs.MPP_SUMMARY(_edited(rows, "ind.capacity.asylum", 2, 2025))
    yield "YYYYMM as date", lambda: udfs.MPP_SUMMARY(_edited(rows, "ind.capacity.asylum", 2, "202501"))
    yield "text as date", lambda: udfs.MPP_SUMMARY(_edited(rows, "ind.capacity.asylum", 3, "morgen"))
    yield "unknown parameter", lambda: udfs.MPP_SUMMARY(_edited(rows, "ind.capacity.asylum", 0, "ind.capacity.asylun"))
    yield "table scenario", lambda: udfs.MPP_SUMMARY(_edited(rows, "ind.capacity.asylum", 1, "mediu"))
    yield "wrong unit", lambda: udfs.MPP_SUMMARY(_edited(rows, "ind.capacity.asylum", 5, "%"))
    yield "empty unit", lambda: udfs.MPP_SUMMARY(_edited(rows, "ind.capacity.asylum", 5, None))
    yield "period reversed", lambda: udfs.MPP_SUMMARY(_added(rows, ["ind.capacity.asylum", "max", dt.datetime(
        2026, 1, 1), dt.datetime(2025, 1, 1), 3000, "cases/month", "test"]))
    yield "overlap", lambda: udfs.MPP_SUMMARY(_added(rows, [*capacity[:6], "test"]))
    yield "window format", lambda: udfs.MPP_SUMMARY(None, "2026/2030")
    yield "window reversed", lambda: udfs.MPP_SUMMARY(None, "2030-2026")
    yield "window outside", lambda: udfs.MPP_SUMMARY(None, "2020-2024")
    yield "unknown edition", lambda: udfs.MPP_SUMMARY(None, None, "mpp-2024-III")
    yield "edition gap", lambda: udfs.MPP_SUMMARY(None, None, "mpp-2023-II")
    yield "edition gap as b", lambda: udfs.MPP_COMPARE("mpp-2024-I", "mpp-2023-II")
    yield "unknown measure", lambda: udfs.MPP_SUMMARY(None, None, None, [["nareisrm", "ja"]])
    yield "measure twice", lambda: udfs.MPP_SUMMARY(None, None, None, [["nareisrem", "ja"], ["nareisrem", "ja"]])
    yield "switch", lambda: udfs.MPP_SUMMARY(None, None, None, [["nareisrem", "misschien"]])
    yield "measure number", lambda: udfs.MPP_SUMMARY(None, None, None, [[3.0, "ja"]])
    yield "unknown comparison", lambda: udfs.MPP_COMPARE("mpp-2024-I", "mpp-2024-II", "coa.need")
    yield "variant all", lambda: udfs.MPP_BUDGET("medio", "all")
    yield "backtest metric", lambda: udfs.MPP_BACKTEST("instroom")
    yield "backtest what", lambda: udfs.MPP_BACKTEST("inflow.total", "grafiek")
    # cross checks of a run on an edited Aannames sheet
    yield "below the realised history", lambda: udfs.MPP_SUMMARY(
        _edited(rows, "inflow.total_annual", 4, 1000.0, start=dt.date(2024, 1, 1).isoformat()))
    yield "seasonal sum", lambda: udfs.MPP_SUMMARY(_edited(rows, "inflow.seasonal.01", 4, 0.5))
    split = _edited(rows, "inflow.total_annual", 3, "2027-06-30", "2026-01-01", "max")  # max: to mid-2027, then
    yield "annual total within a year", lambda: udfs.MPP_SUMMARY(_added(split, [        # another total
        "inflow.total_annual", "max", "2027-07-01", None, 70000, "persons/year", "test"]))
    yield "cap below a day", lambda: udfs.MPP_SUMMARY(_edited(rows, "penalty.cap.standard", 4, 50.0))
    yield "penalty per day", lambda: udfs.MPP_SUMMARY(_edited(rows, "penalty.per_day", 4, 0.0))
    # a COA or Ukraine check fails in the tables that read the chain (the penalty summary does not)
    yield "occupancy norm", lambda: udfs.MPP_PROJECTION("coa.*", "medio", _edited(rows, "coa.occupancy_norm", 4, 0.0))
    yield "stock counted without a date", lambda: udfs.MPP_PROJECTION(
        "ukraine.*", "medio", _edited(rows, "ukraine.stock_anchor", 2, None))
    void = _edited(rows, "deadline.asylum.wbv_2023_3.void_retroactive", 2, "2035-01-01")
    yield "peildatum outside", lambda: udfs.MPP_SUMMARY(_edited(void, "deadline.asylum.wbv_2023_3.void_retroactive",
                                                                4, 1.0))
    yield "internal error", None


def test_no_english_in_a_dutch_cell_error(default_rows, monkeypatch, tmp_path):
    """Every message provoked through the functions: the core's English is read completely by the catalogue, and
    the cell shows Dutch with no English phrase left (e.g. 'is below the realised history van that year' before)."""
    seen = []
    real = messages.translate

    def recording(message):
        dutch, complete = real(message)
        seen.append((message, complete))
        return dutch, complete

    monkeypatch.setattr(messages, "translate", recording)
    monkeypatch.setattr(excel_session, "LOG_FILE", tmp_path / "udf.log")
    failures = []
    for what, call in cases(default_rows):
        excel_api.clear_caches()
        if call is None:
            monkeypatch.setattr(excel_session, "run_model", lambda *a, **k: 1 / 0)
            call = lambda: udfs.MPP_SUMMARY(None)  # noqa: E731
        seen.clear()
        result = call()
        assert len(result) == 1 and len(result[0]) == 1 and result[0][0].startswith("Fout: "), (what, result)
        text = result[0][0][len("Fout: "):]
        incomplete = [m for m, complete in seen if not complete]
        if incomplete or english_left(text):
            failures.append((what, text, incomplete, english_left(text)))
    assert failures == []


def test_the_realised_history_message_in_dutch(default_rows):
    rows = _edited(default_rows, "inflow.total_annual", 4, 1000.0, start="2024-01-01")
    (text,), = udfs.MPP_SUMMARY(rows)
    assert re.fullmatch(r"Fout: Aannames, rij \d+, kolom 'value': inflow\.total_annual voor (min|medio|max) in 2024 "
                        r"\(1\.000\) ligt onder de al gerealiseerde instroom van dat jaar \(\d{1,3}(\.\d{3})*\)", text), text
    assert "van that year" not in text and "realised history" not in text


def test_the_dutch_cells_keep_their_known_wording():
    """The catalogue gives the cells the Dutch they showed before (the bad-input catalogue checks many more)."""
    assert udfs.MPP_SUMMARY(None, None, None, [["nareisrem", "ja"], ["nareisrem", "ja"]]) == [[
        "Fout: maatregelen: nareisrem staat er twee keer in"]]
    assert udfs.MPP_PROJECTION("coa.occupancy", "mediu") == [[
        "Fout: scenario: onbekend scenario 'mediu' (bedoelt u 'medio'?); kies min, medio, max, all"]]
    registry = AssumptionSet.default().registry
    assert registry.find("ukraine.net_inflow_per_week").kind == "signed"  # the one signed parameter (no message)
