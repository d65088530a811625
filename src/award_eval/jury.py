"""Jury scores: aggregation per nominee × criterion over the jurors who scored.

A recused juror has no row for that nominee, so the nominee's result is over the jurors who did
score it: the absence is never counted as a low score.
"""
from __future__ import annotations

import pandas as pd

from .criteria import Scale

METHODS = ("mean",)


def criterion_scores(scores: pd.DataFrame, method: str = "mean") -> pd.DataFrame:
    """Per nominee × criterion: ``score`` (aggregate on the rubric scale) and ``n_jurors``."""
    if method not in METHODS:
        raise ValueError(f"jury method {method!r} is not one of {', '.join(METHODS)}")
    grouped = scores.groupby(["nominee", "criterion"], sort=True)["score"]
    out = grouped.agg(score="mean", n_jurors="count").reset_index()
    return out


def to_percent(values: pd.Series | pd.DataFrame, scale: Scale) -> pd.Series | pd.DataFrame:
    """Map rubric scores onto 0–100 (scale minimum → 0, maximum → 100)."""
    return (values - scale.min) / (scale.max - scale.min) * 100.0
