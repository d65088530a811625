"""SMAA from the Monte Carlo samples: hand cases, a closed form, and the invariants."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from award_eval.composite import Framework
from award_eval.uncertainty import monte_carlo
from award_eval.uncertainty.smaa import central_weights, pairwise_winning, rank_acceptability, smaa


def imeta(rows: list[tuple]) -> Framework:
    frame = pd.DataFrame(rows, columns=["Level", "iCode", "Weight", "Parent", "Type"])
    frame["iName"] = frame["iCode"]
    frame["Direction"] = 1
    return Framework.from_imeta(frame)


def ranks(rows: list[list[int]], units=("A", "B", "C")) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=pd.Index(list(units), name="unit"))


def test_acceptability_by_hand_with_a_tie():
    # sample 1: A and B tie for first (competition ranks 1, 1, 3); sample 2: A, B, C
    acc = rank_acceptability(ranks([[1, 1, 3], [1, 2, 3]]))
    expected = [[0.75, 0.25, 0.0], [0.25, 0.75, 0.0], [0.0, 0.0, 1.0]]
    np.testing.assert_allclose(acc.to_numpy(), expected)


def test_pairwise_by_hand_with_a_tie():
    pw = pairwise_winning(ranks([[1, 1, 3], [2, 1, 3]]))
    assert pw.loc["A", "B"] == pytest.approx(0.25)  # a tie (half) and a loss
    assert pw.loc["B", "A"] == pytest.approx(0.75)
    assert pw.loc["A", "C"] == 1.0 and pw.loc["C", "A"] == 0.0


def test_central_weights_by_hand():
    r = ranks([[1, 2, 3], [2, 1, 3], [1, 1, 3]])
    w = pd.DataFrame({"x": [0.8, 0.2, 0.5], "y": [0.2, 0.8, 0.5]})
    cw = central_weights(r, w)
    # A wins sample 1 wholly and half of sample 3: (0.8 * 1 + 0.5 * 0.5) / 1.5
    assert cw.loc["A", "x"] == pytest.approx((0.8 + 0.25) / 1.5)
    assert cw.loc["A", "share_first"] == pytest.approx(1.5 / 3)
    assert cw.loc["C"].drop("share_first").isna().all() and cw.loc["C", "share_first"] == 0


def two_units(concentration: float, w0: float, n: int, seed: int = 5):
    """A = (100, 0), B = (0, 100), and a dominated C = (0, 0), weights ~ Dirichlet(c·(w0, 1−w0))."""
    fw = imeta([(1, "a", w0, "top", "Indicator"), (1, "b", 1 - w0, "top", "Indicator"),
                (2, "top", 1, None, "Aggregate")])
    x = pd.DataFrame({"a": [100.0, 0.0, 0.0], "b": [0.0, 100.0, 0.0]},
                     index=pd.Index(["A", "B", "C"], name="unit"))
    return monte_carlo(x, fw, n=n, seed=seed, concentration=concentration)


def test_central_weight_is_the_truncated_beta_mean():
    """A wins exactly when its weight w_a > 1/2; w_a ~ Beta(c·w0, c·(1−w0)). The central weight of
    A is then E[w_a | w_a > 1/2] = α/(α+β) · (1 − I½(α+1, β)) / (1 − I½(α, β)) (the mean of a
    truncated Beta distribution)."""
    c, w0, n = 8.0, 0.6, 40_000
    res = smaa(two_units(c, w0, n))
    a, b = c * w0, c * (1 - w0)
    p_a = 1 - stats.beta.cdf(0.5, a, b)
    mean_a = a / (a + b) * (1 - stats.beta.cdf(0.5, a + 1, b)) / p_a
    se = np.sqrt(p_a * (1 - p_a) / n)
    assert res.acceptability.loc["A", 1] == pytest.approx(p_a, abs=4 * se)
    assert res.central_weights.loc["A", "a"] == pytest.approx(mean_a, abs=0.01)
    assert res.pairwise.loc["A", "B"] == pytest.approx(p_a, abs=4 * se)


@pytest.mark.parametrize("concentration", [2.0, 30.0])
def test_invariants(concentration):
    res = smaa(two_units(concentration, 0.5, 3000, seed=11))
    acc = res.acceptability
    np.testing.assert_allclose(acc.sum(axis=1), 1.0)  # every unit takes some rank in every sample
    np.testing.assert_allclose(acc.sum(axis=0), 1.0)  # every rank is taken in every sample
    pw = res.pairwise.to_numpy()
    np.testing.assert_allclose(pw + pw.T, 1.0)
    # C is dominated (worse than A and B on every criterion): it never wins, never beats them
    assert acc.loc["C", 1] == 0 and res.pairwise.loc["C", ["A", "B"]].eq(0).all()
    assert res.central_weights.loc["C"].drop("share_first").isna().all()


def test_rows_follow_the_monte_carlo_summary_order():
    mc = two_units(30.0, 0.7, 500)
    res = smaa(mc)
    assert list(res.acceptability.index) == list(mc.summary.index)
    assert list(res.pairwise.columns) == list(mc.summary.index)
