"""The weights panel's page-side ranking equals Python's, and the page asks nothing of the network."""
from __future__ import annotations

import json
import shutil
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
import yaml

from award_eval import load_framework
from award_eval.evaluation import evaluate
from award_eval.present.explore import explore_payload

from .conftest import CRITERIA

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ENABLE = "install Debian's chromium and `pip install playwright` to run the browser tests"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium: {ENABLE}")
    sync_api = pytest.importorskip("playwright.sync_api", reason=ENABLE)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def page_with_panel(tmp_path: Path, payload: dict) -> Path:
    script = (files("award_eval") / "templates" / "explore.js").read_text(encoding="utf-8")
    data = json.dumps(payload, ensure_ascii=False).replace("</", "<\\/")
    page = tmp_path / "explore.html"
    page.write_text(f"""<!doctype html><html lang="{payload['lang']}"><head><meta charset="utf-8"><title>t</title></head>
<body><main><section id="ae-explore" hidden></section>
<script type="application/json" id="ae-explore-data">{data}</script><script>{script}</script></main></body></html>""",
                    encoding="utf-8")
    return page


def with_weights(tmp_path: Path, weights: dict[str, float]) -> Path:
    doc = yaml.safe_load(CRITERIA.read_text(encoding="utf-8"))
    for node in doc["nodes"]:
        if node["id"] in weights:
            node["weight"] = weights[node["id"]]
    out = tmp_path / "criteria.yaml"
    out.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def test_page_ranking_equals_python(browser, tmp_path, framework, demo_data):
    result = evaluate(framework, demo_data)
    payload = explore_payload(result, "sv")
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_with_panel(tmp_path, payload).as_uri())
    assert page.evaluate("() => document.getElementById('ae-explore').hidden") is False
    ids = [n["id"] for n in payload["nodes"] if n["parent"] is not None]
    rng = np.random.default_rng(2026)
    for trial in range(6):
        chosen = rng.choice(ids, size=int(rng.integers(1, len(ids) + 1)), replace=False)
        weights = {str(i): float(np.round(rng.uniform(0.05, 5), 3)) for i in chosen}
        got = page.evaluate("(w) => window.awardEval.rank(w)", weights)
        want = evaluate(load_framework(with_weights(tmp_path, weights)), demo_data).ranking
        assert [r["code"] for r in got] == list(want["code"]), weights
        assert [r["rank"] for r in got] == [int(x) for x in want["rank"]], weights
        np.testing.assert_allclose([r["score"] for r in got], want["score"].to_numpy(dtype=float), rtol=0, atol=1e-9)
    # no weights named: the jury's own ranking
    got = page.evaluate("() => window.awardEval.rank({})")
    assert [r["code"] for r in got] == list(result.ranking["code"])
    assert [u for u in requests if not u.startswith("file:")] == []


def test_moving_a_slider_reorders_and_the_fragment_restores_it(browser, tmp_path, framework, demo_data):
    result = evaluate(framework, demo_data)
    payload = explore_payload(result, "en")
    url = page_with_panel(tmp_path, payload).as_uri()
    page = browser.new_page()
    page.goto(url)
    first_before = page.locator(".ae-explore-table tbody tr th").first.inner_text()
    pillar = next(n["id"] for n in payload["nodes"] if n["parent"] == payload["root"])
    page.fill(f"#ae-w-{pillar}", "0")  # a range input accepts fill
    page.dispatch_event(f"#ae-w-{pillar}", "input")
    href = page.locator(".ae-link").get_attribute("href")
    assert href == f"#w={pillar}:0"
    want = page.evaluate("(w) => window.awardEval.rank(w)", {pillar: 0})
    assert page.locator(".ae-explore-table tbody tr th").first.inner_text() == want[0]["name"]
    page2 = browser.new_page()
    page2.goto(url + href)
    assert page2.locator(f"#ae-w-{pillar}").input_value() == "0"
    assert page2.locator(".ae-explore-table tbody tr th").first.inner_text() == want[0]["name"]
    page2.click(".ae-reset")
    assert page2.locator(".ae-explore-table tbody tr th").first.inner_text() == first_before


def test_the_overall_report_runs_its_panel_under_its_own_policy(browser, demo_run_dir):
    """The real report: the panel's script runs under the page's Content-Security-Policy (only its
    own inline code, by hash), the page requests nothing outside itself, the page-side ranking is the
    jury's, and without JavaScript or in print the panel is not there."""
    import pandas as pd

    report = demo_run_dir / "overall" / "report.html"
    html = report.read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy"' in html and "script-src &#39;sha256-" in html
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(report.as_uri())
    assert page.evaluate("() => document.getElementById('ae-explore').hidden") is False, errors
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    ranking = pd.read_csv(demo_run_dir / "overall" / "ranking.csv", dtype={"code": str})
    got = page.evaluate("() => window.awardEval.rank({})")
    assert [r["code"] for r in got] == list(ranking["code"])
    np.testing.assert_allclose([r["score"] for r in got], ranking["score"], atol=1e-6)
    page.emulate_media(media="print")
    assert page.evaluate("() => getComputedStyle(document.getElementById('ae-explore')).display") == "none"
    no_js = browser.new_context(java_script_enabled=False).new_page()
    no_js.goto(report.as_uri())
    assert not no_js.locator("#ae-explore").is_visible()
    assert no_js.locator("table.ae-table").first.is_visible()  # the jury's ranking, as without a panel
    # another kind of report carries the policy too, with no script allowed at all
    jury = (demo_run_dir / "jury" / "report.html").read_text(encoding="utf-8")
    assert "script-src &#39;none&#39;" in jury and "<script" not in jury


@pytest.mark.parametrize("share", [0.2, 0.75])
def test_page_ranking_follows_a_jury_share(browser, tmp_path, framework, demo_data, share):
    """With jury_share set, the page blends the jury and open-data indexes as evaluate() does."""
    from award_eval.evaluation import Settings

    result = evaluate(framework, demo_data, Settings(jury_share=share))
    page = browser.new_page()
    page.goto(page_with_panel(tmp_path, explore_payload(result, "en")).as_uri())
    for weights in ({}, {"services": 3.0, "strategy": 0.5}):
        got = page.evaluate("(w) => window.awardEval.rank(w)", weights)
        want = evaluate(load_framework(with_weights(tmp_path, weights)), demo_data, Settings(jury_share=share)).ranking
        assert [r["code"] for r in got] == list(want["code"]), weights
        np.testing.assert_allclose([r["score"] for r in got], want["score"].to_numpy(dtype=float), rtol=0, atol=1e-9)
