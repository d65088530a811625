"""HTML reports: an executed notebook rendered with no code, and the run's index page.

Rendering is in-process (nbconvert's HTMLExporter with award_eval's own template), so no CDN
script and no code cell reaches a reviewer. Cells tagged ``parameters``, ``injected-parameters``
or ``remove-cell`` are removed whole; stderr output (warnings, logs) is dropped.
"""
from __future__ import annotations

import html
import os
import time
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import jinja2
import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from typing import TYPE_CHECKING

from .i18n import Lang, t
from .results import atomic_write_text

if TYPE_CHECKING:
    from .batch import RunContext
    from .plan import EvaluationSpec

TEMPLATES = Path(str(files("award_eval") / "templates"))
REMOVED_TAGS = {"parameters", "injected-parameters", "remove-cell"}
LABELS = {
    "status_label": {"sv": "Data", "en": "Data"},
    "synthetic": {"sv": "syntetiska demonstrationsdata", "en": "synthetic demonstration data"},
    "real": {"sv": "verkliga data", "en": "real data"},
    "date_label": {"sv": "Körd", "en": "Run"},
    "index_label": {"sv": "Alla rapporter", "en": "All reports"},
    "evaluation": {"sv": "Utvärdering", "en": "Evaluation"},
    "state": {"sv": "Status", "en": "Status"},
    "report": {"sv": "Rapport", "en": "Report"},
    "open": {"sv": "Öppna", "en": "Open"},
    "done": {"sv": "klar", "en": "done"},
    "failed": {"sv": "misslyckades", "en": "failed"},
    "skipped": {"sv": "oförändrad", "en": "unchanged"},
    "reports_title": {"sv": "Rapporter", "en": "Reports"},
    "footer": {"sv": "Skapad med award_eval {version}. Kriterier version {criteria_version}.",
               "en": "Made with award_eval {version}. Criteria version {criteria_version}."},
}


def label(key: str, lang: Lang) -> str:
    return LABELS[key][lang]


def run_date() -> str:
    """The run's date (UTC, ISO), from ``SOURCE_DATE_EPOCH`` when set, so output can be reproduced."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    stamp = int(epoch) if epoch and epoch.isdigit() else int(time.time())
    return time.strftime("%Y-%m-%d", time.gmtime(stamp))


@dataclass(frozen=True)
class ReportInfo:
    """What the report header and footer say."""

    title: str
    award: str
    lang: Lang = "sv"
    synthetic: bool = False
    index_href: str = "../index.html"
    footer_lines: list[str] = field(default_factory=list)


class _DropStderr(TagRemovePreprocessor):
    """Remove stderr streams (warnings, log lines) besides the tagged cells."""

    def preprocess_cell(self, cell, resources, index):  # type: ignore[override]
        cell, resources = super().preprocess_cell(cell, resources, index)
        if cell.get("cell_type") == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        return cell, resources


def _exporter() -> HTMLExporter:
    exporter = HTMLExporter(template_name="award_report", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    pre = _DropStderr(remove_cell_tags=REMOVED_TAGS, enabled=True)
    exporter.register_preprocessor(pre, enabled=True)
    return exporter


def render_notebook(notebook: nbformat.NotebookNode | str | Path, info: ReportInfo) -> str:
    """HTML of an executed notebook with no code, in award_eval's report look."""
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(str(notebook), as_version=4)
    lang = info.lang
    footer = "".join(f"<p>{html.escape(line)}</p>" for line in info.footer_lines)
    resources = {"report": {
        "title": info.title, "award": info.award, "lang": lang,
        "status_label": label("status_label", lang),
        "status": label("synthetic" if info.synthetic else "real", lang),
        "status_class": "synthetic" if info.synthetic else "real",
        "date_label": label("date_label", lang), "run_date": run_date(),
        "index_href": info.index_href, "index_label": label("index_label", lang),
        "css": (TEMPLATES / "report.css").read_text(encoding="utf-8"),
        "footer_html": footer,
    }}
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return body


def write_report(notebook: nbformat.NotebookNode | str | Path, info: ReportInfo, path: str | Path) -> Path:
    """Render and write a report atomically."""
    return atomic_write_text(path, render_notebook(notebook, info))


def render_index(entries: list[dict], *, award: str, title: str, lang: Lang = "sv", synthetic: bool = False) -> str:
    """The run's ``index.html``: every evaluation with its status and a link to its report.

    ``entries``: dicts with ``title``, ``status`` (done/failed/skipped) and ``report`` (relative href or None).
    """
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             keep_trailing_newline=True)
    rows = [{**e, "status_text": label(e["status"], lang)} for e in entries]
    return env.get_template("index.html.j2").render(
        lang=lang, title=title, award=award, evaluations=rows, synthetic=synthetic,
        synthetic_text=t("synthetic", lang), status_label=label("status_label", lang),
        status=label("synthetic" if synthetic else "real", lang),
        status_class="synthetic" if synthetic else "real",
        date_label=label("date_label", lang), run_date=run_date(),
        css=(TEMPLATES / "report.css").read_text(encoding="utf-8"),
        labels={k: label(k, lang) for k in ("evaluation", "state", "report", "open")})


def _award_label(ctx: "RunContext", lang: Lang) -> str:
    return ctx.framework.award.label(lang) if ctx.framework else (ctx.plan.award or "")


def write_evaluation_report(notebook: nbformat.NotebookNode, ctx: "RunContext", spec: "EvaluationSpec",
                            path: str | Path) -> Path:
    """The report of one evaluation of a run (called by :mod:`award_eval.batch`)."""
    lang: Lang = ctx.plan.parameters(spec).get("lang", "sv")
    info = ReportInfo(title=spec.title_in(lang), award=_award_label(ctx, lang), lang=lang,
                      synthetic=ctx.synthetic)
    return write_report(notebook, info, path)


def write_index(path: str | Path, ctx: "RunContext", manifest: dict) -> Path:
    """The run's ``index.html`` from the plan and the manifest (called by :mod:`award_eval.batch`)."""
    lang: Lang = ctx.plan.lang  # type: ignore[assignment]
    status = {e["id"]: e["status"] for e in manifest["evaluations"]}
    entries = [{"title": spec.title_in(lang), "status": status.get(spec.id, "failed"),
                "report": f"{spec.id}/report.html" if status.get(spec.id) == "done" else None}
               for spec in ctx.plan.evaluations]
    plan_title = ctx.plan.title
    title = plan_title(lang) if callable(plan_title) else (plan_title or _award_label(ctx, lang))
    return atomic_write_text(path, render_index(entries, award=_award_label(ctx, lang), title=str(title),
                                                lang=lang, synthetic=ctx.synthetic))
