"""Benchmark: 10,000 Monte Carlo samples with award_eval against a loop over pymcdm, side by side.

    .venv/bin/pip install -e '.[bench]'          # pymcdm: for this benchmark only
    .venv/bin/python benchmarks/monte_carlo.py    # options: --samples --repeat --validated --big --json

Two cases, 290 units each: the demo framework (11 criteria: 5 indicators normalised from the demo
data, 6 jury criteria) and a synthetic framework of 6 pillars × 5 indicators (30 criteria, the
last pillar scored by the jury). Seven synthetic jurors score every unit on the jury criteria
(1–5); a jury column holds the panel's mean on 0–100. Two analyses per case:

- **weights only** — ``monte_carlo(matrix, framework, n=10_000, weights="dirichlet",
  concentration=100)``.
- **every choice** — the same weights, and per sample one of three normalisations (minmax,
  zscore, rank: the indicator columns re-normalised from ``raw``), one of three aggregations
  (arithmetic, geometric, harmonic) and one juror left out.

award_eval is timed best of ``--repeat`` after a warm-up. The **pymcdm loop** then does the same
work for each of the same samples (read back from the result): the sample's normalisation of the
raw columns (``pymcdm.normalizations.minmax_normalization``; pymcdm has no z-score or rank
normalisation, so numpy's mean/SD and ``scipy.stats.rankdata`` stand in, with award_eval's map
onto 0–100), the jury columns as the mean of the sample's jurors, the sample's aggregation with
its effective leaf weights (``pymcdm.methods.WSM`` for the arithmetic mean, ``WPM`` for the
geometric; pymcdm has no harmonic mean, so ``1 / WSM(1 / x)`` stands in), pymcdm's validation
off (``validation=False``), ranked with ``scipy.stats.rankdata(method="min")`` on scores rounded
to the tie precision. Its ranks are compared with award_eval's. ``--validated`` also times the
loop as pymcdm is called by default (validation on; slow). Then, in a child process, the peak
memory of the every-choice analysis with ``--big`` samples on the synthetic case.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from award_eval import load_award_data, load_framework  # noqa: E402
from award_eval.composite import Framework  # noqa: E402
from award_eval.composite.scale import Z_CLIP  # noqa: E402
from award_eval.evaluation import Settings, indicator_scores  # noqa: E402
from award_eval.ranking import TIE_DECIMALS  # noqa: E402
from award_eval.uncertainty import JurySampling, Tree, monte_carlo  # noqa: E402

try:
    from pymcdm.helpers import normalize_matrix
    from pymcdm.methods import WPM, WSM
    from pymcdm.normalizations import minmax_normalization
except ImportError:  # pragma: no cover
    sys.exit("pymcdm is not installed: .venv/bin/pip install -e '.[bench]'")

JURORS = 7
SCALE = (1, 5)
NORMALISATIONS = ("minmax", "zscore", "rank")
AGGREGATIONS = ("arithmetic", "geometric", "harmonic")


def with_jury(matrix: pd.DataFrame, crits: list[str], seed: int) -> pd.DataFrame:
    """Seven jurors' 1–5 scores of every unit on ``crits``; the matrix's columns become their mean on 0–100."""
    rng = np.random.default_rng(seed)
    cube = rng.integers(SCALE[0], SCALE[1] + 1, (JURORS, len(matrix), len(crits)))
    j, u, c = np.indices(cube.shape).reshape(3, -1)
    scores = pd.DataFrame({"juror": [f"J{k}" for k in j], "nominee": matrix.index[u],
                           "criterion": np.array(crits)[c], "score": cube.ravel().astype(float)})
    matrix[crits] = (cube.mean(axis=0) - SCALE[0]) / (SCALE[1] - SCALE[0]) * 100.0
    return scores


def demo_case(seed: int = 0) -> dict:
    """290 municipalities × the demo framework's criteria (indicators real-normalised, jury synthetic)."""
    criteria = load_framework(ROOT / "criteria" / "digitaliseringskommun.yaml")
    data = load_award_data(ROOT / "data" / "demo", criteria)
    ind = indicator_scores(criteria, data, Settings()).pivot(index="code", columns="criterion", values="score")
    matrix = pd.DataFrame(index=data.register["code"].rename("code"))
    jury = []
    for node in criteria.leaves():
        matrix[node.id] = ind[node.id].reindex(matrix.index) if node.kind == "indicator" else np.nan
        if node.kind != "indicator":
            jury.append(node.id)
    matrix = matrix.fillna(matrix.mean()).fillna(50.0)  # the flat loop has no gap handling: like with like
    return finish("demo framework", matrix, Framework.from_criteria(criteria), jury, seed)


def synthetic_case(units: int = 290, pillars: int = 6, per_pillar: int = 5, seed: int = 1) -> dict:
    """``units`` × (``pillars`` × ``per_pillar``) uniform 0–100 values; the last pillar is the jury's."""
    rng = np.random.default_rng(seed)
    rows = [{"Level": 3, "iCode": "index", "iName": "index", "Direction": 1, "Weight": 1, "Parent": None, "Type": "Aggregate"}]
    for p in range(pillars):
        rows.append({"Level": 2, "iCode": f"P{p}", "iName": f"P{p}", "Direction": 1, "Weight": float(rng.integers(1, 4)),
                     "Parent": "index", "Type": "Aggregate"})
        for i in range(per_pillar):
            rows.append({"Level": 1, "iCode": f"P{p}_{i}", "iName": f"P{p}_{i}", "Direction": 1,
                         "Weight": float(rng.integers(1, 4)), "Parent": f"P{p}", "Type": "Indicator"})
    fw = Framework.from_imeta(pd.DataFrame(rows))
    matrix = pd.DataFrame(rng.uniform(0, 100, (units, len(fw.indicators))), columns=fw.indicators,
                          index=pd.Index([f"{i:04d}" for i in range(units)], name="code"))
    return finish(f"synthetic {pillars} x {per_pillar}", matrix, fw, [f"P{pillars - 1}_{i}" for i in range(per_pillar)], seed)


def finish(name: str, matrix: pd.DataFrame, fw: Framework, jury: list[str], seed: int) -> dict:
    scores = with_jury(matrix, jury, seed + 10)
    # raw: the indicator columns as measured (a cost indicator's scale turned back), 3x + 7
    direction = fw.directions.reindex(matrix.columns).fillna(1).astype(int)
    cols = [c for c in matrix.columns if c not in jury]
    raw = pd.DataFrame({c: (matrix[c] if direction[c] > 0 else 100.0 - matrix[c]) * 3.0 + 7.0 for c in cols})
    every = dict(normalisations=list(NORMALISATIONS), raw=raw, aggregations=AGGREGATIONS,
                 jury=JurySampling(scores, SCALE, "leave_one_out"))
    return {"name": name, "matrix": matrix, "framework": fw, "jury": jury, "scores": scores, "raw": raw,
            "directions": direction, "kinds": {"weights only": {}, "every choice": every}}


# --- the pymcdm loop ----------------------------------------------------------------------------

def _zscore(x: np.ndarray) -> np.ndarray:
    v = np.sort(x)  # as award_eval fits it: summed in sorted order, sample SD
    z = (x - v.mean()) / v.std(ddof=1)
    return 50.0 + 50.0 * np.clip(z, -Z_CLIP, Z_CLIP) / Z_CLIP


def _rank(x: np.ndarray) -> np.ndarray:
    return 100.0 * (rankdata(x, method="average") - 1.0) / (len(x) - 1.0)


def normalised_raw(method: str, raw: np.ndarray, types: np.ndarray) -> np.ndarray:
    """units × raw columns on 0–100 under ``method``: pymcdm's min-max, else numpy/scipy stand-ins."""
    if method == "minmax":
        return normalize_matrix(raw, minmax_normalization, types) * 100.0
    signed = raw * types  # award_eval negates a cost column before a z-score or a rank
    fn = _zscore if method == "zscore" else _rank
    return np.column_stack([fn(signed[:, k]) for k in range(signed.shape[1])])


def pymcdm_loop(case: dict, result, validation: bool) -> np.ndarray:
    """Every sample of ``result`` recomputed one at a time with pymcdm: samples × units ranks."""
    fw, matrix = case["framework"], case["matrix"]
    tree = Tree(fw)
    base = matrix[tree.leaves].to_numpy(dtype=float)
    eff = tree.effective_weights({nd.code: result.weights[list(nd.children)].to_numpy() for nd in tree.nodes})
    raw_cols = [tree.leaves.index(c) for c in case["raw"].columns]
    raw = case["raw"].loc[matrix.index].to_numpy(dtype=float)
    types = case["directions"].reindex(case["raw"].columns).to_numpy(dtype=int)
    jury_cols = [tree.leaves.index(c) for c in case["jury"]]
    s = case["scores"]
    jurors = sorted(s["juror"].unique())
    cube = (s.pivot_table(index=["juror", "nominee"], columns="criterion", values="score")
            .reindex(pd.MultiIndex.from_product([jurors, matrix.index]))[case["jury"]]
            .to_numpy(dtype=float).reshape(len(jurors), len(matrix), len(case["jury"])))
    ones = np.ones(len(tree.leaves), dtype=int)
    wsm, wpm = WSM(normalization_function=lambda col, cost: col), WPM(normalization_function=lambda col, cost: col)
    settings = result.settings
    norm = settings["normalisation"].astype(str).to_numpy()
    agg = settings["aggregation"].astype(str).to_numpy()
    left = settings["jurors"].astype(str).to_numpy()
    ranks = np.empty((len(eff), len(matrix)), dtype=np.int32)
    for i, w in enumerate(eff):
        x = base.copy()
        if norm[i] != "as given":
            x[:, raw_cols] = normalised_raw(norm[i], raw, types)
        if left[i].startswith("without "):
            keep = [k for k, j in enumerate(jurors) if f"without {j}" != left[i]]
            x[:, jury_cols] = (cube[keep].mean(axis=0) - SCALE[0]) / (SCALE[1] - SCALE[0]) * 100.0
        if agg[i] == "arithmetic":
            pref = wsm(x, w, ones, validation=validation)
        elif agg[i] == "geometric":
            pref = wpm(x, w, ones, validation=validation)
        else:
            with np.errstate(divide="ignore"):
                pref = 1.0 / wsm(1.0 / x, w, ones, validation=validation)
        ranks[i] = rankdata(-np.round(pref, TIE_DECIMALS), method="min")
    return ranks


# --- timing -------------------------------------------------------------------------------------

def best_of(fn, repeat: int) -> tuple[float, float, object]:
    """Best wall-clock and best CPU time (this process) of ``repeat`` runs after a warm-up."""
    fn()  # warm-up: imports, caches
    wall, cpu, out = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu), out


def timed(fn) -> tuple[float, float, object]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def compare(case: dict, kind: str, samples: int, repeat: int, validated: bool) -> dict:
    kwargs = dict(n=samples, seed=0, weights="dirichlet", concentration=100.0, **case["kinds"][kind])
    t_ae, c_ae, result = best_of(lambda: monte_carlo(case["matrix"], case["framework"], **kwargs), repeat)
    row = {"case": case["name"], "analysis": kind, "units": case["matrix"].shape[0],
           "criteria": case["matrix"].shape[1], "samples": samples, "award_eval_s": t_ae, "award_eval_cpu_s": c_ae}
    row["pymcdm_loop_s"], row["pymcdm_loop_cpu_s"], ranks = timed(lambda: pymcdm_loop(case, result, validation=False))
    row["ratio"] = row["pymcdm_loop_s"] / t_ae
    row["ratio_cpu"] = row["pymcdm_loop_cpu_s"] / c_ae
    same = (ranks == result.ranks.to_numpy()).all(axis=1)
    row["ranks_identical"] = bool(same.all())
    row["samples_with_other_ranks"] = int((~same).sum())
    if validated:
        t0 = time.perf_counter()
        pymcdm_loop(case, result, validation=True)
        row["pymcdm_validated_loop_s"] = time.perf_counter() - t0
    return row


CHILD = """
import resource, sys, time
sys.path.insert(0, {src!r})
sys.argv = ["x"]
import importlib.util
spec = importlib.util.spec_from_file_location("bench", {me!r})
bench = importlib.util.module_from_spec(spec); spec.loader.exec_module(bench)
case = bench.synthetic_case()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
res = bench.monte_carlo(case["matrix"], case["framework"], n={n}, seed=0, **case["kinds"]["every choice"])
t = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before, peak, t)
"""


def memory(samples: int) -> dict:
    """Peak resident memory (MB) of a fresh process that runs the every-choice analysis."""
    code = CHILD.format(src=str(ROOT / "src"), me=str(Path(__file__).resolve()), n=samples)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    before, peak, seconds = int(out[0]) / 1024, int(out[1]) / 1024, float(out[2])
    return {"samples": samples, "units": 290, "peak_mb": peak, "before_mb": before, "seconds": seconds}


def commit() -> str:
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5, help="award_eval runs after a warm-up (best is reported)")
    ap.add_argument("--validated", action="store_true", help="also time the loop with pymcdm's validation on (slow)")
    ap.add_argument("--big", type=int, default=100_000, help="samples for the memory check (0: skip)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)

    load = os.getloadavg()
    info = {"commit": commit(), "python": platform.python_version(), "numpy": np.__version__,
            "scipy": version("scipy"), "pymcdm": version("pymcdm"), "machine": platform.machine(),
            "cores": len(os.sched_getaffinity(0)), "load_average": [round(x, 2) for x in load]}
    print(f"commit {info['commit']}; Python {info['python']}, numpy {info['numpy']}, scipy {info['scipy']}, "
          f"pymcdm {info['pymcdm']}, {info['machine']}, {info['cores']} cores; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min)", flush=True)
    rows = []
    for make in (demo_case, synthetic_case):
        case = make()
        units, crits = case["matrix"].shape
        print(f"\n{case['name']}: {units} units x {crits} criteria, {args.samples:,} samples")
        print(f"  {'':<14} {'award_eval':>11} {'pymcdm loop':>12} {'ratio':>7}   {'(CPU time:':>10} "
              f"{'award_eval':>10} {'pymcdm':>8} {'ratio)':>7}  ranks identical"
              + ("   validated loop" if args.validated else ""), flush=True)
        for kind in case["kinds"]:
            row = compare(case, kind, args.samples, args.repeat, args.validated)
            rows.append(row)
            same = "yes" if row["ranks_identical"] else f"no ({row['samples_with_other_ranks']} samples differ)"
            extra = f"   {row['pymcdm_validated_loop_s']:>8.1f} s" if args.validated else ""
            print(f"  {kind:<14} {row['award_eval_s']:>9.3f} s {row['pymcdm_loop_s']:>10.2f} s "
                  f"{row['ratio']:>6.0f}x   {'':>10} {row['award_eval_cpu_s']:>8.3f} s {row['pymcdm_loop_cpu_s']:>6.2f} s "
                  f"{row['ratio_cpu']:>6.0f}x  {same}{extra}", flush=True)
    print("\n(best of --repeat after a warm-up for award_eval, one run of the loop; pymcdm loop: validation=False;\n"
          " its z-score, rank and harmonic mean are numpy/scipy stand-ins; CPU time is this process's, which a\n"
          " shared machine disturbs less than wall-clock time)")
    mem = None
    if args.big:
        mem = memory(args.big)
        print(f"\nmemory: every choice with {mem['samples']:,} samples on {mem['units']} units x 30: peak RSS "
              f"{mem['peak_mb']:.0f} MB (the process held {mem['before_mb']:.0f} MB before the call), "
              f"{mem['seconds']:.2f} s")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps({"info": info, "cases": rows, "memory": mem}, indent=2) + "\n",
                             encoding="utf-8")
    return 0 if all(r["ranks_identical"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
