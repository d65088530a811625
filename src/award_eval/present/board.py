"""What a board member reads: plain-language sentences written from the numbers, and the method
section specific to each kind of report (jury, screening, uncertainty, profile).

Every word comes from the catalogue (``i18n/catalogue/board.yaml``); numbers are written as the
report's language writes them (``0,913`` / ``0.913``). The sentences say who leads and by how
much, how sure it is, where the jury disagrees and why that matters, and what "not reliable"
means and rests on.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from award_eval.choices import JURY_METHODS
from award_eval.i18n import Lang, catalogue, check_lang, fmt_int, fmt_number, fmt_percent, t
from award_eval.present.tables import esc

METHODS = JURY_METHODS  # the jury aggregations this module names in words


def method_name(method: str, lang: Lang = "sv", short: bool = False) -> str:
    """A jury aggregation method in words (``trimmed`` → 'trimmat medelvärde')."""
    return t(f"board.method.{'short' if short else 'name'}.{method}", lang) if method in METHODS else method


def setting(value: Any, lang: Lang = "sv") -> str:
    """A notebook setting in words (``group_mean`` → 'med kommungruppens medelvärde'), else as given."""
    key = f"board.param.{value}"
    return t(key, lang) if key in catalogue() else str(value)


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def jury_sentences(agreement: pd.DataFrame, framework: Any, n_jurors: int, lang: Lang = "sv") -> list[str]:
    """The agreement table in words: how many criteria are reliable by α, what "unreliable" means,
    the panel mean's reliability (ICC(2,k)) and Kendall's W, with why W is shown only overall."""
    lang = check_lang(lang)
    per = agreement[agreement["criterion"] != "all"]
    alpha = per["alpha"].astype(float)
    n = int(alpha.notna().sum())
    out = []
    if n:
        reliable = int((alpha >= 0.8).sum())
        tentative = int(((alpha >= 0.667) & (alpha < 0.8)).sum())
        out.append(t("board.jury.alpha_summary", lang, n=n, reliable=reliable, tentative=tentative,
                     unreliable=n - reliable - tentative))
        if reliable < n:
            out.append(t("board.jury.not_reliable_means", lang))
    icc = per[["criterion", "icc2k"]].dropna()
    if len(icc):
        best = icc.loc[icc["icc2k"].astype(float).idxmax(), "criterion"]
        out.append(t("board.jury.icc", lang, jurors=n_jurors, lo=fmt_number(icc["icc2k"].min(), lang, 3),
                     hi=fmt_number(icc["icc2k"].max(), lang, 3), best=framework.label(best, lang)))
    overall = agreement[agreement["criterion"] == "all"]
    if len(overall) and _finite(overall["kendall_w"].iloc[0]):
        w = float(overall["kendall_w"].iloc[0])
        reading = t(f"board.jury.w.{'weak' if w < 0.3 else 'moderate' if w < 0.7 else 'strong'}", lang)  # Schmidt (1997)
        out.append(t("board.jury.kendall", lang, w=fmt_number(w, lang, 3), reading=reading))
    return out


def disagreement_sentence(disagreements: pd.DataFrame, framework: Any, names: Mapping | pd.Series,
                          lang: Lang = "sv") -> str | None:
    """The widest disagreement (the first row of :func:`award_eval.jury.disagreements`) and why it matters."""
    if disagreements is None or not len(disagreements):
        return None
    row = disagreements.iloc[0]
    return t("board.jury.disagreement", lang, nominee=dict(names).get(row["nominee"], row["nominee"]),
             criterion=framework.label(row["criterion"], lang), low=fmt_number(row["min"], lang, 0),
             high=fmt_number(row["max"], lang, 0))


def methods_sentence(comparison: pd.DataFrame, names: Mapping | pd.Series, lang: Lang = "sv") -> str:
    """Whether every jury aggregation method puts the same nominee first."""
    names = dict(names)
    firsts = comparison[comparison["rank"] == 1]
    leaders = {m: [names.get(c, c) for c in part["nominee"]] for m, part in firsts.groupby("method", sort=False)}
    winners = {tuple(v) for v in leaders.values()}
    if len(winners) == 1:
        return t("board.jury.methods_agree", lang, winner=" & ".join(next(iter(winners))))
    text = "; ".join(f"{method_name(m, lang)}: {' & '.join(v)}" for m, v in leaders.items())
    return t("board.jury.methods_differ", lang, leaders=text)


def uncertainty_sentences(summary: pd.DataFrame, names: Mapping | pd.Series, lang: Lang = "sv") -> list[str]:
    """Who leads, how often, in which rank interval, who is closest, and how sure that makes it.

    ``summary``: :attr:`MonteCarloResult.summary` (``nominal, median, q05, q95, p_first`` by code).
    """
    lang = check_lang(lang)
    names = dict(names)
    rows = summary.sort_values(["nominal", "p_first"], ascending=[True, False])
    first = rows.iloc[0]
    winner = names.get(rows.index[0], rows.index[0])
    lo, hi = int(first["q05"]), int(first["q95"])
    interval = fmt_int(lo, lang) if lo == hi else f"{fmt_int(lo, lang)}–{fmt_int(hi, lang)}"
    p = float(first["p_first"])
    out = [t("board.unc.leader", lang, winner=winner, p=fmt_percent(100 * p, lang, 0), interval=interval)]
    others = rows.iloc[1:].sort_values("p_first", ascending=False)
    if len(others) and float(others["p_first"].iloc[0]) > 0:
        out.append(t("board.unc.runner_up", lang, second=names.get(others.index[0], others.index[0]),
                     p=fmt_percent(100 * float(others["p_first"].iloc[0]), lang, 0)))
    out.append(t(f"board.unc.verdict.{'sure' if p >= 0.9 else 'likely' if p >= 0.6 else 'open'}", lang))
    return out


# --- method sections ----------------------------------------------------------------------------------

def method_html(kind: str, record: dict, params: dict, lang: Lang = "sv") -> str | None:
    """The method section of a jury, screening, uncertainty or profile report (HTML, escaped), or
    None for the kinds that use the overall method (:func:`award_eval.present.method.method_html`)."""
    lang = check_lang(lang)
    counts = record.get("counts") or {}
    smin, smax = record.get("scale") or [1, 5]
    common = {"n_units": fmt_int(counts.get("municipalities") or 290, lang),
              "n_ind": record.get("n_indicator_criteria", 0), "n_jury": record.get("n_jury_criteria", 0),
              "jurors": counts.get("jurors") or "–", "smin": smin, "smax": smax}
    values = {k: esc(v) for k, v in common.items()}
    if kind == "jury":
        parts = [t("board.method.jury", lang, **values, method=esc(method_name(record.get("jury_method", "mean"), lang))),
                 t("board.method.jury_agreement", lang),
                 t("board.method.jury_conflicts", lang, recusals=esc(counts.get("recusals", 0)),
                   threshold=esc(fmt_number(params.get("threshold", 2.0), lang, 0)))]
    elif kind == "screening":
        parts = [t("board.method.screening", lang, **values,
                   impute=esc(setting(params.get("impute", "group_mean"), lang)),
                   treat=esc(setting(params.get("treat", "winsorise"), lang)),
                   normalisation=esc(setting(params.get("normalisation", "minmax"), lang)),
                   aggregation=esc(setting(params.get("aggregation", "arithmetic"), lang))),
                 t("board.method.shortlist", lang, size=esc(params.get("shortlist_size", 15)),
                   per_group=esc(params.get("per_group", 1)))]
    elif kind == "uncertainty":
        weights = str(params.get("weights", "dirichlet"))
        parts = [t("board.method.uncertainty", lang, n=esc(fmt_int(params.get("n", 10000), lang)),
                   seed=esc(params.get("seed", "–")),
                   weights=esc(t(f"board.method.weights.{weights}", lang) if weights in ("dirichlet", "uniform", "none")
                               else weights)),
                 t("board.method.sensitivity", lang, sobol_n=esc(fmt_int(params.get("sobol_n", 512), lang)))]
    elif kind == "profile":
        parts = [t("board.method.profile", lang, **values)]
    else:
        return None
    if record.get("anonymise_jurors"):
        parts.append(t("board.method.anonymised", lang))
    return "".join(f"<p>{p}</p>" for p in parts)


def downloads_html(files: list[str], lang: Lang = "sv", workbook: str | None = None) -> str:
    """A list of links to the evaluation's CSV files (and the run's workbook), to download."""
    if not files and not workbook:
        return ""
    items = [f'<li><a href="{esc(f)}" download>{esc(f)}</a></li>' for f in files]
    if workbook:
        items.append(f'<li><a href="{esc(workbook)}" download>{esc(t("board.workbook", lang))}</a></li>')
    return f"<p>{esc(t('board.downloads_intro', lang))}</p><ul class=\"downloads\">{''.join(items)}</ul>"


# --- the screening's data audit -------------------------------------------------------------------------

AUDIT_DECIMALS = {"mean": 1, "sd": 1, "min": 1, "max": 1, "skew": 2, "kurtosis": 2, "r": 2, "alpha": 2}


def audit_table(frame: pd.DataFrame, framework: Any, lang: Lang = "sv", which: str = "distribution"):
    """An audit frame (:func:`award_eval.composite.audit`) as a report table: criterion ids as
    labels, headers and numbers in ``lang``, flags as yes/no, a missing α explained."""
    from award_eval.present.tables import Column, Table

    lang = check_lang(lang)
    out = frame.copy()
    for col in ("iCode", "code_1", "code_2", "parent", "aggregate"):
        if col in out.columns:
            out[col] = [framework.label(c, lang) if c in framework.by_id else
                        (t("workbook.all_criteria", lang) if c == "index" else c) for c in out[col]]
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map({True: t("board.yes", lang), False: t("board.no", lang)})
    if "alpha" in out.columns and "n_children" in out.columns:
        out["alpha"] = [t("board.audit.one_part", lang) if not _finite(a) and k < 2 else a
                        for a, k in zip(out["alpha"], out["n_children"])]
    columns = []
    for col in out.columns:
        if col in AUDIT_DECIMALS:
            kind = "smart" if col == "alpha" else "number"
            columns.append(Column(col, t(f"board.audit.{col}", lang), kind, AUDIT_DECIMALS[col]))
        elif pd.api.types.is_integer_dtype(out[col]):
            columns.append(Column(col, t(f"board.audit.{col}", lang), "int"))
        else:
            columns.append(Column(col, t(f"board.audit.{col}", lang)))
    return Table(out.reset_index(drop=True), columns, lang, caption=t(f"board.audit.caption.{which}", lang))


def audit_sentence(checks: Any, lang: Lang = "sv") -> str:
    """What the audit flags, in one sentence."""
    dist, corr = checks.distribution, checks.correlation_flags
    return t("board.audit.summary", lang, outliers=int(dist["outliers"].sum()), n=len(dist),
             collinear=int(corr["collinear"].sum()), negative=int(corr["negative"].sum()))
