"""Rank reversal (Wang & Triantaphyllou 2008): the demo passes; per-juror z-scores can fail."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from award_eval.evaluation import Settings
from award_eval.uncertainty.reversal import TESTS, rank_reversal


def test_the_demo_passes_every_test(framework, demo_data):
    res = rank_reversal(framework, demo_data, Settings())
    assert list(res["test"]) == list(TESTS)
    assert res["passed"].all(), res.to_string()
    assert (res["checked"] > 0).all()


@pytest.fixture
def shuffled_scores(demo_data):
    """The demo's jury scores replaced by random rubric scores (seed 0): a case where standardising
    each juror over the nominees he scored makes the others' order depend on who is nominated."""
    rng = np.random.default_rng(0)
    joint = set(demo_data.joint["code"])  # the eight municipalities' scores only: the case found before the joint nominee
    js = demo_data.jury_scores[~demo_data.jury_scores["nominee"].isin(joint)].copy()
    given = js["score"].notna()
    js.loc[given, "score"] = rng.integers(1, 6, given.sum()).astype(float)
    return dataclasses.replace(demo_data, jury_scores=js, nominees=demo_data.nominees[~demo_data.nominees["code"].isin(joint)],
                               joint=demo_data.joint.iloc[0:0])


def test_per_juror_zscores_can_reverse_ranks(framework, shuffled_scores):
    res = rank_reversal(framework, shuffled_scores, Settings(jury_method="zscore")).set_index("test")
    assert not res.at["removal", "passed"]
    assert res.at["removal", "failures"] >= 1 and res.at["removal", "example"]


def test_a_plain_mean_cannot(framework, shuffled_scores):
    res = rank_reversal(framework, shuffled_scores, Settings(jury_method="mean"))
    assert res["passed"].all(), res.to_string()


@pytest.mark.parametrize("normalisation,jury_method", [("minmax", "mean"), ("zscore", "zscore"), ("rank", "median"),
                                                       ("distance_to_max", "trimmed")])
def test_indicator_scores_computed_once_give_the_same_evaluation(framework, demo_data, normalisation, jury_method):
    """rank_reversal computes the indicator scores once for all nominees and passes them to every
    evaluation of a subset: each result must equal the one that computes them itself."""
    from award_eval.evaluation import evaluate, indicator_scores
    from award_eval.uncertainty.reversal import _subset

    settings = Settings(normalisation=normalisation, jury_method=jury_method)
    codes = list(demo_data.nominees["code"])
    given = indicator_scores(framework, demo_data, settings, units=codes)
    for subset in (codes, codes[1:], codes[:2], codes[2:5]):
        data = _subset(demo_data, subset)
        a, b = evaluate(framework, data, settings), evaluate(framework, data, settings, indicators=given)
        for x, y in ((a.ranking, b.ranking), (a.criterion_scores, b.criterion_scores), (a.scores, b.scores)):
            assert x.equals(y)
        assert set(b.ranking["code"]) == set(subset)
