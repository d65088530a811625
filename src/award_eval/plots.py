"""Matplotlib figures, one function per figure, each returning a Figure (no global state).

Names and labels from data files are drawn as plain text: mathtext is off inside every figure
function, so a name holding ``$`` cannot be parsed as a formula. Labels are in the report's
language; numbers on the figures use its decimal mark.
"""
from __future__ import annotations

import functools
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .criteria import Framework
from .i18n import Lang, fmt_number, skr_group_name, t

ACCENT = "#2b6f9e"  # the report's accent (the evaluated municipality, the bars)
PEER = "#d55e00"  # peers' median (colour-blind safe against the accent)
MUTED = "#9aa5b1"
FIGURE_RC = {"text.parse_math": False, "font.size": 10, "axes.titlesize": 11, "axes.titleweight": "bold",
             "axes.titlelocation": "left", "svg.hashsalt": "award_eval"}


def _plain_text(func):
    """Run a figure function with mathtext off and the report's figure style."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with plt.rc_context(FIGURE_RC):
            return func(*args, **kwargs)
    return wrapper


def _wrap(text: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


@_plain_text
def ranking_bar(ranking: pd.DataFrame, lang: Lang = "sv") -> Figure:
    """Horizontal bars of the total score, best at the top, rank in the label."""
    data = ranking.sort_values(["rank", "code"], ascending=[False, False])
    fig, ax = plt.subplots(figsize=(9.4, 0.42 * len(data) + 1.2), layout="constrained")
    labels = [f"{r}. {n}" for r, n in zip(data["rank"], data["name"])]
    ax.barh(labels, data["score"], color=ACCENT)
    for y, score in enumerate(data["score"]):
        ax.text(score + 0.8, y, fmt_number(score, lang, 1), va="center", fontsize=9)
    ax.set_xlim(0, 105)
    ax.set_xlabel(t("score_axis", lang))
    ax.set_title(t("ranking_title", lang))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


@_plain_text
def criteria_heatmap(scores: pd.DataFrame, framework: Framework, ranking: pd.DataFrame,
                     lang: Lang = "sv") -> Figure:
    """Criterion × nominee heatmap of 0–100 criterion scores: criteria down (grouped by pillar),
    nominees across in rank order, each cell labelled with its score."""
    crit = [n.id for n in framework.leaves()]
    ranked = ranking.sort_values(["rank", "code"], kind="stable")
    order = list(ranked["code"])
    matrix = scores.pivot(index="code", columns="criterion", values="score").reindex(index=order, columns=crit)
    values = matrix.to_numpy(dtype=float).T
    fig, ax = plt.subplots(figsize=(3.4 + 0.72 * len(order), 0.46 * len(crit) + 1.9), layout="constrained")
    im = ax.imshow(np.ma.masked_invalid(values), cmap="viridis", vmin=0, vmax=100, aspect="auto")
    ax.set_yticks(range(len(crit)), [_wrap(framework.label(c, lang), 36) for c in crit], fontsize=8.5)
    ax.set_xticks(range(len(order)), [f"{r}. {n}" for r, n in zip(ranked["rank"], ranked["name"])],
                  rotation=40, ha="left", rotation_mode="anchor", fontsize=8.5)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    pillars = [framework.pillar_of(c) for c in crit]
    for i in range(1, len(crit)):
        if pillars[i] != pillars[i - 1]:
            ax.axhline(i - 0.5, color="white", lw=2.5)
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=8, color="white" if v < 60 else "black")
    for side in ax.spines.values():
        side.set_visible(False)
    fig.colorbar(im, ax=ax, shrink=0.6, pad=0.02, label=t("criterion_score_axis", lang))
    ax.set_title(t("heatmap_title", lang), pad=12)
    return fig


def use_sharp_figures() -> None:
    """Inline figures at twice the pixels, shown at their normal size (crisp on screens and in print)."""
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # not in a notebook kernel
        return
    set_matplotlib_formats("retina")


def _spread(n: int, width: float = 0.32) -> np.ndarray:
    """Deterministic vertical offsets for a strip of ``n`` points (a golden-ratio sequence, no RNG)."""
    return ((np.arange(n) * 0.6180339887) % 1.0 - 0.5) * 2 * width


@_plain_text
def national_position(population: pd.DataFrame, code: str, lang: Lang = "sv") -> Figure:
    """Every municipality's indicator index as a strip: the whole country, the SKR group, and ``code``.

    ``population``: ``code, name, skr_group, index`` (see :func:`award_eval.profile.national_position`).
    """
    pop = population.dropna(subset=["index"]).sort_values("index", kind="stable").reset_index(drop=True)
    me = population[population["code"] == code].iloc[0]
    group = pop[pop["skr_group"] == me["skr_group"]].reset_index(drop=True)
    rows = [(t("country", lang), pop),
            (_wrap(skr_group_name(me["skr_group"], lang), 24), group)]
    fig, ax = plt.subplots(figsize=(9.4, 2.8), layout="constrained")
    for y, (_label, frame) in enumerate(reversed(rows)):
        ax.scatter(frame["index"], y + _spread(len(frame)), s=12, color=MUTED, alpha=0.8, linewidths=0)
        med = frame["index"].median()
        ax.plot([med, med], [y - 0.42, y + 0.42], color=PEER, lw=2)
    for y in range(len(rows)):
        ax.scatter([me["index"]], [y], s=110, color=ACCENT, edgecolors="white", linewidths=1.5, zorder=3)
    ax.annotate(str(me["name"]), (me["index"], len(rows) - 1), xytext=(0, 13), textcoords="offset points",
                ha="center", fontsize=9, color=ACCENT, fontweight="bold",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
    ax.set_yticks(range(len(rows)), [label for label, _ in reversed(rows)])
    ax.set_ylim(-0.6, len(rows) - 0.2)
    ax.set_xlim(0, 100)
    ax.set_xlabel(t("indicator_index_axis", lang))
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.legend(handles=[Line2D([], [], marker="o", ls="", color=ACCENT, markersize=8, label=str(me["name"])),
                       Line2D([], [], color=PEER, lw=2, label=t("median", lang)),
                       Line2D([], [], marker="o", ls="", color=MUTED, markersize=4,
                              label=t("one_municipality", lang))],
              loc="lower left", bbox_to_anchor=(0, 1.02), ncol=3, frameon=False, fontsize=8.5)
    return fig


@_plain_text
def profile_bars(criteria: pd.DataFrame, framework: Framework, name: str, lang: Lang = "sv") -> Figure:
    """The municipality's score on each criterion (bars) against its peers' median (markers).

    ``criteria``: :func:`award_eval.profile.criteria_table`'s frame. Indicator criteria are
    compared with the SKR group's median, jury criteria with the nominees' median; the markers
    differ and the legend says which is which.
    """
    data = criteria.reset_index(drop=True)
    n = len(data)
    fig, ax = plt.subplots(figsize=(9.4, 0.42 * n + 1.6), layout="constrained")
    y = np.arange(n)[::-1]
    labels = [_wrap(framework.label(c, lang), 38) for c in data["criterion"]]
    colors = [ACCENT if k == "indicator" else "#5aa0cf" for k in data["kind"]]
    ax.barh(y, data["score"].fillna(0), color=colors, height=0.62)
    for yi, (score, ref, med) in zip(y, zip(data["score"], data["reference"], data["reference_median"])):
        if np.isfinite(score):
            # the value inside the bar's end (clear of the median marker); outside when the bar is short
            if score >= 12:
                ax.text(score - 1.2, yi - 0.04, fmt_number(score, lang, 0), va="center", ha="right", fontsize=8.5,
                        color="white", fontweight="bold")
            else:
                ax.text(score + 1.2, yi - 0.04, fmt_number(score, lang, 0), va="center", ha="left", fontsize=8.5)
        if np.isfinite(med):
            ax.plot([med], [yi], marker="D" if ref == "group" else "s", color=PEER, markersize=7,
                    markeredgecolor="white", zorder=3)
    pillars = list(data["pillar"])
    for i in range(1, n):
        if pillars[i] != pillars[i - 1]:
            ax.axhline(y[i] + 0.5, color="#d5dde5", lw=0.8, zorder=0)
    ax.set_yticks(y, labels, fontsize=9)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(0, 110)
    ax.set_xlabel(t("criterion_score_axis", lang))
    ax.spines[["top", "right"]].set_visible(False)
    handles = [Patch(color=ACCENT, label=f"{name}: {t('kind_indicator', lang)}")]
    if (data["kind"] == "jury").any():
        handles.append(Patch(color="#5aa0cf", label=f"{name}: {t('kind_jury', lang)}"))
    handles.append(Line2D([], [], marker="D", ls="", color=PEER, label=t("group_median", lang)))
    if (data["reference"] == "nominees").any():
        handles.append(Line2D([], [], marker="s", ls="", color=PEER, label=t("nominee_median", lang)))
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.01), ncol=2, frameon=False, fontsize=8.5)
    return fig
