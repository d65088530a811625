"""Benchmark: 10,000 Monte Carlo weight samples with award_eval against a loop over pymcdm.

    .venv/bin/pip install -e '.[bench]'          # pymcdm: for this benchmark only
    .venv/bin/python benchmarks/monte_carlo.py    # options: --samples --repeat --quick --wide --big --json

What is measured, in one run, on the same 10,000 weight samples:

1. **award_eval** — ``award_eval.uncertainty.monte_carlo(matrix, framework, n=10_000)``: Dirichlet
   weights (concentration 100) at every level of the demo framework, every unit scored and
   ranked under every sample, and the summary (median, 5–95 %, P(first)). The matrix is 290
   municipalities × the demo framework's 11 criteria: its 5 indicator criteria normalised from
   the demo indicators of all 290 municipalities, and seeded synthetic 0–100 values for its 6
   jury criteria (the demo jury scores only its 8 nominees). Best of ``--repeat`` after a warm-up.
2. **pymcdm WSM loop** — one ``pymcdm.methods.WSM`` call per sample with that sample's effective
   leaf weights (the product of the weights on each leaf's path: the tree's arithmetic mean is
   then a flat weighted sum) on the already-normalised matrix (identity normalisation), ranked
   with ``scipy.stats.rankdata(method="min")``, then the same summary. Its ranks are checked
   to be identical to award_eval's. Timed as pymcdm is called by default (input validation on)
   and with ``validation=False`` (the fastest loop pymcdm allows).
3. **pymcdm TOPSIS loop** — the same with ``pymcdm.methods.TOPSIS`` (its default min-max
   normalisation): another method, timed as the other loop the issue names.

``--wide`` adds a synthetic 290 × 30 framework (6 pillars of 5 indicators); ``--quick`` skips
the slow validated loops. Then, in a child process, the peak memory of ``monte_carlo`` with
``--big`` (100,000) samples on 290 units.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from award_eval import load_award_data, load_framework  # noqa: E402
from award_eval.composite import Framework  # noqa: E402
from award_eval.evaluation import Settings, indicator_scores  # noqa: E402
from award_eval.ranking import TIE_DECIMALS  # noqa: E402
from award_eval.uncertainty import Tree, monte_carlo  # noqa: E402
from award_eval.uncertainty.model import histogram_quantiles, rank_histogram  # noqa: E402

try:
    from pymcdm.methods import TOPSIS, WSM
except ImportError:  # pragma: no cover
    sys.exit("pymcdm is not installed: .venv/bin/pip install -e '.[bench]'")


def demo_matrix(seed: int = 0) -> tuple[pd.DataFrame, Framework]:
    """290 municipalities × the demo framework's criteria (indicators real-normalised, jury synthetic)."""
    criteria = load_framework(ROOT / "criteria" / "digitaliseringskommun.yaml")
    data = load_award_data(ROOT / "data" / "demo", criteria)
    ind = indicator_scores(criteria, data, Settings()).pivot(index="code", columns="criterion", values="score")
    rng = np.random.default_rng(seed)
    matrix = pd.DataFrame(index=data.register["code"].rename("code"))
    for node in criteria.leaves():
        if node.kind == "indicator":
            matrix[node.id] = ind[node.id].reindex(matrix.index)
        else:
            matrix[node.id] = rng.uniform(0, 100, len(matrix)).round(1)
    matrix = matrix.fillna(matrix.mean())  # the flat loop has no gap handling: compare like with like
    return matrix, Framework.from_criteria(criteria)


def synthetic_matrix(units: int = 290, pillars: int = 6, per_pillar: int = 5, seed: int = 1) -> tuple[pd.DataFrame, Framework]:
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
    return matrix, fw


def effective_weights(result, fw: Framework) -> np.ndarray:
    """samples × leaves: each leaf's weight in the index, from the sampled weights within parents."""
    tree = Tree(fw)
    w = {nd.code: result.weights[list(nd.children)].to_numpy() for nd in tree.nodes}
    return tree.effective_weights(w)


def summary(ranks: np.ndarray) -> np.ndarray:
    """median, q05, q95 and P(first) (ties split) per unit: what monte_carlo summarises."""
    q = histogram_quantiles(rank_histogram(ranks), (0.05, 0.5, 0.95))
    first = ranks == 1
    p = (first / first.sum(axis=1, keepdims=True)).mean(axis=0)
    return np.vstack([q, p])


def loop(method, matrix: np.ndarray, weights: np.ndarray, validation: bool = True) -> tuple[np.ndarray, np.ndarray]:
    types = np.ones(matrix.shape[1], dtype=int)
    ranks = np.empty((len(weights), matrix.shape[0]), dtype=np.int32)
    for s, w in enumerate(weights):
        pref = method(matrix, w, types, validation=validation)
        ranks[s] = rankdata(-np.round(pref, TIE_DECIMALS), method="min")
    return ranks, summary(ranks)


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def best_of(fn, repeat: int) -> tuple[float, object]:
    fn()  # warm-up: imports, caches
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def compare(name: str, matrix: pd.DataFrame, fw: Framework, samples: int, repeat: int, quick: bool) -> dict:
    t_ae, result = best_of(lambda: monte_carlo(matrix, fw, n=samples, seed=0, weights="dirichlet",
                                               concentration=100.0), repeat)
    weights = effective_weights(result, fw)
    x = matrix[Tree(fw).leaves].to_numpy(dtype=float)
    wsm, topsis = WSM(normalization_function=lambda col, cost: col), TOPSIS()
    row = {"case": name, "units": matrix.shape[0], "criteria": x.shape[1], "samples": samples, "award_eval": t_ae}
    identical = []
    for label, method in (("WSM", wsm), ("TOPSIS", topsis)):
        for validation in ((False,) if quick else (True, False)):
            t, (ranks, _) = timed(lambda: loop(method, x, weights, validation))
            row[f"{label} loop{'' if validation else ', validation=False'}"] = t
            if label == "WSM":
                identical.append(bool((ranks == result.ranks.to_numpy()).all()))
    row["identical_ranks"] = all(identical)
    return row


CHILD = """
import resource, sys, time
sys.path.insert(0, {src!r})
sys.argv = ["x"]
import importlib.util
spec = importlib.util.spec_from_file_location("bench", {me!r})
bench = importlib.util.module_from_spec(spec); spec.loader.exec_module(bench)
matrix, fw = bench.demo_matrix()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
res = bench.monte_carlo(matrix, fw, n={n}, seed=0) if {n} else None
t = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before, peak, t)
"""


def memory(samples: int) -> dict:
    """Peak resident memory (MB) of a fresh process that runs monte_carlo with ``samples``."""
    code = CHILD.format(src=str(ROOT / "src"), me=str(Path(__file__).resolve()), n=samples)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    before, peak, seconds = int(out[0]) / 1024, int(out[1]) / 1024, float(out[2])
    return {"samples": samples, "units": 290, "peak_mb": peak, "before_mb": before, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5, help="award_eval runs after a warm-up (best is reported)")
    ap.add_argument("--quick", action="store_true", help="skip the loops with pymcdm's input validation (slow)")
    ap.add_argument("--wide", action="store_true", help="also a synthetic 290 x 30 framework")
    ap.add_argument("--big", type=int, default=100_000, help="samples for the memory check (0: skip)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)

    from importlib.metadata import version
    print(f"Python {platform.python_version()}, numpy {np.__version__}, scipy {version('scipy')}, "
          f"pymcdm {version('pymcdm')}, {platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    cases = [("demo framework", demo_matrix)] + ([("synthetic 6 x 5", synthetic_matrix)] if args.wide else [])
    rows = []
    for name, make in cases:
        row = compare(name, *make(), args.samples, args.repeat, args.quick)
        rows.append(row)
        print(f"\n{name}: {row['units']} units x {row['criteria']} criteria, {row['samples']:,} weight samples", flush=True)
        print(f"  {'award_eval monte_carlo':<38} {row['award_eval']:>8.3f} s")
        for key, value in row.items():
            if "loop" in key:
                print(f"  {'pymcdm ' + key:<38} {value:>8.2f} s   {value / row['award_eval']:>6.0f}x slower")
        print(f"  WSM loop ranks identical to award_eval's: {'yes' if row['identical_ranks'] else 'NO'}", flush=True)
    mem = None
    if args.big:
        mem = memory(args.big)
        print(f"\nmemory: monte_carlo with {mem['samples']:,} samples on {mem['units']} units: peak RSS "
              f"{mem['peak_mb']:.0f} MB (the process held {mem['before_mb']:.0f} MB before the call), "
              f"{mem['seconds']:.2f} s")
    if args.json:
        args.json.write_text(json.dumps({"cases": rows, "memory": mem}, indent=2) + "\n", encoding="utf-8")
    return 0 if all(r["identical_ranks"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
