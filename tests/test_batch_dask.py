"""award-eval run --dask: the demo plan on a Dask LocalCluster gives what a local run gives."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from .conftest import DEMO, ROOT

from award_eval.run.batch import run_plan
from award_eval.run.plan import load_plan

distributed = pytest.importorskip("distributed")

RESULTS = ("ranking.csv", "criterion_scores.csv", "report.html")


def _comparable(manifest: dict) -> dict:
    """The manifest without what differs between two runs by nature: timings, the run block, the
    executed notebook's bytes (it records cell timings) and the commit."""
    manifest = json.loads(json.dumps(manifest))
    for key in ("run", "git_commit"):
        manifest.pop(key, None)
    for entry in manifest["evaluations"]:
        for key in ("seconds", "cells_seconds", "report_seconds", "kernel_wait_seconds"):
            entry.pop(key)
        entry["files"].pop("notebook.ipynb")
    return manifest


def test_the_demo_plan_on_a_local_dask_cluster(tmp_path, monkeypatch, demo_cli_run):
    from .conftest import DEMO_EPOCH

    monkeypatch.setenv("SOURCE_DATE_EPOCH", DEMO_EPOCH)  # as the session's local demo run had it
    plan = load_plan(DEMO / "plan.yaml")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        result = run_plan(plan, tmp_path / "dask", progress=False, dask=cluster.scheduler_address)
    assert result.executor == "dask" and all(o.status == "done" for o in result), result.summary()
    local_dir, local_res = demo_cli_run  # the same plan run locally (--jobs 2) by the command line
    assert local_res.returncode == 0, local_res.stderr[-3000:]

    for spec in plan.evaluations:
        for name in RESULTS:
            if (local_dir / spec.id / name).exists():
                assert (tmp_path / "dask" / spec.id / name).read_bytes() == (local_dir / spec.id / name).read_bytes()
    assert (tmp_path / "dask" / "index.html").read_bytes() == (local_dir / "index.html").read_bytes()
    dask_manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text(encoding="utf-8"))
    local_manifest = json.loads((local_dir / "manifest.json").read_text(encoding="utf-8"))
    assert dask_manifest["run"]["executor"] == "dask" and local_manifest["run"]["executor"] == "local"
    assert _comparable(dask_manifest) == _comparable(local_manifest)
    # nothing temporary is left; .shared/ keeps the notebooks' parameter declarations (award_eval.shared)
    assert not [p for p in (tmp_path / "dask").iterdir() if p.name.startswith(".") and p.name != ".shared"]
    assert not list((tmp_path / "dask" / ".shared").glob("*.pkl"))  # Dask tasks compute in their own folders

    # a second run needs no cluster at all: everything is unchanged
    again = run_plan(plan, tmp_path / "dask", progress=False, dask="tcp://127.0.0.1:9")
    assert all(o.action == "skipped" for o in again)


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path):
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    res = subprocess.run([sys.executable, "-m", "award_eval.cli", "run", "data/demo/plan.yaml", "--out",
                          str(tmp_path / "out"), "--dask", "tcp://127.0.0.1:9", "--quiet", "--force"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
    assert res.returncode == 2, res.stderr[-2000:]
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr and "tcp://127.0.0.1:9" in lines[0], res.stderr
    assert lines[0].startswith("award-eval: error: --dask: value 'tcp://127.0.0.1:9'")
    assert not (tmp_path / "out").exists()


def test_a_task_carries_its_inputs_and_needs_no_shared_folder(tmp_path, demo_cli_run):
    """The plan's folders are deleted before the task runs: the worker has only the bytes the task
    carries (criteria, data folder, notebook), unpacked in a temporary folder of its own."""
    import shutil

    from award_eval.run.batch import TaskInputs, _close_worker_pools, _dask_task
    from award_eval.run.context import evaluation_hash, kernel_name, prepare

    from .conftest import CRITERIA

    src = tmp_path / "award"
    (src / "data").mkdir(parents=True)
    for f in DEMO.glob("*.csv"):
        shutil.copy(f, src / "data" / f.name)
    shutil.copy(CRITERIA, src / "criteria.yaml")
    shutil.copy(ROOT / "notebooks" / "evaluate.ipynb", src / "evaluate.ipynb")
    (src / "plan.yaml").write_text("award: digitaliseringskommun\n"
                                   "defaults: {criteria: criteria.yaml, data_dir: data, lang: sv, seed: 42}\n"
                                   "evaluations:\n  - {id: overall, notebook: evaluate.ipynb}\n", encoding="utf-8")
    plan = load_plan(src / "plan.yaml")
    ctx = prepare(plan)
    spec = plan.evaluations[0]
    kernel = kernel_name()
    digest = evaluation_hash(ctx, spec, kernel)
    inputs = TaskInputs.pack(plan)
    assert {"criteria.yaml", "evaluate.ipynb", "jury_scores.csv"} <= {Path(n).name for n in inputs.files}
    shutil.rmtree(src)  # nothing of the plan is left on this machine but the task's bytes

    worker_dir = tmp_path / "worker"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  local_directory=str(worker_dir)) as cluster, distributed.Client(cluster) as client:
        try:
            rec, files, _ = client.submit(_dask_task, ctx, inputs, spec, digest, "t", kernel, "auto", None, 900,
                                          pure=False).result()
        finally:
            client.run(_close_worker_pools, "t")
    assert rec["status"] == "done", rec
    local_dir, local_res = demo_cli_run  # the demo plan's `overall`: the same notebook, criteria, data and seed
    assert local_res.returncode == 0, local_res.stderr[-3000:]
    for name in ("ranking.csv", "criterion_scores.csv"):
        assert files[name] == (local_dir / "overall" / name).read_bytes(), name
    assert not src.exists()
