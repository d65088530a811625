"""award-eval run: real papermill/nbclient execution in kernels from the pool; no mocks.

Small throwaway notebooks written in tmp_path where the demo notebook is not the point.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from .conftest import CRITERIA, DEMO, ROOT
from .test_plan import write_notebook

from award_eval.errors import InputError
from award_eval.run.kernels import KernelPool
from award_eval.run.batch import RECORD, REPORTS_RECORD, _locked, run_plan
from award_eval.run.plan import load_plan

EVALUATE = ROOT / "notebooks" / "evaluate.ipynb"
RESULTS = ("ranking.csv", "criterion_scores.csv", "report.html")
LINUX = sys.platform.startswith("linux")

SMALL_PARAMS = ('code: str = "a"\nfail: bool = False\nsleep: float = 0.0\n'
                'output_dir: str = "."\nevaluation_id: str = ""\n')
SMALL_BODY = ("import pathlib, time\n"
              "time.sleep(sleep)\n"
              "if fail:\n    1 / 0\n"
              "pathlib.Path(output_dir, 'result.csv').write_text(f'code,length\\n{code},{len(code)}\\n')\n")


def small_notebook(folder: Path) -> Path:
    return write_notebook(folder / "small.ipynb", SMALL_PARAMS, SMALL_BODY)


def write_plan(folder: Path, entries: str, defaults: str = "{}") -> Path:
    path = folder / "plan.yaml"
    path.write_text(f"award: test\ndefaults: {defaults}\nevaluations:\n{entries}", encoding="utf-8")
    return path


DEMO_PLAN = Path(__file__).resolve().parents[1] / "data" / "demo" / "plan.yaml"


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000"}
    return subprocess.run([sys.executable, "-m", "award_eval.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, env=env, **kw)


def popen_cli(*args: str) -> subprocess.Popen:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000"}
    return subprocess.Popen([sys.executable, "-m", "award_eval.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _open_folders(pid: int) -> set[str]:
    """The kernel pool's private folders (``award-eval-kernels-*``) that process ``pid`` has files open in."""
    folders = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.readlink(fd)
            if "/award-eval-kernels-" in target:
                folders.add(str(Path(target).parent))
    except OSError:
        pass
    return folders


def wait_until(condition, timeout: float = 120.0, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def completed(out: Path) -> list[str]:
    return sorted(p.parent.name for p in out.glob(f"*/{RECORD}") if not p.parent.name.startswith("."))


def check_no_half_written_file(out: Path) -> None:
    """Every evaluation folder in place is complete: its record's file hashes match; JSON files parse."""
    import hashlib

    for record in out.glob(f"*/{RECORD}"):
        if record.parent.name.startswith("."):
            continue
        rec = json.loads(record.read_text(encoding="utf-8"))
        for name, digest in rec["files"].items():
            assert hashlib.sha256((record.parent / name).read_bytes()).hexdigest() == digest, f"{record.parent.name}/{name}"
    if (out / "manifest.json").exists():
        json.loads((out / "manifest.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------------
# The demo plan through the command line, twice
# ------------------------------------------------------------------------------------------------

def test_demo_plan_runs_with_jobs_2_and_a_second_run_skips_everything(demo_cli_run, tmp_path):
    """The session's demo run (`award-eval run data/demo/plan.yaml --jobs 2`), then a second run skips all."""
    import shutil

    from award_eval.run.plan import load_plan

    src, first = demo_cli_run
    ids = [spec.id for spec in load_plan(DEMO_PLAN).evaluations]
    n_nominees = len([ln for ln in (DEMO_PLAN.parent / "nominees.csv").read_text(encoding="utf-8").splitlines()
                      if ln and not ln.startswith("#")]) - 1
    assert len(ids) == 18 + 2 * n_nominees == 36  # 18 round evaluations, then two profiles per nominee
    assert {"overall", "jury", "screening", "uncertainty", "profile-0120", "longlist", "stage-shortlist", "longlist-en",
            "stage-shortlist-en", "stage-winner", "stage-winner-en", "profile-2062-2034-2039",
            "profile-2062-2034-2039-en"} <= set(ids)
    assert first.returncode == 0, first.stderr[-3000:]
    assert f"{len(ids)} done, 0 unchanged (skipped), 0 failed" in first.stdout and "index.html" in first.stdout
    assert "award-eval:" in first.stderr and "eval" in first.stderr  # the progress bar
    manifest = json.loads((src / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"]["complete"] and manifest["run"]["kernel_start"] in ("fork", "spawn")
    assert [(e["id"], e["status"], e["action"]) for e in manifest["evaluations"]] == [(i, "done", "ran") for i in ids]
    entry = manifest["evaluations"][0]
    assert entry["parameters"]["criteria"] == "../../criteria/digitaliseringskommun.yaml"  # no local path
    assert set(entry["files"]) == {"notebook.ipynb", "ranking.csv", "criterion_scores.csv", "report.html", "report.json"}
    assert 0 < entry["cells_seconds"] < entry["seconds"]
    assert not list(src.glob(".tmp-*")) and not list(src.glob(".*.tmp"))

    out = tmp_path / "demo"  # the second run works on a copy: the session's run stays as it was
    shutil.copytree(src, out)
    # (not .shared/reports.json: the key of the index pages names the folder, so a copy builds them again)
    before = {p: p.stat().st_mtime_ns for p in out.glob("*/*") if p.name != REPORTS_RECORD}
    second = cli("run", "data/demo/plan.yaml", "--out", str(out), "--jobs", "2", "--quiet")
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"0 done, {len(ids)} unchanged (skipped), 0 failed" in second.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [e["action"] for e in manifest["evaluations"]] == ["skipped"] * len(ids)
    assert {p: p.stat().st_mtime_ns for p in out.glob("*/*") if p.name != REPORTS_RECORD} == before  # nothing rewritten

    # a third run: the index pages and workbook are current too (the second run rebuilt them, in a
    # folder elsewhere), so nothing is rewritten and nothing that renders them is imported
    pages = {p: p.stat().st_mtime_ns for p in [*out.glob("index*.html"), out / "results.xlsx"]}
    code = ("import sys; from award_eval.cli import main; "
            f"code = main(['run', 'data/demo/plan.yaml', '--out', {str(out)!r}, '--quiet']); "
            "print(code, sorted(m for m in ('sklearn', 'scipy.stats', 'matplotlib', 'nbconvert', 'jinja2', "
            "'award_eval.composite', 'award_eval.run.report.index') if m in sys.modules))")
    third = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600,
                           env={**os.environ, "SOURCE_DATE_EPOCH": "1790000000"})
    assert third.returncode == 0, third.stderr[-3000:]
    assert f"0 done, {len(ids)} unchanged (skipped), 0 failed" in third.stdout
    assert third.stdout.splitlines()[-1] == "0 []"
    assert len(pages) == 3 and {p: p.stat().st_mtime_ns for p in pages} == pages


# ------------------------------------------------------------------------------------------------
# Failure isolation
# ------------------------------------------------------------------------------------------------

def test_a_failing_notebook_does_not_stop_the_others(tmp_path):
    nb = small_notebook(tmp_path)
    plan = write_plan(tmp_path, f"""
  - {{id: "ok-{{item}}", notebook: {nb}, foreach: [a, bb, ccc], as: code}}
  - {{id: broken, notebook: {nb}, title: Trasig, parameters: {{fail: true}}}}
  - {{id: last, notebook: {nb}}}
""")
    out = tmp_path / "out"
    res = cli("run", str(plan), "--out", str(out), "--jobs", "2", "--quiet")
    assert res.returncode == 1, res.stderr[-3000:]
    assert "4 done, 0 unchanged (skipped), 1 failed" in res.stdout
    line = next(li for li in res.stdout.splitlines() if "FAILED" in li)
    assert "FAILED broken: cell 2 (In [3]), line 4: 1 / 0 — ZeroDivisionError: division by zero" in line
    assert str(out / "broken.failed" / "notebook.ipynb") in res.stdout
    assert "Traceback" not in res.stderr

    # the partially executed notebook is kept, with the error in the failing cell
    nb_out = nbformat.read(str(out / "broken.failed" / "notebook.ipynb"), as_version=4)
    errors = [o for c in nb_out.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "ZeroDivisionError"
    assert not (out / "broken").exists()
    for eid, code in (("ok-a", "a"), ("ok-bb", "bb"), ("ok-ccc", "ccc"), ("last", "a")):
        assert (out / eid / "result.csv").read_text() == f"code,length\n{code},{len(code)}\n"
        assert (out / eid / "report.html").is_file()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    status = {e["id"]: e["status"] for e in manifest["evaluations"]}
    assert status == {"ok-a": "done", "ok-bb": "done", "ok-ccc": "done", "broken": "failed", "last": "done"}
    broken = next(e for e in manifest["evaluations"] if e["id"] == "broken")
    assert broken["error"] == "ZeroDivisionError: division by zero" and broken["failed_execution_count"] == 3
    assert (out / "index.html").is_file()

    # fixed: the next run runs only the broken one, and its .failed folder goes away
    plan.write_text(plan.read_text().replace("fail: true", "fail: false"), encoding="utf-8")
    result = run_plan(load_plan(plan), out, jobs=2, progress=False, warmup=())
    assert [o.id for o in result.ran] == ["broken"] and len(result.skipped) == 4 and not result.failed
    assert (out / "broken" / "result.csv").is_file() and not (out / "broken.failed").exists()


def test_a_cell_that_runs_too_long_fails_with_its_cell_named(tmp_path):
    nb = small_notebook(tmp_path)
    plan = write_plan(tmp_path, f"  - {{id: slow, notebook: {nb}, parameters: {{sleep: 600}}}}\n"
                                f"  - {{id: quick, notebook: {nb}}}\n")
    start = time.monotonic()
    result = run_plan(load_plan(plan), tmp_path / "out", jobs=2, progress=False, timeout=2, warmup=())
    assert time.monotonic() - start < 300  # far below the cell's 600 s, however loaded the machine: it was stopped
    slow = result.failed[0]
    assert slow.id == "slow" and "CellTimeoutError" in slow.error and slow.failed_cell == 2
    assert "cell 2" in slow.failure_line() and "CellTimeoutError" in slow.failure_line()
    assert [o.id for o in result.ran] == ["quick"]


# ------------------------------------------------------------------------------------------------
# Fresh kernels
# ------------------------------------------------------------------------------------------------

def test_every_evaluation_gets_a_fresh_kernel(tmp_path):
    nb = write_notebook(tmp_path / "leak.ipynb", 'code: str = "a"\noutput_dir: str = "."\n',
                        "assert 'secret' not in globals(), 'a namespace was reused'\n"
                        "secret = code\n"
                        "import pathlib, os\n"
                        "pathlib.Path(output_dir, 'kernel.txt').write_text(f'{get_ipython().execution_count} {os.getpid()}')")
    plan = write_plan(tmp_path, f"  - {{id: 'n-{{item}}', notebook: {nb}, foreach: [a, b, c, d, e], as: code}}\n")
    result = run_plan(load_plan(plan), tmp_path / "out", jobs=2, progress=False)
    assert len(result.ran) == 5, result.summary()
    for c in "abcde":  # In [1] parameters, In [2] injected parameters, In [3] the cell: nothing ran before
        nb_out = nbformat.read(str(tmp_path / "out" / f"n-{c}" / "notebook.ipynb"), as_version=4)
        assert [cell.execution_count for cell in nb_out.cells] == [1, 2, 3]
    pids = {(tmp_path / "out" / f"n-{c}" / "kernel.txt").read_text().split()[1] for c in "abcde"}
    assert len(pids) == 5  # five kernels, five processes


def _outputs(nb: nbformat.NotebookNode) -> list:
    return [[{k: v for k, v in o.items() if k != "metadata"} for o in c.outputs]
            for c in nb.cells if c.cell_type == "code"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="kernels are forked only where os.fork exists")
def test_a_forked_kernel_gives_what_a_spawned_kernel_gives(tmp_path):
    """The warm-up must not show: every output of the demo notebook, figures included, is equal."""
    plan = write_plan(tmp_path, f"  - {{id: overall, notebook: {EVALUATE}}}\n",
                      f"{{criteria: {CRITERIA}, data_dir: {DEMO}, lang: sv, seed: 42}}")
    runs = {}
    for method in ("fork", "spawn"):
        result = run_plan(load_plan(plan), tmp_path / method, jobs=1, progress=False, kernel_start=method)
        assert result.kernel_start == method and len(result.ran) == 1, result.summary()
        runs[method] = nbformat.read(str(tmp_path / method / "overall" / "notebook.ipynb"), as_version=4)
    assert _outputs(runs["fork"])[1:] == _outputs(runs["spawn"])[1:]  # [0]: injected cell (tmp path)
    for name in RESULTS:
        assert (tmp_path / "fork" / "overall" / name).read_bytes() == (tmp_path / "spawn" / "overall" / name).read_bytes()


def test_closing_the_pool_kills_every_kernel():
    with KernelPool("python3", size=2, warmup=()) as pool:
        taken = pool.take()
        assert wait_until(lambda: len(pool._ready) == 2, 60)
        kernels = [taken, *pool._ready]
        assert all(k.poll() is None for k in kernels)
        zygote = pool._zygote.proc.pid if pool._zygote else None
    assert wait_until(lambda: not any(alive(k.pid) for k in kernels), 60)
    assert zygote is None or not alive(zygote)


# ------------------------------------------------------------------------------------------------
# Incremental runs
# ------------------------------------------------------------------------------------------------

def test_only_what_changed_runs_again(tmp_path):
    nb = small_notebook(tmp_path)
    plan = write_plan(tmp_path, f"""
  - {{id: "p-{{item}}", notebook: {nb}, foreach: [a, b, c], as: code}}
  - {{id: single, notebook: {nb}, parameters: {{sleep: 0}}}}
""")
    out = tmp_path / "out"
    first = run_plan(load_plan(plan), out, jobs=2, progress=False, warmup=())
    assert len(first.ran) == 4
    again = run_plan(load_plan(plan), out, jobs=2, progress=False, warmup=())
    assert len(again.skipped) == 4 and not again.ran

    plan.write_text(plan.read_text().replace("sleep: 0}", "sleep: 0.01}"), encoding="utf-8")  # a parameter
    (out / "p-b" / "result.csv").unlink()  # an output gone
    (out / "p-c" / "report.html").write_text("edited", encoding="utf-8")  # an output changed
    third = run_plan(load_plan(plan), out, jobs=2, progress=False, warmup=())
    assert sorted(o.id for o in third.ran) == ["p-b", "p-c", "single"] and [o.id for o in third.skipped] == ["p-a"]

    nb.write_text(nb.read_text().replace("len(code)", "len(code) * 2"), encoding="utf-8")  # the notebook
    fourth = run_plan(load_plan(plan), out, jobs=2, progress=False, warmup=())
    assert len(fourth.ran) == 4 and (out / "p-b" / "result.csv").read_text() == "code,length\nb,2\n"
    forced = run_plan(load_plan(plan), out, jobs=2, progress=False, force=True, warmup=())
    assert len(forced.ran) == 4


def test_one_run_at_a_time_per_output_folder(tmp_path):
    nb = small_notebook(tmp_path)
    plan = load_plan(write_plan(tmp_path, f"  - {{id: a, notebook: {nb}}}\n"))
    out = tmp_path / "out"
    out.mkdir()
    with _locked(out):
        with pytest.raises(InputError, match="another award-eval run is using this output folder"):
            run_plan(plan, out, progress=False, warmup=())


# ------------------------------------------------------------------------------------------------
# Interruptions: Ctrl-C and SIGKILL
# ------------------------------------------------------------------------------------------------

GATED_PARAMS = 'code: str = "a"\nmarks: str = "."\noutput_dir: str = "."\nevaluation_id: str = ""\n'
GATED_BODY = ("import pathlib, time\n"
              "marks_dir = pathlib.Path(marks)\n"
              "if code != 'a':  # every evaluation but the first says it runs, then waits for the gate\n"
              "    (marks_dir / f'running-{code}').write_text('')\n"
              "    deadline = time.monotonic() + 300\n"
              "    while not (marks_dir / 'go').exists() and time.monotonic() < deadline:\n"
              "        time.sleep(0.05)\n"
              "pathlib.Path(output_dir, 'result.csv').write_text(f'code\\n{code}\\n')\n")
GATED_ITEMS = "abcdefgh"


def gated_run(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A plan whose evaluation ``s-a`` completes at once and ``s-b`` … ``s-h`` wait until the file
    ``marks/go`` exists, each first writing ``marks/running-<item>``: a Ctrl-C test waits for
    these states (one complete, others running), never for a time, and the run cannot finish
    before the signal however loaded the machine is."""
    nb = write_notebook(tmp_path / "gated.ipynb", GATED_PARAMS, GATED_BODY)
    marks = tmp_path / "marks"
    marks.mkdir()
    plan = write_plan(tmp_path, f"  - {{id: 's-{{item}}', notebook: {nb}, foreach: [{', '.join(GATED_ITEMS)}], "
                                f"as: code, parameters: {{marks: '{marks}'}}}}\n")
    return plan, tmp_path / "out", marks


def running(marks: Path) -> bool:
    return any(marks.glob("running-*"))


def check_stopped_cleanly(plan: Path, out: Path, marks: Path, err: str, below: list[int]) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("award-eval: interrupted: 1 of 8 evaluations complete"), err
    assert "Traceback" not in err and "run the same command again" in err and "manifest.json" in err
    assert wait_until(lambda: not any(alive(p) for p in below), 60), "kernels left running"
    assert not list(out.glob(".tmp-*")) and not list(out.glob(".old-*")) and not list(out.glob(".*.tmp"))
    check_no_half_written_file(out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert not manifest["run"]["complete"] and completed(out) == ["s-a"]
    assert [e["id"] for e in manifest["evaluations"] if e["status"] == "done"] == ["s-a"]
    (marks / "go").write_text("")
    rerun = run_plan(load_plan(plan), out, jobs=2, progress=False, warmup=())
    assert [o.id for o in rerun.skipped] == ["s-a"] and len(rerun.ran) == 7


@pytest.mark.skipif(not LINUX, reason="reads /proc")
@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_stops_cleanly(tmp_path, presses):
    """Ctrl-C once, or twice 0.3 s apart (the second while the run stops): exit 130, one line,
    the manifest records what completed, no kernel left, and the same command finishes the run."""
    plan, out, marks = gated_run(tmp_path)
    proc = popen_cli("run", str(plan), "--out", str(out), "--jobs", "2", "--quiet")
    try:
        assert wait_until(lambda: completed(out) == ["s-a"] and running(marks), 300), proc.stderr
        below = descendants(proc.pid)
        proc.send_signal(signal.SIGINT)
        if presses == 2:
            time.sleep(0.3)
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    check_stopped_cleanly(plan, out, marks, err, below)


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_kill_9_then_run_again_finishes_with_the_same_bytes_as_a_clean_run(tmp_path):
    plan = write_plan(tmp_path, f"""
  - {{id: overall, notebook: {EVALUATE}}}
  - {{id: "norm-{{item}}", notebook: {EVALUATE}, foreach: [zscore, rank], as: normalisation,
     parameters: {{lang: en}}}}
  - {{id: "geo", notebook: {EVALUATE}, parameters: {{aggregation: geometric}}}}
""", f"{{criteria: {CRITERIA}, data_dir: {DEMO}, lang: sv, seed: 42}}")
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    proc = popen_cli("run", str(plan), "--out", str(killed), "--jobs", "2", "--quiet")
    try:
        assert wait_until(lambda: len(completed(killed)) >= 1, 300), proc.stderr
        below = descendants(proc.pid)
        private = {Path(f) for p in below for f in _open_folders(p)}
        assert private, "no kernel server folder found"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.communicate()
    assert len(completed(killed)) < 4, "the run finished before it could be killed"
    check_no_half_written_file(killed)  # complete folders only; temporary ones start with '.'
    # without its run, the kernel server ends and takes its kernels and its private folder with it
    assert wait_until(lambda: not any(alive(p) for p in below), 60), "kernels outlived a killed run"
    assert wait_until(lambda: not any(d.exists() for d in private), 60), "the kernel server left its folder"

    again = cli("run", str(plan), "--out", str(killed), "--jobs", "2", "--quiet")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "unchanged (skipped)" in again.stdout and "0 failed" in again.stdout
    # nothing temporary is left; .shared/ is the run's store (award_eval.shared), kept on purpose
    assert not [p for p in killed.iterdir() if p.name.startswith(".") and p.name != ".shared"]
    assert not list((killed / ".shared").glob(".*.tmp"))
    fresh = cli("run", str(plan), "--out", str(clean), "--jobs", "2", "--quiet")
    assert fresh.returncode == 0, fresh.stderr[-3000:]

    ids = ["overall", "norm-zscore", "norm-rank", "geo"]
    assert completed(killed) == completed(clean) == sorted(ids)
    for eid in ids:
        for name in RESULTS:
            assert (killed / eid / name).read_bytes() == (clean / eid / name).read_bytes(), f"{eid}/{name}"
    assert (killed / "index.html").read_bytes() == (clean / "index.html").read_bytes()


def test_a_kernel_that_cannot_start_fails_its_evaluations_with_the_reason(tmp_path, monkeypatch):
    spec_dir = tmp_path / "share" / "kernels" / "broken"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", "import sys; print('no kernel here', file=sys.stderr); sys.exit(3)",
                 "-f", "{connection_file}"],
        "display_name": "broken", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share"))
    nb = small_notebook(tmp_path)
    plan = write_plan(tmp_path, f"  - {{id: 'k-{{item}}', notebook: {nb}, foreach: [a, b], as: code}}\n")
    result = run_plan(load_plan(plan), tmp_path / "out", jobs=2, progress=False, kernel="broken")
    assert result.kernel_start == "spawn" and [o.status for o in result] == ["failed", "failed"]
    assert all("kernel did not start" in o.error and "exited with code 3" in o.error
               and "no kernel here" in o.error for o in result), result.summary()
