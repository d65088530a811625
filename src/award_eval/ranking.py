"""Ranks with ties: equal scores share the lowest rank (1, 2, 2, 4), as in competition ranking."""
from __future__ import annotations

import pandas as pd

TIE_DECIMALS = 9  # scores equal to this many decimals are ties: float noise must not break a tie


def rank_scores(scores: pd.Series, higher_is_better: bool = True, decimals: int = TIE_DECIMALS) -> pd.Series:
    """Competition ranks of ``scores``; NaN scores get no rank (NA)."""
    ranked = scores.round(decimals).rank(method="min", ascending=not higher_is_better)
    return ranked.astype("Int64").rename("rank")
