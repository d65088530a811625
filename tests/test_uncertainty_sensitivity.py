"""Sensitivity (Sobol, leave one out), what it would take, the award's inputs, tables and figures."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from award_eval.composite import Framework, aggregate_tree
from award_eval.evaluation import evaluate
from award_eval.present import plots
from award_eval.ranking import rank_scores
from award_eval.present import uncertainty as display
from award_eval.uncertainty import (
    demo_inputs,
    describe_rank_interval,
    monte_carlo,
    rank_interval,
    remove_one,
    sobol,
    what_it_would_take,
)


def imeta(rows: list[tuple]) -> Framework:
    frame = pd.DataFrame(rows, columns=["Level", "iCode", "Weight", "Parent", "Type"])
    frame["iName"] = frame["iCode"]
    frame["Direction"] = 1
    return Framework.from_imeta(frame)


@pytest.fixture(scope="module")
def pillars():
    """top = (P, Q), P = (a, b), Q = (c, d); unit W has a = b, so P's inner weights cannot move it."""
    fw = imeta([(1, "a", 1, "P", "Indicator"), (1, "b", 1, "P", "Indicator"), (1, "c", 1, "Q", "Indicator"),
                (1, "d", 2, "Q", "Indicator"), (2, "P", 1, "top", "Aggregate"), (2, "Q", 1, "top", "Aggregate"),
                (3, "top", 1, None, "Aggregate")])
    x = pd.DataFrame({"a": [80.0, 60, 20, 50], "b": [80.0, 30, 70, 40], "c": [90.0, 50, 60, 30],
                      "d": [40.0, 70, 50, 60]}, index=pd.Index(["W", "X", "Y", "Z"], name="unit"))
    return x, fw


# --- Sobol ---------------------------------------------------------------------------------------

def test_sobol_frame_and_an_input_that_cannot_matter(pillars):
    x, fw = pillars
    s = sobol(x, fw, n=256, seed=3, concentration=30.0)
    assert list(s.columns) == ["output", "unit", "input", "S1", "S1_conf", "ST", "ST_conf"]
    assert set(s["input"]) == {"weights:P", "weights:Q", "weights:top"}
    assert set(s.loc[s["output"] == "rank", "unit"]) == {"W", "X", "Y", "Z"}
    score = s[s["output"] == "score"].set_index("input")
    assert s.attrs["winner"] == "W" and (s.loc[s["output"] == "score", "unit"] == "W").all()
    # W's score does not depend on the weights within P (a = b): exactly zero effect
    assert score.loc["weights:P", "ST"] == pytest.approx(0, abs=1e-12)
    assert score.loc["weights:P", "S1"] == pytest.approx(0, abs=1e-12)
    assert score.loc["weights:Q", "ST"] > 0.1 and score.loc["weights:top", "ST"] > 0.1
    assert (s[["S1_conf", "ST_conf"]] >= 0).all().all()
    assert s.attrs["evaluations"] == 256 * (3 + 2)
    again = sobol(x, fw, n=256, seed=3, concentration=30.0)
    pd.testing.assert_frame_equal(s, again)


def test_sobol_one_input_explains_everything():
    """Only the top weights vary: S1 = ST = 1 for the winner's score (within the intervals)."""
    fw = imeta([(1, "a", 1, "top", "Indicator"), (1, "b", 1, "top", "Indicator"), (2, "top", 1, None, "Aggregate")])
    x = pd.DataFrame({"a": [90.0, 10.0], "b": [20.0, 60.0]}, index=["A", "B"])
    s = sobol(x, fw, n=512, seed=1, concentration=10.0)
    row = s[s["output"] == "score"].iloc[0]
    assert row["S1"] == pytest.approx(1.0, abs=max(0.05, 2 * row["S1_conf"]))
    assert row["ST"] == pytest.approx(1.0, abs=max(0.05, 2 * row["ST_conf"]))


def test_sobol_discrete_input_is_seen(pillars):
    """Two aggregations and fixed weights: the aggregation explains all of the score's variance
    (a two-level choice drawn from the Sobol' sequence's leading bit would show 0 or a wrong value)."""
    x, fw = pillars
    s = sobol(x.clip(lower=1), fw, n=128, seed=2, weights=None, aggregations=("arithmetic", "geometric"))
    row = s[(s["output"] == "score")].set_index("input").loc["aggregation"]
    assert row["S1"] == pytest.approx(1.0, abs=0.1) and row["ST"] == pytest.approx(1.0, abs=0.1)


def test_sobol_needs_a_power_of_two_and_something_uncertain(pillars):
    x, fw = pillars
    with pytest.raises(ValueError, match="power of 2"):
        sobol(x, fw, n=100)
    with pytest.raises(ValueError, match="nothing varies"):
        sobol(x, fw, n=64, weights=None)


# --- leave one out -------------------------------------------------------------------------------

def test_remove_one_by_hand():
    """u1 = (100, 0, 50), u2 = (40, 60, 40), u3 = (0, 70, 60), equal weights: means 50, 46.7, 43.3.
    Without a: 25, 50, 65 → ranks 3, 2, 1. Without b: 75, 40, 30 → 1, 2, 3. Without c: 50, 50, 35 → 1, 1, 3."""
    fw = imeta([(1, "a", 1, "top", "Indicator"), (1, "b", 1, "top", "Indicator"), (1, "c", 1, "top", "Indicator"),
                (2, "top", 1, None, "Aggregate")])
    x = pd.DataFrame({"a": [100.0, 40, 0], "b": [0.0, 60, 70], "c": [50.0, 40, 60]}, index=["u1", "u2", "u3"])
    out = remove_one(x, fw)
    assert list(out.index) == ["a", "b", "c"]
    assert out["mean_abs_change"].tolist() == pytest.approx([4 / 3, 0.0, 1 / 3])
    assert out["max_abs_change"].tolist() == [2, 0, 1]
    assert out["winner"].tolist() == ["u3", "u1", "u1"]
    assert out["winner_changed"].tolist() == [True, False, False]


def test_remove_an_aggregate_renormalises_its_siblings(pillars):
    x, fw = pillars
    out = remove_one(x, fw, codes=["Q"])
    p_only = rank_scores(aggregate_tree(x, fw)["P"]).astype(int)
    nominal = rank_scores(aggregate_tree(x, fw)[fw.top]).astype(int)
    assert out.loc["Q", "mean_abs_change"] == pytest.approx((p_only - nominal).abs().mean())
    with pytest.raises(ValueError, match="cannot leave out 'top'"):
        remove_one(x, fw, codes=["top"])


def test_remove_a_sole_child_equals_dropping_its_column(recwarn):
    """Leaving out the only criterion of a pillar leaves the pillar empty: the index is then the
    other pillars' mean, exactly as when the column is missing for everyone."""
    fw = imeta([(1, "a", 1, "P", "Indicator"), (1, "b", 1, "Q", "Indicator"), (1, "c", 2, "Q", "Indicator"),
                (2, "P", 1, "top", "Aggregate"), (2, "Q", 1, "top", "Aggregate"), (3, "top", 1, None, "Aggregate")])
    x = pd.DataFrame({"a": [90.0, 10, 50, 70], "b": [20.0, 80, 40, 30], "c": [30.0, 70, 60, 20]},
                     index=["u1", "u2", "u3", "u4"])
    out = remove_one(x, fw, codes=["a", "P"])
    nominal = rank_scores(aggregate_tree(x, fw)[fw.top])
    without = rank_scores(aggregate_tree(x.assign(a=np.nan), fw)[fw.top])
    assert out.loc["a", "mean_abs_change"] == pytest.approx((without - nominal).abs().mean())
    assert out.loc["a", "mean_abs_change"] == out.loc["P", "mean_abs_change"] > 0
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_remove_one_equals_a_missing_column_for_every_leaf(pillars):
    """Leaving a leaf out renormalises its siblings within their parent only (not across the tree)."""
    _, fw = pillars
    x = pd.DataFrame(np.random.default_rng(12).uniform(0, 100, (30, 4)), columns=list("abcd"))
    out = remove_one(x, fw)
    nominal = rank_scores(aggregate_tree(x, fw)[fw.top])
    for code in fw.indicators:
        without = rank_scores(aggregate_tree(x.assign(**{code: np.nan}), fw)[fw.top])
        assert out.loc[code, "mean_abs_change"] == pytest.approx((without - nominal).abs().mean()), code


# --- what it would take --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def podium():
    """A = (60, 60) → 60, B = (50, 40) → 45, C = (40, 30) → 35; weights 1:1."""
    fw = imeta([(1, "a", 1, "top", "Indicator"), (1, "b", 1, "top", "Indicator"), (2, "top", 1, None, "Aggregate")])
    x = pd.DataFrame({"a": [60.0, 50, 40], "b": [60.0, 40, 30]}, index=pd.Index(["A", "B", "C"], name="code"))
    return x, fw


def test_what_it_would_take_by_hand(podium):
    x, fw = podium
    b = what_it_would_take(x, fw, "B")
    # 0.5 (50 + d) + 20 = 60 → d = 30 (a: 80); 25 + 0.5 (40 + d) = 60 → d = 30 (b: 70)
    assert b.loc["a", "increase"] == pytest.approx(30) and b.loc["a", "needed"] == pytest.approx(80)
    assert b.loc["b", "increase"] == pytest.approx(30) and b.loc["b", "needed"] == pytest.approx(70)
    assert list(b.index) == ["a", "b"] and b["reachable"].all()
    assert b.attrs["rank"] == 2 and b.attrs["target_rank"] == 1 and b.attrs["ahead"] == ["A"]
    assert b.loc["a", "weight"] == pytest.approx(0.5)
    c = what_it_would_take(x, fw, "C")  # 0.5 (40 + d) + 15 = 45 and 20 + 0.5 (30 + d) = 45 → d = 20
    assert c["increase"].tolist() == pytest.approx([20, 20]) and c.attrs["ahead"] == ["B"]
    a = what_it_would_take(x, fw, "A")
    assert len(a) == 0 and a.attrs["target_rank"] is None


def test_what_it_would_take_respects_the_limit(podium):
    x, fw = podium
    b = what_it_would_take(x, fw, "B", limit=75, per_point={"a": 0.04, "b": 2.0})
    assert not b.loc["a", "reachable"] and np.isnan(b.loc["a", "increase"])
    c = what_it_would_take(x, fw, "C", limit=75, per_point={"a": 0.04, "b": 2.0})
    assert c.loc["a", "raw_increase"] == pytest.approx(20 * 0.04) and c.loc["b", "raw_increase"] == pytest.approx(40)


@pytest.mark.parametrize("method", ["arithmetic", "geometric", "harmonic"])
def test_the_increase_moves_the_unit_up_exactly_then(method):
    rng = np.random.default_rng(5)
    fw = imeta([(1, "a", 1, "P", "Indicator"), (1, "b", 2, "P", "Indicator"), (1, "c", 1, "top", "Indicator"),
                (2, "P", 3, "top", "Aggregate"), (3, "top", 1, None, "Aggregate")])
    x = pd.DataFrame(rng.uniform(5, 60, (6, 3)), columns=list("abc"), index=[f"u{i}" for i in range(6)])
    nominal = rank_scores(aggregate_tree(x, fw, method)[fw.top]).astype(int)
    unit = nominal.index[nominal == 4][0]
    table = what_it_would_take(x, fw, unit, aggregation=method, limit=None)
    assert table["reachable"].all()
    for crit, row in table.iterrows():
        up = x.copy()
        up.loc[unit, crit] = row["needed"]
        assert rank_scores(aggregate_tree(up, fw, method)[fw.top])[unit] == 3
        short = x.copy()
        short.loc[unit, crit] = row["needed"] - 1e-6
        assert rank_scores(aggregate_tree(short, fw, method)[fw.top])[unit] == 4


# --- the award's inputs, rank interval, tables and figures ---------------------------------------

@pytest.fixture(scope="module")
def award(framework_module, demo_module):
    return framework_module, demo_module, demo_inputs(framework_module, demo_module)


@pytest.fixture(scope="module")
def framework_module():
    from .conftest import CRITERIA

    from award_eval import load_framework
    return load_framework(CRITERIA)


@pytest.fixture(scope="module")
def demo_module(framework_module):
    from .conftest import DEMO

    from award_eval import load_award_data
    return load_award_data(DEMO, framework_module)


def test_award_inputs_give_the_evaluations_ranking(award):
    criteria, data, inputs = award
    result = evaluate(criteria, data)
    assert list(inputs.matrix.columns) == [n.id for n in criteria.leaves()]
    leaves = result.criterion_scores.pivot(index="code", columns="criterion", values="score")
    pd.testing.assert_frame_equal(inputs.matrix, leaves.reindex(index=inputs.matrix.index, columns=inputs.matrix.columns),
                                  check_names=False)
    mc = monte_carlo(inputs.matrix, inputs.framework, n=200, seed=1, jury=inputs.jury)
    nominal = mc.summary["nominal"]
    expected = result.ranking.set_index("code")["rank"]
    assert nominal.to_dict() == expected.reindex(nominal.index).to_dict()
    # the register's 290 municipalities, then the joint nominee's row (scored beside them, never fitted on)
    assert list(inputs.raw.index) == list(data.register["code"]) + list(data.joint["code"]) and len(data.joint) == 1
    assert inputs.jury.resample == "leave_one_out"
    assert set(mc.settings["jurors"].cat.categories) == {f"without {j}" for j in sorted(data.jury_scores["juror"].unique())}
    assert inputs.per_point["strategy"] == pytest.approx(0.04)  # 4 rubric steps over 100 points


def test_rank_interval_for_a_profile(award):
    _, _, inputs = award
    mc = monte_carlo(inputs.matrix, inputs.framework, n=300, seed=2, jury=inputs.jury)
    code = mc.summary.index[1]
    interval = rank_interval(mc, code)
    assert interval["nominal"] == 2 and interval["n"] == 300
    text = describe_rank_interval(interval, "sv")
    assert text.startswith("Placering 2; placering ") and "simuleringarna" in text
    assert describe_rank_interval(interval, "en").startswith("Rank 2; rank ")


def test_tables_and_figures(award):
    criteria, _, inputs = award
    mc = monte_carlo(inputs.matrix, inputs.framework, n=300, seed=3, jury=inputs.jury,
                     aggregations=("arithmetic", "geometric"))
    table = display.summary_table(mc, inputs.names, "en")
    assert list(table.columns) == ["Rank", "Median", "5–95 %", "First (%)"]
    assert table.index[0] == inputs.names[mc.winner]
    s = sobol(inputs.matrix, inputs.framework, n=64, seed=3, jury=inputs.jury, units=[mc.winner])
    assert "Which jurors count" in display.sobol_table(s, criteria, "en", output="rank").index
    assert display.input_label("weights:index", criteria, "sv") == "Vikter mellan pelarna"
    removal = remove_one(inputs.matrix, inputs.framework, codes=inputs.framework.indicators)
    need = what_it_would_take(inputs.matrix, inputs.framework, mc.summary.index[1], per_point=inputs.per_point)
    shown = display.what_it_would_take_table(need, criteria, inputs.units, "sv")
    assert shown.index[0] in [criteria.label(c, "sv") for c in criteria.jury_criteria + criteria.indicator_criteria]
    assert "**" in display.what_it_would_take_line(need, inputs.names, "en")
    assert "Placering" not in display.settings_line(mc, "en") and "simuleringar" in display.settings_line(mc, "sv")
    figures = [plots.rank_interval_chart(mc.summary, inputs.names, "sv", probabilities=mc.rank_probabilities()),
               plots.p_first_bar(mc.summary, inputs.names, "en"),
               plots.sensitivity_bar(s, {}, "en", output="rank"),
               plots.removal_bar(removal, {}, "sv")]
    import matplotlib.pyplot as plt
    for fig in figures:
        assert isinstance(fig, Figure)
        plt.close(fig)
    probs = mc.rank_probabilities()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert list(probs.index) == list(mc.summary.index)


def test_sobol_is_zero_for_a_unit_best_on_every_criterion(pillars):
    """W scores 100 on every criterion, so 100 under every weight set: the ~1e-14 of rounding in
    the weighted sums is not variance, and every index of its score (and of its rank) is 0."""
    x, fw = pillars
    x = x.copy()
    x.loc["W"] = 100.0
    s = sobol(x, fw, n=256, seed=3, concentration=30.0)
    assert s.attrs["winner"] == "W"
    for rows in (s[s["output"] == "score"], s[(s["output"] == "rank") & (s["unit"] == "W")]):
        assert len(rows) == 3
        assert (rows[["S1", "S1_conf", "ST", "ST_conf"]] == 0).all().all(), rows


def test_is_constant_tolerates_float_noise_only():
    from award_eval.uncertainty.sensitivity import is_constant

    assert is_constant(np.array([100.0, 100.0 - 6e-14, 100.0 + 3e-14]))
    assert is_constant(np.zeros(4))
    assert not is_constant(np.array([100.0, 99.9999]))
    assert not is_constant(np.array([0.0, 1e-12]))
