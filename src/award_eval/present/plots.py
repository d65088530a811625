"""Matplotlib figures, one function per figure, each returning a Figure (no global state).

Names and labels from data files are drawn as plain text: every one passes :func:`_plain`, which
escapes ``$`` (``\\$``), so a label holding ``$…$`` is never parsed as a formula, whenever
matplotlib draws it (tick labels are made at draw time, outside any rc context). Labels are in the report's
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

from award_eval.criteria import Framework
from award_eval.i18n import Lang, fmt_number, fmt_percent, skr_group_name, t

ACCENT = "#2b6f9e"  # the report's accent (the evaluated municipality, the bars)
PEER = "#d55e00"  # peers' median (colour-blind safe against the accent)
MUTED = "#9aa5b1"
FIGURE_RC = {"font.size": 10, "axes.titlesize": 11, "axes.titleweight": "bold",
             "axes.titlelocation": "left", "svg.hashsalt": "award_eval"}


def _plain(text: object) -> str:
    """``text`` as matplotlib draws it literally: every ``$`` escaped, so no mathtext is parsed."""
    return str(text).replace("\\$", "$").replace("$", "\\$")


def _unplain(text: str) -> str:
    return text.replace("\\$", "$")


def _plain_text(func):
    """Run a figure function with the report's figure style (user text goes through :func:`_plain`)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with plt.rc_context(FIGURE_RC):
            return func(*args, **kwargs)
    return wrapper


def _wrap(text: str, width: int = 34) -> str:
    return _plain("\n".join(textwrap.wrap(str(text), width)) or str(text))


@_plain_text
def ranking_bar(ranking: pd.DataFrame, lang: Lang = "sv") -> Figure:
    """Horizontal bars of the total score, best at the top, rank in the label."""
    data = ranking.sort_values(["rank", "code"], ascending=[False, False])
    fig, ax = plt.subplots(figsize=(9.4, 0.42 * len(data) + 1.2), layout="constrained")
    labels = [_plain(f"{r}. {n}") for r, n in zip(data["rank"], data["name"])]
    ax.barh(labels, data["score"], color=ACCENT)
    for y, score in enumerate(data["score"]):
        ax.text(score + 0.8, y, fmt_number(score, lang, 1), va="center", fontsize=9)
    ax.set_xlim(0, 105)
    ax.set_xlabel(t("figure.ranking.score_axis", lang))
    ax.set_title(t("figure.ranking.title", lang))
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
    ax.set_xticks(range(len(order)), [_plain(f"{r}. {n}") for r, n in zip(ranked["rank"], ranked["name"])],
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
    fig.colorbar(im, ax=ax, shrink=0.6, pad=0.02, label=t("figure.criterion_score_axis", lang))
    ax.set_title(t("figure.heatmap.title", lang), pad=12)
    return fig


def alt_text(fig: Figure) -> str:
    """A text alternative for ``fig``: its titles, axis labels and legend, in the language they were drawn in.

    What a screen reader says for the figure in a report, and what a reviewer reads when the
    image does not load. Empty when the figure has no text.
    """
    parts: list[str] = []
    suptitle = fig.get_suptitle().strip()
    if suptitle:
        parts.append(suptitle)
    for ax in fig.axes:
        title = " ".join(ax.get_title(loc).strip() for loc in ("left", "center", "right")).strip()
        axes = [label for label in (ax.get_xlabel().strip(), ax.get_ylabel().strip()) if label]
        text = " ".join(title.split())
        if axes:
            text = f"{text} ({'; '.join(' '.join(a.split()) for a in axes)})" if text else "; ".join(axes)
        legend = ax.get_legend()
        keys = [" ".join(_unplain(x.get_text()).split()) for x in legend.get_texts()] if legend is not None else []
        if keys:
            text = f"{text}: {', '.join(k for k in keys if k)}" if text else ", ".join(k for k in keys if k)
        if text and text not in parts:
            parts.append(text)
    return ". ".join(parts)


def _png_with_alt(render):
    """Wrap IPython's PNG formatter so each figure's output carries :func:`alt_text` in its metadata."""
    def formatter(fig: Figure):
        out = render(fig)
        if out is None:
            return None
        data, metadata = out if isinstance(out, tuple) else (out, {})
        alt = alt_text(fig)
        return (data, {**(metadata or {}), "alt": alt}) if alt else out
    formatter.adds_alt_text = True  # type: ignore[attr-defined]
    return formatter


def attach_alt_text() -> None:
    """In a notebook kernel: every figure displayed from now on carries :func:`alt_text`, which the
    report uses as the image's alt text. Does nothing outside a kernel."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    try:  # importing the inline backend registers its figure formatters now, not at the first figure
        import matplotlib_inline.backend_inline  # noqa: F401
    except ImportError:
        pass
    png = shell.display_formatter.formatters["image/png"]
    try:
        render = png.lookup_by_type(Figure)
    except KeyError:  # no PNG formatter for figures (the inline backend is not active)
        return
    if not getattr(render, "adds_alt_text", False):
        png.for_type(Figure, _png_with_alt(render))


def use_sharp_figures() -> None:
    """Inline figures at twice the pixels, shown at their normal size (crisp on screens and in print),
    each with its text alternative (:func:`attach_alt_text`)."""
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # not in a notebook kernel
        return
    set_matplotlib_formats("retina")
    attach_alt_text()


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
    rows = [(t("figure.national.country", lang), pop),
            (_wrap(skr_group_name(me["skr_group"], lang), 24), group)]
    fig, ax = plt.subplots(figsize=(9.4, 2.8), layout="constrained")
    for y, (_label, frame) in enumerate(reversed(rows)):
        ax.scatter(frame["index"], y + _spread(len(frame)), s=12, color=MUTED, alpha=0.8, linewidths=0)
        med = frame["index"].median()
        ax.plot([med, med], [y - 0.42, y + 0.42], color=PEER, lw=2)
    for y in range(len(rows)):
        ax.scatter([me["index"]], [y], s=110, color=ACCENT, edgecolors="white", linewidths=1.5, zorder=3)
    ax.annotate(_plain(me["name"]), (me["index"], len(rows) - 1), xytext=(0, 13), textcoords="offset points",
                ha="center", fontsize=9, color=ACCENT, fontweight="bold",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
    ax.set_yticks(range(len(rows)), [label for label, _ in reversed(rows)])
    ax.set_ylim(-0.6, len(rows) - 0.2)
    ax.set_xlim(0, 100)
    ax.set_xlabel(t("figure.indicator_index_axis", lang))
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.legend(handles=[Line2D([], [], marker="o", ls="", color=ACCENT, markersize=8, label=_plain(me["name"])),
                       Line2D([], [], color=PEER, lw=2, label=t("figure.national.median", lang)),
                       Line2D([], [], marker="o", ls="", color=MUTED, markersize=4,
                              label=t("figure.national.one_municipality", lang))],
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
            # the value inside the bar's end; outside when the bar is short or the median marker sits
            # where the value would be written
            covered = bool(np.isfinite(med) and score - 10 <= med <= score + 0.5)
            if score >= 12 and not covered:
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
    ax.set_xlabel(t("figure.criterion_score_axis", lang))
    ax.spines[["top", "right"]].set_visible(False)
    handles = [Patch(color=ACCENT, label=_plain(f"{name}: {t('table.basis.indicator', lang)}"))]
    if (data["kind"] == "jury").any():
        handles.append(Patch(color="#5aa0cf", label=_plain(f"{name}: {t('table.basis.jury', lang)}")))
    handles.append(Line2D([], [], marker="D", ls="", color=PEER, label=t("figure.group_median", lang)))
    if (data["reference"] == "nominees").any():
        handles.append(Line2D([], [], marker="s", ls="", color=PEER, label=t("figure.nominee_median", lang)))
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.01), ncol=2, frameon=False, fontsize=8.5)
    return fig


def juror_severity(severity: pd.DataFrame, lang: Lang = "sv") -> Figure:
    """Each juror's mean offset from the rest of the panel (negative = harsher), with consistency."""
    data = severity.sort_values("severity")
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(data) + 1.4), layout="constrained")
    colours = ["#b5523b" if s < 0 else "#2b6f9e" for s in data["severity"]]
    ax.barh([_plain(j) for j in data["juror"]], data["severity"], color=colours)
    ax.axvline(0, color="black", linewidth=0.8)
    for y, (s, c) in enumerate(zip(data["severity"], data["consistency"])):
        ax.text(s + (0.03 if s >= 0 else -0.03), y, f"r = {fmt_number(c, lang, 2)}", va="center",
                ha="left" if s >= 0 else "right", fontsize=8)
    lim = max(0.5, float(np.nanmax(np.abs(data["severity"]))) * 1.6)
    ax.set_xlim(-lim, lim)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: fmt_number(v, lang, 1)))  # 0,5 in Swedish
    ax.set_xlabel(t("figure.severity.axis", lang))
    ax.set_title(t("figure.severity.title", lang))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def method_ranks(comparison: pd.DataFrame, names: pd.Series, lang: Lang = "sv") -> Figure:
    """How each nominee's jury rank moves between aggregation methods (one line per nominee)."""
    methods = list(dict.fromkeys(comparison["method"]))
    wide = comparison.pivot(index="nominee", columns="method", values="rank")[methods]
    fig, ax = plt.subplots(figsize=(1.8 * len(methods) + 2.5, 0.4 * len(wide) + 1.8), layout="constrained")
    for nominee, ranks in wide.iterrows():
        ax.plot(range(len(methods)), ranks.to_numpy(dtype=float), marker="o")
        ax.text(len(methods) - 1 + 0.08, float(ranks.iloc[-1]), _plain(names.get(nominee, nominee)),
                va="center", fontsize=8)
    ax.set_xticks(range(len(methods)), [t(f"board.method.short.{m}", lang) if m in ("mean", "median", "trimmed", "zscore")
                                        else m for m in methods])
    ax.set_xlim(-0.2, len(methods) - 0.2 + 0.8)
    ax.yaxis.set_major_locator(plt.MaxNLocator(integer=True))  # ranks: 1, 2, 3, never 1.5
    ax.invert_yaxis()
    ax.set_ylabel(t("figure.method.rank_axis", lang))
    ax.set_title(t("figure.method.title", lang))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def screening_strip(table: pd.DataFrame, lang: Lang = "sv") -> Figure:
    """Every municipality's screening score by SKR group (grey), nominees marked and named."""
    groups = sorted(table["skr_group"].dropna().unique())
    fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
    rng = np.random.default_rng(0)  # fixed jitter: the same figure on every run
    gap = 0.045 * (float(table["score"].max() - table["score"].min()) or 1.0)  # one label's height, roughly
    for i, group in enumerate(groups):
        part = table[table["skr_group"] == group].sort_values("code").reset_index(drop=True)
        jitter = rng.uniform(-0.28, 0.28, len(part))
        others = ~part["nominee"].to_numpy(dtype=bool)
        ax.scatter(i + jitter[others], part.loc[others, "score"], s=12, color="#9aa7b3", alpha=0.7)
        ax.scatter(i + jitter[~others], part.loc[~others, "score"], s=40, color="#c0392b", zorder=3)
        # nominees' names alternate right and left of their group, top score first; a name that would
        # sit on the one above it on the same side moves down, with a thin line to its dot
        named = part[~others].assign(x=i + jitter[~others]).sort_values("score", ascending=False)
        last = {0: np.inf, 1: np.inf}
        for k, (x, score, name) in enumerate(zip(named["x"], named["score"], named["name"])):
            side = k % 2
            y = min(float(score), last[side] - gap)
            last[side] = y
            ax.annotate(_plain(name), (x, score), xytext=(i + (0.34 if side == 0 else -0.34), y), textcoords="data",
                        fontsize=8, va="center", ha="left" if side == 0 else "right",
                        arrowprops=dict(arrowstyle="-", color="#c0392b", lw=0.6, shrinkA=0, shrinkB=3))
    ax.set_xticks(range(len(groups)), [_plain(g) for g in groups])
    ax.set_xlabel(t("figure.screening.group_axis", lang))
    ax.set_ylabel(t("figure.screening.axis", lang))
    ax.set_title(t("figure.screening.title", lang))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


# --- uncertainty (award_eval.uncertainty): appended below, one function per figure --------------

def rank_interval_chart(summary: pd.DataFrame, names: pd.Series | dict | None = None, lang: Lang = "sv",
                   probabilities: pd.DataFrame | None = None, top: int | None = 30) -> Figure:
    """Each unit's rank: 5–95 % interval (bar), median (tick) and nominal rank (diamond), sorted by
    nominal rank, best at the top; with ``probabilities`` (units × ranks, as
    ``MonteCarloResult.rank_probabilities()``) a grey disc per rank, its area the share of samples."""
    data = summary.sort_values("nominal", kind="stable")
    if top is not None:
        data = data.head(top)
    names = pd.Series(dict(names) if names is not None else {}, dtype=object)
    labels = [_plain(f"{int(r)}. {names.get(u, u)}") for u, r in zip(data.index, data["nominal"])]
    max_rank = int(max(data["q95"].max(), data["nominal"].max()))
    if probabilities is not None:
        shown = probabilities.loc[data.index]
        used = shown.columns[(shown > 0).any(axis=0)]
        max_rank = max(max_rank, int(max(used)) if len(used) else 1)
    y = np.arange(len(data))
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(data) + 1.6), layout="constrained")
    if probabilities is not None:
        p = probabilities.loc[data.index]
        yy, xx = np.nonzero(p.to_numpy() > 0)
        ax.scatter(p.columns.to_numpy()[xx], yy, s=650 * p.to_numpy()[yy, xx], color="#c9c9c9", zorder=1,
                   label=t("figure.uncertainty.share", lang), linewidths=0)
    ax.hlines(y, data["q05"], data["q95"], color="#2b6f9e", linewidth=5, alpha=0.55, zorder=2,
              label=t("figure.uncertainty.interval", lang))
    ax.scatter(data["median"], y, marker="|", s=260, color="#1b4965", linewidths=2.5, zorder=3,
               label=t("figure.uncertainty.median", lang))
    ax.scatter(data["nominal"], y, marker="D", s=40, color="#e07a1f", zorder=4, label=t("figure.uncertainty.nominal", lang))
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0.4, max_rank + 0.6)
    step = 1 if max_rank <= 20 else int(np.ceil(max_rank / 20))
    ax.set_xticks(np.arange(1, max_rank + 1, step))
    ax.set_xlabel(t("figure.uncertainty.interval_axis", lang))
    ax.set_title(t("figure.uncertainty.interval_title", lang))
    ax.grid(axis="x", color="#eeeeee", zorder=0)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / max(len(data), 1)), ncol=2, fontsize=8,
              frameon=False)
    return fig


def p_first_bar(summary: pd.DataFrame, names: pd.Series | dict | None = None, lang: Lang = "sv",
                top: int | None = 15) -> Figure:
    """P(first) per unit, largest at the top; units that never come first are left out."""
    data = summary[summary["p_first"] > 0].sort_values(["p_first", "nominal"], ascending=[False, True])
    if top is not None:
        data = data.head(top)
    names = pd.Series(dict(names) if names is not None else {}, dtype=object)
    labels = [_plain(f"{names.get(u, u)} ({int(r)})") for u, r in zip(data.index, data["nominal"])]
    pct = 100 * data["p_first"].to_numpy()
    fig, ax = plt.subplots(figsize=(7, 0.45 * max(len(data), 1) + 1.3), layout="constrained")
    ax.barh(labels, pct, color="#2b6f9e")
    for yv, v in enumerate(pct):
        ax.text(v + 1, yv, fmt_percent(v, lang, 1) if v < 99.95 else fmt_percent(100, lang, 0), va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel(t("figure.uncertainty.p_first_axis", lang))
    ax.set_title(t("figure.uncertainty.p_first_title", lang))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def sensitivity_bar(indices: pd.DataFrame, labels: dict | None = None, lang: Lang = "sv",
                    output: str = "score", unit: object = None, title: str | None = None) -> Figure:
    """Sobol indices of one output (default: the winner's score) by input: total ST (light bar)
    and first-order S1 (dark bar), each with its confidence interval; largest total at the top."""
    from award_eval.uncertainty.sensitivity import indices_of

    rows = indices_of(indices, output, unit)
    import textwrap

    labels = labels or {}
    names = [_plain(textwrap.fill(str(labels.get(i, i)), 34)) for i in rows["input"]]
    y = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(rows) + 1.5), layout="constrained")
    ax.barh(y - 0.18, rows["ST"].clip(lower=0), height=0.36, color="#9cc3df", xerr=rows["ST_conf"],
            error_kw={"elinewidth": 1, "capsize": 2, "ecolor": "#555555"}, label=t("figure.uncertainty.ST", lang))
    ax.barh(y + 0.18, rows["S1"].clip(lower=0), height=0.36, color="#1b4965", xerr=rows["S1_conf"],
            error_kw={"elinewidth": 1, "capsize": 2, "ecolor": "#555555"}, label=t("figure.uncertainty.S1", lang))
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlim(0, max(1.0, float((rows["ST"] + rows["ST_conf"]).max()) * 1.05))
    ax.set_xlabel(t("figure.uncertainty.sobol_axis", lang))
    ax.set_title(_plain(title) if title else t("figure.uncertainty.sobol_title", lang))
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def removal_bar(removal: pd.DataFrame, labels: dict | None = None, lang: Lang = "sv") -> Figure:
    """Mean rank change when each criterion is left out, largest at the top; red where the winner changes."""
    rows = removal.sort_values(["mean_abs_change", "max_abs_change"], ascending=False, kind="stable")
    labels = labels or {}
    names = [_plain(labels.get(c, c)) for c in rows.index]
    colours = ["#b5523b" if changed else "#2b6f9e" for changed in rows["winner_changed"]]
    fig, ax = plt.subplots(figsize=(7.5, 0.4 * len(rows) + 1.5), layout="constrained")
    ax.barh(names, rows["mean_abs_change"], color=colours)
    for yv, (v, changed) in enumerate(zip(rows["mean_abs_change"], rows["winner_changed"])):
        if changed:
            ax.text(v + 0.02, yv, t("figure.uncertainty.winner_changes", lang), va="center", fontsize=8, color="#b5523b")
    ax.invert_yaxis()
    ax.set_xlim(0, max(0.5, float(rows["mean_abs_change"].max()) * 1.25))
    ax.set_xlabel(t("figure.uncertainty.removal_axis", lang))
    ax.set_title(t("figure.uncertainty.removal_title", lang))
    ax.spines[["top", "right"]].set_visible(False)
    return fig
