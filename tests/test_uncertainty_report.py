"""The uncertainty section as a reviewer sees it: the demo plan names it, and its report (rendered
from the notebook's stored outputs, which nbval checks against a fresh run) shows every part.

The demo run in test_notebooks.py executes the whole plan, this evaluation included."""
from __future__ import annotations

import nbformat
from .conftest import DEMO, ROOT
from bs4 import BeautifulSoup

from award_eval.run.plan import load_plan
from award_eval.run.report.html import ReportInfo, render_notebook

NOTEBOOK = ROOT / "notebooks" / "uncertainty.ipynb"


def test_demo_plan_runs_the_uncertainty_notebook():
    plan = load_plan(DEMO / "plan.yaml")
    spec = next(s for s in plan.evaluations if s.id == "uncertainty")
    assert spec.notebook == NOTEBOOK.resolve()


def test_report_shows_the_uncertainty_section():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    html = render_notebook(nb, ReportInfo(title="Osäkerhet", award="Sveriges Digitaliseringskommun", synthetic=True))
    report = BeautifulSoup(html, "html.parser")
    headings = [h.get_text(" ", strip=True) for h in report.find_all(["h1", "h2"])]
    for part in ("Placeringsintervall", "Vad flyttar resultatet?", "Om ett kriterium tas bort", "Vad som skulle krävas"):
        assert any(part in h for h in headings), (part, headings)
    text = report.get_text(" ")
    assert "syntetiska demonstrationsdata" in text.lower()
    assert "simuleringar" in text and "Etta (%)" in text and "betygssteg" in text
    for name in ("Södertälje", "Uppsala", "Timrå"):
        assert name in text
    assert len(report.find_all("img")) == 4  # rank intervals, P(first), Sobol, leave one out
    assert "import award_eval" not in text and "monte_carlo(" not in text and "Skrev" not in text
