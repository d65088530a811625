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
import functools
import html
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from award_eval.version import __version__
from award_eval.i18n import (
    Lang,
    check_lang,
    t,
)
from award_eval.io.files import atomic_write_text
from award_eval.present import board
from award_eval.present.method import (
    method_html,
    provenance_html,
    record_from_parameters,
)
from award_eval.present.publish import KINDS, RECORD_MIME, _json_default
from award_eval.privacy import (
    NameRedactor,
    data_aliases,
    juror_emails,
    local_roots,
    neutralise_bidi,
    outside_data_uris,
    path_scrubber,
    scrub_names_html,
    scrub_paths,
)

if TYPE_CHECKING:  # bleach, nbformat and nbconvert are imported where a page is rendered, not by
    import bleach  # notebooks that only publish (they cost ~1.5 s to import)
    import nbformat
    from nbconvert import HTMLExporter

    from award_eval.run.context import RunContext
    from award_eval.run.plan import EvaluationSpec

TEMPLATES = Path(str(files("award_eval") / "templates"))
REMOVED_TAGS = {"parameters", "injected-parameters", "remove-cell", "remove_cell"}
KEPT_MIMETYPES = ("text/html", "text/markdown", "image/png", "image/jpeg", "image/svg+xml", "text/plain")
# notebook file name (stem, prefix match) -> kind, for notebooks that publish no record
NOTEBOOK_KINDS = (("evaluate", "ranking"), ("ranking", "ranking"), ("profile", "profile"),
                  ("jury", "jury"), ("screen", "screening"))
_OBJECT_REPR = re.compile(r"^\s*\[?\s*<[\w.]+(?: [^<>]*)? at 0x[0-9a-fA-F]+>")

def run_date() -> str:
    """The run's date (UTC, ISO), from ``SOURCE_DATE_EPOCH`` when set, so output can be reproduced."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    stamp = int(epoch) if epoch and epoch.isdigit() else int(time.time())
    return time.strftime("%Y-%m-%d", time.gmtime(stamp))


def _css() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


# --- from an executed notebook to report HTML ------------------------------------------------------------

def _cell_langs(cell) -> set[str]:
    return {tag[5:] for tag in cell.get("metadata", {}).get("tags", []) if tag.startswith("lang-")}


def prepare_notebook(notebook: nbformat.NotebookNode, lang: Lang) -> tuple[nbformat.NotebookNode, dict | None]:
    """A copy of ``notebook`` with only what a reviewer should see, and the report record (if any).

    The copy is shallow where nothing is changed (the exporter deep-copies what it renders): the
    notebook, its cells and outputs are new nodes, the values they hold are ``notebook``'s.
    """
    import nbformat

    record = None
    cells = []
    for cell in notebook.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        langs = _cell_langs(cell)
        if tags & REMOVED_TAGS or (langs and lang not in langs):
            if cell.cell_type == "code":
                record = _record(cell, record)
            continue
        if cell.cell_type == "code":
            outputs = []
            for out in cell.get("outputs", []):
                kind = out.get("output_type")
                if kind == "stream":
                    if out.get("name") == "stdout" and out.get("text", "").strip():
                        outputs.append(nbformat.NotebookNode(out))
                    continue
                if kind not in ("display_data", "execute_result"):
                    continue  # errors: a failed notebook gets no report
                data = out.get("data", {})
                if RECORD_MIME in data:
                    record = copy.deepcopy(dict(data[RECORD_MIME]))
                    continue
                kept = {m: v for m, v in data.items() if m in KEPT_MIMETYPES}
                if not kept:
                    continue
                if set(kept) == {"text/plain"} and _OBJECT_REPR.match(str(kept["text/plain"])):
                    continue
                outputs.append(nbformat.NotebookNode({**out, "data": nbformat.NotebookNode(kept)}))
            cell = nbformat.NotebookNode({**cell, "outputs": outputs})
        cells.append(cell)
    return nbformat.NotebookNode({**notebook, "cells": cells}), record


def _record(cell: nbformat.NotebookNode, record: dict | None) -> dict | None:
    """The last report record a (removed) code cell published, else ``record``."""
    for out in cell.get("outputs", []):
        data = out.get("data", {}) if out.get("output_type") in ("display_data", "execute_result") else {}
        if RECORD_MIME in data:
            record = copy.deepcopy(dict(data[RECORD_MIME]))
    return record


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
    stylesheet styles tables). The same fragment recurs across a run's reports (headings, legends,
    notes): a result is kept for the process (the function is pure).
    """
    return _sanitized(str(fragment))


@functools.lru_cache(maxsize=8192)
def _sanitized(fragment: str) -> str:
    return _cleaner().clean(_STYLE_BLOCK.sub("", fragment))


_CLEANERS = threading.local()


def _cleaner() -> "bleach.Cleaner":
    """This thread's cleaner, made once (a Cleaner is not thread-safe; building one costs ~0.4 ms)."""
    cleaner = getattr(_CLEANERS, "cleaner", None)
    if cleaner is None:
        import bleach

        cleaner = _CLEANERS.cleaner = bleach.Cleaner(
            tags=_ALLOWED_TAGS, attributes=_allowed_attribute, protocols={"http", "https", "mailto", "data"},
            strip=False, strip_comments=True)
    return cleaner


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


_TABLE = re.compile(r"(<table\b[^>]*>)(.*?</table\s*>)", re.S | re.I)
_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption\s*>", re.S | re.I)


def scroll_tables(page: str, lang: Lang) -> str:
    """Wrap every table in a box that scrolls sideways by itself (``.table-scroll``).

    On a phone a wide table then scrolls inside its box, not the page. The box is a labelled
    region that takes keyboard focus (so it can be scrolled without a mouse); its label is the
    table's caption, else "Table n", numbered when captions repeat so every region is unique.
    """
    seen: set[str] = set()
    count = 0

    def wrap(match: re.Match) -> str:
        nonlocal count
        count += 1
        cap = _CAPTION.search(match.group(2))
        label = html.unescape(_TAG.sub("", cap.group(1))).strip() if cap else ""
        if not label or label in seen:
            label = t("board.table_n", lang, n=count) + (f": {label}" if label else "")
        seen.add(label)
        aria = html.escape(t("board.table_scroll", lang, label=label), quote=True)
        return (f'<div class="table-scroll" role="region" tabindex="0" aria-label="{aria}">'
                f"{match.group(1)}{match.group(2)}</div>")

    return _TABLE.sub(wrap, page)


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
    downloads_html: str = ""  # links to the evaluation's CSV files and the run's workbook
    aliases: dict[str, str] = field(default_factory=dict)  # juror name -> alias, when anonymised
    emails: dict[str, str] = field(default_factory=dict)  # juror e-mail -> alias, when anonymised
    roots: list[str] = field(default_factory=list)  # local folders to strip from the page
    explore: dict | None = None  # the weights panel's data (present/explore.py), overall reports only


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
    from nbconvert.filters import DataTypeFilter
    from nbconvert.filters.highlight import Highlight2HTML

    class ReportExporter(HTMLExporter):
        """nbconvert's HTMLExporter without its last pass, which parses the whole page with
        BeautifulSoup to add a generic English alt text to images and tab stops to code cells.
        Our template writes a real alt text itself and a report has no code cells; the pass
        cost ~40 % of a report's rendering (the page holds its figures as base64 PNGs).

        Only public API: the template is rendered by ``TemplateExporter.from_notebook_node``
        (which still sets up HTMLExporter's resources), and the two filters HTMLExporter would
        register per notebook are registered once. A report keeps no widget output, so the
        plain ``DataTypeFilter`` replaces the widget-aware one."""

        def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[override]
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    exporter = ReportExporter(template_name="award_report", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            anchor_link_text="¶",
                            # the notebook is validated once, after the last preprocessor, rather
                            # than after each of them (nbconvert's own option; ~12 ms a report)
                            optimistic_validation=True)
    exporter.register_filter("highlight_code", Highlight2HTML(parent=exporter))
    exporter.register_filter("filter_data_type", DataTypeFilter(parent=exporter))
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
        "status_label": t("report.status_label", lang),
        "status": t("report.data.synthetic" if info.synthetic else "report.data.real", lang),
        "status_class": "synthetic" if info.synthetic else "real",
        "synthetic": info.synthetic, "synthetic_text": t("common.synthetic", lang),
        "date_label": t("report.date_label", lang), "run_date": run_date(),
        "criteria_label": t("report.criteria_label", lang), "criteria_version": info.criteria_version,
        "index_href": info.index_href, "index_label": t("report.index_label", lang),
        "figure_alt": t("report.figure", lang),
        "css": _css(),
        "method_id": t("report.anchor.method", lang), "method_label": t("report.method", lang),
        "method_html": info.method_html,
        "downloads_html": info.downloads_html, "downloads_label": t("board.downloads", lang),
        "downloads_id": t("report.anchor.downloads", lang),
        "provenance_id": t("report.anchor.provenance", lang),
        "provenance_label": t("report.provenance", lang), "provenance_html": info.provenance_html,
        "footer": t("report.footer", lang, version=__version__, criteria_version=info.criteria_version or "–"),
        **explore_resources(info.explore, lang),
    }}
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    body = scroll_tables(add_toc(body, t("report.contents", lang)), lang)
    if info.aliases:
        body = scrub_names_html(body, info.aliases, info.emails)
    return neutralise_bidi(scrub_paths(body, info.roots))


def _explore_js() -> str:
    return (TEMPLATES / "explore.js").read_text(encoding="utf-8")


def content_security_policy(*scripts: str) -> str:
    """The page's Content-Security-Policy: nothing is fetched from anywhere (figures are data: URIs),
    and the only script that may run is the page's own inline code, named by its SHA-256."""
    import base64
    import hashlib

    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts)
    return ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
            f"script-src {hashes or chr(39) + 'none' + chr(39)}")


def explore_resources(payload: dict | None, lang: Lang) -> dict:
    """What the template needs for the weights panel (none without a payload) and the page's CSP."""
    if not payload:
        return {"csp": content_security_policy(), "explore": False}
    js = _explore_js()
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")  # never ends the script
    return {"csp": content_security_policy(js), "explore": True, "explore_js": js, "explore_json": data,
            "explore_title": t("explore.panel.title", lang), "explore_noscript": t("explore.panel.noscript", lang)}


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
    """The aliases the evaluation's notebook dealt (the same seed), when it anonymises jurors."""
    if not params.get("anonymise_jurors") or ctx.data is None:
        return {}
    seed = params.get("seed")
    return data_aliases(ctx.data, seed if isinstance(seed, int) else None)


def privacy_pass(ctx: "RunContext", spec: "EvaluationSpec", *paths: Path):
    """The last pass over any text of an evaluation's output: local folders made relative and,
    when it anonymises jurors, names and e-mail addresses replaced (what reports get)."""
    params = ctx.plan.parameters(spec)
    aliases = _aliases(ctx, params)
    emails = juror_emails(ctx.data, aliases) if aliases and ctx.data is not None else {}
    # built once, not per string: a notebook has hundreds of strings (resolving the roots for
    # each took ~0.25 s per evaluation)
    paths_of = path_scrubber(_roots(ctx, params, *paths, Path(spec.notebook).parent))
    redact = NameRedactor(aliases, emails, parts=False, html=True) if aliases else None

    def scrub(text: str) -> str:
        if redact is not None:
            text = outside_data_uris(text, redact)  # scrub_names_html, with its redactor built once
        return paths_of(text)
    return scrub


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
    # jury, screening, uncertainty and profile reports get their own method section (the overall
    # ranking's, with its weight table, is in the ranking's report)
    specific = board.method_html(kind if kind != "other" else Path(spec.notebook).stem, method, params, lang)
    csvs = sorted(p.name for p in path.parent.glob("*.csv"))
    info = ReportInfo(
        title=evaluation_title(spec, record, lang), award=_award_label(ctx, lang), lang=lang,
        synthetic=ctx.synthetic, kind=kind, round=_round_title(ctx, lang),
        criteria_version=str(ctx.provenance.get("criteria_version") or ""),
        method_html=specific if specific is not None else method_html(method, ctx.framework, lang),
        downloads_html=board.downloads_html(csvs, lang, "../results.xlsx"),
        provenance_html=provenance_html(ctx.provenance, lang, seed=params.get("seed")),
        aliases=_aliases(ctx, params), roots=roots, explore=(record or {}).get("explore"))
    if info.aliases and ctx.data is not None:
        info = replace(info, emails=juror_emails(ctx.data, info.aliases))
    out = write_report(notebook, info, path)
    titles = {lg: evaluation_title(spec, record, lg) for lg in ("sv", "en")}  # type: ignore[arg-type]
    summary = {"id": spec.id, "kind": kind, "lang": lang, "titles": titles,
               "subject": (record or {}).get("subject"), "summary": (record or {}).get("summary")}
    text = json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True, default=_json_default)
    if info.aliases:
        text = scrub_names_html(text, info.aliases, info.emails)
    atomic_write_text(path.parent / "report.json", scrub_paths(text, roots) + "\n")
    return out

