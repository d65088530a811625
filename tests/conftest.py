"""Shared paths and fixtures. Tests that need ../shared skip cleanly where it is absent."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
CRITERIA = ROOT / "criteria" / "digitaliseringskommun.yaml"
SHARED = ROOT.parent / "shared"
BIN = Path(sys.executable).parent


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside this checkout")
    return SHARED


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo data folder (plan included), for tests that break a file."""
    dest = tmp_path / "demo"
    shutil.copytree(DEMO, dest)
    return dest


@pytest.fixture
def framework():
    from award_eval import load_framework

    return load_framework(CRITERIA)


@pytest.fixture
def demo_data(framework):
    from award_eval import load_award_data

    return load_award_data(DEMO, framework)


DEMO_EPOCH = "1790000000"


@pytest.fixture(scope="session")
def demo_cli_run(tmp_path_factory):
    """The whole demo plan, run once per session by the command line (--jobs 2, SOURCE_DATE_EPOCH set).

    Tests of the notebooks, the batch runner and the Dask path share this run, so the suite runs
    the 24-evaluation demo as few times as it can. Tests that change the folder work on a copy.
    """
    import os
    import subprocess

    out = tmp_path_factory.mktemp("demo-run") / "demo"
    env = {**os.environ, "SOURCE_DATE_EPOCH": DEMO_EPOCH}
    res = subprocess.run([sys.executable, "-m", "award_eval.cli", "run", "data/demo/plan.yaml", "--out", str(out),
                          "--jobs", "2"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=1200)
    return out, res


@pytest.fixture(scope="session")
def demo_run_dir(request) -> Path:
    """The session's demo run folder (it must have succeeded). ``AWARD_EVAL_TEST_RUN=folder``
    checks a demo run made before instead (the browser, workbook and PDF tests, while editing)."""
    import os

    if os.environ.get("AWARD_EVAL_TEST_RUN"):
        return Path(os.environ["AWARD_EVAL_TEST_RUN"]).resolve()
    out, res = request.getfixturevalue("demo_cli_run")
    assert res.returncode == 0, res.stderr[-3000:]
    return out


def only_the_panels_scripts(soup) -> bool:
    """A report's scripts are none, or exactly the weights panel's: its JSON data (no '<' inside, so
    it can never end its script) and templates/explore.js as shipped."""
    from importlib.resources import files

    scripts = soup.find_all("script")
    if not scripts:
        return True
    js = (files("award_eval") / "templates" / "explore.js").read_text(encoding="utf-8")
    return (len(scripts) == 2 and scripts[0].get("type") == "application/json" and scripts[0].get("id") == "ae-explore-data"
            and "<" not in scripts[0].string and scripts[1].string == js and not any(s.get("src") for s in scripts))
