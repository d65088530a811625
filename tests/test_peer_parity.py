"""Parity with peer libraries (issue #12 part 5): each new option restates a published or peer
value, its source cited next to it. No peer is imported here; the numbers are literals.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from award_eval.composite import (
    aggregate_group,
    aggregate_tree,
    critic_weights,
    cronbach_alpha,
    cronbach_ci,
    normalise,
    topsis,
    vikor,
    vikor_compromise,
)
from award_eval.jury.reliability import (
    ReliabilityError,
    icc,
    kendall_w,
    krippendorff_alpha,
    krippendorff_alpha_counts,
)

NAN = float("nan")

# --------------------------------------------------------------------------------------------
# Normalisation: sum, vector, cost conventions, COINr goalposts
# --------------------------------------------------------------------------------------------

# pymcdm 1.x tests/test_methods.py, TestWSM / TestWPM ("self-reference"): 5 alternatives x 4
# criteria, types [1, 1, -1, -1], weights [8, 5, 6, 7]/13, sum normalisation (cost: (1/x)/Σ(1/x)).
WSM_MATRIX = [[96, 83, 75, 7], [63, 5, 56, 9], [72, 30, 32, 48], [11, 4, 27, 9], [77, 21, 17, 11]]
WSM_TYPES = {0: 1, 1: 1, 2: -1, 3: -1}
WSM_WEIGHTS = np.array([8, 5, 6, 7]) / 13


def test_sum_normalisation_reproduces_pymcdm_wsm_and_wpm() -> None:
    n = normalise(WSM_MATRIX, "sum", WSM_TYPES, cost="reciprocal")  # array-like accepted
    assert list(np.round((n * WSM_WEIGHTS).sum(axis=1), 3)) == [0.609, 0.313, 0.334, 0.265, 0.479]
    assert list(np.round((n ** WSM_WEIGHTS).prod(axis=1), 3)) == [0.065, 0.017, 0.019, 0.007, 0.052]


def test_ratio_normalisations_and_cost_variants_match_pymcdm() -> None:
    # pymcdm 1.4 normalizations on x = [96, 63, 72, 11, 77] (profit | cost=True), to 4 places:
    # sum_normalization [.3009 .1975 .2257 .0345 .2414] | [.0723 .1102 .0964 .6310 .0901]
    # vector_normalization [.6143 .4032 .4608 .0704 .4928] | [.3857 .5968 .5392 .9296 .5072]
    # max_normalization [1 .6562 .75 .1146 .8021] | [0 .3438 .25 .8854 .1979]
    # linear_normalization cost (min/x) [.1146 .1746 .1528 1 .1429]
    x = pd.DataFrame({"x": [96.0, 63, 72, 11, 77]})
    up, down = {"x": 1}, {"x": -1}

    def col(method, directions, **kw):
        return list(np.round(normalise(x, method, directions, **kw)["x"], 4))

    assert col("sum", up) == [0.3009, 0.1975, 0.2257, 0.0345, 0.2414]
    assert col("sum", down, cost="reciprocal") == [0.0723, 0.1102, 0.0964, 0.631, 0.0901]
    assert col("vector", up) == [0.6143, 0.4032, 0.4608, 0.0704, 0.4928]
    assert col("vector", down, cost="complement") == [0.3857, 0.5968, 0.5392, 0.9296, 0.5072]
    assert col("fraction_of_max", down, cost="complement") == [0.0, 0.3438, 0.25, 0.8854, 0.1979]
    assert col("fraction_of_max", down, cost="reciprocal") == [0.1146, 0.1746, 0.1528, 1.0, 0.1429]
    # minmax complement = negate (COINr's default), on the normalise range
    assert col("minmax", down, cost="complement") == col("minmax", down)
    with pytest.raises(ValueError, match="cost='complement' or cost='reciprocal'"):
        col("sum", down)  # a ratio scale cannot take negated values
    with pytest.raises(ValueError, match="cost='complement' applies to"):
        col("zscore", down, cost="complement")


def test_coinr_goalposts_form_and_contradiction() -> None:
    # COINr n_goalposts(x, gposts = c(l, u, a), direction = -1): y = (x - u)/(l - u), clipped to
    # [0, 1], times a. With l = 3, u = 10, a = 1 on x = 2, 4, 6, 10: 1, 6/7, 4/7, 0.
    x = pd.DataFrame({"x": [2.0, 4.0, 6.0, 10.0]})
    out = normalise(x, "goalposts", {"x": -1}, (0, 1), goalposts={"x": (3, 10)}, goalposts_form="lower_upper")
    assert out["x"].tolist() == pytest.approx([1, 6 / 7, 4 / 7, 0])
    # direction 1: y = (x - l)/(u - l)
    out = normalise(x, "goalposts", {"x": 1}, (0, 1), goalposts={"x": (3, 10)}, goalposts_form="lower_upper")
    assert out["x"].tolist() == pytest.approx([0, 1 / 7, 3 / 7, 1])
    # the same (3, 10) read as award_eval's (worst, best) contradicts "lower is better"
    with pytest.raises(ValueError, match=r"'x'.*contradict its direction -1"):
        normalise(x, "goalposts", {"x": -1}, goalposts={"x": (3, 10)})
    with pytest.raises(ValueError, match="lower < upper"):
        normalise(x, "goalposts", goalposts={"x": (10, 3)}, goalposts_form="lower_upper")
    with pytest.raises(ValueError, match="normalise_range=\\(0, factor\\)"):
        normalise(x, "goalposts", goalposts={"x": (3, 10, 100)}, goalposts_form="lower_upper")


@pytest.mark.parametrize("method", ["zscore", "rank", "percentile", "borda", "sum", "vector",
                                    "fraction_of_max", "distance_to_max"])
def test_normalise_range_that_cannot_be_honoured_is_an_error(method: str) -> None:
    x = pd.DataFrame({"x": [2.0, 4.0, 6.0, 10.0]})
    with pytest.raises(ValueError, match=f"normalise_range=\\(1, 100\\) cannot be honoured by normalisation '{method}'"):
        normalise(x, method, normalise_range=(1, 100))
    normalise(x, method)  # the default range is not an error


def test_zscore_population_sd_matches_scikit_learn_standard_scaler_example() -> None:
    # scikit-learn StandardScaler docstring (scikit-criteria's StandarScaler wraps it):
    # fit on [[0, 0], [0, 0], [1, 1], [1, 1]] -> transform gives -1, -1, 1, 1 and [[2, 2]] -> 3.
    from award_eval.composite import Normaliser

    data = pd.DataFrame([[0, 0], [0, 0], [1, 1], [1, 1]], columns=["a", "b"], dtype=float)
    norm = Normaliser("zscore", sd_ddof=0).fit(data)
    assert norm.transform(data)["a"].tolist() == [-1.0, -1.0, 1.0, 1.0]
    assert norm.transform(pd.DataFrame({"a": [2.0], "b": [2.0]})).iloc[0].tolist() == [3.0, 3.0]
    # the default stays the sample SD (COINr's n_zscore uses R's sd): 0.5/sqrt(1/3)
    assert normalise(data, "zscore")["a"].iloc[-1] == pytest.approx(0.5 / math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="sd_ddof=0 applies to zscore"):
        normalise(data, "minmax", sd_ddof=0)


# --------------------------------------------------------------------------------------------
# Aggregation: COINr's dat_thresh
# --------------------------------------------------------------------------------------------

def test_dat_thresh_gives_nan_below_the_availability_threshold() -> None:
    # COINr Aggregate(dat_thresh = ...): "if a row within an aggregation group has data
    # availability lower than this threshold, the aggregated value for that row will be NA".
    values = pd.DataFrame({"a": [20.0, 60.0], "b": [NAN, 40.0], "c": [NAN, 50.0],
                           "d": [NAN, 30.0], "e": [NAN, NAN]}, index=["u1", "u2"])
    w = pd.Series(1.0, index=values.columns)
    plain = aggregate_group(values, w)
    assert plain.tolist() == pytest.approx([20.0, 45.0])  # skipped gaps: scored on what it has
    gated = aggregate_group(values, w, dat_thresh=0.5)
    assert math.isnan(gated["u1"]) and gated["u2"] == pytest.approx(45.0)  # 1/5 < 0.5 <= 4/5
    assert aggregate_group(values, w, dat_thresh=0.2)["u1"] == pytest.approx(20.0)  # 1/5 = 0.2
    assert math.isnan(aggregate_group(values, w, "geometric", dat_thresh=0.9)["u2"])
    meta = pd.DataFrame({"iCode": list("abcde") + ["top"], "Parent": ["top"] * 5 + [None],
                         "Weight": 1.0, "Type": ["Indicator"] * 5 + ["Aggregate"], "Level": [1] * 5 + [2]})
    tree = aggregate_tree(values, meta, dat_thresh=0.5)
    assert math.isnan(tree.loc["u1", "top"]) and tree.loc["u2", "top"] == pytest.approx(45.0)
    with pytest.raises(ValueError, match="dat_thresh must lie in"):
        aggregate_group(values, w, dat_thresh=2)


# --------------------------------------------------------------------------------------------
# ICC: McGraw & Wong's Satterthwaite df (R irr's convention)
# --------------------------------------------------------------------------------------------

# R irr `anxiety` data (20 subjects x 3 raters), also pyirr/data/anxiety.csv.
ANXIETY = [[3, 3, 2], [3, 6, 1], [3, 4, 4], [4, 6, 4], [5, 2, 3], [5, 4, 2], [2, 2, 1], [3, 4, 6],
           [5, 3, 1], [2, 3, 1], [2, 2, 1], [6, 3, 2], [1, 3, 3], [5, 3, 3], [2, 2, 1], [2, 2, 1],
           [1, 1, 3], [2, 3, 3], [4, 3, 2], [3, 4, 2]]


def test_icc_agreement_satterthwaite_matches_irr_anxiety_example() -> None:
    # irr::icc(anxiety, model = "twoway", type = "agreement") (irr manual, pyirr tests/test_icc.py):
    # ICC(A,1) = 0.198, F(19, 39.7) = 1.83, p = 0.0543, 95% CI -0.039 < ICC < 0.494.
    table = icc(ANXIETY, agreement_df="satterthwaite")  # wide array-like, no column names
    row = table.loc["ICC2"]
    assert round(row["icc"], 3) == 0.198
    assert round(row["F"], 2) == 1.83
    assert round(row["df2"], 1) == 39.7
    assert round(row["pval"], 4) == 0.0543
    assert (round(row["ci95_low"], 3), round(row["ci95_high"], 3)) == (-0.039, 0.494)
    # The default stays Shrout & Fleiss / pingouin: df2 = (n-1)(k-1) = 38, p = 0.0562.
    default = icc(ANXIETY)
    assert default.loc["ICC2", "df2"] == 38 and round(default.loc["ICC2", "pval"], 4) == 0.0562
    both = icc(ANXIETY, agreement_df="both")
    assert both.loc["ICC2", "df2"] == 38 and round(both.loc["ICC2", "df2_satterthwaite"], 1) == 39.7
    assert round(both.loc["ICC2k", "pval_satterthwaite"], 4) == 0.0543
    assert both.loc["ICC3", "df2_satterthwaite"] == 38  # consistency forms keep the ANOVA df
    with pytest.raises(ReliabilityError, match="agreement_df"):
        icc(ANXIETY, agreement_df="welch")


def test_reliability_takes_wide_tables_as_well_as_long() -> None:
    long = pd.DataFrame([(i, j, v) for i, row in enumerate(ANXIETY) for j, v in enumerate(row)],
                        columns=["t", "r", "y"])
    wide = pd.DataFrame(ANXIETY, columns=["a", "b", "c"])
    pd.testing.assert_frame_equal(icc(long, "t", "r", "y"), icc(wide))
    assert kendall_w(long, "t", "r", "y") == kendall_w(wide)
    with pytest.raises(ReliabilityError, match="or none"):
        icc(long, "t", "r")


# --------------------------------------------------------------------------------------------
# Krippendorff's alpha: ordered labels, ordered Categorical, value-count table
# --------------------------------------------------------------------------------------------

# Krippendorff (2011), example C, as units x observers (A, B, C, D).
KRIPP_C = np.array([[1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
                    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
                    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
                    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN]]).T
DOMAIN = ["poor", "fair", "good", "very good", "excellent"]


def test_krippendorff_ordinal_text_labels_and_categorical_reproduce_published_alpha() -> None:
    # Krippendorff (2011), example C: ordinal alpha = 0.815 (fast-krippendorff 0.815388).
    labels = pd.DataFrame(KRIPP_C).apply(lambda c: c.map(dict(enumerate(DOMAIN, start=1))))
    assert round(krippendorff_alpha(labels, level="ordinal", value_domain=DOMAIN), 3) == 0.815
    ordered = labels.apply(lambda c: pd.Categorical(c, categories=DOMAIN, ordered=True))
    assert round(krippendorff_alpha(ordered, level="ordinal"), 3) == 0.815
    # alphabetical order would be a different (wrong) ordinal scale: the domain matters
    assert round(krippendorff_alpha(labels, level="ordinal", value_domain=sorted(DOMAIN)), 3) != 0.815
    with pytest.raises(ReliabilityError, match="outside value_domain"):
        krippendorff_alpha(labels, level="ordinal", value_domain=DOMAIN[:3])
    with pytest.raises(ReliabilityError, match="non-numeric"):
        krippendorff_alpha(labels, level="interval")


@pytest.mark.parametrize(("level", "published"), [
    ("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)])
def test_krippendorff_value_counts_reproduce_published_alpha(level: str, published: float) -> None:
    # Krippendorff (2011), example C, as fast-krippendorff's value_counts (units x values 1..5).
    counts = [[3, 0, 0, 0, 0], [0, 3, 1, 0, 0], [0, 0, 4, 0, 0], [0, 0, 4, 0, 0], [0, 4, 0, 0, 0],
              [1, 1, 1, 1, 0], [0, 0, 0, 4, 0], [3, 1, 0, 0, 0], [0, 4, 0, 0, 0], [0, 0, 0, 0, 3],
              [2, 0, 0, 0, 0], [0, 0, 1, 0, 0]]
    frame = pd.DataFrame(counts, columns=[1, 2, 3, 4, 5])
    assert round(krippendorff_alpha_counts(frame, level), 3) == published  # type: ignore[arg-type]
    assert round(krippendorff_alpha_counts(counts, level, value_domain=[1, 2, 3, 4, 5]), 3) == published  # type: ignore[arg-type]
    assert round(krippendorff_alpha(KRIPP_C, level=level), 3) == published  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Cronbach's alpha: Feldt CI, pairwise, long and wide
# --------------------------------------------------------------------------------------------

# pingouin's `cronbach_alpha` dataset (15 subjects x items Q1..Q10), wide.
PINGOUIN_CRONBACH = [[3, 2, 4, 1, 4, 5, 1, 4, 3, 2], [5, 4, 6, 3, 5, 1, 2, 5, 5, 5],
                     [7, 3, 5, 5, 6, 4, 3, 3, 6, 5], [2, 4, 3, 3, 2, 2, 2, 6, 6, 3],
                     [6, 5, 6, 5, 4, 4, 4, 6, 7, 5], [1, 2, 3, 4, 2, 5, 2, 3, 5, 2],
                     [4, 3, 5, 3, 5, 2, 1, 2, 4, 3], [2, 4, 4, 3, 7, 2, 2, 4, 6, 5],
                     [6, 5, 5, 5, 1, 6, 5, 2, 3, 2], [5, 4, 6, 4, 3, 5, 3, 1, 7, 2],
                     [4, 3, 5, 2, 5, 3, 2, 3, 4, 1], [4, 2, 3, 2, 5, 3, 4, 2, 3, 4],
                     [5, 5, 6, 2, 3, 3, 2, 4, 4, 5], [6, 5, 5, 4, 2, 2, 1, 4, 6, 5],
                     [4, 3, 5, 5, 3, 1, 3, 2, 3, 4]]


def test_cronbach_feldt_ci_matches_pingouin_docstring_example() -> None:
    # pingouin `cronbach_alpha` docstring: (0.591719, array([0.195, 0.84])).
    wide = pd.DataFrame(PINGOUIN_CRONBACH, columns=[f"Q{i}" for i in range(1, 11)])
    long = wide.rename_axis("Subj").reset_index().melt(id_vars="Subj", var_name="Items", value_name="Scores")
    for res in (cronbach_ci(wide), cronbach_ci(long, "Items", "Scores", "Subj"), cronbach_ci(PINGOUIN_CRONBACH)):
        assert round(res["alpha"], 6) == 0.591719
        assert (round(res["ci_low"], 3), round(res["ci_high"], 3)) == (0.195, 0.84)
    assert cronbach_alpha(long, "Items", "Scores", "Subj") == pytest.approx(0.5917188485995826)


def test_cronbach_pairwise_and_listwise_match_pingouin() -> None:
    # pingouin 0.7 cronbach_alpha on the dataset above with cells (0, 0), (3, 4), (7, 9) blanked:
    # pairwise (0.577909, [0.168, 0.834]); listwise alpha 0.649156.
    wide = pd.DataFrame(PINGOUIN_CRONBACH, dtype=float)
    wide.iloc[0, 0] = wide.iloc[3, 4] = wide.iloc[7, 9] = NAN
    pair = cronbach_ci(wide, nan_policy="pairwise")
    assert round(pair["alpha"], 6) == 0.577909
    assert (round(pair["ci_low"], 3), round(pair["ci_high"], 3)) == (0.168, 0.834)
    listwise = cronbach_ci(wide)
    assert round(listwise["alpha"], 6) == 0.649156
    # Deliberate difference: pingouin's listwise CI keeps n = 15 (rows before deletion) in the
    # Feldt df ([0.308, 0.862]); Feldt's n is the units used, 12 here.
    assert listwise["n"] == 12
    assert (round(listwise["ci_low"], 3), round(listwise["ci_high"], 3)) == (0.254, 0.881)
    assert cronbach_alpha(wide) == pytest.approx(listwise["alpha"])  # the default stays listwise
    with pytest.raises(ValueError, match="nan_policy"):
        cronbach_alpha(wide, nan_policy="everything")


# --------------------------------------------------------------------------------------------
# MCDA: VIKOR conditions, TOPSIS ideal points, CRITIC options
# --------------------------------------------------------------------------------------------

# Opricovic & Tzeng (2004), EJOR 156:445-455, numerical example: f1 (cost), f2 (benefit), w = 0.5.
OPRICOVIC = pd.DataFrame({"f1": [1, 2, 5], "f2": [3000, 3750, 4500]}, index=["A1", "A2", "A3"])


def test_vikor_compromise_on_opricovic_tzeng_example() -> None:
    # Q = 1, 0, 1 (the paper; pymcdm TestVIKOR.test_output_opricovic); A2 is the compromise with
    # acceptable advantage (DQ = 1/(3-1)) and stability (also first by S and by R).
    vk = vikor(OPRICOVIC, [0.5, 0.5], [False, True])
    assert vk["Q"].tolist() == [1.0, 0.0, 1.0]
    assert vk["S"].tolist() == pytest.approx([0.5, 0.375, 0.5]) and vk["R"].tolist() == pytest.approx([0.5, 0.25, 0.5])
    res = vikor_compromise(vk)
    assert res == {"best": "A2", "C1": True, "C2": True, "DQ": 0.5, "advantage": 1.0, "compromise": ["A2"]}


def test_vikor_compromise_yang_wu_example_and_c1_failure() -> None:
    # Yang & Wu (2020), IEEE Access 8:21261 (pymcdm TestVIKOR.test_output_yang):
    # Q = 0.5679, 0.7667, 1, 0.7493, 0.
    yang = [[78, 56, 34, 6], [4, 45, 3, 97], [18, 2, 50, 63], [9, 14, 11, 92], [85, 9, 100, 29]]
    vk = vikor(yang)  # array-like accepted
    assert list(np.round(vk["Q"], 4)) == [0.5679, 0.7667, 1.0, 0.7493, 0.0]
    assert vikor_compromise(vk)["compromise"] == [4]
    # C1 fails by hand (benefit criteria, equal weights): S = .1, .1, .5, .75; R = .1, .05, .5, .5;
    # Q = 1/18, 0, 0.8077, 1; DQ = 1/3 > Q(A) - Q(B) -> compromise {B, A}; B is first by S (tie) -> C2.
    hand = pd.DataFrame({"c1": [10, 9, 0, 5], "c2": [8, 9, 10, 0]}, index=list("ABCD"))
    res = vikor_compromise(vikor(hand))
    assert (res["best"], res["C1"], res["C2"], res["compromise"]) == ("B", False, True, ["B", "A"])
    assert res["advantage"] == pytest.approx(1 / 18)


def test_topsis_returns_ideal_points_on_opricovic_tzeng_example() -> None:
    # Closeness 0.500, 0.617, 0.500 (Opricovic & Tzeng 2004, with min-max normalisation;
    # pymcdm TestTOPSIS). Ideal = weighted best per criterion (min of the cost criterion).
    result, points = topsis(OPRICOVIC, [0.5, 0.5], [False, True], "minmax", return_ideals=True)
    assert list(np.round(result["closeness"], 3)) == [0.5, 0.617, 0.5]
    assert points.loc["ideal"].tolist() == [0.0, 0.5] and points.loc["anti_ideal"].tolist() == [0.5, 0.0]
    assert isinstance(topsis(OPRICOVIC, [0.5, 0.5], [False, True]), pd.DataFrame)  # default unchanged


@pytest.mark.parametrize(("scale", "correlation", "expected"), [
    (True, "pearson", [0.20222554, 0.48090173, 0.31687273]),
    (False, "pearson", [0.86874234, 0.08341434, 0.04784331]),
    (True, "spearman", [0.21454645, 0.4898563, 0.29559726]),
    (False, "spearman", [0.87672195, 0.08082369, 0.04245436]),
])
def test_critic_scale_and_spearman_match_scikit_criteria(scale: bool, correlation: str, expected: list) -> None:
    # Diakoulaki, Mavrotas & Papayannakis (1995) data; weights from scikit-criteria's
    # test_critic_weight_weights_diakoulaki1995determining.
    data = [[61, 1.08, 4.33], [20.7, 0.26, 4.34], [16.3, 1.98, 2.53], [9, 3.29, 1.65],
            [5.4, 2.77, 2.33], [4, 4.12, 1.21], [-6.1, 3.52, 2.10], [-34.6, 3.31, 0.98]]
    assert critic_weights(data, scale=scale, correlation=correlation).tolist() == pytest.approx(expected, abs=1e-8)


# --------------------------------------------------------------------------------------------
# Treatment, imputation and screening: COINr's options
# --------------------------------------------------------------------------------------------

def test_treat_plain_log_second_step_and_forced_treatments() -> None:
    from award_eval.composite import Treater, treat

    # COINr Treat(global_specs = list(f2 = ...)): a second step of plain ln x instead of log_CT.
    skewed = pd.DataFrame({"a": [1.0] * 15 + [2.0, 3.0, 50.0, 100.0, 200.0, 400.0]})
    out, report = treat(skewed, winmax=1, second="log")
    assert report.loc[0, "treatment"] == "log"  # one winsorised point is not enough
    assert out["a"].tolist() == pytest.approx(np.log(skewed["a"]).tolist())
    default, _ = treat(skewed, winmax=1)  # the default second step is still log_CT
    assert default["a"].tolist() == pytest.approx(np.log(skewed["a"] - 1 + 0.01 * 399).tolist())
    fitted = Treater(winmax=1, second="log").fit(skewed)
    assert math.isnan(fitted.transform(pd.DataFrame({"a": [-1.0]}))["a"].iloc[0])  # outside ln's domain
    with pytest.raises(ValueError, match="second='log'.*needs values > 0"):
        treat(skewed - 5, winmax=1, second="log")

    # COINr indiv_specs: forced winsorising treats exactly winmax points, even of an indicator
    # that passes (here 1..10: 10 -> 9 on the side of the skew (0 counts as high), then 1 -> 2).
    even = pd.DataFrame({"b": [float(v) for v in range(1, 11)], "a": skewed["a"].iloc[:10].tolist()})
    out, report = treat(even, winmax=2, force={"b": "winsorise", "a": "none"})
    assert out["b"].tolist() == [2.0, 2, 3, 4, 5, 6, 7, 8, 9, 9]
    assert report.set_index("iCode").loc["b", "n_winsorised"] == 2
    assert report["forced"].tolist() == [True, True]
    assert out["a"].tolist() == even["a"].tolist()
    with pytest.raises(ValueError, match="force\\['b'\\]"):
        treat(even, force={"b": "clip"})


def test_impute_by_row_as_coinr() -> None:
    from award_eval.composite import impute

    # COINr Impute(impute_by = "row", normalise_first = TRUE): unit r's gap in b is the mean of
    # its other indicators min-max scaled on the reference (a: 0.5, c: (2.5-1)/2 = 0.75) -> 0.625,
    # mapped back into b's range [0, 100] -> 62.5.
    data = pd.DataFrame({"a": [0.0, 10, 5], "b": [0.0, 100, NAN], "c": [1.0, 3, 2.5]}, index=list("pqr"))
    assert impute(data, "row_mean").loc["r", "b"] == pytest.approx(62.5)
    assert impute(data, "row_median").loc["r", "b"] == pytest.approx(62.5)
    assert impute(data, "row_mean", directions={"b": -1}).loc["r", "b"] == pytest.approx(37.5)
    assert impute(data, "row_mean", normalise_first=False).loc["r", "b"] == pytest.approx(3.75)
    assert impute(data, "row_mean").drop(index="r").equals(data.drop(index="r"))


def test_screen_nonzero_share_and_forced_units() -> None:
    from award_eval.composite import screen_units

    # COINr Screen(unit_screen = "byNAandzeros", dat_thresh, nonzero_thresh, Force): nonzero share
    # = 1 - #zeros / #indicators (a gap is not a zero); Force keeps or drops a unit regardless.
    data = pd.DataFrame({"a": [0, 1, NAN, 0], "b": [0, 2, NAN, 5], "c": [0, 3, 1, 0]}, index=list("pqrs"))
    kept, table = screen_units(data, 0.5, nonzero_thresh=0.5)
    assert list(kept.index) == ["q"]  # p: all zero; r: 1/3 present; s: 1/3 nonzero
    assert table["nonzero"].tolist() == pytest.approx([0, 1, 1, 1 / 3])
    kept, table = screen_units(data, 0.5, nonzero_thresh=0.5, force={"p": True, "q": False})
    assert list(kept.index) == ["p"] and table["forced"].tolist() == [True, True, False, False]
    _, plain = screen_units(data, 0.5)
    assert list(plain.columns) == ["unit", "coverage", "kept"]  # default table unchanged
    with pytest.raises(ValueError, match="force names unit"):
        screen_units(data, None, force={"zz": True})


def test_build_index_dat_thresh_as_coinr() -> None:
    # COINr Aggregate(dat_thresh = 0.6) inside the whole pipeline: u1 has 1 of P's 2 children
    # (a, b) -> P is NA; Q (c, d) and the top, which has P missing and Q present (1 of 2), too.
    from pathlib import Path

    from award_eval.composite import Framework, build_index

    fix = Path(__file__).resolve().parent / "fixtures" / "composite"
    fw = Framework.from_imeta(fix / "tiny_imeta.csv")
    data = pd.read_csv(fix / "tiny_data.csv", dtype={"code": str}).set_index("code")
    data.loc["u1", "a"] = NAN
    plain = build_index(data, fw)
    assert plain.aggregated.loc["u1", "P"] == pytest.approx(0.0)  # scored on b alone
    gated = build_index(data, fw, dat_thresh=0.6)
    assert math.isnan(gated.aggregated.loc["u1", "P"]) and math.isnan(gated.aggregated.loc["u1", "Top"])
    assert gated.aggregated.loc["u1", "Q"] == pytest.approx(plain.aggregated.loc["u1", "Q"])
    assert gated.aggregated.drop(index="u1").equals(plain.aggregated.drop(index="u1"))
    assert gated.record[-1]["choices"]["dat_thresh"] == 0.6
    assert gated.rebuild(dat_thresh=None).aggregated.loc["u1", "Top"] == pytest.approx(plain.aggregated.loc["u1", "Top"])
