"""Reports of real runs: reproducible bytes, escaped payloads, anonymised jurors, no local paths,
failed evaluations listed, and (when Chromium is installed) screenshots of the pages.

Two small plans keep this affordable: the demo's overall ranking and one profile, run twice with
SOURCE_DATE_EPOCH set; and a copy of the demo whose nominee name, juror name, comment and
criterion label carry HTML/script payloads.
"""
from __future__ import annotations

import difflib
import importlib.util
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from .test_plan import write_notebook
from .conftest import CRITERIA, DEMO, ROOT, only_the_panels_scripts
from bs4 import BeautifulSoup

from award_eval.run.batch import run_plan
from award_eval.run.context import prepare
from award_eval.run.plan import load_plan
from award_eval.run.report.html import write_evaluation_report

EPOCH = "1767225600"  # 2026-01-01
NAME_PAYLOAD = "<script>alert('name')</script>"
COMMENT_PAYLOAD = "<img src=x onerror=alert('comment')>"
JUROR_PAYLOAD = "<b onmouseover=alert('juror')>Berg</b>"
LABEL_PAYLOAD = "<script>alert('label')</script>"
EVALUATE = ROOT / "notebooks" / "evaluate.ipynb"
PROFILE = ROOT / "notebooks" / "profile.ipynb"


def _write_plan(path: Path, criteria: Path, data_dir: Path, evaluations: list[dict]) -> Path:
    plan = {"award": "digitaliseringskommun", "title": {"sv": "Provomgång", "en": "Test round"},
            "defaults": {"criteria": str(criteria), "data_dir": str(data_dir), "lang": "sv", "seed": 42},
            "evaluations": evaluations}
    path.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def epoch():
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    yield EPOCH
    if old is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = old


@pytest.fixture(scope="module")
def twin_runs(tmp_path_factory, epoch):
    """The same plan run twice into different folders, SOURCE_DATE_EPOCH set."""
    base = tmp_path_factory.mktemp("twins")
    plan = _write_plan(base / "plan.yaml", CRITERIA, DEMO, [
        {"id": "overall", "notebook": str(EVALUATE), "title": {"sv": "Total rangordning", "en": "Overall ranking"}},
        {"id": "profile-0120", "notebook": str(PROFILE), "parameters": {"code": "0120"}},
        {"id": "profile-0120-en", "notebook": str(PROFILE), "parameters": {"code": "0120", "lang": "en"}},
    ])
    outs = []
    for name in ("first", "second"):
        out = base / name / "run"
        outcomes = run_plan(load_plan(plan), out, jobs=2, progress=False)
        assert all(o.status == "done" for o in outcomes), [(o.id, o.error) for o in outcomes]
        outs.append(out)
    return plan, outs


def _files(out: Path) -> dict[str, bytes]:  # not the shared store (.shared/: keys of this folder's inputs)
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name not in ("notebook.ipynb", "manifest.json", ".evaluation.json")
            and p.relative_to(out).parts[0] != ".shared"}


def test_two_runs_give_identical_bytes(twin_runs):
    _, (a, b) = twin_runs
    fa, fb = _files(a), _files(b)
    assert set(fa) == set(fb)
    expected = {"index.html", "index.en.html", "overall/report.html", "overall/report.json", "overall/ranking.csv",
                "overall/criterion_scores.csv", "profile-0120/report.html", "profile-0120/profile_criteria.csv",
                "profile-0120/national_position.csv", "profile-0120-en/report.html"}
    assert expected <= set(fa)
    different = [name for name in fa if fa[name] != fb[name]]
    assert different == []
    ma, mb = (json.loads((o / "manifest.json").read_text(encoding="utf-8")) for o in (a, b))
    for m in (ma, mb):  # what differs between two runs by nature: timings, and the executed notebooks' bytes
        m.pop("run")
        for e in m["evaluations"]:
            for key in ("seconds", "cells_seconds", "report_seconds", "kernel_wait_seconds"):
                e.pop(key)
            e["files"].pop("notebook.ipynb")
    assert ma == mb


def test_html_differs_only_in_the_run_date(twin_runs, tmp_path, monkeypatch):
    plan_path, (a, _) = twin_runs
    plan = load_plan(plan_path)
    ctx = prepare(plan)
    spec = plan.evaluations[0]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH) + 86400 * 40))
    shutil.copytree(a / spec.id, tmp_path / spec.id)
    write_evaluation_report(nbformat.read(str(a / spec.id / "notebook.ipynb"), as_version=4), ctx, spec,
                            tmp_path / spec.id / "report.html")
    old = (a / spec.id / "report.html").read_text(encoding="utf-8").splitlines()
    new = (tmp_path / spec.id / "report.html").read_text(encoding="utf-8").splitlines()
    changed = [line for line in difflib.unified_diff(old, new, lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed, "the run date should be on the page"
    assert all("2026-01-01" in line or "2026-02-10" in line for line in changed), changed


def test_reports_have_the_report_look(twin_runs):
    _, (a, _) = twin_runs
    for rel, title in (("overall/report.html", "Total rangordning"), ("profile-0120/report.html", "Profil: Värmdö"),
                       ("profile-0120-en/report.html", "Profile: Värmdö")):
        soup = BeautifulSoup((a / rel).read_text(encoding="utf-8"), "html.parser")
        assert soup.find("h1").get_text() == title
        header = soup.find("header").get_text(" ")
        assert "2026-01-01" in header and ("syntetiska demonstrationsdata" in header or "synthetic demonstration data" in header)
        toc = [x.get_text() for x in soup.select("nav.toc a")]
        assert len(toc) >= 4 and toc[-2] in ("Metod", "Method") and toc[-1] in ("Ursprung och versioner", "Provenance")
        assert only_the_panels_scripts(soup) and not soup.select(".input_area, .prompt, .output_stderr, .output_error")
        method = soup.find("section", class_="method")
        # the weights in the overall ranking's method; a profile's own method points there instead
        assert method.find("table") if rel.startswith("overall") else not method.find("table")
        hashes = soup.find("section", class_="provenance").get_text(" ")
        manifest = json.loads((a / "manifest.json").read_text(encoding="utf-8"))
        for name, digest in manifest["inputs"].items():
            assert name in hashes and digest in hashes
        assert manifest["packages"]["pandas"] in hashes and str(manifest["seed"]) in hashes
        imgs = soup.find_all("img")
        assert all(img["src"].startswith(("data:image/png;base64,", "data:image/svg+xml;base64,")) for img in imgs)
        if rel.startswith("profile"):  # the profile's two figures: award_eval's SVG, each with its text alternative
            assert [img["src"][:26] for img in imgs] == ["data:image/svg+xml;base64,"] * 2
            assert all(img["alt"].startswith(("Indikatorindex", "Poäng", "Indicator index", "Score")) for img in imgs)
        assert "@media print" in soup.find("style").get_text()


def test_swedish_and_english_number_formats(twin_runs):
    _, (a, _) = twin_runs
    sv = BeautifulSoup((a / "profile-0120/report.html").read_text(encoding="utf-8"), "html.parser").get_text(" ")
    en = BeautifulSoup((a / "profile-0120-en/report.html").read_text(encoding="utf-8"), "html.parser").get_text(" ")
    assert re.search(r"indikatorindex \d+,\d", sv) and re.search(r"indicator index \d+\.\d", en)
    assert "Styrkor och svagheter" in sv and "Strengths and weaknesses" in en
    assert "Digital strategi och styrning" in sv and "Digital strategy and governance" in en
    assert "Digital strategy and governance" not in sv


def test_index_summarises_and_links(twin_runs):
    _, (a, _) = twin_runs
    soup = BeautifulSoup((a / "index.html").read_text(encoding="utf-8"), "html.parser")
    ranking = (a / "overall" / "ranking.csv").read_text(encoding="utf-8").splitlines()[1].split(",")
    assert soup.select_one(".winner-name").get_text() == ranking[2]
    assert soup.find("section", id="ranking") and soup.find("section", id="profile")
    profile_links = [x["href"] for x in soup.select("#profile-list a")]
    assert profile_links == ["profile-0120/report.html", "profile-0120-en/report.html"]
    assert soup.find("input", id="profile-filter") is not None
    for link in soup.find_all("a"):
        href = link["href"]
        if not href.startswith("#"):
            assert (a / href).is_file(), href
    en = BeautifulSoup((a / "index.en.html").read_text(encoding="utf-8"), "html.parser")
    assert en.html["lang"] == "en" and "Municipality profiles" in en.get_text()


def test_index_and_workbook_are_rewritten_only_when_what_they_show_changes(twin_runs, tmp_path, monkeypatch):
    """A run with nothing to do leaves index.html, index.en.html and results.xlsx alone; a new date,
    a deleted or edited page, a new round title each has them rewritten, to the bytes a run that
    always writes them (--no-shared) gives."""
    plan_path, (a, _) = twin_runs
    out = tmp_path / "run"
    shutil.copytree(a, out)
    pages = ("index.html", "index.en.html", "results.xlsx")

    def run(plan: Path = plan_path, shared: bool = True) -> dict[str, tuple[int, bytes]]:
        outcomes = run_plan(load_plan(plan), out, jobs=1, progress=False, shared=shared)
        assert [o.action for o in outcomes] == ["skipped"] * 3
        return {name: ((out / name).stat().st_mtime_ns, (out / name).read_bytes()) for name in pages}

    def data(pages: dict) -> dict[str, bytes]:
        return {name: content for name, (_, content) in pages.items()}

    first = run()  # a folder elsewhere: the pages are built again (their key names the folder), same bytes
    assert data(first) == {name: (a / name).read_bytes() for name in pages}
    assert run() == first  # nothing changed: nothing rewritten

    (out / "index.en.html").unlink()
    assert data(run()) == data(first)
    (out / "results.xlsx").write_bytes(b"edited")
    assert data(run()) == data(first)

    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH) + 86400 * 40))  # 2026-02-10
    dated = run()
    assert "2026-02-10" in dated["index.html"][1].decode() and dated["index.html"][0] > first["index.html"][0]
    assert run() == dated

    # the round's title is the plan's, shown by the index only (the evaluations stay current)
    retitled_plan = plan_path.with_name("plan-retitled.yaml")
    retitled_plan.write_text(plan_path.read_text(encoding="utf-8").replace("Provomgång", "Ny omgång"), encoding="utf-8")
    try:
        retitled = run(retitled_plan)
        assert "Ny omgång" in retitled["index.html"][1].decode() and "Provomgång" not in retitled["index.html"][1].decode()
        assert data(run(retitled_plan, shared=False)) == data(retitled)
    finally:
        retitled_plan.unlink()


# --- payloads ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def payload_run(tmp_path_factory, epoch):
    base = tmp_path_factory.mktemp("payload")
    data = base / "data"
    shutil.copytree(DEMO, data)
    reg = data / "municipalities.csv"
    reg.write_text(reg.read_text(encoding="utf-8").replace("0120,Värmdö,", f"0120,Värmdö{NAME_PAYLOAD},"),
                   encoding="utf-8")
    scores = data / "jury_scores.csv"
    lines = scores.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(i for i, line in enumerate(lines) if line.startswith("Carin Ek,0120,strategy,"))
    lines[i] = ",".join(lines[i].split(",")[:4]) + f",{COMMENT_PAYLOAD}\n"
    scores.write_text("".join(lines).replace("Anna Berg,", f"Anna {JUROR_PAYLOAD},"), encoding="utf-8")
    jurors = data / "jurors.csv"  # the juror list names the same juror (unknown jurors are refused)
    jurors.write_text(jurors.read_text(encoding="utf-8").replace("Anna Berg,", f"Anna {JUROR_PAYLOAD},"), encoding="utf-8")
    criteria = base / "criteria.yaml"
    criteria.write_text(CRITERIA.read_text(encoding="utf-8").replace(
        "sv: Digital strategi och styrning", f"sv: \"Digital strategi {LABEL_PAYLOAD}\""), encoding="utf-8")
    plan = _write_plan(base / "plan.yaml", criteria, data, [
        {"id": "overall", "notebook": str(EVALUATE)},
        {"id": "profile-0120", "notebook": str(PROFILE), "parameters": {"code": "0120"}},
        {"id": "profile-0120-anon", "notebook": str(PROFILE),
         "parameters": {"code": "0120", "anonymise_jurors": True}},
        # a notebook that fails at run time (a bad profile code is now refused before the run starts)
        {"id": "profile-9999", "notebook": str(write_notebook(
            base / "failing.ipynb",
            'criteria: str = ""\ndata_dir: str = ""\nlang: str = "sv"\nseed: int = 0\n'
            'output_dir: str = "."\nevaluation_id: str = ""\ncode: str = ""\n',
            'raise ValueError(f"no municipality {code} in the register")')), "parameters": {"code": "9999"}},
    ])
    out = base / "out"
    outcomes = run_plan(load_plan(plan), out, jobs=2, progress=False)
    status = {o.id: o.status for o in outcomes}
    assert status == {"overall": "done", "profile-0120": "done", "profile-0120-anon": "done",
                      "profile-9999": "failed"}, [(o.id, o.error) for o in outcomes]
    return base, out


def _pages(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.html"))}


def test_payloads_reach_html_only_as_escaped_text(payload_run):
    _, out = payload_run
    pages = _pages(out)
    assert {"index.html", "overall/report.html", "profile-0120/report.html", "profile-0120-anon/report.html"} <= set(pages)
    for name, page in pages.items():
        soup = BeautifulSoup(page, "html.parser")
        scripts = soup.find_all("script")
        if name.startswith("index"):
            assert len(scripts) == 1 and not scripts[0].get("src") and "alert" not in scripts[0].get_text()
        else:
            assert only_the_panels_scripts(soup), name
        for tag in soup.find_all(True):
            assert not [a for a in tag.attrs if a.lower().startswith("on")], (name, tag.name, tag.attrs)
        for img in soup.find_all("img"):
            assert img["src"].startswith("data:image/"), name
        assert "<script>alert" not in page and "<img src=x" not in page and "<b onmouseover" not in page, name

    overall = BeautifulSoup(pages["overall/report.html"], "html.parser").get_text()
    assert f"Värmdö{NAME_PAYLOAD}" in overall  # the name, shown as the text it is
    assert f"Digital strategi {LABEL_PAYLOAD}" in overall  # the criterion label (weights table)
    profile = BeautifulSoup(pages["profile-0120/report.html"], "html.parser")
    text = profile.get_text()
    assert f"Värmdö{NAME_PAYLOAD}" in profile.find("h1").get_text()
    assert COMMENT_PAYLOAD in text and f"Anna {JUROR_PAYLOAD}" in text
    index = BeautifulSoup(pages["index.html"], "html.parser").get_text()
    assert f"Värmdö{NAME_PAYLOAD}" in index


def test_anonymised_report_names_no_juror(payload_run):
    base, out = payload_run
    page = _pages(out)["profile-0120-anon/report.html"]
    jurors = {line.split(",")[0] for line in (base / "data" / "jury_scores.csv").read_text(encoding="utf-8").splitlines()
              if line and not line.startswith(("#", "juror,"))}
    for name in jurors | {"Anna", "Berg", "Björn Lind"}:
        assert name not in page
    text = BeautifulSoup(page, "html.parser").get_text()
    assert "J1" in text and "J7" in text
    assert "J1…Jn" in text  # the method section says so
    summary = (out / "profile-0120-anon" / "report.json").read_text(encoding="utf-8")
    assert not any(name in summary for name in jurors)


def test_failed_evaluation_listed_without_local_paths(payload_run):
    base, out = payload_run
    index = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    failures = index.select("ul.failures li")
    assert len(failures) == 1 and "profile-9999" in failures[0].get_text() and "9999" in failures[0].get_text()
    assert "misslyckades" in index.find("section", id="status").get_text()
    for page in _pages(out).values():
        for path in (str(base), str(ROOT), str(Path.home()), "/tmp/"):
            assert path not in page


# --- screenshots --------------------------------------------------------------------------------------------

def _screenshot_module():
    spec = importlib.util.spec_from_file_location("ae_screenshot", ROOT / "scripts" / "screenshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_screenshots_of_index_and_profile(twin_runs, tmp_path):
    shot = _screenshot_module()
    if shot.find_browser() is None:
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    from PIL import Image

    _, (a, _) = twin_runs
    for page in (a / "index.html", a / "profile-0120" / "report.html"):
        png = shot.screenshot(page, tmp_path / f"{page.parent.name}.png", width=1200)
        with Image.open(png) as img:
            assert img.width == 1200 and 1200 < img.height < 9000  # trimmed to the page, not the window
            colours = img.convert("RGB").resize((60, 200)).getcolors(60 * 200)
            assert colours is None or len(colours) > 20  # not a blank page


def test_atomic_writes_give_files_the_usual_permissions(tmp_path):
    """Not the 0600 of the temporary file they start as: a report folder is shared with reviewers."""
    import os

    from award_eval.io.files import atomic_write_bytes, atomic_write_text

    mask = os.umask(0o022)
    os.umask(mask)
    expected = 0o666 & ~mask
    text = atomic_write_text(tmp_path / "a" / "r.html", "<p>å</p>\n")
    data = atomic_write_bytes(tmp_path / "w.xlsx", b"PK\x03\x04", fsync=True)
    assert text.read_bytes() == "<p>å</p>\n".encode() and data.read_bytes() == b"PK\x03\x04"
    assert (text.stat().st_mode & 0o777) == expected == (data.stat().st_mode & 0o777)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "r.html", "w.xlsx"]  # no temporary file left
