"""Execution of a plan: every evaluation run by papermill into its own folder, then rendered.

Each evaluation runs in a fresh kernel into a temporary folder ``<out>/.tmp-<id>/`` and is moved
to ``<out>/<id>/`` only when complete, so an interrupted run never leaves half an evaluation.
``manifest.json`` and ``index.html`` are written last, atomically.
"""
from __future__ import annotations

import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from tqdm.auto import tqdm

from . import __version__
from .criteria import Framework, load_framework
from .data import AwardData, load_award_data
from .plan import EvaluationSpec, Plan, check_parameters
from .provenance import git_commit, input_hashes, package_versions, sha256_file
from .report import write_evaluation_report, write_index
from .results import atomic_write_text

KERNEL_NAME = "award-eval"
EXECUTION_TIMEOUT = 900


@dataclass
class Outcome:
    """What happened to one evaluation."""

    id: str
    status: str  # done | failed
    seconds: float = 0.0
    error: str | None = None
    failed_cell: int | None = None
    files: list[str] = field(default_factory=list)


def kernel_name() -> str:
    """The project's kernelspec when installed (``make`` installs it), else this interpreter's."""
    from jupyter_client.kernelspec import KernelSpecManager

    return KERNEL_NAME if KERNEL_NAME in KernelSpecManager().find_kernel_specs() else "python3"


@dataclass(frozen=True)
class RunContext:
    """What every evaluation of a run shares: the plan, its framework and data, the provenance."""

    plan: Plan
    framework: Framework | None
    data: AwardData | None
    provenance: dict

    @property
    def synthetic(self) -> bool:
        return bool(self.data and self.data.synthetic)


def run_evaluation(ctx: RunContext, spec: EvaluationSpec, out_dir: Path, kernel: str) -> Outcome:
    """Execute one evaluation into a temporary folder, render its report, move it into place."""
    import papermill as pm

    final = out_dir / spec.id
    tmp = out_dir / f".tmp-{spec.id}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    params = {**ctx.plan.parameters(spec), "output_dir": str(tmp)}
    start = time.perf_counter()
    executed = tmp / "notebook.ipynb"
    try:
        pm.execute_notebook(str(spec.notebook), str(executed), parameters=params, kernel_name=kernel,
                            progress_bar=False, log_output=False,
                            execution_timeout=EXECUTION_TIMEOUT)
    except pm.PapermillExecutionError as exc:
        failed = out_dir / f"{spec.id}.failed"
        shutil.rmtree(failed, ignore_errors=True)
        tmp.rename(failed)
        return Outcome(spec.id, "failed", time.perf_counter() - start,
                       f"{exc.ename}: {exc.evalue}", exc.cell_index)
    write_evaluation_report(nbformat.read(str(executed), as_version=4), ctx, spec, tmp / "report.html")
    files = sorted(p.name for p in tmp.iterdir() if not p.name.startswith("."))
    shutil.rmtree(final, ignore_errors=True)
    shutil.rmtree(out_dir / f"{spec.id}.failed", ignore_errors=True)
    tmp.rename(final)
    return Outcome(spec.id, "done", time.perf_counter() - start, files=files)


def prepare(plan: Plan) -> RunContext:
    """Load and check everything a run needs before any notebook starts (bad input stops here)."""
    check_parameters(plan)
    criteria_path = plan.defaults.get("criteria")
    framework = load_framework(criteria_path) if criteria_path else None
    data = load_award_data(plan.defaults["data_dir"], framework) if framework and "data_dir" in plan.defaults else None
    files: dict[str, Path] = {}
    if framework and framework.source:
        files["criteria/" + framework.source.name] = framework.source
    if data:
        files.update({f"data/{name}": p for name, p in data.files.items()})
    provenance = {
        "award_eval": __version__,
        "plan": plan.source.name if plan.source else None,
        "plan_sha256": sha256_file(plan.source) if plan.source else None,
        "criteria_version": framework.version if framework else None,
        "seed": plan.defaults.get("seed"),
        "synthetic": bool(data and data.synthetic),
        "inputs": input_hashes(files),
        "packages": package_versions(),
        "git_commit": git_commit(plan.source) if plan.source else None,
    }
    return RunContext(plan, framework, data, provenance)


def run_plan(plan: Plan, out_dir: str | Path, jobs: int = 1, progress: bool = True) -> list[Outcome]:
    """Run every evaluation of ``plan`` into ``out_dir``; write ``manifest.json`` and ``index.html``."""
    out_dir = Path(out_dir).resolve()
    ctx = prepare(plan)
    out_dir.mkdir(parents=True, exist_ok=True)
    kernel = kernel_name()

    outcomes: dict[str, Outcome] = {}
    with tqdm(total=len(plan.evaluations), desc="award-eval", unit="eval", disable=not progress) as bar:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(run_evaluation, ctx, spec, out_dir, kernel): spec for spec in plan.evaluations}
            for fut in as_completed(futures):
                outcome = fut.result()
                outcomes[outcome.id] = outcome
                bar.update(1)
                bar.set_postfix(failed=sum(o.status == "failed" for o in outcomes.values()))
    ordered = [outcomes[s.id] for s in plan.evaluations]
    manifest = {**ctx.provenance,
                "evaluations": [{**asdict(o), "seconds": round(o.seconds, 2)} for o in ordered]}
    atomic_write_text(out_dir / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    write_index(out_dir / "index.html", ctx, manifest)
    return ordered
