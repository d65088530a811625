"""Aggregation of normalised indicators up a framework tree.

Means (``arithmetic``, ``geometric``, ``harmonic``) work unit by unit, as COINr's ``a_amean``,
``a_gmean`` and ``a_hmean``; ``copeland``, ``topsis`` and ``vikor`` compare the units with each
other inside each aggregation group (see :mod:`.mcda`). Missing values are skipped and the
weights renormalised over what is present, so a unit with a gap is scored on the rest of its
criteria rather than counted as zero; a unit with nothing present gets NaN. ``dat_thresh``
(COINr's ``Aggregate(dat_thresh = …)``, off by default) gives NaN instead wherever the share of
the group's values present is below the threshold: a unit with 1 of 5 values is then not scored
on that one value.

In the tree TOPSIS works on the values as they are (they are already normalised, so no second
normalisation). Every aggregate is on 0–100, higher is better (the one scale): TOPSIS gives
100·C (C the closeness in [0, 1]), VIKOR 100·(1 − Q), Copeland 50 + 50·s/(k − 1) with s = wins −
losses among the k units with a value (all wins → 100, all losses → 0).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from award_eval.choices import COMPOSITE_AGGREGATIONS as AGGREGATIONS
from award_eval.choices import MEANS
from award_eval.composite.mcda import copeland, topsis, vikor


def weighted_mean(values: pd.DataFrame, weights: pd.Series, method: str = "arithmetic") -> pd.Series:
    """Row-wise weighted mean of ``values`` (units × columns), skipping NaN; all-NaN rows give NaN.

    arithmetic Σwx/Σw; geometric exp(Σw·ln x/Σw) (x ≥ 0); harmonic Σw/Σ(w/x) (x ≥ 0). A value
    of 0 with a positive weight gives a geometric or harmonic mean of 0, the limit of the mean as
    that value goes to 0 (as ``scipy.stats.gmean``/``hmean``): on the 0–100 scale these means work
    under every normalisation, and a criterion at the very bottom is not made up by the others.
    """
    if method not in MEANS:
        raise ValueError(f"aggregation {method!r} is not one of {', '.join(MEANS)}")
    w = weights.reindex(values.columns).astype(float).to_numpy()
    x = values.to_numpy(dtype=float)
    present = ~np.isnan(x)
    wsum = (present * w).sum(axis=1)
    if method != "arithmetic" and np.any(x[present] < 0):
        raise ValueError(f"the {method} mean needs values ≥ 0: place the scores on 0–100 first "
                         "(award_eval.composite.scoring_pipeline)")
    zero = (present & (x == 0) & (w > 0)).any(axis=1) if method != "arithmetic" else None
    safe = np.where(present if zero is None else present & (x != 0), x, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "arithmetic":
            out = np.where(present, safe * w, 0.0).sum(axis=1) / wsum
        elif method == "geometric":
            out = np.exp(np.where(present, np.log(safe) * w, 0.0).sum(axis=1) / wsum)
        else:
            out = wsum / np.where(present, w / safe, 0.0).sum(axis=1)
    if zero is not None and zero.any():
        out = np.where(zero, 0.0, out)
    # a mean lies between the least and the greatest value it weighs: hold rounding to that
    counted = present & (w > 0)
    with np.errstate(invalid="ignore"):
        out = np.minimum(np.maximum(out, np.where(counted, x, np.inf).min(axis=1)),
                         np.where(counted, x, -np.inf).max(axis=1))
    out = np.where(wsum > 0, out, np.nan)
    return pd.Series(out, index=values.index)


def _check_thresh(dat_thresh: float | None) -> None:
    if dat_thresh is not None and not 0.0 <= float(dat_thresh) <= 1.0:
        raise ValueError(f"dat_thresh must lie in [0, 1], got {dat_thresh!r}")


def aggregate_group(values: pd.DataFrame, weights: pd.Series, method: str = "arithmetic",
                    dat_thresh: float | None = None) -> pd.Series:
    """Aggregate one group's columns into one score per unit with ``method`` (see module docstring).

    ``dat_thresh`` (COINr): units with a smaller share of the group's values present get NaN.
    """
    _check_thresh(dat_thresh)
    out = _aggregate_group(values, weights, method)
    if dat_thresh is not None and values.shape[1]:
        share = values.notna().mean(axis=1)
        out = out.where(share >= float(dat_thresh) - 1e-12)
    return out


def _aggregate_group(values: pd.DataFrame, weights: pd.Series, method: str) -> pd.Series:
    if method in MEANS:
        return weighted_mean(values, weights, method)
    w = weights.reindex(values.columns).astype(float)
    if method == "topsis":
        return 100.0 * topsis(values, w, True, normalisation=None)["closeness"]
    if method == "vikor":
        return 100.0 * (1.0 - vikor(values, w, True)["Q"])
    if method == "copeland":
        score = copeland(values, w).astype(float)
        k = int(score.notna().sum())
        return score * 0.0 + 50.0 if k < 2 else 50.0 + 50.0 * score / (k - 1)
    raise ValueError(f"aggregation {method!r} is not one of {', '.join(AGGREGATIONS)}")


def method_for_level(method: str | Mapping[int, str], level: int) -> str:
    """The aggregation of an aggregate at iMeta ``level`` (one method, or a ``{level: method}`` mapping)."""
    if isinstance(method, str):
        return method
    if int(level) not in {int(k) for k in method}:
        raise ValueError(f"no aggregation given for level {level} (the mapping has levels "
                         f"{sorted(int(k) for k in method)})")
    return {int(k): v for k, v in method.items()}[int(level)]


def _tree(imeta: Any) -> pd.DataFrame:
    tree = getattr(imeta, "tree", None)
    meta = tree if isinstance(tree, pd.DataFrame) else imeta
    return meta[meta["Type"].isin(["Indicator", "Aggregate"])]


def aggregate_tree(values: pd.DataFrame, imeta: Any, method: str | Mapping[int, str] = "arithmetic",
                   weights: pd.Series | Mapping[str, float] | None = None,
                   dat_thresh: float | None = None) -> pd.DataFrame:
    """Aggregate leaf columns up the tree described by ``imeta`` (iCode, Parent, Weight, Type, Level).

    ``imeta`` is an iMeta DataFrame or a composite :class:`~.framework.Framework`. Returns units ×
    every code (leaves first, then aggregates from the bottom up). ``method`` is one aggregation
    for every level or a mapping ``{level: method}`` keyed by the aggregate's iMeta Level.
    ``weights`` (iCode → weight) overrides the iMeta weights where it names a code.
    ``dat_thresh`` (COINr): an aggregate is NaN for a unit with a smaller share of its children present.
    """
    _check_thresh(dat_thresh)
    meta = _tree(imeta)
    w_all = meta.set_index("iCode")["Weight"].astype(float)
    if weights is not None:
        override = pd.Series(weights, dtype=float)
        w_all = override.reindex(w_all.index).fillna(w_all)
    aggregates = meta[meta["Type"] == "Aggregate"].sort_values("Level", kind="stable")
    out = values.copy()
    for code, level in zip(aggregates["iCode"], aggregates["Level"]):
        kids = list(meta.loc[meta["Parent"] == code, "iCode"])
        try:
            out[code] = aggregate_group(out[kids], w_all[kids], method_for_level(method, int(level)), dat_thresh)
        except ValueError as exc:
            raise ValueError(f"aggregating {code!r}: {exc}") from None
    return out
