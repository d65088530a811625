"""Tables of the uncertainty analysis for people: names for codes, words for inputs, headers in the report's language."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from award_eval.i18n import fmt_int, fmt_number, has, t
from award_eval.present.tables import Table, table, unit_label
from award_eval.uncertainty.montecarlo import MonteCarloResult

def _label(criteria: Any, code: str, lang: str) -> str:
    if criteria is None:
        return code
    try:
        return criteria.label(code, lang)
    except (KeyError, AttributeError):
        return code


def input_label(name: str, criteria: Any = None, lang: str = "sv", top: str = "index") -> str:
    """Words for a Sobol input: ``weights:services`` → 'Vikter inom Digitala tjänster …'."""
    if name.startswith("weights:"):
        code = name.split(":", 1)[1]
        if code == top:
            return t("uncertainty.input.weights_top", lang)
        return t("uncertainty.input.weights_in", lang, label=_label(criteria, code, lang))
    key = f"uncertainty.input.{name}"
    return t(key, lang) if has(key) else name


def summary_table(result: MonteCarloResult, names: Mapping | pd.Series | None = None,
                  lang: str = "sv") -> pd.DataFrame:
    """The summary for reading: municipality, rank, median, 5–95 % interval, P(first) in %."""
    s = result.summary
    names = pd.Series(dict(names) if names is not None else {}, dtype=object)
    # word joiners keep "1–2" on one line (a narrow column would break it after the dash)
    interval = [f"{_num(lo, lang)}\u2060–\u2060{_num(hi, lang)}" if lo != hi else _num(lo, lang)
                for lo, hi in zip(s["q05"], s["q95"])]
    table = pd.DataFrame({
        t("uncertainty.table.name", lang): [names.get(u, u) for u in s.index],
        t("uncertainty.table.nominal", lang): s["nominal"].to_numpy(),
        t("uncertainty.table.median", lang): [_num(v, lang) for v in s["median"]],
        t("uncertainty.table.interval", lang): interval,
        t("uncertainty.table.p_first", lang): [fmt_number(100 * p, lang, 1) for p in s["p_first"]],  # as the P(first) figure writes it
    })
    return table.set_index(t("uncertainty.table.name", lang))


def _num(v: float, lang: str = "sv") -> str:
    return fmt_number(v, lang, 0 if float(v).is_integer() else 1)


def as_table(frame: pd.DataFrame, lang: str = "sv", decimals: int = 1) -> Table:
    """A frame of this module as a report table: its index becomes the first column (no empty
    header cell), numbers are written as the report's language writes them."""
    return table(frame.reset_index(), lang, decimals=decimals)


def sobol_table(indices: pd.DataFrame, criteria: Any = None, lang: str = "sv", output: str = "score",
                unit: Any = None, decimals: int = 2, top: str = "index") -> pd.DataFrame:
    """One output's Sobol indices by input, largest total first: S1 ± and ST ±."""
    from award_eval.uncertainty.sensitivity import indices_of

    rows = indices_of(indices, output, unit)
    table = pd.DataFrame({
        t("uncertainty.table.input", lang): [input_label(i, criteria, lang, top) for i in rows["input"]],
        t("uncertainty.table.S1", lang): rows["S1"].clip(lower=0).round(decimals).to_numpy(),
        t("uncertainty.table.conf", lang, index=t("uncertainty.table.S1", lang)): rows["S1_conf"].round(decimals).to_numpy(),
        t("uncertainty.table.ST", lang): rows["ST"].clip(lower=0).round(decimals).to_numpy(),
        t("uncertainty.table.conf", lang, index=t("uncertainty.table.ST", lang)): rows["ST_conf"].round(decimals).to_numpy(),
    })
    return table.set_index(t("uncertainty.table.input", lang))


def removal_table(removal: pd.DataFrame, criteria: Any = None, names: Mapping | pd.Series | None = None,
                  lang: str = "sv", decimals: int = 2) -> pd.DataFrame:
    """Leave-one-out effects, largest first, with criterion labels and the winner's name."""
    names = pd.Series(dict(names) if names is not None else {}, dtype=object)
    rows = removal.sort_values(["mean_abs_change", "max_abs_change"], ascending=False, kind="stable")
    table = pd.DataFrame({
        t("uncertainty.table.left_out", lang): [_label(criteria, c, lang) for c in rows.index],
        t("uncertainty.table.mean_abs_change", lang): rows["mean_abs_change"].round(decimals).to_numpy(),
        t("uncertainty.table.max_abs_change", lang): rows["max_abs_change"].to_numpy(),
        t("uncertainty.table.winner", lang): [names.get(w, w) for w in rows["winner"]],
    })
    return table.set_index(t("uncertainty.table.left_out", lang))


def what_it_would_take_table(frame: pd.DataFrame, criteria: Any = None, units: Mapping | pd.Series | None = None,
                             lang: str = "sv", decimals: int = 1) -> pd.DataFrame:
    """:func:`~.whatif.what_it_would_take` for reading: labels, % weight, now → needed, the
    increase in points and in the criterion's own unit ('0.6 rubric steps')."""
    units = pd.Series(dict(units) if units is not None else {}, dtype=object)
    own = []
    for crit, row in frame.iterrows():
        if not row["reachable"]:
            own.append(t("uncertainty.table.unreachable", lang))
        elif "raw_increase" in frame.columns and np.isfinite(row["raw_increase"]):
            own.append(f"{fmt_number(row['raw_increase'], lang, 2, sign=True)} {unit_label(units.get(crit, ''), lang)}".strip())
        else:
            own.append("")
    table = pd.DataFrame({
        t("uncertainty.table.criterion", lang): [_label(criteria, c, lang) for c in frame.index],
        t("uncertainty.table.weight", lang): (100 * frame["weight"].astype(float)).round(decimals).to_numpy(),
        t("uncertainty.table.current", lang): frame["current"].astype(float).round(decimals).to_numpy(),
        t("uncertainty.table.needed", lang): frame["needed"].astype(float).round(decimals).to_numpy(),
        t("uncertainty.table.increase", lang): frame["increase"].astype(float).round(decimals).to_numpy(),
        t("uncertainty.table.raw_increase", lang): own,
    })
    return table.set_index(t("uncertainty.table.criterion", lang))


def smaa_table(result: Any, names: Mapping | pd.Series | None = None, lang: str = "sv",
               decimals: int = 1) -> pd.DataFrame:
    """Rank acceptability for reading: per nominee, the share of simulations (%) at each rank."""
    names = pd.Series(dict(names) if names is not None else {}, dtype=object)
    acc = result.acceptability
    table = pd.DataFrame({t("uncertainty.table.name", lang): [names.get(u, u) for u in acc.index]})
    for rank in acc.columns:
        table[t("uncertainty.smaa.rank", lang, rank=int(rank))] = (100 * acc[rank]).round(decimals).to_numpy()
    return table.set_index(t("uncertainty.table.name", lang))


def central_weights_table(result: Any, criteria: Any, names: Mapping | pd.Series | None = None,
                          lang: str = "sv", decimals: int = 0) -> pd.DataFrame:
    """The pillar weights (%) under which each nominee that can win typically wins, beside the jury's.

    Rows: the criteria file's weights, then every nominee that comes first in some simulation
    (most often first at the top); columns: the pillars, and how often the nominee wins.
    """
    names = pd.Series(dict(names) if names is not None else {}, dtype=object)
    pillars = [p.id for p in criteria.pillars]
    nominal = pd.Series({p.id: p.weight for p in criteria.pillars}, dtype=float)
    nominal = 100 * nominal / nominal.sum()
    cw = result.central_weights
    winners = cw[cw["share_first"] > 0].sort_values("share_first", ascending=False, kind="stable")
    label = t("uncertainty.smaa.who", lang)
    rows = [{label: t("uncertainty.smaa.file_weights", lang), t("uncertainty.table.p_first", lang): "",
             **{_label(criteria, p, lang): round(float(nominal[p]), decimals) for p in pillars}}]
    for unit, row in winners.iterrows():
        rows.append({label: names.get(unit, unit),
                     t("uncertainty.table.p_first", lang): fmt_number(100 * row["share_first"], lang, 1),
                     **{_label(criteria, p, lang): round(float(100 * row[p]), decimals) if p in row.index else ""
                        for p in pillars}})
    return pd.DataFrame(rows).set_index(label)


def split_list(text: str | None) -> list[str]:
    """A notebook parameter ``"arithmetic, geometric"`` as a list (empty text: empty list)."""
    if text is None:
        return []
    return [part.strip() for part in str(text).split(",") if part.strip()]


def settings_line(result: MonteCarloResult, lang: str = "sv") -> str:
    """One line saying what was varied, for the top of a report."""
    o = result.options
    parts = []
    if o["weights"] == "dirichlet":
        parts.append(t("uncertainty.settings.weights.dirichlet", lang, concentration=f"{o['concentration']:g}"))
    elif o["weights"] == "uniform":
        parts.append(t("uncertainty.settings.weights.uniform", lang, spread=f"{100 * o['spread']:.0f}"))
    else:
        parts.append(t("uncertainty.settings.weights.fixed", lang))
    means = [t(f"uncertainty.mean.{m}", lang) if has(f"uncertainty.mean.{m}") else m for m in o["aggregations"]]
    parts.append(t("uncertainty.settings.means", lang, means=", ".join(means)))
    if o["normalisations"]:
        parts.append(t("uncertainty.settings.normalisations", lang, names=", ".join(o["normalisations"])))
    if o["jury"]:
        parts.append(t("uncertainty.settings.jury", lang, how=t(f"uncertainty.jury.{o['jury']['resample']}", lang)))
    head = t("uncertainty.settings.head", lang, n=fmt_int(o["n"], lang), seed=o["seed"])
    return head + " — " + "; ".join(parts) + "."


def what_it_would_take_line(frame: pd.DataFrame, names: Mapping | pd.Series | None = None, lang: str = "sv") -> str:
    """One sentence above the table: who, where they stand, and whom they would catch."""
    names = pd.Series(dict(names) if names is not None else {}, dtype=object)
    a = frame.attrs
    who = names.get(a["unit"], a["unit"])
    if a.get("target_rank") is None:
        return t("uncertainty.what_it_would_take.first", lang, who=who)
    ahead = ", ".join(str(names.get(u, u)) for u in a["ahead"])
    return t("uncertainty.what_it_would_take.line", lang, who=who, rank=a["rank"], score=f"{a['score']:.1f}",
             target_rank=a["target_rank"], ahead=ahead, target_score=f"{a['target_score']:.1f}")
