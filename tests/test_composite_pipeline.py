"""build_index end to end on a tiny framework whose every number is computed by hand."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from award_eval.composite import DEFAULT_CHOICES, Framework, aggregate_tree, build_index
from award_eval.errors import InputError

FIX = Path(__file__).resolve().parent / "fixtures" / "composite"


@pytest.fixture
def fw():
    return Framework.from_imeta(FIX / "tiny_imeta.csv")


@pytest.fixture
def data():
    return pd.read_csv(FIX / "tiny_data.csv", dtype={"code": str}).set_index("code")


# by hand, min-max 0-100 with b reversed:
#   a (0, 5, 10, 5) -> (0, 50, 100, 50);   b (4, 3, 2, 1), lower is better -> (0, 100/3, 200/3, 100)
#   c (1, 2, 3, 4)  -> (0, 100/3, 200/3, 100);  d (10, 10, 20, 30) -> (0, 0, 50, 100)
#   P = (a + b)/2;  Q = (2c + d)/3;  Top = (P + 3Q)/4
P = [0, (50 + 100 / 3) / 2, (100 + 200 / 3) / 2, 75]
Q = [0, (200 / 3) / 3, (400 / 3 + 50) / 3, 100]
TOP = [(p + 3 * q) / 4 for p, q in zip(P, Q)]


def test_default_build_by_hand(fw, data):
    idx = build_index(data, fw)
    assert list(idx.aggregated.columns) == ["a", "b", "c", "d", "P", "Q", "Top"]
    assert idx.normalised["b"].tolist() == pytest.approx([0, 100 / 3, 200 / 3, 100])
    assert idx.aggregated["P"].tolist() == pytest.approx(P)
    assert idx.aggregated["Q"].tolist() == pytest.approx(Q)
    assert idx.aggregated["Top"].tolist() == pytest.approx(TOP)
    assert TOP[1] == pytest.approx(325 / 12) and TOP[3] == pytest.approx(93.75)
    assert idx.ranks.tolist() == [4, 3, 2, 1]
    assert idx.top(2) == ["u4", "u3"]
    res = idx.results()
    assert list(res.columns) == ["unit", "rank", "score", "P", "Q"]
    assert res["unit"].tolist() == ["u4", "u3", "u2", "u1"]


def test_record_and_choices_are_plain_data(fw, data):
    idx = build_index(data, fw, weights=pd.Series({"Q": 1.0}))
    assert [r["step"] for r in idx.record] == ["denominate", "impute", "screen", "treat", "normalise",
                                              "weight", "aggregate"]
    assert set(idx.choices) == set(DEFAULT_CHOICES)
    assert idx.choices["weights"] == {"Q": 1.0}
    json.dumps(idx.record)
    json.dumps(idx.choices)
    assert idx.record[4]["result"]["directions_reversed"] == ["b"]


def test_rebuild_changes_one_choice(fw, data):
    idx = build_index(data, fw)
    z = idx.rebuild(normalise="zscore")
    direct = build_index(data, fw, normalise="zscore")
    pd.testing.assert_frame_equal(z.aggregated, direct.aggregated)
    assert z.choices == {**idx.choices, "normalise": "zscore"}
    assert idx.choices["normalise"] == "minmax"  # the original is untouched
    with pytest.raises(TypeError, match="normalize"):
        idx.rebuild(normalize="zscore")


def test_denominate(fw, data):
    idx = build_index(data, fw, denominate=True)
    # b / pop = (4, 1.5, .5, .125), lower is better: (max - x)/(max - min)
    span = 4 - 0.125
    assert idx.normalised["b"].tolist() == pytest.approx([0, 2.5 / span * 100, 3.5 / span * 100, 100])
    assert idx.normalised["a"].tolist() == pytest.approx([0, 50, 100, 50])  # a has no denominator
    assert idx.record[0]["result"]["denominated"] == {"b": "pop"}


def test_equal_and_user_weights(fw, data):
    eq = build_index(data, fw, weights="equal")
    q = [0, (100 / 3) / 2, (200 / 3 + 50) / 2, 100]
    assert eq.aggregated["Q"].tolist() == pytest.approx(q)
    assert eq.aggregated["Top"].tolist() == pytest.approx([(p + qq) / 2 for p, qq in zip(P, q)])
    frame = pd.DataFrame({"iCode": ["c", "Q"], "Weight": [1.0, 1.0]})
    user = build_index(data, fw, weights=frame)
    pd.testing.assert_series_equal(user.aggregated["Top"], eq.aggregated["Top"])
    with pytest.raises(ValueError, match="not in the framework"):
        build_index(data, fw, weights={"zz": 1.0})


def test_ties_share_the_lowest_rank(fw, data):
    tied = data.copy()
    tied.loc["u2", ["a", "b", "c", "d"]] = tied.loc["u3", ["a", "b", "c", "d"]].to_numpy()
    assert build_index(tied, fw).ranks.tolist() == [4, 2, 2, 1]


def test_group_imputation_and_screening(fw, data):
    gappy = data.astype({"a": float, "d": float}).copy()
    gappy.loc["u2", ["a", "d"]] = np.nan  # u2 has 2 of 4 indicators
    gappy.loc["u3", "a"] = np.nan  # u3 has 3 of 4
    idx = build_index(gappy, fw, impute="group_mean", impute_by="grp", min_coverage=0.75)
    # a: X = {u1: 0}, Y = {u4: 5}; d: X = {u1: 10}
    assert idx.imputed.loc["u2", "a"] == 0.0 and idx.imputed.loc["u3", "a"] == 5.0
    assert idx.imputed.loc["u2", "d"] == 10.0
    assert list(idx.aggregated.index) == ["u1", "u3", "u4"]  # u2 observed 50% < 75%
    assert idx.record[2]["result"] == {"kept": 3, "dropped": ["u2"]}
    assert idx.record[1]["result"]["filled"] == 3
    imputed_basis = idx.rebuild(screen_on="imputed")
    assert len(imputed_basis.aggregated) == 4


def test_missing_values_without_imputation(fw, data):
    gappy = data.astype({"a": float}).copy()
    gappy.loc["u2", "a"] = np.nan
    idx = build_index(gappy, fw)
    # P of u2 is b alone (weights renormalised over what is present)
    assert idx.aggregated.loc["u2", "P"] == pytest.approx(100 / 3)


def test_per_level_aggregation_and_range(fw, data):
    idx = build_index(data, fw, normalise_range=(1, 100), aggregate={2: "geometric", 3: "arithmetic"})
    a = [1, 1 + 99 / 2, 100, 1 + 99 / 2]
    b = [1, 1 + 99 / 3, 1 + 2 * 99 / 3, 100]
    assert idx.aggregated["P"].tolist() == pytest.approx([np.sqrt(x * y) for x, y in zip(a, b)])
    zeros = build_index(data, fw, aggregate="geometric")  # 0–100 has zeros: a weighted 0 gives 0
    assert zeros.aggregated.loc["u1", "P"] == 0.0 and zeros.aggregated["P"].between(0, 100).all()


def test_peer_ranks_from_index(fw, data):
    out = build_index(data, fw).peer_ranks("grp")
    assert out["rank"].tolist() == [4, 3, 2, 1]
    assert out["group_rank"].tolist() == [2, 1, 2, 1]  # X: u1 < u2 ; Y: u3 < u4
    assert out["group_size"].tolist() == [2, 2, 2, 2]


def test_bad_input_is_named(fw, data):
    bad = data.astype({"c": object}).copy()
    bad.loc["u3", "c"] = "n/a"
    with pytest.raises(InputError, match=r"column 'c': value 'n/a' — expected a number \(unit 'u3'\)"):
        build_index(bad, fw)
    with pytest.raises(InputError, match=r"column 'd'"):
        build_index(data.drop(columns="d"), fw)
    with pytest.raises(ValueError, match="impute_by"):
        build_index(data, fw, impute="group_mean")
    with pytest.raises(ValueError, match="aggregate 'median'"):
        build_index(data, fw, aggregate="median")
    with pytest.raises(ValueError, match="normalise 'minmax2'"):
        build_index(data, fw, normalise="minmax2")


def test_framework_forms_are_accepted(fw, data):
    by_path = build_index(data, FIX / "tiny_imeta.csv")
    by_frame = build_index(data, fw.imeta)
    pd.testing.assert_frame_equal(by_path.aggregated, by_frame.aggregated)


def test_evaluation_call_signature_with_criteria_imeta():
    from award_eval.criteria import load_framework

    path = Path(__file__).resolve().parents[1] / "criteria" / "digitaliseringskommun.yaml"
    if not path.exists():
        pytest.skip("no criteria file in this checkout")
    crit = load_framework(path)
    leaves = [n.id for n in crit.leaves()]
    values = pd.DataFrame([[50.0] * len(leaves), [100.0] * len(leaves)], columns=leaves, index=["x", "y"])
    out = aggregate_tree(values, crit.to_imeta(), crit.aggregation)
    assert out["index"].tolist() == pytest.approx([50.0, 100.0])


def test_score_places_nominees_on_the_reference_scale(fw, data):
    idx = build_index(data, fw)
    nominee = pd.DataFrame({"a": [10.0], "b": [1.0], "c": [4.0], "d": [20.0]}, index=["n1"])
    out = idx.score(nominee)
    # against the reference ranges: a 100, b 100, c 100, d 50 -> P 100, Q (200 + 50)/3, Top (P + 3Q)/4
    assert out.loc["n1", "Q"] == pytest.approx(250 / 3)
    assert out.loc["n1", "Top"] == pytest.approx((100 + 250) / 4)
    # scoring the reference units reproduces the index
    pd.testing.assert_frame_equal(idx.score(data), idx.aggregated)
    with pytest.raises(ValueError, match="topsis"):
        idx.rebuild(aggregate="topsis").score(nominee)


def test_score_applies_fitted_imputation_and_treatment(fw, data):
    idx = build_index(data, fw, impute="group_mean", impute_by="grp", treat="winsorise")
    nominee = pd.DataFrame({"a": [np.nan], "b": [1.0], "c": [4.0], "d": [20.0], "grp": ["Y"]}, index=["n1"])
    out = idx.score(nominee)
    assert out.loc["n1", "a"] == pytest.approx(75.0)  # a imputed as Y's mean (10 + 5)/2 = 7.5 -> 75
