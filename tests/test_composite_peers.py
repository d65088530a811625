"""Peer-group ranks beside the national rank."""
from __future__ import annotations

import numpy as np
import pandas as pd

from award_eval.composite import peer_ranks


def test_peer_ranks_by_hand():
    scores = pd.Series([10.0, 9.0, 9.0, 8.0, 7.0, np.nan], index=list("abcdef"))
    groups = pd.Series(["X", "Y", "X", "Y", "X", "Y"], index=list("abcdef"))
    out = peer_ranks(scores, groups)
    assert list(out.columns) == ["rank", "group_rank", "group_size"]
    assert out["rank"].tolist()[:5] == [1, 2, 2, 4, 5] and pd.isna(out.loc["f", "rank"])
    # X: a 10, c 9, e 7 -> 1, 2, 3 ; Y: b 9, d 8 -> 1, 2 ; f has no score
    assert out.loc[["a", "c", "e"], "group_rank"].tolist() == [1, 2, 3]
    assert out.loc[["b", "d"], "group_rank"].tolist() == [1, 2]
    assert out.loc[["a", "c", "e"], "group_size"].tolist() == [3, 3, 3]
    assert out.loc[["b", "d"], "group_size"].tolist() == [2, 2]
    assert pd.isna(out.loc["f", "group_rank"]) and pd.isna(out.loc["f", "group_size"])


def test_peer_ranks_ties_and_missing_group():
    scores = pd.Series([5.0, 5.0, 1.0], index=["p", "q", "r"])
    groups = pd.Series({"p": "A", "q": "A"})  # r has no group
    out = peer_ranks(scores, groups)
    assert out["group_rank"].tolist()[:2] == [1, 1]
    assert pd.isna(out.loc["r", "group_rank"]) and out.loc["r", "rank"] == 3
