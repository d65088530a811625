"""A joint nominee's preconditions: covariates combined from its members' by a rule per covariate,
an expectation from a model in which neither it nor any of its members is a training row."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from award_eval.criteria import load_framework
from award_eval.data import load_award_data
from award_eval.joint import combine_covariates
from award_eval.preconditions import expected_scores
from award_eval.present.round import preconditions_section, profile_section
from award_eval.round import build_longlist, screening_beside
from award_eval import screening

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
CRITERIA = ROOT / "criteria" / "digitaliseringskommun.yaml"
JOINT = "2062+2034+2039"


def unit(code: str, skr_group: str = "C9") -> pd.DataFrame:
    return pd.DataFrame([{"code": code, "name": code, "county": "", "skr_group": skr_group,
                          "members": tuple(code.split("+"))}])


def test_covariates_combine_by_a_rule_per_covariate():
    cov = pd.DataFrame({"population": [1000.0, 3000.0, 5000.0], "density": [10.0, 100.0, 1.0],
                        "tax_capacity": [90.0, 110.0, 100.0], "skr_group": ["C9", "B3", "C9"]},
                       index=pd.Index(["0001", "0002", "0003"], name="code"))
    out = combine_covariates(cov, unit("0001+0002", "B3")).loc["0001+0002"]
    assert out["population"] == 4000  # sum
    assert out["density"] == pytest.approx(4000 / (1000 / 10 + 3000 / 100))  # total population / total area
    assert out["tax_capacity"] == pytest.approx((90 * 1000 + 110 * 3000) / 4000)  # population-weighted
    assert out["skr_group"] == "B3"  # the unit's: its most populous member's
    cov.loc["0002", "tax_capacity"] = np.nan
    assert np.isnan(combine_covariates(cov, unit("0001+0002")).at["0001+0002", "tax_capacity"])


def synthetic(n: int = 120, seed: int = 3):
    rng = np.random.default_rng(seed)
    codes = pd.Index([f"{i:04d}" for i in range(n)], name="code")
    cov = pd.DataFrame({"population": 10 ** rng.uniform(3.5, 5.5, n), "density": 10 ** rng.uniform(0, 3, n),
                        "tax_capacity": rng.normal(100, 8, n), "skr_group": rng.choice(["A1", "B3", "C9"], n)},
                       index=codes)
    score = 20 + 10 * np.log10(cov["population"]) + 0.5 * (cov["tax_capacity"] - 100) + rng.normal(0, 1, n)
    return pd.Series(score, index=codes), cov


def test_a_joint_nominee_is_no_training_row_and_its_members_do_not_predict_it():
    scores, cov = synthetic()
    code = "0003+0007+0011"
    joint = unit(code)
    with_joint = expected_scores(pd.concat([scores, pd.Series({code: 60.0})]), cov, seed=1, joint=joint)
    alone = expected_scores(scores, cov, seed=1)
    # nobody else's expectation moves: the joint nominee trains nothing
    pd.testing.assert_frame_equal(with_joint.iloc[:-1].reset_index(drop=True), alone)
    row = with_joint.set_index("code").loc[code]
    assert np.isfinite(row["expected"]) and row["difference"] == pytest.approx(60.0 - row["expected"])
    assert row["high"] - row["low"] == pytest.approx(alone["high"].iloc[0] - alone["low"].iloc[0])
    # its own score and its members' scores do not enter its expectation
    moved = scores.copy()
    moved[["0003", "0007", "0011"]] += 50
    again = expected_scores(pd.concat([moved, pd.Series({code: 99.0})]), cov, seed=1, joint=joint).set_index("code")
    assert again.at[code, "expected"] == row["expected"]
    # but another municipality's score does
    other = scores.copy()
    other["0050"] += 50
    third = expected_scores(pd.concat([other, pd.Series({code: 60.0})]), cov, seed=1, joint=joint).set_index("code")
    assert third.at[code, "expected"] != row["expected"]


@pytest.fixture(scope="module")
def framework():
    return load_framework(CRITERIA)


def test_demo_longlist_gives_the_joint_nominee_an_expectation(framework):
    data = load_award_data(DEMO, framework)
    longlist = build_longlist(framework, data, DEMO, seed=42)
    row = longlist.table.set_index("code").loc[JOINT]
    assert longlist.table["expected"].notna().all()  # 19 of 19, the joint nominee too
    assert 0 <= row["expected"] <= 100 and row["difference"] == pytest.approx(row["score"] - row["expected"])
    assert row["low"] < row["difference"] < row["high"] and row["verdict"] in ("above", "below", "as_expected")
    exp = longlist.expectations.set_index("code")
    assert JOINT in exp.index and len(exp) == 291  # the 290 municipalities, then the joint nominee beside them


@pytest.fixture
def joint_folder(tmp_path):
    """A copy of the demo, which has the joint nominee among the nominees (nominees.csv)."""
    folder = Path(shutil.copytree(DEMO, tmp_path / "demo"))
    assert JOINT in (folder / "nominees.csv").read_text(encoding="utf-8")
    return folder


def test_screening_and_profile_show_the_joint_nominees_comparison(framework, joint_folder):
    data = load_award_data(joint_folder, framework)
    assert JOINT in set(data.joint["code"])
    index = screening.screen(framework, data, seed=42)
    table = screening_beside(framework, data, screening.ranking(index, data), index)
    text = " ".join(p.text for p in preconditions_section(index.scores, data, joint_folder, "en", seed=42, beside=table))
    name = data.nominees.set_index("code").at[JOINT, "name"]
    assert f"{name}: no expectation" not in text and "comparable municipalities" in text.split(f"{name}:")[1]
    assert "population summed" in text
    profile = " ".join(p.text for p in profile_section(framework, data, joint_folder, JOINT, name, "sv", seed=42))
    assert "förväntat" in profile and "ingen förväntan" not in profile and "folkmängden summerad" in profile
