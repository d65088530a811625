"""The data behind the overall report's weights panel (``templates/explore.js``).

The page recomputes the ranking from what :func:`explore_payload` embeds: the criteria tree
(ids, parents, the file's weights, each aggregate's mean), every nominee's criterion scores on
0–100 as :func:`~award_eval.evaluation.evaluate` computed them, and the panel's words from the
catalogue. The page's arithmetic mirrors ``evaluate``'s, so a reader's weights give exactly the
ranking a criteria file with those weights would give.
"""
from __future__ import annotations

import math
from typing import Any

from award_eval.composite.aggregate import method_for_level
from award_eval.i18n import LOCALES, Lang, check_lang, t
from award_eval.jury_share import resolve as resolve_share
from award_eval.ranking import TIE_DECIMALS

WORDS = ("title", "help", "weights", "weight_of", "criteria_of", "reset", "link", "caption", "rank",
         "name", "score", "change", "leader", "noscript")


def _number(x: Any) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def explore_payload(result: Any, lang: Lang = "sv") -> dict:
    """JSON-able data for the weights panel of ``result`` (an :class:`~award_eval.evaluation.Result`)."""
    lang = check_lang(lang)
    fw = result.framework
    meta = fw.to_imeta()
    meta = meta[meta["Type"].isin(["Indicator", "Aggregate"])]
    method = result.settings.aggregation or fw.aggregation
    root = str(meta.loc[meta["Parent"].isna(), "iCode"].iloc[0])
    nodes = [{"id": str(r.iCode), "parent": None if not isinstance(r.Parent, str) else str(r.Parent),
              "weight": float(r.Weight), "label": fw.label(r.iCode, lang) if r.iCode != root else fw.award.label(lang)}
             for r in meta.itertuples()]
    aggregates = [{"id": str(code), "method": method_for_level(method, int(level))}
                  for code, level in meta.loc[meta["Type"] == "Aggregate"].sort_values("Level", kind="stable")
                  [["iCode", "Level"]].itertuples(index=False)]
    leaves = [n.id for n in fw.leaves()]
    wide = result.criterion_scores.pivot(index="code", columns="criterion", values="score").reindex(columns=leaves)
    names = result.ranking.set_index("code")["name"]
    units = [{"code": str(code), "name": str(names.get(code, code)),
              "leaves": [_number(v) for v in wide.loc[code].to_numpy(dtype=float)]}
             for code in result.scores["code"]]
    weights = [n["weight"] for n in nodes if n["parent"] is not None]
    share, _ = resolve_share(fw, result.settings.jury_share)
    return {"lang": lang, "locale": LOCALES[lang], "root": root, "decimals": TIE_DECIMALS,
            "max_weight": float(max(weights) * 4), "nodes": nodes, "aggregates": aggregates,
            "leaves": leaves, "units": units, "jury_share": share, "jury_leaves": list(fw.jury_criteria), "words": {w: t(f"explore.panel.{w}", lang) for w in WORDS}}
