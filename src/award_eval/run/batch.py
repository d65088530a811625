"""Execution of a plan: every evaluation run by papermill in a fresh kernel, rendered, moved into place.

One run, step by step (:func:`run_plan`):

1. :func:`prepare` loads the criteria and data and checks every parameter against its notebook
   (papermill's inspection) — bad input stops the run here, before anything is written.
2. Each evaluation gets a hash of what it depends on (:func:`evaluation_hash`: the notebook file,
   the parameters it receives, the input files, award_eval's own code, the kernel). An evaluation
   whose folder holds a record with that hash and whose output files still match the record is
   skipped (``force=True`` runs everything).
3. The others run in parallel, ``jobs`` at a time, each in a fresh kernel taken from a
   :class:`~award_eval.run.kernels.KernelPool` (kernels are started ahead of need) — or, with
   ``dask=ADDRESS``, on the workers of an existing Dask cluster.
   An evaluation writes into ``<out>/.tmp-<id>/``; when it is complete (notebook, result files,
   ``report.html`` and its record ``.evaluation.json``) the folder is renamed to ``<out>/<id>/``.
   A failed evaluation's folder (partially executed notebook, error cell included) becomes
   ``<out>/<id>.failed/`` and the stale ``<out>/<id>/`` is removed.
4. ``manifest.json`` is rewritten (atomically) as evaluations finish, and ``index.html`` once all
   have run.

A run killed at any moment leaves complete evaluation folders, temporary ones (``.tmp-*``,
``.old-*``, removed by the next run) and an older but whole manifest; running the same command
again does the rest. Ctrl-C (or SIGTERM) stops it cleanly: no new evaluation starts, running
kernels are killed, temporary folders are removed, the manifest records what is complete.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from award_eval.errors import InputError, RunInterrupted  # noqa: F401 (re-exported)
from award_eval.io.files import atomic_write_text
from award_eval.provenance import (
    sha256_file,
)
from award_eval.run.context import (
    RunContext,
    _file_hash,
    evaluation_hash,
    kernel_name,
    portable_parameters,
    portable_path,
    prepare,
)
from award_eval.run.plan import (
    PATH_PARAMETERS,
    EvaluationSpec,
    Plan,
    check_parameters,
    notebook_parameters,
    remember_parameters,
    remember_rounds,
)

EXECUTION_TIMEOUT = 900
#: Each evaluation folder's own record: its manifest entry, with the sha256 of every output file.
RECORD = ".evaluation.json"
MANIFEST_INTERVAL = 1.0  # seconds between two manifest writes while a run is going


@dataclass
class Outcome:
    """What happened to one evaluation (its manifest entry)."""

    id: str
    status: str  # done | failed | pending (not run yet: only in the manifest of an unfinished run)
    action: str = "ran"  # ran | skipped (unchanged since a previous run)
    hash: str = ""  # of everything the results depend on (see evaluation_hash)
    notebook: str = ""
    notebook_sha256: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    group: str | None = None
    seconds: float = 0.0  # wall time: kernel hand-over, cells, report, files
    cells_seconds: float = 0.0  # the cells' own execution time (papermill's per-cell durations)
    report_seconds: float = 0.0
    kernel_wait_seconds: float = 0.0  # how long it waited for a started kernel (0 when one was ready)
    error: str | None = None
    failed_cell: int | None = None  # index of the failing cell in the executed notebook
    failed_execution_count: int | None = None  # its "In [n]"
    failed_line: int | None = None  # the line of the cell that raised (from the traceback)
    failed_source: str | None = None  # that line's code (else the cell's first line)
    files: dict[str, str] = field(default_factory=dict)  # output file → sha256

    @property
    def overhead_seconds(self) -> float:
        return max(0.0, self.seconds - self.cells_seconds)

    def record(self) -> dict[str, Any]:
        rec = asdict(self)
        for key in ("seconds", "cells_seconds", "report_seconds", "kernel_wait_seconds"):
            rec[key] = round(rec[key], 3)
        return rec

    @classmethod
    def from_record(cls, rec: dict[str, Any], **changes: Any) -> "Outcome":
        known = {k: v for k, v in rec.items() if k in cls.__dataclass_fields__}
        return cls(**{**known, **changes})

    def failure_line(self, out_dir: Path | None = None) -> str:
        """``FAILED <id>: cell 4 (In [3]), line 2: x = 1 / 0 — ZeroDivisionError: division by zero``."""
        cell = ""
        if self.failed_cell is not None:
            cell = f"cell {self.failed_cell}"
            if self.failed_execution_count:
                cell += f" (In [{self.failed_execution_count}])"
            if self.failed_line:
                cell += f", line {self.failed_line}"
            if self.failed_source:
                cell += f": {self.failed_source}"
            cell += " — "
        where = ""
        if out_dir is not None:
            where = f"\n         notebook: {out_dir / (self.id + '.failed') / 'notebook.ipynb'}"
        return f"FAILED {self.id}: {cell}{self.error}{where}"


@dataclass
class RunResult:
    """The outcomes of a run, in plan order; iterating gives the outcomes."""

    outcomes: list[Outcome]
    out_dir: Path
    seconds: float = 0.0
    executor: str = "local"
    kernel_start: str | None = None
    #: Shared precomputations (award_eval.shared) the notebooks wrote during the run.
    shared_stores: int = 0

    def __iter__(self) -> Iterator[Outcome]:
        return iter(self.outcomes)

    def __len__(self) -> int:
        return len(self.outcomes)

    def __getitem__(self, i: int) -> Outcome:
        return self.outcomes[i]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ran(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "done" and o.action == "ran"]

    @property
    def skipped(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "done" and o.action == "skipped"]

    @property
    def complete_count(self) -> int:
        return sum(o.status != "pending" for o in self.outcomes)

    @property
    def index(self) -> Path:
        return self.out_dir / "index.html"

    def summary(self) -> str:
        """What a person wants to read at the end: counts, time, each failure with its cell."""
        n = len(self.outcomes)
        parts = [f"{len(self.ran)} done", f"{len(self.skipped)} unchanged (skipped)", f"{len(self.failed)} failed"]
        pending = n - self.complete_count
        if pending:
            parts.append(f"{pending} not run")
        lines = [f"award-eval: {n} evaluations in {_duration(self.seconds)} — " + ", ".join(parts)]
        lines += ["  " + o.failure_line(self.out_dir) for o in self.failed]
        return "\n".join(lines)


def _duration(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s} s" if m else f"{seconds:.1f} s"


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder for the run (one run per folder)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise InputError(out_dir, "another award-eval run is using this output folder (wait for it, or choose another --out)",
                             has_value=False) from None
        yield
    finally:
        os.close(fd)


def input_folders(plan: Plan) -> tuple[list[Path], list[Path]]:
    """The folders a run reads: (those ``--out`` may not be or contain: the plan's, the notebooks',
    the criteria's and the data's; those it may not be inside either: the data folders)."""
    read: set[Path] = {plan.folder.resolve()} | {Path(s.notebook).resolve().parent for s in plan.evaluations}
    data: set[Path] = set()
    for params in [plan.defaults, *(s.parameters for s in plan.evaluations)]:
        for key in PATH_PARAMETERS:
            value = params.get(key)
            if isinstance(value, str) and value:
                path = Path(value).resolve()
                folder = path if key == "data_dir" or path.is_dir() else path.parent
                read.add(folder)
                if key == "data_dir":
                    data.add(folder)
    return sorted(read), sorted(data)


def check_output_dir(plan: Plan, out_dir: str | Path) -> Path:
    """``--out`` as a folder the run may write: not a file, not below a file, writable, and apart
    from the inputs (never one of their folders, nor above one, nor inside a data folder).
    Raises :class:`InputError` before anything starts; returns the resolved folder."""
    given = Path(out_dir)
    out = given.resolve()
    for parent in [out, *out.parents]:
        if parent.exists() and not parent.is_dir():
            expected = "a folder for the reports, not a file" if parent == out else \
                f"a folder path (its part {str(parent)!r} is a file)"
            raise InputError("--out", expected, value=str(given))
    read, data = input_folders(plan)
    for folder in read:
        if out == folder or out in folder.parents:
            raise InputError("--out", f"a folder that neither is nor holds an input folder ({folder.name or folder} "
                             "is read by the plan; outputs never go among the inputs)", value=str(given))
    for folder in data:
        if folder in out.parents:
            raise InputError("--out", f"a folder outside the plan's data folder ({folder.name}: nothing is ever "
                             "written into it)", value=str(given))
    existing = next(p for p in [out, *out.parents] if p.exists())
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError("--out", f"a folder this user may write in ({existing} is read-only)", value=str(given))
    return out


def _sweep(out_dir: Path) -> None:
    """Remove what an interrupted or killed run left: temporary folders and half-written files."""
    for p in out_dir.iterdir():
        if p.is_dir() and p.name.startswith((".tmp-", ".old-")):
            shutil.rmtree(p, ignore_errors=True)
        elif p.is_file() and p.name.startswith(".") and p.name.endswith(".tmp"):
            p.unlink(missing_ok=True)
    drop_stores(out_dir)  # left by a killed run


def drop_stores(out_dir: Path) -> int:
    """Remove the run's shared precomputations (``.shared/*.pkl``, their locks, half-written files)
    and return how many there were. They serve one run only, and they hold what no report may: the
    data as loaded, local paths included. The parameter declarations stay (a later run reads them)."""
    folder = out_dir / SHARED_DIR
    stores = list(folder.glob("*.pkl"))
    for p in [*stores, *folder.glob("*.lock"), *folder.glob(".*.tmp")]:
        p.unlink(missing_ok=True)
    return len(stores)


def result_files(folder: Path) -> dict[str, bytes]:
    """Every result file of a run (CSVs, reports, indexes, workbook), by path inside the run folder:
    what two runs of the same inputs must write byte for byte. Not the executed notebooks, the
    records and the manifest (timings by nature), nor the shared store."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and not rel.startswith(f"{SHARED_DIR}/") and p.name not in (
                "notebook.ipynb", "manifest.json", RECORD):
            out[rel] = p.read_bytes()
    return out


def _discard(path: Path) -> None:
    """Remove a folder: first renamed (atomic), then deleted, so it is never seen half-deleted."""
    if path.exists():
        trash = path.parent / f".old-{path.name}-{uuid.uuid4().hex[:8]}"
        path.rename(trash)
        shutil.rmtree(trash, ignore_errors=True)


def _move_into_place(src: Path, dst: Path) -> None:
    if dst.exists():
        trash = dst.parent / f".old-{dst.name}-{uuid.uuid4().hex[:8]}"
        dst.rename(trash)
        src.rename(dst)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        src.rename(dst)


def _commit(out_dir: Path, outcome: Outcome, work: Path) -> None:
    """Write the record into the finished work folder and move it into place."""
    atomic_write_text(work / RECORD, json.dumps(outcome.record(), indent=2, ensure_ascii=False) + "\n")
    if outcome.status == "done":
        _move_into_place(work, out_dir / outcome.id)
        _discard(out_dir / f"{outcome.id}.failed")
    else:
        _move_into_place(work, out_dir / f"{outcome.id}.failed")
        _discard(out_dir / outcome.id)


def _current(out_dir: Path, spec: EvaluationSpec, digest: str) -> Outcome | None:
    """The previous outcome when the folder holds a complete evaluation with this hash, else None."""
    folder = out_dir / spec.id
    try:
        rec = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if rec.get("hash") != digest or rec.get("status") != "done" or not isinstance(rec.get("files"), dict):
        return None
    for name, file_digest in rec["files"].items():
        path = folder / name
        if not path.is_file() or sha256_file(path) != file_digest:
            return None
    return Outcome.from_record(rec, action="skipped")


def _output_files(work: Path) -> dict[str, str]:
    return {p.name: sha256_file(p) for p in sorted(work.iterdir()) if p.is_file() and not p.name.startswith(".")}


# ---------------------------------------------------------------------------------------------
# One evaluation
# ---------------------------------------------------------------------------------------------

def _new_outcome(ctx: RunContext, spec: EvaluationSpec, digest: str, status: str = "pending") -> Outcome:
    params = notebook_parameters(ctx.plan, spec, ctx.declared.get(spec.notebook, {}))
    return Outcome(id=spec.id, status=status, hash=digest, group=spec.group,
                   notebook=portable_path(ctx.plan, str(spec.notebook)),
                   notebook_sha256=_file_hash(spec.notebook),
                   parameters=portable_parameters(ctx.plan, params))


def execute_evaluation(ctx: RunContext, spec: EvaluationSpec, work: Path, pool: Any, digest: str,
                       timeout: float | None = EXECUTION_TIMEOUT,
                       slots: threading.Semaphore | None = None) -> Outcome:
    """Run one evaluation into the folder ``work``: executed notebook, its result files, ``report.html``.

    Never raises for a failing notebook: the outcome says ``failed`` and names the cell, and
    ``work/notebook.ipynb`` is the partially executed notebook (error cell included) when the
    kernel got that far. ``slots``, when given, is held while the notebook executes and released
    before its report is rendered, so the next notebook's kernel starts working meanwhile.
    """
    import nbformat
    import papermill as pm

    from award_eval.run.kernels import KernelStartError, PoolClosed, execute_notebook
    from award_eval.run.report.html import write_evaluation_report

    outcome = _new_outcome(ctx, spec, digest)
    params = notebook_parameters(ctx.plan, spec, ctx.declared.get(spec.notebook, {}), output_dir=work)
    executed = work / "notebook.ipynb"
    start = time.perf_counter()
    try:
        with slots if slots is not None else contextlib.nullcontext():
            start = time.perf_counter()  # from the moment it may run, not from when it was queued
            pool.waited()
            try:
                nb = execute_notebook(pool, spec.notebook, executed, params, timeout=timeout)
            except (pm.PapermillExecutionError, PoolClosed):
                raise
            except Exception:  # noqa: BLE001 - a kernel that broke before the notebook could: once more,
                executed.unlink(missing_ok=True)  # with a fresh kernel (NOTEBOOK_TOOLING: retry kernel starts)
                nb = execute_notebook(pool, spec.notebook, executed, params, timeout=timeout)
        outcome.cells_seconds = _cells_seconds(nb)
        t = time.perf_counter()
        write_evaluation_report(nb, ctx, spec, work / "report.html")
        outcome.report_seconds = time.perf_counter() - t
        outcome.status = "done"
    except pm.PapermillExecutionError as exc:
        outcome.status = "failed"
        outcome.error = f"{exc.ename}: {exc.evalue}".strip()
        outcome.failed_cell = exc.cell_index
        outcome.failed_execution_count = exc.exec_count
        outcome.failed_line, outcome.failed_source = _failing_line(exc.traceback, exc.source or "")
        with contextlib.suppress(Exception):
            outcome.cells_seconds = _cells_seconds(nbformat.read(str(executed), as_version=4))
    except (KernelStartError, PoolClosed) as exc:
        outcome.status = "failed"
        outcome.error = f"kernel did not start: {exc}"
    except Exception as exc:  # noqa: BLE001 - one evaluation's trouble never stops the others
        outcome.status = "failed"
        outcome.error = f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
    outcome.seconds = time.perf_counter() - start
    outcome.kernel_wait_seconds = pool.waited()
    scrub = _scrub_outputs(ctx, spec, work)
    if outcome.error:
        outcome.error = scrub(outcome.error)
    if outcome.failed_source:
        outcome.failed_source = scrub(outcome.failed_source)
    outcome.files = _output_files(work) if outcome.status == "done" else {}
    return outcome


def _scrub_outputs(ctx: RunContext, spec: EvaluationSpec, work: Path) -> Any:
    """Make the executed notebook in ``work`` as safe to hand on as the report; return the scrubber.

    papermill writes the injected parameters (absolute paths) into the notebook and its metadata,
    and a traceback names local files. Path parameters become what ``manifest.json`` says (relative
    to the plan's folder), the evaluation's own folder becomes ``.``, any other local folder is
    made relative, and with anonymised jurors names and e-mail addresses are replaced, as on the
    report page.
    """
    from award_eval.privacy import scrub_tree
    from award_eval.run.report.html import privacy_pass

    params = notebook_parameters(ctx.plan, spec, ctx.declared.get(spec.notebook, {}))
    exact = {value: portable for key, value in params.items() if key in PATH_PARAMETERS and isinstance(value, str)
             and os.path.isabs(value) for portable in [portable_parameters(ctx.plan, {key: value})[key]]}
    exact[str(spec.notebook)] = portable_path(ctx.plan, str(spec.notebook))
    exact[str(work)] = "."
    last = privacy_pass(ctx, spec, work)
    pattern = re.compile("|".join(re.escape(v) + r"(?![\w.-])" for v in sorted(exact, key=len, reverse=True)))

    def scrub(text: str) -> str:
        return last(pattern.sub(lambda m: exact[m.group(0)], text))

    executed = work / "notebook.ipynb"
    if executed.is_file():
        with contextlib.suppress(OSError, ValueError):
            nb = json.loads(executed.read_text(encoding="utf-8"))
            atomic_write_text(executed, json.dumps(scrub_tree(nb, scrub), indent=1, ensure_ascii=False,
                                                   sort_keys=True) + "\n")
    return scrub


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _failing_line(traceback: list[str] | None, source: str) -> tuple[int | None, str | None]:
    """The line of the cell that raised (IPython's ``Cell In[3], line 4``) and its code."""
    lines = source.splitlines()
    for entry in traceback or []:
        match = re.search(r"Cell In\s*\[\d*\], line (\d+)", _ANSI.sub("", entry))
        if match and 0 < int(match.group(1)) <= len(lines):
            return int(match.group(1)), _short(lines[int(match.group(1)) - 1].strip())
    first = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return None, _short(first[0]) if first else None


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cells_seconds(nb: Any) -> float:
    total = 0.0
    for cell in nb.cells:
        duration = cell.get("metadata", {}).get("papermill", {}).get("duration")
        if isinstance(duration, (int, float)):
            total += duration
    return total


# ---------------------------------------------------------------------------------------------
# Executors: local threads over a kernel pool, or a Dask cluster
# ---------------------------------------------------------------------------------------------

class _LocalExecutor:
    name = "local"

    def __init__(self, ctx: RunContext, out_dir: Path, kernel: str, jobs: int, timeout: float | None,
                 kernel_start: str, warmup: Any, pool: Any = None, shared: bool = True) -> None:
        self.ctx, self.out_dir, self.timeout = ctx, out_dir, timeout
        self.pool = pool if pool is not None else _new_pool(kernel, jobs, kernel_start, warmup,
                                                            shared_env(out_dir, shared))
        # ``jobs`` notebooks execute at once (one kernel each); twice as many threads, so that while
        # one renders its report (in this process) the next one's kernel is already at work
        self.slots = threading.BoundedSemaphore(jobs)
        self.threads = ThreadPoolExecutor(max_workers=2 * jobs, thread_name_prefix="award-eval")
        self.stop = threading.Event()

    def start(self) -> None:
        from award_eval.run.report import html as report  # noqa: F401 - imported once here rather than inside the first evaluation

        if self.pool._dir is None:  # not started early
            self.pool.start()

    @property
    def kernel_start(self) -> str:
        return self.pool.method

    def submit(self, spec: EvaluationSpec, digest: str) -> Future:
        return self.threads.submit(self._one, spec, digest)

    def _one(self, spec: EvaluationSpec, digest: str) -> tuple[Outcome, Path] | None:
        if self.stop.is_set():
            return None
        work = self.out_dir / f".tmp-{spec.id}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        outcome = execute_evaluation(self.ctx, spec, work, self.pool, digest, self.timeout, self.slots)
        if self.stop.is_set() and outcome.status != "done":
            shutil.rmtree(work, ignore_errors=True)  # killed by the stop, not a failure of its own
            return None
        return outcome, work

    def interrupt(self) -> None:
        self.stop.set()
        self.pool.close()  # kills waiting and running kernels: running evaluations end at once

    def close(self) -> None:
        self.stop.set()
        self.threads.shutdown(wait=True, cancel_futures=True)
        self.pool.close()


def default_jobs() -> int:
    """Notebooks executing at once by default: one more than cores. Between two cells a kernel waits
    for this process (the reply read, the output checked, the next cell sent), and the extra kernel
    works meanwhile: on 2 cores the whole demo award with 290 profiles took 6–9 % less time than with
    one kernel per core, and no less with two extra (docs/batch.md); ``--jobs`` sets it."""
    return (os.cpu_count() or 1) + 1


def early_pool(plan: Plan, out_dir: str | Path, jobs: int | None = None, *, force: bool = False,
               dask: str | None = None, kernel_start: str = "auto", warmup: Any = None,
               kernel: str | None = None, shared: bool = True) -> Any:
    """The local kernel pool of a run into ``out_dir``, started now, when most likely everything runs
    (no ``manifest.json`` there yet, or ``force``); else ``None``.

    Its kernel server imports the warm-up modules (~3 s of one core) while the caller checks the
    plan and the inputs on the other. Starting it starts no kernel and writes nothing into
    ``out_dir``; the caller closes it if the check fails.
    """
    if dask is not None or not (force or not (Path(out_dir) / "manifest.json").is_file()):
        return None
    jobs = max(1, int(jobs or default_jobs()))
    return _new_pool(kernel or kernel_name(), jobs, kernel_start, warmup,
                     shared_env(Path(out_dir), shared)).start()


def _new_pool(kernel: str, size: int, kernel_start: str, warmup: Any, env: dict[str, str] | None = None) -> Any:
    from award_eval.run.kernels import WARMUP, KernelPool

    return KernelPool(kernel, size=size, method=kernel_start, warmup=WARMUP if warmup is None else warmup,
                      env=env)


#: The folder, inside ``--out``, of the run's shared precomputation (:mod:`award_eval.shared`).
SHARED_DIR = ".shared"


def parameters_cache(out_dir: str | Path, shared: bool = True) -> Path | None:
    """Where a run into ``out_dir`` keeps its notebooks' parameter declarations (``<out>/.shared``),
    when it exists and the run shares; else ``None`` (papermill inspects each notebook)."""
    folder = Path(out_dir) / SHARED_DIR
    return folder if shared and folder.is_dir() else None


def check_plan(plan: Plan, out_dir: str | Path, shared: bool = True) -> dict[Path, dict[str, dict]]:
    """Every evaluation's parameters against its notebook (:func:`~award_eval.run.plan.check_parameters`),
    with the declarations a previous run into ``out_dir`` kept."""
    return check_parameters(plan, parameters_cache(out_dir, shared))


def shared_env(out_dir: Path, shared: bool) -> dict[str, str]:
    """The kernels' environment for :mod:`award_eval.shared`: the run's store, or ``""`` (off)."""
    from award_eval.shared import ENV

    return {ENV: str(Path(out_dir).resolve() / SHARED_DIR) if shared else ""}


# Worker side of the Dask executor: one kernel pool per worker process and run.
_WORKER_POOLS: dict[str, Any] = {}
_WORKER_LOCK = threading.Lock()


def _worker_pool(run_id: str, kernel: str, kernel_start: str, warmup: Any) -> Any:
    from award_eval.run.kernels import WARMUP, KernelPool

    with _WORKER_LOCK:
        pool = _WORKER_POOLS.get(run_id)
        if pool is None:
            try:
                from distributed import get_worker

                size = int(getattr(get_worker().state, "nthreads", 0) or get_worker().nthreads)
            except Exception:  # noqa: BLE001
                size = os.cpu_count() or 1
            # each task runs in a folder of its own (other paths, other keys): no shared store here
            pool = KernelPool(kernel, size=size, method=kernel_start, warmup=WARMUP if warmup is None else warmup,
                              env={"AWARD_EVAL_SHARED": ""})
            pool.start()
            _WORKER_POOLS[run_id] = pool
        return pool


def _close_worker_pools(run_id: str) -> int:
    with _WORKER_LOCK:
        pool = _WORKER_POOLS.pop(run_id, None)
    if pool is not None:
        pool.close()
    return 0 if pool is None else 1


@dataclass(frozen=True)
class TaskInputs:
    """The bytes of everything a plan's evaluations read (criteria, data folders, notebooks), sent
    with the tasks, so a Dask worker needs no shared filesystem: it unpacks them into its own
    temporary folder and runs there.

    ``files``: path inside the bundle → bytes; ``places``: a path of the plan (absolute, as the
    plan resolved it) → its place in the bundle; ``plan_dir``: where the plan's folder is in the
    bundle. Every input keeps its place relative to the plan's folder (``../../criteria/x.yaml``),
    so the manifest, the reports and the executed notebook say on a worker what they say locally.
    A data folder travels with the regular files at its top level and in the round's ``decisions/`` and
    ``scores/`` folders (what the loaders read).
    """

    files: dict[str, bytes]
    places: dict[str, str]
    plan_dir: str

    @classmethod
    def pack(cls, plan: Plan) -> "TaskInputs":
        paths: list[str] = []
        for params in [plan.defaults, *(s.parameters for s in plan.evaluations)]:
            paths += [v for k, v in params.items() if k in PATH_PARAMETERS and isinstance(v, str) and os.path.isabs(v)]
        paths += [str(s.notebook) for s in plan.evaluations]
        paths = [p for p in dict.fromkeys(paths) if Path(p).exists()]
        rel = {p: Path(os.path.relpath(p, plan.folder)) for p in paths}
        depth = max([sum(1 for part in r.parts if part == "..") for r in rel.values()] or [0])
        plan_dir = Path("plan", *["_"] * depth)
        files: dict[str, bytes] = {}
        places: dict[str, str] = {}
        for value in paths:
            place = Path(os.path.normpath(plan_dir / rel[value])).as_posix()
            places[value] = place
            path = Path(value)
            if path.is_dir():  # the folder's files, and the round's decisions/ and scores/ folders
                for f in sorted([*path.iterdir(), *(path / "decisions").glob("*.csv"), *(path / "scores").glob("*.csv")]):
                    if f.is_file() and not f.name.startswith("."):
                        files[f"{place}/{f.relative_to(path).as_posix()}"] = f.read_bytes()
            else:
                files[place] = path.read_bytes()
        return cls(files, places, plan_dir.as_posix())

    def unpack(self, ctx: RunContext, spec: EvaluationSpec, root: Path) -> tuple[RunContext, EvaluationSpec]:
        """Write the inputs under ``root``; the context and spec with their paths pointing there."""
        for name, content in self.files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(content)
        here = {value: str(root / place) for value, place in self.places.items()}

        def move(params: dict[str, Any]) -> dict[str, Any]:
            return {k: (here.get(v, v) if k in PATH_PARAMETERS and isinstance(v, str) else v)
                    for k, v in params.items()}

        def moved(path: Path | None) -> Path | None:
            if path is None:
                return None
            if str(path) in here:
                return Path(here[str(path)])
            return Path(here[str(path.parent)]) / path.name if str(path.parent) in here else path

        source = root / self.plan_dir / (ctx.plan.source.name if ctx.plan.source else "plan.yaml")
        plan = ctx.plan.model_copy(update={"defaults": move(ctx.plan.defaults), "source": source})
        local = spec.model_copy(update={"notebook": moved(spec.notebook), "parameters": move(spec.parameters)})
        data = ctx.data
        if data is not None:
            data = dataclasses.replace(data, files={k: moved(p) for k, p in data.files.items()})
        return (dataclasses.replace(ctx, plan=plan, data=data,
                                    declared={local.notebook: ctx.declared.get(spec.notebook, {})}), local)


def _dask_task(ctx: RunContext, inputs: TaskInputs, spec: EvaluationSpec, digest: str, run_id: str, kernel: str,
               kernel_start: str, warmup: Any, timeout: float | None) -> tuple[dict, dict[str, bytes], str]:
    """On a Dask worker: unpack the inputs into a temporary folder of its own, run the evaluation
    there, and return the outcome and the output files' bytes (nothing is read from the plan's folders)."""
    pool = _worker_pool(run_id, kernel, kernel_start, warmup)
    root = Path(tempfile.mkdtemp(prefix="award-eval-task-"))
    try:
        local_ctx, local_spec = inputs.unpack(ctx, spec, root)
        work = root / "out"
        work.mkdir()
        outcome = execute_evaluation(local_ctx, local_spec, work, pool, digest, timeout)
        files = {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return outcome.record(), files, pool.method


class _DaskExecutor:
    name = "dask"

    def __init__(self, address: str, ctx: RunContext, out_dir: Path, kernel: str, timeout: float | None,
                 kernel_start: str, warmup: Any) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise InputError("--dask", "needs Dask: pip install 'award-eval[dask]'", has_value=False) from None
        self.ctx, self.out_dir, self.kernel, self.timeout = ctx, out_dir, kernel, timeout
        self.requested, self.warmup = kernel_start, warmup
        self.run_id = uuid.uuid4().hex
        self.methods: set[str] = set()
        try:
            self.client = Client(address)
        except (OSError, TimeoutError) as exc:
            raise InputError("--dask", f"the address of a reachable Dask scheduler ({exc})", value=address) from None
        self.ctx_future = self.client.scatter(ctx, broadcast=True)
        self.inputs_future = self.client.scatter(TaskInputs.pack(ctx.plan), broadcast=True)
        self.futures: list[Any] = []

    def start(self) -> None:
        pass

    @property
    def kernel_start(self) -> str:
        return "/".join(sorted(self.methods)) or self.requested

    def submit(self, spec: EvaluationSpec, digest: str) -> Future:
        dfut = self.client.submit(_dask_task, self.ctx_future, self.inputs_future, spec, digest, self.run_id,
                                  self.kernel, self.requested, self.warmup, self.timeout,
                                  key=f"award-eval-{spec.id}-{self.run_id[:8]}", pure=False, retries=0)
        self.futures.append(dfut)
        fut: Future = Future()

        def done(d: Any) -> None:
            try:
                rec, files, method = d.result()
            except BaseException as exc:  # noqa: BLE001 - a lost worker is a failed evaluation
                if d.status == "cancelled":
                    fut.set_result(None)
                    return
                rec = {**_new_outcome(self.ctx, spec, digest, "failed").record(),
                       "error": f"{type(exc).__name__}: {exc}".strip().splitlines()[0]}
                files, method = {}, ""
            if method:
                self.methods.add(method)
            # what the plan said, not the worker's own folders (the manifest is the same as a local run's)
            main = _new_outcome(self.ctx, spec, digest).record()
            rec = {**rec, **{k: main[k] for k in ("id", "hash", "notebook", "notebook_sha256", "parameters", "group")}}
            try:
                fut.set_result(self._materialise(spec, rec, files))
            except BaseException as exc:  # noqa: BLE001
                fut.set_exception(exc)

        dfut.add_done_callback(done)
        return fut

    def _materialise(self, spec: EvaluationSpec, rec: dict, files: dict[str, bytes]) -> tuple[Outcome, Path]:
        work = self.out_dir / f".tmp-{spec.id}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        for name, content in files.items():
            (work / name).write_bytes(content)
        return Outcome.from_record(rec), work

    def interrupt(self) -> None:
        with contextlib.suppress(Exception):
            self.client.cancel(self.futures)
        with contextlib.suppress(Exception):
            self.client.run(_close_worker_pools, self.run_id)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.run(_close_worker_pools, self.run_id)
        with contextlib.suppress(Exception):
            self.client.close()


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------

def _manifest(ctx: RunContext, outcomes: dict[str, Outcome], result: RunResult,
              records: dict[str, tuple[Outcome, dict]] | None = None) -> dict:
    """The manifest of the run so far. ``records``: each outcome's entry as last written (the
    periodic writes during a run reuse the entries of outcomes that have not changed)."""
    entries = []
    for spec in ctx.plan.evaluations:
        outcome = outcomes[spec.id]
        known = records.get(spec.id) if records is not None else None
        if known is None or known[0] is not outcome:
            known = (outcome, outcome.record())
            if records is not None:
                records[spec.id] = known
        entries.append(known[1])
    counts = {"done": len(result.ran), "skipped": len(result.skipped), "failed": len(result.failed),
              "pending": len(entries) - result.complete_count}
    return {**ctx.provenance,
            "run": {"complete": counts["pending"] == 0, "executor": result.executor,
                    "kernel_start": result.kernel_start, "seconds": round(result.seconds, 2), "counts": counts,
                    "shared_stores": result.shared_stores},
            "evaluations": entries}


def _write_manifest(out_dir: Path, manifest: dict) -> None:
    atomic_write_text(out_dir / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


#: In ``.shared``: the key of what the index pages and the workbook were last built from, and their sha256.
REPORTS_RECORD = "reports.json"
_TIMINGS = ("seconds", "cells_seconds", "report_seconds", "kernel_wait_seconds")


def _reports_key(ctx: RunContext, manifest: dict, out_dir: Path) -> str:
    """SHA-256 over everything ``index.html`` (and its other languages) and ``results.xlsx`` are
    built from: award_eval's whole code tree (templates and catalogue included), the plan, the
    provenance (input files, package versions, commit), every data folder the plan reads (the
    round's files), the manifest's entries without their timings and action (the pages show
    neither), each evaluation folder's ``report.json`` and tables (which report.html exists), the
    date a page shows and the local folders it scrubs."""
    from award_eval.privacy import local_roots
    from award_eval.provenance import tree_digest
    from award_eval.run.plan import _round_folders
    from award_eval.run.report.workbook import SHEETS

    plan = ctx.plan
    read = ("report.json", *(sheet.csv for sheet in SHEETS))
    folders = {}
    for spec in plan.evaluations:
        folder = out_dir / spec.id
        folders[spec.id] = {"report.html": (folder / "report.html").is_file(),
                            **{name: sha256_file(folder / name) for name in read if (folder / name).is_file()}}
    data_dirs = {plan.defaults.get("data_dir"), *(d for _, d in _round_folders(plan))}
    data = {str(Path(d).resolve()): tree_digest(d) for d in sorted(x for x in data_dirs if isinstance(x, str))
            if Path(d).is_dir()}
    payload = {
        "scheme": 1,
        "code": tree_digest(Path(__file__).resolve().parent.parent),  # the package, runner included
        "packages": {name: _version(name) for name in ("jinja2", "markupsafe", "openpyxl")},
        "provenance": ctx.provenance,
        "plan": [str(plan.source.resolve()) if plan.source else None, plan.lang, plan.defaults],
        "data": data,
        "evaluations": [{k: v for k, v in e.items() if k not in _TIMINGS and k != "action"}
                        for e in manifest.get("evaluations", [])],
        "folders": folders,
        "date": [os.environ.get("SOURCE_DATE_EPOCH"), time.strftime("%Y-%m-%d", time.gmtime())],
        "roots": local_roots(plan.source, ctx.framework.source if ctx.framework else None, out_dir.resolve()),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _reports_current(record: Path, key: str, out_dir: Path) -> bool:
    """Whether the index pages and workbook on disk were built from ``key`` and are as written."""
    try:
        rec = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(rec, dict) or rec.get("key") != key:
        return False
    files = rec.get("files")
    if not isinstance(files, dict) or "index.html" not in files:
        return False
    return all((out_dir / name).is_file() and sha256_file(out_dir / name) == digest for name, digest in files.items())


def write_reports(ctx: RunContext, manifest: dict, out_dir: Path, shared: bool = True) -> bool:
    """The run's ``index.html`` (and ``index.<lang>.html``) and ``results.xlsx``; with ``shared``,
    only when what they are built from has changed since they were written (:func:`_reports_key`):
    a run with nothing to do rewrites nothing, and imports none of what rendering needs. Returns
    whether they were written."""
    record = out_dir / SHARED_DIR / REPORTS_RECORD
    key = _reports_key(ctx, manifest, out_dir) if shared else None
    if key is not None and _reports_current(record, key, out_dir):
        return False
    from award_eval.run.report.index import write_index
    from award_eval.run.report.workbook import WORKBOOK, write_workbook

    write_index(out_dir / "index.html", ctx, manifest)
    write_workbook(out_dir, ctx)
    if key is not None:
        names = sorted(p.name for p in out_dir.glob("index*.html")) + [WORKBOOK] * (out_dir / WORKBOOK).is_file()
        record.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(record, json.dumps({"key": key, "files": {n: sha256_file(out_dir / n) for n in names}},
                                             indent=1, sort_keys=True) + "\n")
    return True


class _Signals:
    """Ctrl-C and SIGTERM during a run: the first stops it (KeyboardInterrupt); later ones are
    counted and otherwise ignored, so stopping (killing kernels, writing the manifest) completes."""

    def __init__(self) -> None:
        self.count = 0

    def handler(self, signum: int, frame: Any) -> None:
        self.count += 1
        if self.count == 1:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self) -> Iterator["_Signals"]:
        if threading.current_thread() is not threading.main_thread():  # only the main thread may
            yield self
            return
        previous = {sig: signal.signal(sig, self.handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def run_plan(plan: Plan, out_dir: str | Path, jobs: int | None = None, progress: bool = True, *,
             force: bool = False, dask: str | None = None, timeout: float | None = EXECUTION_TIMEOUT,
             kernel_start: str = "auto", warmup: tuple[str, ...] | list[str] | None = None,
             kernel: str | None = None, shared: bool = True, checked: dict | None = None,
             pool: Any = None) -> RunResult:
    """Run every evaluation of ``plan`` into ``out_dir``; write ``manifest.json`` and ``index.html``.

    ``jobs``: evaluations run at once (default: :func:`default_jobs`, one more than cores; ignored with
    ``dask``).
    ``force``: run evaluations that are unchanged since the last run, too. ``dask``: the address
    of a Dask scheduler to run the evaluations on. ``timeout``: seconds a cell may take.
    ``kernel_start``: ``auto``, ``fork`` or ``spawn`` (see :mod:`award_eval.run.kernels`);
    ``warmup``: the modules a forked kernel has imported already (default
    :data:`award_eval.run.kernels.WARMUP`; ``()`` for none). ``shared``: the notebooks share one
    precomputation per run in ``<out>/.shared/`` (:mod:`award_eval.shared`); ``False``: each
    notebook computes it itself (the same result files, byte for byte). ``checked``: what
    :func:`check_plan` returned for this same plan and ``out_dir``, when the caller has just checked
    it (the CLI, before any kernel starts): the plan is then not checked a second time. ``pool``:
    what :func:`early_pool` returned for this same run (the CLI starts it before checking the plan,
    so that the kernel server imports meanwhile); ``run_plan`` closes it.

    Returns a :class:`RunResult`; raises :class:`RunInterrupted` on Ctrl-C or SIGTERM after
    stopping cleanly, and :class:`~award_eval.errors.InputError` for bad input (nothing written).
    """
    started = time.perf_counter()
    out_dir = check_output_dir(plan, out_dir)  # before any kernel starts
    jobs = max(1, int(jobs or default_jobs()))
    kernel = kernel or kernel_name()
    with contextlib.ExitStack() as stack:
        early = pool if pool is not None else early_pool(plan, out_dir, jobs, force=force, dask=dask,
                                                         kernel_start=kernel_start, warmup=warmup,
                                                         kernel=kernel, shared=shared)
        if early is not None:
            stack.callback(early.close)
        ctx = prepare(plan, parameters_cache(out_dir, shared), declared=checked)
        digests = {s.id: evaluation_hash(ctx, s, kernel) for s in plan.evaluations}
        signals = stack.enter_context(_Signals().installed())
        existed = out_dir.is_dir()
        if existed:
            stack.enter_context(_locked(out_dir))
            _sweep(out_dir)
        outcomes: dict[str, Outcome] = {}
        for spec in plan.evaluations:
            previous = None if force or not existed else _current(out_dir, spec, digests[spec.id])
            outcomes[spec.id] = previous or _new_outcome(ctx, spec, digests[spec.id])
        todo = [s for s in plan.evaluations if outcomes[s.id].status == "pending"]
        result = RunResult([outcomes[s.id] for s in plan.evaluations], out_dir,
                           executor="dask" if dask else "local")
        executor: Any = None
        if todo:  # a Dask scheduler that cannot be reached stops the run here, before anything is written
            executor = (_DaskExecutor(dask, ctx, out_dir, kernel, timeout, kernel_start, warmup) if dask
                        else _LocalExecutor(ctx, out_dir, kernel, jobs, timeout, kernel_start, warmup, pool=early,
                                            shared=shared))
            stack.callback(executor.close)
        if not existed:
            try:
                out_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError("--out", f"a folder that can be made ({exc.strerror or type(exc).__name__})",
                                 value=str(out_dir)) from None
            stack.enter_context(_locked(out_dir))
        if executor is not None:
            _execute(ctx, executor, todo, outcomes, result, digests, out_dir, progress, started, signals)
        result.outcomes = [outcomes[s.id] for s in plan.evaluations]
        result.shared_stores = drop_stores(out_dir)
        result.seconds = time.perf_counter() - started
        manifest = _manifest(ctx, outcomes, result)
        _write_manifest(out_dir, manifest)
        if shared:
            remember_parameters(out_dir / SHARED_DIR, ctx.declared)
            remember_rounds(out_dir / SHARED_DIR, plan)
        write_reports(ctx, manifest, out_dir, shared)
    return result


_KERNEL_LOGGERS = ("papermill", "traitlets", "nbclient")


def _execute(ctx: RunContext, executor: Any, todo: list[EvaluationSpec], outcomes: dict[str, Outcome],
             result: RunResult, digests: dict[str, str], out_dir: Path, progress: bool, started: float,
             signals: _Signals | None = None) -> None:
    from tqdm.auto import tqdm

    n = len(ctx.plan.evaluations)
    bar = tqdm(total=n, initial=n - len(todo), desc="award-eval", unit="eval", disable=not progress,
               dynamic_ncols=True, smoothing=0.05)
    last_write = 0.0
    records: dict[str, tuple[Outcome, dict]] = {}

    def refresh() -> None:
        result.outcomes = [outcomes[s.id] for s in ctx.plan.evaluations]
        bar.set_postfix_str(f"done={len(result.ran)} failed={len(result.failed)} skipped={len(result.skipped)}",
                            refresh=False)

    refresh()
    bar.refresh()
    pending: dict[Future, EvaluationSpec] = {}
    try:
        executor.start()
        result.kernel_start = executor.kernel_start
        pending = {executor.submit(spec, digests[spec.id]): spec for spec in todo}
        while pending:
            finished, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in finished:
                spec = pending.pop(fut)
                got = fut.result()
                if got is None:
                    continue
                outcome, work = got
                _commit(out_dir, outcome, work)
                outcomes[spec.id] = outcome
                bar.update(1)
                refresh()
            if finished and time.monotonic() - last_write >= MANIFEST_INTERVAL:
                result.kernel_start = executor.kernel_start
                result.seconds = time.perf_counter() - started
                _write_manifest(out_dir, _manifest(ctx, outcomes, result, records))
                last_write = time.monotonic()
        result.kernel_start = executor.kernel_start
    except KeyboardInterrupt:
        bar.set_description("award-eval: stopping")
        # the kernels are killed on purpose: no "Kernel died" line from papermill/nbclient per kernel
        for name in _KERNEL_LOGGERS:
            logging.getLogger(name).disabled = True
        executor.interrupt()
        executor.close()
        for fut, spec in pending.items():  # finished while stopping: keep what is complete
            got = fut.result() if fut.done() and not fut.cancelled() and fut.exception() is None else None
            if got is not None and got[0].status == "done":
                _commit(out_dir, got[0], got[1])
                outcomes[spec.id] = got[0]
        for spec in ctx.plan.evaluations:
            shutil.rmtree(out_dir / f".tmp-{spec.id}", ignore_errors=True)
        result.outcomes = [outcomes[s.id] for s in ctx.plan.evaluations]
        result.seconds = time.perf_counter() - started
        result.kernel_start = executor.kernel_start
        _write_manifest(out_dir, _manifest(ctx, outcomes, result))
        bar.close()
        raise RunInterrupted(result, signals.count if signals is not None else 1) from None
    finally:
        executor.close()
        bar.close()
        for name in _KERNEL_LOGGERS:
            logging.getLogger(name).disabled = False
