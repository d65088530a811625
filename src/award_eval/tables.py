"""Tables for display: localised headers and rounded numbers, from a Result's tidy frames."""
from __future__ import annotations

import pandas as pd

from .evaluation import Result
from .i18n import Lang, t


def ranking_table(result: Result, lang: Lang = "sv", decimals: int = 1) -> pd.DataFrame:
    """The ranking with headers in ``lang``: rank, municipality, score, then each pillar."""
    fw = result.framework
    table = result.ranking.drop(columns=["code"]).round(decimals)
    names = {"rank": t("rank", lang), "name": t("name", lang), "score": t("score", lang)}
    names.update({p.id: fw.label(p.id, lang) for p in fw.pillars})
    return table.rename(columns=names).set_index(t("rank", lang))
