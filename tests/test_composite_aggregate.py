"""Means, tree aggregation and data-driven weights on hand-computed cases."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from award_eval.composite import (
    Framework,
    aggregate_group,
    aggregate_tree,
    critic_weights,
    derive_weights,
    entropy_weights,
    pca_weights,
    weighted_mean,
)

V = pd.DataFrame({"a": [1.0, np.nan, 2.0], "b": [4.0, 9.0, np.nan]}, index=["u", "v", "w"])
W = pd.Series({"a": 1.0, "b": 3.0})


def test_weighted_means_skip_missing_and_renormalise():
    assert weighted_mean(V, W, "arithmetic").tolist() == pytest.approx([(1 + 12) / 4, 9, 2])
    assert weighted_mean(V, W, "geometric").tolist() == pytest.approx([4 ** 0.75, 9, 2])
    assert weighted_mean(V, W, "harmonic").tolist() == pytest.approx([4 / (1 + 3 / 4), 9, 2])
    allnan = pd.DataFrame({"a": [np.nan], "b": [np.nan]})
    assert np.isnan(weighted_mean(allnan, W).iloc[0])


def test_geometric_and_harmonic_take_zero_as_the_limit_and_refuse_negatives():
    zero = pd.DataFrame({"a": [0.0], "b": [1.0]})
    for method in ("geometric", "harmonic"):
        assert weighted_mean(zero, W, method).tolist() == [0.0]  # the limit as a → 0 (scipy's gmean/hmean)
        with pytest.raises(ValueError, match="values ≥ 0"):
            weighted_mean(-zero - 1, W, method)


TREE = pd.DataFrame({
    "Level": [1, 1, 1, 2, 2, 3], "iCode": ["a", "b", "c", "P", "Q", "T"],
    "Weight": [1, 1, 1, 1, 2, 1], "Parent": ["P", "P", "Q", "T", "T", None],
    "Type": ["Indicator"] * 3 + ["Aggregate"] * 3})


def test_tree_by_hand_and_per_level_methods():
    vals = pd.DataFrame({"a": [10.0, 40.0], "b": [40.0, 10.0], "c": [25.0, 100.0]}, index=["x", "y"])
    out = aggregate_tree(vals, TREE)
    assert out["P"].tolist() == [25.0, 25.0]
    assert out["T"].tolist() == pytest.approx([(25 + 2 * 25) / 3, (25 + 2 * 100) / 3])
    geo = aggregate_tree(vals, TREE, {2: "geometric", 3: "arithmetic"})
    assert geo["P"].tolist() == pytest.approx([20.0, 20.0])  # sqrt(10 * 40)
    assert geo["T"].tolist() == pytest.approx([(20 + 50) / 3, (20 + 200) / 3])
    with pytest.raises(ValueError, match="level 3"):
        aggregate_tree(vals, TREE, {2: "arithmetic"})
    reweighted = aggregate_tree(vals, TREE, weights={"a": 3.0})
    assert reweighted["P"].tolist() == pytest.approx([(30 + 40) / 4, (120 + 10) / 4])


def test_tree_accepts_framework():
    fw = Framework.from_imeta(TREE.assign(iName=TREE["iCode"], Direction=1))
    vals = pd.DataFrame({"a": [10.0], "b": [40.0], "c": [25.0]})
    assert aggregate_tree(vals, fw)["T"].iloc[0] == pytest.approx(25.0)


def test_mcda_aggregators_in_a_group():
    vals = pd.DataFrame({"a": [3.0, 4.0, 0.0], "b": [4.0, 3.0, 0.0]})
    w = pd.Series({"a": 1.0, "b": 1.0})
    # TOPSIS without normalisation: ideal (4, 4), anti-ideal (0, 0), weights 1/2
    d_best, d_worst = math.hypot(0.5, 0), math.hypot(1.5, 2.0)
    # on the one scale, 0–100
    assert aggregate_group(vals, w, "topsis").iloc[0] == pytest.approx(100 * d_worst / (d_best + d_worst))
    assert aggregate_group(vals, w, "vikor").tolist() == pytest.approx([100.0, 100.0, 0.0])  # 100·(1 - Q)
    assert aggregate_group(vals, w, "copeland").tolist() == [75.0, 75.0, 0.0]  # 50 + 50·(1, 1, -2)/2


def test_pca_weights_by_hand():
    # corr(a, b) = 0.8 and c uncorrelated with both: PC1 = (1, 1, 0)/sqrt(2) -> squared (.5, .5, 0)
    data = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [1.0, 3, 2, 4], "c": [1.0, -1, -1, 1]})
    assert pca_weights(data).tolist() == pytest.approx([0.5, 0.5, 0.0], abs=1e-12)


def test_entropy_weights_by_hand():
    data = pd.DataFrame({"x": [1.0, 1.0], "y": [1.0, 3.0], "z": [0.0, 2.0]})
    # E_x = 1 (no contrast), E_y = binary entropy of 1/4 = 0.8112781..., E_z = 0
    d_y, d_z = 1 - 0.8112781244591328, 1.0
    assert entropy_weights(data).tolist() == pytest.approx([0.0, d_y / (d_y + d_z), d_z / (d_y + d_z)])
    with pytest.raises(ValueError, match="≥ 0"):
        entropy_weights(pd.DataFrame({"x": [-1.0, 1.0]}))


def test_critic_weights_by_hand():
    data = pd.DataFrame({"a": [0.0, 1, 2], "b": [0.0, 2, 1], "c": [1.0, 0, 0]})
    # scaled: a (0, .5, 1), b (0, 1, .5), c (1, 0, 0); sd .5, .5, 1/sqrt(3);
    # r_ab = .5, r_ac = r_bc = -sqrt(3)/2
    r = math.sqrt(3) / 2
    c_a = 0.5 * ((1 - 0.5) + (1 + r))
    c_c = (1 / math.sqrt(3)) * 2 * (1 + r)
    total = 2 * c_a + c_c
    assert critic_weights(data).tolist() == pytest.approx([c_a / total, c_a / total, c_c / total])


def test_derive_weights_through_the_tree():
    fw = Framework.from_imeta(TREE.assign(iName=TREE["iCode"], Direction=1))
    vals = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [1.0, 3, 2, 4], "c": [5.0, 1, 2, 3]})
    eq = derive_weights(vals, fw, "equal")
    assert eq[["a", "b", "c", "P", "Q"]].tolist() == pytest.approx([0.5, 0.5, 1.0, 0.5, 0.5])
    pca = derive_weights(vals, fw, "pca")
    assert pca[["a", "b"]].tolist() == pytest.approx([0.5, 0.5])  # two children: always equal loadings
    assert pca["c"] == 1.0  # an only child
