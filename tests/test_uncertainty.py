"""Monte Carlo over an index's settings: cases worked out by hand or by an independent route."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from award_eval.composite import Framework, aggregate_tree, build_index
from award_eval import jury
from award_eval.ranking import rank_scores
from award_eval.uncertainty import JurySampling, monte_carlo, rank_interval
from award_eval.uncertainty import montecarlo as mc_mod
from award_eval.uncertainty.model import (
    Tree,
    competition_ranks,
    histogram_quantiles,
    rank_histogram,
)

FIXTURES = Path(__file__).parent / "fixtures" / "composite"


def imeta(rows: list[tuple]) -> Framework:
    """A framework from ``(Level, iCode, Weight, Parent, Type)`` rows."""
    frame = pd.DataFrame(rows, columns=["Level", "iCode", "Weight", "Parent", "Type"])
    frame["iName"] = frame["iCode"]
    frame["Direction"] = 1
    return Framework.from_imeta(frame)


def two_leaf(w1: float, w2: float) -> Framework:
    return imeta([(1, "a", w1, "top", "Indicator"), (1, "b", w2, "top", "Indicator"),
                  (2, "top", 1, None, "Aggregate")])


@pytest.fixture(scope="module")
def tiny():
    data = pd.read_csv(FIXTURES / "tiny_data.csv", dtype={"code": str}).set_index("code")
    return data, Framework.from_imeta(FIXTURES / "tiny_imeta.csv")


@pytest.fixture(scope="module")
def three_level():
    """Three levels, unequal weights, 40 units with a few gaps, values in [1, 100]."""
    fw = imeta([(1, "a", 1, "P", "Indicator"), (1, "b", 2, "P", "Indicator"), (1, "c", 1, "Q", "Indicator"),
                (1, "d", 3, "Q", "Indicator"), (1, "e", 1, "R", "Indicator"),
                (2, "P", 1, "S", "Aggregate"), (2, "Q", 2, "S", "Aggregate"), (2, "R", 1, "top", "Aggregate"),
                (3, "S", 2, "top", "Aggregate"), (4, "top", 1, None, "Aggregate")])
    rng = np.random.default_rng(7)
    x = pd.DataFrame(rng.uniform(1, 100, (40, 5)), columns=list("abcde"),
                     index=pd.Index([f"u{i:02d}" for i in range(40)], name="unit"))
    x.iloc[3, 1] = np.nan
    x.iloc[5, [2, 3]] = np.nan  # Q missing entirely for u05
    return x, fw


# --- the vectorised model against the composite package -----------------------------------------

@pytest.mark.parametrize("method", ["arithmetic", "geometric", "harmonic", {2: "geometric", 3: "arithmetic", 4: "harmonic"}])
@pytest.mark.parametrize("gaps", [False, True])
def test_tree_scores_equal_aggregate_tree(three_level, method, gaps):
    x, fw = three_level
    if not gaps:
        x = x.fillna(50.0)
    tree = Tree(fw)
    rng = np.random.default_rng(1)
    # relative weights on any scale: each sample's weights within a parent times a factor
    weights = {nd.code: rng.dirichlet(np.ones(len(nd.children)), size=3) * rng.uniform(0.5, 3, (3, 1))
               for nd in tree.nodes}
    got = tree.scores(tree.leaf_values(x), weights, method)
    for s in range(3):
        override = {child: weights[nd.code][s, i] for nd in tree.nodes for i, child in enumerate(nd.children)}
        expected = aggregate_tree(x, fw, method, weights=override)[fw.top].to_numpy()
        np.testing.assert_allclose(got[s], expected, rtol=1e-12)


def test_competition_ranks_follow_rank_scores():
    rng = np.random.default_rng(3)
    scores = np.round(rng.uniform(0, 4, (200, 9)))  # many ties
    scores[0, 2] = 1 + 1e-12  # equal to 9 decimals: a tie, as rank_scores says
    scores[0, 3] = 1.0
    ranks = competition_ranks(scores)
    for row, got in zip(scores, ranks):
        np.testing.assert_array_equal(got, rank_scores(pd.Series(row)).to_numpy(dtype=int))
    assert competition_ranks(np.array([[3.0, np.nan, 5.0, np.nan]])).tolist() == [[2, 3, 1, 3]]


def test_histogram_quantiles_are_numpys():
    rng = np.random.default_rng(4)
    for n in (1, 2, 5, 39, 400):
        ranks = competition_ranks(np.round(rng.uniform(0, 3, (n, 6))))
        q = histogram_quantiles(rank_histogram(ranks), (0.05, 0.5, 0.95))
        np.testing.assert_array_equal(q, np.quantile(ranks, (0.05, 0.5, 0.95), axis=0))


# --- what it must show ---------------------------------------------------------------------------

@pytest.mark.parametrize("concentration", [1e13, np.inf])
def test_fixed_weights_reproduce_the_nominal_ranks(tiny, concentration):
    data, fw = tiny
    idx = build_index(data, fw)
    res = monte_carlo(idx.normalised, fw, n=500, seed=1, concentration=concentration)
    nominal = idx.ranks.astype(int)
    assert res.summary["nominal"].reindex(nominal.index).tolist() == nominal.tolist()
    assert (res.ranks == nominal.reindex(res.ranks.columns).to_numpy()).all().all()


def test_huge_concentration_on_a_three_level_tree(three_level):
    x, fw = three_level
    res = monte_carlo(x, fw, n=300, seed=2, concentration=1e14, aggregations=("geometric",))
    expected = rank_scores(aggregate_tree(x, fw, "geometric")[fw.top]).astype(int)
    assert (res.ranks == expected.to_numpy()).all().all()


@pytest.mark.parametrize("method", ["arithmetic", "geometric", "harmonic"])
def test_one_method_and_nothing_else_uncertain_gives_the_nominal_ranks(tiny, method):
    data, fw = tiny
    idx = build_index(data, fw, normalise_range=(1, 100), aggregate=method)
    res = monte_carlo(idx.normalised, fw, n=200, seed=3, weights=None, aggregations=[method])
    assert (res.ranks == idx.ranks.astype(int).to_numpy()).all().all()
    assert (res.summary[["median", "q05", "q95"]].to_numpy() == res.summary[["nominal"]].to_numpy()).all()


def test_summary_invariants_and_reproducibility(three_level):
    x, fw = three_level
    kwargs = dict(n=3000, concentration=20.0, aggregations=("arithmetic", "geometric"))
    a = monte_carlo(x, fw, seed=11, **kwargs)
    assert list(a.summary.columns) == ["nominal", "median", "q05", "q95", "p_first"]
    assert a.ranks.shape == (3000, 40) and np.issubdtype(a.ranks.to_numpy().dtype, np.integer)
    assert a.summary["p_first"].sum() == pytest.approx(1.0, abs=1e-12)
    assert (a.summary["q05"] <= a.summary["median"]).all() and (a.summary["median"] <= a.summary["q95"]).all()
    assert a.summary["nominal"].is_monotonic_increasing
    np.testing.assert_array_equal(a.summary["median"], np.median(a.ranks[a.summary.index], axis=0))
    b = monte_carlo(x, fw, seed=11, **kwargs)
    pd.testing.assert_frame_equal(a.ranks, b.ranks)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.weights, b.weights)
    pd.testing.assert_frame_equal(a.settings, b.settings)
    c = monte_carlo(x, fw, seed=12, **kwargs)
    assert not a.ranks.equals(c.ranks)


def test_chunking_does_not_change_the_result(three_level, monkeypatch):
    x, fw = three_level
    kwargs = dict(n=1000, seed=5, aggregations=("arithmetic", "harmonic"))
    whole = monte_carlo(x, fw, **kwargs)
    monkeypatch.setattr(mc_mod, "chunk_size", lambda units, leaves=1: 7)
    pieces = monte_carlo(x, fw, **kwargs)
    pd.testing.assert_frame_equal(whole.ranks, pieces.ranks)
    pd.testing.assert_frame_equal(whole.summary, pieces.summary)


# --- distributions worked out by hand ------------------------------------------------------------

@pytest.mark.parametrize("w0,c", [(0.25, 20.0), (0.5, 8.0), (0.6, 150.0)])
def test_p_first_is_the_beta_probability(w0, c):
    """Two units that swap exactly when w_a passes 0.3: A = (70, 0) beats B = (0, 30) iff
    70 w_a > 30 (1 − w_a). With two children the Dirichlet is a Beta(c·w0, c·(1 − w0))."""
    fw = two_leaf(w0, 1 - w0)
    x = pd.DataFrame({"a": [70.0, 0.0], "b": [0.0, 30.0]}, index=["A", "B"])
    n = 20_000
    res = monte_carlo(x, fw, n=n, seed=8, concentration=c)
    expected = stats.beta.sf(0.3, c * w0, c * (1 - w0))
    se = np.sqrt(expected * (1 - expected) / n)
    assert res.summary.loc["A", "p_first"] == pytest.approx(expected, abs=4 * se + 1e-9)
    assert res.summary["p_first"].sum() == pytest.approx(1.0)
    # the sampled weights are the Beta too: mean w0, variance w0(1 − w0)/(c + 1)
    wa = res.weights["a"]
    assert wa.mean() == pytest.approx(w0, abs=4 * np.sqrt(w0 * (1 - w0) / (c + 1) / n))
    assert wa.var() == pytest.approx(w0 * (1 - w0) / (c + 1), rel=0.05)
    assert stats.kstest(wa, stats.beta(c * w0, c * (1 - w0)).cdf).pvalue > 1e-3


def test_nested_dirichlet_gives_the_product_of_betas():
    """A beats B only through leaf a inside pillar P: A = (100, 0, 0), B = (0, 0, 50) with
    top = (P, c), P = (a, b); A wins iff w_P · w_a · 100 > w_c · 50, so P(first) is an integral
    over two independent Betas (computed here on a fine grid)."""
    fw = imeta([(1, "a", 1, "P", "Indicator"), (1, "b", 1, "P", "Indicator"), (1, "c", 1, "top", "Indicator"),
                (2, "P", 1, "top", "Aggregate"), (3, "top", 1, None, "Aggregate")])
    x = pd.DataFrame({"a": [100.0, 0.0], "b": [0.0, 0.0], "c": [0.0, 50.0]}, index=["A", "B"])
    c, n = 10.0, 20_000
    res = monte_carlo(x, fw, n=n, seed=9, concentration=c)
    # top: w_P ~ Beta(5, 5); P: w_a ~ Beta(5, 5); A wins iff w_a > 0.5 (1 − w_P) / w_P
    grid = np.linspace(1e-6, 1 - 1e-6, 20_001)
    dens = stats.beta.pdf(grid, 5, 5)
    inner = stats.beta.sf(np.clip(0.5 * (1 - grid) / grid, 0, 1), 5, 5)
    expected = np.trapezoid(dens * inner, grid)
    assert res.summary.loc["A", "p_first"] == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / n))


def test_uniform_weights_stay_within_the_spread():
    fw = imeta([(1, "a", 1, "top", "Indicator"), (1, "b", 3, "top", "Indicator"), (2, "top", 1, None, "Aggregate")])
    x = pd.DataFrame({"a": [10.0, 20.0], "b": [30.0, 5.0]}, index=["A", "B"])
    res = monte_carlo(x, fw, n=4000, seed=10, weights="uniform", spread=0.2)
    ratio = res.weights["a"] / res.weights["b"]
    assert ratio.min() >= (1 / 3) * 0.8 / 1.2 - 1e-12 and ratio.max() <= (1 / 3) * 1.2 / 0.8 + 1e-12
    assert ratio.min() < (1 / 3) * 0.85 / 1.15 and ratio.max() > (1 / 3) * 1.15 / 0.85
    np.testing.assert_allclose(res.weights.sum(axis=1), 1.0)


def test_tie_for_first_is_split_equally():
    fw = two_leaf(1, 1)
    x = pd.DataFrame({"a": [50.0, 50.0, 10.0], "b": [20.0, 20.0, 5.0]}, index=["A", "A2", "C"])
    res = monte_carlo(x, fw, n=500, seed=1)
    assert res.summary.loc["A", "p_first"] == 0.5 and res.summary.loc["A2", "p_first"] == 0.5
    assert res.summary["p_first"].sum() == 1.0
    assert (res.ranks[["A", "A2"]] == 1).all().all() and (res.ranks["C"] == 3).all()


def test_aggregation_drawn_from_the_list(tiny):
    data, fw = tiny
    idx = {m: build_index(data, fw, normalise_range=(1, 100), aggregate=m) for m in ("arithmetic", "geometric")}
    res = monte_carlo(idx["arithmetic"].normalised, fw, n=2000, seed=4, weights=None,
                      aggregations=("arithmetic", "geometric"))
    share = (res.settings["aggregation"] == "geometric").mean()
    assert share == pytest.approx(0.5, abs=0.05)
    for method, index in idx.items():
        rows = res.ranks[res.settings["aggregation"] == method]
        assert (rows == index.ranks.astype(int).to_numpy()).all().all()


@pytest.mark.parametrize("method", ["minmax", "zscore", "rank"])
def test_normalisation_from_raw_equals_build_index(tiny, method):
    data, fw = tiny
    given = build_index(data, fw, normalise="minmax")
    expected = build_index(data, fw, normalise=method)
    res = monte_carlo(given.normalised, fw, n=50, seed=2, weights=None, normalisations=[method], raw=data)
    assert (res.ranks == expected.ranks.astype(int).to_numpy()).all().all()
    assert set(res.settings["normalisation"]) == {method}


def test_normalisation_without_raw_renormalises_the_matrix(three_level):
    x, fw = three_level
    res = monte_carlo(x, fw, n=50, seed=2, weights=None, normalisations=["zscore"])
    z = (x - x.mean()) / x.std(ddof=1)
    expected = rank_scores(aggregate_tree(z, fw)[fw.top]).astype(int)
    assert (res.ranks == expected.to_numpy()).all().all()


# --- jurors --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def jury_case():
    """Two nominees, one jury criterion and one indicator, four jurors on a 1–5 scale."""
    fw = two_leaf(1, 1)
    rows = [("J1", "A", 5), ("J1", "B", 1), ("J2", "A", 4), ("J2", "B", 2), ("J3", "A", 1), ("J3", "B", 5),
            ("J4", "A", 2), ("J4", "B", 4)]
    scores = pd.DataFrame(rows, columns=["juror", "nominee", "score"]).assign(criterion="a")
    agg = jury.criterion_scores(scores).set_index("nominee")["score"]
    x = pd.DataFrame({"a": (agg - 1) / 4 * 100, "b": [50.0, 45.0]}, index=pd.Index(["A", "B"], name="code"))
    return x, fw, scores


def _ranks_from_scores(scores, x, fw):
    agg = jury.criterion_scores(scores).set_index("nominee")["score"]
    y = x.assign(a=((agg - 1) / 4 * 100).reindex(x.index))
    return rank_scores(aggregate_tree(y, fw)[fw.top]).astype(int).to_numpy()


def test_leave_one_juror_out(jury_case):
    x, fw, scores = jury_case
    res = monte_carlo(x, fw, n=400, seed=6, weights=None, jury=JurySampling(scores, (1, 5), "leave_one_out"))
    assert set(res.settings["jurors"]) == {"without J1", "without J2", "without J3", "without J4"}
    for juror in ("J1", "J2", "J3", "J4"):
        rows = res.ranks[res.settings["jurors"] == f"without {juror}"]
        assert (rows == _ranks_from_scores(scores[scores["juror"] != juror], x, fw)).all().all()
    # without J1 or J2 (A's supporters) B wins: P(first B) is the share of those samples
    b_first = res.settings["jurors"].isin(["without J1", "without J2"]).mean()
    assert res.summary.loc["B", "p_first"] == pytest.approx(b_first)


def test_bootstrap_jurors_equals_criterion_scores_on_the_drawn_panel(jury_case):
    x, fw, scores = jury_case
    res = monte_carlo(x, fw, n=300, seed=7, weights=None, jury={"scores": scores, "scale": (1, 5),
                                                                "resample": "bootstrap"})
    counts = res.juror_counts
    assert (counts.sum(axis=1) == 4).all()
    for s in range(0, 300, 37):
        panel = pd.concat([scores[scores["juror"] == j].assign(juror=f"{j}#{k}")
                           for j, c in counts.loc[s].items() for k in range(c)])
        assert (res.ranks.loc[s].to_numpy() == _ranks_from_scores(panel, x, fw)).all()


def test_bootstrap_needs_the_mean(jury_case):
    _, _, scores = jury_case
    with pytest.raises(ValueError, match="bootstrap over jurors supports method='mean'"):
        JurySampling(scores, (1, 5), "bootstrap", "median")


# --- errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["geometric", "harmonic"])
def test_a_zero_gives_zero_as_aggregate_tree_does(tiny, method):
    data, fw = tiny
    idx = build_index(data, fw)  # minmax 0–100: zeros, which make a geometric or harmonic mean 0
    res = monte_carlo(idx.normalised, fw, n=10, weights=None, aggregations=(method,))
    expected = aggregate_tree(idx.normalised, fw, method)[fw.top]
    np.testing.assert_allclose(res.nominal_scores.reindex(expected.index), expected)
    tree = Tree(fw)
    per_node = tree.scores(tree.leaf_values(idx.normalised), tree.nominal_weights(), {2: method, 3: method})
    np.testing.assert_allclose(per_node[0], expected.to_numpy())


def test_geometric_on_negatives_says_what_to_do(tiny):
    data, fw = tiny
    idx = build_index(data, fw, normalise="zscore")
    with pytest.raises(ValueError, match=r"geometric mean needs values ≥ 0.*scoring_pipeline"):
        monte_carlo(idx.normalised, fw, n=10, aggregations=("arithmetic", "geometric"))


@pytest.mark.parametrize("kwargs,message", [
    ({"aggregations": ("topsis",)}, "'topsis' is not one of arithmetic, geometric, harmonic"),
    ({"weights": "random"}, "weights 'random' is not one of dirichlet, uniform"),
    ({"concentration": 0}, "concentration must be > 0"),
    ({"weights": "uniform", "spread": 1.5}, "spread must be in"),
    ({"n": 0}, "n must be at least 1"),
    ({"normalisations": ["nope"]}, "normalisation 'nope' is not one of"),
])
def test_bad_arguments(tiny, kwargs, message):
    data, fw = tiny
    idx = build_index(data, fw)
    with pytest.raises(ValueError, match=message):
        monte_carlo(idx.normalised, fw, **kwargs)


def test_missing_column_is_named(tiny):
    data, fw = tiny
    idx = build_index(data, fw)
    with pytest.raises(ValueError, match="no column for 'c'"):
        monte_carlo(idx.normalised.drop(columns="c"), fw, n=10)


def test_rank_interval(three_level):
    x, fw = three_level
    res = monte_carlo(x, fw, n=500, seed=1)
    first = res.summary.index[0]
    got = rank_interval(res, first)
    assert got == {"unit": first, "nominal": 1, "median": float(res.summary.loc[first, "median"]),
                   "q05": float(res.summary.loc[first, "q05"]), "q95": float(res.summary.loc[first, "q95"]),
                   "p_first": float(res.summary.loc[first, "p_first"]), "n": 500}
    with pytest.raises(KeyError, match="not a unit"):
        rank_interval(res, "nope")
