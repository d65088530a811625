"""Notebooks really executed by papermill (API and the plain CLI), and a whole demo run rendered."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import papermill as pm
import pytest
from .conftest import only_the_panels_scripts, BIN, CRITERIA, DEMO, ROOT
from bs4 import BeautifulSoup

NOTEBOOK = ROOT / "notebooks" / "evaluate.ipynb"


def _check_ranking(path: Path, framework) -> pd.DataFrame:
    ranking = pd.read_csv(path, dtype={"code": str})
    assert list(ranking.columns) == ["rank", "code", "name", "score"] + [p.id for p in framework.pillars]
    n = len(pd.read_csv(DEMO / "nominees.csv", comment="#", dtype=str))  # every nominee, the joint one too
    assert ranking["rank"].min() == 1 and len(ranking) == n
    assert ranking["code"].str.fullmatch(r"\d{4}(\+\d{4})*").all()  # codes kept as text; a joint one joined by '+'
    return ranking


def test_evaluate_notebook_with_papermill_api(tmp_path, framework):
    out = tmp_path / "out"
    nb = pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "executed.ipynb"), progress_bar=False,
                             parameters={"criteria": str(CRITERIA), "data_dir": str(DEMO), "output_dir": str(out),
                                         "lang": "en", "normalisation": "zscore", "jury_method": "zscore"},
                             kernel_name="python3", execution_timeout=600)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    _check_ranking(out / "ranking.csv", framework)


def test_plain_papermill_cli_from_the_venv(tmp_path, framework):
    """`papermill notebooks/evaluate.ipynb out.ipynb -p <param> <value>` from the repo root."""
    out = tmp_path / "cli-out"
    res = subprocess.run([str(BIN / "papermill"), "notebooks/evaluate.ipynb", str(tmp_path / "out.ipynb"),
                          "-p", "output_dir", str(out), "-p", "lang", "en", "--execution-timeout", "600"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    _check_ranking(out / "ranking.csv", framework)


@pytest.fixture(scope="module")
def demo_run(demo_cli_run):
    out, res = demo_cli_run
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    outcomes = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["evaluations"]
    return out, outcomes


def test_demo_run_writes_index_reports_and_manifest(demo_run, framework):
    out, outcomes = demo_run
    assert all(o["status"] == "done" for o in outcomes)
    index = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = [a["href"] for a in index.find_all("a")]
    assert "overall/report.html" in links
    for href in links:
        assert (out / href).is_file()
    ranking = _check_ranking(out / "overall" / "ranking.csv", framework)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True and manifest["criteria_version"] == framework.version
    assert set(manifest["inputs"]) >= {"data/jury_scores.csv", "data/indicators.csv", "criteria/digitaliseringskommun.yaml"}

    report = BeautifulSoup((out / "overall" / "report.html").read_text(encoding="utf-8"), "html.parser")
    text = report.get_text(" ")
    # no code, no prompts, no CDN scripts; the ranking lists every nominee; the data status is said
    assert not report.select(".input_area, .jp-InputArea, .prompt") and only_the_panels_scripts(report)
    assert report.find(id="ae-explore-data") is not None  # the overall report carries the weights panel
    assert "import award_eval" not in text and "resolve_path" not in text
    assert "syntetiska demonstrationsdata" in text.lower()
    for name in ranking["name"]:
        assert name in text
    assert report.find_all("img") and all(img["src"].startswith("data:image/png;base64,") for img in report.find_all("img"))
    assert str(ROOT) not in report.decode() and str(out) not in report.decode()


def test_english_report(demo_run):
    out, _ = demo_run
    text = BeautifulSoup((out / "overall-en" / "report.html").read_text(encoding="utf-8"), "html.parser").get_text(" ")
    assert "Ranking" in text and "synthetic demonstration data" in text.lower()


def test_jury_report_has_agreement_section(demo_run):
    out, _ = demo_run
    report = BeautifulSoup((out / "jury" / "report.html").read_text(encoding="utf-8"), "html.parser")
    headings = [h.get_text(" ", strip=True) for h in report.find_all(["h1", "h2"])]
    assert any("Samstämmighet" in h for h in headings) and any("Stränghet" in h for h in headings)
    text = report.get_text(" ")
    assert "ICC(2,k)" in text and "Krippendorff" in text and "Kendall" in text
    for name in ("Anna Berg", "Fredrik Ås"):  # not anonymised in the demo plan
        assert name in text
    for f in ("agreement.csv", "disagreements.csv", "severity.csv", "completeness.csv", "jury_zscore.csv"):
        assert (out / "jury" / f).is_file()


def test_screening_report_and_files(demo_run):
    out, _ = demo_run
    screening = pd.read_csv(out / "screening" / "screening.csv", dtype={"code": str})
    assert len(screening) == 291 and screening["nominee"].sum() == 9  # the joint nominee beside the 290
    assert {"rank", "group_rank", "group_size", "skr_group"} <= set(screening.columns)
    text = BeautifulSoup((out / "screening" / "report.html").read_text(encoding="utf-8"), "html.parser").get_text(" ")
    assert "Placering i gruppen" in text and "Värmdö" in text
