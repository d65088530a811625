"""Benchmark: what one fresh kernel per notebook costs, whatever the notebook computes.

Two generated notebooks that compute nothing (a parameters cell and 1 cell, a parameters cell and
21 cells: ``x + i``) are executed ``--n`` times each the way ``award-eval run`` executes a notebook
(a kernel forked from the runner's kernel server, papermill and nbclient in the runner's process;
no HTML report), and ``--serial`` times each by the plain papermill CLI, side by side. Printed:

- CPU seconds per notebook in the kernels and in the runner's process, and what one more cell adds
  (from the difference between the two notebooks);
- the ratio of the plain papermill CLI's wall time to the pool's, for each notebook;
- the floor this puts under ``benchmarks/batch.py --full``: a notebook with as many cells as
  ``notebooks/profile.ipynb`` executes, computing nothing, costs at least this much CPU; on
  ``os.cpu_count()`` cores, the whole award cannot take less than that many profiles' floor plus
  what the other evaluations take (``--others-cpu``, the CPU seconds of a run with one profile,
  measured below unless given), and a ratio against the serial loop (``--serial-per-notebook``,
  seconds per notebook as ``batch.py`` prints it) cannot exceed what that floor allows.

    .venv/bin/python benchmarks/kernel_floor.py
    .venv/bin/python benchmarks/kernel_floor.py --n 60 --serial 5 --serial-per-notebook 4.5

CPU is read from ``getrusage``: the kernels' as the kernel server's children (counted when the pool
closes), minus the same pool started and closed with no notebook.
"""
from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def trivial_notebook(path: Path, cells: int, kernel: str) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 0", metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(f"x + {i}") for i in range(cells)]
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    nbformat.write(nb, str(path))
    return path


def pool_run(notebook: Path | None, n: int, out: Path) -> tuple[float, float, float]:
    """(kernels' CPU, runner process's CPU, wall) of ``n`` executions on a fresh pool of one kernel."""
    from award_eval.run.context import kernel_name
    from award_eval.run.kernels import KernelPool, execute_notebook

    c0, p0, t0 = cpu(resource.RUSAGE_CHILDREN), cpu(resource.RUSAGE_SELF), time.perf_counter()
    with KernelPool(kernel_name(), size=1) as pool:
        if notebook is None:  # the server started and one kernel answered: the empty run's cost (one kernel
            kernel = pool.take()  # start fewer than n notebooks start, so the floor errs on the low side)
            kernel.kill()
            pool.release(kernel)
        for i in range(n):
            execute_notebook(pool, notebook, out, {"x": i}, timeout=120)
    return cpu(resource.RUSAGE_CHILDREN) - c0, cpu(resource.RUSAGE_SELF) - p0, time.perf_counter() - t0


def serial_run(notebook: Path, n: int, out: Path, kernel: str) -> float:
    """Wall seconds per notebook of the plain papermill CLI, one call after the other."""
    start = time.perf_counter()
    for i in range(n):
        res = subprocess.run([str(BIN / "papermill"), str(notebook), str(out), "-p", "x", str(i), "-k", kernel,
                              "--no-progress-bar"], capture_output=True, text=True)
        if res.returncode != 0:
            raise SystemExit(f"papermill failed:\n{res.stderr[-2000:]}")
    return (time.perf_counter() - start) / n


def one_profile_plan(work: Path) -> tuple[Path, int]:
    """batch.py's plan with one profile (and every other evaluation of the demo plan); its size."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import batch  # noqa: PLC0415 - the batch benchmark's plan builder

    from award_eval.run.plan import load_plan

    with open(ROOT / "data" / "demo" / "municipalities.csv", encoding="utf-8") as fh:
        code = next(r["code"] for r in csv.DictReader(line for line in fh if not line.startswith("#")))
    plan = batch.build_plan(work, ROOT / "notebooks" / "profile.ipynb", [code])
    return plan, len(load_plan(plan).evaluations)


def plan_cpu(plan: Path, out: Path) -> float:
    """CPU seconds of ``award-eval run`` on ``plan`` (its process, the kernel server, every kernel)."""
    import batch  # noqa: PLC0415

    batch.award_eval_run(plan, out, None, "--quiet")
    return batch.CPU_SECONDS[str(out)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=40, help="executions of each notebook on the pool (default 40)")
    ap.add_argument("--serial", type=int, default=3, help="plain papermill CLI calls per notebook (default 3)")
    ap.add_argument("--profiles", type=int, default=290, help="profiles in the whole award (default 290)")
    ap.add_argument("--others-cpu", type=float, help="CPU seconds of the award without its profiles "
                                                      "(default: measured, a run with one profile)")
    ap.add_argument("--serial-per-notebook", type=float, help="seconds per notebook of batch.py's serial loop")
    args = ap.parse_args(argv)

    import nbformat

    from award_eval.run.context import kernel_name

    kernel = kernel_name()
    work = Path(tempfile.mkdtemp(prefix="award-eval-floor-"))
    small = trivial_notebook(work / "cells-1.ipynb", 1, kernel)
    large = trivial_notebook(work / "cells-21.ipynb", 21, kernel)
    profile_cells = 1 + sum(c.cell_type == "code" for c in nbformat.read(str(ROOT / "notebooks" / "profile.ipynb"),
                                                                         as_version=4).cells)
    load = os.getloadavg()[0]
    print(f"kernel floor benchmark: {args.n} executions per notebook on the pool, {args.serial} by the papermill CLI; "
          f"{os.cpu_count()} cores; load {load:.2f}", file=sys.stderr)

    empty_k, empty_p, _ = pool_run(None, 0, work / "out.ipynb")
    rows = {}
    for label, nb, cells in (("1 cell", small, 2), ("21 cells", large, 22)):
        k, p, wall = pool_run(nb, args.n, work / "out.ipynb")
        k, p = (k - empty_k) / args.n, (p - empty_p) / args.n
        serial = serial_run(nb, args.serial, work / "serial.ipynb", kernel)
        rows[label] = (cells, k, p, wall / args.n, serial)
    (c1, k1, p1, _, _), (c2, k2, p2, _, _) = rows["1 cell"], rows["21 cells"]
    per_cell_k, per_cell_p = (k2 - k1) / (c2 - c1), (p2 - p1) / (c2 - c1)
    base_k, base_p = k1 - c1 * per_cell_k, p1 - c1 * per_cell_p

    lines = [f"load average before {load:.2f}, after {os.getloadavg()[0]:.2f}"]
    for label, (cells, k, p, wall, serial) in rows.items():
        lines.append(f"notebook of {label} (+ parameters cell, {cells} executed): pool {k * 1000:.0f} ms CPU in the "
                     f"kernel + {p * 1000:.0f} ms in the runner per notebook, {wall:.3f} s wall one after the other; "
                     f"plain papermill CLI {serial:.2f} s per notebook; ratio {serial / wall:.1f}x "
                     f"(one kernel at a time)")
    lines.append(f"per notebook: {base_k * 1000:.0f} ms kernel + {base_p * 1000:.0f} ms runner; each executed cell adds "
                 f"{per_cell_k * 1000:.1f} ms kernel + {per_cell_p * 1000:.1f} ms runner")
    floor = base_k + base_p + profile_cells * (per_cell_k + per_cell_p)
    lines.append(f"floor of a profile ({profile_cells} executed cells, computing nothing, no report): "
                 f"{floor * 1000:.0f} ms CPU")
    plan, n_one = one_profile_plan(work)
    n_all = n_one - 1 + args.profiles
    if args.others_cpu is None:
        others = plan_cpu(plan, work / "one")
        total = others + (args.profiles - 1) * floor
        label = f"measured: award-eval run of the same plan with one profile, {n_one} evaluations"
    else:
        others, label = args.others_cpu, "given"
        total = others + args.profiles * floor
    cores = os.cpu_count() or 1
    lines.append(f"whole award ({n_all} evaluations, {args.profiles} profiles): at least {others:.1f} s CPU for the "
                 f"rest ({label}) + the profiles' floor = {total:.1f} s CPU, so at least {total / cores:.1f} s wall "
                 f"on {cores} cores")
    if args.serial_per_notebook:
        lines.append(f"against a serial loop of {args.serial_per_notebook:.2f} s per notebook ({n_all} notebooks, "
                     f"{args.serial_per_notebook * n_all:.0f} s): ratio at most "
                     f"{args.serial_per_notebook * n_all / (total / cores):.1f}x")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
