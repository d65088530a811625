"""Every choice varied at once (weights, normalisation, aggregation, jurors): the vectorised
Monte Carlo against a plain per-sample reference built from the package's one-at-a-time parts
(scoring_pipeline, jury.criterion_scores, composite.aggregate_tree, ranking.rank_scores)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from award_eval import jury
from award_eval.composite import Framework, aggregate_tree
from award_eval.composite.scale import scoring_pipeline
from award_eval.ranking import rank_scores
from award_eval.uncertainty import JurySampling, monte_carlo
from award_eval.uncertainty.model import competition_ranks

NORMALISATIONS = ["minmax", "zscore", "rank"]
AGGREGATIONS = ("arithmetic", "geometric", "harmonic")
SCALE = (1, 5)


@pytest.fixture(scope="module")
def case():
    """9 units, two pillars of indicators (one a cost) and a jury pillar of two criteria scored by
    four jurors (one of them skips a cell); raw holds the units and three more reference rows."""
    rows = [(1, "a", 1, "P", "Indicator", 1), (1, "b", 2, "P", "Indicator", -1), (1, "c", 1, "Q", "Indicator", 1),
            (1, "d", 3, "Q", "Indicator", 1), (1, "j1", 1, "J", "Indicator", 1), (1, "j2", 2, "J", "Indicator", 1),
            (2, "P", 1, "top", "Aggregate", 1), (2, "Q", 2, "top", "Aggregate", 1), (2, "J", 2, "top", "Aggregate", 1),
            (3, "top", 1, None, "Aggregate", 1)]
    meta = pd.DataFrame(rows, columns=["Level", "iCode", "Weight", "Parent", "Type", "Direction"])
    fw = Framework.from_imeta(meta.assign(iName=meta["iCode"]))
    rng = np.random.default_rng(11)
    units = pd.Index([f"u{i}" for i in range(9)], name="code")
    raw = pd.DataFrame(rng.uniform(5, 80, (12, 4)).round(1), columns=list("abcd"),
                       index=pd.Index([*units, "r1", "r2", "r3"], name="code"))
    scores = pd.DataFrame([(f"J{j}", u, c, float(rng.integers(1, 6))) for j in range(4) for u in units
                           for c in ("j1", "j2")], columns=["juror", "nominee", "criterion", "score"])
    scores = scores.drop(index=5).reset_index(drop=True)  # J0 did not score one cell
    base = scoring_pipeline("minmax", fw.directions.reindex(list("abcd")).to_dict()).fit(raw).transform(raw.loc[units])
    x = base.join(jury_percent(scores, units))
    return x, fw, raw, scores


def jury_percent(scores: pd.DataFrame, units: pd.Index) -> pd.DataFrame:
    agg = jury.criterion_scores(scores, "mean")
    wide = agg.pivot(index="nominee", columns="criterion", values="score").reindex(index=units, columns=["j1", "j2"])
    return (wide - SCALE[0]) / (SCALE[1] - SCALE[0]) * 100.0


def reference(x, fw, raw, scores, res, s: int, counts=None) -> pd.Series:
    """Sample ``s`` of ``res`` recomputed on its own: its matrix, then the tree, one unit at a time."""
    setting = res.settings.loc[s]
    y = x.copy()
    if setting["normalisation"] != "as given":
        pipe = scoring_pipeline(setting["normalisation"], fw.directions.reindex(list("abcd")).to_dict())
        y[list("abcd")] = pipe.fit(raw).transform(raw.loc[x.index])
    if setting["jurors"].startswith("without "):
        y[["j1", "j2"]] = jury_percent(scores[scores["juror"] != setting["jurors"][len("without "):]], x.index)
    elif counts is not None:  # the drawn panel, a juror drawn twice counted twice
        panel = pd.concat([scores[scores["juror"] == j].assign(juror=f"{j}#{k}")
                           for j, c in counts.loc[s].items() for k in range(c)])
        y[["j1", "j2"]] = jury_percent(panel, x.index)
    weights = {code: float(res.weights.loc[s, code]) for code in res.weights.columns}
    return aggregate_tree(y, fw, setting["aggregation"], weights=weights)[fw.top]


@pytest.mark.parametrize("resample", ["leave_one_out", "bootstrap"])
def test_every_choice_equals_the_per_sample_reference(case, resample):
    x, fw, raw, scores = case
    res = monte_carlo(x, fw, n=90, seed=4, weights="dirichlet", concentration=20.0, aggregations=AGGREGATIONS,
                      normalisations=NORMALISATIONS, raw=raw, jury=JurySampling(scores, SCALE, resample))
    # every setting occurs, so every path of the vectorised code is compared
    assert set(res.settings["aggregation"]) == set(AGGREGATIONS)
    assert set(res.settings["normalisation"]) == set(NORMALISATIONS)
    if resample == "leave_one_out":
        assert res.settings["jurors"].nunique() == 4
    winner = res.summary.index[0]
    expected_ranks = np.empty(res.ranks.shape, dtype=int)
    for s in range(res.n):
        top = reference(x, fw, raw, scores, res, s, res.juror_counts)
        expected_ranks[s] = rank_scores(top).astype(int).to_numpy()
        assert res.winner_scores[s] == pytest.approx(top[winner], rel=1e-12, abs=1e-12)
    np.testing.assert_array_equal(res.ranks.to_numpy(), expected_ranks)
    # the summary is read from those ranks
    ranks = res.ranks.to_numpy()
    np.testing.assert_array_equal(res.summary.loc[res.ranks.columns, "median"], np.median(ranks, axis=0))


def test_zeros_and_ties_under_the_geometric_mean(case):
    """minmax and rank put a 0 on some units: their geometric and harmonic means are 0, tied."""
    x, fw, raw, scores = case
    raw = raw.loc[x.index]  # the units are the reference: each column's worst unit gets 0
    res = monte_carlo(x, fw, n=40, seed=1, aggregations=("geometric", "harmonic"), normalisations=["minmax"],
                      raw=raw, jury=JurySampling(scores, SCALE))
    zero = raw[["a", "c", "d"]].eq(raw[["a", "c", "d"]].min()).any(axis=1) | raw["b"].eq(raw["b"].max())
    assert zero.sum() >= 2
    worst = len(x) - zero.sum() + 1
    assert (res.ranks.loc[:, zero[zero].index] == worst).all().all()


def test_same_seed_same_bytes(case):
    x, fw, raw, scores = case
    kwargs = dict(n=500, weights="dirichlet", concentration=20.0, aggregations=AGGREGATIONS,
                  normalisations=NORMALISATIONS, raw=raw, jury=JurySampling(scores, SCALE, "leave_one_out"))
    a, b, c = monte_carlo(x, fw, seed=9, **kwargs), monte_carlo(x, fw, seed=9, **kwargs), monte_carlo(x, fw, seed=10, **kwargs)
    assert a.ranks.to_numpy().tobytes() == b.ranks.to_numpy().tobytes()
    assert a.weights.to_numpy().tobytes() == b.weights.to_numpy().tobytes()
    assert a.summary.to_csv() == b.summary.to_csv() and a.settings.equals(b.settings)
    assert a.winner_scores.to_numpy().tobytes() == b.winner_scores.to_numpy().tobytes()
    assert a.ranks.to_numpy().tobytes() != c.ranks.to_numpy().tobytes()


def test_competition_ranks_near_the_tie_precision():
    """Pairs just inside and just outside 10^-9 apart, pairs 10^-14 either side of a rounding
    boundary (closer than the sort key sees), negatives, runs of ties, NaN: as rank_scores ranks them."""
    rng = np.random.default_rng(2)
    rows = []
    offsets = [0.0, 3e-10, 9e-10, 1.6e-9, 2.5e-9, 1e-6, 5e-10 - 1e-14, 5e-10 + 1e-14, 5e-10]
    for _ in range(600):
        row = rng.choice([10.0, 20.0, 30.0, -40.0], 12) + rng.choice(offsets, 12)
        row[rng.random(12) < 0.1] = np.nan
        rows.append(row)
    scores = np.array(rows)
    got = competition_ranks(scores)
    for row, ranks in zip(scores, got):
        expected = rank_scores(pd.Series(row)).to_numpy(dtype=float)
        expected[np.isnan(row)] = np.count_nonzero(~np.isnan(row)) + 1  # unscored: after every scored unit
        np.testing.assert_array_equal(ranks, expected)
