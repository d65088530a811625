"""jury_share: the jury criteria's weight against open data in the index — default, criteria file, plan."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from award_eval.composite import aggregate_tree
from award_eval.criteria import load_framework
from award_eval.data import load_award_data
from award_eval.errors import InputError
from award_eval.evaluation import Settings, evaluate
from award_eval.jury_share import nominal_share, resolve
from award_eval.present.method import method_html, method_record

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
CRITERIA = ROOT / "criteria" / "digitaliseringskommun.yaml"


@pytest.fixture(scope="module")
def framework():
    return load_framework(CRITERIA)


@pytest.fixture(scope="module")
def data(framework):
    return load_award_data(DEMO, framework)


def _part(framework, result, kind: str) -> pd.Series:
    """The tree aggregated over one kind of criterion only."""
    leaves = result.criterion_scores.pivot(index="code", columns="criterion", values="score")
    leaves = leaves.reindex(columns=[n.id for n in framework.leaves()]).astype(float)
    other = [c for c in leaves.columns if framework.by_id[c].kind != kind]
    leaves.loc[:, other] = np.nan
    return aggregate_tree(leaves, framework.to_imeta(), framework.aggregation)["index"]


def test_default_is_the_tree_as_weighted(framework, data):
    assert framework.jury_share is None and resolve(framework, None) == (None, "weights")
    result = evaluate(framework, data)
    leaves = result.criterion_scores.pivot(index="code", columns="criterion", values="score")
    leaves = leaves.reindex(index=list(data.nominees["code"]), columns=[n.id for n in framework.leaves()])
    tree = aggregate_tree(leaves.astype(float), framework.to_imeta(), framework.aggregation)["index"]
    assert np.allclose(result.scores.set_index("code")["index"].to_numpy(), tree.to_numpy())
    assert 0 < nominal_share(framework) < 1


@pytest.mark.parametrize("share", [0.0, 0.3, 1.0])
def test_share_mixes_jury_and_open_data_indices(framework, data, share):
    result = evaluate(framework, data, Settings(jury_share=share))
    index = result.scores.set_index("code")["index"]
    expected = share * _part(framework, result, "jury") + (1 - share) * _part(framework, result, "indicator")
    assert np.allclose(index.to_numpy(), expected.reindex(index.index).to_numpy())
    pillars = [p.id for p in framework.pillars]  # the pillars do not move
    assert np.allclose(result.scores[pillars].to_numpy(), evaluate(framework, data).scores[pillars].to_numpy(),
                       equal_nan=True)


def test_more_jury_share_moves_the_ranking_towards_the_jury(framework, data):
    jury_only = evaluate(framework, data, Settings(jury_share=1.0)).ranking
    open_only = evaluate(framework, data, Settings(jury_share=0.0)).ranking
    assert jury_only["code"].tolist() != open_only["code"].tolist()


def test_the_criteria_file_sets_the_default_and_a_setting_overrides_it(tmp_path, framework, data):
    path = tmp_path / "criteria.yaml"
    path.write_text(CRITERIA.read_text(encoding="utf-8").replace("jury_share: null", "jury_share: 0.7"), encoding="utf-8")
    fw = load_framework(path)
    assert resolve(fw, None) == (0.7, "criteria") and resolve(fw, 0.2) == (0.2, "settings")
    by_file = evaluate(fw, data).ranking
    pd.testing.assert_frame_equal(by_file, evaluate(framework, data, Settings(jury_share=0.7)).ranking)
    html = method_html(method_record(fw, data, Settings(), kind="ranking"), fw, "en")
    assert "weigh 70%" in html.replace("\u00a0", "").replace(" %", "%") and "criteria file's jury_share" in html


@pytest.mark.parametrize("value", ["1.5", "-0.1", "lots"])
def test_a_bad_share_in_the_criteria_file_is_one_line(tmp_path, value):
    path = tmp_path / "criteria.yaml"
    path.write_text(CRITERIA.read_text(encoding="utf-8").replace("jury_share: null", f"jury_share: {value}"),
                    encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_framework(path)
    assert "jury_share" in str(exc.value) and "\n" not in str(exc.value)


def test_a_bad_share_setting_is_refused(framework, data):
    with pytest.raises(ValueError, match="jury_share must be from 0 to 1"):
        evaluate(framework, data, Settings(jury_share=2.0))


def test_every_method_section_shows_the_share(framework, data):
    sv = method_html(method_record(framework, data, Settings(), kind="profile"), framework, "sv")
    pct = f"{100 * nominal_share(framework):.0f}"
    assert f"Jurykriterierna väger {pct} % av index" in sv.replace("\u00a0", " ") and "kriteriernas vikter" in sv
    en = method_html(method_record(framework, data, Settings(jury_share=0.25), kind="ranking"), framework, "en")
    assert "weigh 25%" in en.replace("\u00a0", "").replace(" %", "%") and "this evaluation's jury_share" in en


def test_a_plan_varies_the_share(tmp_path, framework, data):
    """A plan's parameter reaches the notebook (papermill really runs evaluate.ipynb)."""
    import papermill as pm

    out = tmp_path / "out"
    pm.execute_notebook(str(ROOT / "notebooks" / "evaluate.ipynb"), str(tmp_path / "x.ipynb"), progress_bar=False,
                        parameters={"criteria": str(CRITERIA), "data_dir": str(DEMO), "output_dir": str(out),
                                    "jury_share": 1.0}, kernel_name="python3", execution_timeout=600)
    ranking = pd.read_csv(out / "ranking.csv", dtype={"code": str})
    expected = evaluate(framework, data, Settings(jury_share=1.0)).ranking
    assert ranking["code"].tolist() == expected["code"].tolist()
    assert np.allclose(ranking["score"], expected["score"], atol=1e-6)


def test_plan_accepts_jury_share(tmp_path):
    from award_eval.run.plan import load_plan

    shutil.copy(DEMO / "plan.yaml", tmp_path / "plan.yaml")
    text = (tmp_path / "plan.yaml").read_text(encoding="utf-8").replace("../../", str(ROOT) + "/")
    text = text.replace("data_dir: .", f"data_dir: {DEMO}")
    text = text.replace("    parameters: {lang: en}\n  - id: jury", "    parameters: {lang: en, jury_share: 0.6}\n  - id: jury", 1)
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    plan = load_plan(tmp_path / "plan.yaml")
    spec = next(s for s in plan.evaluations if s.id == "overall-en")
    assert plan.parameters(spec)["jury_share"] == 0.6
