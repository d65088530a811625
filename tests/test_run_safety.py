"""Issue #16, the run side: nothing gets out of --out, nothing of the inputs is lost, and every bad
case is one line and exit 2 before any kernel starts. The corpus of the issue, as parametrised tests.

The command line is called in-process (``award_eval.cli.main``): the same code as the terminal's,
without paying the interpreter start per case.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from pathlib import Path

import matplotlib
import pytest

from .conftest import DEMO, ROOT
from .test_plan import write_notebook

from award_eval.cli import main

PARAMS = 'code: str = "a"\ndata_dir: str = ""\noutput_dir: str = "."\nevaluation_id: str = ""\n'


@pytest.fixture
def award(tmp_path: Path) -> Path:
    """tmp/award: plan folder with a small notebook; tmp/award/data: a copy of the demo data."""
    root = tmp_path / "award"
    root.mkdir()
    (root / "data").mkdir()
    for f in DEMO.glob("*.csv"):
        (root / "data" / f.name).write_bytes(f.read_bytes())
    write_notebook(root / "small.ipynb", PARAMS, "import pathlib\npathlib.Path(output_dir, 'r.txt').write_text(code)")
    return root


def write(root: Path, evaluations: str) -> Path:
    plan = root / "plan.yaml"
    plan.write_text(f"award: test\ndefaults: {{data_dir: data}}\nevaluations:\n{evaluations}", encoding="utf-8")
    return plan


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line_exit_2(capsys, argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("award-eval: error: ") and "Traceback" not in err, err
    return lines[0]


# ------------------------------------------------------------------------------------------------
# Evaluation ids and templates: refused when loading the plan
# ------------------------------------------------------------------------------------------------

ID_CASES = {
    "path up": ("  - {id: '../../x', notebook: small.ipynb}\n", "one folder name"),
    "slash": ("  - {id: 'a/b', notebook: small.ipynb}\n", "one folder name"),
    "dot-dot": ("  - {id: '..', notebook: small.ipynb}\n", "one folder name"),
    "hidden": ("  - {id: '.tmp-x', notebook: small.ipynb}\n", "one folder name"),
    "manifest": ("  - {id: manifest.json, notebook: small.ipynb}\n", "manifest.json"),
    "index": ("  - {id: index.en.html, notebook: small.ipynb}\n", "index*.html"),
    "INDEX": ("  - {id: INDEX.HTML, notebook: small.ipynb}\n", "index*.html"),
    "failed twin": ("  - {id: jury, notebook: small.ipynb}\n  - {id: jury.failed, notebook: small.ipynb}\n",
                    "<id>.failed"),
    "case twin": ("  - {id: Jury, notebook: small.ipynb}\n  - {id: jury, notebook: small.ipynb}\n",
                  "unique evaluation id, also ignoring case"),
    "device": ("  - {id: nul, notebook: small.ipynb}\n", "device name"),
    "too long": ("  - {id: " + "a" * 101 + ", notebook: small.ipynb}\n", "at most 100"),
    "foreach item leaves": ("  - {id: 'p-{item}', notebook: small.ipynb, foreach: ['../../x'], as: code}\n",
                            "once the placeholders are filled in"),
    "foreach makes manifest": ("  - {id: '{item}', notebook: small.ipynb, foreach: [manifest.json], as: code}\n",
                               "manifest.json"),
    "huge width": ("  - {id: 'p-{item}', notebook: small.ipynb, foreach: [a], as: code, "
                   "title: '{item:>4000000000}'}\n", "widths of at most 200"),
    "attribute access": ("  - {id: 'p-{item}', notebook: small.ipynb, foreach: [a], as: code, "
                         "title: '{item.__class__}'}\n", "plain names"),
    "nested spec": ("  - {id: 'p-{item}', notebook: small.ipynb, foreach: [a], as: code, "
                    "title: '{item:{item}}'}\n", "widths of at most 200"),
}


@pytest.mark.parametrize("case", list(ID_CASES))
def test_a_bad_id_or_template_is_one_line_and_exit_2(award, tmp_path, capsys, case):
    entries, expected = ID_CASES[case]
    plan = write(award, entries)
    before = snapshot(award)
    line = one_line_exit_2(capsys, ["run", str(plan), "--out", str(tmp_path / "out"), "--quiet"])
    assert "plan.yaml" in line and "evaluations[" in line and expected in line, line
    assert not (tmp_path / "out").exists() and snapshot(award) == before


def test_an_id_like_an_input_file_is_only_a_folder_in_out(award, tmp_path, capsys):
    """`jury_scores.csv` is a fine id: it names a folder inside --out, and the input stays."""
    plan = write(award, "  - {id: jury_scores.csv, notebook: small.ipynb}\n")
    before = snapshot(award)
    assert main(["run", str(plan), "--out", str(tmp_path / "out"), "--quiet", "--jobs", "1"]) == 0
    assert (tmp_path / "out" / "jury_scores.csv" / "r.txt").read_text() == "a"
    assert snapshot(award) == before


# ------------------------------------------------------------------------------------------------
# The plan file and --out: refused before any kernel starts
# ------------------------------------------------------------------------------------------------

def _out_case(award: Path, tmp_path: Path, case: str) -> tuple[list[str], str]:
    plan = write(award, "  - {id: jury_scores.csv, notebook: small.ipynb}\n")
    if case == "plan is a folder":
        return ["run", str(award), "--out", str(tmp_path / "out")], "not a folder"
    if case == "plan not UTF-8":
        plan.write_bytes("award: t\xe4st\n".encode("latin-1"))
        return ["run", str(plan), "--out", str(tmp_path / "out")], "UTF-8"
    if case == "out is the data folder":
        return ["run", str(plan), "--out", str(award / "data")], "neither is nor holds an input folder"
    if case == "out holds the data folder":
        return ["run", str(plan), "--out", str(tmp_path)], "neither is nor holds an input folder"
    if case == "out is the plan's folder":
        return ["run", str(plan), "--out", str(award)], "neither is nor holds an input folder"
    if case == "out inside the data folder":
        return ["run", str(plan), "--out", str(award / "data" / "runs")], "outside the plan's data folder"
    if case == "out is a file":
        return ["run", str(plan), "--out", str(award / "data" / "nominees.csv")], "not a file"
    if case == "out below a file":
        return ["run", str(plan), "--out", str(award / "small.ipynb" / "out")], "is a file"
    raise AssertionError(case)


OUT_CASES = ["plan is a folder", "plan not UTF-8", "out is the data folder", "out holds the data folder",
             "out is the plan's folder", "out inside the data folder", "out is a file", "out below a file"]


@pytest.mark.parametrize("case", OUT_CASES)
def test_a_bad_plan_file_or_output_folder_is_one_line_and_exit_2(award, tmp_path, capsys, case):
    argv, expected = _out_case(award, tmp_path, case)
    before = snapshot(award)
    line = one_line_exit_2(capsys, [*argv, "--quiet"])
    assert expected in line, line
    assert snapshot(award) == before and not (tmp_path / "out").exists()
    assert not list(award.rglob("manifest.json")) and not list(award.rglob(".old-*"))


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_output_folder_is_one_line_and_exit_2(award, tmp_path, capsys):
    plan = write(award, "  - {id: a, notebook: small.ipynb}\n")
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        line = one_line_exit_2(capsys, ["run", str(plan), "--out", str(out / "run"), "--quiet"])
    finally:
        out.chmod(0o755)
    assert "read-only" in line


# ------------------------------------------------------------------------------------------------
# Labels in figures: never mathtext
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("label", [r"$\frac{1}{$ Kostnad", "Kostnad i $", "$x$ och $y$", "a \\$ b $c$"])
def test_labels_with_dollars_are_drawn_as_plain_text(label, framework):
    import matplotlib.pyplot as plt
    import pandas as pd

    from award_eval.present import plots

    matplotlib.use("Agg")
    leaf = framework.leaves()[0].id
    labels = {leaf: label, "weights": label}
    ranking = pd.DataFrame({"code": ["0120", "0181"], "name": [label, "B"], "rank": [1, 2], "score": [80.0, 60.0]})
    removal = pd.DataFrame({"mean_abs_change": [0.5, 0.2], "max_abs_change": [1, 1], "winner_changed": [True, False]},
                           index=[leaf, "other"])
    summary = pd.DataFrame({"nominal": [1, 2], "q05": [1, 1], "q95": [2, 2], "median": [1, 2], "p_first": [0.7, 0.3]},
                           index=["0120", "0181"])
    names = {"0120": label, "0181": "B"}
    severity = pd.DataFrame({"juror": [label, "J2"], "severity": [0.2, -0.1], "consistency": [0.9, 0.8]})
    figures = [plots.ranking_bar(ranking), plots.removal_bar(removal, labels), plots.rank_interval_chart(summary, names),
               plots.p_first_bar(summary, names), plots.juror_severity(severity)]
    for fig in figures:  # drawn here, outside any rc context, as a notebook's display(fig) draws it
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        texts = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
        plt.close(fig)
        assert any(plots._plain(label) in text for text in texts), texts


# ------------------------------------------------------------------------------------------------
# Local paths: none in a run folder
# ------------------------------------------------------------------------------------------------

_BASE64 = re.compile(r"[A-Za-z0-9+/=\n]{200,}")


def test_a_run_folder_holds_no_local_folder(demo_cli_run):
    """`grep` for the home folder, the temporary folder, the checkout and the run folder itself over
    the session's demo run finds nothing (embedded images' base64 left out: it can spell anything)."""
    out, res = demo_cli_run
    assert res.returncode == 0, res.stderr[-3000:]
    needles = {str(Path.home()), tempfile.gettempdir(), str(ROOT), str(out)} - {"/", ""}
    found = []
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 100
    for path in files:
        text = _BASE64.sub("", path.read_bytes().decode("utf-8", errors="replace"))
        found += [(str(path.relative_to(out)), n) for n in needles if n in text]
    assert not found, found[:20]
    # the executed notebook's parameters are relative: to the plan's folder, and '.' for its own folder
    import nbformat

    nb = nbformat.read(str(out / "overall" / "notebook.ipynb"), as_version=4)
    injected = next(c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'criteria = "../../criteria/digitaliseringskommun.yaml"' in injected
    assert 'data_dir = "."' in injected and 'output_dir = "."' in injected


def test_a_criterion_label_with_dollars_runs_through_the_uncertainty_and_ranking_notebooks(tmp_path):
    """The corpus case: a criterion label holding `$…$` once made the uncertainty evaluation fail
    (matplotlib's mathtext ParseException); "Kostnad i $" is ordinary text. Both run, for real."""
    import subprocess
    import sys

    from .conftest import CRITERIA

    label = r"Kultur $\frac{1}{$ och $x$ mognad"
    text = CRITERIA.read_text(encoding="utf-8")
    assert "    sv: Kultur, kompetens och digital mognad\n" in text
    (tmp_path / "criteria.yaml").write_text(text.replace("    sv: Kultur, kompetens och digital mognad\n",
                                                         f"    sv: '{label}'\n"), encoding="utf-8")
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"""award: digitaliseringskommun
defaults: {{criteria: criteria.yaml, data_dir: {DEMO}, lang: sv, seed: 42}}
evaluations:
  - {{id: uncertainty, notebook: {ROOT / 'notebooks' / 'uncertainty.ipynb'}, parameters: {{n: 400, sobol_n: 64}}}}
  - {{id: overall, notebook: {ROOT / 'notebooks' / 'evaluate.ipynb'}}}
""", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "award_eval.cli", "run", str(plan), "--out", str(tmp_path / "out"),
                          "--jobs", "2", "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "2 done" in res.stdout


def test_a_path_outside_the_plans_tree_travels_without_local_folders(award, tmp_path):
    """A plan in /tmp naming inputs elsewhere: relative to the plan would read ``../../work/…`` or
    ``../../home/ann/…``; such a path is given relative to a local root, or by its name."""
    from award_eval.run.context import portable_path
    from award_eval.run.plan import load_plan

    from .conftest import CRITERIA

    plan = load_plan(write(award, "  - {id: a, notebook: small.ipynb}\n"))
    assert portable_path(plan, str(award / "data")) == "data"
    if Path(os.path.commonpath([str(CRITERIA), str(award)])) == Path("/"):
        away = portable_path(plan, str(CRITERIA))
        assert not away.startswith("..") and not os.path.isabs(away) and away.endswith("digitaliseringskommun.yaml")
