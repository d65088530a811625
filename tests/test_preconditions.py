"""Expected results given preconditions: cross-fitted, so no municipality predicts itself."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from award_eval.errors import InputError
from award_eval.evaluation import population_scores
from award_eval.preconditions import expected_scores, load_covariates

from .conftest import DEMO


def synthetic(n: int = 120, seed: int = 3):
    rng = np.random.default_rng(seed)
    codes = pd.Index([f"{i:04d}" for i in range(n)], name="code")
    cov = pd.DataFrame({"population": 10 ** rng.uniform(3.5, 5.5, n), "tax_capacity": rng.normal(100, 8, n),
                        "skr_group": rng.choice(["A1", "B3", "C9"], n)}, index=codes)
    score = 20 + 10 * np.log10(cov["population"]) + 0.5 * (cov["tax_capacity"] - 100) + rng.normal(0, 1, n)
    return pd.Series(score, index=codes), cov


def test_a_municipality_never_predicts_itself():
    scores, cov = synthetic()
    before = expected_scores(scores, cov, seed=1).set_index("code")
    changed = scores.copy()
    changed.iloc[7] += 40  # only its own result changes
    after = expected_scores(changed, cov, seed=1).set_index("code")
    code = scores.index[7]
    assert after.at[code, "expected"] == before.at[code, "expected"]
    assert after.at[code, "difference"] == pytest.approx(before.at[code, "difference"] + 40)
    assert after.at[code, "verdict"] == "above"


def test_the_model_recovers_a_known_relation_and_is_deterministic():
    scores, cov = synthetic()
    res = expected_scores(scores, cov, seed=2)
    assert np.abs(res["difference"]).median() < 2  # noise SD is 1
    assert (res["verdict"] == "as_expected").mean() > 0.9
    pd.testing.assert_frame_equal(res, expected_scores(scores, cov, seed=2))
    assert ((res["low"] <= res["difference"]) & (res["difference"] <= res["high"])).all()


def test_demo_covariates_load_and_give_every_nominee_an_expectation(framework, demo_data):
    cov = load_covariates(DEMO / "covariates.csv", demo_data.register)
    assert len(cov) == 290 and list(cov.columns) == ["population", "density", "tax_capacity", "skr_group"]
    res = expected_scores(population_scores(framework, demo_data)["index"], cov).set_index("code")
    # every nominee that is a municipality; a joint nominee has no covariates row (its expectation: not yet modelled)
    codes = [c for c in demo_data.nominees["code"] if c not in set(demo_data.joint["code"])]
    assert len(codes) == len(demo_data.nominees) - 1
    nominees = res.loc[codes]
    assert nominees["expected"].notna().all() and nominees["expected"].between(0, 100).all()


@pytest.mark.parametrize("row, expected", [("9999,1000,10,100", "a municipality code from the register"),
                                           ("0114,many,10,100", "a number"),
                                           ("0114,-5,10,100", "a positive number")])
def test_bad_covariates_are_one_line(tmp_path, demo_data, row, expected):
    path = tmp_path / "covariates.csv"
    path.write_text("code,population,density,tax_capacity\n" + row + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_covariates(path, demo_data.register)
    msg = str(err.value)
    assert "row 2" in msg and expected in msg and "\n" not in msg
