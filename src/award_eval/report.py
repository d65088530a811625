"""HTML reports: an executed notebook rendered with no code, and the run's index page.

Rendering is in-process (nbconvert's HTMLExporter with award_eval's own template, see
``templates/award_report``), so no CDN script and no code cell reaches a reviewer.

What a report page is made of:

- a header (award, round, the evaluation's title, the data's status, the run date, the criteria
  version), a banner when the data are synthetic, and a table of contents built from the ``h2``
  headings;
- the notebook's outputs, after :func:`prepare_notebook` has removed cells tagged ``parameters``,
  ``injected-parameters``, ``remove-cell`` or another language's ``lang-xx``, stderr (warnings,
  logs), errors, JavaScript and widget outputs, and bare object reprs (``<Figure at 0x…>``);
  HTML and Markdown outputs pass an allow-list sanitiser (:func:`sanitize_html`);
- a method section written from the choices the notebook actually made (the *report record* it
  publishes with :func:`publish`; rebuilt from its parameters when it published none), and the
  provenance block of the run (the same dict as ``manifest.json``);
- a last pass that replaces local folders by relative names and, when the plan anonymises
  jurors, any juror name left in the text by its alias.

A notebook talks to its report through one call, :func:`publish`, which displays the method
inline for a Jupyter user and attaches a JSON record (kind, titles, subject, summary, method)
under :data:`RECORD_MIME`. The record is also written next to the report as ``report.json``,
from which :func:`write_index` builds the run's summary.
"""
from __future__ import annotations

import copy
import html
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd

from . import __version__
from .i18n import Lang, check_lang, fmt_int, fmt_number, skr_group_name, sort_key, t
from .method import method_html, provenance_html, record_from_parameters
from .privacy import juror_aliases, local_roots, scrub_names_html, scrub_paths
from .results import atomic_write_text

if TYPE_CHECKING:  # nbformat and nbconvert are imported where a page is rendered, not by notebooks
    import nbformat                                   # that only publish (they cost ~1.5 s to import)
    from nbconvert import HTMLExporter

    from .batch import RunContext
    from .plan import EvaluationSpec

TEMPLATES = Path(str(files("award_eval") / "templates"))
RECORD_MIME = "application/vnd.award-eval.report+json"
REMOVED_TAGS = {"parameters", "injected-parameters", "remove-cell", "remove_cell"}
KEPT_MIMETYPES = ("text/html", "text/markdown", "image/png", "image/jpeg", "image/svg+xml", "text/plain")
KINDS = ("ranking", "jury", "screening", "profile", "other")
# notebook file name (stem, prefix match) -> kind, for notebooks that publish no record
NOTEBOOK_KINDS = (("evaluate", "ranking"), ("ranking", "ranking"), ("profile", "profile"),
                  ("jury", "jury"), ("screen", "screening"))
_OBJECT_REPR = re.compile(r"^\s*\[?\s*<[\w.]+(?: [^<>]*)? at 0x[0-9a-fA-F]+>")

LABELS = {
    "status_label": {"sv": "Data", "en": "Data"},
    "synthetic": {"sv": "syntetiska demonstrationsdata", "en": "synthetic demonstration data"},
    "real": {"sv": "verkliga data", "en": "real data"},
    "date_label": {"sv": "Körd", "en": "Run"},
    "criteria_label": {"sv": "Kriterier version", "en": "Criteria version"},
    "index_label": {"sv": "Alla rapporter", "en": "All reports"},
    "contents": {"sv": "Innehåll", "en": "Contents"},
    "method": {"sv": "Metod", "en": "Method"},
    "provenance": {"sv": "Ursprung och versioner", "en": "Provenance"},
    "evaluation": {"sv": "Utvärdering", "en": "Evaluation"},
    "state": {"sv": "Status", "en": "Status"},
    "report": {"sv": "Rapport", "en": "Report"},
    "open": {"sv": "Öppna", "en": "Open"},
    "done": {"sv": "klar", "en": "done"},
    "failed": {"sv": "misslyckades", "en": "failed"},
    "skipped": {"sv": "oförändrad", "en": "unchanged"},
    "missing": {"sv": "inte körd", "en": "not run"},
    "reports_title": {"sv": "Rapporter", "en": "Reports"},
    "footer": {"sv": "Skapad med award_eval {version}. Kriterier version {criteria_version}.",
               "en": "Made with award_eval {version}. Criteria version {criteria_version}."},
    "kind_ranking": {"sv": "Rangordningar", "en": "Rankings"},
    "kind_jury": {"sv": "Juryns bedömning", "en": "Jury"},
    "kind_screening": {"sv": "Urval", "en": "Screening"},
    "kind_profile": {"sv": "Kommunprofiler", "en": "Municipality profiles"},
    "kind_other": {"sv": "Övriga rapporter", "en": "Other reports"},
    "summary": {"sv": "Resultat", "en": "Results"},
    "winner": {"sv": "Vinnare", "en": "Winner"},
    "winner_tied": {"sv": "Delad förstaplats", "en": "Shared first place"},
    "points": {"sv": "poäng", "en": "points"},
    "top_of": {"sv": "Topp {n}", "en": "Top {n}"},
    "whole_ranking": {"sv": "Hela rangordningen", "en": "Full ranking"},
    "chance_first": {"sv": "vinner i {p} av simuleringarna", "en": "first in {p} of the simulations"},
    "rank_interval_short": {"sv": "placering {lo}–{hi}", "en": "rank {lo}–{hi}"},
    "run_status": {"sv": "Körningens status", "en": "Run status"},
    "all_done": {"sv": "Alla {n} utvärderingar klara.", "en": "All {n} evaluations done."},
    "some_failed": {"sv": "{done} av {n} utvärderingar klara, {failed} misslyckades:",
                    "en": "{done} of {n} evaluations done, {failed} failed:"},
    "failed_at": {"sv": "fel i cell {cell}", "en": "error in cell {cell}"},
    "no_winner": {"sv": "Ingen rangordning blev klar i denna körning.", "en": "No ranking completed in this run."},
    "filter": {"sv": "Sök kommun, kod, län eller grupp", "en": "Search municipality, code, county or group"},
    "filter_label": {"sv": "Filtrera profilerna", "en": "Filter the profiles"},
    "n_profiles": {"sv": "{n} profiler", "en": "{n} profiles"},
    "nominee_rank": {"sv": "Placering bland nominerade", "en": "Rank among nominees"},
    "figure": {"sv": "Diagram", "en": "Chart"},
    "language": {"sv": "Språk", "en": "Language"},
    "lang_sv": {"sv": "svenska", "en": "Swedish"},
    "lang_en": {"sv": "engelska", "en": "English"},
    "other_language_index": {"sv": "In English", "en": "På svenska"},
    "no_profile_match": {"sv": "Ingen profil matchar.", "en": "No profile matches."},
}


def label(key: str, lang: Lang, **fields: object) -> str:
    text = LABELS[key][check_lang(lang)]
    return text.format(**fields) if fields else text


def run_date() -> str:
    """The run's date (UTC, ISO), from ``SOURCE_DATE_EPOCH`` when set, so output can be reproduced."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    stamp = int(epoch) if epoch and epoch.isdigit() else int(time.time())
    return time.strftime("%Y-%m-%d", time.gmtime(stamp))


def _css() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


# --- what a notebook publishes ---------------------------------------------------------------------------

def report_record(kind: str, method: dict | None = None, *, title: dict[str, str] | None = None,
                  subject: dict | None = None, summary: dict | None = None) -> dict:
    """The record a notebook attaches to its report (JSON-able).

    ``kind``: one of :data:`KINDS`. ``method``: :func:`award_eval.method.method_record`.
    ``title``: ``{"sv": …, "en": …}``, used when the plan gives the evaluation no title.
    ``subject``: what a profile is about (``code, name, county, skr_group, nominee, rank``).
    ``summary``: for rankings, ``{"top": [{"rank", "code", "name", "score"}, …], "n": …}``.
    """
    if kind not in KINDS:
        raise ValueError(f"report kind {kind!r} is not one of {', '.join(KINDS)}")
    return {"kind": kind, "title": title, "subject": subject, "summary": summary, "method": method}


def publish(record: dict, framework: Any = None, lang: Lang = "sv") -> None:
    """Attach ``record`` to the notebook's outputs and show its method section inline.

    In JupyterLab the analyst sees the method text; in the report the output is replaced by the
    method section at the end of the page, written from the same record.
    """
    from IPython.display import display

    body = method_html(record["method"], framework, lang) if record.get("method") else ""
    preview = f'<section class="method-preview"><h2>{html.escape(label("method", lang))}</h2>{body}</section>'
    display({RECORD_MIME: json.loads(json.dumps(record, default=_json_default)), "text/html": preview}, raw=True)


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def ranking_summary(ranking, top: int = 3, intervals=None) -> dict:
    """``{"n": …, "top": […]}`` from a ranking frame (``rank, code, name, score``), for the index."""
    rows = ranking.sort_values(["rank", "code"], kind="stable")
    first = rows.head(max(top, int((rows["rank"] == 1).sum())))  # a tie for first shows every winner
    out = []
    iv = intervals.set_index("code") if intervals is not None else None
    for _, r in first.iterrows():
        item = {"rank": None if pd.isna(r["rank"]) else int(r["rank"]), "code": str(r["code"]),
                "name": str(r["name"]), "score": None if pd.isna(r["score"]) else float(r["score"])}
        if iv is not None and r["code"] in iv.index:
            item.update(rank_low=int(iv.at[r["code"], "rank_low"]), rank_high=int(iv.at[r["code"], "rank_high"]),
                        p_first=float(iv.at[r["code"], "p_first"]))
        out.append(item)
    return {"n": int(len(rows)), "top": out}


# --- from an executed notebook to report HTML ------------------------------------------------------------

def _cell_langs(cell) -> set[str]:
    return {tag[5:] for tag in cell.get("metadata", {}).get("tags", []) if tag.startswith("lang-")}


def prepare_notebook(notebook: nbformat.NotebookNode, lang: Lang) -> tuple[nbformat.NotebookNode, dict | None]:
    """A copy of ``notebook`` with only what a reviewer should see, and the report record (if any)."""
    nb = copy.deepcopy(notebook)
    record = None
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        langs = _cell_langs(cell)
        if cell.cell_type == "code":
            outputs = []
            for out in cell.get("outputs", []):
                kind = out.get("output_type")
                if kind == "stream":
                    if out.get("name") == "stdout" and out.get("text", "").strip():
                        outputs.append(out)
                    continue
                if kind not in ("display_data", "execute_result"):
                    continue  # errors: a failed notebook gets no report
                data = out.get("data", {})
                if RECORD_MIME in data:
                    record = dict(data[RECORD_MIME])
                    continue
                kept = {m: v for m, v in data.items() if m in KEPT_MIMETYPES}
                if not kept:
                    continue
                if set(kept) == {"text/plain"} and _OBJECT_REPR.match(str(kept["text/plain"])):
                    continue
                out["data"] = kept
                outputs.append(out)
            cell.outputs = outputs
        if tags & REMOVED_TAGS or (langs and lang not in langs):
            continue
        cells.append(cell)
    nb.cells = cells
    return nb, record


_ALLOWED_TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
                 "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
                 "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "section",
                 "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
                 "thead", "time", "tr", "u", "ul"}
_GLOBAL_ATTRS = {"class", "id", "title", "lang", "dir", "role", "aria-label"}
_TAG_ATTRS = {"a": {"href"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"},
              "th": {"colspan", "rowspan", "scope"}, "ol": {"start"}, "time": {"datetime"}}
_SAFE_IMG = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]*$")
_SAFE_HREF = re.compile(r"^(https?://|mailto:|#|(?![a-zA-Z][a-zA-Z0-9+.-]*:))")
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.S | re.I)


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name in _GLOBAL_ATTRS:
        return True
    if name not in _TAG_ATTRS.get(tag, ()):
        return False
    if tag == "img" and name == "src":
        return bool(_SAFE_IMG.match(value))
    if tag == "a" and name == "href":
        return bool(_SAFE_HREF.match(value.strip()))
    return True


def sanitize_html(fragment: str) -> str:
    """``fragment`` through an allow-list: scripts, styles, frames, forms and event attributes are gone.

    Disallowed tags are escaped (shown as text), not silently dropped, so a payload in a name is
    visible as what it is. pandas' inline ``<style>`` blocks are removed first (the report's
    stylesheet styles tables).
    """
    import bleach

    cleaner = bleach.Cleaner(tags=_ALLOWED_TAGS, attributes=_allowed_attribute,
                             protocols={"http", "https", "mailto", "data"}, strip=False, strip_comments=True)
    return cleaner.clean(_STYLE_BLOCK.sub("", str(fragment)))


_H2 = re.compile(r"<h2\b([^>]*)>(.*?)</h2>", re.S)
_TAG = re.compile(r"<[^>]+>")
_ID = re.compile(r'\bid="([^"]*)"')


def add_toc(page: str, title: str) -> str:
    """Fill the ``<!--ae-toc-->`` placeholder with a list of links to the page's ``h2`` headings."""
    items = []
    seen: set[str] = set()

    def visit(match: re.Match) -> str:
        attrs, inner = match.group(1), match.group(2)
        m = _ID.search(attrs)
        anchor = m.group(1) if m else None
        if not anchor or anchor in seen:
            base = re.sub(r"[^\w-]+", "-", _TAG.sub("", inner), flags=re.U).strip("-").lower() or "avsnitt"
            anchor, i = base, 2
            while anchor in seen:
                anchor, i = f"{base}-{i}", i + 1
            attrs = _ID.sub("", attrs) + f' id="{anchor}"'
        seen.add(anchor)
        text = _TAG.sub("", re.sub(r'<a class="anchor-link".*?</a>', "", inner, flags=re.S)).strip()
        items.append((anchor, text))
        return f"<h2{attrs}>{inner}</h2>"

    page = _H2.sub(visit, page)
    if len(items) < 2:
        return page.replace("<!--ae-toc-->", "")
    nav = (f'<nav class="toc" aria-label="{html.escape(title)}"><p class="toc-title">{html.escape(title)}</p><ol>'
           + "".join(f'<li><a href="#{html.escape(a, quote=True)}">{text}</a></li>' for a, text in items)
           + "</ol></nav>")
    return page.replace("<!--ae-toc-->", nav, 1)


@dataclass(frozen=True)
class ReportInfo:
    """What the report page says around the notebook's outputs."""

    title: str
    award: str
    lang: Lang = "sv"
    synthetic: bool = False
    kind: str = "other"
    round: str = ""
    criteria_version: str = ""
    index_href: str = "../index.html"
    method_html: str = ""
    provenance_html: str = ""
    aliases: dict[str, str] = field(default_factory=dict)  # juror name -> alias, when anonymised
    roots: list[str] = field(default_factory=list)  # local folders to strip from the page


_local = threading.local()


def _exporter() -> HTMLExporter:
    """This thread's HTML exporter, made once: building one compiles the Jinja template (~0.1 s).

    One per thread because an exporter keeps per-conversion state; a run renders from several
    threads at once.
    """
    exporter = getattr(_local, "exporter", None)
    if exporter is None:
        exporter = _local.exporter = _new_exporter()
    return exporter


def _new_exporter() -> HTMLExporter:
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        """nbconvert's HTMLExporter without its last pass, which parses the whole page with
        BeautifulSoup to add a generic English alt text to images and tab stops to code cells.
        Our template writes a real alt text itself and a report has no code cells; the pass
        cost ~40 % of a report's rendering (the page holds its figures as base64 PNGs)."""

        def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[override]
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", Highlight2HTML(parent=self))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    exporter = ReportExporter(template_name="award_report", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            anchor_link_text="¶")
    exporter.register_filter("ae_sanitize", sanitize_html)
    return exporter


def render_notebook(notebook: nbformat.NotebookNode | str | Path, info: ReportInfo) -> str:
    """HTML of an executed notebook with no code, in award_eval's report look."""
    import nbformat

    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(str(notebook), as_version=4)
    lang = check_lang(info.lang)
    nb, _ = prepare_notebook(nb, lang)
    resources = {"report": {
        "title": info.title, "award": info.award, "round": info.round, "lang": lang, "kind": info.kind,
        "version": __version__,
        "status_label": label("status_label", lang),
        "status": label("synthetic" if info.synthetic else "real", lang),
        "status_class": "synthetic" if info.synthetic else "real",
        "synthetic": info.synthetic, "synthetic_text": t("synthetic", lang),
        "date_label": label("date_label", lang), "run_date": run_date(),
        "criteria_label": label("criteria_label", lang), "criteria_version": info.criteria_version,
        "index_href": info.index_href, "index_label": label("index_label", lang),
        "figure_alt": label("figure", lang),
        "css": _css(),
        "method_id": "metod" if lang == "sv" else "method", "method_label": label("method", lang),
        "method_html": info.method_html,
        "provenance_id": "ursprung" if lang == "sv" else "provenance",
        "provenance_label": label("provenance", lang), "provenance_html": info.provenance_html,
        "footer": label("footer", lang, version=__version__, criteria_version=info.criteria_version or "–"),
    }}
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    body = add_toc(body, label("contents", lang))
    if info.aliases:
        body = scrub_names_html(body, info.aliases)
    return scrub_paths(body, info.roots)


def write_report(notebook: nbformat.NotebookNode | str | Path, info: ReportInfo, path: str | Path) -> Path:
    """Render and write a report atomically."""
    return atomic_write_text(path, render_notebook(notebook, info))


# --- a run's evaluations ---------------------------------------------------------------------------------

def _award_label(ctx: "RunContext", lang: Lang) -> str:
    return ctx.framework.award.label(lang) if ctx.framework else (ctx.plan.award or "")


def _round_title(ctx: "RunContext", lang: Lang) -> str:
    title = ctx.plan.title
    if title is None:
        return ""
    return title(lang) if callable(title) else str(title)


def kind_of(spec: "EvaluationSpec", record: dict | None = None) -> str:
    """The report's kind: from the notebook's record, else guessed from the notebook's file name."""
    if record and record.get("kind") in KINDS:
        return record["kind"]
    stem = Path(spec.notebook).stem.lower()
    for prefix, kind in NOTEBOOK_KINDS:
        if stem.startswith(prefix):
            return kind
    return "other"


def _lang_of(ctx: "RunContext", spec: "EvaluationSpec") -> Lang:
    lang = str(ctx.plan.parameters(spec).get("lang", ctx.plan.lang))
    return check_lang(lang if lang in ("sv", "en") else "sv")


def _aliases(ctx: "RunContext", params: dict) -> dict[str, str]:
    if not params.get("anonymise_jurors") or ctx.data is None:
        return {}
    return juror_aliases(list(ctx.data.jury_scores["juror"]) + list(ctx.data.conflicts["juror"]))


def _roots(ctx: "RunContext", params: dict, *paths: Path) -> list[str]:
    extra: list[Path] = []
    if ctx.plan.source:
        extra += [ctx.plan.source.parent, ctx.plan.source.parent.parent]
    if ctx.framework and ctx.framework.source:
        extra += [ctx.framework.source.parent, ctx.framework.source.parent.parent]
    for key in ("data_dir", "criteria", "output_dir"):
        if isinstance(params.get(key), str) and os.path.isabs(params[key]):
            extra.append(Path(params[key]) if key != "criteria" else Path(params[key]).parent)
    for spec_path in paths:
        extra += [spec_path, spec_path.parent]
    return local_roots(*extra)


def evaluation_title(spec: "EvaluationSpec", record: dict | None, lang: Lang) -> str:
    """The plan's title for the evaluation, else the notebook's own (record), else its id."""
    if spec.title is not None:
        return spec.title_in(lang)
    titles = (record or {}).get("title") or {}
    return titles.get(lang) or titles.get("sv") or titles.get("en") or spec.id


def write_evaluation_report(notebook: nbformat.NotebookNode, ctx: "RunContext", spec: "EvaluationSpec",
                            path: str | Path) -> Path:
    """The report of one evaluation of a run (called by :mod:`award_eval.batch`).

    Writes ``report.html`` at ``path`` and ``report.json`` beside it (kind, titles, subject and
    summary, for the index).
    """
    path = Path(path)
    params = ctx.plan.parameters(spec)
    lang = _lang_of(ctx, spec)
    _, record = prepare_notebook(notebook, lang)
    kind = kind_of(spec, record)
    method = (record or {}).get("method") or record_from_parameters(params, ctx.framework, ctx.data, kind)
    roots = _roots(ctx, params, path.parent, Path(spec.notebook).parent)
    info = ReportInfo(
        title=evaluation_title(spec, record, lang), award=_award_label(ctx, lang), lang=lang,
        synthetic=ctx.synthetic, kind=kind, round=_round_title(ctx, lang),
        criteria_version=str(ctx.provenance.get("criteria_version") or ""),
        method_html=method_html(method, ctx.framework, lang),
        provenance_html=provenance_html(ctx.provenance, lang, seed=params.get("seed")),
        aliases=_aliases(ctx, params), roots=roots)
    out = write_report(notebook, info, path)
    titles = {lg: evaluation_title(spec, record, lg) for lg in ("sv", "en")}  # type: ignore[arg-type]
    summary = {"id": spec.id, "kind": kind, "lang": lang, "titles": titles,
               "subject": (record or {}).get("subject"), "summary": (record or {}).get("summary")}
    text = json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True, default=_json_default)
    if info.aliases:
        text = scrub_names_html(text, info.aliases)
    atomic_write_text(path.parent / "report.json", scrub_paths(text, roots) + "\n")
    return out


# --- the run's index page --------------------------------------------------------------------------------

def _variant_key(ctx: "RunContext", spec: "EvaluationSpec") -> str:
    params = {k: v for k, v in ctx.plan.parameters(spec).items() if k not in ("lang", "evaluation_id", "output_dir")}
    return json.dumps([str(spec.notebook), params], sort_keys=True, default=str)


def _read_summary(out_dir: Path, spec_id: str) -> dict | None:
    p = out_dir / spec_id / "report.json"
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def index_entries(ctx: "RunContext", manifest: dict, out_dir: Path) -> list[dict]:
    """One entry per group of evaluations that differ only in language, in plan order.

    Each entry: ``kind, key, variants`` (``id, lang, status, href, title, error, failed_cell,
    summary, subject``), ``subject`` (for profiles).
    """
    status = {e["id"]: e for e in manifest.get("evaluations", [])}
    groups: dict[str, dict] = {}
    for spec in ctx.plan.evaluations:
        m = status.get(spec.id, {})
        st = m.get("status", "missing")
        summ = _read_summary(out_dir, spec.id) if st in ("done", "skipped") else None
        href = f"{spec.id}/report.html" if st in ("done", "skipped") and (out_dir / spec.id / "report.html").is_file() else None
        lang = _lang_of(ctx, spec)
        kind = (summ or {}).get("kind") or kind_of(spec)
        titles = (summ or {}).get("titles") or {lg: (spec.title_in(lg) if spec.title is not None else spec.id)
                                                 for lg in ("sv", "en")}
        subject = (summ or {}).get("subject")
        if subject is None and kind == "profile":
            subject = _subject_from_params(ctx, ctx.plan.parameters(spec))
        variant = {"id": spec.id, "lang": lang, "status": st, "href": href, "titles": titles,
                   "error": m.get("error"), "failed_cell": m.get("failed_cell"),
                   "summary": (summ or {}).get("summary"), "subject": subject}
        key = _variant_key(ctx, spec)
        group = groups.setdefault(key, {"kind": kind, "key": key, "variants": [], "subject": subject})
        group["variants"].append(variant)
        if group["subject"] is None:
            group["subject"] = subject
    return list(groups.values())


def _subject_from_params(ctx: "RunContext", params: dict) -> dict | None:
    code = params.get("code")
    if code is None or ctx.data is None:
        return None
    code = str(code).zfill(4) if str(code).isdigit() else str(code)
    reg = ctx.data.register[ctx.data.register["code"] == code]
    if reg.empty:
        return {"code": code, "name": code}
    row = reg.iloc[0]
    return {"code": code, "name": str(row["name"]), "county": str(row["county"]), "skr_group": str(row["skr_group"]),
            "nominee": bool(code in set(ctx.data.nominees["code"]))}


def _pick_variant(group: dict, lang: Lang) -> dict:
    for v in group["variants"]:
        if v["lang"] == lang:
            return v
    return group["variants"][0]


def render_index(ctx: "RunContext", manifest: dict, out_dir: Path, lang: Lang, other_langs: dict[str, str]) -> str:
    """The run's index page in ``lang``; ``other_langs`` maps a language to its index file name."""
    lang = check_lang(lang)
    groups = index_entries(ctx, manifest, out_dir)
    aliases = {}
    if ctx.plan.defaults.get("anonymise_jurors") and ctx.data is not None:
        aliases = juror_aliases(list(ctx.data.jury_scores["juror"]) + list(ctx.data.conflicts["juror"]))

    def title_of(v: dict) -> str:
        return v["titles"].get(lang) or v["id"]

    def links(group: dict) -> list[dict]:
        out = []
        for v in sorted(group["variants"], key=lambda v: (v["lang"] != lang, v["lang"])):
            if v["href"]:
                out.append({"href": v["href"], "lang": v["lang"], "text": label(f"lang_{v['lang']}", lang)})
        return out

    # rankings: winner and top of each
    rankings = []
    for g in groups:
        if g["kind"] != "ranking":
            continue
        v = _pick_variant(g, lang)
        summ = next((x["summary"] for x in [v, *g["variants"]] if x.get("summary")), None)
        if not summ or not summ.get("top"):
            continue
        top = [{**item, "score_text": fmt_number(item.get("score"), lang, 1),
                "interval_text": (label("rank_interval_short", lang, lo=item["rank_low"], hi=item["rank_high"])
                                  if item.get("rank_low") is not None else ""),
                "p_text": (label("chance_first", lang, p=fmt_number(100 * item["p_first"], lang, 0) + (
                    "\u00a0%" if lang == "sv" else "%")) if item.get("p_first") is not None else "")}
               for item in summ["top"]]
        rankings.append({"title": title_of(v), "href": v["href"] or "", "links": links(g), "top": top,
                         "n": summ.get("n"), "winners": [i for i in top if i.get("rank") == 1]})

    sections = []
    for kind in KINDS:
        members = [g for g in groups if g["kind"] == kind]
        if not members:
            continue
        rows = []
        for g in members:
            v = _pick_variant(g, lang)
            st = "failed" if any(x["status"] == "failed" for x in g["variants"]) else v["status"]
            subj = g.get("subject") or {}
            rows.append({"title": title_of(v), "links": links(g), "status": st,
                         "status_text": label(st if st in LABELS else "missing", lang),
                         "subject": subj, "group_text": skr_group_name(subj["skr_group"], lang) if subj.get("skr_group") else "",
                         "rank_text": (f"{subj['rank']}" if subj.get("rank") else "")})
        if kind == "profile":
            rows.sort(key=lambda r: (sort_key(r["subject"].get("name") or r["title"], lang), r["subject"].get("code") or ""))
        sections.append({"kind": kind, "title": label(f"kind_{kind}", lang), "rows": rows,
                         "count": label("n_profiles", lang, n=len(rows)) if kind == "profile" else ""})

    evaluations = manifest.get("evaluations", [])
    failed = []
    for e in evaluations:
        if e.get("status") != "failed":
            continue
        spec = next((s for s in ctx.plan.evaluations if s.id == e["id"]), None)
        failed.append({"id": e["id"], "title": spec.title_in(lang) if spec is not None and spec.title is not None else e["id"],
                       "error": e.get("error") or "", "cell": e.get("failed_cell"),
                       "cell_text": label("failed_at", lang, cell=e.get("failed_cell")) if e.get("failed_cell") is not None else ""})
    n = len(evaluations)
    done = sum(e.get("status") in ("done", "skipped") for e in evaluations)
    run_state = (label("all_done", lang, n=fmt_int(n, lang)) if not failed else
                 label("some_failed", lang, done=fmt_int(done, lang), n=fmt_int(n, lang), failed=fmt_int(len(failed), lang)))

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             keep_trailing_newline=True)
    page = env.get_template("index.html.j2").render(
        lang=lang, title=_round_title(ctx, lang) or _award_label(ctx, lang), award=_award_label(ctx, lang),
        synthetic=ctx.synthetic, synthetic_text=t("synthetic", lang),
        status_label=label("status_label", lang), status=label("synthetic" if ctx.synthetic else "real", lang),
        status_class="synthetic" if ctx.synthetic else "real",
        date_label=label("date_label", lang), run_date=run_date(),
        criteria_label=label("criteria_label", lang), criteria_version=str(ctx.provenance.get("criteria_version") or ""),
        css=_css(), rankings=rankings, sections=sections, failed=failed, run_state=run_state,
        provenance_html=provenance_html(ctx.provenance, lang),
        other_langs=[{"href": href, "text": label("other_language_index", lang), "lang": lg}
                     for lg, href in other_langs.items()],
        L={k: label(k, lang) for k in ("summary", "winner", "winner_tied", "points", "whole_ranking",
                                       "run_status", "reports_title", "filter", "filter_label", "provenance",
                                       "no_winner", "report", "state", "language", "contents", "nominee_rank",
                                       "no_profile_match")},
        top_label=label("top_of", lang, n=3), name_label=t("name", lang), code_label=t("code", lang),
        county_label=t("county", lang), group_label=t("skr_group", lang), rank_label=t("rank", lang),
        score_label=t("score", lang),
        footer=label("footer", lang, version=__version__, criteria_version=ctx.provenance.get("criteria_version") or "–"))
    roots = _roots(ctx, dict(ctx.plan.defaults), out_dir)
    if aliases:
        page = scrub_names_html(page, aliases)
    return scrub_paths(page, roots)


def index_file(lang: str, main_lang: str) -> str:
    """``index.html`` for the plan's language, ``index.<lang>.html`` for the others."""
    return "index.html" if lang == main_lang else f"index.{lang}.html"


def write_index(path: str | Path, ctx: "RunContext", manifest: dict) -> Path:
    """The run's ``index.html`` from the plan and the manifest (called by :mod:`award_eval.batch`).

    In the plan's language; when some evaluations are in another language, an ``index.<lang>.html``
    in that language is written beside it, and each links to the other.
    """
    path = Path(path)
    out_dir = path.parent
    main = check_lang(ctx.plan.lang if ctx.plan.lang in ("sv", "en") else "sv")
    langs = [main] + sorted({_lang_of(ctx, s) for s in ctx.plan.evaluations} - {main})
    result = path
    for lg in langs:
        others = {o: index_file(o, main) for o in langs if o != lg}
        target = path if lg == main else out_dir / index_file(lg, main)
        atomic_write_text(target, render_index(ctx, manifest, out_dir, lg, others))
    return result
