"""One scale (issue #12): every criterion score, aggregate and index on 0–100 under every setting an
evaluation accepts, and one scoring recipe shared by evaluate, population_scores, the composite
pipeline and the Monte Carlo analysis."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from award_eval import evaluation as ev
from award_eval.composite import OntoScale, build_index, normalise, scoring_pipeline, weighted_mean
from award_eval.errors import SettingsError
from award_eval.evaluation import Settings, evaluate, population_scores
from award_eval.screening import indicator_framework, screening_data

COMBINATIONS = list(itertools.product(ev.NORMALISATIONS, (None, *ev.AGGREGATIONS), ev.JURY_METHODS))


def _within(frame: pd.DataFrame | pd.Series, what: str) -> None:
    values = np.asarray(frame, dtype=float)
    values = values[~np.isnan(values)]
    assert values.size, f"{what}: no values"
    assert values.min() >= 0.0 and values.max() <= 100.0, f"{what}: {values.min()} … {values.max()}"


@pytest.mark.parametrize("normalisation,aggregation,jury_method", COMBINATIONS)
def test_every_accepted_setting_scores_on_0_100(framework, demo_data, normalisation, aggregation, jury_method):
    settings = Settings(normalisation=normalisation, aggregation=aggregation, jury_method=jury_method)
    result = evaluate(framework, demo_data, settings)
    _within(result.criterion_scores["score"], "criterion scores")
    _within(result.scores.drop(columns="code"), "aggregates and index")
    _within(result.ranking["score"], "ranking")
    assert result.scores["index"].notna().all()


@pytest.mark.parametrize("normalisation", ev.NORMALISATIONS)
@pytest.mark.parametrize("aggregation", ev.AGGREGATIONS)
def test_population_scores_on_0_100(framework, demo_data, normalisation, aggregation):
    pop = population_scores(framework, demo_data, Settings(normalisation=normalisation, aggregation=aggregation))
    _within(pop, "population scores")


@pytest.mark.parametrize("field,value", [("normalisation", "softmax"), ("aggregation", "topsis"),
                                          ("jury_method", "max"), ("normalise_range", (-1.0, 1.0))])
def test_other_settings_are_refused_in_one_line(framework, demo_data, field, value):
    settings = Settings(**{field: value})
    with pytest.raises(SettingsError) as err:
        evaluate(framework, demo_data, settings)
    message = str(err.value)
    assert "\n" not in message and f"{field}=" in message and "Traceback" not in message


@pytest.mark.parametrize("normalisation", ev.NORMALISATIONS)
@pytest.mark.parametrize("aggregation", ["arithmetic", "geometric"])
def test_three_paths_one_recipe(framework, demo_data, normalisation, aggregation):
    """evaluate (nominees), population_scores (register) and build_index (the composite pipeline)
    give the same indicator scores and indicator aggregates for the same settings."""
    settings = Settings(normalisation=normalisation, aggregation=aggregation)
    pop = population_scores(framework, demo_data, settings)
    result = evaluate(framework, demo_data, settings)
    ind = framework.indicator_criteria
    # the register's nominees; a joint nominee is scored beside the register (not one of its units)
    nominees = [c for c in result.scores["code"] if c not in set(demo_data.joint["code"])]
    assert len(nominees) == len(result.scores) - len(demo_data.joint) and set(nominees) <= set(pop.index)
    evaluated = result.scores.set_index("code").loc[nominees, ind]
    pd.testing.assert_frame_equal(evaluated, pop.loc[nominees, ind], check_names=False)

    idx = build_index(screening_data(framework, demo_data), indicator_framework(framework),
                      normalise=normalisation, aggregate=aggregation)
    codes = [c for c in idx.aggregated.columns if c in pop.columns]
    assert set(ind) <= set(codes) and "index" in codes
    np.testing.assert_allclose(idx.aggregated[codes].to_numpy(), pop.loc[idx.aggregated.index, codes].to_numpy(),
                               rtol=1e-12, atol=1e-9)


def test_monte_carlo_renormalises_through_the_recipe(framework, demo_data):
    """A Monte Carlo sample drawn with a normalisation scores the nominees as evaluate does."""
    from award_eval.uncertainty import demo_inputs
    from award_eval.uncertainty.sampling import LeafSource
    from award_eval.uncertainty.model import Tree

    inputs = demo_inputs(framework, demo_data, jury_resample=None)
    tree = Tree(inputs.framework)
    for k, method in enumerate(ev.NORMALISATIONS):
        src = LeafSource(tree, inputs.matrix, list(ev.NORMALISATIONS), raw=inputs.raw)
        leaf = pd.DataFrame(src.variant(k, -1), index=inputs.matrix.index, columns=tree.leaves)
        expected = demo_inputs(framework, demo_data, normalisation=method, jury_resample=None).matrix
        pd.testing.assert_frame_equal(leaf, expected[tree.leaves], check_names=False)


def test_scale_maps():
    x = pd.DataFrame({"a": [1.0, 2.0, 2.0, 4.0, np.nan]})
    def scaled(method):
        return scoring_pipeline(method).fit(x).transform(x)["a"].tolist()
    assert scaled("minmax")[:4] == pytest.approx([0, 100 / 3, 100 / 3, 100])
    assert scaled("rank")[:4] == pytest.approx([0, 50, 50, 100])  # average ranks 1, 2.5, 2.5, 4 of n = 4
    assert scaled("borda")[:4] == pytest.approx([0, 100 / 3, 100 / 3, 100])
    z = normalise(x, "zscore")["a"]
    assert scaled("zscore")[:4] == pytest.approx((50 + 50 * z.clip(-3, 3) / 3).tolist()[:4])
    assert np.isnan(scaled("zscore")[4])
    # an outlier beyond 3 SD is held at the end of the scale
    far = pd.DataFrame({"a": [0.0] * 30 + [100.0]})
    assert scoring_pipeline("zscore").fit(far).transform(far)["a"].iloc[-1] == 100.0
    # one unit: the middle of the scale
    one = pd.DataFrame({"a": [5.0]})
    assert OntoScale("rank").fit(normalise(one, "rank")).transform(normalise(one, "rank"))["a"].tolist() == [50.0]


def test_geometric_and_harmonic_take_a_zero_as_the_limit():
    values = pd.DataFrame({"x": [0.0, 0.0, 50.0], "y": [80.0, 80.0, 80.0]})
    for method in ("geometric", "harmonic"):
        out = weighted_mean(values, pd.Series({"x": 1.0, "y": 1.0}), method)
        assert out.tolist()[:2] == [0.0, 0.0] and out.iloc[2] > 0
        # a zero with weight 0 does not count
        assert weighted_mean(values, pd.Series({"x": 0.0, "y": 1.0}), method).tolist() == pytest.approx([80.0] * 3)
    with pytest.raises(ValueError, match="values ≥ 0"):
        weighted_mean(pd.DataFrame({"x": [-1.0]}), pd.Series({"x": 1.0}), "geometric")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_method_section_states_the_scale_for_every_setting(lang):
    """The report's method text names 0–100 for every accepted normalisation and aggregation."""
    from award_eval.present.method import method_html

    texts = set()
    for norm in ev.NORMALISATIONS:
        html = method_html({"n_indicator_criteria": 5, "normalisation": norm, "normalise_range": [0, 100]},
                           None, lang)
        first = html.split("</p>")[0]
        assert "0–100" in first and f" {norm}." not in first, norm  # a written sentence, not the bare name
        texts.add(first)
    assert len(texts) == len(ev.NORMALISATIONS)  # each its own sentence (none falls back to the bare name)
    aggs = {method_html({"aggregation": agg}, None, lang) for agg in ev.AGGREGATIONS}
    assert len(aggs) == len(ev.AGGREGATIONS)
