"""award_eval.profile: national position, peers, strengths and weaknesses, jury summary."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from award_eval.errors import InputError
from award_eval.evaluation import Settings, evaluate, population_scores
from award_eval.present import plots
from award_eval.profile import (
    CRITERIA_COLUMNS,
    build_profile,
    municipality,
    strengths_weaknesses,
    summary_sentences,
)
from award_eval.uncertainty import confidence


@pytest.fixture(scope="module")
def fw():
    from .conftest import CRITERIA

    from award_eval import load_framework
    return load_framework(CRITERIA)


@pytest.fixture(scope="module")
def data(fw):
    from .conftest import DEMO

    from award_eval import load_award_data
    return load_award_data(DEMO, fw)


@pytest.fixture(scope="module")
def result(fw, data):
    return evaluate(fw, data)


def test_population_scores_cover_every_municipality_on_indicators_only(fw, data):
    pop = population_scores(fw, data)
    assert list(pop.index) == list(data.register["code"])
    assert pop[fw.jury_criteria].isna().all().all()
    assert pop[fw.indicator_criteria].notna().mean().min() > 0.9
    assert pop["leadership"].isna().all()  # a pillar with no indicator is empty, not zero
    assert pop["index"].between(0, 100).all()
    # the index is the weighted mean of the pillars that have indicators (equal weights here)
    row = pop.loc["0120"]
    pillars = [p.id for p in fw.pillars if not np.isnan(row[p.id])]
    assert row["index"] == pytest.approx(row[pillars].mean())


def test_nominee_profile(fw, data, result):
    p = build_profile(fw, data, "0120", result=result)
    assert (p.code, p.name, p.skr_group, p.nominee) == ("0120", "Värmdö", "A2", True)
    assert list(p.criteria.columns) == CRITERIA_COLUMNS
    assert list(p.criteria["criterion"]) == [n.id for n in fw.leaves()]
    me = result.ranking.set_index("code").loc["0120"]
    assert p.overall == {"rank": int(me["rank"]), "n": len(data.nominees), "score": pytest.approx(me["score"])}

    # national and group ranks agree with the population table
    pop = p.population
    assert p.position.national_n == pop["index"].notna().sum() == 290
    assert p.position.national_rank == 1 + int((pop["index"] > p.position.index).sum())
    group = pop[pop["skr_group"] == "A2"]
    assert p.position.group_n == len(group)
    assert p.position.group_rank == 1 + int((group["index"] > p.position.index).sum())
    assert p.position.group_median == pytest.approx(group["index"].median())

    # indicators against the SKR group's median, jury criteria against the nominees'
    crit = p.criteria.set_index("criterion")
    pop_scores = population_scores(fw, data)
    codes = data.register.loc[data.register["skr_group"] == "A2", "code"]
    assert crit.at["broadband", "reference"] == "group"
    assert crit.at["broadband", "reference_median"] == pytest.approx(pop_scores.loc[codes, "broadband"].median())
    assert crit.at["broadband", "raw"] == pytest.approx(
        data.indicators.query("code == '0120' and indicator == 'broadband'").sort_values("year")["value"].iloc[-1])
    jury = result.criterion_scores.query("kind == 'jury' and criterion == 'strategy'")
    assert crit.at["strategy", "reference"] == "nominees"
    assert crit.at["strategy", "reference_median"] == pytest.approx(jury["score"].median())
    assert crit.at["strategy", "difference"] == pytest.approx(crit.at["strategy", "score"] - jury["score"].median())


def test_jury_summary_and_comments(fw, data, result):
    p = build_profile(fw, data, "0120", result=result)
    assert list(p.jury["criterion"]) == fw.jury_criteria
    scores = data.jury_scores[data.jury_scores["nominee"] == "0120"]
    strategy = scores[scores["criterion"] == "strategy"]["score"]
    row = p.jury.set_index("criterion").loc["strategy"]
    assert row["raw"] == pytest.approx(strategy.mean()) and row["n_jurors"] == len(strategy)
    assert (row["low"], row["high"]) == (strategy.min(), strategy.max())
    assert len(p.comments) == (scores["comment"].str.strip() != "").sum()
    order = {c: i for i, c in enumerate(fw.jury_criteria)}
    assert list(p.comments["criterion"].map(order)) == sorted(p.comments["criterion"].map(order))


def test_recused_juror_is_absent_not_zero(fw, data, result):
    recused = data.conflicts.iloc[0]
    p = build_profile(fw, data, recused["nominee"], result=result)
    n_jurors = data.jury_scores["juror"].nunique()
    assert (p.jury["n_jurors"] == n_jurors - 1).all()
    assert recused["juror"] not in set(p.comments["juror"])


def test_non_nominee_profile_has_no_jury_part(fw, data):
    p = build_profile(fw, data, "0114")
    assert not p.nominee and p.overall is None and p.jury is None and p.comments is None
    assert set(p.criteria["kind"]) == {"indicator"} and set(p.criteria["reference"]) == {"group"}
    assert p.intervals is None and p.what_it_would_take is None
    text = " ".join(summary_sentences(p, fw, "en"))
    assert "is not a nominee" in text and "ranks" in text


def test_code_is_text_and_unknown_codes_are_named(fw, data):
    assert municipality(data, "120")["code"] == "0120"  # papermill -p turned 0120 into 120
    with pytest.raises(InputError, match="9999"):
        build_profile(fw, data, "9999")


def test_strengths_and_weaknesses():
    frame = pd.DataFrame({"criterion": list("abcdef"), "difference": [5.0, -3.0, 0.0, 12.0, np.nan, -3.0],
                          "reference": "group"})
    strong, weak = strengths_weaknesses(frame, 2)
    assert list(strong["criterion"]) == ["d", "a"]
    assert list(weak["criterion"]) == ["b", "f"]  # a tie keeps the file's order
    strong, weak = strengths_weaknesses(frame.assign(difference=0.0), 3)
    assert strong.empty and weak.empty


def test_summary_sentences_in_both_languages(fw, data, result):
    p = build_profile(fw, data, "0120", result=result)
    sv = " ".join(summary_sentences(p, fw, "sv"))
    en = " ".join(summary_sentences(p, fw, "en"))
    assert f"plats {p.overall['rank']} av {len(data.nominees)}" in sv and "kommungruppen A2 Pendlingskommuner nära storstad" in sv
    assert f"ranked {p.overall['rank']} of {len(data.nominees)}" in en and "A2 Commuter municipalities near a metropolis" in en
    assert "Störst styrka" in sv and "greatest strength" in en


def test_settings_change_the_profile(fw, data):
    a = build_profile(fw, data, "0120", Settings())
    b = build_profile(fw, data, "0120", Settings(normalisation="rank"))
    assert a.position.index != b.position.index


def test_uncertainty_hooks_are_connected(result):
    iv = confidence.check_rank_intervals(confidence.rank_intervals(result, seed=1, n=500))
    assert set(iv["code"]) == set(result.ranking["code"])
    assert (iv["rank_low"] <= iv["rank_median"]).all() and (iv["rank_median"] <= iv["rank_high"]).all()
    assert iv["p_first"].sum() == pytest.approx(1.0) and iv.attrs["settings"]["samples"] == 500
    winner = result.ranking.sort_values("rank")["code"].iloc[0]
    assert confidence.what_it_would_take(result, winner) is None  # nothing above the winner
    second = result.ranking.sort_values("rank")["code"].iloc[1]
    wiwt = confidence.check_what_it_would_take(confidence.what_it_would_take(result, second))
    assert len(wiwt) and (wiwt["needed"] > wiwt["current"]).all() and (wiwt["target_rank"] == 1).all()
    bare = dataclasses.replace(result, extra={})  # a Result without its inputs shows no such sections
    assert confidence.rank_intervals(bare) is None and confidence.what_it_would_take(bare, second) is None
    with pytest.raises(ValueError, match="rank_high"):
        confidence.check_rank_intervals(pd.DataFrame({"code": ["0120"], "rank_low": [1]}))


def test_profile_figures(fw, data, result):
    p = build_profile(fw, data, "0120", result=result)
    for lang in ("sv", "en"):
        fig = plots.profile_bars(p.criteria, fw, p.name, lang)
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert len(labels) == len(p.criteria)
        fig = plots.national_position(p.population, p.code, lang)
        assert fig.axes[0].get_xlim() == (0, 100)


def test_figures_draw_names_as_plain_text(fw, data, result):
    """A name holding '$' must not be parsed as mathtext (it would fail or render a formula)."""
    import io

    ranking = result.ranking.assign(name=result.ranking["name"] + " $\\frac{1}{0}$")
    fig = plots.ranking_bar(ranking, "sv")
    fig.savefig(io.BytesIO(), format="png")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    # the dollars reach matplotlib escaped, so they are drawn as dollars, never as a formula
    assert any("\\$\\frac{1}{0}\\$" in text for text in labels)


def test_assessment_parts_give_a_nominee_the_jury_and_a_municipality_only_its_peers(fw, data, result):
    """present.profile.assessment_parts: what the profile's assessment output holds, in order."""
    from award_eval.present import tables
    from award_eval.present.profile import assessment_parts

    nominee = build_profile(fw, data, "0120", Settings(), result)
    parts = assessment_parts(nominee, fw, result.ranking, "en")
    page = tables.group(parts)._repr_html_()
    order = [page.index(h) for h in ("Strengths", "Weaknesses", "jury", "rank")]
    assert order == sorted(order)
    assert any(isinstance(p, tables.Table) for p in parts)
    assert len(parts) > 4

    other = build_profile(fw, data, "0114", Settings(), result)
    assert other.jury is None
    plain = assessment_parts(other, fw, result.ranking, "sv")
    assert len(plain) == 4  # strengths and weaknesses, each a heading and a table (or "none")
    assert "Styrkor" in tables.group(plain)._repr_html_()
