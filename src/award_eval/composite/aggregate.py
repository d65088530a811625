"""Aggregation of normalised indicators up a framework tree by weighted means.

Missing values are skipped and the weights renormalised over what is present, so a unit with a
gap is scored on the rest of its criteria rather than counted as zero.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

AGGREGATIONS = ("arithmetic", "geometric")


def weighted_mean(values: pd.DataFrame, weights: pd.Series, method: str = "arithmetic") -> pd.Series:
    """Row-wise weighted mean of ``values`` (units × columns), skipping NaN; all-NaN rows give NaN."""
    if method not in AGGREGATIONS:
        raise ValueError(f"aggregation {method!r} is not one of {', '.join(AGGREGATIONS)}")
    w = weights.reindex(values.columns).astype(float).to_numpy()
    x = values.to_numpy(dtype=float)
    present = ~np.isnan(x)
    wsum = (present * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "arithmetic":
            out = np.where(present, x * w, 0.0).sum(axis=1) / wsum
        else:
            if np.any(x[present] <= 0):
                raise ValueError("the geometric mean needs positive values: normalise to a range "
                                 "above zero, e.g. normalise_range=(1, 100)")
            out = np.exp(np.where(present, np.log(np.where(present, x, 1.0)) * w, 0.0).sum(axis=1) / wsum)
    out = np.where(wsum > 0, out, np.nan)
    return pd.Series(out, index=values.index)


def aggregate_tree(values: pd.DataFrame, imeta: pd.DataFrame, method: str | dict[int, str] = "arithmetic") -> pd.DataFrame:
    """Aggregate leaf columns up the tree described by ``imeta`` (iCode, Parent, Weight, Type, Level).

    Returns units × every code (leaves first, then aggregates from the bottom up). ``method`` is
    one aggregation for every level or a mapping ``{level: method}`` keyed by iMeta Level.
    """
    meta = imeta[imeta["Type"].isin(["Indicator", "Aggregate"])]
    aggregates = meta[meta["Type"] == "Aggregate"].sort_values("Level", kind="stable")
    out = values.copy()
    for _, agg in aggregates.iterrows():
        kids = meta[meta["Parent"] == agg["iCode"]]
        level_method = method if isinstance(method, str) else method.get(int(agg["Level"]), "arithmetic")
        out[agg["iCode"]] = weighted_mean(out[list(kids["iCode"])], kids.set_index("iCode")["Weight"], level_method)
    return out
