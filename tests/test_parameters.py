"""Notebook parameters checked before computing: in the notebook (one line, no traceback) and by
`award-eval run` (exit 2, one line naming plan, evaluation and value, before any kernel starts)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import papermill as pm
import pytest
from .conftest import CRITERIA, DEMO, ROOT

from award_eval.errors import InputError
from award_eval.parameters import SCHEMAS, allowed_values, check_notebook_parameters
from award_eval.run.plan import check_parameters, declared_parameters, load_plan

NOTEBOOKS = ROOT / "notebooks"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_covers_every_parameter_and_the_cell_lists_every_allowed_value(name):
    declared = declared_parameters(NOTEBOOKS / f"{name}.ipynb")
    assert set(declared) == set(SCHEMAS[name])
    defaults = {}
    for pname, decl in declared.items():
        for value in allowed_values(name, pname):
            assert value in decl["help"], f"{name}.ipynb: {pname}'s comment does not list {value!r}"
        defaults[pname] = eval(decl["default"])  # the cell's own values pass their schema
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(NOTEBOOKS)
        check_notebook_parameters(name, defaults)
    assert {p.stem for p in NOTEBOOKS.glob("*.ipynb")} == set(SCHEMAS)


GOOD = {"criteria": str(CRITERIA), "data_dir": str(DEMO), "lang": "sv", "seed": 42, "normalisation": "minmax",
        "aggregation": "default", "jury_method": "mean", "anonymise_jurors": False, "code": "0120"}


@pytest.mark.parametrize("name, value, words", [
    ("normalisation", "minmx", ["parameter 'normalisation'", "'minmx'", "minmax, zscore, rank"]),
    ("jury_method", "trimmean", ["'trimmean'", "mean, median, trimmed, zscore"]),
    ("lang", "se", ["parameter 'lang'", "'se'", "sv, en"]),
    ("aggregation", "geometrc", ["'geometrc'", "default, arithmetic, geometric"]),
    ("criteria", "criteria/digitaliseringskommun.yam", ["parameter 'criteria'", "not found"]),
    ("data_dir", "/no/such/folder", ["parameter 'data_dir'", "'/no/such/folder' not found"]),
    ("data_dir", str(ROOT / "criteria"), ["municipalities.csv"]),
    ("seed", "42", ["parameter 'seed'", "whole number"]),
    ("seed", -1, ["parameter 'seed'", "greater than or equal to 0"]),
    ("anonymise_jurors", 1, ["true or false"]),
    ("code", "9999", ["parameter 'code'", "'9999'", "register"]),
    ("code", 120, ["parameter 'code'", "value 120", "text"]),
])
def test_bad_values_are_one_line_naming_parameter_and_value(name, value, words):
    with pytest.raises(InputError) as info:
        check_notebook_parameters("profile", {**GOOD, name: value})
    message = str(info.value)
    assert "\n" not in message and message.startswith("profile.ipynb")
    for word in words:
        assert word in message, message
    assert info.value._render_traceback_() == [f"InputError: {message}"]


@pytest.mark.parametrize("params, words", [
    ({"sobol_n": 500}, ["'sobol_n'", "power of 2"]),
    ({"spread": 1.0}, ["'spread'", "less than 1"]),
    ({"aggregations": "arithmetic, geometrc"}, ["'aggregations'", "'geometrc' is none of them"]),
    ({"normalisations": "minmax,goalposts"}, ["'normalisations'", "'goalposts'"]),
    ({"focus": "0114"}, ["'focus'", "nominee"]),
    ({"jurors": "bootstrap", "jury_method": "median"}, ["'jurors'", "mean only"]),
])
def test_uncertainty_values(params, words):
    with pytest.raises(InputError) as info:
        check_notebook_parameters("uncertainty", {"data_dir": str(DEMO), **params})
    for word in words:
        assert word in str(info.value), str(info.value)
    check_notebook_parameters("uncertainty", {"data_dir": str(DEMO), "focus": "0120", "jurors": "bootstrap",
                                              "normalisations": "minmax, rank", "sobol_n": 1024})


def plan_file(tmp_path: Path, evaluation: str, defaults: str = "lang: sv") -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(f"""defaults: {{criteria: {CRITERIA}, data_dir: {DEMO}, seed: 1, {defaults}}}
evaluations:
  - {{id: first, notebook: {NOTEBOOKS / 'jury.ipynb'}}}
  - {evaluation}
""", encoding="utf-8")
    return path


@pytest.mark.parametrize("evaluation, defaults, words", [
    (f"{{id: overall, notebook: {NOTEBOOKS / 'evaluate.ipynb'}, parameters: {{normalisation: minmx}}}}", "lang: sv",
     ["at evaluations[1].parameters.normalisation", "value 'minmx'", "evaluation 'overall'", "evaluate.ipynb"]),
    (f"{{id: overall, notebook: {NOTEBOOKS / 'evaluate.ipynb'}}}", "lang: se",
     ["at defaults.lang", "value 'se'", "evaluation 'first'", "jury.ipynb"]),
    (f"{{id: 'norm-{{item}}', notebook: {NOTEBOOKS / 'evaluate.ipynb'}, foreach: [minmax, minmx], as: normalisation}}",
     "lang: sv", ["at evaluations[1].foreach", "value 'minmx'", "evaluation 'norm-minmx'"]),
    (f"{{id: p, notebook: {NOTEBOOKS / 'profile.ipynb'}, parameters: {{code: '0000'}}}}", "lang: sv",
     ["at evaluations[1].parameters.code", "'0000'", "evaluation 'p'"]),
    (f"{{id: s, notebook: {NOTEBOOKS / 'screening.ipynb'}, parameters: {{min_coverage: 1.5}}}}", "lang: sv",
     ["at evaluations[1].parameters.min_coverage", "1.5", "less than or equal to 1"]),
])
def test_plan_values_are_checked_against_the_schema(tmp_path, evaluation, defaults, words):
    with pytest.raises(InputError) as info:
        check_parameters(load_plan(plan_file(tmp_path, evaluation, defaults)))
    message = str(info.value)
    assert "\n" not in message and "plan.yaml" in message
    for word in words:
        assert word in message, message


def test_plan_with_a_missing_criteria_file_says_not_found(tmp_path):
    path = plan_file(tmp_path, f"{{id: overall, notebook: {NOTEBOOKS / 'evaluate.ipynb'}}}")
    path.write_text(path.read_text(encoding="utf-8").replace(str(CRITERIA), str(tmp_path / "criteria.yaml")),
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"at defaults\.criteria: '.*criteria\.yaml' not found \(evaluation 'first'"):
        check_parameters(load_plan(path))


def test_award_eval_run_with_minmx_exits_2_before_any_kernel_starts(tmp_path):
    plan = plan_file(tmp_path, f"{{id: overall, notebook: {NOTEBOOKS / 'evaluate.ipynb'}, "
                               "parameters: {normalisation: minmx}}")
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "award_eval.cli", "run", str(plan), "--out", str(out), "--quiet"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert "plan.yaml" in lines[0] and "evaluation 'overall'" in lines[0] and "'minmx'" in lines[0], lines[0]
    assert not out.exists() and res.stdout == ""


def test_a_bad_value_stops_the_notebook_in_one_line_before_any_computation(tmp_path):
    """Really executed: the error is the first cell after the (injected) parameters, one line, no traceback."""
    out = tmp_path / "out"
    with pytest.raises(pm.PapermillExecutionError) as info:
        pm.execute_notebook(str(NOTEBOOKS / "evaluate.ipynb"), str(tmp_path / "executed.ipynb"), progress_bar=False,
                            parameters={"criteria": str(CRITERIA), "data_dir": str(DEMO), "output_dir": str(out),
                                        "normalisation": "minmx"},
                            kernel_name="python3", execution_timeout=600)
    err = info.value
    assert err.ename == "InputError"
    from award_eval.evaluation import NORMALISATIONS
    assert len(err.traceback) == 1
    line = err.traceback[0]
    assert line.startswith("InputError: evaluate.ipynb, parameter 'normalisation': value 'minmx' — expected one of ")
    assert set(line.split("expected one of ")[1].split(", ")) == set(NORMALISATIONS)
    cells = [c for c in pm.iorw.load_notebook_node(str(tmp_path / "executed.ipynb")).cells
             if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]  # papermill's markers, not ours
    injected = next(i for i, c in enumerate(cells) if "injected-parameters" in c.metadata.get("tags", []))
    failed = [i for i, c in enumerate(cells) if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    assert failed == [injected + 1]
    assert cells[injected + 1].source.startswith("from award_eval.parameters import check_notebook_parameters\n"
                                                 'check_notebook_parameters("evaluate", globals())')
    assert not out.exists()
