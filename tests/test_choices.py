"""award_eval.choices: the one list of each kind of method, and a plan check that needs no scikit-learn."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from award_eval import choices

ROOT = Path(__file__).resolve().parents[1]


def test_the_scale_maps_are_the_declared_normalisations_in_order():
    from award_eval.composite.scale import SCALE_MAPS

    assert tuple(SCALE_MAPS) == choices.SCALE_METHODS
    assert set(choices.NORMALISATIONS) <= set(SCALE_MAPS)


def test_the_implementing_modules_read_the_declared_names():
    import importlib

    from award_eval import evaluation, jury

    # composite's package names a function `impute` and a function `aggregate`: the modules, by name
    aggregate, impute, treat, model, sampling = (importlib.import_module(f"award_eval.{m}") for m in (
        "composite.aggregate", "composite.impute", "composite.treat", "uncertainty.model", "uncertainty.sampling"))

    assert jury.METHODS is evaluation.JURY_METHODS is choices.JURY_METHODS
    assert aggregate.AGGREGATIONS is choices.COMPOSITE_AGGREGATIONS
    assert aggregate.MEANS is model.MEANS is evaluation.AGGREGATIONS is choices.MEANS
    assert impute.IMPUTATIONS is choices.IMPUTATIONS and treat.TREATMENTS is choices.TREATMENTS
    assert evaluation.NORMALISATIONS is choices.NORMALISATIONS
    assert sampling.WEIGHT_SCHEMES is choices.WEIGHT_SCHEMES and sampling.RESAMPLES is choices.RESAMPLES


def test_checking_the_demo_plan_again_imports_neither_scikit_learn_nor_scipy_stats(tmp_path):
    """What ``award-eval run`` does before it knows whether anything changed: load and check the plan.
    The first check of a round ranks it (scikit-learn); a check into the same folder again reads
    the kept keys (as a second run does) and needs only the allowed values of award_eval.choices."""
    out = tmp_path / "out"
    first = f"""
from pathlib import Path
from award_eval.run.batch import SHARED_DIR, check_plan
from award_eval.run.plan import load_plan, remember_parameters, remember_rounds
plan = load_plan("data/demo/plan.yaml")
remember_parameters(Path({str(out)!r}) / SHARED_DIR, check_plan(plan, {str(out)!r}))
remember_rounds(Path({str(out)!r}) / SHARED_DIR, plan)
"""
    again = f"""
import sys
from award_eval.run.batch import check_plan
from award_eval.run.plan import load_plan
check_plan(load_plan("data/demo/plan.yaml"), {str(out)!r})
import award_eval
print(sorted(m for m in ("sklearn", "scipy.stats", "award_eval.composite", "award_eval.evaluation") if m in sys.modules))
"""
    for code in (first, again):
        res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "[]"


def test_the_package_facade_imports_on_first_use():
    code = """
import sys
import award_eval
assert "pandas" not in sys.modules, "import award_eval loaded pandas"
from award_eval import load_framework, validate, write_sheets, InputError, jury
import award_eval.jury.scores as scores
assert award_eval.completeness is scores.completeness and set(award_eval.__all__) <= set(dir(award_eval))
print("ok")
"""
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "ok"
