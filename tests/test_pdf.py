"""award-eval pdf: the board's pack printed by headless Chromium; one line and exit 2 without one."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from award_eval.run.report.browser import find_chromium
from award_eval.run.report.pdf import pack_parts, pdf_page_count
from tests.conftest import ROOT


def test_without_a_browser_one_line_and_exit_2(demo_run_dir, tmp_path):
    env = {**os.environ, "AWARD_EVAL_CHROMIUM": str(tmp_path / "no-such-chromium")}
    res = subprocess.run([sys.executable, "-m", "award_eval.cli", "pdf", str(demo_run_dir), "--out",
                          str(tmp_path / "pack.pdf")], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1 and "chromium" in res.stderr.lower()
    assert not (tmp_path / "pack.pdf").exists()


def test_the_pack_holds_the_index_and_the_reports_in_one_language(demo_run_dir):
    en = pack_parts(demo_run_dir, "en")
    assert [p.kind for p in en] == ["index", "ranking", "jury", "screening", "screening", "ranking", "ranking",
                                    "ranking", "ranking", "other"]  # … longlist, the four stages, uncertainty
    assert en[0].path.name == "index.en.html" and all(p.path.parent.name.endswith("-en") for p in en[1:])
    with_profiles = pack_parts(demo_run_dir, "sv", profiles=True)
    profiles = sorted((demo_run_dir).glob("profile-*[0-9]/report.html"))  # one Swedish profile per nominee
    assert sum(p.kind == "profile" for p in with_profiles) == len(profiles) == 9
    assert (demo_run_dir / "profile-2062-2034-2039" / "report.html") in profiles  # the joint nominee's


@pytest.mark.skipif(find_chromium() is None or shutil.which("pdftoppm") is None,
                    reason="install chromium and poppler-utils to enable")
def test_the_pdf_has_a_contents_page_and_every_report(demo_run_dir, tmp_path):
    from award_eval.run.report.pdf import write_pdf

    out = write_pdf(demo_run_dir, tmp_path / "pack.pdf", lang="en")
    data = out.read_bytes()
    pages = pdf_page_count(data)
    assert data.startswith(b"%PDF") and pages >= 1 + len(pack_parts(demo_run_dir, "en"))
    # pdftoppm (poppler) reads the file and agrees on the page count
    subprocess.run(["pdftoppm", "-png", "-r", "12", str(out), str(tmp_path / "p")], check=True, timeout=120)
    assert len(list(tmp_path.glob("p-*.png"))) == pages
