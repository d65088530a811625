"""Shared paths and fixtures. Tests that need ../shared skip cleanly where it is absent.

Running in parallel (``make test`` runs ``pytest -n 2 --dist loadfile``, pytest-xdist):

* **A test file is the unit of work.** All of a file's tests run on one worker, in file order, so a
  module-scoped fixture is built once and a notebook's nbval cells run in one kernel, in order.
  A new test file needs nothing to take part. Tests in one file may share state; tests in different
  files must not (they may run at the same moment): write only under ``tmp_path`` /
  ``tmp_path_factory``, never into the checkout (a notebook's own default ``runs/interactive/<name>``
  under notebooks/ is its nbval run's alone).
* **Something expensive that several files need** (a whole demo run) is a session fixture built
  through ``once_per_session(tmp_path_factory, name, build)``: the first worker to ask builds it,
  under a file lock, in a folder shared by the session's workers; the others wait and reuse it.
  ``build(folder)`` returns something JSON can carry (paths as strings).
* **Slow files start first** (``SLOW_FILES``, longest first), so the two workers end together;
  a file whose tests take over ~20 s in all (sum a file's times from ``--junitxml``) belongs in it.
* One test, serially: ``.venv/bin/pytest -q tests/test_x.py::test_name`` (no ``-n``: one process).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
CRITERIA = ROOT / "criteria" / "digitaliseringskommun.yaml"
SHARED = ROOT.parent / "shared"
BIN = Path(sys.executable).parent

#: Test files that take longest (``--durations`` on the whole suite), longest first: under xdist they
#: are handed out first, so no long file starts last and leaves one worker idle at the end.
SLOW_FILES = (
    "tests/test_batch.py", "tests/test_properties.py", "tests/test_inputs_corpus.py", "tests/test_batch_dask.py",
    "tests/test_cli.py", "tests/test_formulas.py", "tests/test_report_run.py", "tests/test_kernels.py",
    "tests/test_scale.py", "tests/test_notebooks.py", "tests/test_privacy.py", "tests/test_run_safety.py",
    "tests/test_reversal.py", "tests/test_compare.py", "tests/test_layering.py", "notebooks/evaluate.ipynb",
    "tests/test_jury_share.py", "notebooks/jury.ipynb", "notebooks/screening.ipynb", "tests/test_parameters.py",
)


def once_per_session(tmp_path_factory, name: str, build):
    """``build(folder)`` once per test session, its JSON-able result shared by every xdist worker.

    Serially, simply ``build`` in a fresh temporary folder. Under xdist, the workers share the
    session's temporary root (``getbasetemp().parent``, the pattern pytest-xdist documents for
    session fixtures): the first worker builds under a file lock and writes the result beside the
    folder; the others block on the lock, then read it. A build that raises leaves no result, so
    the next worker that asks tries again (and fails its own tests the same way).
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return build(tmp_path_factory.mktemp(name))
    from filelock import FileLock

    root = tmp_path_factory.getbasetemp().parent / "once-per-session"
    root.mkdir(exist_ok=True)
    result = root / f"{name}.json"
    with FileLock(str(root / f"{name}.lock")):
        if result.is_file():
            return json.loads(result.read_text(encoding="utf-8"))
        folder = root / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        value = build(folder)
        result.write_text(json.dumps(value), encoding="utf-8")
        return value


def pytest_collection_modifyitems(config, items):
    """Under xdist, the files in SLOW_FILES first (longest first); every file keeps its own order."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    rank = {name: i for i, name in enumerate(SLOW_FILES)}
    position = {item: i for i, item in enumerate(items)}
    items.sort(key=lambda item: (rank.get(item.nodeid.split("::")[0], len(rank)), position[item]))


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
    the 24-evaluation demo as few times as it can: once, however many xdist workers there are
    (``once_per_session``). Tests that change the folder work on a copy.
    """
    import subprocess

    def build(folder: Path) -> dict:
        out = folder / "demo"
        env = {**os.environ, "SOURCE_DATE_EPOCH": DEMO_EPOCH}
        res = subprocess.run([sys.executable, "-m", "award_eval.cli", "run", "data/demo/plan.yaml", "--out", str(out),
                              "--jobs", "2"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=1200)
        return {"out": str(out), "args": res.args, "returncode": res.returncode, "stdout": res.stdout,
                "stderr": res.stderr}

    run = once_per_session(tmp_path_factory, "demo-run", build)
    return Path(run["out"]), subprocess.CompletedProcess(run["args"], run["returncode"], run["stdout"], run["stderr"])


@pytest.fixture(scope="session")
def demo_run_dir(request) -> Path:
    """The session's demo run folder (it must have succeeded). ``AWARD_EVAL_TEST_RUN=folder``
    checks a demo run made before instead (the browser, workbook and PDF tests, while editing)."""
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
