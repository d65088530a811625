"""Screening: the open-indicator index for every municipality, national and peer-group ranks, a shortlist.

The real award screens all 290 municipalities before the jury sees a shortlist and weighs results
"with regard to the municipality's preconditions": the SKR municipality groups give each
municipality a peer group, so a rank within the group sits beside the national rank.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from award_eval.composite import Framework as CompositeFramework
from award_eval.composite import build_index, peer_ranks
from award_eval.composite.pipeline import CompositeIndex
from award_eval.criteria import Framework
from award_eval.data import AwardData, latest_values

DEFAULT_CHOICES: dict[str, Any] = {"impute": "group_mean", "impute_by": "skr_group", "min_coverage": 0.8,
                                   "treat": "winsorise", "normalise": "minmax", "aggregate": "arithmetic"}


def indicator_framework(framework: Framework, lang: str = "en") -> CompositeFramework:
    """The award framework pruned to its indicator criteria (pillars without one are left out)."""
    meta = framework.to_imeta(lang)  # type: ignore[arg-type]
    indicators = set(framework.indicator_criteria)
    keep = set(indicators)
    for code in indicators:  # every ancestor of an indicator stays
        parent = meta.set_index("iCode").loc[code, "Parent"]
        while isinstance(parent, str):
            keep.add(parent)
            parent = meta.set_index("iCode").loc[parent, "Parent"]
    return CompositeFramework.from_imeta(meta[meta["iCode"].isin(keep)].reset_index(drop=True))


def screening_data(framework: Framework, data: AwardData, year: int | None = None) -> pd.DataFrame:
    """Units × indicators (latest year by default) for every municipality, with ``name`` and ``skr_group``."""
    wide = latest_values(data.indicators, year).reindex(columns=framework.indicator_criteria)
    register = data.register.set_index("code")
    return register[["name", "skr_group"]].join(wide, how="left")


def screen(framework: Framework, data: AwardData, year: int | None = None, **choices: Any) -> CompositeIndex:
    """Build the open-indicator index over the whole register with ``build_index``."""
    settings = {**DEFAULT_CHOICES, **choices}
    return build_index(screening_data(framework, data, year), indicator_framework(framework), **settings)


def ranking(index: CompositeIndex, data: AwardData) -> pd.DataFrame:
    """``rank, code, name, skr_group, score, group_rank, group_size, nominee`` sorted by rank."""
    scores = index.scores
    register = data.register.set_index("code").reindex(scores.index)
    peers = peer_ranks(scores, register["skr_group"])
    table = pd.DataFrame({"rank": peers["rank"].to_numpy(), "code": scores.index.to_numpy(),
                          "name": register["name"].to_numpy(), "skr_group": register["skr_group"].to_numpy(),
                          "score": scores.to_numpy(), "group_rank": peers["group_rank"].to_numpy(),
                          "group_size": peers["group_size"].to_numpy()})
    table["nominee"] = table["code"].isin(set(data.nominees["code"]))
    return table.dropna(subset=["score"]).sort_values(["rank", "code"], kind="stable").reset_index(drop=True)


def shortlist(table: pd.DataFrame, n: int = 20, per_group: int = 0) -> pd.DataFrame:
    """The national top ``n``, plus the top ``per_group`` of every SKR group not already in it."""
    top = table.nsmallest(n, "rank", keep="all") if n else table.iloc[:0]
    if per_group:
        extra = table[table["group_rank"] <= per_group]
        top = pd.concat([top, extra[~extra["code"].isin(top["code"])]])
    return top.sort_values(["rank", "code"], kind="stable").reset_index(drop=True)
