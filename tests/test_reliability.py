"""Tests of award_eval.reliability against published tables and hand computations.

Published sources:
* Shrout & Fleiss (1979), Psychol. Bull. 86:420-428, Table 2 (data), Table 3 (mean squares),
  Table 4 (ICCs).
* Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", examples A (2 observers,
  binary) and C (4 observers, 12 units, missing data).
Everything else is computed by hand in the comments.
"""
from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from award_eval.errors import AwardEvalError
from award_eval.jury.reliability import (
    IncompleteDataError,
    KendallW,
    MissingColumnError,
    ReliabilityError,
    anova_mean_squares,
    coincidence_matrix,
    difference_matrix,
    icc,
    interpret_alpha,
    interpret_icc,
    kendall_w,
    krippendorff_alpha,
)

NAN = float("nan")


def long_frame(matrix: list[list[float]], rater_names: list[str] | None = None,
               target: str = "target", rater: str = "rater",
               rating: str = "rating") -> pd.DataFrame:
    """targets x raters nested lists -> long DataFrame (NaN cells kept as NaN rows)."""
    names = rater_names or [f"r{j + 1}" for j in range(len(matrix[0]))]
    rows = [(f"t{i + 1}", names[j], value)
            for i, row in enumerate(matrix) for j, value in enumerate(row)]
    return pd.DataFrame(rows, columns=[target, rater, rating])


def by_observer(observers: dict[str, list[float]]) -> pd.DataFrame:
    """Krippendorff's layout (observers x units) -> long DataFrame, dropping missing cells."""
    rows = [(unit + 1, name, value)
            for name, values in observers.items() for unit, value in enumerate(values)
            if not (isinstance(value, float) and math.isnan(value))]
    return pd.DataFrame(rows, columns=["unit", "observer", "value"])


# Shrout & Fleiss (1979), Table 2: 6 targets x 4 judges.
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]

# Krippendorff (2011), example C: 4 observers x 12 units, "." = missing.
KRIPPENDORFF_C = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    "C": [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
}

# Krippendorff (2011), example A: 2 observers x 10 units, binary.
KRIPPENDORFF_A = {
    "Ben": [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    "Gerry": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
}


# --------------------------------------------------------------------------------------------
# ICC
# --------------------------------------------------------------------------------------------

def test_icc_matches_shrout_fleiss_table_4() -> None:
    table = icc(long_frame(SHROUT_FLEISS), "target", "rater", "rating")
    assert list(table.index) == ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]
    assert {"icc", "F", "df1", "df2", "pval", "ci95_low", "ci95_high"} <= set(table.columns)
    published = {"ICC1": 0.17, "ICC2": 0.29, "ICC3": 0.71,
                 "ICC1k": 0.44, "ICC2k": 0.62, "ICC3k": 0.91}
    for name, value in published.items():
        assert round(table.loc[name, "icc"], 2) == value, name


def test_anova_mean_squares_match_shrout_fleiss_table_3() -> None:
    ms = anova_mean_squares(np.array(SHROUT_FLEISS))
    # Published: BMS 11.24, WMS 6.26, JMS 32.49, EMS 1.02.
    assert (round(ms.msr, 2), round(ms.msw, 2), round(ms.msc, 2), round(ms.mse, 2)) == (
        11.24, 6.26, 32.49, 1.02)


def test_icc1_f_test_equals_one_way_anova() -> None:
    # ICC1's F = MSB/MSW is the one-way ANOVA with targets as groups: an independent check.
    table = icc(long_frame(SHROUT_FLEISS), "target", "rater", "rating")
    one_way = stats.f_oneway(*[np.array(row, float) for row in SHROUT_FLEISS])
    assert table.loc["ICC1", "F"] == pytest.approx(one_way.statistic, rel=1e-12)
    assert table.loc["ICC1", "pval"] == pytest.approx(one_way.pvalue, rel=1e-10)
    assert (table.loc["ICC1", "df1"], table.loc["ICC1", "df2"]) == (5, 18)
    assert (table.loc["ICC3", "df1"], table.loc["ICC3", "df2"]) == (5, 15)


# Hand case: 3 targets x 2 raters
#   t1: 1 2 | t2: 3 5 | t3: 5 8       row means 1.5, 4, 6.5; column means 3, 5; grand mean 4
#   SST = 9+4+1+1+1+16 = 32; SSR = 2*(2.5^2+0+2.5^2) = 25; SSC = 3*(1+1) = 6
#   SSE = 32-25-6 = 1; SSW = 32-25 = 7
#   MSR = 12.5, MSC = 6, MSE = 0.5, MSW = 7/3
HAND = [[1, 2], [3, 5], [5, 8]]


def _f2_ppf(d2: float, q: float) -> float:
    """Quantile of F(2, d2) in closed form: sf(x) = (1 + 2x/d2)^(-d2/2)."""
    return d2 / 2 * ((1 - q) ** (-2 / d2) - 1)


def test_icc_hand_computed_values_and_f_tests() -> None:
    table = icc(long_frame(HAND), "target", "rater", "rating")
    expected_icc = {
        "ICC1": 61 / 89,     # (12.5 - 7/3) / (12.5 + 7/3)
        "ICC2": 36 / 50,     # 12 / (12.5 + 0.5 + 2*(6 - 0.5)/3) = 12 / (50/3)
        "ICC3": 12 / 13,     # 12 / (12.5 + 0.5)
        "ICC1k": 61 / 75,    # (12.5 - 7/3) / 12.5
        "ICC2k": 36 / 43,    # 12 / (12.5 + 5.5/3)
        "ICC3k": 24 / 25,    # 12 / 12.5
    }
    for name, value in expected_icc.items():
        assert table.loc[name, "icc"] == pytest.approx(value, rel=1e-12), name
    # ICC1: F = 12.5 / (7/3) = 75/14 on (2, 3) df; F(2, d2) sf is (1 + 2F/d2)^(-d2/2),
    # here (1 + 25/7)^(-1.5) = (7/32)^1.5.
    assert table.loc["ICC1", "F"] == pytest.approx(75 / 14)
    assert table.loc["ICC1", "pval"] == pytest.approx((7 / 32) ** 1.5, rel=1e-9)
    # ICC2/ICC3: F = 12.5 / 0.5 = 25 on (2, 2) df; F(2, 2) sf is 1/(1 + F) = 1/26.
    for name in ("ICC2", "ICC3", "ICC2k", "ICC3k"):
        assert table.loc[name, "F"] == pytest.approx(25.0)
        assert table.loc[name, "pval"] == pytest.approx(1 / 26, rel=1e-9)
        assert (table.loc[name, "df1"], table.loc[name, "df2"]) == (2, 2)


def test_icc_hand_computed_confidence_intervals() -> None:
    table = icc(long_frame(HAND), "target", "rater", "rating")
    # ICC3: F(2,2) 97.5% quantile is 39 (x/(1+x) = .975). F_L = 25/39, F_U = 25*39 = 975.
    #   ICC3 bounds (F-1)/(F+1): (-14/39)/(64/39) = -0.21875 and 974/976.
    #   ICC3k bounds 1 - 1/F: 1 - 39/25 = -0.56 and 1 - 1/975.
    assert table.loc["ICC3", "ci95_low"] == pytest.approx(-14 / 64, rel=1e-9)
    assert table.loc["ICC3", "ci95_high"] == pytest.approx(974 / 976, rel=1e-9)
    assert table.loc["ICC3k", "ci95_low"] == pytest.approx(-0.56, rel=1e-9)
    assert table.loc["ICC3k", "ci95_high"] == pytest.approx(1 - 1 / 975, rel=1e-9)
    # ICC1: F = 75/14 on (2, 3); F_L = F / F_.975(2,3); F_U = F * F_.975(3,2) = F / F_.025(2,3).
    f = 75 / 14
    f_low, f_high = f / _f2_ppf(3, 0.975), f / _f2_ppf(3, 0.025)
    assert table.loc["ICC1", "ci95_low"] == pytest.approx((f_low - 1) / (f_low + 1), rel=1e-9)
    assert table.loc["ICC1", "ci95_high"] == pytest.approx((f_high - 1) / (f_high + 1), rel=1e-9)
    assert table.loc["ICC1k", "ci95_low"] == pytest.approx(1 - 1 / f_low, rel=1e-9)
    assert table.loc["ICC1k", "ci95_high"] == pytest.approx(1 - 1 / f_high, rel=1e-9)
    # ICC2 (Satterthwaite): rho = .72, F_J = MSC/MSE = 12, n = 3, k = 2.
    #   a = n(1 + (k-1)rho) - k rho = 5.16 - 1.44 = 3.72
    #   v = (k-1)(n-1)(k rho F_J + a)^2 / ((n-1) k^2 rho^2 F_J^2 + a^2)
    #     = 2 * 21^2 / (2*4*.5184*144 + 3.72^2) = 882 / 611.0352
    #   k MSC + (kn - k - n) MSE = 12 + 0.5 = 12.5
    #   low = 3(12.5 - .5 F*) / (12.5 F* + 37.5), F* = F_.975(2, v)
    #   high = 3(12.5 F' - .5) / (12.5 + 37.5 F'), F' = F_.975(v, 2) = 1 / F_.025(2, v)
    v = 882 / 611.0352
    f_star, f_prime = _f2_ppf(v, 0.975), 1 / _f2_ppf(v, 0.025)
    low = 3 * (12.5 - 0.5 * f_star) / (12.5 * f_star + 37.5)
    high = 3 * (12.5 * f_prime - 0.5) / (12.5 + 37.5 * f_prime)
    assert table.loc["ICC2", "ci95_low"] == pytest.approx(low, rel=1e-9)
    assert table.loc["ICC2", "ci95_high"] == pytest.approx(high, rel=1e-9)
    # ICC2k bounds: Spearman-Brown (k=2) of the ICC2 bounds, 2x / (1 + x).
    assert table.loc["ICC2k", "ci95_low"] == pytest.approx(2 * low / (1 + low), rel=1e-9)
    assert table.loc["ICC2k", "ci95_high"] == pytest.approx(2 * high / (1 + high), rel=1e-9)


def test_icc_every_interval_contains_its_estimate_on_shrout_fleiss() -> None:
    table = icc(long_frame(SHROUT_FLEISS), "target", "rater", "rating")
    assert (table["ci95_low"] < table["icc"]).all()
    assert (table["icc"] < table["ci95_high"]).all()


def test_icc_ignores_row_order_and_label_types() -> None:
    frame = long_frame(SHROUT_FLEISS).sample(frac=1.0, random_state=3).reset_index(drop=True)
    frame["rater"] = frame["rater"].map({"r1": 10, "r2": 20, "r3": 30, "r4": 40})
    table = icc(frame, "target", "rater", "rating")
    assert table.loc["ICC2", "icc"] == pytest.approx(0.2897637795, rel=1e-9)  # 0.29 in Table 4


def test_icc_perfect_agreement_is_one() -> None:
    frame = long_frame([[1, 1, 1], [2, 2, 2], [4, 4, 4]])
    table = icc(frame, "target", "rater", "rating")
    assert np.allclose(table["icc"], 1.0)
    assert np.allclose(table["pval"], 0.0)


def test_icc_incomplete_data_raises_with_count() -> None:
    frame = long_frame(SHROUT_FLEISS)
    frame = frame[~((frame["target"] == "t2") & (frame["rater"] == "r3"))]  # absent row
    frame.loc[(frame["target"] == "t5") & (frame["rater"] == "r1"), "rating"] = NAN  # NaN
    with pytest.raises(IncompleteDataError, match=r"2 of 6 targets"):
        icc(frame, "target", "rater", "rating")


def test_icc_nan_policy_omit_drops_incomplete_targets() -> None:
    extra = pd.DataFrame({"target": ["t7", "t7", "t8"], "rater": ["r1", "r2", "r4"],
                          "rating": [3.0, NAN, 5.0]})
    frame = pd.concat([long_frame(SHROUT_FLEISS), extra], ignore_index=True)
    with pytest.raises(IncompleteDataError, match=r"2 of 8 targets"):
        icc(frame, "target", "rater", "rating")
    omitted = icc(frame, "target", "rater", "rating", nan_policy="omit")
    assert omitted.loc["ICC3", "icc"] == pytest.approx(0.7148407148, rel=1e-9)  # .71 Table 4
    assert omitted.loc["ICC1", "df2"] == 18  # n(k-1) with n = 6 complete targets


def test_icc_omit_leaving_too_few_targets_raises() -> None:
    frame = long_frame([[1, 2], [3, NAN], [NAN, 4]])
    with pytest.raises(ReliabilityError, match=r"at least 2 targets, found 1 after omitting 2"):
        icc(frame, "target", "rater", "rating", nan_policy="omit")


def test_icc_rejects_bad_nan_policy() -> None:
    with pytest.raises(ValueError, match="nan_policy"):
        icc(long_frame(HAND), "target", "rater", "rating",
            nan_policy="drop")  # type: ignore[arg-type]


def test_icc_needs_two_raters_and_two_targets() -> None:
    with pytest.raises(ReliabilityError, match="at least 2 raters, found 1"):
        icc(long_frame([[1], [2], [3]]), "target", "rater", "rating")
    with pytest.raises(ReliabilityError, match="at least 2 targets, found 1"):
        icc(long_frame([[1, 2, 3]]), "target", "rater", "rating")


def test_missing_column_is_named() -> None:
    frame = long_frame(HAND)
    with pytest.raises(MissingColumnError, match=r"ratings='score'") as caught:
        icc(frame, "target", "rater", "score")
    assert isinstance(caught.value, AwardEvalError) and isinstance(caught.value, ValueError)
    with pytest.raises(MissingColumnError, match=r"raters='juror'"):
        kendall_w(frame, "target", "juror", "rating")
    with pytest.raises(MissingColumnError, match=r"units='unit'"):
        krippendorff_alpha(frame, "unit", "rater", "rating")


def test_same_column_twice_is_rejected() -> None:
    with pytest.raises(ReliabilityError, match="different columns"):
        icc(long_frame(HAND), "target", "target", "rating")


def test_duplicate_ratings_are_rejected() -> None:
    frame = long_frame(HAND)
    frame = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)
    with pytest.raises(ReliabilityError, match=r"1 \(target, rater\) pair\(s\) occur more"):
        icc(frame, "target", "rater", "rating")


def test_non_numeric_ratings_are_rejected() -> None:
    frame = long_frame(HAND).astype({"rating": object})
    frame.loc[2, "rating"] = "bra"
    with pytest.raises(ReliabilityError, match=r"non-numeric rating\(s\), e.g. 'bra'"):
        icc(frame, "target", "rater", "rating")
    with pytest.raises(ReliabilityError, match="non-numeric"):
        krippendorff_alpha(frame, "target", "rater", "rating", level="interval")


def test_missing_labels_are_rejected() -> None:
    frame = long_frame(HAND)
    frame.loc[0, "rater"] = None
    with pytest.raises(ReliabilityError, match=r"column 'rater' has 1 missing label"):
        icc(frame, "target", "rater", "rating")


# --------------------------------------------------------------------------------------------
# Krippendorff's alpha
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("level", "published"), [
    ("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)])
def test_alpha_matches_krippendorff_2011_example_c(level: str, published: float) -> None:
    value = krippendorff_alpha(by_observer(KRIPPENDORFF_C), "unit", "observer", "value",
                               level=level)  # type: ignore[arg-type]
    assert round(value, 3) == published


def test_alpha_example_c_exact_values_by_hand() -> None:
    # Coincidence marginals n_1..n_5 = 9, 13, 10, 5, 3 (n = 40); sum of o_cc = 7+10+8+4+3 = 32.
    # nominal: 1 - (n-1)(n - sum o_cc)/(n^2 - sum n_c^2) = 1 - 39*8/(1600-384) = 1 - 312/1216.
    # interval: sum o_ck (c-k)^2 = 2*(4/3*1 + 1/3*4 + 1/3*9 + 4/3*1 + 1/3*4 + 1/3*1) = 52/3;
    #   sum n_c n_k (c-k)^2 = 2*(117+360+405+432+130+260+351+50+120+15) = 4480;
    #   alpha = 1 - 39*(52/3)/4480 = 1 - 676/4480.
    frame = by_observer(KRIPPENDORFF_C)
    assert krippendorff_alpha(frame, "unit", "observer", "value", level="nominal") == (
        pytest.approx(1 - 312 / 1216, rel=1e-12))
    assert krippendorff_alpha(frame, "unit", "observer", "value", level="interval") == (
        pytest.approx(1 - 676 / 4480, rel=1e-12))


def test_coincidence_matrix_matches_krippendorff_2011_example_c() -> None:
    frame = by_observer(KRIPPENDORFF_C)
    counts = pd.crosstab(frame["unit"], frame["value"])
    counts = counts[counts.sum(axis=1) >= 2]  # unit 12 has one value: not pairable
    third = 1 / 3
    published = np.array([
        [7, 4 * third, third, third, 0],
        [4 * third, 10, 4 * third, third, 0],
        [third, 4 * third, 8, third, 0],
        [third, third, third, 4, 0],
        [0, 0, 0, 0, 3],
    ])
    assert np.allclose(coincidence_matrix(counts.to_numpy()), published)


def test_ordinal_differences_match_krippendorff_2011() -> None:
    # delta^2(c, k) = (n_c/2 + sum of n_g between + n_k/2)^2 with n = 9, 13, 10, 5, 3:
    #   (1,2) = (4.5+6.5)^2 = 121; (1,3) = (4.5+13+5)^2 = 506.25; (1,4) = (4.5+13+10+2.5)^2 = 900
    #   (1,5) = (4.5+13+10+5+1.5)^2 = 1156; (2,3) = 11.5^2 = 132.25; (2,4) = 19^2 = 361
    #   (2,5) = 23^2 = 529; (3,4) = 7.5^2 = 56.25; (3,5) = 11.5^2 = 132.25; (4,5) = 4^2 = 16
    delta = difference_matrix(np.array([1, 2, 3, 4, 5]), np.array([9, 13, 10, 5, 3]),
                              "ordinal")
    expected = {(0, 1): 121, (0, 2): 506.25, (0, 3): 900, (0, 4): 1156, (1, 2): 132.25,
                (1, 3): 361, (1, 4): 529, (2, 3): 56.25, (2, 4): 132.25, (3, 4): 16}
    for (c, k), value in expected.items():
        assert delta[c, k] == delta[k, c] == value
    assert np.all(np.diag(delta) == 0)


def test_ratio_differences() -> None:
    delta = difference_matrix(np.array([0.0, 1.0, 3.0]), np.array([1, 1, 1]), "ratio")
    # ((0-1)/(0+1))^2 = 1; ((1-3)/(1+3))^2 = 0.25; ((0-3)/3)^2 = 1; (0,0) -> 0 by definition.
    assert delta[0, 1] == 1 and delta[1, 2] == 0.25 and delta[0, 2] == 1 and delta[0, 0] == 0


def test_alpha_matches_krippendorff_2011_example_a_binary() -> None:
    # o_00 = 10, o_01 = o_10 = 4, o_11 = 2; n_0 = 14, n_1 = 6, n = 20.
    # alpha = 1 - (n-1) o_01 / (n_0 n_1) = 1 - 19*4/84 = 8/84 = 0.095.
    frame = by_observer(KRIPPENDORFF_A)
    value = krippendorff_alpha(frame, "unit", "observer", "value", level="nominal")
    assert value == pytest.approx(8 / 84, rel=1e-12)
    assert round(value, 3) == 0.095


def test_alpha_nominal_accepts_text_labels() -> None:
    frame = by_observer(KRIPPENDORFF_A)
    frame["value"] = frame["value"].map({0: "nej", 1: "ja"})
    assert krippendorff_alpha(frame, "unit", "observer", "value", level="nominal") == (
        pytest.approx(8 / 84, rel=1e-12))


def test_alpha_drops_unpairable_units_and_nan_rows() -> None:
    frame = by_observer(KRIPPENDORFF_C)
    without_unit_12 = frame[frame["unit"] != 12]
    with_nan_rows = pd.concat([frame, pd.DataFrame(
        {"unit": [1, 13], "observer": ["C", "A"], "value": [NAN, NAN]})], ignore_index=True)
    reference = krippendorff_alpha(frame, "unit", "observer", "value")
    assert krippendorff_alpha(without_unit_12, "unit", "observer", "value") == reference
    assert krippendorff_alpha(with_nan_rows, "unit", "observer", "value") == reference


def test_alpha_bad_level() -> None:
    with pytest.raises(ValueError, match=r"level must be one of .*'ranked'"):
        krippendorff_alpha(by_observer(KRIPPENDORFF_A), "unit", "observer", "value",
                           level="ranked")  # type: ignore[arg-type]


def test_alpha_without_pairable_units_raises() -> None:
    frame = pd.DataFrame({"unit": [1, 2], "observer": ["A", "B"], "value": [1, 2]})
    with pytest.raises(ReliabilityError, match="no unit has ratings from at least 2 raters"):
        krippendorff_alpha(frame, "unit", "observer", "value")


def test_alpha_ratio_rejects_negative_values() -> None:
    frame = pd.DataFrame({"unit": [1, 1], "observer": ["A", "B"], "value": [-1, 2]})
    with pytest.raises(ReliabilityError, match="negative"):
        krippendorff_alpha(frame, "unit", "observer", "value", level="ratio")


def test_alpha_is_nan_without_variation() -> None:
    frame = pd.DataFrame({"unit": [1, 1, 2, 2], "observer": ["A", "B"] * 2, "value": [3] * 4})
    assert math.isnan(krippendorff_alpha(frame, "unit", "observer", "value"))


# --------------------------------------------------------------------------------------------
# Kendall's W
# --------------------------------------------------------------------------------------------

def _chi2_sf_3(x: float) -> float:
    """Chi-square survival function for 3 df in closed form."""
    return math.erfc(math.sqrt(x / 2)) + math.sqrt(2 * x / math.pi) * math.exp(-x / 2)


# m = 3 raters score n = 4 targets; ratings, not ranks, to show the ranking step.
NO_TIES = [  # targets x raters
    [10, 1, 5],
    [20, 3, 4],
    [30, 2, 6],
    [40, 4, 9],
]
# Ranks (targets x raters): [1,1,2], [2,3,1], [3,2,3], [4,4,4]; rank sums R = 4, 6, 8, 12.
# Mean R = m(n+1)/2 = 7.5; S = 3.5^2 + 1.5^2 + 0.5^2 + 4.5^2 = 35.
# W = 12*35 / (9 * 60) = 420/540 = 7/9; chi2 = m(n-1)W = 9 * 7/9 = 7 on 3 df.


def test_kendall_w_hand_computed_without_ties() -> None:
    result = kendall_w(long_frame(NO_TIES), "target", "rater", "rating")
    assert isinstance(result, KendallW)
    assert result.w == pytest.approx(7 / 9, rel=1e-12)
    assert result.chi2 == pytest.approx(7.0, rel=1e-12)
    assert result.dof == 3
    assert result.pvalue == pytest.approx(_chi2_sf_3(7.0), rel=1e-9)


def test_kendall_w_agrees_with_mean_spearman_without_ties() -> None:
    # Without ties the mean pairwise Spearman rho is (mW - 1)/(m - 1) = (7/3 - 1)/2 = 2/3
    # (pairs: .8, .8, .4). Independent check through scipy.stats.spearmanr.
    columns = np.array(NO_TIES, float).T
    rhos = [stats.spearmanr(a, b).statistic for a, b in combinations(columns, 2)]
    w = kendall_w(long_frame(NO_TIES), "target", "rater", "rating").w
    assert np.mean(rhos) == pytest.approx((3 * w - 1) / 2, rel=1e-12)
    assert np.mean(rhos) == pytest.approx(2 / 3, rel=1e-12)


WITH_TIES = [  # targets x raters
    [1, 1, 1],
    [2, 2, 1],
    [2, 3, 3],
    [3, 4, 4],
]
# Ranks: rater 1 -> 1, 2.5, 2.5, 4 (one tie of 2); rater 2 -> 1, 2, 3, 4;
#        rater 3 -> 1.5, 1.5, 3, 4 (one tie of 2).
# T = (2^3 - 2) + (2^3 - 2) = 12. Rank sums 3.5, 6, 8.5, 12; mean 7.5;
# S = 16 + 2.25 + 1 + 20.25 = 39.5.
# W = 12*39.5 / (9*60 - 3*12) = 474/504 = 79/84 (uncorrected: 474/540 = 79/90).
# chi2 = 3*3*79/84 = 711/84 on 3 df.


def test_kendall_w_hand_computed_with_ties() -> None:
    result = kendall_w(long_frame(WITH_TIES), "target", "rater", "rating")
    assert result.w == pytest.approx(79 / 84, rel=1e-12)
    assert result.w != pytest.approx(79 / 90)  # the tie correction is applied
    assert result.chi2 == pytest.approx(711 / 84, rel=1e-12)
    assert result.dof == 3
    assert result.pvalue == pytest.approx(_chi2_sf_3(711 / 84), rel=1e-9)


def test_kendall_w_identical_rankings_is_one() -> None:
    frame = long_frame([[1, 10, 2], [2, 20, 5], [3, 30, 7]])
    assert kendall_w(frame, "target", "rater", "rating").w == pytest.approx(1.0)


def test_kendall_w_result_is_frozen() -> None:
    result = kendall_w(long_frame(NO_TIES), "target", "rater", "rating")
    with pytest.raises(AttributeError):
        result.w = 0.0  # type: ignore[misc]


def test_kendall_w_incomplete_data_raises() -> None:
    frame = long_frame(NO_TIES)
    frame.loc[3, "rating"] = NAN
    with pytest.raises(IncompleteDataError, match=r"1 of 4 targets"):
        kendall_w(frame, "target", "rater", "rating")
    with pytest.raises(IncompleteDataError, match=r"1 of 4 targets"):
        kendall_w(frame.drop(index=3), "target", "rater", "rating")


# --------------------------------------------------------------------------------------------
# Interpretation
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "english"), [
    (-0.2, "poor reliability"), (0.49, "poor reliability"), (0.5, "moderate reliability"),
    (0.74, "moderate reliability"), (0.75, "good reliability"), (0.9, "good reliability"),
    (0.91, "excellent reliability"), (1.0, "excellent reliability")])
def test_interpret_icc_koo_li_bands(value: float, english: str) -> None:
    label = interpret_icc(value)
    assert set(label) == {"sv", "en"} and label["en"] == english


def test_interpret_icc_swedish_labels() -> None:
    assert interpret_icc(0.3)["sv"] == "låg reliabilitet"
    assert interpret_icc(0.95)["sv"] == "utmärkt reliabilitet"


@pytest.mark.parametrize(("value", "english"), [
    (0.8, "reliable"), (0.95, "reliable"), (0.667, "tentative"), (0.79, "tentative"),
    (0.666, "unreliable"), (-0.1, "unreliable")])
def test_interpret_alpha_krippendorff_thresholds(value: float, english: str) -> None:
    label = interpret_alpha(value)
    assert set(label) == {"sv", "en"} and label["en"].split(" ")[0] == english


def test_interpret_undefined_and_bad_values() -> None:
    assert interpret_alpha(NAN)["en"].startswith("undefined")
    assert interpret_icc(np.float64(NAN))["sv"].startswith("odefinierad")
    with pytest.raises(ReliabilityError, match="must be a number"):
        interpret_icc("0.8")  # type: ignore[arg-type]


def test_undefined_statistics_are_nan_without_variation() -> None:
    frame = long_frame([[3, 3], [3, 3], [3, 3]])
    assert icc(frame, "target", "rater", "rating")["icc"].isna().all()
    result = kendall_w(frame, "target", "rater", "rating")
    assert math.isnan(result.w) and math.isnan(result.pvalue)


def test_messages_show_plain_labels() -> None:
    frame = pd.DataFrame({"target": [1, 1, 2], "rater": [7, 8, 7], "rating": [1.0, 2.0, 3.0]})
    with pytest.raises(IncompleteDataError, match=r"1 of 2 targets .*\(e\.g\. 2\)"):
        icc(frame, "target", "rater", "rating")
