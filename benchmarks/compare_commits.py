"""Benchmark: `award-eval run` on one plan, an earlier commit's code against the working tree, side by side.

The two versions run alternately in this one script (A, B, A, B, …) on the same plan, into fresh
folders, so both see the same machine state; the script prints each run's wall time and CPU time
(the run's process, its kernel server and kernels) and the medians' ratio. The earlier commit is
checked out into a temporary git worktree and imported ahead of the installed package
(``PYTHONPATH``), so both versions use the same virtual environment.

    .venv/bin/python benchmarks/compare_commits.py --base 1c28968            # 13 + 40 evaluations, 2 rounds
    .venv/bin/python benchmarks/compare_commits.py --base HEAD~1 --n 10 --rounds 3

The plan is the one ``benchmarks/batch.py`` builds (the demo plan with N municipality profiles).
On a machine shared with other work, read the medians as direction; run more rounds for decimals.
"""
from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from batch import build_plan  # noqa: E402 - the benchmarks folder is not a package


def run_once(plan: Path, out: Path, jobs: int, pythonpath: str | None) -> tuple[float, float]:
    """Wall and CPU seconds of one `award-eval run` (children included: kernel server, kernels)."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(BIN / "award-eval"), "run", str(plan), "--out", str(out), "--jobs", str(jobs), "--quiet"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="the earlier commit (anything `git worktree add` accepts)")
    ap.add_argument("--n", type=int, default=40, help="municipality profiles in the plan (default 40)")
    ap.add_argument("--rounds", type=int, default=2, help="runs of each version (default 2)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="award-eval-compare-"))
    base = work / "base"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base], check=True)
    try:
        with open(ROOT / "data" / "demo" / "municipalities.csv", encoding="utf-8") as fh:
            codes = [r["code"] for r in csv.DictReader(line for line in fh if not line.startswith("#"))][: args.n]
        plan = build_plan(work, ROOT / "notebooks" / "profile.ipynb", codes)
        versions = {f"base {args.base}": str(base / "src"), "working tree": None}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in versions}
        print(f"award-eval run --jobs {args.jobs}, demo plan with {len(codes)} profiles; load average "
              f"{os.getloadavg()[0]:.2f} before", file=sys.stderr)
        for r in range(args.rounds):
            for i, (name, path) in enumerate(versions.items()):
                wall, cpu = run_once(plan, work / f"out-{i}-{r}", args.jobs, path)
                times[name].append((wall, cpu))
                print(f"  round {r + 1}, {name}: {wall:.1f} s wall, {cpu:.1f} s CPU", file=sys.stderr)
        medians = {name: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
                   for name, v in times.items()}
        (base_wall, base_cpu), (new_wall, new_cpu) = medians.values()
        for name, (wall, cpu) in medians.items():
            print(f"{name}: median {wall:.1f} s wall, {cpu:.1f} s CPU over {args.rounds} run(s)")
        print(f"working tree against base: {base_wall / new_wall:.2f}x wall, {base_cpu / new_cpu:.2f}x CPU "
              "(above 1 = the working tree is faster)")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
