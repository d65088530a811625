"""The board's pack: one PDF of a run's index and every report, with a contents page and page numbers.

``award-eval pdf RUN_DIR --out pack.pdf [--lang sv|en] [--profiles]``. The pages are the run's own
HTML reports printed by headless Chromium through their print stylesheet (A4). The pack is one
HTML document (contents page, then the index and each report, each starting on a new page),
printed once with Chromium's page-number footer. The contents page's numbers come from printing
each part on its own first and counting its pages.

Which reports: those in ``lang`` (``report.json``'s language; the index whose ``<html lang>`` is
``lang``), in plan order (the manifest's), profiles only with ``profiles=True``.
"""
from __future__ import annotations

import html
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from award_eval.errors import BrowserMissing, InputError
from award_eval.i18n import Lang, check_lang, t
from award_eval.io.files import atomic_write_bytes
from award_eval.run.report.browser import find_chromium, launch, sync_playwright

MARGIN = {"top": "14mm", "bottom": "16mm", "left": "14mm", "right": "14mm"}
_BODY = re.compile(r"<body\b([^>]*)>(.*)</body>", re.S | re.I)
_CLASS = re.compile(r'\bclass="([^"]*)"')
_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.S | re.I)
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.S | re.I)
_LANG = re.compile(r'<html\b[^>]*\blang="([^"]+)"', re.I)
_TITLE = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_PAGE = re.compile(rb"/Type\s*/Page(?!s)")

PACK_CSS = """
.pack-part { break-before: page; page-break-before: always; }
.pack-contents h1 { font-size: 1.7rem; margin: 0 0 .4rem; }
.pack-contents ol { list-style: none; padding: 0; margin: 1.2rem 0; }
.pack-contents li { display: flex; gap: .5rem; align-items: baseline; padding: .3rem 0; border-bottom: 1px dotted #b8c4cf; }
.pack-contents li .what { flex: 1; }
.pack-contents li .page { font-variant-numeric: tabular-nums; }
"""


@dataclass(frozen=True)
class Part:
    """One page of the run in the pack: its file, title and kind."""

    path: Path
    title: str
    kind: str


def pdf_page_count(data: bytes) -> int:
    """How many pages a PDF that Chromium printed has (its ``/Type /Page`` objects)."""
    return len(_PAGE.findall(data))


def _html_lang(path: Path) -> str | None:
    m = _LANG.search(path.read_text(encoding="utf-8")[:2000])
    return m.group(1) if m else None


def pack_parts(run_dir: str | Path, lang: Lang = "sv", profiles: bool = False) -> list[Part]:
    """The pages of the pack: the index in ``lang``, then every report in ``lang`` in plan order."""
    run_dir = Path(run_dir)
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise InputError(manifest_path, "a run folder written by award-eval run (with manifest.json)", has_value=False)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    parts = []
    for index in sorted(run_dir.glob("index*.html")):
        if _html_lang(index) == lang:
            parts.append(Part(index, _h1(index), "index"))
            break
    for entry in manifest.get("evaluations", []):
        folder = run_dir / entry["id"]
        report, record = folder / "report.html", folder / "report.json"
        if not (report.is_file() and record.is_file()):
            continue
        info = json.loads(record.read_text(encoding="utf-8"))
        if info.get("lang") != lang or (info.get("kind") == "profile" and not profiles):
            continue
        parts.append(Part(report, (info.get("titles") or {}).get(lang) or entry["id"], info.get("kind") or "other"))
    if not parts:
        raise InputError(run_dir, f"reports in {lang!r} (none found)", has_value=False)
    return parts


def _h1(path: Path) -> str:
    m = _TITLE.search(path.read_text(encoding="utf-8"))
    return html.unescape(_TAG.sub("", m.group(1))).strip() if m else path.stem


def _body(path: Path) -> tuple[str, str, str]:
    """A page's body (scripts removed), its body classes and its stylesheet."""
    page = path.read_text(encoding="utf-8")
    m = _BODY.search(page)
    if m is None:
        raise InputError(path, "an HTML report with a <body>", has_value=False)
    cls = _CLASS.search(m.group(1))
    style = _STYLE.search(page)
    return _SCRIPT.sub("", m.group(2)), cls.group(1) if cls else "", style.group(1) if style else ""


def _document(parts: list[Part], lang: Lang, pages: list[int] | None, css: str, bodies: list[tuple[str, str]],
              award: str, contents_page: bool = True) -> str:
    items = []
    for i, part in enumerate(parts):
        page = str(pages[i]) if pages else "00"
        items.append(f'<li><span class="what">{html.escape(part.title)}</span><span class="page">{page}</span></li>')
    contents = (f'<section class="pack-contents"><p class="muted">{html.escape(award)}</p>'
                f'<h1>{html.escape(t("board.pdf.contents", lang))}</h1><ol>{"".join(items)}</ol></section>')
    if not contents_page:
        contents = ""
    body = "".join(f'<article class="pack-part {html.escape(cls)}">{inner}</article>' for inner, cls in bodies)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(award)}</title>'
            f"<style>{css}{PACK_CSS}</style></head><body class=\"pack\">{contents}{body}</body></html>")


def _footer(lang: Lang) -> str:
    return ('<div style="font-size:8pt;width:100%;text-align:center;color:#5b6875;font-family:sans-serif">'
            f'{html.escape(t("board.pdf.page", lang))} <span class="pageNumber"></span> '
            f'{html.escape(t("board.pdf.of", lang))} <span class="totalPages"></span></div>')


def write_pdf(run_dir: str | Path, out: str | Path, lang: str = "sv", profiles: bool = False,
              executable: str | None = None) -> Path:
    """Print the run in ``run_dir`` to one PDF at ``out`` (written atomically); returns ``out``.

    Raises :class:`~award_eval.errors.BrowserMissing` when there is no Chromium or Playwright.
    """
    lang = check_lang(lang)
    parts = pack_parts(run_dir, lang, profiles)
    executable = executable or find_chromium()
    if executable is None:
        raise BrowserMissing("no Chromium to print with: install Debian's chromium package (apt-get install chromium)")
    loaded = [_body(p.path) for p in parts]
    css = next((style for _, _, style in loaded if style), "")
    bodies = [(inner, cls) for inner, cls, _ in loaded]
    award = next((p.title for p in parts if p.kind == "index"), parts[0].title)
    options = dict(format="A4", print_background=True, display_header_footer=True, margin=MARGIN,
                   header_template="<div></div>", footer_template=_footer(lang))
    with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="ae-pdf-") as tmp:
        browser = launch(pw, executable)
        try:
            page = browser.new_page()

            def printed(document: str, name: str) -> bytes:
                path = Path(tmp) / name
                path.write_text(document, encoding="utf-8")
                page.goto(path.as_uri(), wait_until="load")
                return page.pdf(**options)

            # the contents page, then each part alone: where each part starts
            start = pdf_page_count(printed(_document(parts, lang, None, css, [], award), "contents.html")) + 1
            pages = []
            for i, body in enumerate(bodies):
                pages.append(start)
                alone = _document(parts[i:i + 1], lang, None, css, [body], award, contents_page=False)
                start += pdf_page_count(printed(alone, f"part{i}.html"))
            data = printed(_document(parts, lang, pages, css, bodies, award), "pack.html")
        finally:
            browser.close()
    return atomic_write_bytes(out, data)
