"""Data loaders: formats, codes kept as text, and one-line errors naming file, row, column, value."""
from __future__ import annotations

import pytest
from .conftest import DEMO

from award_eval import InputError, load_award_data
from award_eval.data import latest_values, load_register


def test_register_keeps_codes_as_text():
    reg = load_register(DEMO / "municipalities.csv")
    assert len(reg) == 290 and reg["code"].is_unique
    row = reg.set_index("code").loc["0120"]
    assert row["name"] == "Värmdö" and row["skr_group"] == "A2"
    assert reg.set_index("code").loc["2584", "skr_group"] == "C6"


def test_register_matches_reference(shared_dir):
    import pandas as pd

    ref = pd.read_csv(shared_dir / "reference/se/municipalities_290_with_skr_group_2023.csv", dtype=str)
    reg = load_register(DEMO / "municipalities.csv")
    merged = reg.merge(ref, left_on="code", right_on="municipality_code", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["skr_group"] == merged["skr_kommungrupp_kod"]).all()
    assert (merged["county"] == merged["county_name"]).all()


def test_demo_data_is_flagged_synthetic(demo_data):
    assert demo_data.synthetic
    assert len(demo_data.nominees) == 9  # eight municipalities and one joint nominee
    assert list(demo_data.joint["code"]) == ["2062+2034+2039"]
    # the declared conflict: that juror has no scores for that nominee
    c = demo_data.conflicts.iloc[0]
    scored = demo_data.jury_scores[(demo_data.jury_scores["juror"] == c["juror"])
                                   & (demo_data.jury_scores["nominee"] == c["nominee"])]
    assert scored.empty


def test_latest_values_takes_latest_year():
    import pandas as pd

    long = pd.DataFrame({"code": ["0001", "0001", "0002"], "indicator": ["a", "a", "a"],
                         "year": [2023, 2024, 2023], "value": [1.0, float("nan"), 3.0]})
    wide = latest_values(long)
    assert wide.loc["0001", "a"] == 1.0  # 2024 is missing, so 2023 stands
    assert latest_values(long, 2023).loc["0002", "a"] == 3.0


def _replace_line(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return next(i for i, l in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if new in l)


def _error(demo_copy, framework) -> str:
    with pytest.raises(InputError) as info:
        load_award_data(demo_copy, framework)
    msg = str(info.value)
    assert "\n" not in msg
    return msg


def test_score_out_of_scale(demo_copy, framework):
    row = _replace_line(demo_copy / "jury_scores.csv", "Anna Berg,0120,strategy,3,", "Anna Berg,0120,strategy,7,")
    msg = _error(demo_copy, framework)
    assert f"jury_scores.csv, row {row}, column 'score': value '7' — expected a number from 1 to 5" in msg


def test_score_not_a_number(demo_copy, framework):
    _replace_line(demo_copy / "jury_scores.csv", "Anna Berg,0120,strategy,3,", "Anna Berg,0120,strategy,bra,")
    assert "value 'bra' — expected a number from 1 to 5" in _error(demo_copy, framework)


def test_unknown_criterion_and_nominee(demo_copy, framework):
    _replace_line(demo_copy / "jury_scores.csv", "Anna Berg,0120,strategy,", "Anna Berg,0120,strategi,")
    assert "column 'criterion': value 'strategi' — expected a jury criterion id" in _error(demo_copy, framework)


def test_recused_juror_may_not_score(demo_copy, framework):
    with (demo_copy / "jury_scores.csv").open("a", encoding="utf-8") as fh:
        fh.write("Björn Lind,2262,strategy,4,\n")
    assert "recused" in _error(demo_copy, framework)


def test_duplicate_score(demo_copy, framework):
    with (demo_copy / "jury_scores.csv").open("a", encoding="utf-8") as fh:
        fh.write("Anna Berg,0120,strategy,4,\n")
    msg = _error(demo_copy, framework)
    appended = len((demo_copy / "jury_scores.csv").read_text(encoding="utf-8").splitlines())  # the last row, 1-based
    assert f"row {appended}" in msg and "already scored" in msg and "row 3" in msg


def test_register_code_must_be_four_digits(demo_copy, framework):
    row = _replace_line(demo_copy / "municipalities.csv", "0120,Värmdö", "120,Värmdö")
    msg = _error(demo_copy, framework)
    assert f"municipalities.csv, row {row}, column 'code': value '120'" in msg


def test_missing_column(demo_copy, framework):
    _replace_line(demo_copy / "indicators.csv", "code,indicator,year,value", "code,indicator,year,val")
    msg = _error(demo_copy, framework)
    assert "indicators.csv, row 2, column 'value'" in msg


def test_inputs_are_not_modified(demo_copy, framework):
    before = {p: p.read_bytes() for p in demo_copy.rglob("*") if p.is_file()}  # decisions/ too
    load_award_data(demo_copy, framework)
    assert before == {p: p.read_bytes() for p in demo_copy.rglob("*") if p.is_file()}


@pytest.mark.parametrize("old, new, column, value, expected", [
    ("0114,broadband,2023,87.4", "0114,broadband,,87.4", "year", "",
     "a whole number from 1900 to 2100 (the cell is empty)"),
    ("0114,broadband,2023,87.4", "0114,broadband,2023.5,87.4", "year", "2023.5", "a whole number from 1900 to 2100"),
    ("0114,broadband,2023,87.4", "0114,broadband,1850,87.4", "year", "1850", "a whole number from 1900 to 2100"),
    ("0114,broadband,2023,87.4", "0114,broadband,2023,hög", "value", "hög", "a number"),
    ("0114,broadband,2023,87.4", "0114,broadband,2023,inf", "value", "inf", "a number"),
])
def test_indicator_numbers(demo_copy, framework, old, new, column, value, expected):
    row = _replace_line(demo_copy / "indicators.csv", old, new)
    msg = _error(demo_copy, framework)
    assert f"indicators.csv, row {row}, column '{column}': value '{value}' — expected {expected}" in msg


def test_indicator_numbers_report_the_first_bad_row(demo_copy, framework):
    path = demo_copy / "indicators.csv"
    first = _replace_line(path, "0114,email_help,2023,81.6", "0114,email_help,2023,x")
    _replace_line(path, "0114,broadband,2023,87.4", "0114,broadband,2023,y")  # above it in the file
    later = _error(demo_copy, framework)
    assert f"row {first - 1}, column 'value': value 'y'" in later


def test_indicator_numbers_accept_decimal_comma_minus_sign_and_empty(demo_copy, framework):
    path = demo_copy / "indicators.csv"
    _replace_line(path, "0114,broadband,2023,87.4", '0114,broadband,2023,"87,4"')
    _replace_line(path, "0114,email_help,2023,81.6", "0114,email_help,2023,")
    _replace_line(path, "0114,email_days,2023,1.3", "0114,email_days,2023,\u22121.3")
    ind = load_award_data(demo_copy, framework).indicators.set_index(["code", "indicator", "year"])["value"]
    assert ind[("0114", "broadband", 2023)] == 87.4
    assert ind[("0114", "email_days", 2023)] == -1.3
    assert ind.isna()[("0114", "email_help", 2023)]
