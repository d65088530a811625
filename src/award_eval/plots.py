"""Matplotlib figures, one function per figure, each returning a Figure (no global state)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .criteria import Framework
from .i18n import Lang, t


def ranking_bar(ranking: pd.DataFrame, lang: Lang = "sv") -> Figure:
    """Horizontal bars of the total score, best at the top, rank in the label."""
    data = ranking.sort_values(["rank", "code"], ascending=[False, False])
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(data) + 1.2), layout="constrained")
    labels = [f"{r}. {n}" for r, n in zip(data["rank"], data["name"])]
    ax.barh(labels, data["score"], color="#2b6f9e")
    for y, score in enumerate(data["score"]):
        ax.text(score + 0.5, y, f"{score:.1f}", va="center", fontsize=9)
    ax.set_xlim(0, 105)
    ax.set_xlabel(t("score_axis", lang))
    ax.set_title(t("ranking_title", lang))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def criteria_heatmap(scores: pd.DataFrame, framework: Framework, ranking: pd.DataFrame,
                     lang: Lang = "sv") -> Figure:
    """Nominee × criterion heatmap of 0–100 criterion scores, nominees in rank order."""
    crit = [n.id for n in framework.leaves()]
    order = list(ranking.sort_values(["rank", "code"])["code"])
    matrix = scores.pivot(index="code", columns="criterion", values="score").reindex(index=order, columns=crit)
    names = ranking.set_index("code")["name"].reindex(order)
    fig, ax = plt.subplots(figsize=(1.0 + 0.65 * len(crit), 0.5 * len(order) + 2.8), layout="constrained")
    values = matrix.to_numpy(dtype=float)
    im = ax.imshow(np.ma.masked_invalid(values), cmap="viridis", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(len(crit)), [framework.label(c, lang) for c in crit], rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(order)), list(names))
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=7, color="white" if v < 60 else "black")
    fig.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title(t("heatmap_title", lang))
    return fig


def juror_severity(severity: pd.DataFrame, lang: Lang = "sv") -> Figure:
    """Each juror's mean offset from the rest of the panel (negative = harsher), with consistency."""
    data = severity.sort_values("severity")
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(data) + 1.4), layout="constrained")
    colours = ["#b5523b" if s < 0 else "#2b6f9e" for s in data["severity"]]
    ax.barh(data["juror"], data["severity"], color=colours)
    ax.axvline(0, color="black", linewidth=0.8)
    for y, (s, c) in enumerate(zip(data["severity"], data["consistency"])):
        ax.text(s + (0.03 if s >= 0 else -0.03), y, f"r = {c:.2f}", va="center",
                ha="left" if s >= 0 else "right", fontsize=8)
    lim = max(0.5, float(np.nanmax(np.abs(data["severity"]))) * 1.6)
    ax.set_xlim(-lim, lim)
    ax.set_xlabel(t("severity_axis", lang))
    ax.set_title(t("severity_title", lang))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def method_ranks(comparison: pd.DataFrame, names: pd.Series, lang: Lang = "sv") -> Figure:
    """How each nominee's jury rank moves between aggregation methods (one line per nominee)."""
    methods = list(dict.fromkeys(comparison["method"]))
    wide = comparison.pivot(index="nominee", columns="method", values="rank")[methods]
    fig, ax = plt.subplots(figsize=(1.8 * len(methods) + 2.5, 0.4 * len(wide) + 1.8), layout="constrained")
    for nominee, ranks in wide.iterrows():
        ax.plot(range(len(methods)), ranks.to_numpy(dtype=float), marker="o")
        ax.text(len(methods) - 1 + 0.08, float(ranks.iloc[-1]), str(names.get(nominee, nominee)),
                va="center", fontsize=8)
    ax.set_xticks(range(len(methods)), methods)
    ax.set_xlim(-0.2, len(methods) - 0.2 + 0.8)
    ax.invert_yaxis()
    ax.set_ylabel(t("rank", lang))
    ax.set_title(t("method_title", lang))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def screening_strip(table: pd.DataFrame, lang: Lang = "sv") -> Figure:
    """Every municipality's screening score by SKR group (grey), nominees marked and named."""
    groups = sorted(table["skr_group"].dropna().unique())
    fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
    rng = np.random.default_rng(0)  # fixed jitter: the same figure on every run
    for i, group in enumerate(groups):
        part = table[table["skr_group"] == group].sort_values("code").reset_index(drop=True)
        jitter = rng.uniform(-0.28, 0.28, len(part))
        others = ~part["nominee"].to_numpy(dtype=bool)
        ax.scatter(i + jitter[others], part.loc[others, "score"], s=12, color="#9aa7b3", alpha=0.7)
        ax.scatter(i + jitter[~others], part.loc[~others, "score"], s=40, color="#c0392b", zorder=3)
        for k, (x, (_, row)) in enumerate(zip(i + jitter[~others], part[~others].iterrows())):
            ax.annotate(str(row["name"]), (x, row["score"]), xytext=(6 if k % 2 == 0 else -6, 4 - 10 * (k % 2)),
                        textcoords="offset points", fontsize=8, ha="left" if k % 2 == 0 else "right")
    ax.set_xticks(range(len(groups)), groups)
    ax.set_xlabel(t("skr_group", lang))
    ax.set_ylabel(t("screening_axis", lang))
    ax.set_title(t("screening_title", lang))
    ax.spines[["top", "right"]].set_visible(False)
    return fig
