"""Benchmark: a whole demo award two ways — a serial loop of the plain papermill CLI, and `award-eval run`.

The award is the demo plan with its Swedish nominee profiles replaced by one profile per
municipality (the first N of the register; 40 by default, all 290 with --full): overall ranking
(sv, en), jury, screening, uncertainty, the nominees' 8 English profiles and the N profiles. Both
ways execute the same notebooks with the same parameters; award-eval also renders every HTML
report, the index and the manifest, the serial loop only executes notebooks. The script prints
both wall times and their ratio, award_eval's per-notebook overhead against the cells' own
execution time (from the manifest), the time of a second run (everything unchanged), the CPU
seconds of each run's process tree, the peak memory (RSS and PSS summed over award-eval, the kernel
server and every kernel), and checks that both ways wrote byte-identical result files. With
--check-no-shared it also runs award-eval with --no-shared and compares every result file.

    .venv/bin/python benchmarks/batch.py                 # 13 + 40 evaluations
    .venv/bin/python benchmarks/batch.py --full          # 13 + 290 evaluations (the serial loop takes ~50 min)
    .venv/bin/python benchmarks/batch.py --full --serial-sample 40   # serial loop: the 13 other evaluations
                                                                     # and 40 profiles timed, 250 extrapolated
    .venv/bin/python benchmarks/batch.py --full --skip-serial --check-no-shared

--notebook defaults to notebooks/profile.ipynb; if it is absent, notebooks/evaluate.ipynb stands in
(a copy with a `code` parameter added to its parameters cell, so each profile evaluation receives
its municipality; the work per notebook is then that of evaluate.ipynb).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEMO_PLAN = ROOT / "data" / "demo" / "plan.yaml"
RESULT_FILES = ("ranking.csv", "criterion_scores.csv")
CPU_SECONDS: dict[str, float] = {}


def stand_in_notebook(source: Path, dest: Path) -> Path:
    """A copy of ``source`` whose parameters cell also declares ``code`` (the profile's parameter)."""
    import nbformat

    nb = nbformat.read(str(source), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source.rstrip("\n") + '\ncode: str = "0120"  # municipality (benchmark stand-in)\n'
            break
    nbformat.write(nb, str(dest))
    return dest


def declares(notebook: Path, name: str) -> bool:
    import papermill as pm

    return name in pm.inspect_notebook(str(notebook))


def build_plan(work: Path, notebook: Path, codes: list[str]) -> Path:
    demo = yaml.safe_load(DEMO_PLAN.read_text(encoding="utf-8"))
    base = DEMO_PLAN.parent
    defaults = {k: (str((base / v).resolve()) if k in ("criteria", "data_dir") else v) for k, v in demo["defaults"].items()}
    # The demo's Swedish profiles (one per nominee) become one per benchmarked municipality; the rest
    # of the demo plan (rankings, jury, screening, uncertainty, the nominees' English profiles) stays.
    evaluations = []
    for e in demo["evaluations"]:
        e = {**e, "notebook": str((base / e["notebook"]).resolve())}
        if e["id"] == "profile-{code}":
            e.update({"notebook": str(notebook), "foreach": codes, "as": "code",
                      "title": {"sv": "Profil {code}", "en": "Profile {code}"}})
        evaluations.append(e)
    if not any(e["id"] == "profile-{code}" for e in evaluations):
        evaluations.append({"id": "profile-{code}", "notebook": str(notebook),
                            "title": {"sv": "Profil {code}", "en": "Profile {code}"}, "foreach": codes, "as": "code"})
    plan = {"award": demo.get("award"), "title": demo.get("title"), "defaults": defaults, "evaluations": evaluations}
    path = work / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def serial_loop(plan_path: Path, out: Path, profiles: list[str], sample: int | None) -> tuple[float, float, list[str]]:
    """One `papermill` CLI call per evaluation, one after the other.

    With ``sample`` K, every evaluation other than the benchmarked profiles runs, plus the first K
    of those profiles; the profiles' total is extrapolated from their mean (the others are
    heavier and are timed, not extrapolated). Returns (estimated seconds for the whole plan,
    seconds measured, ids run).
    """
    from award_eval.run.context import kernel_name
    from award_eval.run.plan import check_parameters, load_plan, notebook_parameters

    plan = load_plan(plan_path)
    declared = check_parameters(plan)
    kernel = kernel_name()
    wanted = set(profiles) if sample is None else set(profiles[:sample])
    specs = [s for s in plan.evaluations if s.id not in profiles or s.id in wanted]
    others = profile_time = 0.0
    for i, spec in enumerate(specs, 1):
        folder = out / spec.id
        folder.mkdir(parents=True, exist_ok=True)
        params = notebook_parameters(plan, spec, declared[spec.notebook], output_dir=folder)
        cmd = [str(BIN / "papermill"), str(spec.notebook), str(folder / "notebook.ipynb"), "-y", json.dumps(params),
               "-k", kernel, "--execution-timeout", "900", "--no-progress-bar"]
        start = time.perf_counter()
        res = subprocess.run(cmd, capture_output=True, text=True)
        took = time.perf_counter() - start
        if res.returncode != 0:
            raise SystemExit(f"papermill failed on {spec.id}:\n{res.stderr[-2000:]}")
        if spec.id in wanted:
            profile_time += took
        else:
            others += took
        print(f"\r  serial papermill CLI: {i}/{len(specs)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    n_sampled = len(wanted)
    estimate = others + (profile_time / n_sampled * len(profiles) if n_sampled else 0.0)
    return estimate, others + profile_time, [s.id for s in specs]


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", encoding="utf-8") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def tree_memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes summed over ``pid`` and every descendant (the zygote, every kernel).

    RSS counts pages that forked kernels share with the zygote once per process (an upper bound);
    PSS divides shared pages among their sharers (what the processes really take together).
    """
    kids, todo, rss, pss = _children(), [pid], 0, 0
    while todo:
        p = todo.pop()
        todo += kids.get(p, [])
        try:
            with open(f"/proc/{p}/smaps_rollup", encoding="utf-8") as fh:
                for line in fh:
                    if line.startswith(("Rss:", "Pss:")):
                        kb = int(line.split()[1]) * 1024
                        if line.startswith("Rss:"):
                            rss += kb
                        else:
                            pss += kb
        except (OSError, ValueError):
            continue
    return rss, pss


def award_eval_run(plan_path: Path, out: Path, jobs: int | None, *extra: str) -> tuple[float, tuple[int, int] | None]:
    """Wall seconds of one ``award-eval run``, and its peak memory (RSS, PSS of the whole process tree,
    sampled every 0.2 s; ``None`` without /proc). ``CPU_SECONDS[out]``: user + system CPU seconds of
    the run and every process it waited for (kernel server, kernels): less sensitive to other load."""
    cmd = [str(BIN / "award-eval"), "run", str(plan_path), "--out", str(out),
           *(["--jobs", str(jobs)] if jobs else []), *extra]
    env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "1790000000")}
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, text=True, stdout=subprocess.PIPE, env=env)
    sampling = Path("/proc/self/smaps_rollup").exists()
    peak_rss = peak_pss = 0
    while proc.poll() is None:
        if sampling:
            rss, pss = tree_memory(proc.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(0.2)
    stdout = proc.stdout.read() if proc.stdout else ""
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_SECONDS[str(out)] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print("  " + stdout.strip().replace("\n", "\n  "), file=sys.stderr)
    if proc.returncode != 0:
        raise SystemExit(f"award-eval run exited {proc.returncode}")
    return seconds, ((peak_rss, peak_pss) if sampling else None)


def compare_results(a: Path, b: Path, ids: list[str]) -> tuple[int, list[str]]:
    same, differ = 0, []
    for eid in ids:
        for name in RESULT_FILES:
            fa, fb = a / eid / name, b / eid / name
            if fa.is_file() and fb.is_file() and fa.read_bytes() == fb.read_bytes():
                same += 1
            elif fa.is_file() or fb.is_file():
                differ.append(f"{eid}/{name}")
    return same, differ


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=40, help="municipalities to profile (default 40)")
    ap.add_argument("--full", action="store_true", help="all 290 municipalities")
    ap.add_argument("--notebook", type=Path, default=ROOT / "notebooks" / "profile.ipynb")
    ap.add_argument("--jobs", type=int, default=None,
                    help="award-eval's --jobs (default: its own default, one more than cores)")
    ap.add_argument("--also-jobs", type=int, metavar="N",
                    help="run award-eval once more with --jobs N, print its time and ratio beside the first and "
                         "compare every result file (e.g. --also-jobs 3: one kernel more than cores)")
    ap.add_argument("--serial-sample", type=int, metavar="K",
                    help="serial loop: run every other evaluation but only the first K profiles, and extrapolate the "
                         "rest of the profiles from their mean (labelled as such)")
    ap.add_argument("--skip-serial", action="store_true", help="award-eval only")
    ap.add_argument("--keep", type=Path, metavar="DIR", help="keep both output folders in DIR")
    ap.add_argument("--check-no-shared", action="store_true",
                    help="run award-eval once more with --no-shared (each notebook computes what the profiles "
                         "share itself), print its time and compare every result file with the first run")
    args = ap.parse_args(argv)

    notebook = args.notebook if args.notebook.is_absolute() else (Path.cwd() / args.notebook)
    work = Path(tempfile.mkdtemp(prefix="award-eval-bench-"))
    note = ""
    if not notebook.is_file():
        note = (f"note: {args.notebook} does not exist (yet); notebooks/evaluate.ipynb stands in for the profile "
                "notebook, with a `code` parameter added")
        notebook = stand_in_notebook(ROOT / "notebooks" / "evaluate.ipynb", work / "profile-stand-in.ipynb")
    elif not declares(notebook, "code"):
        note = f"note: {notebook.name} declares no `code` parameter; a copy that declares one stands in"
        notebook = stand_in_notebook(notebook, work / f"{notebook.stem}-stand-in.ipynb")
    with open(ROOT / "data" / "demo" / "municipalities.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(line for line in fh if not line.startswith("#"))]
    n = len(rows) if args.full else min(args.n, len(rows))
    codes = [r["code"] for r in rows[:n]]
    plan_path = build_plan(work, notebook, codes)
    from award_eval.run.plan import load_plan

    ids = [s.id for s in load_plan(plan_path).evaluations]
    total = len(ids)

    from award_eval.run.batch import default_jobs

    jobs_label = f"--jobs {args.jobs}" if args.jobs else f"default --jobs (= {default_jobs()}: one more than cores)"
    print(f"award_eval batch benchmark — {total} evaluations (demo plan with Swedish profiles for {n} municipalities), {jobs_label}", file=sys.stderr)
    if note:
        print(note, file=sys.stderr)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    env = {"cores": os.cpu_count(), "python": platform.python_version(), "load_before": round(load, 2)}

    profiles = [f"profile-{c}" for c in codes]
    serial_s = serial_ids = None
    if not args.skip_serial:
        serial_s, serial_measured, serial_ids = serial_loop(plan_path, work / "serial", profiles, args.serial_sample)
    env["load_between"] = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    run_s, memory = award_eval_run(plan_path, work / "run", args.jobs, "--quiet")
    env["load_after_run"] = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    manifest = json.loads((work / "run" / "manifest.json").read_text(encoding="utf-8"))
    run_cpu = CPU_SECONDS[str(work / "run")]
    rerun_s, _ = award_eval_run(plan_path, work / "run", args.jobs, "--quiet")
    rerun_cpu = CPU_SECONDS[str(work / "run")]
    no_shared = None
    if args.check_no_shared:
        no_shared_s, _ = award_eval_run(plan_path, work / "run-no-shared", args.jobs, "--quiet", "--no-shared")
        from award_eval.run.batch import result_files

        a, b = result_files(work / "run"), result_files(work / "run-no-shared")
        differ = sorted(n for n in set(a) | set(b) if a.get(n) != b.get(n))
        no_shared = (no_shared_s, len(a), differ, CPU_SECONDS[str(work / "run-no-shared")])
    also = None
    if args.also_jobs:
        also_s, also_memory = award_eval_run(plan_path, work / f"run-jobs{args.also_jobs}", args.also_jobs, "--quiet")
        from award_eval.run.batch import result_files

        a, b = result_files(work / "run"), result_files(work / f"run-jobs{args.also_jobs}")
        also = (also_s, CPU_SECONDS[str(work / f"run-jobs{args.also_jobs}")], also_memory, len(a),
                sorted(n for n in set(a) | set(b) if a.get(n) != b.get(n)))

    ran = [e for e in manifest["evaluations"] if e["status"] == "done"]
    cells = [e["cells_seconds"] for e in ran]
    walls = [e["seconds"] for e in ran]
    over = [w - c for w, c in zip(walls, cells)]
    reports = [e["report_seconds"] for e in ran]
    inside = manifest["run"]["seconds"]

    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    lines = [f"commit {commit}", f"evaluations: {total} (demo plan with Swedish profiles for {n} municipalities) on {env['cores']} cores, Python {env['python']}; "
             f"1-min load average before {env['load_before']}, after the serial loop {env['load_between']}, "
             f"after award-eval {env['load_after_run']} (anything above ~2 means other processes shared the cores)"]
    if note:
        lines.append(note)
    if serial_s is not None:
        n_run = len(serial_ids)
        label = "serial papermill CLI loop" + (
            f" (ran {n_run} of {total}: every other evaluation and {n_run - (total - len(profiles))} of the "
            f"{len(profiles)} profiles, {serial_measured:.1f} s; the other profiles extrapolated from those)"
            if n_run != total else "")
        lines.append(f"{label}: {serial_s:.1f} s ({serial_s / total:.2f} s per notebook; notebooks only, no HTML)")
    lines.append(f"award-eval run, {jobs_label}: {run_s:.1f} s ({run_s / total:.2f} s per notebook, HTML, index "
                 f"and manifest included; {inside:.1f} s inside run_plan, kernel start: {manifest['run']['kernel_start']}; "
                 f"CPU of its process tree {run_cpu:.1f} s)")
    if serial_s is not None:
        lines.append(f"ratio: {serial_s / run_s:.1f}x")
    if also is not None:
        also_s, also_cpu, also_memory, n_files, differ = also
        lines.append(f"award-eval run --jobs {args.also_jobs}, right after: {also_s:.1f} s (CPU of its process tree "
                     f"{also_cpu:.1f} s" + (f"; peak RSS sum {also_memory[0] / 2**20:.0f} MiB" if also_memory else "")
                     + ")" + (f"; ratio {serial_s / also_s:.1f}x" if serial_s is not None else "")
                     + f"; result files identical to the first run: {n_files - len(differ)} of {n_files}"
                     + (f" (differ: {', '.join(differ[:5])})" if differ else ""))
    lines.append(f"per notebook (medians over {len(ran)}): cells {statistics.median(cells):.2f} s, wall in award-eval "
                 f"{statistics.median(walls):.2f} s, overhead beyond the cells {statistics.median(over):.2f} s "
                 f"(of which report {statistics.median(reports):.2f} s)")
    lines.append(f"amortised: {run_s * (args.jobs or default_jobs()) / total:.2f} s of a worker per notebook against "
                 f"{statistics.mean(cells):.2f} s of cells (mean)")
    waits = [e.get("kernel_wait_seconds", 0.0) for e in ran]
    waited = [w for w in waits if w > 0.05]
    lines.append(f"waited for a kernel: {len(waited)} of {len(ran)} evaluations"
                 + (f" (longest {max(waited):.2f} s: the first ones wait for the kernel server's imports)" if waited else ""))
    lines.append(f"second run, everything unchanged: {rerun_s:.1f} s (CPU {rerun_cpu:.1f} s)")
    if memory is not None:
        lines.append(f"peak memory of award-eval run (its process, the kernel server and every kernel, sampled every "
                     f"0.2 s): RSS sum {memory[0] / 2**20:.0f} MiB (forked kernels' shared pages counted per "
                     f"process), PSS sum {memory[1] / 2**20:.0f} MiB")
    if no_shared is not None:
        lines.append(f"award-eval run, {jobs_label}, --no-shared (every notebook computes what the profiles "
                     f"share): {no_shared[0]:.1f} s (CPU {no_shared[3]:.1f} s); result files byte-identical with and without the shared "
                     f"precomputation: {no_shared[1] - len(no_shared[2])} of {no_shared[1]}"
                     + (f"; DIFFER: {no_shared[2][:10]}" if no_shared[2] else ""))
    if serial_s is not None:
        same, differ = compare_results(work / "serial", work / "run", serial_ids)
        lines.append(f"result files equal between the two ways: {same}" + (f"; DIFFER: {differ}" if differ else ""))
    print("\n".join(lines))
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for name in ("serial", "run", "run-no-shared"):
            if (work / name).exists():
                shutil.move(str(work / name), str(args.keep / name))
        shutil.copy(plan_path, args.keep / "plan.yaml")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
