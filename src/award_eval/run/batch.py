"""Execution of a plan: every evaluation run by papermill in a fresh kernel, rendered, moved into place.

One run, step by step (:func:`run_plan`):

1. :func:`prepare` loads the criteria and data and checks every parameter against its notebook
   (papermill's inspection) — bad input stops the run here, before anything is written.
2. Each evaluation gets a hash of what it depends on (:func:`evaluation_hash`: the notebook file,
   the parameters it receives, the input files, award_eval's own code, the kernel). An evaluation
   whose folder holds a record with that hash and whose output files still match the record is
   skipped (``force=True`` runs everything).
3. The others run in parallel, ``jobs`` at a time, each in a fresh kernel taken from a
   :class:`~award_eval.kernels.KernelPool` (kernels are started ahead of need) — or, with
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
import json
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

from award_eval.errors import InputError
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
    prepare,
)
from award_eval.run.plan import (
    EvaluationSpec,
    Plan,
    notebook_parameters,
)

EXECUTION_TIMEOUT = 900
#: Each evaluation folder's own record: its manifest entry, with the sha256 of every output file.
RECORD = ".evaluation.json"
MANIFEST_INTERVAL = 1.0  # seconds between two manifest writes while a run is going


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a run; ``result`` holds what completed (the manifest says the same)."""

    def __init__(self, result: "RunResult") -> None:
        super().__init__(f"interrupted: {result.complete_count} of {len(result.outcomes)} evaluations complete; "
                         "run the same command again to finish")
        self.result = result


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


def _sweep(out_dir: Path) -> None:
    """Remove what an interrupted or killed run left: temporary folders and half-written files."""
    for p in out_dir.iterdir():
        if p.is_dir() and p.name.startswith((".tmp-", ".old-")):
            shutil.rmtree(p, ignore_errors=True)
        elif p.is_file() and p.name.startswith(".") and p.name.endswith(".tmp"):
            p.unlink(missing_ok=True)


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
                   notebook=Path(os.path.relpath(spec.notebook, ctx.plan.folder)).as_posix(),
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

    from award_eval.kernels import KernelStartError, PoolClosed, execute_notebook
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
    outcome.files = _output_files(work) if outcome.status == "done" else {}
    return outcome


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
                 kernel_start: str, warmup: Any, pool: Any = None) -> None:
        self.ctx, self.out_dir, self.timeout = ctx, out_dir, timeout
        self.pool = pool if pool is not None else _new_pool(kernel, jobs, kernel_start, warmup)
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


def _new_pool(kernel: str, size: int, kernel_start: str, warmup: Any) -> Any:
    from award_eval.kernels import WARMUP, KernelPool

    return KernelPool(kernel, size=size, method=kernel_start, warmup=WARMUP if warmup is None else warmup)


# Worker side of the Dask executor: one kernel pool per worker process and run.
_WORKER_POOLS: dict[str, Any] = {}
_WORKER_LOCK = threading.Lock()


def _worker_pool(run_id: str, kernel: str, kernel_start: str, warmup: Any) -> Any:
    from award_eval.kernels import WARMUP, KernelPool

    with _WORKER_LOCK:
        pool = _WORKER_POOLS.get(run_id)
        if pool is None:
            try:
                from distributed import get_worker

                size = int(getattr(get_worker().state, "nthreads", 0) or get_worker().nthreads)
            except Exception:  # noqa: BLE001
                size = os.cpu_count() or 1
            pool = KernelPool(kernel, size=size, method=kernel_start, warmup=WARMUP if warmup is None else warmup)
            pool.start()
            _WORKER_POOLS[run_id] = pool
        return pool


def _close_worker_pools(run_id: str) -> int:
    with _WORKER_LOCK:
        pool = _WORKER_POOLS.pop(run_id, None)
    if pool is not None:
        pool.close()
    return 0 if pool is None else 1


def _dask_task(ctx: RunContext, spec: EvaluationSpec, digest: str, run_id: str, kernel: str, kernel_start: str,
               warmup: Any, timeout: float | None) -> tuple[dict, dict[str, bytes], str]:
    """On a Dask worker: run one evaluation in a local folder; return the outcome and the files' bytes."""
    pool = _worker_pool(run_id, kernel, kernel_start, warmup)
    work = Path(tempfile.mkdtemp(prefix="award-eval-"))
    try:
        outcome = execute_evaluation(ctx, spec, work, pool, digest, timeout)
        files = {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
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
        self.futures: list[Any] = []

    def start(self) -> None:
        pass

    @property
    def kernel_start(self) -> str:
        return "/".join(sorted(self.methods)) or self.requested

    def submit(self, spec: EvaluationSpec, digest: str) -> Future:
        dfut = self.client.submit(_dask_task, self.ctx_future, spec, digest, self.run_id, self.kernel, self.requested,
                                  self.warmup, self.timeout, key=f"award-eval-{spec.id}-{self.run_id[:8]}", pure=False,
                                  retries=0)
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

def _manifest(ctx: RunContext, outcomes: dict[str, Outcome], result: RunResult) -> dict:
    entries = [outcomes[s.id].record() for s in ctx.plan.evaluations]
    counts = {"done": len(result.ran), "skipped": len(result.skipped), "failed": len(result.failed),
              "pending": len(entries) - result.complete_count}
    return {**ctx.provenance,
            "run": {"complete": counts["pending"] == 0, "executor": result.executor,
                    "kernel_start": result.kernel_start, "seconds": round(result.seconds, 2), "counts": counts},
            "evaluations": entries}


def _write_manifest(out_dir: Path, manifest: dict) -> None:
    atomic_write_text(out_dir / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a run like Ctrl-C does (only possible in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_plan(plan: Plan, out_dir: str | Path, jobs: int | None = None, progress: bool = True, *,
             force: bool = False, dask: str | None = None, timeout: float | None = EXECUTION_TIMEOUT,
             kernel_start: str = "auto", warmup: tuple[str, ...] | list[str] | None = None,
             kernel: str | None = None) -> RunResult:
    """Run every evaluation of ``plan`` into ``out_dir``; write ``manifest.json`` and ``index.html``.

    ``jobs``: evaluations run at once (default: the number of cores; ignored with ``dask``).
    ``force``: run evaluations that are unchanged since the last run, too. ``dask``: the address
    of a Dask scheduler to run the evaluations on. ``timeout``: seconds a cell may take.
    ``kernel_start``: ``auto``, ``fork`` or ``spawn`` (see :mod:`award_eval.kernels`);
    ``warmup``: the modules a forked kernel has imported already (default
    :data:`award_eval.kernels.WARMUP`; ``()`` for none).

    Returns a :class:`RunResult`; raises :class:`RunInterrupted` on Ctrl-C or SIGTERM after
    stopping cleanly, and :class:`~award_eval.errors.InputError` for bad input (nothing written).
    """
    started = time.perf_counter()
    out_dir = Path(out_dir).resolve()
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    kernel = kernel or kernel_name()
    with contextlib.ExitStack() as stack:
        early = None
        if dask is None and (force or not (out_dir / "manifest.json").is_file()):
            # most likely everything runs: the kernel server imports while the inputs are checked
            early = _new_pool(kernel, jobs, kernel_start, warmup).start()
            stack.callback(early.close)
        ctx = prepare(plan)
        digests = {s.id: evaluation_hash(ctx, s, kernel) for s in plan.evaluations}
        stack.enter_context(_sigterm_as_interrupt())
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
                        else _LocalExecutor(ctx, out_dir, kernel, jobs, timeout, kernel_start, warmup, pool=early))
            stack.callback(executor.close)
        if not existed:
            out_dir.mkdir(parents=True, exist_ok=True)
            stack.enter_context(_locked(out_dir))
        if executor is not None:
            _execute(ctx, executor, todo, outcomes, result, digests, out_dir, progress, started)
        result.outcomes = [outcomes[s.id] for s in plan.evaluations]
        result.seconds = time.perf_counter() - started
        manifest = _manifest(ctx, outcomes, result)
        _write_manifest(out_dir, manifest)
        from award_eval.run.report.index import write_index

        write_index(out_dir / "index.html", ctx, manifest)
        from award_eval.run.report.workbook import write_workbook

        write_workbook(out_dir, ctx)
    return result


def _execute(ctx: RunContext, executor: Any, todo: list[EvaluationSpec], outcomes: dict[str, Outcome],
             result: RunResult, digests: dict[str, str], out_dir: Path, progress: bool, started: float) -> None:
    from tqdm.auto import tqdm

    n = len(ctx.plan.evaluations)
    bar = tqdm(total=n, initial=n - len(todo), desc="award-eval", unit="eval", disable=not progress,
               dynamic_ncols=True, smoothing=0.05)
    last_write = 0.0

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
                _write_manifest(out_dir, _manifest(ctx, outcomes, result))
                last_write = time.monotonic()
        result.kernel_start = executor.kernel_start
    except KeyboardInterrupt:
        bar.set_description("award-eval: stopping")
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
        raise RunInterrupted(result) from None
    finally:
        executor.close()
        bar.close()
