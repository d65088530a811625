"""Normalisation, aggregation, ranking and the Evaluation, against hand-computed numbers."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from award_eval.composite import Normaliser, aggregate_tree, normalise, weighted_mean
from award_eval.evaluation import Settings, evaluate
from award_eval.ranking import rank_scores

X = pd.DataFrame({"up": [2.0, 4.0, 6.0, np.nan], "down": [10.0, 20.0, 40.0, 30.0]},
                 index=["a", "b", "c", "d"])
DIRS = {"up": 1, "down": -1}


def test_minmax_applies_direction_before_scaling():
    out = normalise(X, "minmax", DIRS, (0, 100))
    assert out["up"].tolist()[:3] == [0.0, 50.0, 100.0] and np.isnan(out.loc["d", "up"])
    # down: −10, −20, −40, −30 → min −40, max −10 → (x+40)/30*100
    assert out["down"].tolist() == pytest.approx([100.0, 200 / 3, 0.0, 100 / 3])


def test_minmax_custom_range():
    out = normalise(X, "minmax", DIRS, (1, 100))
    assert out["up"].tolist()[:3] == [1.0, 50.5, 100.0]


def test_zscore_uses_sample_sd():
    out = normalise(X, "zscore", DIRS)
    # up: mean 4, sd 2 → −1, 0, 1
    assert out["up"].tolist()[:3] == pytest.approx([-1.0, 0.0, 1.0])


def test_rank_with_ties_average():
    data = pd.DataFrame({"v": [5.0, 1.0, 5.0, 3.0]})
    assert normalise(data, "rank").iloc[:, 0].tolist() == [3.5, 1.0, 3.5, 2.0]


def test_fit_on_reference_transform_nominees():
    norm = Normaliser("minmax", DIRS).fit(X)
    nominees = pd.DataFrame({"up": [3.0], "down": [25.0]}, index=["n"])
    out = norm.transform(nominees)
    assert out.loc["n", "up"] == pytest.approx(25.0)  # (3−2)/(6−2)
    assert out.loc["n", "down"] == pytest.approx(50.0)  # (−25+40)/30


def test_constant_indicator_gives_midpoint():
    out = normalise(pd.DataFrame({"c": [3.0, 3.0]}), "minmax")
    assert out["c"].tolist() == [50.0, 50.0]


def test_weighted_means_skip_missing_and_renormalise():
    values = pd.DataFrame({"x": [10.0, 10.0], "y": [40.0, np.nan]})
    w = pd.Series({"x": 1.0, "y": 3.0})
    assert weighted_mean(values, w).tolist() == pytest.approx([(10 + 120) / 4, 10.0])
    geo = weighted_mean(values, w, "geometric")
    assert geo.tolist() == pytest.approx([(10 * 40 ** 3) ** 0.25, 10.0])


def test_geometric_of_a_zero_is_zero_and_negatives_are_refused():
    assert weighted_mean(pd.DataFrame({"x": [0.0], "y": [50.0]}), pd.Series({"x": 1.0, "y": 1.0}),
                         "geometric").tolist() == [0.0]
    with pytest.raises(ValueError, match="values ≥ 0"):
        weighted_mean(pd.DataFrame({"x": [-1.0]}), pd.Series({"x": 1.0}), "geometric")


def test_aggregate_tree_two_levels():
    meta = pd.DataFrame({
        "iCode": ["i1", "i2", "i3", "p1", "p2", "index"],
        "Parent": ["p1", "p1", "p2", "index", "index", None],
        "Weight": [1.0, 1.0, 1.0, 1.0, 2.0, 1.0],
        "Type": ["Indicator"] * 3 + ["Aggregate"] * 3,
        "Level": [1, 1, 1, 2, 2, 3],
    })
    leaves = pd.DataFrame({"i1": [0.0], "i2": [100.0], "i3": [20.0]})
    out = aggregate_tree(leaves, meta)
    assert out.loc[0, "p1"] == 50.0 and out.loc[0, "p2"] == 20.0
    assert out.loc[0, "index"] == pytest.approx((50 + 40) / 3)


def test_competition_ranks():
    scores = pd.Series([90.0, 80.0, 80.0, 70.0, 80.0 + 1e-12])
    assert rank_scores(scores).tolist() == [1, 2, 2, 5, 2]


def test_evaluate_demo(framework, demo_data):
    result = evaluate(framework, demo_data)
    r = result.ranking
    assert list(r.columns[:4]) == ["rank", "code", "name", "score"]
    assert list(r.columns[4:]) == [p.id for p in framework.pillars]
    assert r["rank"].min() == 1 and len(r) == 9 and set(r["code"]) == set(demo_data.nominees["code"])
    assert r["score"].is_monotonic_decreasing
    # the index is the equally weighted mean of the pillars (all pillar weights are 1)
    assert np.allclose(r["score"], r[[p.id for p in framework.pillars]].mean(axis=1))


def test_evaluate_is_deterministic(framework, demo_data):
    a, b = evaluate(framework, demo_data), evaluate(framework, demo_data)
    pd.testing.assert_frame_equal(a.ranking, b.ranking)


def test_recusal_does_not_penalise(framework, demo_data):
    """Timrå's jury score is the mean over the six jurors who scored it, not a seven-way mean with a zero."""
    result = evaluate(framework, demo_data)
    cs = result.criterion_scores
    timra = cs[(cs["code"] == "2262") & (cs["kind"] == "jury")]
    assert (timra["n"] == 6).all()
    raw = demo_data.jury_scores
    expected = raw[(raw["nominee"] == "2262") & (raw["criterion"] == "strategy")]["score"].mean()
    assert timra.set_index("criterion").loc["strategy", "raw"] == pytest.approx(expected)
    # removing the recused juror's (absent) row changes nothing; adding a low score would
    worse = dataclasses.replace(demo_data, jury_scores=pd.concat([raw, pd.DataFrame(
        [{"juror": "Björn Lind", "nominee": "2262", "criterion": c, "score": 1.0, "comment": ""}
         for c in framework.jury_criteria])], ignore_index=True))
    assert evaluate(framework, worse).scores.set_index("code").loc["2262", "index"] < \
        result.scores.set_index("code").loc["2262", "index"]


def test_settings_change_normalisation(framework, demo_data):
    a = evaluate(framework, demo_data, Settings(normalisation="rank"))
    assert a.settings.normalisation == "rank" and a.ranking["rank"].min() == 1
