"""``jury_share``: how much the jury's criteria weigh against the open data in the index.

``None`` (the default) keeps the index as the criteria tree's weights make it: the jury criteria's
share is then their nominal share of the weights (:func:`nominal_share`). A number ``s`` in 0–1
makes the index ``s × jury index + (1 − s) × open-data index``, where each part is the tree
aggregated over that kind of criterion alone (weights renormalised within it); a nominee lacking
one part gets the other. The pillars are not changed: only the index is.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from award_eval.composite import aggregate_tree
from award_eval.criteria import Framework


def nominal_share(framework: Framework) -> float:
    """The jury criteria's share of the index as the tree's weights give it (0–1)."""
    def share(node_id: str) -> float:
        node = framework.by_id[node_id]
        siblings = framework.children(node.parent)
        own = node.weight / sum(framework.by_id[s].weight for s in siblings)
        return own * (share(node.parent) if node.parent else 1.0)

    return float(sum(share(n.id) for n in framework.leaves() if n.kind == "jury"))


def resolve(framework: Framework, setting: float | None) -> tuple[float | None, str]:
    """The share in force and where it comes from: ``settings`` (a plan or notebook parameter),
    ``criteria`` (the criteria file's ``jury_share``) or ``weights`` (``None``: as the tree says)."""
    if setting is not None:
        if not 0.0 <= float(setting) <= 1.0:
            raise ValueError(f"jury_share must be from 0 to 1 (got {setting})")
        return float(setting), "settings"
    if framework.jury_share is not None:
        return float(framework.jury_share), "criteria"
    return None, "weights"


def blended_index(leaves: pd.DataFrame, framework: Framework, method: str, share: float) -> pd.Series:
    """``share × jury index + (1 − share) × open-data index`` per unit (0–100)."""
    meta = framework.to_imeta()
    jury = set(framework.jury_criteria)
    parts = []
    for keep in (lambda c: c in jury, lambda c: c not in jury):
        masked = leaves.copy()
        masked.loc[:, [c for c in masked.columns if not keep(c)]] = np.nan
        parts.append(aggregate_tree(masked, meta, method)["index"])
    j, o = parts
    weights = pd.DataFrame({"j": np.where(j.notna(), share, 0.0), "o": np.where(o.notna(), 1.0 - share, 0.0)},
                           index=leaves.index)
    total = weights.sum(axis=1).replace(0.0, np.nan)
    return (j.fillna(0.0) * weights["j"] + o.fillna(0.0) * weights["o"]) / total
