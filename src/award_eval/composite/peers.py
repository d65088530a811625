"""Peer-group ranks: a unit's rank among similar units beside its national rank.

A small municipality is compared with its SKR municipality group as well as with all 290.
"""
from __future__ import annotations

import pandas as pd

from award_eval.ranking import rank_scores


def peer_ranks(scores: pd.Series, groups: pd.Series, higher_is_better: bool = True) -> pd.DataFrame:
    """``rank`` (over all units), ``group_rank`` (within the unit's group) and ``group_size``.

    Ranks are competition ranks (ties share the lowest: 1, 2, 2, 4); ``group_size`` counts the
    units of the group that have a score. A unit without a score or a group gets NA there.
    """
    groups = pd.Series(groups).reindex(scores.index)
    scored = scores.notna()
    group_rank = pd.Series(pd.NA, index=scores.index, dtype="Int64")
    group_size = pd.Series(pd.NA, index=scores.index, dtype="Int64")
    for label in pd.unique(groups[groups.notna()]):
        members = (groups == label).to_numpy()
        group_rank[members] = rank_scores(scores[members], higher_is_better).to_numpy()
        group_size[members & scored.to_numpy()] = int((members & scored.to_numpy()).sum())
    return pd.DataFrame({"rank": rank_scores(scores, higher_is_better), "group_rank": group_rank,
                         "group_size": group_size}, index=scores.index)
