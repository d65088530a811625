"""What it would take: the smallest gain on one criterion that moves a nominee up one rank.

For a unit at rank r > 1, the target is the next better score (the lowest score above its own).
Reaching it ties with the unit(s) there — a tie shares the better rank (1, 2, 2, 4) — and
anything more passes them. For each criterion alone, holding every other value and every other
unit fixed, :func:`what_it_would_take` finds the smallest increase that reaches the target:
in closed form for the arithmetic mean (the score is linear in each value, its slope the
criterion's effective weight), by bisection for the other means (the score rises with each value).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from award_eval.ranking import TIE_DECIMALS
from award_eval.uncertainty.model import Tree, competition_ranks

COLUMNS = ["label", "weight", "current", "needed", "increase", "reachable"]


def _score_of(tree: Tree, row: np.ndarray, method: str | Mapping[int, str]) -> float:
    return float(tree.scores(row[None, :], tree.nominal_weights(1), method)[0, 0])


def what_it_would_take(matrix: pd.DataFrame, framework: Any, code: Any, *,
                       aggregation: str | Mapping[int, str] = "arithmetic", limit: float | None = 100.0,
                       per_point: pd.Series | Mapping[str, float] | None = None) -> pd.DataFrame:
    """For unit ``code`` of ``matrix`` (units × criteria, normalised), per criterion: the
    smallest increase, that criterion alone, that moves ``code`` up one rank.

    ``limit``: the highest value a criterion can reach (100 on the 0–100 scale; None: no limit).
    ``per_point``: criterion → what one point of the matrix is in the criterion's own unit (e.g.
    rubric steps per point), adding ``raw_increase``.

    Returns, indexed by ``criterion`` (easiest first; unreachable ones last), ``label``,
    ``weight`` (the criterion's share of the index), ``current``, ``needed``, ``increase`` and
    ``reachable`` (False when even ``limit`` is not enough, or the unit has no value there).
    ``attrs``: ``unit, rank, score, target_rank, target_score, ahead`` (the units it would
    catch up with). For the unit ranked first the frame is empty (``target_rank`` None).
    """
    tree = Tree(framework)
    leaf = tree.leaf_values(matrix)
    units = matrix.index
    if code not in units:
        raise ValueError(f"{code!r} is not a unit of the matrix (units: {', '.join(map(str, units[:10]))}"
                         f"{', …' if len(units) > 10 else ''})")
    i = units.get_loc(code)
    tree.check_positive(leaf, aggregation)
    scores = tree.scores(leaf, tree.nominal_weights(1), aggregation)[0]
    ranks = competition_ranks(scores[None, :])[0]
    rounded = np.round(scores, TIE_DECIMALS)
    fw = tree.framework
    labels = fw.imeta.set_index("iCode")["iName"]
    share = pd.Series(tree.effective_weights()[0], index=tree.leaves)
    attrs = {"unit": code, "rank": int(ranks[i]), "score": float(scores[i])}
    better = rounded > rounded[i]
    if not better.any():
        out = pd.DataFrame(columns=COLUMNS + ([] if per_point is None else ["raw_increase"]),
                           index=pd.Index([], name="criterion"))
        out.attrs.update({**attrs, "target_rank": None, "target_score": None, "ahead": []})
        return out
    target = float(rounded[better].min())
    ahead = list(units[rounded == target])
    linear = aggregation == "arithmetic" or (
        not isinstance(aggregation, str) and set(dict(aggregation).values()) == {"arithmetic"})
    row0 = leaf[i].copy()
    base = _score_of(tree, row0, aggregation)
    records = []
    for j, criterion in enumerate(tree.leaves):
        x0 = row0[j]
        rec = {"criterion": criterion, "label": labels.get(criterion, criterion), "weight": float(share[criterion]),
               "current": x0, "needed": np.nan, "increase": np.nan, "reachable": False}
        records.append(rec)
        if np.isnan(x0):
            continue
        room = np.inf if limit is None else float(limit) - x0

        def f(d: float) -> float:
            row = row0.copy()
            row[j] = x0 + d
            return _score_of(tree, row, aggregation)

        if linear:
            slope = f(1.0) - base
            if slope <= 0:
                continue
            d = max(0.0, (target - base) / slope)
            if np.round(f(d), TIE_DECIMALS) < target:  # float noise just below the target
                d = np.nextafter(d, np.inf) + 1e-12 * max(1.0, abs(d))
        else:
            hi = room if np.isfinite(room) else 1.0
            while not np.isfinite(room) and f(hi) < target and hi < 1e12:
                hi *= 2
            if hi <= 0 or np.round(f(hi), TIE_DECIMALS) < target:
                continue
            lo = 0.0
            for _ in range(200):
                mid = (lo + hi) / 2
                if np.round(f(mid), TIE_DECIMALS) >= target:
                    hi = mid
                else:
                    lo = mid
                if hi - lo <= 1e-12 * max(1.0, hi):
                    break
            d = hi
        if d > room + 1e-12:
            continue
        rec.update(needed=x0 + d, increase=d, reachable=True)
    out = pd.DataFrame(records).set_index("criterion")
    out["reachable"] = out["reachable"].astype(bool)
    if per_point is not None:
        pp = pd.Series(per_point, dtype=float).reindex(out.index)
        out["raw_increase"] = out["increase"] * pp
    out = out.sort_values(["reachable", "increase"], ascending=[False, True], kind="stable")
    out.attrs.update({**attrs, "target_rank": int(ranks[better][rounded[better] == target][0]),
                      "target_score": target, "ahead": ahead})
    return out
