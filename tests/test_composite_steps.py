"""Denominate, impute, screen and treat: each step alone, on hand-computed cases."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from award_eval.composite import (
    Imputer,
    Treater,
    denominate,
    impute,
    imputed_cells,
    kurtosis,
    log_ct,
    passes,
    screen_units,
    skewness,
    treat,
    winsorise,
)
from award_eval.errors import InputError


# --- independent sample skewness / kurtosis (e1071 type 2), written from the textbook formulas ---
def g1_type2(x):
    x = [v for v in x if not math.isnan(v)]
    n, m = len(x), sum(x) / len(x)
    m2 = sum((v - m) ** 2 for v in x) / n
    m3 = sum((v - m) ** 3 for v in x) / n
    return m3 / m2 ** 1.5 * math.sqrt(n * (n - 1)) / (n - 2)


def g2_type2(x):
    x = [v for v in x if not math.isnan(v)]
    n, m = len(x), sum(x) / len(x)
    m2 = sum((v - m) ** 2 for v in x) / n
    m4 = sum((v - m) ** 4 for v in x) / n
    g2 = m4 / m2 ** 2 - 3
    return ((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3))


def jrc_pass(x):
    return abs(g1_type2(x)) < 2 or g2_type2(x) < 3.5


# --- denominate --------------------------------------------------------------------------------
def test_denominate_divides_and_leaves_others():
    data = pd.DataFrame({"a": [10.0, 6.0, 3.0], "b": [1.0, 2.0, 3.0], "pop": [2.0, 0.0, np.nan]},
                        index=["x", "y", "z"])
    out = denominate(data, {"a": "pop"})
    assert out.loc["x", "a"] == 5.0
    assert np.isnan(out.loc["y", "a"]) and np.isnan(out.loc["z", "a"])  # zero / missing denominator
    assert out["b"].tolist() == [1.0, 2.0, 3.0]
    assert denominate(data, {"a": "pop"}, scale=1000).loc["x", "a"] == 5000.0
    with pytest.raises(InputError, match="area"):
        denominate(data, {"a": "area"})


# --- impute ------------------------------------------------------------------------------------
@pytest.fixture
def gappy():
    return pd.DataFrame({"a": [0.0, np.nan, 10.0, 6.0, 1.0], "b": [1.0, 3.0, np.nan, 10.0, 2.0]},
                        index=["u1", "u2", "u3", "u4", "u5"])


GROUPS = pd.Series(["X", "X", "Y", "Y", "X"], index=["u1", "u2", "u3", "u4", "u5"])


def test_mean_and_median(gappy):
    assert impute(gappy, "mean").loc["u2", "a"] == pytest.approx((0 + 10 + 6 + 1) / 4)
    assert impute(gappy, "median").loc["u2", "a"] == pytest.approx(3.5)  # median of 0, 1, 6, 10
    assert impute(gappy, "median").loc["u3", "b"] == pytest.approx(2.5)  # median of 1, 2, 3, 10
    out = impute(gappy, "mean")
    assert out.loc["u1", "a"] == 0.0 and not out.isna().any().any()


def test_group_mean_and_median(gappy):
    out = impute(gappy, "group_mean", GROUPS)
    assert out.loc["u2", "a"] == pytest.approx((0 + 1) / 2)  # X: u1, u5
    assert out.loc["u3", "b"] == pytest.approx(10.0)  # Y: only u4 has b
    med = impute(gappy.assign(a=[0.0, np.nan, 10.0, 6.0, 4.0]), "group_median", GROUPS)
    assert med.loc["u2", "a"] == pytest.approx(2.0)  # median of X's 0 and 4


def test_group_without_values_stays_missing(gappy):
    groups = GROUPS.copy()
    groups["u3"] = "Z"  # alone in its group, and its b is missing
    out = impute(gappy, "group_mean", groups)
    assert np.isnan(out.loc["u3", "b"])
    with pytest.raises(ValueError, match="impute_by"):
        impute(gappy, "group_mean")


def test_fit_on_reference_transform_nominees(gappy):
    imp = Imputer("group_mean").fit(gappy, groups=GROUPS)
    nominees = pd.DataFrame({"a": [np.nan], "b": [np.nan]}, index=["n1"])
    out = imp.transform(nominees, groups=pd.Series({"n1": "Y"}))
    assert out.loc["n1", "a"] == pytest.approx(8.0) and out.loc["n1", "b"] == pytest.approx(10.0)


def test_knn_uses_nearest_units():
    data = pd.DataFrame({"a": [1.0, 2.0, 10.0, np.nan], "b": [1.0, 2.0, 10.0, 9.5]}, index=list("pqrs"))
    # by b, s is nearest r (|9.5-10|), then q (|9.5-2|): k=1 -> 10, k=2 -> (10 + 2) / 2
    assert Imputer("knn", n_neighbors=1).fit_transform(data).loc["s", "a"] == pytest.approx(10.0)
    assert Imputer("knn", n_neighbors=2).fit_transform(data).loc["s", "a"] == pytest.approx(6.0)


def test_iterative_is_deterministic_and_follows_the_relation():
    data = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan], "b": [2.0, 4.0, 6.0, 8.0, 10.0, 8.0]})
    one, two = impute(data, "iterative"), impute(data, "iterative")
    pd.testing.assert_frame_equal(one, two)
    assert one.loc[5, "a"] == pytest.approx(4.0, abs=0.05)  # b = 2a exactly


def test_imputed_cells_lists_filled_gaps(gappy):
    cells = imputed_cells(gappy, impute(gappy, "mean"))
    assert sorted(map(tuple, cells[["unit", "iCode"]].to_numpy())) == [("u2", "a"), ("u3", "b")]


# --- screen ------------------------------------------------------------------------------------
def test_screen_on_observed_and_on_data(gappy):
    kept, table = screen_units(gappy, 0.75)
    assert list(kept.index) == ["u1", "u4", "u5"]
    assert table.set_index("unit")["coverage"].to_dict()["u2"] == 0.5
    filled = impute(gappy, "mean")
    assert len(screen_units(filled, 0.75)[0]) == 5  # imputed cells count as present
    assert list(screen_units(filled, 0.75, observed=gappy)[0].index) == ["u1", "u4", "u5"]
    assert len(screen_units(gappy, None)[0]) == 5
    with pytest.raises(ValueError):
        screen_units(gappy, 1.5)


# --- treat -------------------------------------------------------------------------------------
def test_skew_and_kurtosis_match_type2_formulas():
    x = [1.0, 2.0, 2.0, 3.0, 7.0, 11.0, 4.0]
    assert skewness(x) == pytest.approx(g1_type2(x))
    assert kurtosis(x) == pytest.approx(g2_type2(x))
    assert math.isnan(skewness([1.0, 1.0, 1.0, 1.0]))


def test_one_outlier_is_winsorised_to_the_next_value():
    x = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100])
    assert not jrc_pass(x.tolist()) and not passes(x)
    expected = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10]
    assert jrc_pass(expected)
    out, treated = winsorise(x)
    assert out.tolist() == expected and treated == [10]
    t, report = treat(x.to_frame("x"))
    assert t["x"].tolist() == expected
    row = report.iloc[0]
    assert row["treatment"] == "winsorise" and row["n_winsorised"] == 1 and bool(row["passed_after"])


def test_tied_extremes_are_replaced_together():
    x = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 200, 200])
    once = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 20, 20]
    assert not jrc_pass(x.tolist()) and jrc_pass(once)
    out, treated = winsorise(x)
    assert out.tolist() == once and treated == [20, 21]


def test_negative_skew_winsorises_the_low_side():
    x = pd.Series([-100.0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    out, _ = winsorise(x)
    assert out.tolist() == [1.0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]


def test_log_when_winsorising_is_not_enough():
    x = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 100, 200])
    once = x.tolist()[:-1] + [100.0]  # one point winsorised (winmax=1) does not pass
    assert not jrc_pass(once)
    t = Treater(winmax=1).fit(x.to_frame("x"))
    lo, hi = 1.0, 200.0
    expected = [math.log(v - lo + 0.01 * (hi - lo)) for v in x]
    assert t.transform(x.to_frame("x"))["x"].tolist() == pytest.approx(expected)
    assert t.report_.iloc[0]["treatment"] == "log" and t.report_.iloc[0]["n_winsorised"] == 0
    # with the default winmax = 5 the two points are winsorised instead
    assert Treater().fit(x.to_frame("x")).report_.iloc[0]["treatment"] == "winsorise"


def test_log_after_five_points_fail():
    x = pd.Series([1.0] * 50 + [2.0 ** k for k in range(3, 15)])
    five = x.tolist()[:-5] + [x.iloc[-6]] * 5  # the top five replaced by the sixth largest
    assert not jrc_pass(five)
    t = Treater().fit(x.to_frame("x"))
    assert t.report_.iloc[0]["treatment"] == "log"
    assert t.transform(x.to_frame("x"))["x"].iloc[-1] == pytest.approx(math.log(2 ** 14 - 1 + 0.01 * (2 ** 14 - 1)))


def test_passing_indicator_is_untouched_and_treatment_transfers():
    ref = pd.DataFrame({"ok": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
                        "out": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100]})
    t = Treater().fit(ref)
    assert t.report_.set_index("iCode").loc["ok", "treatment"] == "none"
    new = pd.DataFrame({"ok": [50.0], "out": [70.0]})
    out = t.transform(new)
    assert out.loc[0, "ok"] == 50.0 and out.loc[0, "out"] == 10.0  # clipped to the learnt bound
    assert t.points_[["unit", "iCode"]].values.tolist() == [[10, "out"]]


def test_log_ct_clips_below_reference_min():
    assert log_ct(pd.Series([0.0]), lo=1.0, hi=101.0).iloc[0] == pytest.approx(math.log(1.0))


def test_skew_and_kurtosis_agree_with_scipy_bias_false():
    from scipy import stats

    x = [0.5, 2.0, 2.0, 3.5, 7.0, 11.0, 4.0, 30.0]
    assert skewness(x) == pytest.approx(stats.skew(x, bias=False))
    assert kurtosis(x) == pytest.approx(stats.kurtosis(x, bias=False))


def test_targets_follow_a_log_treatment():
    x = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 100, 200])
    ok = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22])
    t = Treater(winmax=1).fit(pd.DataFrame({"x": x, "ok": ok}))
    out = t.transform_values(pd.Series({"x": 50.0, "ok": 50.0}))
    assert out["x"] == pytest.approx(math.log(50 - 1 + 0.01 * 199))  # same map as the data
    assert out["ok"] == 50.0  # untreated indicator: target unchanged
