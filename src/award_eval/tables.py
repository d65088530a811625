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


JURY_HEADERS = {
    "juror": {"sv": "Jurymedlem", "en": "Juror"}, "nominee": {"sv": "Kommun", "en": "Municipality"},
    "criterion": {"sv": "Kriterium", "en": "Criterion"}, "expected": {"sv": "Förväntade", "en": "Expected"},
    "scored": {"sv": "Givna", "en": "Scored"}, "missing": {"sv": "Saknas", "en": "Missing"},
    "recused": {"sv": "Jäv", "en": "Recused"}, "complete": {"sv": "Komplett", "en": "Complete"},
    "n_scores": {"sv": "Antal betyg", "en": "Scores"}, "n_icc": {"sv": "Enheter i ICC", "en": "Units in ICC"},
    "icc2k": {"sv": "ICC(2,k)", "en": "ICC(2,k)"}, "alpha": {"sv": "Krippendorffs α", "en": "Krippendorff's α"},
    "kendall_w": {"sv": "Kendalls W", "en": "Kendall's W"}, "reading": {"sv": "Tolkning", "en": "Reading"},
    "n_jurors": {"sv": "Jurymedlemmar", "en": "Jurors"}, "mean": {"sv": "Medel", "en": "Mean"},
    "sd": {"sv": "SD", "en": "SD"}, "min": {"sv": "Min", "en": "Min"}, "max": {"sv": "Max", "en": "Max"},
    "range": {"sv": "Spridning", "en": "Range"}, "lowest": {"sv": "Lägst", "en": "Lowest"},
    "highest": {"sv": "Högst", "en": "Highest"}, "severity": {"sv": "Stränghet", "en": "Severity"},
    "consistency": {"sv": "Samstämmighet", "en": "Consistency"}, "mean_score": {"sv": "Medelbetyg", "en": "Mean score"},
    "n_compared": {"sv": "Jämförda", "en": "Compared"},
}


def jury_summary_table(frame: pd.DataFrame, framework, names: pd.Series | None = None, lang: Lang = "sv",
               decimals: int = 2) -> pd.DataFrame:
    """A jury frame for display: nominee codes → names, criterion ids → labels, headers in ``lang``."""
    out = frame.copy()
    if names is not None and "nominee" in out.columns:
        out["nominee"] = out["nominee"].map(names).fillna(out["nominee"])
    if "criterion" in out.columns:
        out["criterion"] = [framework.label(c, lang) if c in framework.by_id else
                            ({"sv": "Alla kriterier", "en": "All criteria"}[lang] if c == "all" else c)
                            for c in out["criterion"]]
    if f"reading_{lang}" in out.columns:
        out = out.rename(columns={f"reading_{lang}": "reading"})
        out = out.drop(columns=[c for c in out.columns if c.startswith("reading_")])
    out = out.round(decimals)
    return out.rename(columns={c: JURY_HEADERS[c][lang] for c in out.columns if c in JURY_HEADERS})


def method_table(comparison: pd.DataFrame, names: pd.Series, lang: Lang = "sv") -> pd.DataFrame:
    """Nominees × methods: jury score (rubric scale, 2 decimals) and rank under each method."""
    score = comparison.pivot(index="nominee", columns="method", values="score").round(2)
    rank = comparison.pivot(index="nominee", columns="method", values="rank")
    methods = list(dict.fromkeys(comparison["method"]))
    word = {"sv": ("poäng", "placering"), "en": ("score", "rank")}[lang]
    table = pd.concat({word[0]: score[methods], word[1]: rank[methods]}, axis=1)
    table.index = [names.get(c, c) for c in table.index]
    table.index.name = t("name", lang)
    return table.sort_values((word[1], methods[0]))


def screening_table(table: pd.DataFrame, lang: Lang = "sv", decimals: int = 1) -> pd.DataFrame:
    """The screening ranking with headers in ``lang``, indexed by national rank."""
    out = table.drop(columns=["code"]).round(decimals)
    out["nominee"] = out["nominee"].map({True: "✓", False: ""})
    names = {c: t(c, lang) for c in ("rank", "name", "score", "group_rank", "group_size", "nominee", "skr_group")}
    return out.rename(columns=names).set_index(t("rank", lang))
