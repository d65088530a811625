"""Plan files: foreach expansion, and every plan error found before anything runs (no execution here)."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from .conftest import CRITERIA, DEMO, ROOT

from award_eval.errors import InputError
from award_eval.run.plan import check_parameters, load_plan, notebook_parameters

EVALUATE = ROOT / "notebooks" / "evaluate.ipynb"


def write_notebook(path: Path, parameters: str, body: str = "print(code)") -> Path:
    """A small notebook whose first cell is tagged ``parameters``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def profile_nb(tmp_path: Path) -> Path:
    return write_notebook(tmp_path / "profile.ipynb",
                          'code: str = "0120"  # municipality\n'
                          'criteria: str = ""\ndata_dir: str = ""\nlang: str = "sv"\n'
                          'output_dir: str = "."\nevaluation_id: str = ""\n')


def plan_file(tmp_path: Path, evaluations: str, defaults: str | None = None) -> Path:
    defaults = defaults or f"{{criteria: {CRITERIA}, data_dir: {DEMO}, lang: sv, seed: 42}}"
    path = tmp_path / "plan.yaml"
    path.write_text(f"award: demo\ndefaults: {defaults}\nevaluations:\n{evaluations}", encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(InputError) as info:
        check_parameters(load_plan(path))
    message = str(info.value)
    assert "\n" not in message and "plan.yaml" in message
    return message


#: The demo's nominees as plan ids spell them: the joint nominee 2062+2034+2039 with '-' for '+'.
NOMINEES = ["0120", "0181", "0380", "0480", "1430", "1880", "2262", "2584", "2062-2034-2039"]


def test_demo_plan_loads_with_absolute_paths():
    plan = load_plan(DEMO / "plan.yaml")
    ids = [s.id for s in plan.evaluations]
    assert ids[:18] == ["overall", "overall-en", "jury", "jury-en", "screening", "screening-en", "longlist",
                        "stage-nominated", "stage-longlist", "stage-shortlist", "stage-winner", "longlist-en",
                        "stage-nominated-en", "stage-longlist-en", "stage-shortlist-en", "stage-winner-en",
                        "uncertainty", "uncertainty-en"]
    assert ids[18:] == [f"profile-{c}" for c in NOMINEES] + [f"profile-{c}-en" for c in NOMINEES]
    assert Path(plan.defaults["criteria"]).is_absolute() and Path(plan.defaults["data_dir"]).is_dir()
    assert plan.evaluations[0].notebook == EVALUATE


def test_foreach_nominees_makes_one_evaluation_per_nominee(tmp_path, profile_nb, demo_data):
    plan = load_plan(plan_file(tmp_path, f"""
  - id: overall
    notebook: {EVALUATE}
  - id: "profile-{{code}}"
    notebook: {profile_nb}
    title: {{sv: "Profil: {{name}}", en: "Profile: {{name}}"}}
    foreach: nominees
    as: code
"""))
    profiles = [s for s in plan.evaluations if s.group == "profile-{code}"]
    assert [s.item for s in profiles] == list(demo_data.nominees["code"])
    first = profiles[0]
    assert first.id == "profile-0120" and first.parameters == {"code": "0120"} and first.item_parameter == "code"
    assert first.title_in("sv") == "Profil: Värmdö" and first.title_in("en") == "Profile: Värmdö"
    declared = check_parameters(plan)
    # defaults reach the notebooks that declare them; the built-ins too; seed is not declared by profile.ipynb
    params = notebook_parameters(plan, first, declared[profile_nb], output_dir="/out")
    assert params == {"criteria": str(CRITERIA), "data_dir": str(DEMO), "lang": "sv", "code": "0120",
                      "evaluation_id": "profile-0120", "output_dir": "/out"}
    assert "seed" in notebook_parameters(plan, plan.evaluations[0], declared[EVALUATE])


def test_foreach_municipalities_and_lists(tmp_path, profile_nb):
    plan = load_plan(plan_file(tmp_path, f"""
  - {{id: "all-{{code}}", notebook: {profile_nb}, foreach: municipalities, as: code}}
  - {{id: "norm-{{item}}", notebook: {EVALUATE}, foreach: [minmax, zscore, rank], as: normalisation}}
"""))
    assert sum(s.group == "all-{code}" for s in plan.evaluations) == 290
    norms = [s for s in plan.evaluations if s.group == "norm-{item}"]
    assert [(s.id, s.parameters["normalisation"]) for s in norms] == [
        ("norm-minmax", "minmax"), ("norm-zscore", "zscore"), ("norm-rank", "rank")]
    check_parameters(plan)


@pytest.mark.parametrize("evaluations, words", [
    ("  - {id: a, notebook: missing.ipynb}\n", ["evaluations[0].notebook", "existing notebook"]),
    ("  - {id: a, notebook: NB}\n  - {id: a, notebook: NB}\n", ["evaluations[1].id", "'a'", "unique"]),
    ("  - {id: p, notebook: NB, foreach: [a, b], as: code}\n", ["evaluations[0].id", "placeholder"]),
    ("  - {id: 'p-{code}', notebook: NB, foreach: [a, a], as: code}\n", ["'p-a'", "unique"]),
    ("  - {id: 'p-{code}', notebook: NB, foreach: nominees}\n", ["evaluations[0]", "as:"]),
    ("  - {id: p, notebook: NB, as: code}\n", ["evaluations[0].as", "foreach"]),
    ("  - {id: 'p-{code}', notebook: NB, foreach: nominee, as: code}\n", ["evaluations[0].foreach"]),
    ("  - {id: 'p-{code}', notebook: NB, foreach: [], as: code}\n", ["evaluations[0].foreach", "non-empty"]),
    ("  - {id: 'p-{code}', notebook: NB, title: 'Profil {namn}', foreach: [a], as: code}\n",
     ["evaluations[0].title", "{namn}"]),
    ("  - {id: 'p {code}', notebook: NB, foreach: [a], as: code}\n", ["evaluations[0].id", "'p a'"]),
    ("  - {id: 'p-{code}', notebook: NB, foreach: [a], as: code, parameters: {code: b}}\n",
     ["evaluations[0].parameters.code", "not both"]),
    ("  - {id: a, notebook: NB, parameters: {output_dir: /tmp}}\n", ["evaluations[0].parameters.output_dir"]),
    ("  - {id: a, notebook: NB, colour: red}\n", ["evaluations[0]", "colour", "unknown key"]),
])
def test_plan_errors_found_at_load(tmp_path, profile_nb, evaluations, words):
    message = error_of(plan_file(tmp_path, evaluations.replace("NB", str(profile_nb))))
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("evaluations, defaults, words", [
    # a parameter the notebook does not declare (papermill's inspection)
    ("  - {id: a, notebook: NB, parameters: {colour: red}}\n", None,
     ["evaluations[0].parameters.colour", "'colour'", "profile.ipynb declares"]),
    # the foreach item goes to a parameter the notebook does not declare
    ("  - {id: 'p-{item}', notebook: NB, foreach: [a], as: kommun}\n", None, ["evaluations[0].as", "'kommun'"]),
    # YAML reads 0120 as the (octal) number 80: the declared type catches it
    ("  - {id: 'p-{item}', notebook: NB, foreach: [0120, 0180], as: code}\n", None,
     ["evaluations[0].foreach", "value 80", "code: str", "quote"]),
    ("  - {id: a, notebook: NB, parameters: {code: 120}}\n", None, ["evaluations[0].parameters.code", "value 120"]),
    # a default that no notebook of the plan declares is a typo
    ("  - {id: a, notebook: NB}\n", "{lang: sv, sed: 1}", ["defaults.sed", "declared by at least one notebook"]),
    ("  - {id: a, notebook: " + str(EVALUATE) + "}\n", "{seed: '42'}", ["defaults.seed", "int"]),
    ("  - {id: 'p-{code}', notebook: NB, foreach: nominees, as: code}\n", "{lang: sv}",
     ["evaluations[0].foreach", "data_dir"]),
])
def test_plan_errors_found_before_running(tmp_path, profile_nb, evaluations, defaults, words):
    message = error_of(plan_file(tmp_path, evaluations.replace("NB", str(profile_nb)), defaults))
    for word in words:
        assert word in message, message


def test_plan_error_in_the_data_folder_names_the_csv(tmp_path, profile_nb, demo_copy):
    (demo_copy / "nominees.csv").write_text("code\n9999\n", encoding="utf-8")
    path = plan_file(tmp_path, f"  - {{id: 'p-{{code}}', notebook: {profile_nb}, foreach: nominees, as: code}}\n",
                     f"{{data_dir: {demo_copy}}}")
    with pytest.raises(InputError, match=r"nominees\.csv, row 2, column 'code': value '9999'"):
        load_plan(path)
