"""Every report kind of the demo run, in a real browser (Debian's Chromium driven by Playwright).

At a desk (1280 px) and on a phone (390 px): axe-core (WCAG 2.1 A/AA and best practice) finds
nothing, the page never scrolls sideways, no table cell's text spills out of its box, and the
page's furniture is in the report's language only. One browser for the module; each page is
loaded once and measured at both widths.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT

AXE = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
ENABLE = "install chromium and run npm install --prefix .cache/npm axe-core to enable"

try:
    from award_eval.run.report.browser import find_chromium
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - playwright is in the test extra
    pytest.skip(f"browser tests: playwright missing; {ENABLE}", allow_module_level=True)
if find_chromium() is None or not AXE.is_file():
    pytest.skip(f"browser tests: {ENABLE}", allow_module_level=True)

WIDTHS = (1280, 390)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
# (page, language): one of each kind in each language
PAGES = [("index.html", "sv"), ("index.en.html", "en"),
         ("overall/report.html", "sv"), ("overall-en/report.html", "en"),
         ("jury/report.html", "sv"), ("jury-en/report.html", "en"),
         ("screening/report.html", "sv"), ("screening-en/report.html", "en"),
         ("uncertainty/report.html", "sv"), ("uncertainty-en/report.html", "en"),
         ("profile-0120/report.html", "sv"), ("profile-0120-en/report.html", "en"),
         ("profile-2062-2034-2039/report.html", "sv"),  # the joint nominee's
         ("longlist/report.html", "sv"), ("longlist-en/report.html", "en"),
         ("stage-longlist/report.html", "sv"), ("stage-longlist-en/report.html", "en")]

MEASURE = """async (tags) => {
  const doc = document.documentElement;
  const axeResult = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  const cells = Array.from(document.querySelectorAll('td, th, caption'))
    .filter(c => c.scrollWidth > c.clientWidth + 1)
    .map(c => c.textContent.trim().slice(0, 40));
  const chrome = Array.from(document.querySelectorAll(
      'header, nav, footer, h1, h2, h3, caption, th, .method dt, .provenance dt'))
    .map(e => e.innerText).join('\\n');
  return {
    lang: doc.getAttribute('lang'),
    sideways: doc.scrollWidth - doc.clientWidth,
    cells: cells,
    chrome: chrome,
    violations: axeResult.violations.map(v => `${v.id} (${v.nodes.length}): ${v.nodes[0].target.join(' ')}`),
  };
}"""


@pytest.fixture(scope="module")
def run_dir(demo_run_dir) -> Path:
    return demo_run_dir


@pytest.fixture(scope="module")
def measured(run_dir):
    """``measure(page) -> {width: facts}``: each page loaded once, measured at both widths."""
    cache: dict[str, dict[int, dict]] = {}
    with sync_playwright() as p:
        from award_eval.run.report.browser import launch

        browser = launch(p)
        # axe is injected as an inline script: the report's Content-Security-Policy would block it
        page = browser.new_page(viewport={"width": WIDTHS[0], "height": 900}, bypass_csp=True)
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))

        def measure(name: str) -> dict[int, dict]:
            if name not in cache:
                page.set_viewport_size({"width": WIDTHS[0], "height": 900})
                requests.clear()
                page.goto((run_dir / name).as_uri())
                outside = [u for u in requests if not u.startswith(("file://", "data:"))]
                page.add_script_tag(path=str(AXE))
                facts = {}
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    facts[width] = page.evaluate(MEASURE, AXE_TAGS)
                    facts[width]["outside"] = outside
                cache[name] = facts
            return cache[name]

        yield measure
        browser.close()


@pytest.mark.parametrize("name,lang", PAGES)
def test_axe_finds_nothing(measured, name, lang):
    for width, facts in measured(name).items():
        assert facts["violations"] == [], f"{name} at {width} px"


@pytest.mark.parametrize("name,lang", PAGES)
def test_no_sideways_scroll_and_no_spilling_cell(measured, name, lang):
    for width, facts in measured(name).items():
        assert facts["sideways"] <= 0, f"{name} scrolls {facts['sideways']} px sideways at {width} px"
        assert facts["cells"] == [], f"{name} at {width} px: text spills out of these cells"
        assert facts["outside"] == [], f"{name} requests something outside itself"


# Page furniture that must not appear on a page in the other language.
CHROME = {"sv": ["Innehåll", "Metod", "Ursprung", "Syntetiska", "Tillbaka", "Kommun", "Placering", "Poäng"],
          "en": ["Contents", "Method", "Provenance", "Synthetic", "Back to", "Municipality", "Rank", "Score"]}


@pytest.mark.parametrize("name,lang", PAGES)
def test_furniture_in_the_report_language_only(measured, name, lang):
    other = "en" if lang == "sv" else "sv"
    facts = measured(name)[WIDTHS[0]]
    assert facts["lang"] == lang
    found = [w for w in CHROME[other] if w in facts["chrome"]]
    assert found == [], f"{name} ({lang}) shows {other} furniture: {found}"


def test_english_index_links_english_reports(run_dir):
    import re

    page = (run_dir / "index.en.html").read_text(encoding="utf-8")
    for kind in ("overall", "jury", "screening", "uncertainty"):
        first = re.search(rf'href="({kind}(?:-en)?/report\.html)"', page)
        assert first and first.group(1) == f"{kind}-en/report.html", kind

