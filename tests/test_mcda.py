"""TOPSIS, VIKOR and Copeland on small cases computed by hand from the papers' definitions."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from award_eval.composite import copeland, outranking_matrix, topsis, vikor

M = pd.DataFrame({"c1": [3.0, 4.0, 0.0], "c2": [4.0, 3.0, 0.0]}, index=["A1", "A2", "A3"])


def test_topsis_vector_normalisation_equal_weights():
    # columns have norm 5: r = A1 (.6, .8), A2 (.8, .6), A3 (0, 0); v = r/2; ideal (.4, .4), anti (0, 0)
    out = topsis(M, [1, 1], [True, True])
    assert list(out.columns) == ["d_best", "d_worst", "closeness"]
    assert out.loc["A1", "d_best"] == pytest.approx(0.1)
    assert out.loc["A1", "d_worst"] == pytest.approx(0.5)
    assert out["closeness"].tolist() == pytest.approx([0.5 / 0.6, 0.5 / 0.6, 0.0])


def test_topsis_unequal_weights():
    # w = (.75, .25): v A1 (.45, .2), A2 (.6, .15); ideal (.6, .2)
    out = topsis(M, {"c1": 3, "c2": 1}, True)["closeness"]
    a1 = math.sqrt(0.45 ** 2 + 0.2 ** 2) / (0.15 + math.sqrt(0.45 ** 2 + 0.2 ** 2))
    a2 = math.sqrt(0.6 ** 2 + 0.15 ** 2) / (0.05 + math.sqrt(0.6 ** 2 + 0.15 ** 2))
    assert out.tolist() == pytest.approx([a1, a2, 0.0])


def test_topsis_cost_criterion():
    # c2 a cost: ideal (.4, 0), anti (0, .4)
    out = topsis(M, [1, 1], [True, False])["closeness"]
    s17 = math.sqrt(0.17)
    assert out.tolist() == pytest.approx([0.3 / (s17 + 0.3), s17 / (0.3 + s17), 0.5])


def test_topsis_missing_value_renormalises_weights():
    m = pd.DataFrame({"c1": [1.0, 0.0, 0.5], "c2": [np.nan, 1.0, 0.0]}, index=["a", "b", "c"])
    out = topsis(m, [1, 1], True, normalisation=None)
    # ideals over present values: (1, 1); anti-ideals (0, 0)
    # a has only c1 (weight renormalised to 1) and is at its ideal: D+ = 0, D- = 1
    assert out.loc["a", "closeness"] == pytest.approx(1.0)
    # b = (0, 1), weights 1/2: D+ = D- = .5
    assert out.loc["b", "closeness"] == pytest.approx(0.5)
    # c = (.5, 0): D+ = sqrt(.25^2 + .5^2), D- = .25
    d_best = math.sqrt(0.25 ** 2 + 0.5 ** 2)
    assert out.loc["c", "closeness"] == pytest.approx(0.25 / (0.25 + d_best))


def test_vikor_by_hand():
    m = pd.DataFrame({"c1": [3.0, 4.0, 0.0, 2.0], "c2": [4.0, 3.0, 0.0, 2.0]}, index=["A1", "A2", "A3", "A4"])
    out = vikor(m, [1, 1], True)
    assert list(out.columns) == ["S", "R", "Q"]
    assert out["S"].tolist() == pytest.approx([0.125, 0.125, 1.0, 0.5])
    assert out["R"].tolist() == pytest.approx([0.125, 0.125, 0.5, 0.25])
    q4 = 0.5 * (0.5 - 0.125) / (1 - 0.125) + 0.5 * (0.25 - 0.125) / (0.5 - 0.125)
    assert out["Q"].tolist() == pytest.approx([0, 0, 1, q4])
    assert vikor(m, [1, 1], True, v=1.0)["Q"].iloc[3] == pytest.approx(0.375 / 0.875)


def test_vikor_cost_criterion():
    m = pd.DataFrame({"c1": [3.0, 4.0, 0.0, 2.0], "c2": [4.0, 3.0, 0.0, 2.0]}, index=["A1", "A2", "A3", "A4"])
    out = vikor(m, [1, 1], [True, False])
    # d1 = (4 - f)/4 ; d2 = f/4 ; S = (d1 + d2)/2 ; R = max/2
    assert out["S"].tolist() == pytest.approx([0.625, 0.375, 0.5, 0.5])
    assert out["R"].tolist() == pytest.approx([0.5, 0.375, 0.5, 0.25])
    assert out["Q"].tolist() == pytest.approx([1.0, 0.25, 0.75, 0.25])


def test_copeland_cycle_and_weights():
    m = pd.DataFrame({"c1": [3.0, 1.0, 2.0], "c2": [1.0, 2.0, 3.0], "c3": [2.0, 3.0, 1.0]}, index=list("ABC"))
    # equal weights: a Condorcet cycle (B > A, C > B, A > C): one win and one loss each
    assert copeland(m).tolist() == [0, 0, 0]
    # weights (2, 1, 1): A ties B (1/2), A beats C (3/4), C beats B (3/4)
    e = outranking_matrix(m, [2, 1, 1])
    assert e.loc["A", "B"] == pytest.approx(0.5) and e.loc["A", "C"] == pytest.approx(0.75)
    assert e.loc["C", "B"] == pytest.approx(0.75) and e.loc["B", "C"] == pytest.approx(0.25)
    assert copeland(m, [2, 1, 1]).tolist() == [1, -1, 0]


def test_outranking_ties_and_missing():
    m = pd.DataFrame({"c1": [1.0, 1.0], "c2": [1.0, 0.0]}, index=["a", "b"])
    e = outranking_matrix(m)
    assert e.loc["a", "b"] == pytest.approx(0.75) and e.loc["b", "a"] == pytest.approx(0.25)
    gap = pd.DataFrame({"c1": [1.0, 0.0], "c2": [np.nan, 5.0]}, index=["a", "b"])
    assert outranking_matrix(gap).loc["a", "b"] == 1.0  # only c1 is shared
    assert copeland(gap).tolist() == [1, -1]


def test_input_checks():
    with pytest.raises(ValueError, match="weights"):
        topsis(M, [1, 2, 3])
    with pytest.raises(ValueError, match="no weight"):
        vikor(M, {"c1": 1})
    with pytest.raises(ValueError, match="v must"):
        vikor(M, v=2)
