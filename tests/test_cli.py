"""The award-eval command: exit codes, one-line errors without a traceback, nothing written on error."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from .conftest import CRITERIA, DEMO, ROOT


def _demo_count(name: str = "jury_scores.csv") -> int:
    """Data rows of a demo CSV (its banner and header left out): counts derived from the data."""
    lines = (DEMO / name).read_text(encoding="utf-8").splitlines()
    return len([ln for ln in lines if ln and not ln.startswith("#")]) - 1


def _owed_per_juror() -> int:
    """Scores one juror without conflicts owes: every nominee × every jury criterion."""
    import yaml

    criteria = yaml.safe_load(CRITERIA.read_text(encoding="utf-8"))
    return _demo_count("nominees.csv") * sum(n.get("kind") == "jury" for n in criteria["nodes"])


def award_eval(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "award_eval.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def test_validate_ok():
    res = award_eval("validate", "--criteria", str(CRITERIA), "--data", str(DEMO))
    assert res.returncode == 0, res.stderr
    assert "OK" in res.stdout and "synthetic" in res.stdout


def test_negative_weight_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "criteria.yaml"
    bad.write_text(CRITERIA.read_text(encoding="utf-8").replace("  weight: 1.5\n", "  weight: -2\n", 1), encoding="utf-8")
    res = award_eval("validate", "--criteria", str(bad), "--data", str(DEMO))
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert "criteria.yaml" in lines[0] and "weight" in lines[0] and "-2" in lines[0]


def test_jury_score_of_seven_exits_2(demo_copy):
    path = demo_copy / "jury_scores.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Anna Berg,0120,strategy,3,", "Anna Berg,0120,strategy,7,", 1), encoding="utf-8")
    res = award_eval("validate", "--criteria", str(CRITERIA), "--data", str(demo_copy))
    assert res.returncode == 2
    line = res.stderr.strip()
    assert "\n" not in line and "Traceback" not in res.stderr
    assert "jury_scores.csv" in line and "row 3" in line and "'score'" in line and "'7'" in line and "1 to 5" in line


def test_run_with_bad_data_writes_nothing(demo_copy, tmp_path):
    path = demo_copy / "jury_scores.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",strategy,3,", ",strategy,9,", 1), encoding="utf-8")
    plan = demo_copy / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("../../", str(ROOT) + "/"), encoding="utf-8")
    out = tmp_path / "out"
    res = award_eval("run", str(plan), "--out", str(out), "--quiet")
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert not out.exists()


def test_unknown_plan_parameter_is_found_before_running(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"""
defaults: {{criteria: {CRITERIA}, data_dir: {DEMO}, lang: sv, seed: 1}}
evaluations:
  - {{id: x, notebook: {ROOT / 'notebooks/evaluate.ipynb'}, parameters: {{colour: red}}}}
""", encoding="utf-8")
    res = award_eval("run", str(plan), "--out", str(tmp_path / "out"), "--quiet")
    assert res.returncode == 2 and "colour" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content, words", [
    ("evaluations: []\n", "evaluations"),
    ("evaluations:\n  - {id: a, notebook: nowhere.ipynb}\n", "existing notebook"),
])
def test_bad_plans(tmp_path, content, words):
    plan = tmp_path / "plan.yaml"
    plan.write_text(content, encoding="utf-8")
    res = award_eval("run", str(plan), "--out", str(tmp_path / "out"), "--quiet")
    assert res.returncode == 2 and words in res.stderr and "Traceback" not in res.stderr


def test_sheet_workflow_through_the_cli(tmp_path):
    """sheets → filled in (openpyxl, as a juror would) → validate reads them back, complete."""
    from .test_sheets import fill_from_csv

    out = tmp_path / "sheets"
    res = award_eval("sheets", "--criteria", str(CRITERIA), "--nominees", str(DEMO / "nominees.csv"),
                     "--jurors", str(DEMO / "jurors.csv"), "--out", str(out))
    assert res.returncode == 0, res.stderr
    books = sorted(out.glob("*.xlsx"))
    assert len(books) == 7
    res = award_eval("validate", "--criteria", str(CRITERIA), "--data", str(DEMO), "--scores", *map(str, books))
    assert res.returncode == 0 and f"Fredrik Ås: {_owed_per_juror()} of {_owed_per_juror()}" in res.stdout  # nothing filled in yet
    fill_from_csv(books, DEMO / "jury_scores.csv")
    res = award_eval("validate", "--criteria", str(CRITERIA), "--data", str(DEMO), "--scores",
                     *map(str, books), "--require-complete")
    assert res.returncode == 0, res.stderr
    assert f"{_demo_count()} jury scores" in res.stdout and "complete: 7 jurors" in res.stdout


def test_kolada_fetch_through_the_cli_against_a_local_server(tmp_path):
    """Real HTTP on 127.0.0.1 (the recorded responses of test_kolada); KPIs mapped to criterion ids."""
    from .test_kolada import FakeKolada

    server = FakeKolada()
    try:
        out = tmp_path / "indicators.csv"
        res = award_eval("kolada", "fetch", "--criteria", str(CRITERIA), "--year", "2023", "--year", "2024",
                         "--municipality", "0120", "--municipality", "0180", "--base-url", server.base + "/v3",
                         "--cache", str(tmp_path / "cache"), "--out", str(out))
    finally:
        server.close()
    assert res.returncode == 0, res.stderr
    import pandas as pd

    frame = pd.read_csv(out, dtype={"code": str})
    assert list(frame.columns) == ["code", "indicator", "year", "value"]
    assert set(frame["indicator"]) <= {"broadband", "email_help"} and len(frame) > 0
    assert set(frame["code"]) <= {"0120", "0180"}


def test_kolada_offline_is_one_line(tmp_path):
    res = award_eval("kolada", "fetch", "--kpi", "N07900", "--year", "2024", "--base-url", "http://127.0.0.1:9",
                     "--cache", str(tmp_path / "c"), "--out", str(tmp_path / "k.csv"))
    assert res.returncode == 2 and "could not reach Kolada" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "k.csv").exists()


def test_returned_sheets_become_the_runs_jury_scores(tmp_path):
    """validate --scores … --write: the workbooks' scores as the data folder's jury_scores.csv, which
    load_award_data (and so award-eval run) reads back to the same frame."""
    import shutil

    from .test_sheets import fill_from_csv

    from award_eval import load_award_data, load_framework

    out = tmp_path / "sheets"
    assert award_eval("sheets", "--criteria", str(CRITERIA), "--nominees", str(DEMO / "nominees.csv"),
                      "--jurors", str(DEMO / "jurors.csv"), "--out", str(out)).returncode == 0
    books = sorted(out.glob("*.xlsx"))
    fill_from_csv(books, DEMO / "jury_scores.csv")
    data_dir = tmp_path / "award"
    shutil.copytree(DEMO, data_dir)
    target = data_dir / "jury_scores.csv"
    target.unlink()
    res = award_eval("validate", "--criteria", str(CRITERIA), "--data", str(DEMO), "--scores", *map(str, books),
                     "--require-complete", "--write", str(target))
    assert res.returncode == 0, res.stderr
    assert f"Wrote {_demo_count()} scores" in res.stdout
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# SYNTHETIC DEMONSTRATION DATA") and "merged by award-eval validate from 7 file(s)" in text
    framework = load_framework(CRITERIA)
    merged, demo = load_award_data(data_dir, framework), load_award_data(DEMO, framework)
    cols = ["juror", "nominee", "criterion", "score", "comment"]
    key = ["juror", "nominee", "criterion"]
    a = merged.jury_scores[cols].sort_values(key).reset_index(drop=True)
    b = demo.jury_scores[cols].sort_values(key).reset_index(drop=True)
    assert a.equals(b)
    assert merged.synthetic


def test_write_refuses_to_overwrite_an_input_and_needs_scores(tmp_path):
    src = tmp_path / "scores.csv"
    src.write_bytes((DEMO / "jury_scores.csv").read_bytes())
    before = src.read_bytes()
    res = award_eval("validate", "--criteria", str(CRITERIA), "--data", str(DEMO), "--scores", str(src),
                     "--write", str(src))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "inputs are never overwritten" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert src.read_bytes() == before
    res = award_eval("validate", "--criteria", str(CRITERIA), "--data", str(DEMO), "--write", str(tmp_path / "x.csv"))
    assert res.returncode == 2 and "--scores" in res.stderr and not (tmp_path / "x.csv").exists()


def test_write_writes_nothing_when_a_sheet_is_wrong(tmp_path):
    bad = tmp_path / "scores.csv"
    bad.write_text((DEMO / "jury_scores.csv").read_text(encoding="utf-8").replace(
        "Anna Berg,0120,strategy,3,", "Anna Berg,0120,strategy,7,", 1), encoding="utf-8")
    target = tmp_path / "merged.csv"
    res = award_eval("validate", "--criteria", str(CRITERIA), "--data", str(DEMO), "--scores", str(bad),
                     "--write", str(target))
    assert res.returncode == 2 and "value '7'" in res.stderr
    assert not target.exists() and not list(tmp_path.glob(".merged.csv.*"))
