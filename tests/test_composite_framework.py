"""Framework from a COINr-style iMeta table and from the award's criteria YAML."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from award_eval.composite import Framework
from award_eval.errors import InputError

HERE = Path(__file__).resolve().parent
TINY = HERE / "fixtures" / "composite" / "tiny_imeta.csv"
REPO = HERE.parent


def test_tiny_imeta_structure():
    fw = Framework.from_imeta(TINY)
    assert fw.indicators == ["a", "b", "c", "d"]
    assert fw.aggregates == ["P", "Q", "Top"]
    assert fw.codes == ["a", "b", "c", "d", "P", "Q", "Top"]
    assert fw.top == "Top"
    assert fw.levels == [1, 2, 3]
    assert fw.children("Q") == ["c", "d"]
    assert fw.parent_of("a") == "P" and fw.parent_of("Top") is None
    assert fw.groups == ["grp"] and fw.denominator_columns == ["pop"]
    assert fw.directions.to_dict() == {"a": 1, "b": -1, "c": 1, "d": 1}
    assert fw.weights.to_dict() == {"a": 1.0, "b": 1.0, "c": 2.0, "d": 1.0, "P": 1.0, "Q": 3.0, "Top": 1.0}
    assert fw.denominators.to_dict() == {"b": "pop"}
    assert fw.targets["a"] == 8.0 and pd.isna(fw.targets["b"])
    assert fw.source == TINY  # one framework type: source is the Path it was read from


def test_from_dataframe_equals_from_file():
    frame = pd.read_csv(TINY)
    a, b = Framework.from_imeta(frame), Framework.from_imeta(TINY)
    pd.testing.assert_frame_equal(a.imeta, b.imeta)
    assert a.source is None


def test_with_weights_replaces_only_named_codes():
    fw = Framework.from_imeta(TINY).with_weights(pd.Series({"c": 5.0}))
    assert fw.weights["c"] == 5.0 and fw.weights["d"] == 1.0


def _write(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "imeta.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("row, column, value, expected", [
    (0, "Weight", "-1", "≥ 0"),
    (1, "Direction", "2", "1 (higher is better) or -1"),
    (2, "Type", "Indikator", "one of Indicator"),
    (3, "Parent", "Nowhere", "Aggregate row"),
    (0, "Level", "2", "1 for an Indicator"),
    (1, "Denominator", "area", "Denominator row"),
    (0, "Target", "high", "a number, or empty"),
])
def test_errors_name_file_row_column_value(tmp_path, row, column, value, expected):
    frame = pd.read_csv(TINY, dtype=str, keep_default_na=False)
    frame.loc[row, column] = value
    path = _write(tmp_path, frame)
    with pytest.raises(InputError) as info:
        Framework.from_imeta(path)
    msg = str(info.value)
    assert "imeta.csv" in msg
    assert f"row {row + 2}" in msg  # header is row 1
    assert f"column {column!r}" in msg
    assert repr(value) in msg
    assert expected in msg
    assert "\n" not in msg


def test_duplicate_code_points_at_both_rows(tmp_path):
    frame = pd.read_csv(TINY, dtype=str, keep_default_na=False)
    frame.loc[3, "iCode"] = "a"
    with pytest.raises(InputError, match=r"row 5, column 'iCode'.*also used in row 2"):
        Framework.from_imeta(_write(tmp_path, frame))


def test_missing_column_and_two_tops(tmp_path):
    frame = pd.read_csv(TINY, dtype=str, keep_default_na=False)
    with pytest.raises(InputError, match=r"row 1, column 'Weight'"):
        Framework.from_imeta(_write(tmp_path, frame.drop(columns="Weight")))
    frame.loc[4, "Parent"] = ""
    with pytest.raises(InputError, match=r"row 6, column 'Parent'.*only one row may be the top"):
        Framework.from_imeta(_write(tmp_path, frame))


def test_aggregate_without_children_and_parent_below(tmp_path):
    frame = pd.read_csv(TINY, dtype=str, keep_default_na=False)
    frame.loc[2, "Parent"] = "P"
    frame.loc[3, "Parent"] = "P"
    with pytest.raises(InputError, match=r"row 7, column 'iCode'.*Parent"):  # Q has no children now
        Framework.from_imeta(_write(tmp_path, frame))
    frame = pd.read_csv(TINY, dtype=str, keep_default_na=False)
    frame.loc[4, "Parent"] = "Q"  # P (level 2) under Q (level 2)
    with pytest.raises(InputError, match=r"row 6, column 'Parent'.*above Level 2"):
        Framework.from_imeta(_write(tmp_path, frame))


def test_from_yaml_matches_criteria_to_imeta():
    from award_eval.criteria import load_framework

    path = REPO / "criteria" / "digitaliseringskommun.yaml"
    if not path.exists():
        pytest.skip("no criteria file in this checkout")
    crit = load_framework(path)
    fw = Framework.from_yaml(path)
    assert fw.top == "index"
    assert fw.indicators == [n.id for n in crit.nodes if n.kind != "group"]
    assert set(fw.aggregates) == {p.id for p in crit.pillars} | {"index"}
    assert fw.directions["email_days"] == -1
    assert fw.weights["eservices"] == 1.5
    assert Framework.from_criteria(crit).codes == fw.codes


def test_one_framework_type():
    """Criteria, composite and uncertainty share one tree type (issue #11)."""
    from award_eval import criteria, load_framework
    from award_eval.uncertainty import Tree

    assert Framework is criteria.Framework
    imeta = Framework.from_imeta(TINY)
    assert isinstance(imeta, criteria.Framework)
    assert [p.id for p in imeta.pillars] == ["P", "Q"] and imeta.label("Top", "sv") == "Tiny index"
    assert [n.id for n in imeta.leaves()] == ["a", "b", "c", "d"]
    crit = load_framework(REPO / "criteria" / "digitaliseringskommun.yaml")
    assert Framework.from_yaml(REPO / "criteria" / "digitaliseringskommun.yaml").by_id["email_days"].sign == -1
    assert Framework.from_criteria(crit, "sv").imeta.set_index("iCode").loc["index", "iName"] == crit.award.label.sv
    assert Tree(crit).framework is crit and Tree(crit).leaves == crit.indicators
    # a round trip through the iMeta table keeps the tree
    again = Framework.from_imeta(crit.imeta)
    assert again.codes == crit.codes and again.weights.equals(crit.weights) and again.top == "index"
    assert crit.with_weights({"eservices": 3.0}).by_id["eservices"].weight == 3.0
    assert crit.by_id["eservices"].weight == 1.5  # the original is untouched
