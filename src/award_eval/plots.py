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
